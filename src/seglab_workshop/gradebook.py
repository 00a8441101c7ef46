"""The gradebook: every check a learner runs is one line of ``.seglab-workshop/attempts.jsonl`` in
the folder the notebooks run in (the learner's own machine or hub account; nothing is sent
anywhere). :func:`export` turns the attempts into one CSV per learner (exercise, attempts, right,
the attempt it was first right at, the hints shown) for the teacher, in the teacher's language.

A line holds the message *id* of the hint (its English text in the workshop's catalog) and its
values, never a sentence: the CSV says it in the language asked for when it is written.
"""

from __future__ import annotations

import json
import os
import re
import time
import warnings
from pathlib import Path

import pandas as pd

__all__ = ["ATTEMPTS", "COLUMNS", "export", "learner", "read", "record", "table"]

#: Where the attempts are kept, in the folder the notebooks run in.
ATTEMPTS = Path(".seglab-workshop") / "attempts.jsonl"
#: The gradebook's columns, one row per exercise a learner ran a check of.
COLUMNS = ["learner", "notebook", "exercise", "attempts", "right", "right_at_attempt", "hints_shown"]


def learner() -> str:
    """Who is answering: ``SEGLAB_LEARNER``, else the hub's ``JUPYTERHUB_USER``, else the login name."""
    import getpass

    for var in ("SEGLAB_LEARNER", "JUPYTERHUB_USER"):
        if os.environ.get(var, "").strip():
            return os.environ[var].strip()
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        return "learner"


_WARNED: set[str] = set()


def record(folder: Path, entry: dict) -> None:
    """Append one attempt to ``folder``'s attempts (one JSON line, written in one call). A folder
    that cannot be written is said once, as a warning: the check's feedback is never lost for it.
    """
    path = Path(folder) / ATTEMPTS
    line = json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%S"), **entry}, ensure_ascii=False) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as f:
            f.write(line)
    except OSError as exc:
        if str(path) not in _WARNED:
            _WARNED.add(str(path))
            reason = exc.strerror or exc
            warnings.warn(f"the gradebook cannot be written ({reason}: {path}); checks still answer", stacklevel=3)


def read(folder: Path) -> pd.DataFrame:
    """The attempts kept in ``folder`` (a line that is not JSON, from a disk that filled up, is skipped
    and counted in ``attrs["unreadable"]``).
    """
    path = Path(folder) / ATTEMPTS
    rows, bad = [], 0
    if path.is_file():
        for text in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                rows.append(json.loads(text))
            except json.JSONDecodeError:
                bad += 1
    df = pd.DataFrame(rows, columns=["time", "learner", "notebook", "exercise", "status", "key", "values"])
    df.attrs["unreadable"] = bad
    return df


def table(attempts: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """One row per learner and exercise: attempts (answers given: a check run while the exercise
    was not answered yet is not one), right (at the last attempt), the attempt it was first right at
    (empty if never), and the distinct hints shown, in ``language``, in the order shown.
    """
    from seglab import i18n

    rows = []
    with i18n.using(language):
        for (who, notebook, exercise), g in attempts.groupby(["learner", "notebook", "exercise"], sort=True):
            g = g[g["status"] != "missing"]  # a cell run before answering (Run All) is no attempt
            statuses = g["status"].tolist()
            right_at = next((i + 1 for i, s in enumerate(statuses) if s == "right"), None)
            shown = [h for h, s in zip(_hint_texts(g, language), statuses, strict=True) if s == "hint"]
            rows.append(
                {
                    "learner": who,
                    "notebook": notebook,
                    "exercise": exercise,
                    "attempts": len(g),
                    "right": bool(statuses) and statuses[-1] == "right",
                    "right_at_attempt": right_at,
                    "hints_shown": " | ".join(dict.fromkeys(shown)),
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS).astype({"right_at_attempt": "Int64"})


def _hint_texts(g: pd.DataFrame, language: str) -> list[str]:
    from seglab_workshop.messages import _

    out = []
    for key, values in zip(g["key"], g["values"], strict=True):
        try:
            out.append(_(key) % values if values else _(key))
        except (TypeError, KeyError, ValueError):  # a catalog entry changed since the attempt
            out.append(key)
    return out


def _file_name(who: str) -> str:
    return "gradebook-" + (re.sub(r"[^\w.-]+", "_", who).strip("._") or "learner") + ".csv"


def export(folder: Path, out: Path | None = None, language: str = "en") -> list[Path]:
    """Write ``gradebook-<learner>.csv`` for each learner whose attempts ``folder`` keeps, into
    ``out`` (``folder`` by default); the files written.
    """
    from seglab import io

    folder = Path(folder)
    out = Path(out) if out else folder
    attempts = read(folder)
    if attempts.empty:
        raise FileNotFoundError(
            f"no attempts in {folder / ATTEMPTS}: run the workshop notebooks' checks in {folder} first"
        )
    grades = table(attempts, language)
    out.mkdir(parents=True, exist_ok=True)
    return [io.write_csv(g, out / _file_name(str(who))) for who, g in grades.groupby("learner", sort=True)]
