"""The run's files: one table (:data:`ARTIFACTS`, in :mod:`seglab.files.table`) naming every file
a run writes, the stage that writes it, the stages that read it and its schema, and the store
(:class:`Store`) every stage reads and writes through.

Lineage: each file a stage writes is recorded in ``data/processed/<run>/lineage.json`` with its
SHA-256, the parameters of the stage that wrote it and the files (by hash) that stage had read.
A stage that would read a file made with other parameters than its own, or made from an earlier
version of one of its inputs (a stage upstream ran again since), stops with
:class:`StaleArtifact`, naming the stage to rerun. So a notebook run by hand in JupyterLab can
never mix the results of two executions silently.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from seglab import io
from seglab.files.table import (  # the table's names, read as artifacts.X like the store's
    ARTIFACTS,
    BY_NAME,
    INDEX,
    SCORE,
    STAGE_NAMES,
    STAGES,
    Artifact,
    Stage,
    StaleArtifact,
    location,
    number_of,
    read_by,
    shown,
    written_by,
)

if TYPE_CHECKING:
    from seglab.config import Params
    from seglab.paths import RunPaths


# --------------------------------------------------------------------------------------------
# hashing
_HASHES: dict[Path, tuple[int, int, str]] = {}


def digest(path: Path) -> str:
    """SHA-256 of a file (of a Parquet dataset folder: of its files' names and digests, in
    order); remembered while its size and modification time stay the same.
    """
    if path.is_dir():
        h = hashlib.sha256()
        for part in io.parquet_files(path):
            h.update(f"{part.relative_to(path)} {digest(part)}\n".encode())
        return h.hexdigest()
    st = path.stat()
    known = _HASHES.get(path)
    if known and known[:2] == (st.st_size, st.st_mtime_ns):
        return known[2]
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    _HASHES[path] = (st.st_size, st.st_mtime_ns, h.hexdigest())
    return h.hexdigest()


def _first_difference(old: Any, new: Any, where: str) -> str | None:
    """``section.key: old -> new`` for the first value that differs, None when equal."""
    if isinstance(old, dict) and isinstance(new, dict):
        for k in sorted(set(old) | set(new), key=str):
            d = _first_difference(old.get(k), new.get(k), f"{where}.{k}")
            if d:
                return d
        return None
    if old != new:
        return f"{where} = {json.dumps(old, default=str)[:80]} there, {json.dumps(new, default=str)[:80]} here"
    return None


# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StoreOptions:
    """How a :class:`Store` works, beyond whose files it reads and writes.

    Attributes
    ----------
    figures : Path, optional
        The folder of this execution's figures (default: ``reports/<run>/figures``).
    check : bool
        Check the lineage of every file read (the index page reads what is there and checks
        for itself).
    read_only : bool
        Write nothing (a stage's page rendered again in another language, :mod:`seglab.run.session`):
        :meth:`Store.save` and :meth:`Store.absent` leave every file and the lineage as they are, and
        :meth:`Store.load` reads a table whose sha256 the lineage vouches for without checking its
        schema again (checked when the stage wrote it).
    """

    figures: Path | None = None
    check: bool = True
    read_only: bool = False


class Store:
    """A stage's reads and writes of one run's files, through :data:`ARTIFACTS`, with lineage.

    Parameters
    ----------
    run : RunPaths
        The run's folders.
    stage : str, optional
        ``"01"`` … ``"06"``, :data:`INDEX` or :data:`SCORE`; None: a reader outside a stage (tests,
        tools), which may read anything.
    params : Params, optional
        The run's parameters; with ``sections``, what the stage's files record and what the files
        it reads must have been made with.
    sections : iterable of str
        The parameters the stage declares (its notebook's ``parameters`` cell: ``seed`` and
        sections such as ``segmentation``; ``run_name`` is the run itself).
    options : StoreOptions, optional
        Where the figures go, whether reads are checked, whether anything is written.
    """

    def __init__(
        self,
        run: RunPaths,
        stage: str | None = None,
        params: Params | None = None,
        sections: Iterable[str] = (),
        options: StoreOptions | None = None,
    ):
        options = options or StoreOptions()
        self.run = run
        self.stage = stage
        self.figures = options.figures or run.figures
        self.check = options.check
        self.read_only = options.read_only
        dumped = params.model_dump(mode="json") if params is not None else {}
        self.params = {s: dumped[s] for s in sections if s in dumped}
        self.inputs: dict[str, str] = {}  # what this stage has read: name -> sha256
        self._lineage_file = location(BY_NAME["lineage"], run)

    # ---- the table
    def artifact(self, name: str, writing: bool = False) -> Artifact:
        """The table's entry for ``name``, checked: only its stage writes it, only its readers read it."""
        a = BY_NAME.get(name)
        if a is None:
            raise KeyError(f"'{name}' is not a file of a run (seglab.files.artifacts.ARTIFACTS)")
        if writing and self.stage not in (a.stage, None):
            raise PermissionError(
                f"{name} is written by stage {a.stage}, not by {self.stage} (seglab.files.artifacts.ARTIFACTS)"
            )
        if not writing and self.stage is not None and self.stage != a.stage and self.stage not in a.readers:
            raise PermissionError(
                f"stage {self.stage} does not read {name}: add it to the readers of "
                f"'{name}' in seglab.files.artifacts.ARTIFACTS"
            )
        return a

    def path(self, name: str) -> Path:
        """Where ``name`` lives (for engines that read a table where it lies); checked like a read."""
        a = self.artifact(name)
        p = location(a, self.run, self.figures)
        if self.check and a.kind != "figure" and p.exists():
            self._verify(a, p)
        return p

    def exists(self, name: str) -> bool:
        """Whether the file of ``name`` is there (whatever its lineage)."""
        return location(self.artifact(name), self.run, self.figures).exists()

    def scratch(self, name: str) -> Path:
        """A work folder beside the file of ``name`` (Spark writes a table there, which
        :meth:`save` then moves into place in one rename); emptied.
        """
        p = location(self.artifact(name, writing=True), self.run, self.figures)
        work = p.with_name(f".{p.name}.work")
        if not self.read_only:
            shutil.rmtree(work, ignore_errors=True)
        return work

    def figure(self, name: str) -> Path:
        """The PNG path of this stage's figure ``name`` (declared in :data:`ARTIFACTS`)."""
        a = self.artifact(name, writing=True)
        if a.kind != "figure":
            raise KeyError(f"'{name}' is not a figure")
        return location(a, self.run, self.figures)

    # ---- lineage
    def lineage(self) -> dict[str, dict]:
        """The run's lineage record: artifact name -> hash, stage, parameters and inputs."""
        f = self._lineage_file
        if not f.is_file():
            return {}
        try:
            return json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def _record(self, a: Artifact, entry: dict) -> None:
        book = self.lineage()
        from seglab.lockfile import key_versions

        book[a.name] = {
            "stage": a.stage,
            "params": self.params,
            "inputs": dict(sorted(self.inputs.items())),
            "software": key_versions(),
            **entry,
        }
        io.write_json(book, self._lineage_file)

    def _verify(self, a: Artifact, p: Path | None) -> None:
        """Raise :class:`StaleArtifact` when ``a`` may not be used by this stage (see module doc);
        otherwise note it as an input of what this stage writes.
        """
        book = self.lineage()
        entry = book.get(a.name)
        writer = STAGE_NAMES.get(a.stage, a.stage)
        rerun = f"rerun {writer}, then the stages after it"
        if entry is None:
            raise StaleArtifact(
                f"{location(a, self.run, self.figures)}: seglab has no record of how it was made "
                f"(an older seglab, or copied by hand): {rerun}"
            )
        if p is not None:
            sha = digest(p)
            if sha != entry.get("sha256"):
                raise StaleArtifact(f"{p}: changed after {writer} wrote it: {rerun}")
        else:
            sha = entry.get("sha256", "absent")
        self._check_chain(a.name, book, set(), rerun)
        self.inputs[a.name] = sha

    def _check_chain(self, name: str, book: dict, seen: set[str], rerun: str) -> None:
        if name in seen:
            return
        seen.add(name)
        entry = book[name]
        what = shown(BY_NAME[name])
        for section, value in entry.get("params", {}).items():
            if section in self.params:
                diff = _first_difference(value, self.params[section], section)
                if diff:
                    raise StaleArtifact(
                        f"{what} was made with other parameters ({diff}): {rerun} with this "
                        "notebook's parameters (or give this notebook the parameters of that run)"
                    )
        for upstream, sha in entry.get("inputs", {}).items():
            now = book.get(upstream)
            if now is None or now.get("sha256", "absent") != sha:
                maker = STAGE_NAMES.get(BY_NAME[upstream].stage, BY_NAME[upstream].stage)
                raise StaleArtifact(
                    f"{what} was made from an earlier {shown(BY_NAME[upstream])} ({maker} has run again since): {rerun}"
                )
            self._check_chain(upstream, book, seen, rerun)

    # ---- reading
    def load(self, name: str, **kwargs) -> Any:
        """Read ``name`` (validated against its schema); None for an optional file its stage did
        not write. Raises FileNotFoundError naming the stage to run, or :class:`StaleArtifact`.
        """
        a = self.artifact(name)
        p = location(a, self.run, self.figures)
        if not p.exists():
            entry = self.lineage().get(name) if self.check else None
            if a.optional and (entry is not None or not self.check):
                if self.check:
                    self._verify(a, None)
                return None
            raise FileNotFoundError(f"{p}: missing; run {STAGE_NAMES.get(a.stage, a.stage)} first")
        if self.check:
            self._verify(a, p)
            if self.read_only and a.kind == "table":
                # a page rendered again: these are the bytes the stage validated when it wrote them
                # (their sha256 was just compared with the lineage's), read without checking again
                return io.read_table(p)
        return read(a, p, **kwargs)

    # ---- writing
    def save(self, name: str, obj: Any, **kwargs) -> Path:
        """Write ``name`` completely or not at all, and record its lineage."""
        a = self.artifact(name, writing=True)
        p = location(a, self.run, self.figures)
        if self.read_only and a.kind != "figure":
            return p
        write(a, obj, p, **kwargs)
        if a.kind != "figure":
            self._record(a, {"sha256": digest(p)})
        return p

    def absent(self, name: str) -> None:
        """``name`` (optional) is not written by this execution: an earlier one's file goes."""
        a = self.artifact(name, writing=True)
        if not a.optional:
            raise ValueError(f"{name} is not optional")
        if self.read_only:
            return
        p = location(a, self.run, self.figures)
        if p.is_dir():  # a Parquet dataset folder (stage 01 on Spark)
            shutil.rmtree(p)
        p.unlink(missing_ok=True)
        self._record(a, {"sha256": "absent"})


def read(a: Artifact, p: Path, **kwargs) -> Any:
    """Read the file of artifact ``a`` at ``p`` by its kind."""
    if a.kind == "table":
        return io.read_table(p, a.schema)
    if a.kind == "csv":
        return io.read_csv(p, **kwargs)
    if a.kind == "json":
        return io.read_json(p)
    if a.kind == "model":
        from seglab import modelfile

        return modelfile.load_json(p, getattr(modelfile, a.schema))
    if a.kind == "kept":  # seglab's own file, its SHA-256 checked against the lineage before this
        return pickle.loads(p.read_bytes())  # noqa: S301
    raise TypeError(f"{a.name}: a {a.kind} is not read through the store")


def write(a: Artifact, obj: Any, p: Path, **kwargs) -> Path:
    """Write ``obj`` as artifact ``a`` at ``p`` by its kind (atomically)."""
    if a.kind == "table" and isinstance(obj, Path):  # a Parquet dataset folder Spark wrote (validated there)
        return io.place_folder(obj, p)
    if a.kind == "table":
        return io.write_table(obj, p, a.schema, kwargs.get("metadata"))
    if a.kind == "csv":
        if a.schema:
            from seglab import schemas

            io.validate(io.notes_as_json(obj), schemas.BY_NAME[a.schema], str(p))
        return io.write_csv(obj, p, **kwargs)
    if a.kind == "json":  # a text is written as it is (already JSON)
        return io.write_text(obj, p) if isinstance(obj, str) else io.write_json(obj, p)
    if a.kind == "model":
        return io.write_text(obj if isinstance(obj, str) else json.dumps(obj, indent=1) + "\n", p)
    if a.kind == "kept":
        return io.atomic(p, lambda tmp: tmp.write_bytes(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)))
    raise TypeError(f"{a.name}: a {a.kind} is not written through the store")


# --------------------------------------------------------------------------------------------
# a model folder (data/processed/<run>/model, or any copy of it given to seglab score)
def model_file(name: str, folder: Path) -> Path:
    """The file of model artifact ``name`` (``segment_model``, ``lookalike_model``,
    ``persona_labels``) in a model folder.
    """
    a = BY_NAME[name]
    if not a.path.startswith("model/"):
        raise KeyError(f"{name} is not in the model folder")
    return Path(folder) / a.file


def write_models(folder: Path, model: Any, lookalike: Any = None) -> None:
    """Write a segment model (and its lookalike model) into a model folder."""
    io.write_text(model.to_text(), model_file("segment_model", folder))
    if lookalike is not None:
        io.write_text(lookalike.to_text(), model_file("lookalike_model", folder))


def read_segment_model(folder: Path) -> Any:
    """The segment model of a model folder (checked by :mod:`seglab.modelfile`)."""
    from seglab.segmentation import SegmentModel

    p = model_file("segment_model", folder)
    if not p.is_file():
        raise FileNotFoundError(f"{p}: no segment model here; run stage 03 first")
    return SegmentModel.from_dict(read(BY_NAME["segment_model"], p))


def read_lookalike(folder: Path) -> Any:
    """The lookalike model of a model folder, or None when there is none."""
    from seglab.segmentation.lookalike import Lookalike

    p = model_file("lookalike_model", folder)
    return Lookalike.from_dict(read(BY_NAME["lookalike_model"], p)) if p.is_file() else None


def reset_figures(folder: Path) -> Path:
    """Empty a folder of figures: it holds one execution's figures, never two."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def hand_figures(run: RunPaths, stage_name: str) -> Path:
    """Where a notebook run by hand (not by ``seglab run``) puts its figures: a folder of its own
    per stage, emptied each time the notebook starts.
    """
    return run.reports / "by_hand" / stage_name / "figures"


def under_seglab_run() -> bool:
    """True in a stage executed by ``seglab run``."""
    from seglab.paths import FIGURE_QUEUE_ENV

    return bool(os.environ.get(FIGURE_QUEUE_ENV))


__all__ = [
    "ARTIFACTS",
    "Artifact",
    "BY_NAME",
    "INDEX",
    "SCORE",
    "STAGES",
    "STAGE_NAMES",
    "Stage",
    "StaleArtifact",
    "Store",
    "digest",
    "hand_figures",
    "location",
    "model_file",
    "number_of",
    "read",
    "read_by",
    "read_lookalike",
    "read_segment_model",
    "reset_figures",
    "shown",
    "under_seglab_run",
    "write",
    "write_models",
    "written_by",
]
