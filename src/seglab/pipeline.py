"""The pipeline: execute the stage notebooks with papermill, render HTML, write the index page.

All stages run from this one Python process, so papermill and nbconvert are imported once
(importing them costs about 3 s; a process per notebook would pay it per stage).
"""

from __future__ import annotations

import base64
import html
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from seglab import config
from seglab.paths import RunPaths, project_root, run_paths

TEMPLATES = Path(__file__).parent / "templates"
STAGES: tuple[tuple[str, str], ...] = (
    ("01_data_collection", "Data collection"),
    ("02_feature_building", "Feature building"),
    ("03_segmentation", "Segmentation"),
    ("04_persona_profiling", "Persona profiling"),
    ("05_prioritization", "Prioritisation (Boston matrix)"),
    ("06_monitoring", "Monitoring over time"),
)


class StageFailed(RuntimeError):
    """A stage notebook raised; the message names the notebook, the cell and the error."""


@dataclass
class StageResult:
    name: str
    title: str
    seconds: float
    ok: bool
    error: str = ""


@dataclass
class RunResult:
    run: RunPaths
    stages: list[StageResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.stages)


def declared_parameters(notebook: Path) -> list[str]:
    """Names declared in the notebook's ``parameters`` cell."""
    import papermill

    return list(papermill.inspect_notebook(str(notebook)).keys())


def render_html(executed: Path, show_code: bool, error: str | None = None) -> Path:
    """Render an executed notebook to a self-contained HTML file beside it (images embedded, no
    script from the network). ``error``: the failure of this stage, shown at the top."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(exclude_input=not show_code, exclude_input_prompt=True, exclude_output_prompt=True,
                            template_name="lab", extra_template_paths=[str(TEMPLATES)],
                            template_file="seglab_report.html.j2")
    nb = nbformat.read(executed, as_version=4)
    if error:
        banner = (
            '<div style="background:#fde7e9;border:2px solid #b00020;padding:12px 16px;margin:8px 0 16px;'
            'font-size:16px"><b style="color:#b00020">This stage failed.</b> '
            f"{html.escape(error)}<br>The cell that failed and its traceback are shown further down; the "
            "cells after it did not run.</div>")
        nb.cells.insert(0, nbformat.v4.new_markdown_cell(banner, metadata={"tags": ["seglab-error"]}))
    body, _ = exporter.from_notebook_node(nb)
    out = executed.with_suffix(".html")
    out.write_text(body, encoding="utf-8")
    return out


def _failure_message(name: str, exc: Exception) -> str:
    cell = getattr(exc, "exec_count", None) or getattr(exc, "cell_index", None)
    ename, evalue = getattr(exc, "ename", type(exc).__name__), getattr(exc, "evalue", str(exc))
    where = f"cell {cell}" if cell is not None else "a cell"
    return f"stage {name} failed in {where}: {ename}: {evalue}"


def run(
    params_file: str | Path,
    run_name: str | None = None,
    root: Path | None = None,
    log: Callable[[str], None] = print,
    stages: tuple[tuple[str, str], ...] = STAGES,
    progress: bool = True,
) -> RunResult:
    """Execute the stages in order for the parameters file; stop at the first failure.

    Raises :class:`StageFailed` (after writing the failed notebook, its HTML and the index)
    when a stage fails.
    """
    import papermill

    root = root or project_root()
    params = config.load(params_file)
    if run_name:
        params = config.validate({**params.model_dump(mode="json"), "run_name": run_name}, origin=str(params_file))
    paths = run_paths(params.run_name, root)
    previous = os.environ.get("SEGLAB_ROOT")
    os.environ["SEGLAB_ROOT"] = str(root)  # the kernels resolve the same project root
    # OpenMP threads (scikit-learn's k-means and gradient boosting) sleep when idle instead of
    # spinning: with another busy process on the machine, spinning made stages 03 and 04 up to
    # 20x slower (two runs at once: 172 s each instead of 27 s). The kernels inherit it.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        return _run_stages(papermill, root, params, paths, log, stages, progress)
    finally:
        if previous is None:
            os.environ.pop("SEGLAB_ROOT", None)
        else:
            os.environ["SEGLAB_ROOT"] = previous


def _run_stages(papermill, root: Path, params: config.Params, paths: RunPaths, log, stages, progress: bool) -> RunResult:
    result = RunResult(paths)
    log(f"seglab run '{params.run_name}': {len(stages)} stages -> {paths.reports}")
    for name, title in stages:
        notebook = root / "notebooks" / f"{name}.ipynb"
        executed = paths.reports / f"{name}.ipynb"
        values = config.notebook_values(params, declared_parameters(notebook))
        start = time.perf_counter()
        log(f"[{name}] running ...")
        try:
            papermill.execute_notebook(
                str(notebook), str(executed), parameters=values, cwd=str(root), kernel_name="python3",
                # one progress bar per stage, a step per cell, on stderr
                progress_bar={"desc": f"[{name}] cells", "file": sys.stderr, "leave": False} if progress else False,
                log_output=False, request_save_on_cell_execute=False,
            )
        except Exception as exc:  # noqa: BLE001 - every failure is reported the same way
            secs = time.perf_counter() - start
            message = _failure_message(name, exc)
            result.stages.append(StageResult(name, title, secs, False, message))
            if executed.is_file():
                render_html(executed, params.report.show_code, error=message)
            write_index(paths, params, result)
            log(f"[{name}] FAILED after {secs:.1f} s")
            raise StageFailed(f"{message}\nThe executed notebook is kept: {executed}") from None
        render_html(executed, params.report.show_code)
        secs = time.perf_counter() - start
        result.stages.append(StageResult(name, title, secs, True))
        log(f"[{name}] done in {secs:.1f} s")
    write_index(paths, params, result)
    total = sum(s.seconds for s in result.stages)
    log(timing_summary(result))
    log(f"all {len(result.stages)} stages done in {total:.1f} s; open {paths.reports / 'index.html'}")
    return result


def timing_summary(result: RunResult) -> str:
    """Each stage's time, one line each, and the total."""
    total = sum(s.seconds for s in result.stages) or 1.0
    lines = ["time per stage:"]
    for s in result.stages:
        lines.append(f"  {s.name:<24}{s.seconds:8.1f} s  {s.seconds / total:4.0%}" + ("" if s.ok else "  FAILED"))
    lines.append(f"  {'total':<24}{sum(s.seconds for s in result.stages):8.1f} s")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# index page
# --------------------------------------------------------------------------------------------
def headline(paths: RunPaths) -> dict:
    """The run's headline numbers, read from the stage files that exist."""
    import pandas as pd

    out: dict = {}
    q = paths.interim / "quality.json"
    if q.is_file():
        quality = json.loads(q.read_text(encoding="utf-8"))
        tx = quality["tables"].get("transactions")
        if tx:
            out["data"] = {
                "source": os.path.normpath(tx["source"]),
                "period": f"{(tx['date_min'] or '')[:10]} to {(tx['date_max'] or '')[:10]}",
                "customers": f"{tx['customers']:,}",
                "rows read": f"{tx['read']:,}", "rows kept": f"{tx['kept']:,}",
                "rows rejected": f"{tx['rejected']:,} ({tx['rejected'] / max(tx['read'], 1):.1%}; every one listed "
                                 "with its reason in the data collection report)",
            }
        else:
            cu = quality["tables"]["customers"]
            out["data"] = {"source": cu["source"] + " (customer level)", "customer rows read": f"{cu['read']:,}",
                           "customers kept": f"{cu['kept']:,}", "rows rejected": f"{cu['rejected']:,}"}
    sel = paths.processed / "model" / "model.json"
    if sel.is_file():
        m = json.loads(sel.read_text(encoding="utf-8"))
        out["segmentation"] = {"segments (k)": str(m["k"]), "why": m["selection"], "method": m.get("method", "kmeans")}
    cards = paths.processed / "personas.json"
    if cards.is_file():
        out["personas"] = json.loads(cards.read_text(encoding="utf-8"))
    for key, name in (("boston", "boston_matrix.csv"), ("sensitivity", "boston_sensitivity.csv"), ("midas", "midas.csv"),
                      ("trend", "monitoring_flags.csv")):
        f = paths.processed / name
        if f.is_file():
            out[key] = pd.read_csv(f, keep_default_na=False).to_dict("records")
    f = paths.processed / "prediction_quality.json"
    if f.is_file():
        out["prediction"] = json.loads(f.read_text(encoding="utf-8"))
    return out


INDEX_CSS = (
    "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1180px;margin:24px auto;padding:0 16px;"
    "color:#222;line-height:1.45}h1{margin-bottom:4px}h2{margin-top:32px;border-bottom:2px solid #eee;padding-bottom:4px}"
    "table{border-collapse:collapse;margin:8px 0 20px}td,th{border:1px solid #ddd;padding:5px 10px;text-align:left;"
    "vertical-align:top}th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}"
    ".fail{color:#b00020;font-weight:bold}.banner{background:#fde7e9;border:2px solid #b00020;padding:12px;margin:12px 0}"
    ".lead{font-size:17px;color:#444}.muted{color:#777}img.figure{max-width:100%;height:auto}"
    ".quadrant{font-weight:bold}.fragile{color:#b35900}nav a{margin-right:14px}"
)
QUADRANT_ORDER = ("Target", "Convert", "Grow", "Ignore")


def _img(path: Path, alt: str) -> str:
    """A PNG embedded in the page (the index is one self-contained file)."""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f"<img class='figure' alt='{html.escape(alt)}' src='data:image/png;base64,{data}'>"


def _lead(h: dict) -> str:
    """One sentence a manager reads first."""
    e = html.escape
    bits = []
    if "data" in h and "customers" in h["data"]:
        bits.append(f"{h['data']['customers']} customers ({e(h['data']['period'])})")
    if "segmentation" in h:
        bits.append(f"{h['segmentation']['segments (k)']} segments")
    text = ", ".join(bits)
    if "boston" in h:
        by_q = {q: [f"{r['persona']}" for r in h["boston"] if r["quadrant"] == q] for q in QUADRANT_ORDER}
        todo = "; ".join(f"<b>{q}</b>: {e(', '.join(v))}" for q, v in by_q.items() if v)
        text += f". {todo}."
    return f"<p class='lead'>{text}</p>" if text else ""


def write_index(paths: RunPaths, params: config.Params, result: RunResult) -> Path:
    """Write reports/<run>/index.html: the run at a glance (data, personas, priorities, MIDAS,
    monitoring), linking every stage's report; one self-contained file."""
    from seglab import plots, report

    h = headline(paths)
    e = html.escape
    rows = []
    for name, title in STAGES:
        done = next((s for s in result.stages if s.name == name), None)
        page = paths.reports / f"{name}.html"
        link = f'<a href="{name}.html">{e(title)}</a>' if page.is_file() else e(title)
        if done is None:
            status = "not run" if not page.is_file() else "from an earlier run"
        elif done.ok:
            status = f"done in {done.seconds:.1f} s"
        else:
            status = f'<span class="fail">FAILED: {e(done.error)}</span>'
        rows.append(f"<tr><td>{name[:2]}</td><td>{link}</td><td>{status}</td></tr>")
    failed = [s for s in result.stages if not s.ok]
    colors = {s: plots.to_hex(plots.segment_color(s)) for s in range(1, 41)}
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>seglab report: {e(params.run_name)}</title><style>{INDEX_CSS}</style></head><body>",
        f"<h1>Customer segmentation: run “{e(params.run_name)}”</h1>",
    ]
    if failed:
        parts.append(f"<div class='banner'><span class='fail'>Stage {e(failed[0].name)} failed.</span> "
                     f"{e(failed[0].error)} <a href='{e(failed[0].name)}.html'>Open its report</a> for the cell and "
                     "the traceback; the stages after it did not run.</div>")
    parts.append(_lead(h))
    sections = [("data", "data", "Data"), ("personas", "personas", "Personas"), ("boston", "priorities", "Priorities"),
                ("midas", "midas", "MIDAS"), ("trend", "trend", "Over time"), ("stages", "stages", "Stage reports")]
    parts.append("<nav>" + "".join(f"<a href='#{anchor}'>{t}</a>" for k, anchor, t in sections
                                   if k in h or k == "stages") + "</nav>")
    if "data" in h:
        parts.append("<h2 id='data'>Data used</h2><table>" + "".join(
            f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in h["data"].items()) + "</table>")
    if "segmentation" in h:
        parts.append(f"<p><b>{e(h['segmentation']['segments (k)'])} segments</b> ({e(h['segmentation']['method'])}). "
                     f"{e(h['segmentation']['why'])}</p>")
    if "personas" in h:
        pq = h.get("prediction", {})
        pred = (f"<p class='muted'>“Next period” on each card: buying and spend in {pq['next_period']} predicted by "
                f"a model checked on the previous {pq['horizon_days']} days, which it never saw (AUC {pq['auc']:.2f}; "
                "0.5 = a coin toss, 1 = perfect).</p>") if pq.get("available") else ""
        parts.append("<h2 id='personas'>Personas</h2>" + pred + report.cards_html(h["personas"], colors))
    if "boston" in h:
        parts.append(_priorities(h, paths))
    if "midas" in h:
        parts.append(_midas_table(h["midas"]))
    if "trend" in h:
        parts.append(_monitoring(h, paths))
    parts.append("<h2 id='stages'>Stage reports</h2><p class='muted'>Each stage's full report: tables, figures and "
                 "how every number was made (code hidden; <code>report.show_code: true</code> shows it).</p>"
                 "<table><tr><th>#</th><th>stage</th><th>status</th></tr>" + "".join(rows) + "</table>")
    parts.append(f"<p class='muted'>Parameters: run “{e(params.run_name)}”, seed {params.seed}. "
                 "Generated by seglab.</p></body></html>")
    out = paths.reports / "index.html"
    out.write_text("\n".join(parts), encoding="utf-8")
    return out


def _priorities(h: dict, paths: RunPaths) -> str:
    e = html.escape
    fragile = {int(r["segment"]): r for r in h.get("sensitivity", []) if str(r["fragile"]) == "True"}
    out = ["<h2 id='priorities'>Priorities: the Boston matrix</h2>"]
    chart = paths.figures / "05_boston_matrix.png"
    if chart.is_file():
        out.append(_img(chart, "Boston matrix of the segments"))
    out.append("<table><tr><th>segment</th><th>persona</th><th>quadrant</th><th>what to do</th>"
               "<th>budget</th><th>attractiveness</th><th>ability to win</th></tr>")
    for r in sorted(h["boston"], key=lambda r: (QUADRANT_ORDER.index(r["quadrant"]), int(r["segment"]))):
        note = ""
        f = fragile.get(int(r["segment"]))
        if f:
            note = (f"<br><span class='fragile'>fragile: kept in {float(f['stay_share']):.0%} of weight changes, "
                    f"else {e(str(f['else_most_often']))}</span>")
        if r.get("override_reason"):
            note += f"<br><span class='muted'>set by the analyst: {e(str(r['override_reason']))}</span>"
        budget = f"{float(r['budget']):,.0f}" if r.get("budget", "") != "" else "–"
        out.append(f"<tr><td>S{r['segment']}</td><td>{e(str(r['persona']))}</td>"
                   f"<td class='quadrant'>{e(r['quadrant'])}{note}</td><td>{e(r['action'])}</td>"
                   f"<td class='num'>{budget}</td><td class='num'>{float(r['attractiveness']):.2f}</td>"
                   f"<td class='num'>{float(r['ability_to_win']):.2f}</td></tr>")
    out.append("</table>")
    return "".join(out)


def _midas_table(rows: list[dict]) -> str:
    from seglab import report

    e = html.escape
    criteria = ["Measurable", "Identifiable", "Definable", "Actionable", "Viable"]
    segs = sorted({int(r["segment"]) for r in rows})
    by = {(int(r["segment"]), r["criterion"]): r for r in rows}
    out = ["<h2 id='midas'>MIDAS scorecard</h2><p class='muted'>Is each segment Measurable, Identifiable, Definable, "
           "Actionable and Viable? Hover a result for its evidence.</p><table><tr><th>segment</th>"
           + "".join(f"<th>{c}</th>" for c in criteria) + "</tr>"]
    for s in segs:
        persona = next((r["persona"] for r in rows if int(r["segment"]) == s), "")
        cells = []
        for c in criteria:
            r = by.get((s, c))
            cells.append(f"<td title='{e(str(r['evidence']))}'>{report.badge(r['result'], r['result'])}</td>" if r else
                         "<td>–</td>")
        out.append(f"<tr><td>S{s} {e(str(persona))}</td>{''.join(cells)}</tr>")
    out.append("</table>")
    return "".join(out)


def _monitoring(h: dict, paths: RunPaths) -> str:
    e = html.escape
    out = ["<h2 id='trend'>Over time: growing and shrinking segments</h2><ul>"]
    moving = [r for r in h["trend"] if r["trend"] in ("growing", "shrinking")]
    for r in moving:
        out.append(f"<li><b>S{r['segment']} {e(str(r['persona']))}</b> is <b>{r['trend']}</b> "
                   f"({float(r['growth_rate']):+.0%} active customers)</li>")
    if not moving:
        out.append("<li>No segment grows or shrinks beyond the thresholds.</li>")
    out.append("</ul>")
    fig = paths.figures / "06_segments_over_time.png"
    if fig.is_file():
        out.append(_img(fig, "Active customers and net value per segment and period"))
    return "".join(out)
