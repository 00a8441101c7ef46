"""Monitoring over time: who is in which segment, period after period, with the frozen model.

Method (documented in the README, "How it works"):

* the history is cut into periods of ``monitoring.period`` (month or quarter) by
  ``monitoring.calendar`` (:func:`calendar_periods`): counted back from the run's as-of date T
  (``as_of``: (T - 1 period, T], (T - 2 periods, T - 1 period], ..., so the last period ends on
  the model's date), or the whole quarters/months of the Gregorian calendar or the whole seasons/
  months of the Jalali calendar (``gregorian``, ``jalali``: the days after the last whole one are
  in no period yet, and said). ``auto`` (:func:`period_calendar`) is jalali when the source's
  dates are Jalali (``cleaning.calendar``, as stage 01 read them), else as_of: never the
  report's language, so the periods are data, the same in every language the run is read in,
  labelled where shown (a period's name only in its own calendar, else its last day);
* in each period, the **active customers** are those with a purchase line in it; each is
  assigned to a segment by the frozen model of stage 03 from its features at the period's end
  over a **trailing window of the same length W for every period**: the model's own window
  (:func:`seglab.features.resolve_window`: ``features.window_days``, else a year, or half the
  history when shorter), so in a period ending at T (as_of) every customer gets exactly the model's
  segment. Nothing after
  the period's end and nothing before the window is used, and a period is kept only when a whole
  window of history lies before its end, so a rising share is movement between segments, not a
  longer history making customers look more loyal;
* per period and segment: active customers, net value (revenue minus returns in the period);
* **migration**: for each pair of consecutive periods, customers from their segment (or
  "not active") in the first to their segment (or "not active") in the second;
* **growth** separates movement, the base and the season. The last ``growth_window_months`` of
  periods are compared with the same periods a year earlier when those are tracked (year over
  year: the same season), else with as many periods just before; those fall in different seasons
  (their calendar months differ), and the run says that seasonal effects cannot be separated.
  Per segment: the mean active customers per period and their change, and the segment's **share
  of the active customers** (pooled over the periods compared) and its change. The change of
  the whole active base is reported once. The **growth rate** is the relative change of the share
  (clipped to -100 % .. +300 %; +300 % for a segment with nobody before; unknown for one with
  nobody in either, or when nobody at all is active). Its interval comes from ``bootstrap``
  seeded resamples of each period's active customers (a multinomial draw of the period's customers
  over the segments): a segment is *growing* when its growth rate is above ``grow_above`` and the
  ``confidence`` interval of its change of share lies above 0, *shrinking* below ``shrink_below``
  with the interval below 0, else *stable*. Stage 05 uses this growth rate on the attractiveness
  axis.

The modules, lowest first: ``tracking`` (segments over time, sizes, migration, retention),
``words`` (growth in words), ``change`` (growth and what the matrix reads), ``trends`` (what
stage 06 shows).
"""

from __future__ import annotations

from seglab.monitoring.change import (
    GROWTH_CAP,
    GROWTH_COLUMNS,
    Comparison,
    Growth,
    compare,
    flags,
    growth,
    growth_for_matrix,
    growth_text,
    history,
    matrix_growth,
    matrix_text,
    segment_growth,
    share_change,
    untracked,
)
from seglab.monitoring.tracking import (
    MIN_SUGGESTED_WINDOW,
    NO_HISTORY,
    NOT_ACTIVE,
    PERIOD_CALENDARS,
    PERIOD_MONTHS,
    PERIOD_WORD,
    PERIOD_WORDS,
    Inputs,
    MonitoringUnavailable,
    attempt,
    calendar_periods,
    migration,
    migration_matrix,
    period_calendar,
    period_ends,
    retention,
    sizes,
    track,
    window_days,
)
from seglab.monitoring.trends import (
    PERIOD_KINDS,
    Summary,
    calendar_text,
    periods_text,
    shown_trend,
    sizes_wide,
    summarise,
    trend_text,
)
from seglab.monitoring.words import (
    assumptions,
    base_text,
    change_text,
    comparison_text,
    rule_text,
    season_caveat,
    unknown_text,
    within_noise,
)

__all__ = [
    "Comparison",
    "GROWTH_CAP",
    "GROWTH_COLUMNS",
    "Growth",
    "Inputs",
    "MIN_SUGGESTED_WINDOW",
    "MonitoringUnavailable",
    "NOT_ACTIVE",
    "PERIOD_CALENDARS",
    "PERIOD_KINDS",
    "NO_HISTORY",
    "PERIOD_MONTHS",
    "PERIOD_WORD",
    "PERIOD_WORDS",
    "Summary",
    "assumptions",
    "attempt",
    "base_text",
    "calendar_periods",
    "calendar_text",
    "change_text",
    "compare",
    "comparison_text",
    "flags",
    "growth",
    "growth_for_matrix",
    "growth_text",
    "history",
    "matrix_growth",
    "matrix_text",
    "migration",
    "migration_matrix",
    "period_calendar",
    "period_ends",
    "periods_text",
    "retention",
    "rule_text",
    "season_caveat",
    "segment_growth",
    "share_change",
    "shown_trend",
    "sizes",
    "sizes_wide",
    "summarise",
    "track",
    "trend_text",
    "unknown_text",
    "untracked",
    "window_days",
    "within_noise",
]
