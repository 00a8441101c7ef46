"""Reading and writing each stage's files (the contracts of DESIGN.md).

Stage logic lives in collect / features / segment / personas / prioritize and is pure;
this module is the glue that puts their results on disk and reads them back, validated.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from seglab import io
from seglab.paths import RunPaths

if TYPE_CHECKING:
    from seglab.collect import Collected
    from seglab.features import Built
    from seglab.lookalike import LookalikeResult
    from seglab.predict import Prediction
    from seglab.segment import SegmentationResult, SegmentModel

CANONICAL_SCHEMAS = {
    "transactions": "transactions",
    "customers": "customers",
    "survey": "survey",
    "sessions": "sessions",
    "campaign_events": "campaign_events",
}


# 01 ------------------------------------------------------------------------------------------
def save_collected(c: Collected, run: RunPaths) -> None:
    for name, df in c.tables.items():
        io.write_table(df, run.interim / name, CANONICAL_SCHEMAS[name])
    for name in CANONICAL_SCHEMAS:  # a table absent from this run must not linger from an earlier one
        if name not in c.tables:
            (run.interim / f"{name}.parquet").unlink(missing_ok=True)
    io.write_table(c.rejected, run.interim / "rejected", "rejected")
    io.write_json(c.quality, run.interim / "quality.json")


def load_canonical(run: RunPaths) -> dict[str, pd.DataFrame]:
    tables = {}
    for name, schema in CANONICAL_SCHEMAS.items():
        path = run.interim / f"{name}.parquet"
        if path.is_file():
            tables[name] = io.read_table(path, schema)
    if not {"transactions", "customers"} & set(tables):
        raise FileNotFoundError(f"{run.interim}: no transactions or customers table; run 01_data_collection first")
    return tables


def canonical_paths(run: RunPaths) -> dict[str, Path]:
    """The stage-01 Parquet files of this run, for engines that read them where they lie."""
    found = {name: run.interim / f"{name}.parquet" for name in CANONICAL_SCHEMAS if (run.interim / f"{name}.parquet").is_file()}
    if not {"transactions", "customers"} & set(found):
        raise FileNotFoundError(f"{run.interim}: no transactions or customers table; run 01_data_collection first")
    return found


def load_quality(run: RunPaths) -> dict:
    return io.read_json(run.interim / "quality.json")


# 02 ------------------------------------------------------------------------------------------
FEATURE_META = ("as_of", "window_start", "engine", "customer_level", "default_features", "value_basis", "labels",
                "kinds", "assumptions")


def save_features(built: Built, run: RunPaths) -> None:
    save_assumptions("02", built.features.attrs.get("assumptions") or [], run)
    io.write_table(built.features, run.processed / "features", "features")
    io.write_csv(built.catalog, run.processed / "feature_catalog.csv")
    io.write_csv(built.without, run.processed / "customers_without_features.csv")
    io.write_json({k: built.features.attrs.get(k) for k in FEATURE_META}, run.processed / "features_meta.json")


def load_features(run: RunPaths) -> pd.DataFrame:
    df = io.read_table(run.processed / "features", "features")
    df.attrs.update(io.read_json(run.processed / "features_meta.json"))
    return df


def load_catalog(run: RunPaths) -> pd.DataFrame:
    return io.read_csv(run.processed / "feature_catalog.csv")


# 03 ------------------------------------------------------------------------------------------
def save_segmentation(result: SegmentationResult, run: RunPaths, look: LookalikeResult | None = None) -> None:
    save_assumptions("03", result.assumptions, run)
    io.write_table(result.segments, run.processed / "segments", "segments")
    io.write_csv(result.selection, run.processed / "model_selection.csv", float_format="%.10g")
    result.model.save(run.model)
    from seglab import lookalike
    from seglab.score import PERSONAS_FILE

    for stale in (lookalike.FILE, PERSONAS_FILE):  # never keep the lookalike or the names of an earlier model
        (run.model / stale).unlink(missing_ok=True)
    if look is not None:
        if look.model is not None:
            look.model.save(run.model)
        io.write_json({"accuracy": look.accuracy, "baseline": look.baseline, "n_test": look.n_test,
                       "why_not": look.why_not, "features": look.model.features if look.model else [],
                       "confusion": look.confusion.to_dict(orient="index")},
                      run.processed / "lookalike_quality.json")


def load_segments(run: RunPaths) -> pd.DataFrame:
    return io.read_table(run.processed / "segments", "segments")


def load_model(run: RunPaths) -> SegmentModel:
    from seglab.segment import SegmentModel

    return SegmentModel.load(run.model)


# 04 ------------------------------------------------------------------------------------------
def save_personas(profile: pd.DataFrame, personas: pd.DataFrame, cards: list[dict], midas: pd.DataFrame,
                  run: RunPaths) -> None:
    from seglab.score import PERSONAS_FILE

    io.write_csv(profile, run.processed / "profiles.csv", float_format="%.10g")
    io.write_csv(personas, run.processed / "persona_names.csv", float_format="%.10g")
    io.write_json({str(int(s)): n for s, n in zip(personas["segment"], personas["persona"], strict=True)},
                  run.model / PERSONAS_FILE)  # seglab score labels customers with these names
    io.write_text(json.dumps(cards, indent=2, ensure_ascii=False) + "\n", run.processed / "personas.json")
    io.write_csv(midas, run.processed / "midas.csv")


def save_rules(rules: pd.DataFrame, fidelity: pd.DataFrame, run: RunPaths) -> None:
    """The plain-language rules of each segment (``definable_rules.csv``) and each tree's fidelity."""
    io.write_csv(rules, run.processed / "definable_rules.csv", float_format="%.10g")
    io.write_csv(fidelity, run.processed / "rule_fidelity.csv", float_format="%.10g")


def save_prediction(pred: Prediction | None, why_not: str, segments: pd.DataFrame, run: RunPaths) -> None:
    """Per-customer predictions (``predictions.parquet``) and their quality
    (``prediction_quality.json``; ``available: false`` with the reason when there is none)."""
    target = run.processed / "predictions.parquet"
    if pred is None:
        target.unlink(missing_ok=True)  # never keep the predictions of an earlier run
        io.write_json({"available": False, "why_not": why_not}, run.processed / "prediction_quality.json")
        return
    table = pred.customers.merge(segments[["customer_id", "segment"]], on="customer_id", how="left", validate="one_to_one")
    io.write_table(table[["customer_id", "segment", "p_buy", "expected_spend"]], run.processed / "predictions", "predictions")
    io.write_json({"available": True, **pred.quality}, run.processed / "prediction_quality.json")


def load_prediction_quality(run: RunPaths) -> dict:
    f = run.processed / "prediction_quality.json"
    return io.read_json(f) if f.is_file() else {"available": False, "why_not": "stage 04 has not run"}


def load_profile(run: RunPaths) -> pd.DataFrame:
    return io.read_csv(run.processed / "profiles.csv")


def load_persona_names(run: RunPaths) -> pd.DataFrame:
    return io.read_csv(run.processed / "persona_names.csv")


def load_cards(run: RunPaths) -> list[dict]:
    return io.read_json(run.processed / "personas.json")


def load_midas(run: RunPaths) -> pd.DataFrame:
    return io.read_csv(run.processed / "midas.csv")


# 05 ------------------------------------------------------------------------------------------
def save_boston(bm: pd.DataFrame, run: RunPaths) -> None:
    from seglab import schemas

    io.validate(bm, schemas.BOSTON, str(run.processed / "boston_matrix.csv"))
    io.write_csv(bm, run.processed / "boston_matrix.csv", float_format="%.10g")


def load_boston(run: RunPaths) -> pd.DataFrame:
    return io.read_csv(run.processed / "boston_matrix.csv")


def load_predicted_value(run: RunPaths) -> tuple[pd.Series | None, str]:
    """Expected next-period spend per segment from stage 04, and a note; None (and why) without a
    prediction, or when its spend forecast is not better than the naive one on the hold-out."""
    f = run.processed / "predictions.parquet"
    if not f.is_file():
        return None, "no prediction in this run"
    q = load_prediction_quality(run)
    if q.get("available") and q.get("spend_mae", 0) >= q.get("spend_mae_naive", float("inf")):
        return None, (f"the spend prediction was not better than the naive forecast on the hold-out (error "
                      f"{q['spend_mae']:,.0f} against {q['spend_mae_naive']:,.0f}): observed value is used instead")
    pred = io.read_table(f, "predictions")
    return pred.groupby("segment")["expected_spend"].sum(), "predicted next-period spend"


# assumptions ---------------------------------------------------------------------------------
def save_assumptions(stage: str, rows: list[dict], run: RunPaths) -> None:
    """What a stage assumed without being told (``assumptions_<stage>.json``)."""
    io.write_json([{**r, "stage": stage} for r in rows], run.processed / f"assumptions_{stage}.json")


def load_assumptions(run: RunPaths) -> list[dict]:
    """Every assumption of the run, stage by stage: stage 01's (quality.json), then the others'."""
    out = list(load_quality(run).get("assumptions", [])) if (run.interim / "quality.json").is_file() else []
    for stage in ("02", "03", "04", "05", "06"):
        f = run.processed / f"assumptions_{stage}.json"
        if f.is_file():
            out += io.read_json(f)
    return out


def save_sensitivity(table: pd.DataFrame, run: RunPaths) -> None:
    io.write_csv(table, run.processed / "boston_sensitivity.csv", float_format="%.10g")


def save_tracking(assigned: pd.DataFrame | None, why_not: str, run: RunPaths) -> None:
    """Each period's active customers with their segment by the frozen model
    (``period_segments.parquet``), or why there is none (``monitoring.json``)."""
    target = run.processed / "period_segments.parquet"
    if assigned is None:
        target.unlink(missing_ok=True)
        io.write_json({"available": False, "why_not": why_not}, run.processed / "monitoring.json")
        return
    io.write_table(assigned, target, "period_segments")
    io.write_json({"available": True, "periods": [str(p.date()) for p in sorted(assigned["period_end"].unique())],
                   "window_days": assigned.attrs.get("window_days")}, run.processed / "monitoring.json")


def load_tracking(run: RunPaths) -> tuple[pd.DataFrame | None, str]:
    meta = run.processed / "monitoring.json"
    info = io.read_json(meta) if meta.is_file() else {"available": False, "why_not": "stage 05 has not run"}
    if not info["available"]:
        return None, info["why_not"]
    return io.read_table(run.processed / "period_segments", "period_segments"), ""


# 06 ------------------------------------------------------------------------------------------
def save_monitoring(size_table: pd.DataFrame, mig: pd.DataFrame, trend: pd.DataFrame, run: RunPaths) -> None:
    """Per-period sizes and values, the migration table and the growth flags."""
    io.write_csv(size_table, run.processed / "segment_periods.csv", float_format="%.10g", date_format="%Y-%m-%d")
    io.write_csv(mig, run.processed / "migration.csv", float_format="%.10g")
    io.write_csv(trend, run.processed / "monitoring_flags.csv", float_format="%.10g")
