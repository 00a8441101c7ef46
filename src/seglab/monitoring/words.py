"""Growth in words, from the growth record (monitoring.json), in the reader's language where shown:
what is compared, the base, the rule, the season caveat and the assumptions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from seglab import features as feature_building
from seglab import i18n
from seglab.i18n import N_
from seglab.monitoring.tracking import (
    MIN_SUGGESTED_WINDOW,
    NO_HISTORY,
    PERIOD_MONTHS,
    PERIOD_WORD,
    PERIOD_WORDS,
    period_ends,
)


# ---------------------------------------------------------------------------------------------
# growth in words: from Growth.info (monitoring.json), in the reader's language where shown
# ---------------------------------------------------------------------------------------------
def _words(info: dict, n: int) -> dict:
    period = info.get("period", "quarter")
    return {"n": i18n.number(n), "period": i18n._(PERIOD_WORD[period]), "periods": i18n._(PERIOD_WORDS[period])}


def unknown_text(info: dict) -> str:
    """Why growth is unknown, as a sentence."""
    if info.get("unknown") == "no_tracking":
        why = i18n.say(info.get("why_not") or N_("no periods tracked"))
        return i18n._("Growth is unknown: %(why)s.") % {"why": why}
    if info.get("unknown") == "nobody_active":
        return i18n._("Growth is unknown: nobody was active in the periods compared.")
    n = int(info.get("periods", 1))
    return i18n.ngettext(
        "Growth is unknown: only %(n)s period with a whole window of history: there is nothing to compare "
        "(a shorter monitoring.period or features.window_days gives more).",
        "Growth is unknown: only %(n)s periods with a whole window of history: there is nothing to compare "
        "(a shorter monitoring.period or features.window_days gives more).",
        n,
    ) % {"n": i18n.number(n)}


def comparison_text(info: dict) -> str:
    """What growth compared (or why it is unknown), as a sentence."""
    if not info.get("compared") or info.get("unknown"):
        return unknown_text(info)
    n = len(info["recent"])
    values = {**_words(info, n), "last": i18n.date(info["recent"][-1]), "before": i18n.date(info["base"][-1])}
    if info["year_over_year"]:
        return (
            i18n.ngettext(
                "Growth compares the last %(period)s (to %(last)s) with the same %(period)s a year earlier "
                "(to %(before)s): the same season, so a seasonal rise or fall of every segment is not growth.",
                "Growth compares the last %(n)s %(periods)s (to %(last)s) with the same %(n)s %(periods)s a year "
                "earlier (to %(before)s): the same seasons, so a seasonal rise or fall of every segment is not growth.",
                n,
            )
            % values
        )
    return (
        i18n.ngettext(
            "Growth compares the last %(period)s (to %(last)s) with the %(period)s before (to %(before)s).",
            "Growth compares the last %(n)s %(periods)s (to %(last)s) with the %(n)s %(periods)s before "
            "(to %(before)s).",
            n,
        )
        % values
    )


def base_text(info: dict) -> str:
    """How the whole active base changed between the periods compared ("" when growth is unknown)."""
    if not info.get("compared") or info.get("unknown"):
        return ""
    before, recent = info["active_base"]
    change = i18n.percent(recent / before - 1.0, sign=True) if before > 0 else "–"
    return i18n._(
        "Active customers per %(period)s, all segments together: %(before)s, then %(recent)s (%(change)s). "
        "A segment grows when its share of them grows, not when every segment rises with the whole base."
    ) % {
        **_words(info, 1),
        "before": i18n.number(before),
        "recent": i18n.number(recent),
        "change": change,
    }


def rule_text(info: dict) -> str:
    """What growing and shrinking mean ("" when growth is unknown)."""
    if not info.get("compared") or info.get("unknown"):
        return ""
    above, below = info["thresholds"]
    return i18n._(
        "Growing: the segment's share of the active customers rose by more than %(above)s and by more than "
        "resampling the customers explains (the %(confidence)s interval of the change lies above 0); shrinking: "
        "it fell by more than %(below)s and the interval lies below 0."
    ) % {
        "above": i18n.percent(above, sign=True),
        "below": i18n.percent(below, sign=True),
        "confidence": i18n.percent(info["confidence"]),
    }


def _year_back(info: dict) -> pd.Timestamp:
    return pd.Timestamp(info["as_of"]) - pd.DateOffset(months=12)


def season_caveat(info: dict) -> str:
    """When the periods compared fall in different seasons and none a year earlier is tracked: that
    seasonal effects cannot be separated, and what history would separate them ("" otherwise).
    """
    if not info.get("compared") or info.get("unknown") or info.get("same_season", True):
        return ""
    text = i18n._(
        "Seasons are not separated: the periods compared (to %(last)s and to %(before)s) fall in different "
        "seasons and no period a year earlier is tracked, so a seasonal change of every segment cannot be told "
        "from growth."
    ) % {"last": i18n.date(info["recent"][-1]), "before": i18n.date(info["base"][-1])}
    if info.get("first") and info.get("as_of"):
        days = (pd.Timestamp(info["as_of"]) - pd.Timestamp(info["first"])).days + 1
        text += " " + i18n.say(
            i18n.Note.of(
                N_(
                    "The history runs %(days)s days from %(first)s; with two years (data from %(date)s) each period "
                    "is compared with the same period a year earlier."
                ),
                days=days,
                first=i18n.as_date(info["first"]),
                date=i18n.as_date(_year_back(info) - pd.Timedelta(days=feature_building.YEAR_DAYS - 1)),
            )
        )
    return text


def _season_change(info: dict) -> i18n.Value | i18n.Note:
    """The line that makes the periods a year apart comparable, or the history it needs."""
    longest = (_year_back(info) - pd.Timestamp(info["first"])).days + 1  # the longest window a year back
    if longest >= MIN_SUGGESTED_WINDOW:
        return i18n.concat(
            f"features.window_days: {longest}  ",
            N_("(a shorter window for the model and monitoring: the periods a year earlier then have a whole window)"),
        )
    return i18n.Note.of(
        N_("(needs data: two years of history, from %(date)s)"),
        date=i18n.as_date(_year_back(info) - pd.Timedelta(days=feature_building.YEAR_DAYS - 1)),
    )


def _one_period_change(info: dict) -> i18n.Value:
    """The line that leaves two periods with a whole window to compare: for calendar periods
    (``monitoring.calendar``: gregorian, jalali) the longest window before the end of the
    second-last whole period of that calendar (quarters, else months), else periods counted back
    from the as-of date.
    """
    months = PERIOD_MONTHS[info.get("period", "quarter")]
    calendar = info.get("calendar", "as_of")
    if calendar == "as_of":
        return feature_building.two_periods_change(info["first"], info["as_of"], months)
    first = pd.Timestamp(info["first"])
    for period in dict.fromkeys((info.get("period", "quarter"), "month")):
        ends = period_ends(first, pd.Timestamp(info["as_of"]), period, calendar)
        longest = (ends[-2] - first).days + 1 if len(ends) >= 2 else 0
        if longest >= feature_building.MIN_TWO_PERIOD_WINDOW:
            line = f"features.window_days: {longest}"
            if period != info.get("period", "quarter"):
                line = f"monitoring.period: month, {line}"
            return i18n.concat(
                f"{line}  ", N_("(a shorter window for the model and monitoring leaves two periods to compare)")
            )
    counted_back = feature_building.two_periods_change(first, info["as_of"], months)
    if not any("window_days" in str(part) for part in counted_back.value):  # (needs data: even counted back)
        return counted_back
    return i18n.concat("monitoring.calendar: as_of, ", counted_back)


def _calendar_row(info: dict) -> list[dict]:
    """The row of "What seglab assumed" for calendar periods that ``monitoring.calendar: auto``
    chose (Jalali seasons or months, because the source's dates are Jalali): whole periods only.
    """
    calendar = info.get("calendar", "as_of")
    if calendar != "jalali" or not info.get("calendar_auto"):
        return []
    period = info.get("period", "quarter")
    return [
        {
            "stage": "06",
            "subject": N_("monitoring periods"),
            "assumed": N_("Jalali seasons") if period == "quarter" else N_("Jalali months"),
            "why": N_(
                "the source's dates are Jalali (cleaning.calendar: jalali): each period is a whole season or month of "
                "that calendar, so its figures compare with the business's own; the days after the last whole one "
                "are in no period yet"
            ),
            "change": "monitoring.calendar: as_of",
        }
    ]


def assumptions(info: dict) -> list[dict]:
    """Stage 06's rows of "What seglab assumed": Jalali periods that ``auto`` chose, seasons not
    separated, or growth unknown, each with the line that changes it (none for a source without
    dates: there is nothing to monitor).
    """
    return _calendar_row(info) + _growth_rows(info)


def _growth_rows(info: dict) -> list[dict]:
    """Stage 06's rows of "What seglab assumed" on growth (see :func:`assumptions`)."""
    subject = N_("growth over time")
    if info.get("unknown") == "no_tracking":
        why = info.get("why_not") or ""
        if not why or i18n.say(why) == i18n.say(NO_HISTORY):
            return []
        return [
            {
                "stage": "06",
                "subject": subject,
                "assumed": N_("unknown"),
                "why": why,
                "change": "monitoring.period: month",
            }
        ]
    if info.get("unknown") == "one_period" and info.get("first") and info.get("as_of"):
        return [
            {
                "stage": "06",
                "subject": subject,
                "assumed": N_("unknown: one period only"),
                "why": i18n.Note.of(
                    N_(
                        "one %(period)s ends with a whole %(window)s-day window of behaviour before "
                        "it: there is nothing "
                        "to compare"
                    ),
                    period=i18n.as_term(PERIOD_WORD[info.get("period", "quarter")]),
                    window=info["window_days"],
                ),
                "change": _one_period_change(info),
            }
        ]
    if season_caveat(info) and info.get("first"):
        return [
            {
                "stage": "06",
                "subject": subject,
                "assumed": i18n.Note.of(
                    N_("seasons not separated: the periods to %(last)s compared with those to %(before)s"),
                    last=i18n.as_date(info["recent"][-1]),
                    before=i18n.as_date(info["base"][-1]),
                ),
                "why": i18n.Note.of(
                    N_(
                        "no period a year earlier is tracked (the history runs %(days)s days from %(first)s), so a "
                        "seasonal change cannot be told from growth"
                    ),
                    days=(pd.Timestamp(info["as_of"]) - pd.Timestamp(info["first"])).days + 1,
                    first=i18n.as_date(info["first"]),
                ),
                "change": _season_change(info),
            }
        ]
    return []


def change_text(row: dict, info: dict) -> str:
    """A segment's change between the periods compared: its share of the active customers before
    and after, the growth rate and the interval of the change (in percentage points), and its
    active customers' change.
    """
    return i18n._(
        "share of the active customers %(before)s, then %(recent)s (%(rate)s; %(confidence)s interval of the "
        "change %(low)s to %(high)s points); active customers %(customers)s"
    ) % {
        "before": i18n.percent(row["share_base"], 1),
        "recent": i18n.percent(row["share_recent"], 1),
        "rate": i18n.percent(row["growth_rate"], sign=True),
        "confidence": i18n.percent(info.get("confidence", 0.95)),
        "low": i18n.number(100 * row["share_change_low"], 1, sign=True),
        "high": i18n.number(100 * row["share_change_high"], 1, sign=True),
        "customers": i18n.percent(row["customers_change"], sign=True),
    }


def within_noise(row: dict, info: dict) -> bool:
    """Whether a segment's share changed by more than the thresholds but not by more than
    resampling explains (so it is not flagged).
    """
    above, below = info.get("thresholds", (np.inf, -np.inf))
    rate = row.get("growth_rate")
    return row.get("trend") == "stable" and rate is not None and not pd.isna(rate) and not below <= rate <= above
