"""How a column's values read: yes/no flags, dates and the order of day and month, whole numbers, a
value that stands for unknown (a spike).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from seglab.collection.roles.kinds import NO_WORDS, YES_WORDS, RolesError
from seglab.i18n import N_


def is_yes_no(values: set) -> bool:
    """Whether every distinct value reads as yes or no (in any of the languages seglab knows)."""
    low = {str(v).strip().lower() for v in values}
    return len(low) == 2 and bool(low & YES_WORDS) and bool(low & NO_WORDS)


def to_flag(s: pd.Series) -> pd.Series:
    """yes/no, true/false, 1/0 (in several languages) as 1.0/0.0; anything else missing."""
    if pd.api.types.is_bool_dtype(s) or str(s.dtype) == "boolean":
        return s.astype("Float64").astype(float)
    low = s.astype("str").str.strip().str.lower()
    return low.map(lambda v: 1.0 if v in YES_WORDS else 0.0 if v in NO_WORDS else np.nan).astype(float)


#: A date written year first (ISO 8601 and its kin: 2010-12-01, 2010/12/01, 20101201, with or without
#: a time): it reads one way only, whatever order the other dates of its column are in.
YEAR_FIRST = re.compile(r"^\s*\d{4}(?:[-/.]\d{1,2}[-/.]\d{1,2}|\d{4})(?=$|[T\s])")
#: A date written day and month before the year (04/09/2024, 31-12-11): groups the two first numbers.
DAY_MONTH = re.compile(r"^\s*(\d{1,2})[-/.](\d{1,2})[-/.]\d{2,4}")


def to_datetime(text: pd.Series, dayfirst: bool, utc: bool = False) -> pd.Series:
    """Text to timestamps (unreadable: NaT), ``dayfirst`` applying to day/month texts (04/09/2024)
    only: a year-first date (:data:`YEAR_FIRST`) is read as written, never reordered (pandas with
    ``dayfirst`` reads 2010-12-01 as 12 January).
    """
    text = text.astype("string")
    year_first = text.str.match(YEAR_FIRST).fillna(False).to_numpy(dtype=bool)
    if not dayfirst or not year_first.any():
        return pd.to_datetime(text, errors="coerce", format="mixed", dayfirst=dayfirst, utc=utc)
    if year_first.all():
        return pd.to_datetime(text, errors="coerce", format="mixed", dayfirst=False, utc=utc)
    iso = pd.to_datetime(text[year_first], errors="coerce", format="mixed", dayfirst=False, utc=utc)
    rest = pd.to_datetime(text[~year_first], errors="coerce", format="mixed", dayfirst=True, utc=utc)
    if iso.dtype != rest.dtype and not utc:  # one part with a zone, the other without: compare in UTC
        return to_datetime(text, dayfirst, utc=True)
    return pd.concat([iso, rest]).reindex(text.index)


#: A text written like a date (two separators between numbers: 2012-04-09, 9/4/12, 09.04.2012).
DATE_SHAPED = r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}"


def read_dates(s: pd.Series, shaped: int | None = None) -> pd.Series | None:
    """The column as dates when it is dates (or 95 % of its text parses as dates), else None.
    ``shaped``: how many of its values are written like dates (:data:`DATE_SHAPED`), when known.
    """
    if pd.api.types.is_datetime64_any_dtype(s):
        return s
    if pd.api.types.is_numeric_dtype(s):
        return None
    filled = int(s.notna().sum())
    if shaped is None:
        shaped = int(s.dropna().astype(str).str.contains(DATE_SHAPED).sum())
    if not filled or not shaped > 0.95 * filled:
        return None
    order = date_order(s)
    parsed = to_datetime(s, dayfirst=order != "monthfirst")
    return parsed if parsed.notna().sum() >= 0.95 * s.notna().sum() else None


def date_order(s: pd.Series) -> str | None:
    """Whether text dates such as 04-09-2012 are day first ("dayfirst") or month first
    ("monthfirst"), from the values that can only be read one way (a first number above 12 is a
    day); "mixed" when both kinds occur; None when every value reads both ways (or the dates are
    year first).
    """
    if pd.api.types.is_datetime64_any_dtype(s):
        return None
    parts = s.dropna().astype(str).str.extract(DAY_MONTH)
    parts = parts.dropna().astype(int)
    if parts.empty:
        return None
    day_first, month_first = bool((parts[0] > 12).any()), bool((parts[1] > 12).any())
    if day_first and month_first:
        return "mixed"
    return "dayfirst" if day_first else "monthfirst" if month_first else None


def parse_dates(s: pd.Series, dayfirst: bool) -> tuple[pd.Series, str]:
    """Text dates as timestamps, in the order the values themselves show (:func:`date_order`), else
    ``dayfirst``; and what was assumed, in words.
    """
    if pd.api.types.is_datetime64_any_dtype(s):
        return s.astype("datetime64[ns]"), ""
    order = date_order(s)
    if order == "mixed":
        raise RolesError(
            "some dates read only day first (a first number above 12) and others only month first: "
            "the column mixes both orders; fix the export or give the column in roles.ignore"
        )
    first = {"dayfirst": True, "monthfirst": False}.get(order, dayfirst)
    text = s.astype("string").str.strip()
    parsed = to_datetime(text, first).astype("datetime64[ns]")
    how = (
        N_("day first, as values such as 31-01 show")
        if order == "dayfirst"
        else N_("month first, as values such as 01-31 show")
        if order == "monthfirst"
        else (
            N_("day first (cleaning.dayfirst): every value reads both ways")
            if first
            else N_("month first (cleaning.dayfirst): every value reads both ways")
        )
    )
    return parsed, how


def is_whole(v: pd.Series | np.ndarray) -> bool:
    """Whether every value is a whole number."""
    a = _values(v)
    return bool(len(a)) and bool(np.all(np.mod(a, 1) == 0))


def sentinel_value(v: pd.Series | np.ndarray) -> float | None:
    """A frequent out-of-range marker of a whole-number column: one negative value (-1, -99, -999)
    below otherwise non-negative values, or 999/9999 far above the rest.
    """
    a = _values(v)  # (numpy: thousands of columns each go through here)
    if len(a) < 10 or not np.all(np.mod(a, 1) == 0):
        return None
    neg = a[a < 0]
    if (
        len(neg)
        and np.all(neg == neg[0])
        and neg[0] in (-1, -9, -99, -999, -9999)
        and len(neg) >= 0.02 * len(a)
        and (a >= 0).any()
    ):
        return float(neg[0])
    for marker in (999, 9999, 99999):
        hit = a == marker
        rest = a[~hit]
        if hit.mean() >= 0.02 and len(rest) and rest.max() < marker / 3:
            return float(marker)
    return None


def _values(v: pd.Series | np.ndarray) -> np.ndarray:
    """The known values of a numeric column as floats (of an array: as they are, already known)."""
    return v if isinstance(v, np.ndarray) else v.dropna().to_numpy(dtype=float)


#: A spike: a value held by at least this share of the rows ...
SPIKE_SHARE = 0.05
#: ... at least this many times as often as any of its 5 nearest values ...
SPIKE_EXCESS = 5
#: ... outside the range of the other values, at a distance of at least this many times the
#: typical spacing of the 20 values nearest to it.
SPIKE_GAP = 3
#: ... the gap measured to where the others begin: all but their outermost 2 %.
SPIKE_EDGE = 0.02


def spike(v: pd.Series | np.ndarray, natural: frozenset[float] = frozenset()) -> dict | None:
    """A value far more frequent than its neighbours and apart from the rest (0 for a quarter of the
    customers when the next income is 15): what exports write for "unknown". Only the smallest and
    the largest value can be one (a spike inside the range is a common value). Returns the value,
    its share of the rows, the gap to the nearest other value and the range of the others; None when
    there is no such value. ``natural``: values that are natural bounds of the column (0 for spend
    or a count of behaviour: nothing bought; 0 and 1 for a share): a spike there is not one.
    """
    a = _values(v)
    values, counts = np.unique(a, return_counts=True)  # (numpy: thousands of columns each come here)
    if len(a) < 20 or len(values) < 6:
        return None
    ends = ((values[0], counts[0], values[1:], counts[1:]), (values[-1], counts[-1], values[-2::-1], counts[-2::-1]))
    for x0, c0, near_values, near_counts in ends:
        if c0 < max(10, SPIKE_SHARE * len(a)) or float(x0) in natural:
            continue
        if c0 < SPIKE_EXCESS * int(near_counts[:5].max()):  # not far more frequent than its neighbours
            continue
        spacing = float(np.median(np.abs(np.diff(near_values[:20]))))
        rest = a[a != x0]
        # far from the rest: from where the others begin (all but their outermost 2 %: a few stray
        # values beside a marker, such as credit limits of 50 beside a quarter at 0, are no bridge)
        edge = float(np.quantile(rest, SPIKE_EDGE if x0 < rest.min() else 1 - SPIKE_EDGE))
        gap = float(abs(edge - x0))
        if gap > SPIKE_GAP * spacing:
            return {
                "value": float(x0),
                "share": round(int(c0) / len(a), 4),
                "gap": gap,
                "low": float(rest.min()),
                "high": float(rest.max()),
            }
    return None
