"""The start of a stage notebook (:func:`seglab.start`): one call instead of a copied preamble."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from seglab import artifacts

if TYPE_CHECKING:
    from seglab.config import Params
    from seglab.paths import RunPaths


@dataclass
class Session:
    """A stage notebook's run: its validated parameters, folders and store."""

    stage: str
    params: Params
    run: RunPaths
    store: artifacts.Store

    def figure(self, name: str) -> Path:
        """Where this stage's figure ``name`` (declared in :data:`seglab.artifacts.ARTIFACTS`) goes."""
        return self.store.figure(name)


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

    if stage not in artifacts.STAGE_NAMES.values():
        raise ValueError(f"'{stage}' is not a stage; the stages are {', '.join(artifacts.STAGE_NAMES.values())}")
    params = config.from_notebook(**parameters)  # validated parameters of this run
    run = paths.run_paths(params.run_name)
    if not artifacts.under_seglab_run():  # (seglab run holds the run's lock itself)
        _hold_by_hand(run.root, params.run_name)
    # figures: seglab run empties reports/<run>/figures when it starts; a notebook run by hand
    # writes its own folder, emptied here: a folder of figures never mixes two executions
    figures = (
        run.figures if artifacts.under_seglab_run() else artifacts.reset_figures(artifacts.hand_figures(run, stage))
    )
    # the report section changes how results are shown, never the data files: not in their lineage;
    # nor does where stage 01 runs (features.engine, features.spark: the same tables either way)
    number = artifacts.number_of(stage)
    sections = [k for k in parameters if k not in ("run_name", "report") and (number, k) != ("01", "features")]
    store = artifacts.Store(run, number, params, sections=sections, figures=figures)
    i18n.use_report(params.report)  # tables, texts and figures in the reader's language
    plots.theme()
    shown = figures.relative_to(run.root)
    print(
        i18n._("run '%(run)s': reading and writing data/*/%(run)s/, figures in %(figures)s")
        % {"run": params.run_name, "figures": shown}
    )
    return Session(stage, params, run, store)
