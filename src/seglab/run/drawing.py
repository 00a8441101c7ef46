"""The runner's figures: the kernel leaves each figure pickled in a queue folder
(:func:`seglab.report.plots.save` under ``seglab run``) and goes on computing; :class:`FigureDrawer`
draws them to PNG meanwhile in worker processes of the runner, and :func:`complete_figures` puts
them in the executed notebook, which is then exactly as if the kernel had drawn them.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

__all__ = ["FigureDrawer", "complete_figures"]

#: Processes that draw figures. Drawing is the longest chain of ``seglab report`` (6.5 s of figures
#: one after the other for the default run on a 2-core machine, while the stages take 5 s): two
#: processes draw two figures at once, and beside the runner's threads that write the pages.
DRAWING_PROCESSES = 2


def _warm() -> None:
    """A drawing process's start: matplotlib, seglab's figures and the fonts loaded before the first
    figure arrives (while the kernel starts).
    """
    import io

    import matplotlib.pyplot as plt

    from seglab import i18n
    from seglab.report import plots
    from seglab.report.plots.style import register_fonts

    plots.theme()
    register_fonts()
    fig, ax = plt.subplots(figsize=(1, 1))  # the first figure's one-off costs (fonts, caches), paid here
    ax.set_title("seglab ۱۲٫۳", fontfamily=[i18n.FONT_FAMILY, "sans-serif"])
    fig.savefig(io.BytesIO(), format="png")
    plt.close(fig)


def _draw(job: str) -> tuple:
    from seglab.report import plots

    return plots.draw_deferred(Path(job))


class FigureDrawer:
    """Draws the figures the kernel leaves in the queue folder while the kernel computes, in the
    order they were made, in :data:`DRAWING_PROCESSES` processes (each figure carries its own
    matplotlib settings); a thread of the runner hands them out and collects the PNGs.
    """

    def __init__(self, queue: Path, poll: float = 0.02, processes: int | None = None):
        self.queue = Path(queue)
        self._poll = poll
        self._done: dict[Path, tuple] = {}
        self._cond = threading.Condition()
        self._stop = threading.Event()
        workers = max(1, min(processes or DRAWING_PROCESSES, os.cpu_count() or 1))
        # spawned, not forked: the runner has threads (the kernel's client, the pages' writer)
        self._pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_warm)
        for _ in range(workers):  # the processes start (and warm up) now, not at the first figure
            self._pool.submit(int)
        self._thread = threading.Thread(target=self._loop, name="seglab-figures", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        handed: set[Path] = set()
        while not self._stop.is_set():
            jobs = [j for j in sorted(self.queue.glob("*.pickle")) if j not in handed]
            for job in jobs:
                handed.add(job)
                self._pool.submit(_draw, str(job)).add_done_callback(lambda f, job=job: self._finished(job, f))
            if not jobs:
                self._stop.wait(self._poll)

    def _finished(self, job: Path, future: Future) -> None:
        error = future.exception()
        result = (None, None, None, error) if error is not None else (*future.result(), None)
        with self._cond:
            self._done[job] = result
            self._cond.notify_all()

    def drawn(self, job: Path, timeout: float = 600) -> tuple[Path, float, list[str]]:
        """Wait until ``job`` is drawn; its PNG path, display scale and texts."""
        with self._cond:
            if not self._cond.wait_for(lambda: job in self._done, timeout=timeout):
                raise TimeoutError(f"figure {job.name} was not drawn within {timeout:.0f} s")
            *drawn, error = self._done.pop(job)
        if error is not None:
            raise RuntimeError(f"drawing a figure failed: {type(error).__name__}: {error}") from error
        return tuple(drawn)

    def close(self) -> None:
        """Stop handing out figures and the drawing processes."""
        self._stop.set()
        self._thread.join()
        self._pool.shutdown(wait=True, cancel_futures=True)


def complete_figures(executed: Path, drawer: FigureDrawer | None = None) -> None:
    """Put the PNG figures the stage left for the runner in its executed notebook
    (:func:`seglab.report.plots.write_deferred`), which is then complete, as if drawn in the kernel;
    the drawer has drawn them meanwhile (without one they are drawn here).
    """
    import nbformat

    from seglab.report import plots

    nb = nbformat.read(executed, as_version=4)
    if plots.write_deferred(nb, draw=drawer.drawn if drawer else plots.draw_deferred):
        from seglab import io

        io.atomic(executed, lambda tmp: nbformat.write(nb, str(tmp)))
