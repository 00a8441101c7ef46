"""Answers as learners write them: any shape read into what a check compares.

A learner answers with a dict, a list, a Series, a one-column table, a string or a number; keys
written ``1``, ``"S1"``, ``"s1"`` or ``"۱"``; words in English, Persian or Arabic, singular or
plural, with hyphens, spaces or underscores. These readers turn every shape that means the same
answer into one value, or say (None) that they cannot, for the check to ask for the shape it wants.
Nothing here knows an answer.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

__all__ = ["by_key", "by_segment", "canon", "number", "per_customer", "segment_number", "word"]

#: Persian and Arabic digits, and the Arabic letters Persian writes otherwise (ي ى ك ة).
_FOLD = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩يىكةئ", "0123456789" * 2 + "ییکهی")
_SEPARATORS = re.compile(r"[\s_\-\u200c\u200f\u200e\u00a0.،,:;'\"«»()]+")


def canon(text) -> str:
    """``text`` folded for comparing words: lower case, Persian/Arabic digits and letters folded,
    and no spaces, hyphens, underscores, zero-width non-joiners or quotes (``Need-based``,
    ``need_based`` and ``need based`` are one word).
    """
    t = unicodedata.normalize("NFKC", str(text)).translate(_FOLD).casefold()
    return _SEPARATORS.sub("", t)


def word(answer, vocabulary: Mapping[str, Iterable[str]]) -> str | None:
    """The vocabulary entry ``answer`` spells (by :func:`canon`, also with an English plural s, an
    English "customers"/"shopper(s)" tail or a Persian «مشتری»/«مشتریان» head), or None.
    """
    if not isinstance(answer, str) or not canon(answer):
        return None
    given = canon(answer)
    bare = {given}
    if len(given) > 3 and given.endswith("s"):  # a plural s, never of a one-letter abbreviation ("s", "ss")
        bare.add(given[:-1])
    for tail in ("customers", "customer", "shoppers", "shopper"):
        if given.endswith(tail) and len(given) > len(tail):
            bare.add(given[: -len(tail)])
    for head in ("مشتریان", "مشتری", "خریداران", "خریدار"):
        if given.startswith(head) and len(given) > len(head):
            bare.add(given[len(head) :])
    for key, spellings in vocabulary.items():
        forms = {canon(key), *(canon(s) for s in spellings)}
        forms |= {f[:-1] for f in forms if len(f) > 3 and f.endswith("s")}
        if bare & forms:
            return key
    return None


def segment_number(key) -> int | None:
    """A segment as a learner writes it (``1``, ``1.0``, ``"S1"``, ``"segment 1"``, ``"S۱"``), or None."""
    if isinstance(key, bool | np.bool_):
        return None
    if isinstance(key, int | np.integer):
        return int(key)
    if isinstance(key, float | np.floating):
        return int(key) if math.isfinite(key) and float(key).is_integer() else None
    if isinstance(key, str):
        m = re.fullmatch(r"(?:s|segment|بخش|شریحه|الشریحه)?(\d+)", canon(key))
        return int(m.group(1)) if m else None
    return None


def _pairs(answer, keys: list) -> list[tuple] | None:
    """The (key, value) pairs of an answer: a mapping or Series; a two-column table (key, value);
    a list, tuple or array of values in the order of ``keys``; None for anything else.
    """
    if isinstance(answer, pd.DataFrame):
        if answer.shape[1] == 2:
            return [(r[0], r[1]) for r in answer.itertuples(index=False)]
        if answer.shape[1] == 1:
            return list(answer.iloc[:, 0].items())
        return None
    if isinstance(answer, pd.Series):
        if isinstance(answer.index, pd.RangeIndex) and len(answer) == len(keys) and answer.index[0] == 0:
            return list(zip(keys, answer.tolist(), strict=True))  # values in order, no keys given
        return list(answer.items())
    if isinstance(answer, Mapping):
        return list(answer.items())
    if isinstance(answer, list | tuple | np.ndarray) and not isinstance(answer, str):
        values = list(np.asarray(answer, dtype=object).ravel()) if isinstance(answer, np.ndarray) else list(answer)
        if all(isinstance(v, tuple | list) and len(v) == 2 for v in values) and values:
            return [tuple(v) for v in values]
        if len(values) == len(keys):
            return list(zip(keys, values, strict=True))
    return None


def by_key(answer, keys: list[str]) -> dict[str, object] | None:
    """An answer per key (column names, question ids) in any shape of :func:`_pairs`; keys matched
    by :func:`canon` (``Income band`` = ``income_band``). None when unreadable or a key is unknown.
    """
    pairs = _pairs(answer, keys)
    if pairs is None:
        return None
    known = {canon(k): k for k in keys}
    out = {}
    for k, v in pairs:
        key = known.get(canon(k))
        if key is None:
            return None
        out[key] = v
    return out


def by_segment(answer, segments: list[int]) -> dict[int, object] | None:
    """An answer per segment in any shape of :func:`_pairs` (keys as :func:`segment_number` reads
    them; a list in the order of ``segments``). None when unreadable.
    """
    pairs = _pairs(answer, list(segments))
    if pairs is None:
        return None
    out = {}
    for k, v in pairs:
        s = segment_number(k)
        if s is None:
            return None
        out[s] = v
    return out


def number(answer) -> float | None:
    """One finite number (an int, float, numpy scalar, a one-value Series or list, or a string
    such as ``"0.42"``, ``"۰٫۴۲"`` or ``"42%"``, read as 0.42), or None. True and False are not numbers here.
    """
    if isinstance(answer, pd.Series | pd.DataFrame | np.ndarray | list | tuple):
        values = np.asarray(answer, dtype=object).ravel()
        if len(values) != 1:
            return None
        answer = values[0]
    if isinstance(answer, bool | np.bool_):
        return None
    scale = 1.0
    if isinstance(answer, str):
        answer = answer.translate(_FOLD).replace("٫", ".").replace("٬", "").replace(",", "").strip()
        if answer.endswith(("%", "٪")):  # "73%": the share it says
            answer, scale = answer[:-1].strip(), 0.01
    try:
        v = float(answer) * scale
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def per_customer(answer, ids: list[str]) -> pd.Series | None:
    """One number per customer of ``ids``: a Series or mapping by customer id, a one-column table
    indexed by customer id (or a two-column one: id, value), or a list/array in the order of ``ids``.
    Durations (Timedelta) are None: the check asks for numbers. None when unreadable or incomplete.
    """
    if isinstance(answer, pd.DataFrame) and answer.shape[1] == 2 and not set(ids) <= set(answer.index.astype(str)):
        answer = answer.set_index(answer.columns[0]).iloc[:, 0]
    elif isinstance(answer, pd.DataFrame) and answer.shape[1] == 1:
        answer = answer.iloc[:, 0]
    if isinstance(answer, pd.Series):
        if set(ids) <= set(answer.index.astype(str)):
            s = answer.set_axis(answer.index.astype(str))
            s = s[~s.index.duplicated()].reindex(ids)
        elif len(answer) == len(ids):
            s = pd.Series(answer.to_numpy(), index=ids)
        else:
            return None
    elif isinstance(answer, Mapping):
        s = pd.Series({str(k): v for k, v in answer.items()}).reindex(ids)
    elif isinstance(answer, list | tuple | np.ndarray) and len(answer) == len(ids):
        s = pd.Series(list(np.asarray(answer, dtype=object).ravel()), index=ids)
    else:
        return None
    values = [number(v) if not isinstance(v, pd.Timedelta | np.timedelta64) else None for v in s.tolist()]
    if any(v is None for v in values):
        return None
    return pd.Series(values, index=ids, dtype=float)
