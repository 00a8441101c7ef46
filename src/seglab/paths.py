"""Project paths. Everything resolves from the project root, never from the working directory."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

MARKER = Path("notebooks") / "params" / "default.yaml"


class ProjectNotFound(FileNotFoundError):
    """No seglab project (a folder with ``notebooks/params/default.yaml``) where one is needed; the
    message says where to run from.
    """


#: Environment variable ``seglab run`` sets for its kernel: a folder where ``seglab.report.plots.save``
#: leaves each figure (pickled) for the runner, which draws the PNG in its own process while the
#: kernel goes on with the next cells (drawing a PNG is about two thirds of a figure's time).
FIGURE_QUEUE_ENV = "SEGLAB_FIGURE_QUEUE"
#: A run name: it names folders (data/*/<run>/, reports/<run>/), so plain names only.
RUN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def project_root(start: str | Path | None = None) -> Path:
    """The seglab project root.

    Resolution order: the ``SEGLAB_ROOT`` environment variable (the pipeline sets it for the
    notebooks it runs); else the first folder holding ``notebooks/params/default.yaml`` among
    ``start`` (default: the working directory, e.g. ``notebooks/`` in JupyterLab) and its
    parents, then this package's folder and its parents. Data paths are then taken from the
    root, never from the working directory.
    """
    env = os.environ.get("SEGLAB_ROOT")
    if env:
        root = Path(env).expanduser().resolve()
        if not (root / MARKER).is_file():
            raise ProjectNotFound(f"SEGLAB_ROOT={env} is not a seglab project: {MARKER} is missing there")
        return root
    candidates = [Path(start)] if start else [Path.cwd(), Path(__file__).resolve().parent]
    for base in candidates:
        for folder in (base.resolve(), *base.resolve().parents):
            if (folder / MARKER).is_file():
                return folder
    raise ProjectNotFound(
        "cannot find the seglab project root (a folder with notebooks/params/default.yaml); "
        "run from inside the project or set SEGLAB_ROOT"
    )


def resolve(path: str | Path, root: Path | None = None) -> Path:
    """An absolute path: relative paths are taken from the project root."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else (root or project_root()) / p


@dataclass(frozen=True)
class RunPaths:
    """Where one run's files live."""

    root: Path
    run: str
    #: the folder of the pages in a further language (``fa``: ``reports/<run>/fa/``), "" for the
    #: pages of the run's own language (``reports/<run>/``)
    language: str = ""

    @property
    def raw(self) -> Path:
        """``data/raw``: the user's inputs (never written by a run)."""
        return self.root / "data" / "raw"

    @property
    def interim(self) -> Path:
        """``data/interim/<run>``: the canonical tables of stage 01."""
        return self.root / "data" / "interim" / self.run

    @property
    def processed(self) -> Path:
        """``data/processed/<run>``: the results of stages 02 to 06."""
        return self.root / "data" / "processed" / self.run

    @property
    def reports(self) -> Path:
        """``reports/<run>``: the executed notebooks, pages and the index."""
        return self.root / "reports" / self.run

    @property
    def pages(self) -> Path:
        """Where the pages, the executed notebooks and the index go: ``reports/<run>``, or
        ``reports/<run>/<language>`` for a further language (:func:`seglab.run.pipeline.render`).
        """
        return self.reports / self.language if self.language else self.reports

    @property
    def figures(self) -> Path:
        """``figures`` beside the pages: the figures of the last ``seglab run`` (or rendering)."""
        return self.pages / "figures"

    @property
    def exports_link(self) -> str:
        """The exports folder as a page links it (pages of a further language are one folder down)."""
        return "../exports/" if self.language else "exports/"

    @property
    def model(self) -> Path:
        """``data/processed/<run>/model``: the models ``seglab score`` uses."""
        return self.processed / "model"

    def ensure(self) -> RunPaths:
        """These folders, created when missing; refused (:class:`UnsafePath`) when one of them, or a
        folder between it and the project root, is a symbolic link or resolves outside the project:
        a run never writes, and never deletes, through a link.
        """
        folders = (self.interim, self.processed, self.reports, self.pages, self.figures, self.model)
        for p in (*folders, self.reports / "exports"):
            inside(self.root, p)
        for p in (self.interim, self.processed, self.reports, self.pages, self.figures):
            p.mkdir(parents=True, exist_ok=True)
        return self


class UnsafePath(ValueError):
    """A folder or file a run would write through a symbolic link, or outside the project."""


def inside(root: Path, p: Path) -> Path:
    """``p`` when neither it nor any folder between ``root`` and it is a symbolic link and it lies
    inside ``root``; else :class:`UnsafePath` naming the link and its target.
    """
    root = Path(root)
    rel = Path(os.path.relpath(p, root))
    if rel.parts[:1] == ("..",):
        raise UnsafePath(f"{p}: outside the project {root}; seglab writes only inside the project")
    q = root
    for part in rel.parts:
        q = q / part
        if q.is_symlink():
            raise UnsafePath(
                f"{q.relative_to(root)} is a symbolic link (to {os.readlink(q)}): seglab never writes or deletes "
                "through a link; remove the link (seglab makes a real one in its place) or give the run another name"
            )
    return p


def run_paths(run: str, root: Path | None = None, language: str = "") -> RunPaths:
    """The folders of run ``run`` (created when missing); ``language``: of its pages in a further
    language (:attr:`RunPaths.language`).
    """
    return RunPaths(root or project_root(), run, language).ensure()
