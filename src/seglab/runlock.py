"""One run per run name at a time (:class:`RunLock`), shared by ``seglab run`` and the stage
notebooks run by hand: a small module, imported by a notebook's setup cell.
"""

from __future__ import annotations

import errno
import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from seglab.paths import UnsafePath, inside

if TYPE_CHECKING:
    from seglab.paths import RunPaths


class RunInProgress(RuntimeError):
    """Another process is running the same run name."""


UNFINISHED_FILE = ".seglab-run-unfinished.json"


class RunLock:
    """One run per run name at a time: an exclusive lock (``flock``) on
    ``data/processed/.<run>.lock``, held while the run writes. The operating system releases it
    when the process ends, however it ends (``kill -9`` included), so a stale lock never blocks.

    :meth:`started` leaves ``UNFINISHED_FILE`` in the run's processed folder; :meth:`finished`
    removes it when the run ends with its outcome (done or failed) in the index. A run that was
    killed leaves it, and the next run says so.

    ``shared``: the lock of a stage notebook run by hand (:func:`seglab.start` outside
    ``seglab run``), held until its kernel ends: notebooks run by hand may share a run with each
    other (an analyst's kernels), never with a ``seglab run``, which takes the lock alone.
    """

    def __init__(self, root: Path, run: str, shared: bool = False):
        self.run = run
        self.root = root
        self.shared = shared
        self.path = root / "data" / "processed" / f".{run}.lock"
        self._fd: int | None = None
        self.marker: Path | None = None
        self.interrupted_before: dict | None = None

    def __enter__(self) -> RunLock:
        """Take the lock, or raise :class:`RunInProgress` naming the process that holds it."""
        import fcntl
        import stat

        inside(self.root, self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:  # never through a link: a link in the lock's place would truncate its target
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        except OSError as exc:
            what = "is a symbolic link" if exc.errno == errno.ELOOP else f"cannot be opened ({exc.strerror})"
            raise UnsafePath(
                f"data/processed/.{self.run}.lock {what}: the run lock must be a plain file, never written through "
                "a link; remove it"
            ) from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise UnsafePath(f"data/processed/.{self.run}.lock is not a plain file: remove it")
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if self.shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 200).decode("utf-8", "replace").strip()
            os.close(fd)
            fix = (
                "shut that notebook's kernel down (Kernel > Shut Down Kernel) or wait for it"
                if "notebook" in holder
                else "wait for it to finish"
            )
            raise RunInProgress(
                f"run '{self.run}' is already in progress ({holder or 'another process'}); {fix}, or give this "
                "run another name (seglab run --run <name>, or run_name in the notebook's parameters)"
            ) from None
        os.ftruncate(fd, 0)
        who = "a notebook run by hand, " if self.shared else ""
        os.write(fd, f"{who}process {os.getpid()}, started {_now()}".encode())
        self._fd = fd
        return self

    def started(self, paths: RunPaths) -> None:
        """Leave the marker of an unfinished run, noting whether the previous run did not finish."""
        from seglab import io

        self.marker = paths.processed / UNFINISHED_FILE
        if self.marker.is_file():
            try:
                self.interrupted_before = json.loads(self.marker.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                self.interrupted_before = {}
        io.write_json({"started": _now(), "pid": os.getpid()}, self.marker)

    def finished(self) -> None:
        """Remove the marker: the run ended and its outcome is in the index."""
        if self.marker is not None:
            self.marker.unlink(missing_ok=True)

    def __exit__(self, *exc) -> None:
        """Release the lock."""
        if self._fd is not None:
            os.close(self._fd)  # releases the lock
            self._fd = None


def _now() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S %Z")


def temp_folder(kind: str) -> Path:
    """A new folder in the system's temporary folder for ``kind`` (kernel, figures, 01), named
    with this process's id so that a later run can tell it was left by a process that died.
    """
    import tempfile

    return Path(tempfile.mkdtemp(prefix=f"seglab-{kind}-{os.getpid()}-"))


def remove_orphans() -> list[Path]:
    """Remove the temporary folders (:func:`temp_folder`) of seglab processes that no longer
    exist: a run killed with ``kill -9`` cannot clean up after itself; the next run does.
    """
    import re
    import shutil
    import tempfile

    removed = []
    for p in Path(tempfile.gettempdir()).glob("seglab-*-*-*"):
        m = re.fullmatch(r"seglab-(kernel|figures|01)-(\d+)-\w+", p.name)
        if not m or not p.is_dir() or p.is_symlink() or p.stat().st_uid != os.getuid() or _alive(int(m.group(2))):
            continue
        shutil.rmtree(p, ignore_errors=True)
        removed.append(p)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
