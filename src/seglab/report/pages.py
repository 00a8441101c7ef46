"""The pages of a run: each stage's HTML report (from its executed notebook) and the index
page, ``reports/<run>/index.html``. Both come from Jinja templates (``templates/``) with
autoescaping; this module gathers what they show from the run's files (through
:class:`seglab.artifacts.Store`) and computes nothing.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import TYPE_CHECKING

from seglab import artifacts
from seglab.artifacts import STAGES
from seglab.vocabulary import MIDAS_CRITERIA, NOT_PLACED, QUADRANTS

if TYPE_CHECKING:
    from seglab import config
    from seglab.paths import RunPaths
    from seglab.pipeline import RunResult

TEMPLATES = Path(__file__).parent / "templates"


def render_html(executed: Path, show_code: bool, error: str | None = None) -> Path:
    """Render an executed notebook to a self-contained HTML file beside it (images embedded, no
    script from the network). ``error``: the failure of this stage, shown at the top.
    """
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        exclude_input=not show_code,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        template_name="lab",
        extra_template_paths=[str(TEMPLATES)],
        template_file="seglab_report.html.j2",
    )
    nb = nbformat.read(executed, as_version=4)
    # the template shows the failure at the top (escaped), from the notebook's metadata
    nb.metadata["seglab_error"] = error or ""
    body, _ = exporter.from_notebook_node(nb)
    from seglab import io

    return io.write_text(body, executed.with_suffix(".html"))


def _source_shown(source: str, root: Path) -> str:
    """A source path as the parameters file gives it: relative to the project, never the machine's."""
    try:
        shown = os.path.relpath(os.path.normpath(source), root)
    except ValueError:
        shown = os.path.basename(source)
    if shown.startswith(".." + os.sep + ".." + os.sep) or os.path.isabs(shown):
        shown = os.path.basename(source)
    return shown


def _data_facts(quality: dict, root: Path) -> dict[str, str]:
    """The data a run used, in words: source, period, customers, rows read, kept, rejected."""
    tx = quality["tables"].get("transactions")
    shown = _source_shown(tx["source"] if tx else quality["tables"]["customers"]["source"], root)
    if not tx:
        cu = quality["tables"]["customers"]
        return {
            "source": shown + " (customer level: one row per customer)",
            "customer rows read": f"{cu['read']:,}",
            "customers kept": f"{cu['kept']:,}",
            "rows rejected": f"{cu['rejected']:,}",
        }
    return {
        "source": shown,
        "period": f"{(tx['date_min'] or '')[:10]} to {(tx['date_max'] or '')[:10]}",
        "customers": f"{tx['customers']:,}",
        "rows read": f"{tx['read']:,}",
        "rows kept": f"{tx['kept']:,}",
        "rows rejected": f"{tx['rejected']:,} ({tx['rejected'] / max(tx['read'], 1):.1%}; every one listed "
        "with its reason in the data collection report)",
    }


def _segmentation_facts(model: dict, meta: dict | None) -> dict[str, str]:
    """k, why, the method and the features clustered on, in words, from ``model.json``."""
    labels = (meta or {}).get("labels") or {}
    used = model.get("preparation", {}).get("features", [])
    return {
        "k": str(model["k"]),
        "why": model["selection"],
        "method": model.get("method", "kmeans"),
        "features": ", ".join(labels.get(f) or f.replace("_", " ") for f in used),
    }


#: What the index shows: key in the headline -> artifact (JSON as it is, tables as records).
_JSON_FACTS = (
    ("features_meta", "features_meta"),
    ("personas", "personas"),
    ("prediction", "prediction_quality"),
    ("monitoring", "monitoring"),
)
_TABLE_FACTS = (
    ("boston", "boston_matrix"),
    ("sensitivity", "boston_sensitivity"),
    ("midas", "midas"),
    ("trend", "monitoring_flags"),
)


class _Reader:
    """The index's reads: a file that is stale, damaged or made with other parameters than the
    run's is left out (None), and ``left_out`` says why.
    """

    def __init__(self, paths: RunPaths, params: config.Params):
        sections = [k for k in params.model_dump(mode="json") if k != "run_name"]
        self.store = artifacts.Store(paths, artifacts.INDEX, params, sections=sections)
        self.left_out: list[str] = []

    def get(self, name: str, **kwargs):
        from seglab import modelfile

        if not self.store.exists(name):
            return None
        try:
            return self.store.load(name, **kwargs)
        except (artifacts.StaleArtifact, modelfile.ModelFileError, ValueError, OSError) as exc:
            self.left_out.append(f"{artifacts.shown(artifacts.BY_NAME[name])}: {exc}")
            return None

    def assumptions(self) -> list[dict]:
        from seglab import stages

        try:
            return stages.load_assumptions(self.store)
        except (artifacts.StaleArtifact, ValueError, OSError) as exc:
            self.left_out.append(f"assumptions: {exc}")
            return []


def headline(paths: RunPaths, params: config.Params) -> dict:
    """The run's headline facts, read from the run's files that exist and are current: a file
    that is stale, damaged, or made with other parameters than this run's (an earlier run's,
    when this one stopped before rewriting it) is left out, and ``out["left_out"]`` says why.
    """
    read = _Reader(paths, params)
    out: dict = {}
    quality = read.get("quality")
    if quality is not None:
        out["quality"], out["data"] = quality, _data_facts(quality, paths.root)
    for key, name in _JSON_FACTS:
        if (value := read.get(name)) is not None:
            out[key] = value
    for key, name in _TABLE_FACTS:
        if (table := read.get(name, keep_default_na=False)) is not None:
            out[key] = table.to_dict("records")
    model = read.get("segment_model")  # a damaged model leaves the segmentation out (stage 03 says why)
    if model is not None:
        out["segmentation"] = _segmentation_facts(model, out.get("features_meta"))
    out["assumptions"] = read.assumptions()
    out["left_out"] = read.left_out
    return out


def _png(path: Path) -> str | None:
    """A PNG as a data URI (the index is one self-contained file)."""
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii") if path.is_file() else None


def write_index(paths: RunPaths, params: config.Params, result: RunResult, running: str | None = None) -> Path:
    """Write reports/<run>/index.html from templates/index.html.j2: the run at a glance (what was
    assumed, data, personas, priorities, MIDAS, monitoring), linking every stage's report.

    ``running`` (the start time): the page written when a run starts, which says the run is in
    progress and shows no result, since the files may still be an earlier run's; a complete
    run replaces it. A run that was killed leaves this page, so it says so.
    """
    from seglab import __version__, io, report

    ctx: dict = {"run_name": params.run_name, "seed": params.seed, "version": __version__}
    index = artifacts.location(artifacts.BY_NAME["index"], paths)
    if running:
        ctx.update(
            running=running,
            nav=[],
            stages=[
                {"number": name[:2], "title": title, "link": None, "status": "not finished", "failed": False}
                for name, title in STAGES
            ],
        )
        return io.write_text(report.render_index(ctx), index)
    from seglab.report import plots

    h = headline(paths, params)
    failed = next((s for s in result.stages if not s.ok), None)
    ctx["failed"] = {"name": failed.name, "error": failed.error} if failed else None
    ctx["assumptions"] = h.get("assumptions", [])
    ctx["data"] = list(h["data"].items()) if "data" in h else []
    meta = h.get("features_meta") or {}
    ctx["value_basis"] = meta.get("value_basis") or "unknown: no column measures it (see What seglab assumed)"
    if "data" in h:
        ctx["data"].append(("customer value", ctx["value_basis"]))
    ctx["segmentation"] = h.get("segmentation")
    colors = {s: plots.to_hex(plots.segment_color(s)) for s in range(1, 41)}
    ctx["cards"] = report.cards_html(h["personas"], colors) if "personas" in h else None
    pq = h.get("prediction") or {}
    ctx["prediction"] = (
        {"next_period": pq["next_period"], "horizon_days": pq["horizon_days"], "auc": f"{pq['auc']:.2f}"}
        if pq.get("available")
        else None
    )
    lead = {"text": "", "todo": []}
    bits = []
    if "data" in h and "customers" in h["data"]:
        bits.append(f"{h['data']['customers']} customers ({h['data']['period']})")
    if h.get("segmentation"):
        bits.append(f"{h['segmentation']['k']} segments")
    lead["text"] = ", ".join(bits) + ("." if bits else "")
    if "boston" in h:
        by_q = {q: [str(r["persona"]) for r in h["boston"] if r["quadrant"] == q] for q in QUADRANTS}
        lead["todo"] = [(q, ", ".join(v)) for q, v in by_q.items() if v]
        ctx["boston"] = _boston_context(h, paths)
        if not ctx["boston"]["placed"]:
            ranked = [r["persona"] for r in sorted(h["boston"], key=lambda r: -float(r["attractiveness"]))]
            lead["todo"] = [
                ("Most attractive", ", ".join(ranked[:3])),
                ("Ability to win", "not measured, so no segment is placed on the Boston matrix"),
            ]
    ctx["lead"] = lead if lead["text"] or lead["todo"] else None
    if "midas" in h:
        ctx["midas"] = _midas_context(h["midas"])
    if "trend" in h:
        ctx["trend"] = _trend_context(h, paths)
    ctx["stages"] = []
    for name, title in STAGES:
        done = next((s for s in result.stages if s.name == name), None)
        page = artifacts.location(artifacts.BY_NAME[f"page_{name[:2]}"], paths)
        status = (
            ("not run" if not page.is_file() else "from an earlier run")
            if done is None
            else (f"done in {done.seconds:.1f} s" if done.ok else done.error)
        )
        ctx["stages"].append(
            {
                "number": name[:2],
                "title": title,
                "link": f"{name}.html" if page.is_file() else None,
                "status": status,
                "failed": done is not None and not done.ok,
            }
        )
    sections = [
        ("assumed", "Assumptions", ctx["assumptions"]),
        ("data", "Data", ctx["data"]),
        ("personas", "Personas", ctx["cards"]),
        ("priorities", "Priorities", ctx.get("boston")),
        ("midas", "MIDAS", ctx.get("midas")),
        ("trend", "Over time", ctx.get("trend")),
        ("stages", "Stage reports", True),
    ]
    ctx["nav"] = [(anchor, title) for anchor, title, present in sections if present]
    ctx["left_out"] = h["left_out"]
    return io.write_text(report.render_index(ctx), index)


def _boston_context(h: dict, paths: RunPaths) -> dict:
    from seglab import prioritize

    fragile = {int(r["segment"]): r for r in h.get("sensitivity", []) if str(r["fragile"]) == "True"}
    rows = []
    order = (*QUADRANTS, NOT_PLACED)
    placed = all(r["quadrant"] != NOT_PLACED for r in h["boston"])
    key = (
        (lambda r: (order.index(r["quadrant"]), int(r["segment"])))
        if placed
        else (lambda r: (-float(r["attractiveness"]), int(r["segment"])))
    )
    for r in sorted(h["boston"], key=key):
        f = fragile.get(int(r["segment"]))
        rows.append(
            {
                "segment": r["segment"],
                "persona": r["persona"],
                "quadrant": r["quadrant"],
                "action": r["action"],
                "decided_by": r.get("decided_by", ""),
                "budget": f"{float(r['budget']):,.0f}" if r.get("budget", "") != "" else "–",
                "budget_how": r.get("budget_how", ""),
                "override": r.get("override_reason", ""),
                "fragile": (
                    f"fragile: kept in {float(f['stay_share']):.0%} of weight changes, else {f['else_most_often']}"
                    if f
                    else ""
                ),
            }
        )
    import pandas as pd

    bm = pd.DataFrame(h["boston"])
    missing = [c for c in prioritize.ABILITY_INPUTS if bm[c].astype(str).eq("").all()] if not placed else []
    bm.attrs["unmeasured_inputs"] = missing
    total = sum(float(r["budget"]) for r in h["boston"] if r.get("budget", "") != "")
    basis = h["boston"][0].get("budget_basis", "value") if h["boston"] else "value"
    return {
        "placed": placed,
        "rows": rows,
        "chart": _png(artifacts.location(artifacts.BY_NAME["05_boston_matrix"], paths)),
        "chart_alt": "Boston matrix of the segments" if placed else "Segments ranked by attractiveness",
        "template": prioritize.analyst_template(bm) if not placed else "",
        "budget_text": (
            f"Budget {total:,.0f}: each segment's share follows its "
            + ("quadrant weight" if placed else "attractiveness")
            + f" times its {basis}."
        ),
        "notes": [],
    }


def _midas_context(rows: list[dict]) -> dict:
    from seglab import report

    criteria = list(MIDAS_CRITERIA)
    by = {(int(r["segment"]), r["criterion"]): r for r in rows}
    out = []
    for s in sorted({int(r["segment"]) for r in rows}):
        persona = next((r["persona"] for r in rows if int(r["segment"]) == s), "")
        cells = []
        for c in criteria:
            r = by.get((s, c))
            cells.append(
                {
                    "result": r["result"],
                    "evidence": r["evidence"],
                    "color": report.RESULT_COLORS.get(r["result"], "#999"),
                }
                if r
                else None
            )
        out.append({"segment": s, "persona": persona, "cells": cells})
    return {"criteria": criteria, "rows": out}


def _trend_context(h: dict, paths: RunPaths) -> dict:
    moving = [
        {
            "segment": r["segment"],
            "persona": r["persona"],
            "trend": r["trend"],
            "rate": f"{float(r['growth_rate']):+.0%}",
        }
        for r in h["trend"]
        if r["trend"] in ("growing", "shrinking")
    ]
    unknown = ""
    if all(r["trend"] == "unknown" for r in h["trend"]):
        periods = (h.get("monitoring") or {}).get("periods", [])
        unknown = (
            f"only {len(periods)} period{'s' if len(periods) != 1 else ''} with a whole window of history: "
            "there is nothing to compare (a shorter monitoring.period or monitoring.window_days gives more)."
        )
    w = (h.get("monitoring") or {}).get("window_days")
    window = (
        (
            f"Each period's active customers are assigned from their last {w} days of behaviour, the same for every "
            "period, so a change is movement between segments, not a longer history."
        )
        if w
        else ""
    )
    return {
        "moving": moving,
        "unknown": unknown,
        "window": window,
        "chart": _png(artifacts.location(artifacts.BY_NAME["06_segments_over_time"], paths)),
    }
