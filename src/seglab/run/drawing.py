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

#: Processes that draw figures. One: the thread that writes the pages draws too (FigureDrawer), so
#: on a 2-core machine two figures are drawn at once once the kernel is done, and a second process
#: would only add its start (1.4 CPU-seconds of matplotlib and fonts) beside the kernel's.
DRAWING_PROCESSES = 1


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

    The thread that waits for a figure (the pages' writer) draws too: the figure it waits for when
    no process has taken it yet, and otherwise the next figure no process has taken. So once the
    kernel is done the runner's second core draws as well, without a second process's start.
    """

    def __init__(self, queue: Path, poll: float = 0.02, processes: int | None = None):
        self.queue = Path(queue)
        self._poll = poll
        self._done: dict[Path, tuple] = {}
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._lock = threading.Lock()  # who draws which job: a process (its future) or a waiting thread
        self._taken: dict[Path, Future | None] = {}  # None: a waiting thread draws it
        workers = max(1, min(processes or DRAWING_PROCESSES, os.cpu_count() or 1))
        # spawned, not forked: the runner has threads (the kernel's client, the pages' writer)
        self._pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_warm)
        for _ in range(workers):  # the processes start (and warm up) now, not at the first figure
            self._pool.submit(int)
        self._thread = threading.Thread(target=self._loop, name="seglab-figures", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                jobs = [j for j in sorted(self.queue.glob("*.pickle")) if j not in self._taken]
                for job in jobs:
                    future = self._pool.submit(_draw, str(job))
                    self._taken[job] = future
                    future.add_done_callback(lambda f, job=job: self._finished(job, f))
            if not jobs:
                self._stop.wait(self._poll)

    def _finished(self, job: Path, future: Future) -> None:
        if future.cancelled():  # a waiting thread took it (see _claim)
            return
        error = future.exception()
        self._record(job, (None, None, None, error) if error is not None else (*future.result(), None))

    def _record(self, job: Path, result: tuple) -> None:
        with self._cond:
            self._done[job] = result
            self._cond.notify_all()

    def _claim(self, wanted: Path) -> Path | None:
        """A job for the calling thread to draw: ``wanted`` if no process has started it, else the
        first job waiting for a process; None when every job is taken.
        """
        with self._lock:
            if wanted not in self._taken:
                self._taken[wanted] = None
                return wanted
            for job in [wanted, *sorted(self._taken)]:
                future = self._taken[job]
                if future is not None and future.cancel():
                    self._taken[job] = None
                    return job
        return None

    def drawn(self, job: Path, timeout: float = 600) -> tuple[Path, float, list[str]]:
        """Wait until ``job`` is drawn, drawing meanwhile what no process has started (see the
        class); its PNG path, display scale and texts.
        """
        while True:
            with self._cond:
                if job in self._done:
                    break
            mine = self._claim(job)
            if mine is None:
                with self._cond:
                    if not self._cond.wait_for(lambda: job in self._done, timeout=timeout):
                        raise TimeoutError(f"figure {job.name} was not drawn within {timeout:.0f} s")
                break
            try:
                result = (*_draw(str(mine)), None)
            except Exception as error:  # noqa: BLE001 (reported to the page's writer, as from a process)
                result = (None, None, None, error)
            self._record(mine, result)
        with self._cond:
            *drawn, error = self._done.pop(job)
        if error is not None:
            raise RuntimeError(f"drawing a figure failed: {type(error).__name__}: {error}") from error
        return tuple(drawn)

    def release(self) -> None:
        """Stop handing out figures and let the drawing processes end, without waiting for them
        (they take 0.2-0.3 s to exit, meanwhile the runner writes the index pages).
        """
        self._stop.set()
        self._thread.join()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Stop handing out figures and the drawing processes, and wait until they have ended."""
        self.release()
        self._pool.shutdown(wait=True)


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
