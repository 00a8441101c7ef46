"""The feature catalog (which features the data can give, and why not), the built table and the
notes and lifecycle stages it carries.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import numpy as np
import pandas as pd

from seglab import i18n
from seglab.collection import history
from seglab.config import Features as FeatureParams
from seglab.engine import Table, opened
from seglab.features.definitions import ZERO, table_columns
from seglab.i18n import N_
from seglab.registry import CATALOG
from seglab.vocabulary import LIFECYCLE_STAGES


# --------------------------------------------------------------------------------------------
# catalog and build
# --------------------------------------------------------------------------------------------
def _probe(tables: dict[str, Table], params: FeatureParams | None = None) -> dict[str, bool]:
    """For each ``needs`` of the catalog, whether the input satisfies it: the table is present
    with rows, the column is present with a value (for discount: a non-zero one; for
    ``column=value``: that value in the column). One aggregate per table, on the run's engine.
    """
    needs = {f.needs for f in CATALOG if f.needs}
    needs |= {n.partition("=")[0] for n in needs if "=" in n}  # the column itself too
    out: dict[str, bool] = {}
    with opened(params) as (table, _con):
        for name in sorted({n.partition(".")[0] for n in needs}):
            wanted = sorted(n.partition(".")[2] for n in needs if n.startswith(name + "."))
            src = tables.get(name)
            if src is None:
                out.update({n: False for n in needs if n.partition(".")[0] == name})
                continue
            present = table_columns(src)
            cols = sorted({w.partition("=")[0] for w in wanted} & set(present)) or present[:1]
            t = table(f"probe_{name}", src, cols)
            tests = {}
            for i, w in enumerate(wanted):
                column, _, value = w.partition("=")
                if column not in present or t[column].type().is_null() or t[column].type().is_unknown():
                    continue  # absent, or without a single value (no type of its own)
                if value:
                    tests[f"t{i}"] = (t[column] == value).any()
                elif column == "discount":
                    tests[f"t{i}"] = (t[column].fill_null(ZERO) != ZERO).any()
                else:
                    tests[f"t{i}"] = t[column].count() > ZERO
            row = t.aggregate(rows=t.count(), **tests).to_pyarrow().to_pylist()[0]
            out[name] = row["rows"] > 0
            out.update({f"{name}.{w}": bool(row["rows"] > 0 and row.get(f"t{i}")) for i, w in enumerate(wanted)})
    return out


def catalog(tables: dict[str, Table], params: FeatureParams | None = None) -> pd.DataFrame:
    """The feature catalog, with whether each feature could be built from these tables and why not."""
    ok = _probe(tables, params)
    rows = []
    for f in CATALOG:
        avail = ok.get(f.needs, True) if f.needs else True
        why = ""
        if not avail:
            column, _sep, value = f.needs.partition("=")
            why = (
                i18n.Note.of(
                    N_("no '%(value)s' value in %(column)s (map channel values with roles.channel_values)"),
                    value=value,
                    column=column,
                )
                if value and ok.get(column)
                else i18n.Note.of(N_("needs %(column)s, absent or empty in the input"), column=column)
            )
        rows.append(
            {
                "feature": f.name,
                "lens": f.lens,
                "description": f.description,
                "unit": f.unit,
                "available": avail,
                "why_not": why,
                "role": "behaviour",
                "label": f.label,
                "default": f.default,
            }
        )
    return pd.DataFrame(rows, columns=CATALOG_COLUMNS)


CATALOG_COLUMNS = ["feature", "lens", "description", "unit", "available", "why_not", "role", "label", "default"]


@dataclass
class Built:
    """What stage 02 builds: the feature table, its catalog, and the customers left without a row."""

    features: pd.DataFrame
    catalog: pd.DataFrame
    without: pd.DataFrame


TX_COLUMNS = [
    "customer_id",
    "order_id",
    "timestamp",
    "quantity",
    "unit_price",
    "discount",
    "product_id",
    "category",
    "channel",
]


def ensure_columns(t, columns: dict[str, str]):
    """Optional columns absent (or all empty) in the input, as typed NULLs so the definitions hold."""
    missing = {
        c: ibis.literal(None, type=typ)
        for c, typ in columns.items()
        if c not in t.columns or t[c].type().is_null() or t[c].type().is_unknown()  # all empty: no type of its own
    }
    return t.mutate(**missing) if missing else t


def mark_not_measured(feats: pd.DataFrame, cat: pd.DataFrame, h: dict | None, params: FeatureParams) -> None:
    """A history too short to show repeat buying, recency or tenure (``features.min_history_days``):
    those features stay in the table, marked ``not_measured`` (in ``attrs`` and in the catalog's
    ``why_not``), so that no default segmentation, persona name or trait rests on them.
    """
    missing = [f for f in history.not_measured(h, params.min_history_days) if f in feats.columns]
    feats.attrs["not_measured"] = missing
    if not missing:
        return
    feats.attrs["assumptions"].append(
        i18n.neutral(history.short_history_assumption(h, missing, params.min_history_days))
    )
    why = i18n.N_("not measured: the history is shorter than features.min_history_days")
    cat.loc[cat["feature"].isin(missing), "why_not"] = why


def outcomes(rows: list[dict]) -> dict[str, dict]:
    """The outcome columns among the catalog rows (churn, a campaign's answer, a call's duration):
    feature -> {label, direction ("good": higher is better for the business, "bad", "unknown"),
    kind ("flag" or "number")}. They are in the feature table but clustered on only when
    ``segmentation.features`` names them.
    """
    from seglab.features.attributes import FLAG_UNIT

    return {
        r["feature"]: {
            "label": r.get("label") or r["feature"],
            "direction": r.get("outcome", "unknown"),
            "kind": "flag" if r.get("unit") == FLAG_UNIT else "number",
        }
        for r in rows
        if r.get("role") == "outcome" and r.get("available")
    }


def lifecycle_attrs(feats: pd.DataFrame, h: dict | None, params: FeatureParams) -> None:
    """What the data tell of the lifecycle, in the table's attributes: ``history`` (the facts it
    used), ``lifecycle`` and the assumption when some or every stage is unknown.
    """
    record = history.lifecycle_record(feats, h, params)
    feats.attrs["history"] = h
    feats.attrs["lifecycle"] = record
    feats.attrs["assumptions"] = i18n.neutral(history.lifecycle_assumptions(record, h, feats.attrs.get("as_of")))


def summary_text(feats: pd.DataFrame) -> str:
    """Who has features, over which period, computed by which engine, in the reader's language."""
    n = i18n.number(len(feats))
    if feats.attrs.get("customer_level"):
        return i18n._("%(n)s customers (a customer-level source: one row per customer)") % {"n": n}
    values = {"n": n, "as_of": i18n.date(feats.attrs["as_of"]), "engine": feats.attrs["engine"]}
    if feats.attrs.get("window_start"):
        values["start"] = i18n.date(feats.attrs["window_start"])
        return (
            i18n._("%(n)s customers with a purchase from %(start)s up to %(as_of)s (as of), computed by %(engine)s")
            % values
        )
    return i18n._("%(n)s customers with a purchase up to %(as_of)s (as of), computed by %(engine)s") % values


def value_text(feats: pd.DataFrame) -> str:
    """What measures a customer's value, in the reader's language, or that nothing does."""
    basis = feats.attrs.get("value_basis")
    return i18n.term(basis) if basis else i18n._("unknown (no column measures it)")


def describe_features(feats: pd.DataFrame, cat: pd.DataFrame) -> None:
    """Each feature's readable label and role, in the table's attributes (features_meta.json)."""
    avail = cat[cat["available"].astype(bool) & cat["feature"].isin(feats.columns)]
    feats.attrs["labels"] = dict(zip(avail["feature"], avail["label"].fillna(avail["feature"]), strict=True))
    feats.attrs["kinds"] = dict(zip(avail["feature"], avail["role"].fillna("number"), strict=True))


def lifecycle_stage(feats: pd.DataFrame, params: FeatureParams, most=None) -> pd.Series:
    """New / active / long_term / lapsing / lapsed from tenure and recency (thresholds in params),
    or unknown where the known facts do not decide it.

    Lapsed and lapsing (by recency) take precedence over new and long-term (by tenure). Where
    ``tenure_known`` is 0, ``tenure_days`` is only a lower bound and ``most`` (per customer; NaN:
    none) the upper bound: *new* needs the upper bound below ``new_days``, *long-term* the lower
    bound at or above ``long_term_days``, *active* both bounds between; otherwise the stage is
    *unknown*. A missing tenure is unknown too.
    """
    lc = params.lifecycle
    code = {name: i for i, name in enumerate(LIFECYCLE_STAGES)}
    missing = pd.Series(np.nan, index=feats.index)
    recency, least = feats.get("recency_days", missing), feats.get("tenure_days", missing).astype(float)
    known = feats["tenure_known"].astype(bool) if "tenure_known" in feats else least.notna()
    upper = pd.Series(np.nan if most is None else most, index=feats.index, dtype=float)
    upper = least.where(known, upper)
    stage = np.select(
        [
            recency >= lc.lapsed_days,
            recency >= lc.lapsing_days,
            upper < lc.new_days,
            least >= lc.long_term_days,
            (least >= lc.new_days) & (upper < lc.long_term_days),
        ],
        [code["lapsed"], code["lapsing"], code["new"], code["long_term"], code["active"]],
        default=code["unknown"],
    )
    return pd.Series(pd.Categorical.from_codes(stage, categories=list(LIFECYCLE_STAGES)), index=feats.index)


def summary(features: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """Per feature: missing share, mean, median, skew and range, for checking before clustering."""
    rows = []
    for c in cols:
        v = features[c]
        rows.append(
            {
                "feature": c,
                "missing": float(v.isna().mean()),
                "mean": v.mean(),
                "median": v.median(),
                "min": v.min(),
                "max": v.max(),
                "skew": v.skew(),
            }
        )
    return pd.DataFrame(rows)


def correlated_pairs(features: pd.DataFrame, cols: list[str], threshold: float = 0.8) -> pd.DataFrame:
    """Pairs of features whose Spearman correlation is at least ``threshold`` in absolute value."""
    corr = features[cols].corr(method="spearman")
    rows = [
        {"feature_a": a, "feature_b": b, "spearman": corr.loc[a, b]}
        for i, a in enumerate(cols)
        for b in cols[i + 1 :]
        if abs(corr.loc[a, b]) >= threshold
    ]
    return pd.DataFrame(rows, columns=["feature_a", "feature_b", "spearman"])
