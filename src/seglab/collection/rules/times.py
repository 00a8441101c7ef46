"""Times as written: ISO, day-first or month-first (one order per column, or a clear error),
Jalali, with or without a time zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from seglab import i18n
from seglab.collection import amounts
from seglab.collection import roles as roles_mod
from seglab.collection.rules.text import Sorter, as_text, trimmed
from seglab.config import Cleaning
from seglab.i18n import N_

_JALALI = re.compile(r"^(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def _jalali(text: str) -> pd.Timestamp:
    import jdatetime

    m = _JALALI.match(text)
    if not m:
        return pd.NaT
    y, mo, d, h, mi, sec = (int(g) if g else 0 for g in m.groups())
    try:
        g = jdatetime.date(y, mo, d).togregorian()
    except ValueError:
        return pd.NaT
    return pd.Timestamp(g.year, g.month, g.day, h, mi, sec)


#: A time of day followed by a time zone: ...10:00Z, ...10:00:00+03:30, ...10:00 +0330, ...10:00 UTC
_ZONED = re.compile(r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2})$", re.I)


class DateOrderError(ValueError):
    """A date column whose values are day first in some rows and month first in others."""


def _to_datetime(values: pd.Series, dayfirst: bool, tz: str) -> pd.Series:
    """Text to naive timestamps in ``tz``: values with a zone are converted to it."""
    try:
        out = roles_mod.to_datetime(values, dayfirst)
    except (ValueError, TypeError):  # zones that differ between values
        out = roles_mod.to_datetime(values, dayfirst, utc=True)
    if getattr(out.dt, "tz", None) is not None:
        out = out.dt.tz_convert(tz).dt.tz_localize(None)
    return out.astype("datetime64[us]")


def parse_time(
    s: pd.Series,
    cleaning: Cleaning,
    notes: list[str] | None = None,
    where: str = "",
    weights: pd.Series | None = None,
) -> pd.Series:
    """Timestamps from datetimes, Excel serial day numbers or text (each distinct text parsed once);
    Jalali (Shamsi) dates when ``cleaning.calendar`` is jalali; unparseable values become NaT.

    Timestamps with a time zone (``2024-03-01T10:00:00Z``, ``+03:30``) are converted to
    ``cleaning.timezone``, those without one are taken as already in it (a note in ``notes`` says
    so). Day-first or month-first text dates (04/09/2024) are read in the order the values show
    (a first number above 12 is a day), else by ``cleaning.dayfirst``; a column showing both
    orders raises :class:`DateOrderError` naming rows of each. ``weights``: how many rows each
    value stands for, when ``s`` holds distinct values (stage 01 on Spark), for the notes' counts.
    """
    from seglab.collection import roles

    notes = notes if notes is not None else []
    if pd.api.types.is_datetime64_any_dtype(s):
        if getattr(s.dt, "tz", None) is not None:
            notes.append(
                i18n.Note.of(
                    N_(
                        "%(where)s: timestamps carry the time zone %(zone)s; converted to "
                        "%(timezone)s (cleaning.timezone)."
                    ),
                    where=where,
                    zone=str(s.dt.tz),
                    timezone=cleaning.timezone,
                )
            )
            s = s.dt.tz_convert(cleaning.timezone).dt.tz_localize(None)
        return s.astype("datetime64[ns]")
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        # Excel serial dates (days since 1899-12-30) between 1954 and 2119; other numbers are not dates
        serial = s.astype(float).where(s.astype(float).between(20_000, 80_000))
        return (
            (pd.Timestamp("1899-12-30") + pd.to_timedelta(serial.round(6), unit="D"))
            .dt.round("s")
            .astype("datetime64[ns]")
        )
    text = trimmed(s)
    uniq = pd.Series(text.dropna().unique(), dtype="string")
    if uniq.empty:  # no value at all: every time is unknown (a mapping from nothing has no type to keep)
        return pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    if cleaning.calendar == "jalali":
        parsed = pd.Series([_jalali(t) for t in uniq], index=uniq, dtype="datetime64[ns]")
        return text.map(parsed).astype("datetime64[ns]")
    order = roles.date_order(uniq)
    if order == "mixed":
        raise DateOrderError(_mixed_order_message(text, where))
    first = {"dayfirst": True, "monthfirst": False}.get(order, cleaning.dayfirst)
    if order and first != cleaning.dayfirst:
        example = uniq[uniq.str.match(roles_mod.DAY_MONTH)].iloc[0]
        notes.append(
            i18n.Note.of(
                N_(
                    "%(where)s: dates read day first, as values such as '%(example)s' show (cleaning.dayfirst is "
                    "%(given)s)."
                )
                if first
                else N_(
                    "%(where)s: dates read month first, as values such as '%(example)s' show (cleaning.dayfirst is "
                    "%(given)s)."
                ),
                where=where,
                example=example,
                given=str(cleaning.dayfirst).lower(),
            )
        )
    _two_ways_note(text, uniq, first, weights, where, notes)
    zoned = uniq.str.contains(_ZONED, na=False).to_numpy()
    parsed = pd.Series(pd.NaT, index=uniq.to_numpy(), dtype="datetime64[us]")
    if (~zoned).any():
        parsed[~zoned] = _to_datetime(uniq[~zoned], first, cleaning.timezone).to_numpy()
    if zoned.any():
        parsed[zoned] = _to_datetime(uniq[zoned], first, cleaning.timezone).to_numpy()
        rows = weights if weights is not None else pd.Series(1, index=text.index)
        n_zoned = int(rows[text.str.contains(_ZONED, na=False)].sum())
        rest = int(rows[text.notna()].sum()) - n_zoned
        values = {
            "where": where,
            "n": n_zoned,
            "example": uniq[zoned].iloc[0],
            "timezone": cleaning.timezone,
            "rest": rest,
        }
        notes.append(
            i18n.Note.of(
                N_(
                    "%(where)s: %(n)s timestamp(s) carry a time zone (e.g. '%(example)s'): converted to %(timezone)s "
                    "(cleaning.timezone); the %(rest)s without a zone are taken as %(timezone)s already."
                )
                if rest
                else N_(
                    "%(where)s: %(n)s timestamp(s) carry a time zone (e.g. '%(example)s'): converted to %(timezone)s "
                    "(cleaning.timezone)."
                ),
                **values,
            )
        )
    in_range = (parsed >= pd.Timestamp("1678-01-01")) & (parsed <= pd.Timestamp("2261-12-31"))
    parsed = pd.Series(parsed.where(in_range).astype("datetime64[ns]").to_numpy(), index=uniq.to_numpy())
    return text.map(parsed).astype("datetime64[ns]")


def _two_ways_note(
    text: pd.Series, uniq: pd.Series, first: bool, weights: pd.Series | None, where: str, notes: list[str]
) -> None:
    """A note counting each way a column writes its dates when it mixes year-first dates (read as
    written) with day/month texts (read in ``first``'s order).
    """
    iso = uniq[uniq.str.match(roles_mod.YEAR_FIRST).fillna(False)]
    dm = uniq[uniq.str.match(roles_mod.DAY_MONTH).fillna(False)]
    if iso.empty or dm.empty:
        return
    rows = weights if weights is not None else pd.Series(1, index=text.index)
    values = {
        "where": where,
        "iso": int(rows[text.isin(iso)].sum()),
        "iso_example": iso.iloc[0],
        "dm": int(rows[text.isin(dm)].sum()),
        "dm_example": dm.iloc[0],
    }
    notes.append(
        i18n.Note.of(
            N_(
                "%(where)s: the dates are written two ways: %(iso)s year first (e.g. '%(iso_example)s'), read as "
                "written; %(dm)s day and month (e.g. '%(dm_example)s'), read day first. Export them one way "
                "(YYYY-MM-DD) to be sure."
            )
            if first
            else N_(
                "%(where)s: the dates are written two ways: %(iso)s year first (e.g. '%(iso_example)s'), read as "
                "written; %(dm)s day and month (e.g. '%(dm_example)s'), read month first. Export them one way "
                "(YYYY-MM-DD) to be sure."
            ),
            **values,
        )
    )


def _mixed_order_message(text: pd.Series, where: str) -> str:
    parts = text.str.extract(roles_mod.DAY_MONTH).astype(float)
    day = text[parts[0] > 12].head(3)
    month = text[parts[1] > 12].head(3)
    show = lambda v: ", ".join(f"row {i + 1}: '{t}'" for i, t in v.items())  # noqa: E731
    return (
        f"{where}: some dates are day first ({show(day)}) and others month first ({show(month)}), so dates such "
        "as 04/09 cannot be read either way. Export the dates as YYYY-MM-DD, or fix those rows."
    )


def _year_hint(raw: pd.Series) -> pd.Series:
    """The four-digit year written in a text date (to tell a date too far in the past or the
    future from one that is not a date at all).
    """
    if pd.api.types.is_datetime64_any_dtype(raw) or pd.api.types.is_numeric_dtype(raw):
        return pd.Series(np.nan, index=raw.index)
    return pd.to_numeric(trimmed(raw).str.extract(r"(?<!\d)(\d{4})(?!\d)")[0], errors="coerce")


def reject_times(s: Sorter, ts: pd.Series, raw: pd.Series, cleaning: Cleaning, now: pd.Timestamp) -> None:
    """Dates before ``cleaning.min_date`` (early_timestamp), after the run date
    (future_timestamp), or not dates (bad_timestamp); a text date out of the computable range
    (years before 1678 or after 2261) by its year, except years 1300-1677, which are more likely
    Jalali or Hijri dates read as Gregorian (not dates, with a hint) than typing errors.
    """
    year = _year_hint(raw) if cleaning.calendar == "gregorian" else pd.Series(np.nan, index=raw.index)
    s.reject((ts < pd.Timestamp(cleaning.min_date)) | (ts.isna() & (year < 1300)), "early_timestamp")
    s.reject(
        (ts > now + pd.Timedelta(days=cleaning.reject_future_days)) | (ts.isna() & (year > now.year)),
        "future_timestamp",
    )
    s.reject(ts.isna(), "bad_timestamp")


def looks_jalali(s: pd.Series) -> bool:
    """True when most text dates start with a year 1300-1499 (Shamsi dates read as Gregorian)."""
    if pd.api.types.is_datetime64_any_dtype(s):
        return False
    year = pd.to_numeric(trimmed(s.dropna().drop_duplicates()).str.slice(0, 4), errors="coerce")
    return bool(year.notna().any() and year.between(1300, 1499).mean() > 0.5)


def typed_extras(df: pd.DataFrame, out: pd.DataFrame) -> pd.DataFrame:
    """``out`` with the other columns carried over: text trimmed (with ASCII digits), numbers as
    they are. Joined once: inserting thousands of columns one by one is quadratic in pandas.
    """
    cols = [c for c in df.columns if c not in out and c != "source_row"]
    as_is = {c for c in cols if pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_datetime64_any_dtype(df[c])}
    texts = amounts.columns_at_once(df, [c for c in cols if c not in as_is], lambda t: as_text(t, is_id=True))
    extras = {c: df[c] if c in as_is else texts[c] for c in cols}
    return pd.concat([out, pd.DataFrame(extras, index=out.index)], axis=1) if extras else out


@dataclass(frozen=True)
class RowContext:
    """What the row rules of a table of events read besides its rows: the ``cleaning`` parameters,
    the run date (``now``; None: today), the list the notes go to (None: not kept), where the rows
    come from (``where``, in notes and errors; empty: the table's name) and the times already read
    (``times``: stage 01 on Spark reads each distinct text once; None: parsed from the rows).
    """

    cleaning: Cleaning
    now: pd.Timestamp | None = None
    notes: list[str] | None = None
    where: str = ""
    times: pd.Series | None = None


def read_times(df: pd.DataFrame, column: str, context: RowContext):
    """The times of ``column``: ``context.times`` when already read (stage 01 on Spark), else parsed."""
    if context.times is not None:
        return context.times.astype("datetime64[ns]").to_numpy()
    return parse_time(df[column], context.cleaning, context.notes, f"{context.where}, column {column}")
