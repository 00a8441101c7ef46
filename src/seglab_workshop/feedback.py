"""What a workshop check says, and the machinery every check shares: :class:`Feedback` (right, a
hint, or not answered yet; shown right to left in Persian), :func:`exercise` (a check that never
raises and records each run in the gradebook), the classroom the checks compare with
(:func:`use_seed`, :func:`room`) and the vocabulary answers may be spelled in (:func:`vocabulary`).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from seglab import i18n
from seglab_workshop import SEED
from seglab_workshop.messages import N_, _

__all__ = [
    "HINT",
    "MISSING",
    "RIGHT",
    "Feedback",
    "exercise",
    "hint",
    "missing",
    "right",
    "room",
    "same",
    "shown",
    "use_seed",
    "vocabulary",
]

RIGHT, HINT, MISSING = "right", "hint", "missing"


@dataclass(frozen=True)
class Feedback:
    """What a check says: ``status`` (right, hint, missing) and one sentence for the learner;
    ``key`` is the sentence's message id (its English text in the catalog) and ``values`` what
    fills it, for the gradebook.
    """

    status: str
    message: str
    key: str = ""
    values: dict = field(default_factory=dict)

    def __bool__(self) -> bool:
        """True when the answer is right."""
        return self.status == RIGHT

    def __str__(self) -> str:
        """The message with its mark (✔ right, ✘ a hint, … not answered)."""
        mark = {RIGHT: "✔", HINT: "✘", MISSING: "…"}[self.status]
        return f"{mark} {self.message}"

    def require(self) -> Feedback:
        """Return the feedback if the answer is right, else raise AssertionError with the hint (an
        autograded cell of nbgrader or otter-grader: a cell that raises scores 0).
        """
        if self.status != RIGHT:
            raise AssertionError(str(self))
        return self

    def _repr_markdown_(self) -> str:
        """Bold, one line; in a right-to-left language a right-to-left block whose Latin runs
        (``customer_id``, ``log(1 + x)``, ``None``) are each isolated left to right, so the
        sentence does not read with its halves swapped (JupyterLab lays out left to right).
        """
        return shown(str(self), i18n.reader().rtl)


#: A run of Latin text in a right-to-left sentence: a letter, then letters, digits, spaces and
#: the punctuation of code and formulas, up to its last letter, digit or closing bracket.
_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9_().+\-×/*=<>\[\]'\" ]*[A-Za-z0-9_)\]'\"]|[A-Za-z]")


def shown(text: str, rtl: bool) -> str:
    """``text`` as a notebook's Markdown output: bold, HTML-escaped; right to left with each Latin
    run isolated when ``rtl``.
    """
    from seglab.text import esc

    if not rtl:
        return f"**{esc(text)}**"
    parts, at = [], 0
    for m in _LATIN.finditer(text):
        run, end = m.group(0), m.end()
        while run[-1] in ")]" and run.count(run[-1]) > run.count("(" if run[-1] == ")" else "["):
            run, end = run[:-1], end - 1  # a bracket the run did not open stays with the sentence
        parts.append(esc(text[at : m.start()]))
        parts.append(f'<span dir="ltr">{esc(run)}</span>')
        at = end
    parts.append(esc(text[at:]))
    return f'<div dir="rtl" style="text-align:right">\n\n**{"".join(parts)}**\n\n</div>'


def _feedback(status: str, message: str, values: dict) -> Feedback:
    text = _(message) % values if values else _(message)
    return Feedback(status, text, message, values)


def right(message: str = N_("Right.")) -> Feedback:
    """The answer is right (``message``: a message id of the workshop's catalog)."""
    return _feedback(RIGHT, message, {})


def hint(message: str, **values) -> Feedback:
    """A hint: ``message`` (a message id) in the reader's language, filled with ``values``."""
    return _feedback(HINT, message, values)


_NOT_ANSWERED = N_("Not answered yet: replace None with your answer and run the cell again.")


def missing(answer) -> Feedback | None:
    """Feedback for an exercise not answered yet (None, ..., or a NaN), else None."""
    if answer is None or answer is Ellipsis or (isinstance(answer, float) and answer != answer):
        return _feedback(MISSING, _NOT_ANSWERED, {})
    return None


_CURRENT: dict = {"seed": SEED, "gradebook": None, "notebook": ""}


_KEEP = object()


def use_seed(seed: int, gradebook=_KEEP, notebook: str | None = None) -> None:
    """The classroom shop the checks compare with, and (when given) the folder whose gradebook
    records each check (None: not recorded) and the notebook answering; set by
    :func:`seglab_workshop.start`.
    """
    _CURRENT["seed"] = seed
    if gradebook is not _KEEP:
        _CURRENT["gradebook"] = gradebook
    if notebook is not None:
        _CURRENT["notebook"] = notebook


def room():
    """The classroom shop the checks compare with (:func:`use_seed`)."""
    from seglab_workshop.classroom import classroom

    return classroom(_CURRENT["seed"])


def exercise(exercise: str, shape: str):
    """A check of ``exercise`` that never raises: an answer it cannot read (an exception while
    reading it) gets the hint of the shape it wants (``shape``, a message); every result goes to
    the gradebook.
    """

    def wrap(check):
        @functools.wraps(check)
        def checked(answer=None, *args, **kwargs) -> Feedback:
            try:
                feedback = check(answer, *args, **kwargs)
            except Exception:  # noqa: BLE001 - a learner's answer of any shape gets a hint, never a traceback
                feedback = hint(N_("The check cannot read this answer: give %(shape)s."), shape=_(shape))
            if _CURRENT["gradebook"] is not None:
                from seglab_workshop import gradebook

                gradebook.record(
                    _CURRENT["gradebook"],
                    {
                        "learner": gradebook.learner(),
                        "notebook": _CURRENT["notebook"],
                        "exercise": exercise,
                        "status": feedback.status,
                        "key": feedback.key,
                        "values": {k: str(v) for k, v in feedback.values.items()},
                    },
                )
            return feedback

        checked.exercise = exercise
        return checked

    return wrap


def vocabulary(words: dict[str, tuple[str, ...]], catalog_words: dict[str, str] | None = None) -> dict:
    """Each canonical word with its spellings: its synonyms, and its translation in every reader
    language of seglab's catalog (``catalog_words``: canonical word -> the catalog's message id).
    """
    out = {w: list(s) for w, s in words.items()}
    for w, msgid in (catalog_words or {}).items():
        for language in i18n.LANGUAGES:
            out[w].append(i18n.translations(language).gettext(msgid))
    return out


def same(a: pd.Series, b: pd.Series, tol: float = 1e-6) -> bool:
    """Whether two Series hold the same numbers (within ``tol``; a missing value is never the same)."""
    return bool(np.allclose(a.to_numpy(float), b.to_numpy(float), atol=tol, rtol=1e-9, equal_nan=False))
