"""The start of a stage notebook (:func:`seglab.start`): one call instead of a copied preamble."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from seglab.files import artifacts

if TYPE_CHECKING:
    from seglab.config import Params
    from seglab.paths import RunPaths


#: Set (by :mod:`seglab.run.pipeline`) in the kernel of a run whose pages are rendered again, in
#: another language, from what the stages kept: the folder of those pages under
#: ``reports/<run>/`` (``fa``), or ``.`` for the pages of the run's own language.
RENDER_ENV = "SEGLAB_RENDER"


def rendering() -> str | None:
    """The pages' folder when this kernel renders a run's pages again (:data:`RENDER_ENV`): ``""``
    for ``reports/<run>/`` itself, ``fa`` for ``reports/<run>/fa/``; None when it computes.
    """
    folder = os.environ.get(RENDER_ENV)
    return None if folder is None else folder.strip(".")


@dataclass
class Session:
    """A stage notebook's run: its validated parameters, folders and store."""

    stage: str
    params: Params
    run: RunPaths
    store: artifacts.Store
    #: True when the page is rendered again from what the stage kept (nothing computed or written)
    rendering: bool = False
    _kept: dict[str, Any] = field(default_factory=dict, repr=False)
    _loaded: dict[str, Any] | None = field(default=None, repr=False)

    def figure(self, name: str) -> Path:
        """Where this stage's figure ``name`` (declared in :data:`seglab.files.artifacts.ARTIFACTS`) goes."""
        return self.store.figure(name)

    def kept(self, name: str, compute: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``compute(*args, **kwargs)``, kept under ``name`` for rendering this stage's page again in
        another language (``seglab report --language``); when the page is being rendered again, the
        kept value, without computing. A value with a ``for_page()`` method keeps what that returns
        (what the page shows, without the tables already written as files).
        """
        if self.rendering:
            values = self._read_kept()
            if name not in values:
                raise artifacts.StaleArtifact(self._not_kept(f"it kept no '{name}'"))
            return values[name]
        value = compute(*args, **kwargs)
        self._kept[name] = value.for_page() if hasattr(value, "for_page") else value
        return value

    def _not_kept(self, why: str) -> str:
        return (
            f"stage {self.stage}'s page of run '{self.run.run}' cannot be rendered again without computing: {why}; "
            f"run `seglab run` for this run (it keeps what its pages show), then `seglab report`"
        )

    def _read_kept(self) -> dict[str, Any]:
        """What this stage kept in the run's last ``seglab run``, checked to be of the files the
        run holds now (its lineage) and made by the same versions of seglab and its libraries.
        """
        if self._loaded is not None:
            return self._loaded
        from seglab.lockfile import key_versions

        name = f"kept_{artifacts.number_of(self.stage)}"
        entry = self.store.lineage().get(name)
        if entry is None or entry.get("sha256") in (None, "absent") or not self.store.exists(name):
            raise artifacts.StaleArtifact(self._not_kept("nothing was kept (run by hand or by an older seglab)"))
        if entry.get("software") != key_versions():
            raise artifacts.StaleArtifact(self._not_kept("it was made by other versions of seglab or its libraries"))
        try:
            payload = self.store.load(name)  # its hash, parameters and inputs checked like every file's
        except (AttributeError, ImportError) as err:  # a kept record whose class has moved since
            raise artifacts.StaleArtifact(self._not_kept(f"it holds what this seglab no longer has ({err})")) from err
        book = self.store.lineage()
        changed = [
            artifacts.shown(artifacts.BY_NAME[f])
            for f, sha in payload["made_with"].items()
            if book.get(f, {}).get("sha256") != sha
        ]
        if changed:
            raise artifacts.StaleArtifact(self._not_kept(f"{', '.join(changed)} changed since (the stage ran again)"))
        self._loaded = payload["values"]
        return self._loaded

    def keep(self) -> None:
        """Write what this stage kept (:meth:`kept`) with the hashes of the files it wrote: called by
        ``seglab run`` when the stage's notebook has run.
        """
        if self.rendering:
            return
        number = artifacts.number_of(self.stage)
        book = self.store.lineage()
        made = {
            a.name: book[a.name].get("sha256")
            for a in artifacts.written_by(number)
            # (the exports in reports/ are written in the reader's words: this record stays language-neutral)
            if a.kind not in ("figure", "page", "kept") and not a.path.startswith("reports/") and a.name in book
        }
        self.store.save(f"kept_{number}", {"values": self._kept, "made_with": made})


#: The stage started last in this kernel (:func:`keep` writes what it kept).
_CURRENT: list[Session] = []


def keep() -> None:
    """Write what the stage started last in this kernel kept (``seglab run``, after each stage)."""
    if _CURRENT:
        _CURRENT.pop().keep()


#: The run locks a kernel running stage notebooks by hand holds, by (project root, run name):
#: released when the kernel ends (the operating system releases them with the process).
_HELD: dict[tuple[Path, str], Any] = {}


def _hold_by_hand(root: Path, run: str) -> None:
    """Share the run's lock (:class:`seglab.runlock.RunLock`) for the kernel's lifetime: a stage
    run by hand while ``seglab run`` runs the same run name stops at once, and a ``seglab run``
    started while a kernel has the run open stops naming the kernel. Raises ``RunInProgress``.
    """
    from seglab.runlock import RunLock

    if (root, run) not in _HELD:
        _HELD[(root, run)] = RunLock(root, run, shared=True).__enter__()


def start(stage: str, **parameters: Any) -> Session:
    """See :func:`seglab.start`."""
    from seglab import config, i18n, paths
    from seglab.report import plots
    from seglab.run import errors

    errors.install()  # in a notebook, seglab's errors (a bad parameter below too) as one paragraph
    if stage not in artifacts.STAGE_NAMES.values():
        raise ValueError(f"'{stage}' is not a stage; the stages are {', '.join(artifacts.STAGE_NAMES.values())}")
    params = config.from_notebook(**parameters)  # validated parameters of this run
    folder = rendering()
    run = paths.run_paths(params.run_name, language=folder or "")
    if not artifacts.under_seglab_run():  # (seglab run holds the run's lock itself)
        _hold_by_hand(run.root, params.run_name)
    # figures: seglab run empties reports/<run>/figures when it starts; a notebook run by hand
    # writes its own folder, emptied here: a folder of figures never mixes two executions
    figures = (
        run.figures if artifacts.under_seglab_run() else artifacts.reset_figures(artifacts.hand_figures(run, stage))
    )
    # the report section changes how results are shown, never the data files: not in their lineage;
    # nor does where the stages compute (engine: the same results on DuckDB or Spark). Stage 01 reads
    # only features.lifecycle (the history's facts): its files do not record the features section,
    # which stage 02's files record (else every change of a feature parameter would ask to rerun 01)
    number = artifacts.number_of(stage)
    sections = [
        k for k in parameters if k not in ("run_name", "report", "engine") and (number, k) != ("01", "features")
    ]
    options = artifacts.StoreOptions(figures=figures, read_only=folder is not None)
    store = artifacts.Store(run, number, params, sections=sections, options=options)
    i18n.use_report(params.report)  # tables, texts and figures in the reader's language
    plots.theme()
    shown = figures.relative_to(run.root)
    for old, new in params.moved:  # a parameter read from where it was before
        print(i18n._("%(old)s is read as %(new)s: move it there") % {"old": old, "new": new})
    print(
        i18n._("run '%(run)s': reading and writing data/*/%(run)s/, figures in %(figures)s")
        % {"run": params.run_name, "figures": shown}
    )
    _CURRENT[:] = [Session(stage, params, run, store, rendering=folder is not None)]
    return _CURRENT[0]
