"""The pipeline: execute the stage notebooks with papermill, render HTML, write the index page.

All stages run from this one Python process, so papermill and nbconvert are imported once
(importing them costs about 3 s; a process per notebook would pay it per stage).
"""

from __future__ import annotations

import base64
import html
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from seglab import config
from seglab.paths import RunPaths, project_root, run_paths

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


def render_html(executed: Path, show_code: bool) -> Path:
    """Render an executed notebook to a self-contained HTML file beside it (images embedded)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(exclude_input=not show_code, exclude_input_prompt=True, exclude_output_prompt=True)
    nb = nbformat.read(executed, as_version=4)
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
    try:
        return _run_stages(papermill, root, params, paths, log, stages)
    finally:
        if previous is None:
            os.environ.pop("SEGLAB_ROOT", None)
        else:
            os.environ["SEGLAB_ROOT"] = previous


def _run_stages(papermill, root: Path, params: config.Params, paths: RunPaths, log, stages) -> RunResult:
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
                progress_bar=False, log_output=False, request_save_on_cell_execute=False,
            )
        except Exception as exc:  # noqa: BLE001 - every failure is reported the same way
            secs = time.perf_counter() - start
            message = _failure_message(name, exc)
            result.stages.append(StageResult(name, title, secs, False, message))
            if executed.is_file():
                render_html(executed, params.report.show_code)
            write_index(paths, params, result)
            log(f"[{name}] FAILED after {secs:.1f} s")
            raise StageFailed(f"{message}\nThe executed notebook is kept: {executed}") from None
        render_html(executed, params.report.show_code)
        secs = time.perf_counter() - start
        result.stages.append(StageResult(name, title, secs, True))
        log(f"[{name}] done in {secs:.1f} s")
    write_index(paths, params, result)
    total = sum(s.seconds for s in result.stages)
    log(f"all {len(result.stages)} stages done in {total:.1f} s; open {paths.reports / 'index.html'}")
    return result


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
                "rows read": f"{tx['read']:,}", "rows kept": f"{tx['kept']:,}", "rows rejected": f"{tx['rejected']:,}",
                "customers": f"{tx['customers']:,}",
                "period": f"{(tx['date_min'] or '')[:10]} to {(tx['date_max'] or '')[:10]}", "source": tx["source"],
            }
        else:
            cu = quality["tables"]["customers"]
            out["data"] = {"customer rows read": f"{cu['read']:,}", "customers kept": f"{cu['kept']:,}",
                           "rows rejected": f"{cu['rejected']:,}", "source": cu["source"] + " (customer level)"}
    sel = paths.processed / "model" / "model.json"
    if sel.is_file():
        m = json.loads(sel.read_text(encoding="utf-8"))
        out["segmentation"] = {"segments (k)": str(m["k"]), "why": m["selection"]}
    cards = paths.processed / "personas.json"
    if cards.is_file():
        out["personas"] = json.loads(cards.read_text(encoding="utf-8"))
    bm = paths.processed / "boston_matrix.csv"
    if bm.is_file():
        out["boston"] = pd.read_csv(bm, keep_default_na=False).to_dict("records")
    return out


def write_index(paths: RunPaths, params: config.Params, result: RunResult) -> Path:
    """Write reports/<run>/index.html linking every stage with the headline numbers."""
    h = headline(paths)
    e = html.escape
    rows = []
    for name, title in STAGES:
        done = next((s for s in result.stages if s.name == name), None)
        report = paths.reports / f"{name}.html"
        link = f'<a href="{name}.html">{e(title)}</a>' if report.is_file() else e(title)
        if done is None:
            status = "not run"
        elif done.ok:
            status = f"done in {done.seconds:.1f} s"
        else:
            status = f'<span class="fail">FAILED: {e(done.error)}</span>'
        rows.append(f"<tr><td>{name[:2]}</td><td>{link}</td><td>{status}</td></tr>")
    failed = [s for s in result.stages if not s.ok]
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>seglab report: {e(params.run_name)}</title>",
        "<style>body{font-family:sans-serif;max-width:1100px;margin:24px auto;padding:0 16px;color:#222}"
        "table{border-collapse:collapse;margin:8px 0 20px}td,th{border:1px solid #ddd;padding:5px 10px;text-align:left}"
        "th{background:#f4f4f4}.fail{color:#b00020;font-weight:bold}.banner{background:#fde7e9;border:1px solid #b00020;"
        "padding:10px;margin:10px 0}</style></head><body>",
        f"<h1>Customer segmentation: run “{e(params.run_name)}”</h1>",
    ]
    if failed:
        parts.append(f"<div class='banner fail'>Stage {e(failed[0].name)} failed: {e(failed[0].error)}</div>")
    if "data" in h:
        parts.append("<h2>Data</h2><table>" + "".join(
            f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in h["data"].items()) + "</table>")
    if "segmentation" in h:
        parts.append(f"<h2>Segments</h2><p><b>{e(h['segmentation']['segments (k)'])} segments.</b> "
                     f"{e(h['segmentation']['why'])}</p>")
    if "boston" in h:
        parts.append("<h2>Priorities (Boston matrix)</h2><table><tr><th>segment</th><th>persona</th><th>quadrant</th>"
                     "<th>attractiveness</th><th>ability to win</th><th>action</th></tr>")
        for r in sorted(h["boston"], key=lambda r: ("Target", "Convert", "Grow", "Ignore").index(r["quadrant"])):
            parts.append(f"<tr><td>S{r['segment']}</td><td>{e(str(r['persona']))}</td><td><b>{e(r['quadrant'])}</b></td>"
                         f"<td>{float(r['attractiveness']):.2f}</td><td>{float(r['ability_to_win']):.2f}</td>"
                         f"<td>{e(r['action'])}</td></tr>")
        parts.append("</table>")
        chart = paths.figures / "05_boston_matrix.png"
        if chart.is_file():
            data = base64.b64encode(chart.read_bytes()).decode("ascii")
            parts.append(f"<img alt='Boston matrix' style='max-width:100%' src='data:image/png;base64,{data}'>")
    if "personas" in h:
        from seglab import plots, report

        colors = {c["segment"]: plots.to_hex(plots.segment_color(c["segment"])) for c in h["personas"]}
        parts.append("<h2>Personas</h2>" + report.cards_html(h["personas"], colors))
    parts.append("<h2>Stage reports</h2><table><tr><th>#</th><th>stage</th><th>status</th></tr>" + "".join(rows) + "</table>")
    parts.append(f"<p style='color:#777'>Parameters: run “{e(params.run_name)}”, seed {params.seed}. "
                 "Generated by seglab.</p></body></html>")
    out = paths.reports / "index.html"
    out.write_text("\n".join(parts), encoding="utf-8")
    return out
