"""The pipeline: execute the stage notebooks with papermill, render HTML, write the index page.

A run starts one IPython kernel (:class:`seglab.run.kernel.SharedKernel`) and executes every stage
notebook in it, each from a clean namespace: the kernel start and the imports of the analysis
stack are paid once per run, not once per stage. papermill and nbconvert are imported once, in
this process, while the kernel imports its modules. Each stage's HTML page is rendered in a
background thread while the next stage computes; the index is written when all pages are.

After each stage the kernel writes what the stage kept for its page (:meth:`seglab.run.session.Session.kept`);
:func:`render` (``seglab report --language``, and ``seglab run --language en,fa`` for the further
languages) executes the stage notebooks again on that, computing and writing no data, into the
pages' folder of each language.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from seglab.files.artifacts import BY_NAME, STAGES, location, number_of, reset_figures
from seglab.i18n import LANGUAGES
from seglab.paths import RunPaths, UnsafePath, inside, project_root, run_paths  # noqa: F401  (pipeline.UnsafePath)
from seglab.report import pages as report_pages
from seglab.report import stage_pages
from seglab.report.pages import render_html, write_index
from seglab.run.drawing import FigureDrawer, complete_figures
from seglab.runlock import UNFINISHED_FILE, RunInProgress, RunLock, _now, remove_orphans, temp_folder  # noqa: F401  (seglab.run.pipeline.RunLock...)

if TYPE_CHECKING:
    from seglab import config


class StageFailed(RuntimeError):
    """A stage notebook raised; the message names the notebook, the cell and the error."""


def _peek_run_name(params_file: str | Path, run_name: str | None) -> str | None:
    """The run name, read before the parameters are validated (so the lock is taken before the
    kernel starts); None when the file cannot tell (validation will then say why).
    """
    from seglab.paths import RUN_NAME

    name = run_name
    if not name:
        try:
            import yaml

            data = yaml.safe_load(Path(params_file).read_text(encoding="utf-8-sig"))
            name = data.get("run_name", "default") if isinstance(data, dict) else "default"
        except (OSError, ValueError, yaml.YAMLError):
            return None
    return name if isinstance(name, str) and RUN_NAME.fullmatch(name) else None


@dataclass
class StageResult:
    """One stage of a run: its time, outcome and where the time went."""

    name: str
    title: str
    seconds: float
    ok: bool
    error: str = ""
    #: where the time went (seconds): ``cells`` (executing the notebook's cells), ``html``
    #: (rendering its page, in the background), and with probes ``imports`` and ``figures``
    profile: dict = field(default_factory=dict)


@dataclass
class RunResult:
    """A run: each stage's result, the kernel's start and the total time."""

    run: RunPaths
    stages: list[StageResult] = field(default_factory=list)
    #: seconds to start the kernel and import the analysis stack in it (once per run)
    setup_seconds: float = 0.0
    #: seconds from the start of :func:`run` to the index page written
    total_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether every stage succeeded."""
        return all(s.ok for s in self.stages)


def declared_parameters(notebook: Path) -> list[str]:
    """Names declared in the notebook's ``parameters`` cell."""
    import papermill

    return list(papermill.inspect_notebook(str(notebook)).keys())


def _with_file(exc: OSError, path: Path) -> OSError:
    """The operating-system error naming the file it was writing (the writer may not say)."""
    return exc if exc.filename else type(exc)(exc.errno, exc.strerror, str(path))


def _failure_message(name: str, exc: Exception) -> str:
    cell = getattr(exc, "exec_count", None) or getattr(exc, "cell_index", None)
    ename, evalue = getattr(exc, "ename", type(exc).__name__), getattr(exc, "evalue", str(exc))
    where = f"cell {cell}" if cell is not None else "a cell"
    evalue = " ".join(str(evalue).split())  # one line
    return f"stage {name} failed in {where}: {ename}: {evalue}"


@dataclass(frozen=True)
class RunOptions:
    """How :func:`run` executes: ``log``, where progress lines go; ``stages``, the stages to run, in
    order (default: all six); ``progress``, a progress bar per stage on standard error; ``probes``,
    time imports and figures inside the kernel (``benchmarks/run_overhead.py``; the results land
    in each stage's ``profile``).
    """

    log: Callable[[str], None] = print
    stages: tuple[tuple[str, str], ...] = STAGES
    progress: bool = True
    probes: bool = False


def run(
    params_file: str | Path,
    run_name: str | None = None,
    root: Path | None = None,
    language: str | None = None,
    options: RunOptions | None = None,
) -> RunResult:
    """Execute the stages in order for the parameters file; stop at the first failure.

    Parameters
    ----------
    params_file : str or Path
        The run's YAML parameters.
    run_name : str, optional
        Replaces ``run_name`` of the parameters.
    root : Path, optional
        Project root (default: :func:`seglab.paths.project_root`).
    language : str, optional
        Replaces ``report.language`` of the parameters (en, fa, ar); several, comma-separated
        (``en,fa``): the first replaces it, the others ``report.languages`` (pages rendered in
        each, from the same results).
    options : RunOptions, optional
        Where progress lines go, which stages run, progress bars and timing probes.

    Returns
    -------
    RunResult
        Each stage's time and outcome.

    Raises
    ------
    StageFailed
        After writing the failed notebook, its HTML and the index, when a stage fails.
    """
    started = time.perf_counter()
    root, options = root or project_root(), options or RunOptions()
    log = options.log
    peeked = _peek_run_name(params_file, run_name)
    with contextlib.ExitStack() as held:
        lock = held.enter_context(RunLock(root, peeked)) if peeked else None  # before the kernel starts
        # --language en,fa: the run in the first, its pages rendered in the others too
        langs = [x.strip() for x in language.split(",") if x.strip()] if language else []
        overrides = {
            "run_name": run_name,
            "language": langs[0] if langs else None,
            "languages": langs[1:] if len(langs) > 1 else None,
        }
        result, paths = _run_locked(params_file, overrides, root, options, lock, held)
    result.total_seconds = time.perf_counter() - started
    log(timing_summary(result))
    log(f"all {len(result.stages)} stages done in {result.total_seconds:.1f} s; open {paths.reports / 'index.html'}")
    return result


@contextlib.contextmanager
def _environment(root: Path):
    """The environment a run's kernel starts in (restored after): the project root, OpenMP threads
    that sleep when idle, and the folder the kernel pickles its figures into (yielded).
    """
    from seglab.paths import FIGURE_QUEUE_ENV
    from seglab.run.session import RENDER_ENV

    saved = {name: os.environ.get(name) for name in ("SEGLAB_ROOT", FIGURE_QUEUE_ENV, RENDER_ENV)}
    os.environ["SEGLAB_ROOT"] = str(root)  # the kernel resolves the same project root
    # OpenMP threads (scikit-learn's k-means and gradient boosting) sleep when idle instead of
    # spinning: with another busy process on the machine, spinning made stages 03 and 04 up to
    # 20x slower (two runs at once: 172 s each instead of 27 s). The kernel inherits it.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.environ.pop(RENDER_ENV, None)  # the kernel computes unless told to render (_render_language)
    # figures: the kernel pickles them into this folder, this process draws the PNGs
    remove_orphans()  # the temporary folders of runs that were killed
    queue = temp_folder("figures")
    os.environ[FIGURE_QUEUE_ENV] = str(queue)
    try:
        yield queue
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        shutil.rmtree(queue, ignore_errors=True)


def _run_locked(
    params_file, overrides: dict, root: Path, options: RunOptions, lock: RunLock | None, held: contextlib.ExitStack
) -> tuple[RunResult, RunPaths]:
    from seglab import i18n
    from seglab.run.kernel import SharedKernel

    log, stages, progress, probes = options.log, options.stages, options.progress, options.probes
    with _environment(root) as queue:
        kernel = SharedKernel(root, probes=probes)  # it starts and imports while the parameters are read here
        drawer = FigureDrawer(queue)  # its processes warm up meanwhile too
        try:
            from seglab import config  # after the kernel's start: pydantic takes a while to load

            loaded = config.load(params_file)
            for old, new in loaded.moved:  # (each stage's page says so too)
                log(f"{old} is read as {new}: move it there")
            params = _with_overrides(loaded, overrides, str(params_file))
            # the pages and the index are written here in the reader's language (the kernel's
            # stages set it from the same parameters)
            held.callback(i18n.use_reader, i18n.reader())
            i18n.use_report(params.report)
            if lock is None or lock.run != params.run_name:
                lock = held.enter_context(RunLock(root, params.run_name))
            paths = run_paths(params.run_name, root)
            kernel.wait_ready()  # a kernel that cannot start stops the run before it replaces anything
            lock.started(paths)
            if lock.interrupted_before is not None:
                log(
                    f"the previous run '{params.run_name}' (started {lock.interrupted_before.get('started', '?')}) "
                    "did not finish; this run replaces its files"
                )
            set_aside(paths)  # the earlier run's pages and exports: never mixed with this run's
            write_index(paths, params, RunResult(paths), running=_now(), params_file=params_file)
            reset_figures(paths.figures)  # the figures folder holds this run's figures only
            further = further_languages(params)
            try:
                result = _run_stages(
                    kernel, drawer, root, params, paths, log, stages, progress, probes, params_file, last=not further
                )
                record = write_record(paths, params, result, params_file)
                for n, language in enumerate(further, 1):
                    _render_language(kernel, drawer, root, record, language, log, progress, last=n == len(further))
                drawer.release()  # every figure is drawn
                # each language's index once, each linking the others
                write_indexes(root, record) if further else write_index(paths, params, result, params_file=params_file)
            except StageFailed:
                lock.finished()  # the failure is recorded in the index
                raise
            drop_aside(paths)  # every page and export is this run's now
            lock.finished()
        finally:
            drawer.close()
            kernel.shutdown()
    return result, paths


def further_languages(params: config.Params) -> list[str]:
    """The languages the pages are rendered in besides ``report.language`` (``report.languages``)."""
    return [lang for lang in params.report.languages if lang != params.report.language]


def write_record(paths: RunPaths, params: config.Params, result: RunResult, params_file=None) -> dict:
    """Write the run's record (``run_record``: parameters, parameters file, each stage's time) when
    every stage has run: what :func:`render` renders the pages with.
    """
    from seglab import io

    record = {
        "params": params.model_dump(mode="json"),
        "params_file": str(params_file) if params_file else None,
        "stages": [
            {"name": s.name, "title": s.title, "seconds": round(s.seconds, 3), "ok": s.ok, "error": s.error}
            for s in result.stages
        ],
        "finished": _now(),
    }
    if len(result.stages) == len(STAGES) and all(s.ok for s in result.stages):
        # in the parameters' own order (not io.write_json's sorted keys): a page lists weights, lenses
        # and columns in the order they were given
        text = json.dumps(record, indent=1, ensure_ascii=False) + "\n"
        io.write_text(text, location(BY_NAME["run_record"], paths))
    return record


def read_record(paths: RunPaths) -> dict:
    """The run's record (:func:`write_record`); FileNotFoundError naming what to run when there is none."""
    p = location(BY_NAME["run_record"], paths)
    if not paths.reports.is_dir() and not paths.processed.is_dir():  # (a typing slip, most often)
        made = sorted(d.name for d in (paths.root / "reports").glob("*") if d.is_dir()) if paths.root.is_dir() else []
        raise FileNotFoundError(
            f"no run named '{paths.run}' in {paths.root} (its runs: {', '.join(made) or 'none yet'}); "
            "give one of them to --run, or make it with `seglab run`"
        )
    try:
        record = json.loads(p.read_text(encoding="utf-8"))
        if not isinstance(record, dict) or not isinstance(record.get("params"), dict):
            raise ValueError("not a run record")
    except (OSError, ValueError) as exc:
        raise FileNotFoundError(
            f"run '{paths.run}' has no complete `seglab run` to render ({p}: "
            f"{getattr(exc, 'strerror', None) or exc}): run `seglab run` for it first"
        ) from None
    return record


def _record_params(record: dict, language: str) -> config.Params:
    from seglab import config

    params = config.validate(record["params"], origin="the run's record (data/interim/<run>/kept/run.json)")
    return _with_overrides(params, {"language": language}, "seglab report --language")


def _record_result(record: dict, paths: RunPaths) -> RunResult:
    stages = [StageResult(s["name"], s["title"], s["seconds"], s["ok"], s.get("error", "")) for s in record["stages"]]
    return RunResult(paths, stages)


def _render_language(kernel, drawer, root: Path, record: dict, language: str, log, progress: bool, last: bool):
    """Render every stage's page of a run in ``language`` from what its stages kept (nothing is
    computed, no data file is written), into ``reports/<run>/`` for the run's own language and
    ``reports/<run>/<language>/`` for another.
    """
    from seglab import i18n
    from seglab.run.session import RENDER_ENV

    params = _record_params(record, language)
    folder = "" if language == record["params"]["report"]["language"] else language
    paths = run_paths(params.run_name, root, language=folder)
    kernel.evaluate(f"__import__('os').environ.__setitem__({RENDER_ENV!r}, {folder or '.'!r})")
    i18n.use_report(params.report)
    if folder:
        reset_figures(paths.figures)
    log(f"seglab report '{params.run_name}' in {language}: the pages from what the stages kept -> {paths.pages}")
    return _run_stages(
        kernel, drawer, root, params, paths, log, STAGES, progress, False, record.get("params_file"), last=last
    )


def _languages_with_pages(root: Path, record: dict) -> list[tuple[str, str]]:
    """(language, folder) of each language a run's pages exist in, the run's own first."""
    from seglab import i18n

    top = RunPaths(root, record["params"]["run_name"])
    own = record["params"]["report"]["language"]
    return [(own, "")] + [(lang, lang) for lang in i18n.LANGUAGES if report_pages.has_pages(top.reports / lang)]


def write_indexes(root: Path, record: dict, only: set[str] | None = None) -> list[Path]:
    """Write the run's index page again in each language its pages exist in (each then links the
    others), with the stage times of the run's record; only in the languages ``only`` names when
    given (the others link the same languages as before).
    """
    from seglab import i18n

    written = []
    for language, folder in _languages_with_pages(root, record):
        if only is not None and language not in only:
            continue
        params = _record_params(record, language)
        paths = RunPaths(root, params.run_name, folder)
        i18n.use_report(params.report)
        written.append(write_index(paths, params, _record_result(record, paths), params_file=record.get("params_file")))
    return written


def render(
    run_name: str, languages: list[str], root: Path | None = None, log: Callable[[str], None] = print, progress=True
) -> list[RunResult]:
    """Render the pages of an existing run in each of ``languages`` without computing anything:
    each stage's notebook runs again on what the stage kept in the run's last ``seglab run``
    (:meth:`seglab.run.session.Session.kept`), writing no data file, into ``reports/<run>/<language>/``
    (``reports/<run>/`` for the run's own language); the index pages then link every language.

    Raises FileNotFoundError when the run has no complete ``seglab run``,
    :class:`~seglab.files.artifacts.StaleArtifact` (as a :class:`StageFailed`) when a stage ran again since.
    """
    from seglab import i18n
    from seglab.run.kernel import RENDER_IMPORTS, SharedKernel

    started = time.perf_counter()
    root = root or project_root()
    results = []
    with RunLock(root, run_name), _environment(root) as queue:
        record = read_record(RunPaths(root, run_name))
        before = {lang for lang, _folder in _languages_with_pages(root, record)}
        reader = i18n.reader()
        kernel = SharedKernel(root, imports=RENDER_IMPORTS)
        drawer = FigureDrawer(queue)  # its processes warm up while the kernel starts
        try:
            kernel.wait_ready()
            for n, language in enumerate(languages, 1):
                t = time.perf_counter()
                last = n == len(languages)
                results.append(_render_language(kernel, drawer, root, record, language, log, progress, last))
                results[-1].total_seconds = time.perf_counter() - t
                log(timing_summary(results[-1]))
            drawer.release()  # every figure is drawn
            # the index pages of the languages rendered; every language's when one is new (all link it)
            write_indexes(root, record, only=set(languages) if before >= set(languages) else None)
        finally:
            drawer.close()
            kernel.shutdown()
            i18n.use_reader(reader)
    folders = ", ".join(
        str(
            RunPaths(root, run_name, "" if lang == record["params"]["report"]["language"] else lang).pages
            / "index.html"
        )
        for lang in languages
    )
    log(
        f"seglab report: {', '.join(languages)} rendered in {time.perf_counter() - started:.1f} s in all (kernel "
        f"start and index pages included); nothing was computed; open {folders}"
    )
    return results


#: Where a run sets the earlier run's pages and exports aside when it starts (inside
#: reports/<run>/), with ``moved.json`` listing them; removed when the run completes.
PREVIOUS = "previous-run"


def set_aside(paths: RunPaths) -> list[str]:
    """Move the earlier run's stage pages (``.html``, ``.ipynb``) and the exports its lineage lists
    into ``reports/<run>/previous-run/``: a run that is killed, or stops at a failing stage, never
    leaves an earlier run's pages and audience files beside its own as if they were its results.
    What an earlier set-aside holds (``moved.json``) goes first; nothing else is deleted.
    """
    from seglab import io

    aside = inside(paths.root, paths.reports / PREVIOUS)
    drop_aside(paths)
    exports = paths.reports / "exports"
    from seglab.files.exports import written_before

    listed = written_before(paths)
    moving = [paths.reports / f"{name}{ext}" for name, _t in STAGES for ext in (".html", ".ipynb")]
    moving += [exports / name for name in listed]
    for lang in LANGUAGES:  # the pages rendered in other languages show the earlier run's results
        folder = paths.reports / lang
        moving += [folder / "index.html"] + [
            folder / f"{name}{ext}" for name, _t in STAGES for ext in (".html", ".ipynb")
        ]
        moving += sorted((folder / "figures").glob("*.png"))
    moved = []
    for src in moving:
        if src.is_file() and not src.is_symlink():
            dst = aside / src.relative_to(paths.reports)
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, dst)
            moved.append(dst.relative_to(aside).as_posix())
    if moved:
        io.write_json({"moved": moved, "when": _now()}, aside / "moved.json")
    return moved


def drop_aside(paths: RunPaths) -> None:
    """Delete what :func:`set_aside` moved (the files ``moved.json`` lists), then its empty folders."""
    aside = inside(paths.root, paths.reports / PREVIOUS)
    try:
        listed = json.loads((aside / "moved.json").read_text(encoding="utf-8")).get("moved", [])
    except (OSError, ValueError, AttributeError):
        return
    for rel in listed:
        p = aside / str(rel)
        if isinstance(rel, str) and ".." not in Path(rel).parts and p.is_file() and not p.is_symlink():
            p.unlink()
    (aside / "moved.json").unlink(missing_ok=True)
    folders = [aside / lang / "figures" for lang in LANGUAGES] + [aside / lang for lang in LANGUAGES]
    for folder in (*folders, aside / "exports", aside):
        with contextlib.suppress(OSError):
            folder.rmdir()  # only when empty: a file of the user's stays


def _with_overrides(params: config.Params, overrides: dict, origin: str) -> config.Params:
    """The parameters with the command line's run name and report language, validated again."""
    from seglab import config

    data = params.model_dump(mode="json")
    if overrides.get("run_name"):
        data["run_name"] = overrides["run_name"]
    if overrides.get("language"):
        data["report"] = {**data["report"], "language": overrides["language"]}
    if overrides.get("languages") is not None:
        data["report"] = {**data["report"], "languages": overrides["languages"]}
    return config.validate(data, origin=origin) if data != params.model_dump(mode="json") else params


def _probe_totals(kernel, probes: bool) -> dict[str, float]:
    if not probes:
        return {}
    return ast.literal_eval(kernel.evaluate("__import__('seglab.files.probes').files.probes.totals()"))


def _cell_seconds(nb) -> float:
    return sum((c.get("metadata", {}).get("papermill", {}).get("duration") or 0.0) for c in nb.cells)


def _run_stages(
    kernel,
    drawer: FigureDrawer,
    root: Path,
    params: config.Params,
    paths: RunPaths,
    log,
    stages,
    progress: bool,
    probes: bool,
    params_file: str | Path | None = None,
    last: bool = True,
) -> RunResult:
    """Execute ``stages`` in the kernel, each page rendered while the next stage runs; the index
    is written here only when a stage fails (the callers write it once the run's languages are done).
    """
    import papermill

    from seglab import config
    from seglab.run.kernel import ENGINE, register_engine

    register_engine()
    result = RunResult(paths)
    log(f"run '{params.run_name}': {len(stages)} stages -> {paths.pages}")
    result.setup_seconds = kernel.wait_ready()
    log(f"kernel ready in {result.setup_seconds:.1f} s (started once for all stages)")
    pages: list[tuple[StageResult, Future]] = []
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="seglab-html") as renderer:
        # what the pages and the index need, loaded here while the kernel computes
        renderer.submit(_load_renderers)

        def render(stage: StageResult, executed: Path, error: str | None = None) -> Future:
            def job() -> None:
                try:
                    t = time.perf_counter()
                    complete_figures(executed, drawer)
                    stage.profile["png_wait"] = time.perf_counter() - t
                    t = time.perf_counter()
                    as_of = report_pages.data_as_of(paths) if number_of(stage.name) > "01" else None
                    footer = report_pages.provenance(params.run_name, params_file, as_of)
                    footer["finding"] = (
                        "" if error else stage_pages.finding(stage.name, report_pages.read_run(paths, params))
                    )
                    render_html(executed, params.report.show_code, error=error, run_name=params.run_name, footer=footer)
                    stage.profile["html"] = time.perf_counter() - t
                except OSError as exc:
                    raise _with_file(exc, executed.with_suffix(".html")) from None

            future = renderer.submit(job)
            pages.append((stage, future))
            return future

        for name, title in stages:
            notebook = root / "notebooks" / f"{name}.ipynb"
            executed = paths.pages / f"{name}.ipynb"
            # executed under a temporary name and renamed when it ends: a killed run never leaves a
            # half-written notebook under the stage's name
            partial = paths.pages / f".{name}.partial.ipynb"
            values = config.notebook_values(params, declared_parameters(notebook))
            before = _probe_totals(kernel, probes)
            start = time.perf_counter()
            log(f"[{name}] running ...")
            try:
                nb = papermill.execute_notebook(
                    str(notebook),
                    str(partial),
                    parameters=values,
                    kernel_name="python3",
                    engine_name=ENGINE,
                    kernel=kernel,
                    # one progress bar per stage, a step per cell, on stderr
                    progress_bar={"desc": f"[{name}] cells", "file": sys.stderr, "leave": False} if progress else False,
                    log_output=False,
                    request_save_on_cell_execute=False,
                )
            except Exception as exc:  # noqa: BLE001 - every failure is reported the same way
                if isinstance(exc, OSError) and exc.errno is not None:
                    # writing the executed notebook failed (a full disk, a read-only folder): not
                    # the stage; the half-written file goes, the index still says "incomplete"
                    partial.unlink(missing_ok=True)
                    raise _with_file(exc, partial) from None
                secs = time.perf_counter() - start
                message = _failure_message(name, exc)
                stage = StageResult(name, title, secs, False, message)
                result.stages.append(stage)
                log(f"[{name}] FAILED after {secs:.1f} s")
                try:
                    if partial.is_file():
                        os.replace(partial, executed)
                        render(stage, executed, message)
                    _finish_pages(pages)
                    write_index(paths, params, result, params_file=params_file)
                except OSError as also:
                    raise StageFailed(
                        f"{message} (and its report could not be written: {also.strerror or also}: "
                        f"{also.filename or paths.reports})"
                    ) from None
                raise StageFailed(f"{message} (the executed notebook, with the traceback: {executed})") from None
            kernel.evaluate(KEEP, timeout=600)  # what the page showed, for rendering it in another language
            secs = time.perf_counter() - start
            os.replace(partial, executed)
            stage = StageResult(name, title, secs, True, profile={"cells": _cell_seconds(nb)})
            after = _probe_totals(kernel, probes)
            stage.profile.update({k: after[k] - before[k] for k in after})
            result.stages.append(stage)
            render(stage, executed)
            log(f"[{name}] done in {secs:.1f} s")
        if last:
            kernel.request_stop()  # it exits while the last page and the index are written
        _finish_pages(pages)
    return result


#: Evaluated in the kernel after each stage: write what the stage kept (seglab.run.session.keep).
KEEP = "__import__('seglab.run.session').run.session.keep()"


def _load_renderers() -> None:
    import nbconvert  # noqa: F401

    from seglab.report import plots  # noqa: F401


def _finish_pages(pages: list[tuple[StageResult, Future]]) -> None:
    """Wait for the stage pages being rendered; a page that failed to render fails the run."""
    for _stage, future in pages:
        future.result()


def timing_summary(result: RunResult) -> str:
    """The kernel's start, each stage's time, one line each, and the run's total (wall time)."""
    total = result.total_seconds or (result.setup_seconds + sum(s.seconds for s in result.stages)) or 1.0
    lines = [
        "time per stage:",
        f"  {'kernel start + imports':<24}{result.setup_seconds:8.1f} s  {result.setup_seconds / total:4.0%}",
    ]
    for s in result.stages:
        lines.append(f"  {s.name:<24}{s.seconds:8.1f} s  {s.seconds / total:4.0%}" + ("" if s.ok else "  FAILED"))
    lines.append(f"  {'total':<24}{total:8.1f} s   (pages rendered while the next stage ran)")
    return "\n".join(lines)
