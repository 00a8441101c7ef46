"""The parameters of each stage (cleaning, lifecycle, engine, features, segmentation, personas,
MIDAS, prediction, prioritization, monitoring) and of the report.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import Field, PrivateAttr, field_validator, model_validator

from seglab.config.source import Strict
from seglab.vocabulary import QUADRANTS

# --------------------------------------------------------------------------------------------
# stages
# --------------------------------------------------------------------------------------------
ONLINE_RETAIL_NON_PRODUCT = [
    "POST",
    "DOT",
    "M",
    "m",
    "D",
    "C2",
    "S",
    "B",
    "BANK CHARGES",
    "AMAZONFEE",
    "CRUK",
    "PADS",
]


class Cleaning(Strict):
    """``cleaning``: the rules of stage 01 (duplicates, prices, outliers, dates)."""

    drop_exact_duplicates: bool = True
    reject_zero_price: bool = Field(True, description="reject lines with a zero unit price (free items, samples)")
    calendar: Literal["gregorian", "jalali"] = Field(
        "gregorian", description="calendar of text dates: jalali parses Shamsi dates such as 1402/05/12"
    )
    dayfirst: bool = Field(False, description="text dates are day first (31/12/2024)")
    decimal_mark: Literal["auto", ".", ","] = Field(
        "auto",
        description="the decimal mark of numbers written as text: auto = read from each column's values (12,5 "
        "and 1.234,56 are decimal comma; 12.5 and 1,234.56 decimal point); '1,234' with no other evidence is 1234",
    )
    letters: Literal["auto", "persian", "arabic", "as_is"] = Field(
        "auto",
        description="Arabic ي/ك/ى and Persian ی/ک in text values: persian writes them ی/ک, arabic ي/ك, as_is "
        "keeps them (a cp1256 export writes ي for ی: the same word would otherwise be two values); auto = "
        "persian when a table's text has Persian letters (پ چ ژ گ ی ک), else as_is",
    )
    outlier_iqr_factor: float = Field(
        3.0, gt=0, description="flag lines whose log(1+|revenue|) is above Q3 + factor x IQR"
    )
    drop_outliers: bool = Field(False, description="reject flagged outliers instead of keeping them")
    cancellation_prefix: str | None = Field("C", description="order ids starting with this are cancellations")
    non_product_codes: list[str] = Field(default_factory=lambda: list(ONLINE_RETAIL_NON_PRODUCT))
    non_product_prefixes: list[str] = Field(default_factory=lambda: ["gift_0001_", "DCGS"])
    reject_future_days: int = Field(
        1, ge=0, description="reject rows dated more than this many days after the run date"
    )
    min_date: date = Field(
        date(1970, 1, 1),
        description="reject rows dated before this day as implausible (typing "
        "errors, 1900-01-01 placeholders); sign-up dates before it "
        "are read as unknown",
    )
    timezone: str = Field(
        "UTC",
        description="time zone of the run: timestamps that carry a zone (…Z, +03:30) are "
        "converted to it; those without one are taken as already in it",
    )

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("not a time zone name; use an IANA name such as UTC, Europe/London, Asia/Tehran") from None
        return v


class Lifecycle(Strict):
    """``features.lifecycle``: the tenure and recency thresholds of the lifecycle stages."""

    new_days: int = Field(90, ge=1, description="tenure below this: new")
    long_term_days: int = Field(365, ge=1, description="tenure at or above this: long-term")
    lapsing_days: int = Field(120, ge=1, description="recency at or above this: lapsing")
    lapsed_days: int = Field(270, ge=1, description="recency at or above this: lapsed")

    @model_validator(mode="after")
    def _ordered(self) -> Lifecycle:
        if not self.lapsing_days < self.lapsed_days:
            raise ValueError("lapsing_days must be smaller than lapsed_days")
        if not self.new_days <= self.long_term_days:
            raise ValueError("new_days must not exceed long_term_days")
        return self


class Spark(Strict):
    """``engine.spark``: the Spark master and settings."""

    master: str = Field("local[*]", description="Spark master URL: local[*], spark://host:7077, yarn, ...")
    config: dict[str, str] = Field(default_factory=dict, description="extra Spark settings (spark.* keys)")


class Engine(Strict):
    """``engine``: where the stages compute on the order lines (stage 01 on a Parquet source, the
    features, the history, monitoring, the prediction). Where they compute never changes a result, so
    the engine is not part of any file's lineage.
    """

    kind: Literal["duckdb", "spark"] = Field(
        "duckdb",
        description="duckdb (in this process) or spark (pyspark and Java needed); spark also cleans a Parquet "
        "source's order lines where they lie (stage 01)",
    )
    duckdb: dict[str, str | int | float | bool] = Field(
        default_factory=dict,
        description="DuckDB settings when kind: duckdb, e.g. {memory_limit: 8GB, threads: 8}; "
        "threads default to twice the processors (the hash aggregations wait on memory: 2 threads per processor "
        "were up to 15 % faster than 1 in benchmarks/features.py)",
    )
    spark: Spark = Field(default_factory=Spark)


#: Where the engine's settings were before they had a section of their own: features.<old> -> engine.<new>.
ENGINE_MOVED = {"engine": "kind", "duckdb": "duckdb", "spark": "spark"}


class Features(Strict):
    """``features``: stage 02 (as-of date, window, ordered answers, lifecycle). The functions that
    read the order lines open the run's engine from it (:attr:`engine`: the ``engine`` section of
    the parameters it belongs to).
    """

    _engine: Engine | None = PrivateAttr(default=None)

    @property
    def engine(self) -> Engine:
        """The run's ``engine`` section (DuckDB for features made on their own)."""
        return self._engine or Engine()

    def on(self, engine: Engine) -> Features:
        """These features' parameters, computed on ``engine``."""
        out = self.model_copy()
        out._engine = engine
        return out

    as_of: date | None = Field(None, description="point in time; default: the last transaction date")
    window_days: int | Literal["all"] | None = Field(
        None,
        description="the window of behaviour, the same for the model and monitoring: the last N days up to as_of "
        "(tenure still counts from the first purchase); null = 365 days, or the history less a quarter (92 days) "
        "when it is shorter than 457 days, or all of it under 184 days; all = all history (monitoring then has one "
        "period)",
    )
    ordinal: dict[str, list[str]] = Field(
        default_factory=dict,
        description="customer/survey text column -> its levels in order (encoded 0, 1, 2, ...)",
    )
    lifecycle: Lifecycle = Field(default_factory=Lifecycle)
    min_history_days: int = Field(
        28,
        ge=1,
        le=3650,
        description="a history of order lines shorter than this many days cannot show repeat buying, recency or "
        "tenure: orders, days since last purchase, tenure, days between purchases and spend trend are then not "
        "measured (left out of the default segmentation features, of persona names and of traits)",
    )

    @field_validator("window_days", mode="before")
    @classmethod
    def _window(cls, v: Any) -> Any:
        if v is None or v == "all":
            return v
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError(
                "a number of days (1 or more), all (all history) or null (a year, or less on a short history)"
            )
        return v


class Segmentation(Strict):
    """``segmentation``: stage 03 (method, k range, features, stability, preparation)."""

    method: Literal["kmeans", "minibatch_kmeans", "gmm", "ward", "kprototypes", "rfm"] = Field(
        "kmeans", description="clustering method; rfm = the RFM-score baseline (named groups, no k to choose)"
    )
    k: int | None = Field(None, ge=2, le=100, description="fix k; null chooses k from k_min..k_max")
    k_min: int = Field(2, ge=2, le=100)
    k_max: int = Field(8, ge=2, le=100)
    features: list[str] | None = Field(
        None,
        description="the features to cluster on; null: the registry's defaults (README: Feature catalog, "
        "column 'clustered by default'), or for a customer-level source every encoded column",
    )
    silhouette_sample: int = Field(4000, ge=100, description="silhouette on a seeded sample above this size")
    selection_sample: int | None = Field(
        100_000,
        ge=1000,
        description="with more customers than this, k is chosen on a seeded sample of this many (every index, "
        "stability and segment share measured there), then the chosen k is fitted on every customer, starting "
        "from the sample's solution; null: choose on every customer",
    )
    min_segment_share: float = Field(0.02, ge=0.0, lt=0.5, description="smallest acceptable segment share")
    n_init: int = Field(10, ge=1)
    batch_size: int = Field(4096, ge=64, description="minibatch_kmeans: rows per batch")
    gmm_covariance: Literal["full", "diag"] = Field("full", description="gmm: covariance of each component")
    ward_sample: int = Field(10000, ge=100, description="ward: customers clustered (then every customer is assigned)")
    categorical: list[str] = Field(
        default_factory=list,
        description=(
            "kprototypes: categorical variables (a text column such as lifecycle, or a one-hot group such as gender)"
        ),
    )
    lenses: list[str] = Field(
        default_factory=list,
        description="add every available feature of these lenses (feature_catalog.csv) to features",
    )
    weights: dict[str, float] = Field(
        default_factory=dict, description="feature -> weight multiplying its prepared values (default 1)"
    )
    bootstrap: int = Field(10, ge=0, description="refits on resamples per k for the stability index (0 = off)")
    bootstrap_sample: int = Field(
        5000, ge=100, description="customers per bootstrap resample (and in the evaluation set)"
    )
    good_margin: float = Field(
        0.1, ge=0.0, le=1.0, description="a k is 'good' when its consensus is within this of the best eligible k"
    )
    winsor: tuple[float, float] = Field(
        (0.01, 0.99), description="clip each prepared feature to these quantiles of the training customers"
    )
    scaling: Literal["standard", "robust"] = Field(
        "standard", description="standard: (x - mean) / std; robust: (x - median) / (IQR / 1.349), std where IQR is 0"
    )

    @model_validator(mode="after")
    def _k_range(self) -> Segmentation:
        if self.k_min > self.k_max:
            raise ValueError(f"k_min ({self.k_min}) must not exceed k_max ({self.k_max})")
        if self.features is not None and not self.features:
            raise ValueError("features must name at least one feature (or be null: the default features)")
        lo, hi = self.winsor
        if not 0 <= lo < hi <= 1:
            raise ValueError(f"winsor must be two quantiles 0 <= low < high <= 1, got {list(self.winsor)}")
        return self


class Personas(Strict):
    """``personas``: how archetype names are matched to segments."""

    min_score: float = Field(0.3, description="an archetype name needs at least this rule score")
    rules: dict[str, dict[str, float]] | None = Field(
        None, description="archetype -> {feature: weight}; null uses seglab.personas.DEFAULT_RULES"
    )


class Midas(Strict):
    """``midas``: the thresholds of the MIDAS check."""

    min_share: float = Field(0.03, ge=0.0, le=1.0, description="Measurable: segment share at least this")
    min_fidelity: float = Field(0.8, ge=0.0, le=1.0, description="Definable: rule fidelity at least this")
    min_reachable: float = Field(0.5, ge=0.0, le=1.0, description="Actionable: reachable share at least this")
    min_value_share: float = Field(0.02, ge=0.0, le=1.0, description="Viable: value share at least this")


class Prediction(Strict):
    """``prediction``: next-period buying and spend (stage 04)."""

    enabled: bool = Field(True, description="predict buying and spend in the next period (stage 04)")
    horizon_days: int = Field(90, ge=7, le=730, description="length of the next period (and of each hold-out period)")
    min_history_days: int = Field(
        30, ge=1, description="history needed before the first training date (as_of - 2 x horizon_days)"
    )
    clv_months: int = Field(
        12, ge=1, le=120, description="months of lifetime value (BG/NBD purchases x Gamma-Gamma spend per purchase)"
    )
    discount_rate: float = Field(
        0.10, ge=0, le=1, description="yearly rate at which future months of lifetime value are discounted"
    )


ATTRACTIVENESS_COMPONENTS = (
    "size",
    "growth",
    "value_per_customer",
    "total_value",
    "predicted_value",
    "competition",
    "fit",
    "outcome",
)
ABILITY_COMPONENTS = ("appeal", "coverage", "media_mix", "credibility")


class Weights(Strict):
    """``prioritization.weights``: the weight of each component on its axis."""

    attractiveness: dict[str, float] = Field(
        default_factory=lambda: {
            "size": 1.0,
            "growth": 1.0,
            "value_per_customer": 1.0,
            "total_value": 1.0,
            "predicted_value": 1.0,
            "competition": 0.5,
            "fit": 0.5,
            "outcome": 0.0,
        }
    )
    ability_to_win: dict[str, float] = Field(
        default_factory=lambda: {"appeal": 1.0, "coverage": 1.0, "media_mix": 0.5, "credibility": 1.0}
    )

    @model_validator(mode="after")
    def _known(self) -> Weights:
        for axis, known in (("attractiveness", ATTRACTIVENESS_COMPONENTS), ("ability_to_win", ABILITY_COMPONENTS)):
            w = getattr(self, axis)
            for key, val in w.items():
                if key not in known:
                    raise ValueError(f"{axis}: unknown component '{key}'; components are {', '.join(known)}")
                if val < 0:
                    raise ValueError(f"{axis}.{key}: weight must be >= 0, got {val}")
            if sum(w.values()) <= 0:
                raise ValueError(f"{axis}: at least one weight must be positive")
        return self


class AnalystInput(Strict):
    """``prioritization.analyst_inputs.<segment>``: judgement calls, each with its reason."""

    competition: float | None = Field(
        None, ge=0.0, le=1.0, description="0 = fierce competition, 1 = none (unset: neutral 0.5)"
    )
    fit: float | None = Field(
        None, ge=0.0, le=1.0, description="fit with the company or brand, 0..1 (unset: neutral 0.5)"
    )
    appeal: float | None = Field(
        None, ge=0.0, le=1.0, description="how much our offer appeals to them, 0..1 (replaces the data's)"
    )
    coverage: float | None = Field(
        None, ge=0.0, le=1.0, description="how well our channels reach them, 0..1 (replaces the data's)"
    )
    media_mix: float | None = Field(
        None, ge=0.0, le=1.0, description="how well our media mix reaches them, 0..1 (replaces the data's)"
    )
    credibility: float | None = Field(
        None, ge=0.0, le=1.0, description="our credibility with them, 0..1 (replaces the data's)"
    )
    reason: str = Field("", description="why these values (kept in boston_matrix.csv)")


class Override(Strict):
    """``prioritization.overrides``: a quadrant set by the analyst, with the reason."""

    segment: int = Field(ge=1)
    quadrant: Literal[QUADRANTS]
    reason: str = Field(min_length=3)


class Sensitivity(Strict):
    """``prioritization.sensitivity``: the random weight changes that test each placement."""

    draws: int = Field(500, ge=0, le=100_000, description="random weight sets around the given weights (0 = off)")
    spread: float = Field(
        0.5, gt=0.0, le=3.0, description="each weight is multiplied by exp(N(0, spread^2)) in every draw"
    )
    fragile_below: float = Field(
        0.8, ge=0.0, le=1.0, description="a placement kept in fewer draws than this is fragile"
    )
    fragile_ignore_share: float = Field(
        0.4,
        gt=0.0,
        le=1.0,
        description="the placements in Ignore are fragile when the segments placed there hold at least this share "
        "of the customers (1 = only when every customer is ignored)",
    )


class Budget(Strict):
    """``prioritization.budget``: the total and each quadrant's weight."""

    total: float = Field(100_000.0, ge=0.0, description="budget to split across segments (any currency)")
    quadrant_weights: dict[Literal[QUADRANTS], float] = Field(
        default_factory=lambda: {"Target": 0.45, "Convert": 0.35, "Grow": 0.20, "Ignore": 0.0},
        description="weight of a unit of segment value in each quadrant: a segment's budget is proportional to "
        "its quadrant's weight x its value; weights may not rise from Target to Ignore",
    )

    @model_validator(mode="after")
    def _weights(self) -> Budget:
        w = {q: self.quadrant_weights.get(q, 0.0) for q in QUADRANTS}
        if any(v < 0 for v in w.values()):
            raise ValueError(f"quadrant_weights must be >= 0, got {self.quadrant_weights}")
        if sum(w.values()) <= 0:
            raise ValueError("quadrant_weights: at least one weight must be positive")
        order = list(QUADRANTS)
        for hi, lo in zip(order, order[1:], strict=False):
            if w[lo] > w[hi]:
                raise ValueError(
                    f"quadrant_weights: {lo} ({w[lo]}) above {hi} ({w[hi]}): a segment of a "
                    "lower-priority quadrant would get more than one of equal value in a higher one"
                )
        return self


class Prioritization(Strict):
    """``prioritization``: stage 05 (weights, threshold, analyst inputs, overrides, budget)."""

    weights: Weights = Field(default_factory=Weights)
    threshold: float = Field(0.5, gt=0.0, lt=1.0, description="axis score at/above which an axis is 'high'")
    analyst_inputs: dict[int, AnalystInput] = Field(default_factory=dict, description="segment -> inputs")
    overrides: list[Override] = Field(default_factory=list)
    sensitivity: Sensitivity = Field(default_factory=Sensitivity)
    budget: Budget = Field(default_factory=Budget)
    value_basis: Literal["auto", "observed", "clv"] = Field(
        "auto",
        description="what the value components and the budget rest on: observed net value, or the expected "
        "lifetime value of stage 04 (clv); auto: lifetime value when its spend forecast beat the naive one on the "
        "hold-out, else observed",
    )
    outcomes: dict[str, Literal["good", "bad"]] = Field(
        default_factory=dict,
        description="outcome column (as in features_meta.json's outcomes) -> good (higher is better: response, "
        "subscribed) or bad (churn): the outcomes that enter the attractiveness component `outcome`, with their "
        "direction; empty = every outcome whose direction stage 02 knows",
    )


class Monitoring(Strict):
    """``monitoring``: stage 06 (period, window, growth thresholds)."""

    period: Literal["month", "quarter"] = Field("quarter", description="length of each monitoring period")
    calendar: Literal["auto", "as_of", "gregorian", "jalali"] = Field(
        "auto",
        description="where the periods start and end: jalali = Jalali seasons (quarter: spring = 1 Farvardin to 31 "
        "Khordad, ...) or months; gregorian = calendar quarters or months; both keep whole periods only (the days "
        "after the last whole one up to as_of are in no period yet); as_of = counted back from as_of, so the last "
        "period ends on it; auto = jalali when the source's dates are Jalali (cleaning.calendar: jalali), else "
        "as_of (never the report's language: the periods are the same in every language the run is read in)",
    )
    growth_window_months: int = Field(
        6,
        ge=1,
        description="growth compares the last N months of periods with the same months a year earlier when the "
        "history holds them, else with the N months before",
    )
    grow_above: float = Field(
        0.2,
        ge=0.0,
        description="a segment whose share of the active customers grew by more than this (0.2 = +20 % of its "
        "share), beyond what resampling explains, is flagged growing",
    )
    shrink_below: float = Field(
        -0.2,
        le=0.0,
        description="a segment whose share of the active customers fell by more than this, beyond what resampling "
        "explains, is flagged shrinking",
    )
    bootstrap: int = Field(
        1000,
        ge=100,
        le=100_000,
        description="seeded resamples of each period's active customers that give the interval of each change of share",
    )
    confidence: float = Field(
        0.95, ge=0.5, lt=1.0, description="coverage of that interval: a change is real when the interval excludes 0"
    )

    @model_validator(mode="before")
    @classmethod
    def _one_window(cls, data: Any) -> Any:
        """``monitoring.window_days`` is gone: the model and monitoring share ``features.window_days``
        (a null left in an older parameters file is accepted).
        """
        if isinstance(data, dict) and "window_days" in data:
            value = data["window_days"]
            data = {k: v for k, v in data.items() if k != "window_days"}
            if value is not None:
                raise ValueError(
                    f"monitoring.window_days ({value}) is no longer a parameter: the model and monitoring use one "
                    f"window of behaviour, features.window_days; set features.window_days: {value} instead"
                )
        return data


class Report(Strict):
    """``report``: how the pages look."""

    show_code: bool = Field(False, description="show code cells in the HTML reports")
    language: Literal["en", "fa", "ar"] = Field(
        "en",
        description="language of the pages: en (English), fa (Persian), ar (Arabic); fa and ar read right to left",
    )
    currency: str | None = Field(
        None,
        max_length=24,
        description="currency of the amounts, shown with each one: an ISO 4217 code (EUR, GBP, USD, IRR) or a unit "
        "such as 'toman'; empty: amounts carry no unit and the pages say the currency is not set",
    )
    calendar: Literal["auto", "gregorian", "jalali", "hijri"] = Field(
        "auto",
        description="calendar of the dates shown: auto = Jalali for fa, Gregorian otherwise; hijri = Umm al-Qura",
    )
    words: str | None = Field(
        None,
        max_length=500,
        description="a CSV of your data's words in the readers' languages: a column word (a column name or a "
        "category as the data write it: age, Income band, female, Electronics), then one column per language "
        "(en, fa, ar); shown in place of the data's word on every page and chart; null = the data's words as written",
    )
    languages: list[Literal["en", "fa", "ar"]] = Field(
        default_factory=list,
        description="further languages of the pages, each rendered from the same results (nothing computed "
        "again) into reports/<run>/<language>/; the exports add the persona name in each (persona_<language>)",
    )

    @field_validator("languages")
    @classmethod
    def _each_once(cls, v: list[str]) -> list[str]:
        return list(dict.fromkeys(v))
