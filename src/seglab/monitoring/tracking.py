"""Segments over time: the frozen model applied at each period's end to the features of that date
(one query for every date), segment sizes, migration and retention.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path

import jdatetime
import numpy as np
import pandas as pd

from seglab import features as feature_building
from seglab import i18n
from seglab.config import Features as FeatureParams
from seglab.config import Monitoring as MonitoringParams
from seglab.i18n import N_
from seglab.segmentation import SegmentModel

PERIOD_MONTHS = {"month": 1, "quarter": 3}
NOT_ACTIVE = i18n.N_("not active")
#: Why a source without dates is not monitored (no row of "What seglab assumed": nothing to monitor).
NO_HISTORY = i18n.N_("a customer-level source has no history over time: nothing to monitor")


class MonitoringUnavailable(ValueError):
    """The data has no history over time (a customer-level source) or is shorter than one period
    (its argument: why, a note said where shown).
    """

    def __str__(self) -> str:
        """Why, in the reader's language."""
        return i18n.say(self.args[0]) if self.args else ""


#: Where monitoring periods start and end (``monitoring.calendar`` once ``auto`` is decided).
PERIOD_CALENDARS = ("as_of", "gregorian", "jalali")


def period_calendar(params, quality: dict | None = None) -> str:
    """The calendar of a run's monitoring periods (:data:`PERIOD_CALENDARS`): ``monitoring.calendar``,
    or for ``auto`` jalali when the source's dates are Jalali (the business keeps its figures in
    that calendar), else as_of. The source's calendar is the one stage 01 read the dates in
    (``quality``: its record, ``calendar``), else ``cleaning.calendar`` of ``params`` (the run's
    :class:`seglab.config.Params`). Never the report's language or calendar: the periods are data,
    the same bytes in every language the run is made or rendered in (a page says, in the reader's
    calendar, which periods these are and the line that changes them).
    """
    chosen = params.monitoring.calendar
    if chosen != "auto":
        return chosen
    source = (quality or {}).get("calendar") or params.cleaning.calendar
    return "jalali" if source == "jalali" else "as_of"


def _start_of(day: _dt.date, months: int, calendar: str) -> _dt.date:
    """The first day of the calendar period of ``months`` holding ``day`` (Gregorian date)."""
    if calendar == "jalali":
        j = jdatetime.date.fromgregorian(date=day)
        return jdatetime.date(j.year, (j.month - 1) // months * months + 1, 1).togregorian()
    return _dt.date(day.year, (day.month - 1) // months * months + 1, 1)


def _next_start(start: _dt.date, months: int, calendar: str) -> _dt.date:
    """The first day of the calendar period after the one starting on ``start``."""
    if calendar == "jalali":
        j = jdatetime.date.fromgregorian(date=start)
        years, month = divmod(j.month - 1 + months, 12)
        return jdatetime.date(j.year + years, month + 1, 1).togregorian()
    years, month = divmod(start.month - 1 + months, 12)
    return _dt.date(start.year + years, month + 1, 1)


def calendar_periods(first, last, period: str, calendar: str = "as_of") -> pd.DataFrame:
    """The periods that hold the days from ``first`` to ``last`` (both included), oldest first:
    ``start`` and ``end`` (days, both included, clipped to ``first`` .. ``last``: every day is in
    exactly one) and ``whole`` (the whole period lies within). ``calendar``
    (:data:`PERIOD_CALENDARS`): as_of counts periods of ``period`` back from ``last``; gregorian
    and jalali are the quarters (Jalali: the seasons) or months of that calendar (Jalali dates by
    ``jdatetime``).
    """
    if calendar not in PERIOD_CALENDARS:
        raise ValueError(f"monitoring.calendar: '{calendar}' is not one of {', '.join(PERIOD_CALENDARS)}")
    first, last = pd.Timestamp(first).normalize(), pd.Timestamp(last).normalize()
    months = PERIOD_MONTHS[period]
    rows = []
    if calendar == "as_of":
        end, i = last, 0
        while end >= first:
            start = last - pd.DateOffset(months=months * (i + 1)) + pd.Timedelta(days=1)
            rows.append((max(start, first), end, start >= first))
            i += 1
            end = pd.Timestamp(start - pd.Timedelta(days=1))
        rows.reverse()
    else:
        start = _start_of(first.date(), months, calendar)
        while pd.Timestamp(start) <= last:
            after = _next_start(start, months, calendar)
            s, e = pd.Timestamp(start), pd.Timestamp(after) - pd.Timedelta(days=1)
            rows.append((max(s, first), min(e, last), s >= first and e <= last))
            start = after
    return pd.DataFrame(rows, columns=["start", "end", "whole"]).astype(
        {"start": "datetime64[ns]", "end": "datetime64[ns]", "whole": bool}
    )


def period_ends(first: pd.Timestamp, as_of: pd.Timestamp, period: str, calendar: str = "as_of") -> list[pd.Timestamp]:
    """End dates (inclusive) of the whole periods between ``first`` and ``as_of``, oldest first
    (:func:`calendar_periods`).
    """
    p = calendar_periods(first, as_of, period, calendar)
    return [pd.Timestamp(e) for e in p.loc[p["whole"], "end"]]


def window_days(feature_params: FeatureParams, first: pd.Timestamp, as_of: pd.Timestamp) -> int:
    """W, the trailing window every period's customers are assigned from: the model's own window
    (:func:`seglab.features.resolve_window`); with ``features.window_days: all``, the whole history.
    """
    days = feature_building.resolve_window(first, as_of, feature_params)
    return days if days is not None else (pd.Timestamp(as_of) - pd.Timestamp(first)).days + 1


@dataclass(frozen=True)
class Inputs:
    """What monitoring tracks (stage 06, and stage 05 for growth): the run's canonical tables
    (DataFrames or Parquet paths), the ``features`` parameters (the model's window, the engine),
    stage 01's quality record (or None), the frozen model of stage 03, the ``monitoring``
    parameters, the as-of date (None or NaT: the data has no history over time) and the calendar
    of the periods (:func:`period_calendar`: ``monitoring.calendar`` with ``auto`` decided; the
    ``monitoring.calendar`` of ``params``, when not ``auto``, wins).
    """

    tables: dict
    feature_params: FeatureParams
    quality: dict | None
    model: SegmentModel
    params: MonitoringParams
    as_of: pd.Timestamp | None
    calendar: str = "as_of"

    @property
    def period_calendar(self) -> str:
        """The calendar of the periods (:data:`PERIOD_CALENDARS`)."""
        return self.params.calendar if self.params.calendar != "auto" else self.calendar


def track(inputs: Inputs) -> pd.DataFrame:
    """Every active customer of every period with its segment by the frozen model.

    Returns period_end (a date), customer_id, segment, value (net value in the period), sorted
    by period and customer; ``attrs``: ``window_days``, ``periods`` (every period tracked,
    also one where nobody was active), ``first`` (the first transaction's day), ``as_of``,
    ``calendar`` (of the periods: :func:`calendar_periods`) and ``calendar_auto`` (whether
    ``monitoring.calendar: auto`` chose it). Only whole periods are tracked.
    Raises :class:`MonitoringUnavailable` without transactions or with less than one complete
    period of history.
    """
    tables, feature_params, params, model = inputs.tables, inputs.feature_params, inputs.params, inputs.model
    if "transactions" not in tables:
        raise MonitoringUnavailable(i18n.as_term(NO_HISTORY))
    tx = tables["transactions"]
    first = feature_building.transaction_day(tx, "min", feature_params)
    as_of = pd.Timestamp(inputs.as_of).normalize()
    w = window_days(feature_params, first, as_of)
    calendar = inputs.period_calendar
    whole = calendar_periods(first, as_of, params.period, calendar).query("whole")
    whole = whole[whole["end"] - pd.Timedelta(days=w - 1) >= first]
    ends = [pd.Timestamp(e) for e in whole["end"]]
    if not ends:
        raise MonitoringUnavailable(
            i18n.Note.of(
                N_(
                    "the history (%(first)s to %(last)s) holds no %(period)s with a whole %(days)s-day window of "
                    "behaviour before its end: set monitoring.period to month or a shorter features.window_days"
                ),
                first=i18n.as_date(first),
                last=i18n.as_date(as_of),
                period=i18n.as_term(PERIOD_WORD[params.period]),
                days=w,
            )
        )
    bounds = [
        (pd.Timestamp(s) - pd.Timedelta(days=1), pd.Timestamp(e))
        for s, e in zip(whole["start"], whole["end"], strict=True)
    ]
    activity = feature_building.period_activity(tx, bounds, feature_params)
    active = activity[activity["bought"]]
    # the model's window, fixed at its length at the model's date (all history stays all history: only
    # the last period has it whole)
    windowed = feature_building.fixed_window(feature_params, first, as_of)
    built = feature_building.build_many(tables, windowed, ends, inputs.quality)  # every period end in one pass
    parts = []
    for end, b in zip(ends, built, strict=True):
        feats = b.features
        who = active[active["period_end"] == end]
        rows = feats[feats["customer_id"].isin(who["customer_id"])]
        seg = pd.DataFrame(
            {"customer_id": rows["customer_id"].to_numpy(), "segment": model.assign(rows).astype("int64")}
        )
        parts.append(who.merge(seg, on="customer_id", how="inner", validate="one_to_one"))
    out = pd.concat(parts, ignore_index=True)[["period_end", "customer_id", "segment", "value"]]
    out = out.sort_values(["period_end", "customer_id"], kind="mergesort").reset_index(drop=True)
    out.attrs["window_days"] = w
    out.attrs["periods"] = list(ends)
    out.attrs["first"], out.attrs["as_of"] = first, as_of
    out.attrs["calendar"], out.attrs["calendar_auto"] = calendar, params.calendar == "auto"
    return out


#: The last tracking of this process (a run's kernel): stage 05 tracks the periods for growth,
#: stage 06 shows them; in one ``seglab run`` it is computed once. Keyed by the input files (path,
#: size, modification time), the parameters, the model and the as-of date.
_LAST_TRACKED: dict[tuple, pd.DataFrame] = {}


def _tracking_key(inputs: Inputs) -> tuple | None:
    """What a tracking depends on; None for tables in memory (not remembered)."""
    files = []
    for name, table in sorted(inputs.tables.items()):
        if isinstance(table, pd.DataFrame):
            return None
        st = Path(table).stat()
        files.append((name, str(table), st.st_size, st.st_mtime_ns))
    return (
        tuple(files),
        inputs.feature_params.model_dump_json(),
        inputs.params.model_dump_json(),
        inputs.model.to_text(),
        str(pd.Timestamp(inputs.as_of)),
        inputs.period_calendar,
    )


def attempt(inputs: Inputs) -> tuple[pd.DataFrame | None, str]:
    """:func:`track`, or None and the reason when the data has no history to monitor. The same
    tracking asked again in the same process (stage 06 after stage 05 in ``seglab run``) is not
    computed again.
    """
    if inputs.as_of is None or pd.isna(inputs.as_of):
        return None, i18n.as_term(NO_HISTORY)
    key = _tracking_key(inputs)
    if key is not None and key in _LAST_TRACKED:
        return _LAST_TRACKED[key].copy(), ""
    try:
        out = track(inputs)
    except MonitoringUnavailable as exc:
        return None, exc.args[0]  # (a note: said where shown)
    if key is not None:
        _LAST_TRACKED.clear()
        _LAST_TRACKED[key] = out.copy()
    return out, ""


def sizes(assigned: pd.DataFrame, segments: list[int]) -> pd.DataFrame:
    """Per period and segment: active customers, net value, and their shares of the period
    (every period tracked: one where nobody was active counts zero).
    """
    g = assigned.groupby(["period_end", "segment"]).agg(customers=("customer_id", "size"), value=("value", "sum"))
    periods = sorted(set(assigned.attrs.get("periods") or []) | set(assigned["period_end"].unique()))
    g = g.reindex(pd.MultiIndex.from_product([periods, segments], names=["period_end", "segment"]), fill_value=0)
    g = g.reset_index()
    tot = g.groupby("period_end")[["customers", "value"]].transform("sum")
    g["customer_share"] = g["customers"] / tot["customers"].where(tot["customers"] > 0)
    g["value_share"] = g["value"] / tot["value"].where(tot["value"] != 0)
    g["customers"] = g["customers"].astype("int64")
    return g


def migration(assigned: pd.DataFrame) -> pd.DataFrame:
    """For each pair of consecutive periods: customers from a segment (or "not active") to a
    segment (or "not active"), with the share of the "from" group. Segments are written as
    their numbers (text, so that "not active" fits in the same column).
    """
    periods = sorted(assigned["period_end"].unique())
    # customers as integer codes: the joins compare numbers, not texts
    coded = pd.DataFrame(
        {
            "period_end": assigned["period_end"].to_numpy(),
            "customer": pd.factorize(assigned["customer_id"])[0],
            "segment": assigned["segment"].to_numpy(),
        }
    )
    by_period = dict(tuple(coded.groupby("period_end")[["customer", "segment"]]))
    rows = []
    for a, b in zip(periods[:-1], periods[1:], strict=True):
        m = by_period[a].merge(by_period[b], on="customer", how="outer", suffixes=("_from", "_to"))
        # counted on the numbers (0 = not active), then the few pairs named: no work per customer in Python
        pairs = m[["segment_from", "segment_to"]].fillna(0).astype("int64")
        c = pairs.groupby(["segment_from", "segment_to"]).size().rename("customers").reset_index()
        c.insert(0, "from_segment", _state_names(c.pop("segment_from")))
        c.insert(1, "to_segment", _state_names(c.pop("segment_to")))
        c = c.sort_values(["from_segment", "to_segment"], kind="mergesort").reset_index(drop=True)
        c.insert(0, "to_period", pd.Timestamp(b).date())
        c.insert(0, "from_period", pd.Timestamp(a).date())
        rows.append(c)
    if not rows:
        return pd.DataFrame(
            columns=["from_period", "to_period", "from_segment", "to_segment", "customers", "share_of_from"]
        )
    out = pd.concat(rows, ignore_index=True)
    out["share_of_from"] = out["customers"] / out.groupby(["from_period", "from_segment"])["customers"].transform("sum")
    return out


def _state_names(segments: pd.Series) -> pd.Series:
    """Segment numbers as text, 0 as "not active"."""
    return pd.Series(np.where(segments == 0, NOT_ACTIVE, segments.astype(str)), index=segments.index, dtype=str)


def _state_order(states) -> list[str]:
    nums = sorted(int(s) for s in states if s != NOT_ACTIVE)
    return [str(n) for n in nums] + ([NOT_ACTIVE] if NOT_ACTIVE in set(states) else [])


def migration_matrix(mig: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All consecutive period pairs summed: counts (from x to) and row shares. The "not active"
    to "not active" cell is empty by construction (such customers are in neither period).
    """
    counts = mig.pivot_table(
        index="from_segment", columns="to_segment", values="customers", aggfunc="sum", fill_value=0
    )
    order = _state_order(set(counts.index) | set(counts.columns))
    counts = counts.reindex(index=order, columns=order, fill_value=0).astype("int64")
    shares = counts.div(counts.sum(axis=1).where(counts.sum(axis=1) > 0), axis=0)
    return counts, shares


def retention(mig: pd.DataFrame) -> pd.DataFrame:
    """Per segment, over all period pairs: share of its active customers who are in the same
    segment next period, in another segment, or not active.
    """
    m = mig[mig["from_segment"] != NOT_ACTIVE]
    tot = m.groupby("from_segment")["customers"].sum()
    same = m[m["from_segment"] == m["to_segment"]].groupby("from_segment")["customers"].sum()
    gone = m[m["to_segment"] == NOT_ACTIVE].groupby("from_segment")["customers"].sum()
    out = pd.DataFrame(
        {
            "stay": same.reindex(tot.index, fill_value=0) / tot,
            "not_active_next": gone.reindex(tot.index, fill_value=0) / tot,
        }
    )
    out["moves"] = 1 - out["stay"] - out["not_active_next"]
    out.index = out.index.astype(int)
    return out.sort_index().rename_axis("segment").reset_index()


#: The shortest window of behaviour seglab suggests for comparing periods a year apart.
MIN_SUGGESTED_WINDOW = 90


#: The period lengths as readers see them.
PERIOD_WORD = {"month": i18n.N_("month"), "quarter": i18n.N_("quarter")}
PERIOD_WORDS = {"month": i18n.N_("months"), "quarter": i18n.N_("quarters")}
