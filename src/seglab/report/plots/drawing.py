"""Figures saved as PNG: drawn at once, or pickled by the kernel and drawn by the runner in a
background thread while the next cells compute.
"""

from __future__ import annotations

import base64
import os
import pickle
import time
import uuid
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from seglab import i18n
from seglab.paths import FIGURE_QUEUE_ENV
from seglab.report.plots.style import DEFERRED, localize, register_fonts


def save(fig: Figure, path: Path) -> None:
    """Write ``fig`` as PNG at ``path`` and close it; in a notebook, show that PNG.

    The figure is rendered once: the notebook (and so the HTML report) shows the very file
    that was saved, at the size the inline backend would have used. Under ``seglab run`` the
    PNG is drawn by the runner after the cell (see :data:`seglab.paths.FIGURE_QUEUE_ENV`), and the notebook's
    output is the same image once the stage's page is written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    localize(fig)
    ipython = _ipython()
    queue = os.environ.get(FIGURE_QUEUE_ENV)
    if ipython is not None and queue:
        job = _defer(fig, path, Path(queue))
        if job is not None:
            from IPython.display import display

            display(
                {"text/plain": f"[figure {path.name}: drawn by seglab run after this stage]"},
                raw=True,
                metadata={DEFERRED: {"path": str(path), "job": str(job)}},
            )
            return
    fig.savefig(path)
    plt.close(fig)
    if ipython is not None:
        from IPython.display import display

        display(_image(path.read_bytes()))


def _ipython():
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with the kernel
        return None
    return get_ipython()


def _image(png: bytes):
    from IPython.display import Image

    scale = plt.rcParams["figure.dpi"] / plt.rcParams["savefig.dpi"]
    return Image(data=png, format="png", width=int(_png_width(png) * scale))


#: rcParams that belong to the kernel's display, not to the figure
_NOT_DRAWING = ("backend", "interactive", "webagg.", "toolbar", "figure.raise_window")


def _defer(fig: Figure, path: Path, queue: Path) -> Path | None:
    """Pickle the figure, where it goes and the settings it is drawn with into the runner's queue
    (jobs are named in the order they were made); None if it cannot be pickled (then it is drawn
    here).
    """
    plt.close(fig)  # closed first: the runner must not attach it to a pyplot window
    rc = {k: v for k, v in plt.rcParams.items() if not k.startswith(_NOT_DRAWING)}
    try:
        data = pickle.dumps(
            {
                "figure": fig,
                "path": str(path),
                "rc": rc,
                "scale": plt.rcParams["figure.dpi"] / plt.rcParams["savefig.dpi"],
            },
            protocol=pickle.HIGHEST_PROTOCOL,
        )
    except Exception:  # noqa: BLE001 - e.g. a formatter made from a lambda
        return None
    queue.mkdir(parents=True, exist_ok=True)
    job = queue / f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.pickle"
    tmp = job.with_suffix(".part")
    tmp.write_bytes(data)
    os.replace(tmp, job)
    return job


def draw_deferred(job: Path) -> tuple[Path, float]:
    """Draw one figure left by :func:`save` in the runner's queue: write its PNG (complete or not
    at all) and remove the job. Returns the PNG's path and the scale it is shown at.
    """
    import matplotlib

    job = Path(job)
    with open(job, "rb") as f:
        payload = pickle.load(f)
    path = Path(payload["path"])
    if i18n.FONT_FAMILY in payload["rc"].get("font.sans-serif", []):
        register_fonts()  # a Persian or Arabic figure: the runner draws with the same font
    with matplotlib.rc_context(payload["rc"]):
        tmp = path.with_name(f".{path.stem}.{uuid.uuid4().hex[:8]}.png")
        payload["figure"].savefig(tmp)
        os.replace(tmp, path)
    job.unlink()
    return path, payload["scale"]


def write_deferred(nb, draw=draw_deferred) -> list[Path]:
    """Put in a notebook the PNG of each figure it left for the runner (see :func:`save`), in
    place of its placeholder and as :func:`save` shows it. ``draw(job)`` draws a job (or waits
    for the runner's drawing thread to have drawn it) and returns its PNG path and scale.
    Returns the PNG files.
    """
    written = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            job = out.get("metadata", {}).get(DEFERRED)
            if not job:
                continue
            path, scale = draw(Path(job["job"]))
            png = path.read_bytes()
            out["data"] = {
                "image/png": base64.b64encode(png).decode("ascii"),
                "text/plain": "<IPython.core.display.Image object>",
            }
            out["metadata"] = {"image/png": {"width": int(_png_width(png) * scale)}}
            written.append(path)
    return written


def _png_width(data: bytes) -> int:
    """Pixel width from a PNG header (IHDR: bytes 16-19, big-endian)."""
    return int.from_bytes(data[16:20], "big")
