"""Each stage's results put on disk and read back, through the run's artifact table
(:data:`seglab.files.artifacts.ARTIFACTS`) and its :class:`~seglab.files.artifacts.Store`, which checks
that what a stage reads was made with its parameters and from the current upstream results.

Stage logic lives in collect / features / segment / personas / prioritization / monitoring
and is pure; this module is the glue between their results and the store.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from seglab import i18n
from seglab.files.artifacts import Store

if TYPE_CHECKING:
    from seglab.collection.collect import Collected
    from seglab.features import Built
    from seglab.personas.predict import Prediction
    from seglab.segmentation import SegmentationResult, SegmentModel
    from seglab.segmentation.lookalike import LookalikeResult

#: The stage-01 tables, by artifact name.
CANONICAL = ("transactions", "customers", "survey", "sessions", "campaign_events")


# 01 ------------------------------------------------------------------------------------------
def save_collected(c: Collected, store: Store) -> None:
    """Stage 01's tables, rejected rows and quality record; an absent table's earlier file goes."""
    for name in CANONICAL:  # a table absent from this run must not linger from an earlier one
        if name in c.tables:
            store.save(name, c.tables[name])
            if isinstance(c.tables[name], Path):  # a folder Spark wrote in a work folder, now moved
                shutil.rmtree(c.tables[name].parent, ignore_errors=True)
                c.tables[name] = store.path(name)
        else:
            store.absent(name)
    store.scratch("transactions")  # (emptied: Spark's work folder goes)
    store.save("rejected", c.rejected)
    store.save("quality", {k: v for k, v in c.quality.items() if k != "history"})  # the history: in the profile
    store.save("profile", c.profile)


def load_rejected(store: Store) -> pd.DataFrame:
    """Stage 01's rejected rows (``rejected.parquet``), each with its rule, reason and values."""
    return store.load("rejected")


def load_data_profile(store: Store) -> dict:
    """Stage 01's data profile (``profile.json``): each column's kind and findings, the outcomes, the
    history (:mod:`seglab.collection.profile`).
    """
    return store.load("profile") if store.exists("profile") else {}


def load_canonical(store: Store) -> dict[str, pd.DataFrame]:
    """The stage-01 tables of the run, read into pandas."""
    return {name: store.load(name) for name in canonical_paths(store)}


def canonical_paths(store: Store) -> dict[str, Path]:
    """The stage-01 Parquet files of this run, for engines that read them where they lie."""
    found = {name: store.path(name) for name in CANONICAL if store.exists(name)}
    if not {"transactions", "customers"} & set(found):
        raise FileNotFoundError(
            f"{store.run.interim}: no transactions or customers table; run 01_data_collection first"
        )
    return found


def load_quality(store: Store) -> dict:
    """Stage 01's record (``quality.json``) with the history of its data profile (``profile.json``:
    when the data begin, what is censored), as stage 01 returned it.
    """
    quality = store.load("quality")
    profile = load_data_profile(store)
    if profile.get("history") is not None:
        quality["history"] = profile["history"]
    return quality


# 02 ------------------------------------------------------------------------------------------
FEATURE_META = (
    "as_of",
    "window_start",
    "window_days",
    "engine",
    "customer_level",
    "default_features",
    "value_basis",
    "labels",
    "kinds",
    "assumptions",
    "outcomes",
    "history",
    "lifecycle",
    "not_measured",
)


def save_features(built: Built, store: Store) -> None:
    """Stage 02's features, catalog, customers without features and metadata."""
    save_assumptions("02", built.features.attrs.get("assumptions") or [], store)
    from seglab.segmentation import built_metadata

    store.save("features", built.features, metadata=built_metadata(built.features))
    store.save("feature_catalog", built.catalog)
    store.save("customers_without_features", built.without)
    store.save("features_meta", {k: built.features.attrs.get(k) for k in FEATURE_META})


def load_features(store: Store) -> pd.DataFrame:
    """Stage 02's feature table, with its metadata in ``attrs``."""
    df = store.load("features")
    df.attrs.update(store.load("features_meta"))
    return df


def load_catalog(store: Store) -> pd.DataFrame:
    """Stage 02's feature catalog."""
    return store.load("feature_catalog")


# 03 ------------------------------------------------------------------------------------------
def save_segmentation(result: SegmentationResult, store: Store, look: LookalikeResult | None = None) -> None:
    """Stage 03's segments, k evidence, model and lookalike model (or that there is none)."""
    save_assumptions("03", result.assumptions, store)
    store.save("segments", result.segments)
    store.save("model_selection", result.selection, float_format="%.10g")
    store.save("segment_model", result.model.to_text())
    if look is not None and look.model is not None:
        store.save("lookalike_model", look.model.to_text())
    else:  # never keep the lookalike of an earlier model
        store.absent("lookalike_model")
    if look is not None:
        store.save(
            "lookalike_quality",
            {
                "accuracy": look.accuracy,
                "baseline": look.baseline,
                "n_test": look.n_test,
                "why_not": look.why_not,
                "features": look.model.features if look.model else [],
                "confusion": look.confusion.to_dict(orient="index"),
            },
        )
    else:
        store.absent("lookalike_quality")


def load_segments(store: Store) -> pd.DataFrame:
    """Stage 03's segment of each customer."""
    return store.load("segments")


def load_model(store: Store) -> SegmentModel:
    """Stage 03's segment model."""
    from seglab.segmentation import SegmentModel

    return SegmentModel.from_dict(store.load("segment_model"))


# 04 ------------------------------------------------------------------------------------------
def save_personas(
    profile: pd.DataFrame, personas: pd.DataFrame, cards: list[dict], midas: pd.DataFrame, store: Store
) -> None:
    """Stage 04's profiles, names (also beside the model), cards and MIDAS check."""
    store.save("profiles", profile, float_format="%.10g")
    store.save("persona_names", personas, float_format="%.10g")
    # seglab score labels customers with these names
    names = {str(int(s)): n for s, n in zip(personas["segment"], personas["persona"], strict=True)}
    store.save("persona_labels", i18n.neutral(names))
    store.save("personas", json.dumps(i18n.neutral(cards), indent=2, ensure_ascii=False) + "\n")
    store.save("midas", midas)


def save_rules(rules: pd.DataFrame, fidelity: pd.DataFrame, store: Store) -> None:
    """The plain-language rules of each segment (``definable_rules.csv``) and each tree's fidelity."""
    store.save("definable_rules", rules, float_format="%.10g")
    store.save("rule_fidelity", fidelity, float_format="%.10g")


#: The lifetime-value columns of ``predictions.parquet`` (when the data support them).
LIFETIME_COLUMNS = ("p_alive", "expected_purchases", "clv", "clv_low", "clv_high")


def save_prediction(pred: Prediction | None, why_not: str, segments: pd.DataFrame, store: Store) -> None:
    """Per-customer predictions (``predictions.parquet``) and their quality
    (``prediction_quality.json``; ``available: false`` with the reason when there is none).
    """
    if pred is None:
        store.absent("predictions")  # never keep the predictions of an earlier run
        store.save("prediction_quality", {"available": False, "why_not": why_not})
        return
    table = pred.customers.merge(
        segments[["customer_id", "segment"]], on="customer_id", how="left", validate="one_to_one"
    )
    lifetime = [c for c in LIFETIME_COLUMNS if c in table.columns]
    store.save("predictions", table[["customer_id", "segment", "p_buy", "expected_spend", *lifetime]])
    store.save("prediction_quality", {"available": True, **pred.quality})


def load_prediction_quality(store: Store) -> dict:
    """Stage 04's prediction quality (``available: false`` and why when there is none)."""
    return store.load("prediction_quality")


def load_profile(store: Store) -> pd.DataFrame:
    """Stage 04's segment profiles."""
    return store.load("profiles")


def load_persona_names(store: Store) -> pd.DataFrame:
    """Stage 04's persona name of each segment."""
    return store.load("persona_names")


# 05 ------------------------------------------------------------------------------------------
def save_boston(bm: pd.DataFrame, store: Store) -> None:
    """Stage 05's Boston matrix (checked against its schema)."""
    store.save("boston_matrix", bm, float_format="%.10g")


def save_sensitivity(table: pd.DataFrame, store: Store) -> None:
    """Stage 05's sensitivity of each placement, with why each fragile one is fragile."""
    store.save("boston_sensitivity", table, float_format="%.10g")


def save_basis(rates: pd.DataFrame, basis: dict, store: Store) -> None:
    """What stage 05's matrix rests on (``boston_basis.json``) and the outcome rates per segment
    (``outcome_rates.csv``; no file, and no earlier run's, without an outcome column).
    """
    store.save("boston_basis", basis)
    if len(rates):
        store.save("outcome_rates", rates, float_format="%.10g")
    else:
        store.absent("outcome_rates")


def load_predicted_value(store: Store) -> tuple[pd.Series | None, str]:
    """Expected next-period spend per segment from stage 04, and a note; None (and why) without a
    prediction, or when its spend forecast is not better than the naive one on the hold-out.
    """
    q = load_prediction_quality(store)
    if not q.get("available"):
        return None, "no prediction in this run"
    if q.get("spend_mae", 0) >= q.get("spend_mae_naive", float("inf")):
        return None, (
            f"the spend prediction was not better than the naive forecast on the hold-out (error "
            f"{q['spend_mae']:,.0f} against {q['spend_mae_naive']:,.0f}): observed value is used instead"
        )
    pred = store.load("predictions")
    return pred.groupby("segment")["expected_spend"].sum(), "predicted next-period spend"


def load_lifetime_value(store: Store, basis: str = "auto") -> tuple[pd.DataFrame | None, i18n.Note]:
    """Stage 04's expected lifetime value per segment (``segment``, ``clv_per_customer``,
    ``clv_total``; ``attrs["months"]``) when the value components and the budget are to rest on it
    (``prioritization.value_basis``), else None; and a note saying which value and why.
    ``auto``: lifetime value when BG/NBD with Gamma-Gamma forecast the hold-out's spend better than
    the naive "same as last period"; ``clv`` asked for but not measured falls back to observed value.
    """
    from seglab.i18n import N_

    q = load_prediction_quality(store)
    life = q.get("lifetime") or {}
    if basis == "observed":
        return None, i18n.Note.of(N_("observed net value (prioritization.value_basis: observed)"))
    if not q.get("available") or not life.get("available"):
        return None, i18n.Note.of(
            N_("observed net value: lifetime value not measured in this run (prioritization.value_basis: %(basis)s)"),
            basis=basis,
        )
    btyd, naive = (q.get("models") or {}).get("btyd", {}), q.get("spend_mae_naive")
    beats = btyd.get("spend_mae") is not None and naive is not None and btyd["spend_mae"] < naive
    if basis == "auto" and not beats:
        return None, i18n.Note.of(
            N_(
                "observed net value: the lifetime-value model's spend forecast was not better than the naive one on "
                "the hold-out (error %(error)s against %(naive)s; prioritization.value_basis: auto; clv uses it anyway)"
            ),
            error=i18n.as_money(btyd.get("spend_mae")),
            naive=i18n.as_money(naive),
        )
    pred = store.load("predictions")
    if "clv" not in pred:
        return None, i18n.Note.of(N_("observed net value: the predictions hold no lifetime value"))
    g = pred.groupby("segment")["clv"]
    out = pd.DataFrame({"clv_per_customer": g.mean(), "clv_total": g.sum()}).reset_index()
    out.attrs["months"] = int(life.get("clv_months", 12))
    return out, i18n.Note.of(
        N_(
            "expected lifetime value over the next %(months)s months (prioritization.value_basis: %(basis)s; its "
            "spend forecast beat the naive one on the hold-out: error %(error)s against %(naive)s)"
        )
        if beats
        else N_(
            "expected lifetime value over the next %(months)s months (prioritization.value_basis: clv, although its "
            "spend forecast did not beat the naive one on the hold-out: error %(error)s against %(naive)s)"
        ),
        months=out.attrs["months"],
        basis=basis,
        error=i18n.as_money(btyd.get("spend_mae")),
        naive=i18n.as_money(naive),
    )


def save_exports(matrix: pd.DataFrame, store: Store, report=None) -> list[dict]:
    """Stage 05's exports for marketing tools (:mod:`seglab.files.exports`): ``segments.csv`` and one
    audience file per segment in ``reports/<run>/exports/``, with each customer's contact
    permissions from the customers table (unknown where it has none) and stage 04's prediction
    (empty without one); with ``report`` (the parameters' section), the persona name in each further
    language of the pages too. Returns the audience files with their counts.
    """
    from seglab.files import exports

    if store.read_only:  # a page rendered again: the files written by the run, as its record lists them
        return store.load("exports")["audiences"]
    contacts = None
    customers = store.load("customers")  # None: the source has no customer table
    if customers is not None:
        columns = [c for c in exports.PERMISSIONS.values() if c in customers]
        contacts = customers[["customer_id", *columns]] if columns else None
    predictions = store.load("predictions") if load_prediction_quality(store).get("available") else None
    further = [lang for lang in report.languages if lang != report.language] if report is not None else []
    return exports.write(store, exports.Inputs(load_segments(store), matrix, contacts, predictions, tuple(further)))


# assumptions ---------------------------------------------------------------------------------
def save_assumptions(stage: str, rows: list[dict], store: Store) -> None:
    """What a stage assumed without being told (``assumptions_<stage>.json``)."""
    store.save(f"assumptions_{stage}", [{**r, "stage": stage} for r in rows])


def load_assumptions(store: Store) -> list[dict]:
    """Every assumption of the run, stage by stage: stage 01's (quality.json), then the others'."""
    out = list(store.load("quality").get("assumptions", [])) if store.exists("quality") else []
    for name in ("assumptions_02", "assumptions_03", "assumptions_05", "assumptions_06"):
        if store.exists(name):
            later = store.load(name)
            topics = {r["topic"] for r in later if r.get("topic")}  # a later stage's word on a topic wins
            out = [r for r in out if r.get("topic") not in topics] + later
    return out


# 06 ------------------------------------------------------------------------------------------
def save_tracking(assigned: pd.DataFrame | None, why_not: str, store: Store, growth: dict | None = None) -> None:
    """Each period's active customers with their segment by the frozen model
    (``period_segments.parquet``), or why there is none, and what growth compared
    (``monitoring.json``); stage 06's rows of "What seglab assumed" (``assumptions_06.json``).
    """
    from seglab import monitoring

    growth = growth if growth is not None else monitoring.untracked(why_not)
    save_assumptions("06", monitoring.assumptions(growth), store)
    if assigned is None:
        store.absent("period_segments")
        store.save("monitoring", {"available": False, "why_not": why_not, "growth": growth})
        return
    table = assigned.copy(deep=False)
    table.attrs = {"window_days": assigned.attrs.get("window_days")}  # (the periods are in monitoring.json)
    store.save("period_segments", table)
    periods = sorted(set(assigned.attrs.get("periods") or []) | set(assigned["period_end"].unique()))
    store.save(
        "monitoring",
        {
            "available": True,
            "window_days": assigned.attrs.get("window_days"),
            "periods": [str(pd.Timestamp(p).date()) for p in periods],
            "calendar": assigned.attrs.get("calendar", "as_of"),  # of the periods (monitoring.calendar)
            "first": monitoring.history(assigned)["first"],
            "growth": growth,
        },
    )


def save_monitoring(size_table: pd.DataFrame, mig: pd.DataFrame, trend: pd.DataFrame, store: Store) -> None:
    """Per-period sizes and values, the migration table and the growth flags."""
    store.save("segment_periods", size_table, float_format="%.10g", date_format="%Y-%m-%d")
    store.save("migration", mig, float_format="%.10g")
    store.save("monitoring_flags", trend, float_format="%.10g")


def no_monitoring(store: Store) -> None:
    """No period to follow: no earlier run's monitoring tables stay."""
    for name in ("segment_periods", "migration", "monitoring_flags"):
        store.absent(name)
