"""Figures saved as PNG: drawn at once, or pickled by the kernel and drawn by the runner in a
background thread while the next cells compute.
"""

from __future__ import annotations

import base64
import os
import pickle
import time
import uuid
from html import escape
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from seglab import i18n
from seglab.paths import FIGURE_QUEUE_ENV
from seglab.report.plots.style import DEFERRED, localize, register_fonts

#: When a page shows a figure's phone version (:func:`save` with ``phone``).
PHONE_MEDIA = "(max-width: 600px)"


def phone_path(path: Path) -> Path:
    """Where the phone version of the figure at ``path`` goes: ``05_boston_matrix_phone.png``."""
    path = Path(path)
    return path.with_name(f"{path.stem}_phone{path.suffix}")


def save(fig: Figure, path: Path, phone: Figure | None = None) -> None:
    """Write ``fig`` as PNG at ``path`` and close it; in a notebook, show that PNG.

    The figure is rendered once: the notebook (and so the HTML report) shows the very file
    that was saved, at the size the inline backend would have used. Under ``seglab run`` the
    PNG is drawn by the runner after the cell (see :data:`seglab.paths.FIGURE_QUEUE_ENV`), and the notebook's
    output is the same image once the stage's page is written.

    ``phone``: the same figure drawn for a small screen, saved beside it (:func:`phone_path`);
    the page then shows it on screens up to 600 px wide (:data:`PHONE_MEDIA`) and ``fig`` elsewhere.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    drawn = [(fig, path)] + ([(phone, phone_path(path))] if phone is not None else [])
    for f, _p in drawn:
        localize(f)
    ipython = _ipython()
    queue = os.environ.get(FIGURE_QUEUE_ENV)
    if ipython is not None and queue:
        jobs = [_defer(f, p, Path(queue)) for f, p in drawn]
        if all(job is not None for job in jobs):
            from IPython.display import display

            deferred = {"path": str(path), "job": str(jobs[0])}
            if phone is not None:
                deferred["phone"] = {"path": str(drawn[1][1]), "job": str(jobs[1])}
            display(
                {"text/plain": f"[figure {path.name}: drawn by seglab run after this stage]"},
                raw=True,
                metadata={DEFERRED: deferred},
            )
            return
        for job in jobs:  # one could not be pickled: all are drawn here
            if job is not None:
                job.unlink()
    for f, p in drawn:
        f.savefig(p)
        plt.close(f)
    if ipython is not None:
        from IPython.display import display

        png = path.read_bytes()
        if phone is None:
            display(_image(png))
        else:
            display(_picture(png, drawn[1][1].read_bytes(), _scale()), raw=True)


def _scale() -> float:
    """The display scale of a saved PNG (what the inline backend would have shown)."""
    return plt.rcParams["figure.dpi"] / plt.rcParams["savefig.dpi"]


def _picture(png: bytes, phone: bytes, scale: float, alt: str = "") -> dict:
    """A figure and its phone version as one output: a ``<picture>`` (the phone version on a small
    screen) for pages, the figure itself as PNG for whatever cannot show HTML.
    """
    wide, small = (base64.b64encode(b).decode("ascii") for b in (png, phone))
    width = int(_png_width(png) * scale)
    html = (
        f'<picture><source media="{PHONE_MEDIA}" srcset="data:image/png;base64,{small}">'
        f'<img src="data:image/png;base64,{wide}" alt="{escape(alt)}" '
        f'style="width:{width}px;max-width:100%;height:auto"></picture>'
    )
    return {"text/html": html, "image/png": wide, "text/plain": "<IPython.core.display.Image object>"}


def _ipython():
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with the kernel
        return None
    return get_ipython()


def _image(png: bytes):
    from IPython.display import Image

    return Image(data=png, format="png", width=int(_png_width(png) * _scale()))


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


#: Output metadata key of a drawn figure's texts (title, labels, ticks, annotations, legend): what
#: the reader reads on it, kept in the executed notebook (checked for the reader's digits and words).
TEXTS = "seglab/figure-texts"


def figure_texts(fig: Figure) -> list[str]:
    """Every text drawn on ``fig`` (after it was drawn: tick labels are made then): its titles first
    (the figure's, then each chart's: what :func:`alt_text` says), then the others in order.
    """
    from matplotlib.text import Text

    titles = [fig._suptitle] if fig._suptitle is not None else []
    titles += [ax.title for ax in fig.axes]
    shown = [t for t in titles if t.get_visible() and t.get_text().strip()]
    rest = [t for t in fig.findobj(Text) if t not in shown and t.get_visible() and t.get_text().strip()]
    return [t.get_text() for t in shown + rest]


def alt_text(texts: list[str]) -> str:
    """A figure's description for who cannot see it (a screen reader, a page without images), in
    the reader's language: its first text (:func:`figure_texts`: its title), on one line.
    """
    return " ".join(texts[0].split()) if texts else ""


def draw_deferred(job: Path) -> tuple[Path, float, list[str]]:
    """Draw one figure left by :func:`save` in the runner's queue: write its PNG (complete or not
    at all) and remove the job. Returns the PNG's path, the scale it is shown at and the texts
    drawn on it (:func:`figure_texts`).
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
    return path, payload["scale"], figure_texts(payload["figure"])


def write_deferred(nb, draw=draw_deferred) -> list[Path]:
    """Put in a notebook the PNG of each figure it left for the runner (see :func:`save`), in
    place of its placeholder and as :func:`save` shows it, with the texts drawn on it in the
    output's metadata (:data:`TEXTS`). ``draw(job)`` draws a job (or waits for the runner's
    drawing thread to have drawn it) and returns its PNG path, scale and texts. Returns the PNG files.
    """
    written = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            job = out.get("metadata", {}).get(DEFERRED)
            if not job:
                continue
            path, scale, texts = draw(Path(job["job"]))
            png = path.read_bytes()
            written.append(path)
            if job.get("phone"):
                phone, _scale, phone_texts = draw(Path(job["phone"]["job"]))
                out["data"] = _picture(png, phone.read_bytes(), scale, alt_text(texts))
                out["metadata"] = {"image/png": {"width": int(_png_width(png) * scale)}, TEXTS: texts + phone_texts}
                written.append(phone)
                continue
            out["data"] = {
                "image/png": base64.b64encode(png).decode("ascii"),
                "text/plain": "<IPython.core.display.Image object>",
            }
            size = {"width": int(_png_width(png) * scale), "alt": alt_text(texts)}
            out["metadata"] = {"image/png": size, TEXTS: texts}
    return written


def _png_width(data: bytes) -> int:
    """Pixel width from a PNG header (IHDR: bytes 16-19, big-endian)."""
    return int.from_bytes(data[16:20], "big")
