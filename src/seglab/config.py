"""Run parameters: one YAML file describes a run; it is validated before anything runs.

The top-level keys of the file are also the notebooks' ``parameters`` cells: each
notebook declares the sections it needs with their default values, and the
pipeline injects the run's values for those sections.

Unknown keys and bad values raise :class:`ParamsError` with a message that names
the file, the key path, the problem and (for unknown keys) the closest known key.
"""

from __future__ import annotations

import difflib
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from seglab import secret
from seglab.i18n import N_
from seglab.vocabulary import QUADRANTS


class ParamsError(ValueError):
    """A parameters file or notebook parameter is invalid; the message says where and how to fix it."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


# --------------------------------------------------------------------------------------------
# source
# --------------------------------------------------------------------------------------------
class SyntheticSource(_Strict):
    """``source.synthetic``: the embedded synthetic CRM."""

    n_customers: int = Field(5000, ge=50, description="number of synthetic customers")
    months: int = Field(24, ge=3, le=120, description="months of history")
    start: date = Field(date(2023, 1, 1), description="first day of the history")


CANONICAL_TABLES = ("transactions", "customers", "sessions", "campaign_events", "survey")
LENSES = ("demographic", "geographic", "psychographic", "behavioural", "firmographic", "contactability")
SECRET_MESSAGE = secret.MESSAGE


#: Canonical columns of each table, the names ``columns`` maps to (other columns keep their own
#: names in snake_case, or take a new one through ``rename``).
CANONICAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "transactions": (
        "customer_id",
        "order_id",
        "timestamp",
        "quantity",
        "unit_price",
        "product_id",
        "category",
        "discount",
        "channel",
        "description",
        "country",
        "city",
        "region",
    ),
    "customers": ("customer_id", "signup_date", "email_opt_in", "sms_opt_in"),
    "sessions": ("customer_id", "timestamp", "converted", "channel", "session_id"),
    "campaign_events": ("customer_id", "campaign_id", "sent_at", "opened", "clicked", "converted", "channel"),
    "survey": ("customer_id",),
}
#: What a customer-level column can be declared to measure (``roles.behaviour``).
BEHAVIOUR_ROLES = {
    "orders": N_("number of purchases (orders); several columns are summed"),
    "recency_days": N_("days since the last purchase"),
    "tenure_days": N_("days as a customer"),
    "tenure_months": N_("months as a customer"),
    "discount_orders": N_("purchases made with a discount or deal (a count, or a share of purchases when 0..1)"),
    "visits": N_("visits of the web shop or app (a count)"),
    "campaign_responses": N_("0/1 answers to campaigns (accepted, responded); several columns are averaged"),
}
CHANNELS = ("web", "store", "app")


def _as_list(v):
    return [v] if isinstance(v, str) else v


class Roles(_Strict):
    """What the columns of a table are (names as in the source file or in snake_case)."""

    value: list[str] = Field(default_factory=list, description="customer value in money: a column, or a list summed")
    spend: list[str] = Field(
        default_factory=list,
        description="spend per category (money); summed into the value when `value` is not given; each column's "
        "share of the customer's spend becomes a feature",
    )
    flags: list[str] = Field(default_factory=list, description="yes/no or 0/1 columns")
    codes: list[str] = Field(
        default_factory=list, description="categories stored as numbers (a code is never high or low)"
    )
    sentinels: dict[str, float] = Field(
        default_factory=dict, description="column -> the value that means never / not applicable (e.g. pdays: -1)"
    )
    numbers: list[str] = Field(
        default_factory=list,
        description="plain numbers: every value is real (no value read as a marker for never or unknown)",
    )
    outcomes: list[str] = Field(
        default_factory=list,
        description="outcomes known only after the fact (churn, a campaign's answer, a call's duration): shown per "
        "segment, never clustered unless segmentation.features names them",
    )
    signup: str | None = Field(None, description="the date the customer joined (tenure counts from it)")
    dates: list[str] = Field(default_factory=list, description="other date columns (read as dates, not clustered)")
    ignore: list[str] = Field(default_factory=list, description="columns left out of features and profiles")
    behaviour: dict[str, str | list[str]] = Field(
        default_factory=dict,
        description="customer-level behaviour: " + "; ".join(f"{k}: {v}" for k, v in BEHAVIOUR_ROLES.items()),
    )
    channels: dict[str, str] = Field(
        default_factory=dict,
        description="customer-level: channel (web, store, app or your own name) -> column counting its purchases",
    )
    channel_values: dict[str, str] = Field(
        default_factory=dict,
        description="transactions: channel value as written in the data -> web, store, app (or another name), "
        "in any language, e.g. {وب: web, فروشگاه: store, online: web}",
    )

    @field_validator("value", "spend", "flags", "codes", "numbers", "outcomes", "dates", "ignore", mode="before")
    @classmethod
    def _one_or_many(cls, v):
        return _as_list(v)

    @field_validator("behaviour")
    @classmethod
    def _known_behaviour(cls, v: dict) -> dict:
        for key in v:
            if key not in BEHAVIOUR_ROLES:
                close = difflib.get_close_matches(key, list(BEHAVIOUR_ROLES), n=1)
                raise ValueError(
                    f"unknown behaviour role '{key}'"
                    + (f" (did you mean '{close[0]}'?)" if close else "")
                    + f"; roles are {', '.join(BEHAVIOUR_ROLES)}"
                )
        return v

    def named(self) -> list[str]:
        """Every column these roles name (as written)."""
        out = [
            *self.value,
            *self.spend,
            *self.flags,
            *self.codes,
            *self.sentinels,
            *self.numbers,
            *self.outcomes,
            *self.dates,
            *self.ignore,
            *self.channels.values(),
        ]
        out += [self.signup] if self.signup else []
        for cols in self.behaviour.values():
            out += _as_list(cols)
        return out


class TableSource(_Strict):
    """``source.tables.<table>``: one source table, its format, columns and roles."""

    path: str | None = Field(None, description="file path, relative to the project root or absolute")
    format: Literal["auto", "csv", "tsv", "whitespace", "parquet", "excel", "duckdb", "postgres"] = Field(
        "auto", description="auto = from the file extension"
    )
    preset: Literal["online_retail", "cdnow"] | None = Field(
        None, description="column names (and reading options) of a known public export"
    )
    columns: dict[str, str] = Field(
        default_factory=dict, description="canonical column -> column name in the source (canonical names only)"
    )
    rename: dict[str, str] = Field(
        default_factory=dict, description="new name -> column name in the source, for columns that are not canonical"
    )
    roles: Roles = Field(default_factory=Roles, description="what the columns are (README: Customer-level data)")
    customer_columns: list[str] = Field(
        default_factory=list,
        description="canonical columns of this table that describe the customer (moved to `customers`)",
    )
    keep_other_columns: bool = Field(True, description="keep unmapped columns (in snake_case)")
    csv_sep: str = Field("auto", description="CSV separator; auto = sniffed from the file")
    encoding: str = Field("auto", description="text encoding; auto = UTF-8 (with or without BOM), else detected")
    quotechar: str = Field('"', min_length=1, max_length=1)
    sheet: str | int = Field(0, description="Excel sheet: name or 0-based index")
    table: str | None = Field(None, description="duckdb/postgres: table name")
    query: str | None = Field(None, description="duckdb/postgres: SQL query (instead of table)")
    url_env: str | None = Field(
        None,
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="postgres: NAME of the environment variable holding the connection URL (never the URL)",
    )
    lenses: dict[str, list[str]] = Field(
        default_factory=dict, description="customer-level sources: lens -> columns (missing: guessed)"
    )
    value_column: str | None = Field(None, description="the same as roles.value with one column (kept for older files)")

    @field_validator("path", "query", "table")
    @classmethod
    def _no_secrets(cls, v: str | None) -> str | None:
        if v and secret.looks_secret(v.strip()):
            raise ValueError(SECRET_MESSAGE)
        return v

    @field_validator("lenses")
    @classmethod
    def _known_lenses(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        for lens in v:
            if lens not in LENSES:
                raise ValueError(f"unknown lens '{lens}'; lenses are {', '.join(LENSES)}")
        return v

    @model_validator(mode="after")
    def _value_alias(self) -> TableSource:
        if self.value_column:
            if self.roles.value and self.roles.value != [self.value_column]:
                raise ValueError("value_column and roles.value disagree: give only roles.value")
            self.roles.value = [self.value_column]
        return self

    @model_validator(mode="after")
    def _where(self) -> TableSource:
        if self.format in ("duckdb", "postgres") and not (self.table or self.query):
            raise ValueError(f"format {self.format} needs `table` or `query`")
        if self.format == "postgres":
            if not self.url_env:
                raise ValueError("format postgres needs url_env: the name of the environment variable holding the URL")
        elif not self.path:
            raise ValueError("`path` is required (except for format postgres)")
        return self


class Source(_Strict):
    """``source``: synthetic data or the analyst's tables."""

    kind: Literal["synthetic", "files"] = "synthetic"
    synthetic: SyntheticSource = Field(default_factory=SyntheticSource)
    tables: dict[str, TableSource] = Field(default_factory=dict)
    history_start: date | None = Field(
        None,
        description="the day the customers' history begins: no customer in the data bought before it (when the "
        "business began, or the data's first day for an export that holds every purchase); null: unknown, so "
        "customers first seen within features.lifecycle.lapsed_days of the data's start may have bought before "
        "and their tenure is only a lower bound",
    )

    @field_validator("tables")
    @classmethod
    def _known_tables(cls, v: dict[str, TableSource]) -> dict[str, TableSource]:
        for name, spec in v.items():
            if name not in CANONICAL_TABLES:
                raise ValueError(f"unknown table '{name}'; tables are {', '.join(CANONICAL_TABLES)}")
            known = CANONICAL_COLUMNS[name]
            for key in spec.columns:
                if key not in known:
                    close = difflib.get_close_matches(key, known, n=1, cutoff=0.5)
                    hint = f"did you mean '{close[0]}'? " if close else ""
                    raise ValueError(
                        f"tables.{name}.columns: '{key}' is not a canonical column of {name}; {hint}"
                        f"canonical columns are {', '.join(known)}. To give another column a name of its own, "
                        f"use tables.{name}.rename: {{{key}: {spec.columns[key]}}}"
                    )
            clash = sorted(set(spec.rename) & set(known))
            if clash:
                raise ValueError(f"tables.{name}.rename: {clash} are canonical names: map them in columns instead")
        return v

    @model_validator(mode="after")
    def _files_need_a_table(self) -> Source:
        if self.kind == "files" and not ({"transactions", "customers"} & set(self.tables)):
            raise ValueError(
                "kind 'files' needs source.tables.transactions, or source.tables.customers alone "
                "(a customer-level source with one row per customer)"
            )
        return self


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


class Cleaning(_Strict):
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


class Lifecycle(_Strict):
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


class Spark(_Strict):
    """``engine.spark``: the Spark master and settings."""

    master: str = Field("local[*]", description="Spark master URL: local[*], spark://host:7077, yarn, ...")
    config: dict[str, str] = Field(default_factory=dict, description="extra Spark settings (spark.* keys)")


class Engine(_Strict):
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


class Features(_Strict):
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


class Segmentation(_Strict):
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


class Personas(_Strict):
    """``personas``: how archetype names are matched to segments."""

    min_score: float = Field(0.3, description="an archetype name needs at least this rule score")
    rules: dict[str, dict[str, float]] | None = Field(
        None, description="archetype -> {feature: weight}; null uses seglab.personas.DEFAULT_RULES"
    )


class Midas(_Strict):
    """``midas``: the thresholds of the MIDAS check."""

    min_share: float = Field(0.03, ge=0.0, le=1.0, description="Measurable: segment share at least this")
    min_fidelity: float = Field(0.8, ge=0.0, le=1.0, description="Definable: rule fidelity at least this")
    min_reachable: float = Field(0.5, ge=0.0, le=1.0, description="Actionable: reachable share at least this")
    min_value_share: float = Field(0.02, ge=0.0, le=1.0, description="Viable: value share at least this")


class Prediction(_Strict):
    """``prediction``: next-period buying and spend (stage 04)."""

    enabled: bool = Field(True, description="predict buying and spend in the next period (stage 04)")
    horizon_days: int = Field(90, ge=7, le=730, description="length of the next period (and of each hold-out period)")
    min_history_days: int = Field(
        30, ge=1, description="history needed before the first training date (as_of - 2 x horizon_days)"
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


class Weights(_Strict):
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


class AnalystInput(_Strict):
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


class Override(_Strict):
    """``prioritization.overrides``: a quadrant set by the analyst, with the reason."""

    segment: int = Field(ge=1)
    quadrant: Literal[QUADRANTS]
    reason: str = Field(min_length=3)


class Sensitivity(_Strict):
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


class Budget(_Strict):
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


class Prioritization(_Strict):
    """``prioritization``: stage 05 (weights, threshold, analyst inputs, overrides, budget)."""

    weights: Weights = Field(default_factory=Weights)
    threshold: float = Field(0.5, gt=0.0, lt=1.0, description="axis score at/above which an axis is 'high'")
    analyst_inputs: dict[int, AnalystInput] = Field(default_factory=dict, description="segment -> inputs")
    overrides: list[Override] = Field(default_factory=list)
    sensitivity: Sensitivity = Field(default_factory=Sensitivity)
    budget: Budget = Field(default_factory=Budget)
    outcomes: dict[str, Literal["good", "bad"]] = Field(
        default_factory=dict,
        description="outcome column (as in features_meta.json's outcomes) -> good (higher is better: response, "
        "subscribed) or bad (churn): the outcomes that enter the attractiveness component `outcome`, with their "
        "direction; empty = every outcome whose direction stage 02 knows",
    )


class Monitoring(_Strict):
    """``monitoring``: stage 06 (period, window, growth thresholds)."""

    period: Literal["month", "quarter"] = Field("quarter", description="length of each monitoring period")
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


class Report(_Strict):
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
    languages: list[Literal["en", "fa", "ar"]] = Field(
        default_factory=list,
        description="further languages of the pages, each rendered from the same results (nothing computed "
        "again) into reports/<run>/<language>/; the exports add the persona name in each (persona_<language>)",
    )

    @field_validator("languages")
    @classmethod
    def _each_once(cls, v: list[str]) -> list[str]:
        return list(dict.fromkeys(v))


class Params(_Strict):
    """All parameters of one run."""

    run_name: str = Field(
        "default",
        description="letters, digits, _ . - (starting with a letter or digit, at most "
        "64 characters): it names the run's folders",
    )
    seed: int = Field(42, ge=0)
    source: Source = Field(default_factory=Source)
    cleaning: Cleaning = Field(default_factory=Cleaning)
    features: Features = Field(default_factory=Features)
    segmentation: Segmentation = Field(default_factory=Segmentation)
    personas: Personas = Field(default_factory=Personas)
    midas: Midas = Field(default_factory=Midas)
    prediction: Prediction = Field(default_factory=Prediction)
    prioritization: Prioritization = Field(default_factory=Prioritization)
    monitoring: Monitoring = Field(default_factory=Monitoring)
    engine: Engine = Field(default_factory=Engine)
    report: Report = Field(default_factory=Report)
    #: the parameters read from where they were before (``features.engine``): the lines to move them
    _moved: list[tuple[str, str]] = PrivateAttr(default_factory=list)

    @model_validator(mode="wrap")
    @classmethod
    def _engine_moved(cls, data: Any, handler) -> Params:
        """``features.engine``, ``features.duckdb`` and ``features.spark`` are still read (as
        ``engine.kind``, ``engine.duckdb``, ``engine.spark``); :attr:`moved` says so.
        """
        moved = []
        if isinstance(data, dict) and isinstance(data.get("features"), dict):
            features, engine = dict(data["features"]), data.get("engine")
            engine = dict(engine) if isinstance(engine, dict) else {}
            for old, new in ENGINE_MOVED.items():
                if old in features:
                    value = features.pop(old)
                    if new in engine and engine[new] != value:
                        raise ValueError(
                            f"features.{old} and engine.{new} differ: give engine.{new} only (features.{old} is "
                            "where it was before the engine had a section of its own)"
                        )
                    engine[new] = value
                    moved.append((f"features.{old}", f"engine.{new}"))
            if moved:
                data = {**data, "features": features, "engine": engine}
        params = handler(data)
        params._moved = moved
        return params

    @model_validator(mode="after")
    def _features_on_the_engine(self) -> Params:
        self.features._engine = self.engine
        return self

    @property
    def moved(self) -> list[tuple[str, str]]:
        """(old place, new place) of each parameter read from where it was before."""
        return list(self._moved)

    @field_validator("run_name")
    @classmethod
    def _plain_name(cls, v: str) -> str:
        from seglab.paths import RUN_NAME

        if not RUN_NAME.fullmatch(v):
            raise ValueError(
                "a run name is 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit "
                "(it names folders: data/*/<run>/, reports/<run>/)"
            )
        return v


# --------------------------------------------------------------------------------------------
# loading and error messages
# --------------------------------------------------------------------------------------------
def _model_in(ann) -> type[BaseModel] | None:
    """The pydantic model an annotation holds: the model itself, or the values of a dict or list of them."""
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    for a in getattr(ann, "__args__", ()):
        inner = _model_in(a)
        if inner is not None:
            return inner
    return None


def _known_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """Field names of the model reached by following ``loc``: through nested models and the values
    of mappings (``tables.<name>`` is a TableSource).
    """
    current: Any = model
    expect_key = False  # the previous step entered a mapping: this part is one of its keys
    for part in loc:
        if current is None:
            return []
        if expect_key or isinstance(part, int):
            expect_key = False
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            return []
        ann = fields[part].annotation
        origin = getattr(ann, "__origin__", None)
        expect_key = origin in (dict, list) or any(
            getattr(a, "__origin__", None) in (dict, list) for a in getattr(ann, "__args__", ())
        )
        current = _model_in(ann)
    return list(getattr(current, "model_fields", {}) or [])


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _format_errors(exc: ValidationError, origin: str) -> str:
    lines = [f"{origin}: invalid parameters"]
    for err in exc.errors():
        loc = tuple(err["loc"])
        key = ".".join(str(p) for p in loc) or "(top level)"
        if err["type"] == "extra_forbidden":
            known = _known_keys(Params, loc[:-1])
            close = difflib.get_close_matches(str(loc[-1]), known, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            lines.append(f"  - key '{key}' is not a known parameter.{hint} Known keys here: {', '.join(known)}")
        else:
            value = err.get("input")
            hidden = isinstance(value, str) and secret.looks_secret(value)
            shown = "" if isinstance(value, dict) or hidden else f" (got {_short(value)})"  # never echo a secret
            lines.append(f"  - key '{key}': {err['msg']}{shown}")
    return "\n".join(lines)


def _secret_keys(data: Any, at: str = "") -> list[str]:
    """The keys (dotted, lists by index) of every text in ``data`` that holds a password, in any
    form :func:`seglab.secret.looks_secret` knows: a password is refused anywhere in parameters.
    """
    if isinstance(data, dict):
        out = []
        for k, v in data.items():
            key = f"{at}.{k}" if at else str(k)
            # a key that is itself the secret is named by where it is, never echoed
            out += [at or "(top level)"] if isinstance(k, str) and secret.looks_secret(k) else _secret_keys(v, key)
        return out
    if isinstance(data, list | tuple):
        return [k for i, v in enumerate(data) for k in _secret_keys(v, f"{at}[{i}]")]
    return [at or "(top level)"] if isinstance(data, str) and secret.looks_secret(data) else []


def validate(data: dict[str, Any] | None, origin: str = "parameters") -> Params:
    """Validate a parameters mapping; raise :class:`ParamsError` naming each bad key."""
    for key in _secret_keys(data or {}):
        raise ParamsError(f"{origin}: invalid parameters\n  - key '{key}': {SECRET_MESSAGE}")
    try:
        return Params.model_validate(data or {})
    except ValidationError as exc:
        raise ParamsError(_format_errors(exc, origin)) from None


class _UniqueKeys(yaml.SafeLoader):
    """YAML's safe loader, refusing a key given twice in one mapping (the second would silently win)."""


def _unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict = {}
    for key_node, _value in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":  # "<<: *anchor": merged keys may be given again
            continue
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if isinstance(key, str | int | float | bool) and key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"key '{key}' is given twice (lines {seen[key]} and {line}): the second would silently replace the "
                "first; keep one",
                key_node.start_mark,
            )
        if isinstance(key, str | int | float | bool):
            seen[key] = line
    return loader.construct_mapping(node, deep)


_UniqueKeys.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


def load(path: str | Path) -> Params:
    """Read and validate a YAML parameters file."""
    path = Path(path)
    if path.exists() and not path.is_file():
        raise ParamsError(f"{path}: not a regular file (a folder, FIFO or device); give the path of a YAML file")
    if not path.is_file():
        raise ParamsError(
            f"{path}: parameters file not found. Give the path of a YAML file such as notebooks/params/default.yaml."
        )
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ParamsError(
            f"{path}: not UTF-8 text (byte {raw[exc.start]:#04x} on line {line}); save the parameters "
            "file as UTF-8 (in most editors: Save with encoding, UTF-8)"
        ) from None
    try:
        data = yaml.load(text, Loader=_UniqueKeys)  # noqa: S506 - a SafeLoader that refuses repeated keys
    except yaml.YAMLError as exc:
        raise ParamsError(f"{path}: not valid YAML: {exc}") from None
    except RecursionError:
        raise ParamsError(
            f"{path}: nested too deeply to be parameters (thousands of levels of lists or mappings); "
            "check the file, a parameters file has a few levels"
        ) from None
    if data is not None and not isinstance(data, dict):
        raise ParamsError(f"{path}: the top level must be a mapping of keys (run_name, seed, source, ...)")
    return validate(data, origin=str(path))


def from_notebook(**sections: Any) -> Params:
    """Validate the values of a notebook's ``parameters`` cell (missing sections take defaults)."""
    return validate(sections, origin="notebook parameters")


def notebook_values(params: Params, keys: list[str]) -> dict[str, Any]:
    """The run's values for the given top-level keys, as plain literals for papermill."""
    dumped = params.model_dump(mode="json")
    return {k: dumped[k] for k in keys}
