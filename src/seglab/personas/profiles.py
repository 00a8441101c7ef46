"""Segment profiles against the whole base: means, z-scores, the known facts, the features' labels
and how their values read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from seglab import i18n
from seglab.i18n import N_, _
from seglab.registry import BY_NAME, CATALOG
from seglab.vocabulary import segment_label

if TYPE_CHECKING:
    pass


WEEKDAYS = (
    N_("Mondays"),
    N_("Tuesdays"),
    N_("Wednesdays"),
    N_("Thursdays"),
    N_("Fridays"),
    N_("Saturdays"),
    N_("Sundays"),
)

#: Short readable labels of the registry's features (seglab.registry) for traits and names.
LABELS = {f.name: f.label for f in CATALOG if f.trait}
SHARE_FEATURES = {f for f in LABELS if f.endswith(("_share", "_rate", "conversion")) or f == "reachable"}
#: Features profiled (those present in the data are used).
PROFILE_FEATURES = [f.name for f in CATALOG if f.trait and f.profiled]
#: Kinds of column profiled as numbers besides the catalog's features (a customer table's
#: amounts, counts, scores: age, income, ...); yes/no columns go to the attribute mix.
NUMERIC_KINDS = ("money", "count", "number", "score", "share", "percent", "sentinel", "ordinal")


def is_indicator(feature: str, kinds: dict[str, str] | None = None) -> bool:
    """A yes/no feature (a category's value, a code, a flag): described by its share, never as
    high or low.
    """
    from seglab.segmentation import INDICATOR_KINDS

    return "=" in feature or (kinds or {}).get(feature) in INDICATOR_KINDS


def _fmt(feature: str, v: float, kinds: dict[str, str] | None = None) -> str:
    """A feature's value for readers: shares as percentages, a percentage column with its % sign,
    other numbers with two significant digits at least (0.05 and 0.29, never 0.0 and 0.1).
    """
    return i18n.say(feature_value(feature, v, kinds))


def feature_value(feature: str, v: float, kinds: dict[str, str] | None = None) -> i18n.Value | str:
    """A feature's value as a note keeps it, shown as :func:`_fmt` says."""
    if pd.isna(v):
        return N_("n/a")
    kind = (kinds or {}).get(feature)
    if feature in SHARE_FEATURES or is_indicator(feature, kinds) or kind == "share":
        return i18n.as_percent(v, 1 if 0 < abs(v) < 0.1 else 0)
    if kind == "percent":
        return i18n.as_percent(v / 100, 1 if 0 < abs(v) < 10 else 0)
    known = BY_NAME.get(feature)
    if kind == "money" or (known is not None and known.unit.startswith("currency")):  # an amount: €1,633
        return i18n.as_money(v, 0 if abs(v) >= 100 else 2)
    if abs(v) >= 100:
        return i18n.as_number(v)
    decimals = 1 if abs(v) >= 10 or v == 0 else max(1, 1 - int(np.floor(np.log10(abs(v)))))
    return i18n.as_number(v, decimals)


# --------------------------------------------------------------------------------------------
# profiles
# --------------------------------------------------------------------------------------------
def joined(features: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """Features with their segment; every customer must be in exactly one segment."""
    if segments["customer_id"].duplicated().any():
        raise ValueError("segments table lists a customer more than once")
    df = features.merge(segments[["customer_id", "segment"]], on="customer_id", how="inner", validate="one_to_one")
    if len(df) != len(features):
        raise ValueError(f"{len(features) - len(df)} customers with features have no segment")
    df.attrs = dict(features.attrs)  # labels and kinds of the features (stage 02)
    return df


def known_facts(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with what the data cannot tell left out of profiles.

    A tenure that is only a lower bound (``tenure_known`` 0: the customer may have bought before
    the data began) is missing, so tenure is described by the customers whose tenure is known.
    Clustering keeps the lower bound (see :mod:`seglab.collection.history`).
    """
    if "tenure_known" not in df or "tenure_days" not in df or df["tenure_known"].astype(bool).all():
        return df
    out = df.copy(deep=False)
    out["tenure_days"] = df["tenure_days"].where(df["tenure_known"].astype(bool))
    return out


def z_profile(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """Segment x feature: (segment mean - base mean) / base std (0 where the feature is constant,
    or unknown for every customer of the segment: :func:`known_facts`).
    """
    df = known_facts(df)
    base_mean = df[cols].mean()
    base_std = df[cols].std(ddof=0).replace(0, np.nan)
    z = (df.groupby("segment")[cols].mean() - base_mean) / base_std
    return z.fillna(0.0)


def profile_columns(df: pd.DataFrame, model_features: list[str] = ()) -> list[str]:
    """Features to profile: the catalog's profile features present, the model's other features,
    then the customer table's other numbers (age, income, ...: ``df.attrs['kinds']``); never those
    a history too short cannot measure (``df.attrs['not_measured']``).
    """
    unmeasured = set(df.attrs.get("not_measured") or [])  # a history too short for them: no trait, no name
    known = [f for f in PROFILE_FEATURES if f in df.columns and f not in unmeasured]
    out = known + [f for f in model_features if f not in known and f in df.columns and f not in unmeasured]
    kinds = df.attrs.get("kinds") or {}
    return out + [f for f, k in kinds.items() if k in NUMERIC_KINDS and f in df.columns and f not in out]


def label(feature: str, labels: dict[str, str] | None = None) -> str:
    """A feature's name for readers: its label from stage 02 (the column's name in the source), the
    catalog's label, or the name with spaces.
    """
    return i18n.term(_label_id(feature, labels))


def _label_id(feature: str, labels: dict[str, str] | None = None) -> str:
    """A feature's name as the data files keep it (translated where shown: :func:`label`)."""
    if labels and labels.get(feature):
        return labels[feature]
    return LABELS.get(feature, feature.replace("_", " "))


def named_feature(feature: str, labels: dict[str, str] | None = None) -> i18n.Value:
    """The feature's label as a glossary term, translated where it is shown."""
    return i18n.as_term(_label_id(feature, labels))


def profile(features: pd.DataFrame, segments: pd.DataFrame, model_features: list[str] = ()) -> pd.DataFrame:
    """Per segment: size, shares, value per customer and, per feature, the mean and the median,
    each with its index against the whole base (100 = the base's mean, or median).
    """
    df = known_facts(joined(features, segments))
    cols = profile_columns(df, model_features)
    g = df.groupby("segment")
    out = pd.DataFrame(
        {
            "customers": g.size(),
            "customer_share": g.size() / len(df),
            "revenue": g["monetary"].sum(min_count=1) if "monetary" in df else np.nan,
        }
    )
    total = df["monetary"].sum() if "monetary" in df else 0.0
    out["revenue_share"] = out["revenue"] / total if total else np.nan
    out["value_per_customer"] = g["monetary"].mean() if "monetary" in df else np.nan
    means, medians = g[cols].mean(), g[cols].median()
    base, base_median = df[cols].mean(), df[cols].median()
    parts = {}
    for c in cols:
        parts[c] = means[c]
        parts[f"{c}_index"] = 100 * means[c] / base[c] if base[c] else pd.Series(np.nan, index=means.index)
    for c in cols:  # the typical customer: not pulled by a few big values (no index where the base median is 0)
        parts[f"{c}_median"] = medians[c]
        parts[f"{c}_median_index"] = (
            100 * medians[c] / base_median[c] if base_median[c] else pd.Series(np.nan, index=medians.index)
        )
    if "lifecycle" in df:
        mix = pd.crosstab(df["segment"], df["lifecycle"], normalize="index")
        for stage in mix.columns:
            parts[f"lifecycle_{stage}"] = mix[stage]
    out = pd.concat([out, pd.DataFrame(parts).reindex(out.index)], axis=1)  # one block, not one insert per column
    return out.reset_index()


def profile_view(
    prof: pd.DataFrame,
    features: list[str],
    labels: dict[str, str] | None = None,
    names: dict[int, str] | None = None,
    median: bool = False,
) -> pd.DataFrame:
    """The profile for reading: one row per measure (size, value, then each feature's index
    against the base), one column per segment, so that many features fit the page. The index is
    of the segment's mean, with the size and value rows (those that are known) first; with
    ``median``, of its median (the typical customer), without them.
    """
    suffix, head = ("_median_index", False) if median else ("_index", True)
    p = prof.set_index("segment")
    sizes = {  # shares in percent: the table is shown with whole numbers
        _("customers"): p["customers"],
        _("% of customers"): p["customer_share"] * 100,
        _("% of value"): p["revenue_share"] * 100,
        _("value per customer"): p["value_per_customer"],
    }
    rows = {k: v for k, v in sizes.items() if head and v.notna().any()}
    for f in features:
        if f"{f}{suffix}" in p:
            rows[_("%(feature)s (index)") % {"feature": label(f, labels)}] = p[f"{f}{suffix}"]
    out = pd.DataFrame(rows).T
    out.columns = [segment_label(s, (names or {}).get(s, "")) for s in out.columns]
    return out.rename_axis("measure").reset_index()
