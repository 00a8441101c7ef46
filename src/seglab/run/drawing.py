"""The runner's figures: the kernel leaves each figure pickled in a queue folder
(:func:`seglab.report.plots.save` under ``seglab run``) and goes on computing; :class:`FigureDrawer`
draws them to PNG meanwhile in a thread of the runner, and :func:`complete_figures` puts them in
the executed notebook, which is then exactly as if the kernel had drawn them.
"""

from __future__ import annotations

import threading
from pathlib import Path

__all__ = ["FigureDrawer", "complete_figures"]


class FigureDrawer:
    """Draws, in this process and while the kernel computes, the figures the kernel leaves in the
    queue folder, in the order they were made; one thread, since matplotlib's settings are global.
    """

    def __init__(self, queue: Path, poll: float = 0.02):
        self.queue = Path(queue)
        self._poll = poll
        self._done: dict[Path, tuple] = {}
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="seglab-figures", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        from seglab.report import plots

        while not self._stop.is_set():
            jobs = sorted(self.queue.glob("*.pickle"))
            for job in jobs:
                try:
                    result = (*plots.draw_deferred(job), None)
                except Exception as exc:  # noqa: BLE001 - handed to the page that shows the figure
                    result = (None, None, None, exc)
                with self._cond:
                    self._done[job] = result
                    self._cond.notify_all()
            if not jobs:
                self._stop.wait(self._poll)

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
        """Stop the drawing thread."""
        self._stop.set()
        self._thread.join()


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
