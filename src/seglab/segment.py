"""Stage 03, segmentation: prepare features, choose k from the evidence, fit k-means, number
segments by a stable rule and save a model that loads without executing code (JSON).

Preparation (fitted on the training customers, stored in the model):
  1. money, count and day features are log-transformed: log1p(max(x, 0) / unit); so are other
     non-negative amounts with skew above 2 (customer-level sources); the unit is 1 for counts
     and days and a thousandth of the median positive value for amounts (about 1 for amounts in
     euros), so the same amounts written in cents or in thousands give the same segments;
  2. missing values are filled with the feature's median;
  3. values are winsorised at the ``segmentation.winsor`` quantiles (1st and 99th percentiles);
  4. values are scaled (``segmentation.scaling``): *standard* (default) = minus the mean,
     divided by the standard deviation; *robust* = minus the median, divided by IQR / 1.349
     (the standard deviation where the IQR is 0); 1 where the feature is constant.
     Winsorising and the log already tame the tails, so standard scaling is the default: an
     IQR-based scale inflates zero-inflated shares (a return share that is 0 for most
     customers has a tiny IQR) until they dominate distances; on the synthetic default the
     robust scale drops the agreement with the planted archetypes from ARI 0.92 to 0.77.

Order: the customers are clustered in an order that depends only on their feature values
(:func:`canonical_order`), so shuffled rows or ids written another way give the same segments.

Segment numbering: segments are ordered by net value per customer (mean ``monetary``),
highest first; ties are broken by size (larger first), then by the centroid's
coordinates, so the numbering never depends on the order k-means found them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from seglab import __version__, i18n, methods, rfm
from seglab.config import Segmentation
from seglab.i18n import N_
from seglab.registry import BY_NAME as CATALOG_FEATURES
from seglab.registry import DEFAULT_FEATURES, LOGGED
from seglab.vocabulary import segment_code

MODEL_FORMAT = "seglab-segments/2"


class SegmentationError(ValueError):
    """The data cannot be segmented as asked; the message says why and what to change."""


# --------------------------------------------------------------------------------------------
# preparation
# --------------------------------------------------------------------------------------------
def _skewed_amount(name: str, values: np.ndarray) -> bool:
    """A feature outside the catalog (customer-level sources) is logged when it is a non-negative
    amount with a long right tail (skew > 2) and not a 0/1 flag.
    """
    v = values[~np.isnan(values)]
    if name in CATALOG_FEATURES or len(v) < 3 or v.min() < 0 or set(np.unique(v)) <= {0.0, 1.0}:
        return False
    return bool(pd.Series(v).skew() > 2)


#: An amount is divided by this share of its median positive value before the log.
UNIT_OF_MEDIAN = 1e-3


def _unit(name: str, values: np.ndarray) -> float:
    """What an amount is divided by before the log: a thousandth of its median positive value for
    money (the catalog's amounts in the currency, and the amounts of a customer table). For amounts
    of hundreds of euros that is about 1, as a plain log1p; the same amounts in cents or in
    thousands give the same prepared values, so the same segments. 1 for counts and days.
    """
    feature = CATALOG_FEATURES.get(name)
    if feature is not None and not feature.unit.startswith("currency"):
        return 1.0
    positive = values[values > 0]
    return float(np.median(positive)) * UNIT_OF_MEDIAN if len(positive) else 1.0


@dataclass
class Preparation:
    """A fitted, documented transform from raw features to the clustering space."""

    features: list[str]
    log: list[bool]
    fill: list[float]
    lo: list[float]
    hi: list[float]
    center: list[float]
    scale: list[float]
    winsor: tuple[float, float] = (0.01, 0.99)  # how lo/hi and center/scale were fitted (documentation)
    scaling: str = "standard"
    weight: list[float] | None = None  # multiplies each prepared feature (segmentation.weights); None = 1
    unit: list[float] | None = None  # an amount is divided by its typical value before the log; None = 1

    def __post_init__(self) -> None:
        """Give every feature the weight 1 and the unit 1 unless they are given."""
        if self.weight is None:
            self.weight = [1.0] * len(self.features)
        if self.unit is None:
            self.unit = [1.0] * len(self.features)

    def _logged(self, raw: np.ndarray) -> np.ndarray:
        """The raw values with the log where it applies: log1p(max(x, 0) / unit)."""
        return np.where(self.log, np.log1p(np.clip(raw, 0, None) / np.asarray(self.unit)), raw)

    @classmethod
    def fit(
        cls,
        df: pd.DataFrame,
        features: list[str],
        winsor: tuple[float, float] = (0.01, 0.99),
        scaling: str = "standard",
        weights: dict[str, float] | None = None,
    ) -> Preparation:
        """The preparation fitted on ``df``: log where right, fill, winsor limits, centre and scale."""
        raw = df[features].to_numpy(dtype=float, na_value=np.nan)
        log = [f in LOGGED or _skewed_amount(f, raw[:, i]) for i, f in enumerate(features)]
        unit = [_unit(f, raw[:, i]) if logged else 1.0 for i, (f, logged) in enumerate(zip(features, log, strict=True))]
        x = np.where(log, np.log1p(np.clip(raw, 0, None) / np.asarray(unit)), raw)
        fill = np.nanmedian(x, axis=0)
        fill = np.where(np.isnan(fill), 0.0, fill)  # a column with no value at all
        x = np.where(np.isnan(x), fill, x)
        lo, hi = np.quantile(x, winsor[0], axis=0), np.quantile(x, winsor[1], axis=0)
        # a 0/1 column is not clipped: a flag held by 0.9 % of customers would become 0 for all
        two = np.array([len(np.unique(x[:, i])) <= 2 for i in range(x.shape[1])], dtype=bool)
        lo, hi = np.where(two, x.min(axis=0), lo), np.where(two, x.max(axis=0), hi)
        x = np.clip(x, lo, hi)
        std = x.std(axis=0)
        if scaling == "robust":
            center = np.median(x, axis=0)
            iqr = (np.quantile(x, 0.75, axis=0) - np.quantile(x, 0.25, axis=0)) / 1.349
            spread = np.where(iqr > 1e-12, iqr, std)
        else:
            center, spread = x.mean(axis=0), std
        scale = np.where(spread > 1e-12, spread, 1.0)
        as_list = lambda a: [float(v) for v in a]  # noqa: E731
        weight = [float((weights or {}).get(f, 1.0)) for f in features]
        return cls(
            list(features),
            log,
            as_list(fill),
            as_list(lo),
            as_list(hi),
            as_list(center),
            as_list(scale),
            (float(winsor[0]), float(winsor[1])),
            scaling,
            weight,
            unit,
        )

    def transform(self, df: pd.DataFrame) -> np.ndarray:
        """The prepared matrix of ``df`` (rows: customers, columns: the features)."""
        missing = [f for f in self.features if f not in df.columns]
        if missing:
            raise SegmentationError(
                f"features missing from the input: {', '.join(missing)}; the model needs {', '.join(self.features)}"
            )
        raw = df[self.features].to_numpy(dtype=float, na_value=np.nan)
        x = self._logged(raw)
        x = np.where(np.isnan(x), self.fill, x)
        x = np.clip(x, self.lo, self.hi)
        return (x - np.asarray(self.center)) / np.asarray(self.scale) * np.asarray(self.weight)

    def constant(self) -> list[str]:
        """Features with no spread after preparation (they cannot separate segments)."""
        return [f for f, lo, hi in zip(self.features, self.lo, self.hi, strict=True) if hi - lo <= 1e-12]


def select_features(features: pd.DataFrame, wanted: list[str] | None) -> tuple[list[str], list[str]]:
    """The wanted features that exist in the table, and those that do not; ``wanted`` None: the
    registry's default features (:data:`seglab.registry.DEFAULT_FEATURES`).

    For a customer-level source the default behavioural features do not exist: unless the
    parameters name features, every encoded column of the customer table is used
    (``features.attrs['default_features']``). Features a history too short cannot measure
    (``features.attrs['not_measured']``) are not among the defaults.
    """
    if wanted is None:
        if features.attrs.get("customer_level"):
            return list(features.attrs.get("default_features") or []), []
        unmeasured = set(features.attrs.get("not_measured") or [])  # a history too short for them
        wanted = [f for f in DEFAULT_FEATURES if f not in unmeasured]
    present = [f for f in wanted if f in features.columns]
    return present, [f for f in wanted if f not in features.columns]


# --------------------------------------------------------------------------------------------
# choosing k
# --------------------------------------------------------------------------------------------
def _check_k(n: int, k_values: list[int]) -> None:
    if n < 3:
        raise SegmentationError(f"only {n} customer(s) with features: segmentation needs at least 3")
    bad = [k for k in k_values if not 2 <= k <= n - 1]
    if bad:
        raise SegmentationError(
            f"k = {bad} is outside [2, {n - 1}] for {n} customers; lower segmentation.k / k_max or add customers"
        )


def elbow(ks: np.ndarray, inertia: np.ndarray) -> int | None:
    """The elbow of the inertia curve by Kneedle (Satopää et al., 2011): both axes scaled to 0..1,
    the elbow is the k where the decreasing curve lies furthest below the straight line from its
    first to its last point. None with fewer than 3 k or no bend.
    """
    ks, inertia = np.asarray(ks, float), np.asarray(inertia, float)
    if len(ks) < 3 or np.ptp(inertia) <= 0:
        return None
    x = (ks - ks.min()) / np.ptp(ks)
    y = (inertia - inertia.min()) / np.ptp(inertia)
    gap = (1 - x) - y  # the chord from (0, 1) to (1, 0) minus the curve
    i = int(np.argmax(gap))
    return int(ks[i]) if gap[i] > 1e-9 else None


def stability(x: np.ndarray, reference: methods.Fitted, k: int, params: Segmentation, seed: int) -> tuple[float, float]:
    """Bootstrap stability of k: ``params.bootstrap`` refits of the method (at most 3 restarts
    each) on resamples (with replacement) of ``params.bootstrap_sample`` customers; each refit
    labels a fixed seeded evaluation set, compared with the reference fit's labels by the
    adjusted Rand index. Returns the mean and the standard deviation of the ARIs (NaN when
    bootstrap is 0).
    """
    if params.bootstrap == 0:
        return float("nan"), float("nan")
    from sklearn.metrics import adjusted_rand_score  # (scikit-learn loads when first used)

    rng = np.random.default_rng([seed, k])
    m = min(len(x), params.bootstrap_sample)
    evaluate = rng.choice(len(x), size=m, replace=False) if len(x) > m else np.arange(len(x))
    ref = reference.predict(x[evaluate])
    scores = []
    for b in range(params.bootstrap):
        idx = rng.choice(len(x), size=m, replace=True)
        refit = methods.fit(
            reference.method, x[idx], k, seed + 1 + b, params, quick=True, n_num=reference.extra.get("n_num")
        )
        scores.append(adjusted_rand_score(ref, refit.predict(x[evaluate])))
    return float(np.mean(scores)), float(np.std(scores))


class _Silhouette:
    """The silhouette of each k's labels on one seeded sample of the rows (scikit-learn's
    ``silhouette_score(x, labels, sample_size, random_state=seed)``, the same sample and the same
    numbers): the sample's distances are computed once for every k instead of once per k.
    """

    def __init__(self, x: np.ndarray, sample: int | None, seed: int):
        from sklearn.metrics import pairwise_distances
        from sklearn.utils import check_random_state

        self.rows = check_random_state(seed).permutation(len(x))[:sample] if sample else np.arange(len(x))
        self.distances = pairwise_distances(x[self.rows])

    def __call__(self, labels: np.ndarray) -> float:
        from sklearn.metrics import silhouette_score

        return float(silhouette_score(self.distances, labels[self.rows], metric="precomputed"))


def evaluate_k(
    x: np.ndarray, params: Segmentation, seed: int, progress=None, n_num: int | None = None
) -> tuple[pd.DataFrame, dict[int, methods.Fitted]]:
    """Fit the method for every k in the range and compute the selection evidence.

    Returns the table (columns: k, inertia = within-segment sum of squares, silhouette on a
    seeded sample of ``silhouette_sample`` rows when n is larger, calinski_harabasz,
    davies_bouldin, stability and stability_sd (bootstrap ARI), min_share) and the fit of each
    k, so the chosen one is not fitted again. ``progress(k)`` is called before each k.
    """
    from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score

    ks = [params.k] if params.k else list(range(params.k_min, params.k_max + 1))
    _check_k(len(x), ks)
    rows = []
    fitted: dict[int, methods.Fitted] = {}
    sample = params.silhouette_sample if len(x) > params.silhouette_sample else None
    num = x[:, :n_num] if n_num is not None else x  # the indices use the numeric part (k-prototypes)
    silhouette = _Silhouette(num, sample, seed)
    for k in ks:
        if progress:
            progress(k)
        fit = fitted[k] = methods.fit(params.method, x, k, seed, params, n_num=n_num)
        labels = fit.predict(x)
        distinct = len(np.unique(labels))
        stab, stab_sd = stability(x, fit, k, params, seed) if not params.k else (float("nan"), float("nan"))
        rows.append(
            {
                "k": k,
                "inertia": methods.within_ss(num, labels, k),
                "silhouette": silhouette(labels) if distinct > 1 else np.nan,
                "calinski_harabasz": float(calinski_harabasz_score(num, labels)) if distinct > 1 else np.nan,
                "davies_bouldin": float(davies_bouldin_score(num, labels)) if distinct > 1 else np.nan,
                "stability": stab,
                "stability_sd": stab_sd,
                "min_share": float(np.bincount(labels, minlength=k).min() / len(x)),
            }
        )
    return pd.DataFrame(rows), fitted


def choose_k(table: pd.DataFrame, min_share: float, good_margin: float = 0.1) -> tuple[int, pd.DataFrame, str]:
    """Pick k from the evidence: the most stable of the good k.

    Rule:
      1. *eligible*: the smallest segment holds at least ``min_share`` of customers;
      2. *consensus*: silhouette, Calinski-Harabasz and Davies-Bouldin each scaled to 0..1
         across the k range (1 = best; Davies-Bouldin inverted since lower is better), averaged;
      3. *good*: eligible, with a consensus within ``good_margin`` of the best eligible consensus;
      4. among the good k, the highest bootstrap stability wins (stabilities within 0.01 count
         as equal; then the higher consensus, then the smaller k). Without stability (bootstrap
         0), the best consensus wins.
    If no k is eligible, the k with the largest smallest segment is taken and the explanation
    says so. The elbow of inertia (Kneedle) is reported as evidence, not voted.

    Returns the chosen k, the table with per-index best flags, consensus, good and chosen
    columns, and sentences explaining the choice.
    """
    t = table.copy()

    def scaled(col: str, higher_better: bool) -> pd.Series:
        v = t[col]
        span = v.max() - v.min()
        s = (v - v.min()) / span if span > 0 else pd.Series(1.0, index=v.index)
        return s if higher_better else 1 - s

    t["silhouette_scaled"] = scaled("silhouette", True)
    t["calinski_harabasz_scaled"] = scaled("calinski_harabasz", True)
    t["davies_bouldin_scaled"] = scaled("davies_bouldin", False)
    t["consensus"] = t[["silhouette_scaled", "calinski_harabasz_scaled", "davies_bouldin_scaled"]].mean(axis=1)
    best = {
        "silhouette": int(t.loc[t["silhouette"].idxmax(), "k"]),
        "calinski_harabasz": int(t.loc[t["calinski_harabasz"].idxmax(), "k"]),
        "davies_bouldin": int(t.loc[t["davies_bouldin"].idxmin(), "k"]),
    }
    knee = elbow(t["k"].to_numpy(), t["inertia"].to_numpy())
    has_stability = "stability" in t and t["stability"].notna().all()
    if has_stability:
        best["stability"] = int(t.loc[t["stability"].idxmax(), "k"])
    for name, k in best.items():
        t[f"best_{name}"] = t["k"] == k
    t["elbow"] = t["k"] == knee
    t["eligible"] = t["min_share"] >= min_share
    t["good"] = False
    if len(t) == 1:
        k = int(t["k"].iloc[0])
        t["good"] = t["chosen"] = True
        return k, t, i18n.Note.of(N_("k = %(k)s was fixed in the parameters (segmentation.k)."), k=k)
    parts = []
    if t["eligible"].any():
        top = t.loc[t["eligible"], "consensus"].max()
        t["good"] = t["eligible"] & (t["consensus"] >= top - good_margin - 1e-12)
        pool = t[t["good"]].copy()
        if has_stability:
            pool["stab_rounded"] = np.floor(pool["stability"] / 0.01 + 1e-9)
            pool = pool.sort_values(["stab_rounded", "consensus", "k"], ascending=[False, False, True])
            k = int(pool["k"].iloc[0])
            row = pool.iloc[0]
            others = [int(v) for v in pool["k"] if v != k]
            parts.append(
                i18n.Note.of(
                    N_(
                        "k = %(k)s is the most stable of the good k (bootstrap ARI %(ari)s ± %(sd)s; consensus of the "
                        "three indices %(consensus)s of 1)"
                    ),
                    k=k,
                    ari=_two(row["stability"]),
                    sd=_two(row["stability_sd"]),
                    consensus=_two(row["consensus"]),
                )
            )
            parts.append(
                i18n.Note.of(
                    N_("; the other good k %(others)s were less stable or tied with a lower consensus"),
                    others=_ks(others),
                )
                if others
                else N_("; no other k had a consensus within the margin")
            )
        else:
            pool = pool.sort_values(["consensus", "k"], ascending=[False, True])
            k = int(pool["k"].iloc[0])
            parts.append(
                i18n.Note.of(
                    N_("k = %(k)s has the best consensus of the three indices (%(consensus)s of 1)"),
                    k=k,
                    consensus=_two(pool["consensus"].iloc[0]),
                )
            )
        ineligible = t.loc[~t["eligible"], "k"].tolist()
        if ineligible:
            parts.append(
                i18n.Note.of(
                    N_("; k = %(ks)s were excluded because a segment would hold under %(share)s of customers"),
                    ks=_ks(ineligible),
                    share=i18n.as_percent(min_share),
                )
            )
    else:
        k = int(t.sort_values(["min_share", "k"], ascending=[False, True])["k"].iloc[0])
        parts.append(
            i18n.Note.of(
                N_("no k keeps every segment above %(share)s of customers; k = %(k)s has the largest smallest segment"),
                share=i18n.as_percent(min_share),
                k=k,
            )
        )
    agree = sorted(set(best.values()))
    names = {
        "silhouette": N_("silhouette"),
        "calinski_harabasz": N_("Calinski-Harabasz"),
        "davies_bouldin": N_("Davies-Bouldin"),
        "stability": N_("stability"),
    }
    if len(agree) == 1:
        parts.append(i18n.Note.of(N_(". Every index prefers k = %(k)s"), k=agree[0]))
    else:
        preferences = [
            i18n.Note.of(N_("%(index)s prefers k = %(k)s"), index=i18n.as_term(names[n]), k=v) for n, v in best.items()
        ]
        parts.append(i18n.Note.of(N_(". The indices disagree: %(preferences)s"), preferences=preferences))
    parts.append(
        i18n.Note.of(N_("; the elbow of inertia is at k = %(k)s."), k=knee)
        if knee is not None
        else N_("; the inertia curve has no clear elbow.")
    )
    why = i18n.concat(*parts)
    t["chosen"] = t["k"] == k
    return k, t, why


# --------------------------------------------------------------------------------------------
# stable numbering and the model
# --------------------------------------------------------------------------------------------
def stable_order(labels: np.ndarray, centroids: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Map k-means label -> segment number (1 = highest mean value per customer).

    Ties on value are broken by size (larger first), then lexicographically by centroid.
    """
    k = len(centroids)
    sizes = np.bincount(labels, minlength=k)
    means = np.array([value[labels == j].mean() if sizes[j] else -np.inf for j in range(k)])
    keys = [tuple([-round(means[j], 9), -sizes[j], *np.round(centroids[j], 9)]) for j in range(k)]
    order = sorted(range(k), key=lambda j: keys[j])
    mapping = np.empty(k, dtype=int)
    for rank, j in enumerate(order, start=1):
        mapping[j] = rank
    return mapping


#: Kinds of feature that are yes/no (a category's value, a code, a flag): more or fewer, never high or low.
INDICATOR_KINDS = ("flag", "binary", "category", "code", "text")


def _two(v: float) -> i18n.Value:
    """A score with two decimals in the reader's digits."""
    return i18n.as_number(v, 2)


def _ks(ks) -> i18n.Value:
    """A list of k as in ``[4, 6]``, in the reader's digits."""
    return i18n.as_digits(str([int(k) for k in ks]))


def trait_word(feature: str, above: bool, kinds: dict[str, str] | None = None) -> str:
    """'high'/'low' for an amount; 'more'/'fewer' for a yes/no feature (a category's value, a code,
    a flag), which is never high or low.
    """
    indicator = "=" in feature or (kinds or {}).get(feature) in INDICATOR_KINDS
    return ("more" if above else "fewer") if indicator else ("high" if above else "low")


#: A trait word with its feature, as in "high orders" (:func:`trait_word`), for the catalogs.
TRAIT_TEMPLATES = {
    "more": N_("more %(feature)s"),
    "fewer": N_("fewer %(feature)s"),
    "high": N_("high %(feature)s"),
    "low": N_("low %(feature)s"),
}


def describe_centroids(
    centroids: np.ndarray,
    features: list[str],
    n_traits: int = 2,
    labels: dict[str, str] | None = None,
    kinds: dict[str, str] | None = None,
) -> list[str]:
    """A short descriptive label per segment from its most extreme prepared features (readable
    labels of ``labels``; yes/no features as more/fewer).
    """
    out = []
    for seg, c in enumerate(centroids, start=1):
        idx = np.argsort(-np.abs(c), kind="stable")[:n_traits]
        traits = [
            i18n.Note.of(
                TRAIT_TEMPLATES[trait_word(features[i], c[i] > 0, kinds)],
                feature=i18n.as_term((labels or {}).get(features[i]) or features[i].replace("_", " ")),
            )
            for i in idx
        ]
        out.append(i18n.Note.of(N_("%(segment)s: %(traits)s"), segment=segment_code(seg), traits=traits))
    return out


MISSING_LEVEL = "(missing)"


@dataclass
class CategoricalCodes:
    """Categorical variables for k-prototypes, as integer codes of their training levels (a level
    unseen at training gets -1, which matches no segment's mode).
    """

    variables: list[str]
    levels: list[list[str]]

    @staticmethod
    def values(df: pd.DataFrame, var: str) -> np.ndarray:
        """The variable's level per row: a text column as it is, or, for a one-hot group
        ``var=level``, the level whose column is 1.
        """
        if var in df.columns and not pd.api.types.is_numeric_dtype(df[var]):
            return df[var].astype("object").where(df[var].notna(), MISSING_LEVEL).astype(str).to_numpy()
        group = [c for c in df.columns if c.startswith(f"{var}=")]
        if not group:
            raise SegmentationError(
                f"categorical variable '{var}' is neither a text column nor a one-hot group "
                f"('{var}=...') of the feature table; set segmentation.categorical"
            )
        onehot = df[group].fillna(0).to_numpy(float)
        names = np.asarray([c.split("=", 1)[1] for c in group] + [MISSING_LEVEL], dtype=object)
        pick = np.where(onehot.max(axis=1) > 0, onehot.argmax(axis=1), len(group))
        return names[pick].astype(str)

    @classmethod
    def fit(cls, df: pd.DataFrame, variables: list[str]) -> CategoricalCodes:
        """The levels of each categorical variable in ``df``."""
        return cls(list(variables), [sorted(set(cls.values(df, v))) for v in variables])

    def transform(self, df: pd.DataFrame) -> np.ndarray:
        """The level codes of each row of ``df`` (an unknown level: -1)."""
        out = np.empty((len(df), len(self.variables)))
        for j, (var, levels) in enumerate(zip(self.variables, self.levels, strict=True)):
            code = {lvl: i for i, lvl in enumerate(levels)}
            out[:, j] = [code.get(v, -1) for v in self.values(df, var)]
        return out


#: The key of the Parquet schema metadata of features.parquet saying how the features were built
#: (:func:`built_with`): ``seglab score`` compares it with the model's.
BUILT_WITH = "seglab.features"


def built_metadata(feats: pd.DataFrame) -> dict[str, str]:
    """The Parquet schema metadata of a feature table: :func:`built_with`, as JSON."""
    return {BUILT_WITH: json.dumps(built_with(feats.attrs), sort_keys=True)}


def built_with(attrs: dict) -> dict:
    """How a feature table was built (from its ``attrs``): the window of behaviour in days (None:
    all history), its as-of date, and whether it came from a customer-level table.
    """
    return {
        "window_days": attrs.get("window_days"),
        "as_of": attrs.get("as_of"),
        "customer_level": bool(attrs.get("customer_level")),
    }


@dataclass
class SegmentModel:
    """Everything needed to assign customers to segments, stored as JSON (no pickle)."""

    preparation: Preparation
    fit: methods.Fitted | None  # None for the RFM baseline
    labels: list[str]
    k: int
    seed: int
    selection: str
    versions: dict
    rfm: rfm.RFMRules | None = None
    categorical: CategoricalCodes | None = None  # k-prototypes
    #: how the training features were built (:func:`seglab.features.built_with`): the window of
    #: behaviour and the as-of date; None in a model saved before seglab recorded them
    built_with: dict | None = None

    @property
    def method(self) -> str:
        """The clustering method (or ``rfm``)."""
        return "rfm" if self.rfm is not None else self.fit.method

    @property
    def centroids(self) -> list[list[float]]:
        """Segment centres in the prepared space (component means for a Gaussian mixture)."""
        return self.fit.centers.tolist() if self.fit is not None else []

    def assign(self, features: pd.DataFrame) -> np.ndarray:
        """Segment number (1..k) of each row."""
        if self.rfm is not None:
            return self.rfm.assign(features)
        return self.fit.predict(self.prepared(features)) + 1

    def prepared(self, features: pd.DataFrame) -> np.ndarray:
        """The prepared numeric features, then the categorical codes (k-prototypes)."""
        x = self.preparation.transform(features)
        return x if self.categorical is None else np.hstack([x, self.categorical.transform(features)])

    def to_dict(self) -> dict:
        """The model as plain JSON values (the segment_model artifact)."""
        return {
            "format": MODEL_FORMAT,
            "method": self.method,
            "k": self.k,
            "seed": self.seed,
            "features": self.preparation.features,
            "preparation": {
                "log1p": self.preparation.log,
                "fill": self.preparation.fill,
                "winsor_low": self.preparation.lo,
                "winsor_high": self.preparation.hi,
                "center": self.preparation.center,
                "scale": self.preparation.scale,
                "weight": self.preparation.weight,
                "unit": self.preparation.unit,
                "doc": "x -> log1p(max(x,0)) where log1p; NaN -> fill; clip to [winsor_low, winsor_high]; "
                "(x - center) / scale * weight",
                "fitted_with": {"winsor_quantiles": list(self.preparation.winsor), "scaling": self.preparation.scaling},
            },
            "assignment": self.fit.to_json() if self.fit is not None else None,
            "rfm": self.rfm.to_json() if self.rfm is not None else None,
            "categorical": (
                {"variables": self.categorical.variables, "levels": self.categorical.levels}
                if self.categorical is not None
                else None
            ),
            "labels": i18n.neutral(self.labels),
            "selection": i18n.neutral(self.selection),
            "numbering": "segments ordered by mean net value per customer, highest first",
            "versions": self.versions,
            "built_with": self.built_with,
        }

    def to_text(self) -> str:
        """The model as JSON text (the ``segment_model`` artifact, :mod:`seglab.artifacts`)."""
        return json.dumps(self.to_dict(), indent=1) + "\n"

    @classmethod
    def from_dict(cls, d: dict) -> SegmentModel:
        """The model from its JSON, already checked by :mod:`seglab.modelfile`."""
        p = d["preparation"]
        how = p.get("fitted_with", {})
        prep = Preparation(
            d["features"],
            p["log1p"],
            p["fill"],
            p["winsor_low"],
            p["winsor_high"],
            p["center"],
            p["scale"],
            tuple(how.get("winsor_quantiles", (0.01, 0.99))),
            how.get("scaling", "standard"),
            p.get("weight") or [1.0] * len(d["features"]),
            p.get("unit") or [1.0] * len(d["features"]),
        )
        if d["format"] == "seglab-kmeans/1":
            fit = methods.Fitted("kmeans", np.asarray(d["centroids"], dtype=float))
        else:
            fit = methods.Fitted.from_json(d["assignment"]) if d.get("assignment") else None
        rules = rfm.RFMRules.from_json(d["rfm"]) if d.get("rfm") else None
        cats = (
            CategoricalCodes(d["categorical"]["variables"], d["categorical"]["levels"])
            if d.get("categorical")
            else None
        )
        built = d.get("built_with")
        return cls(prep, fit, d["labels"], d["k"], d["seed"], d["selection"], d["versions"], rules, cats, built)


@dataclass
class SegmentationResult:
    """Stage 03's result: the model, each customer's segment, the k evidence and why this k."""

    model: SegmentModel
    segments: pd.DataFrame  # customer_id, segment, segment_label
    selection: pd.DataFrame  # per-k indices
    explanation: str
    embedding: np.ndarray  # prepared features of the training customers
    dropped_features: list[str]
    assumptions: list[dict] = field(default_factory=list)  # what stage 03 decided without being told

    def features_text(self, labels: dict[str, str] | None = None) -> str:
        """The features clustered on, in words (the reader's language)."""
        names = [i18n.term((labels or {}).get(f) or f.replace("_", " ")) for f in self.model.preparation.features]
        return i18n.join(names)

    def notes(self, labels: dict[str, str] | None = None) -> list[str]:
        """What stage 03 says about the fit: method, features, features left out, assumptions."""
        out = [
            i18n._("Method: %(method)s. Clustered on: %(features)s.")
            % {"method": i18n.term(self.model.method), "features": self.features_text(labels)}
        ]
        if self.dropped_features:
            out.append(
                i18n._("Named features not in the data, left out: %(features)s.")
                % {"features": i18n.join(self.dropped_features)}
            )
        out += [
            i18n._("%(subject)s: %(assumed)s (%(why)s; to change: %(change)s).")
            % {k: i18n.say(a[k]) for k in ("subject", "assumed", "why", "change")}
            for a in self.assumptions
        ]
        return out


def canonical_order(data: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The customers in an order that depends only on their values in ``columns`` (then on their
    id): what a clustering sees does not depend on the order of the input rows nor on how the ids
    are written (rows shuffled, ids with leading zeros give the same segments). Customers with the
    same values are the same point to k-means, so their order among themselves changes nothing.
    """
    keys = []
    for c in reversed(columns):  # np.lexsort: the last key is the primary one
        v = data[c]
        if pd.api.types.is_numeric_dtype(v) and not pd.api.types.is_bool_dtype(v):
            keys.append(v.to_numpy(dtype=float, na_value=np.inf))
        else:
            keys.append(v.astype(str).to_numpy())
    order = np.lexsort([data["customer_id"].astype(str).to_numpy(), *keys])
    return data.iloc[order].reset_index(drop=True)


def feature_list(
    features: pd.DataFrame, params: Segmentation, catalog: pd.DataFrame | None = None
) -> tuple[list[str], list[str]]:
    """The features to cluster on: ``segmentation.features`` plus every available feature of
    ``segmentation.lenses`` (from the feature catalog), those present in the table; and the
    named ones that are absent.
    """
    use, absent = select_features(features, params.features)
    if params.lenses:
        if catalog is None:
            raise SegmentationError("segmentation.lenses needs the feature catalog (feature_catalog.csv of stage 02)")
        unknown = sorted(set(params.lenses) - set(catalog["lens"]))
        if unknown:
            raise SegmentationError(
                f"segmentation.lenses: {unknown} is not a lens of this data; lenses are {sorted(set(catalog['lens']))}"
            )
        numeric = set(features.select_dtypes("number").columns)
        extra = catalog.loc[catalog["lens"].isin(params.lenses) & catalog["available"].astype(bool), "feature"]
        use += [f for f in extra if f in numeric and f not in use]
    bad = sorted(set(params.weights) - set(use))
    if bad:
        raise SegmentationError(
            f"segmentation.weights names features that are not clustered on: {bad}; features are {use}"
        )
    return use, absent


def selection_rows(n: int, params: Segmentation, seed: int) -> np.ndarray | None:
    """The customers k is chosen on: a seeded sample of ``params.selection_sample`` rows (sorted)
    when there are more customers and k is not fixed, else None (all of them). The same seed
    gives the same sample.
    """
    if params.k or params.selection_sample is None or n <= params.selection_sample:
        return None
    return np.sort(np.random.default_rng(seed).choice(n, size=params.selection_sample, replace=False))


def selection_note(sampled: int, n: int, params: Segmentation) -> dict:
    """The assumption stage 03 records when k was chosen on a sample."""
    return {
        "stage": "03",
        "subject": N_("choice of k"),
        "assumed": i18n.Note.of(
            N_("chosen on a seeded sample of %(m)s of the %(n)s customers, then fitted on all of them"), m=sampled, n=n
        ),
        "why": N_(
            "the indices and the stability of each k are as clear on a sample this size; fitting every k on "
            "every customer would take most of the stage's time"
        ),
        "change": f"segmentation.selection_sample: null  (or a larger sample; now {params.selection_sample})",
    }


def segment(
    features: pd.DataFrame, params: Segmentation, seed: int, progress=None, catalog: pd.DataFrame | None = None
) -> SegmentationResult:
    """Run stage 03 on the feature table (one row per customer); ``progress(k)`` is called as
    each k is fitted.
    """
    data = features.sort_values("customer_id", kind="mergesort").reset_index(drop=True)
    if params.method == "rfm":
        return _segment_rfm(data, params, seed)
    use, absent = feature_list(data, params, catalog)
    data = canonical_order(data, use + [c for c in params.categorical or ["lifecycle"] if c in data])
    if not use:
        raise SegmentationError(
            f"none of the segmentation features {params.features or list(DEFAULT_FEATURES)} exist in the feature table "
            f"(columns: {', '.join(features.columns)}); set segmentation.features"
        )
    prep = Preparation.fit(data, use, params.winsor, params.scaling, params.weights)
    if len(data) >= 3 and len(prep.constant()) == len(use) and params.method != "kprototypes":
        raise SegmentationError(
            f"every segmentation feature has the same value for all {len(data)} customers ({', '.join(use)}): "
            "there is nothing to segment on; add features that vary (segmentation.features)"
        )
    names = features.attrs.get("labels") or {}
    notes = [_given_features_note(use, names)] if params.features is not None else []
    flat = prep.constant()
    if flat and len(flat) < len(use):  # no spread: they cannot separate segments
        use = [f for f in use if f not in flat]
        notes.append(
            {
                "stage": "03",
                "subject": i18n.listed(i18n.as_term(names.get(f, f)) for f in flat),
                "assumed": N_("not clustered on"),
                "why": N_("the same value for (almost) every customer once prepared (after the winsor clipping)"),
                "change": "segmentation.winsor: [0, 1]  (no clipping) or segmentation.features: [...]",
            }
        )
        prep = Preparation.fit(
            data, use, params.winsor, params.scaling, {f: w for f, w in params.weights.items() if f in use}
        )
    x = prep.transform(data)
    cats = None
    if params.method == "kprototypes":
        variables = params.categorical or (["lifecycle"] if "lifecycle" in data else [])
        if not variables:
            raise SegmentationError(
                "kprototypes needs categorical variables: set segmentation.categorical "
                "(a text column such as lifecycle, or a one-hot group such as gender)"
            )
        cats = CategoricalCodes.fit(data, variables)
    xfull = x if cats is None else np.hstack([x, cats.transform(data)])
    n_num = x.shape[1] if cats else None
    rows = selection_rows(len(xfull), params, seed)
    table, fitted = evaluate_k(xfull if rows is None else xfull[rows], params, seed, progress, n_num=n_num)
    k, table, why = choose_k(table, params.min_segment_share, params.good_margin)
    fit = fitted[k]
    if rows is not None:  # chosen on the sample: the chosen k fitted on every customer from there
        fit = methods.refit(fit, xfull, seed, params, n_num=n_num)
        notes.append(selection_note(len(rows), len(xfull), params))
    value = data["monetary"].fillna(0.0).to_numpy(dtype=float) if "monetary" in data else np.zeros(len(data))
    mapping = stable_order(fit.predict(xfull), fit.centers, value)  # mapping[label] = segment number
    fit = fit.reorder(np.argsort(mapping))
    labels = describe_centroids(fit.centers, use, labels=names, kinds=features.attrs.get("kinds"))
    model = SegmentModel(prep, fit, labels, k, seed, why, _versions(), categorical=cats)
    model.built_with = built_with(features.attrs)
    result = _result(model, data, table, why, x, absent)
    result.assumptions = notes
    return result


def _given_features_note(use: list[str], names: dict[str, str]) -> dict:
    """What was clustered on when ``segmentation.features`` names it (it replaces stage 02's default)."""
    return {
        "stage": "03",
        "topic": "clustered_features",
        "subject": N_("features clustered on"),
        "assumed": i18n.Note.of(N_("as given: %(features)s"), features=[i18n.as_term(names.get(f, f)) for f in use]),
        "why": "segmentation.features",
        "change": i18n.concat("segmentation.features: null  ", N_("(seglab chooses)")),
    }


def _versions() -> dict:
    import sklearn

    return {"seglab": __version__, "scikit-learn": sklearn.__version__, "numpy": np.__version__}


def _result(
    model: SegmentModel, data: pd.DataFrame, table: pd.DataFrame, why: str, x: np.ndarray, absent: list[str]
) -> SegmentationResult:
    seg = model.assign(data)
    segments = pd.DataFrame(
        {
            "customer_id": data["customer_id"].astype(str),
            "segment": seg.astype("int64"),
            "segment_label": np.asarray([i18n.as_text(x) for x in model.labels], dtype=object)[seg - 1],
        }
    )
    by_id = np.argsort(segments["customer_id"].to_numpy(dtype=str), kind="stable")  # files list customers by id
    return SegmentationResult(model, segments.iloc[by_id].reset_index(drop=True), table, why, x[by_id], absent)


def _segment_rfm(data: pd.DataFrame, params: Segmentation, seed: int) -> SegmentationResult:
    """The RFM baseline: frozen quintile cuts and named groups (seglab.rfm); the selection table
    has its one k with the indices computed on the prepared R, F, M features, for comparison.
    """
    try:
        rules, seg = rfm.fit(data)
    except ValueError as exc:
        raise SegmentationError(str(exc)) from exc
    from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

    use = list(rfm.FEATURES)
    prep = Preparation.fit(data, use, params.winsor, params.scaling)
    x = prep.transform(data)
    k = len(rules.segments)
    labels = seg - 1
    distinct = len(np.unique(labels))
    sample = params.silhouette_sample if len(x) > params.silhouette_sample else None
    table = pd.DataFrame(
        [
            {
                "k": k,
                "inertia": methods.within_ss(x, labels, k),
                "silhouette": float(silhouette_score(x, labels, sample_size=sample, random_state=seed))
                if distinct > 1
                else np.nan,
                "calinski_harabasz": float(calinski_harabasz_score(x, labels)) if distinct > 1 else np.nan,
                "davies_bouldin": float(davies_bouldin_score(x, labels)) if distinct > 1 else np.nan,
                "stability": np.nan,
                "stability_sd": np.nan,
                "min_share": float(np.bincount(labels, minlength=k).min() / len(x)),
                "consensus": np.nan,
                "eligible": True,
                "good": True,
                "chosen": True,
            }
        ]
    )
    why = i18n._(
        "RFM baseline: k = %(k)s is the number of RFM groups with customers (%(groups)s); quintile cuts frozen on "
        "these customers."
    ) % {"k": i18n.number(k), "groups": i18n.join(rules.segments)}
    model = SegmentModel(
        prep,
        None,
        [f"{segment_code(i)}: {name}" for i, name in enumerate(rules.segments, start=1)],
        k,
        seed,
        why,
        _versions(),
        rules,
        built_with=built_with(data.attrs),
    )
    return _result(model, data, table, why, x, [])
