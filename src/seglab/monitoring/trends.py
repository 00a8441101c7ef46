"""What stage 06 shows: the summary of a tracking, the trend table, the periods and the trend in
words.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from seglab import i18n
from seglab.config import Monitoring as MonitoringParams
from seglab.monitoring.change import growth, history
from seglab.monitoring.tracking import PERIOD_WORDS, migration, migration_matrix, retention, sizes
from seglab.monitoring.words import (
    base_text,
    change_text,
    comparison_text,
    rule_text,
    season_caveat,
    unknown_text,
    within_noise,
)
from seglab.text import esc
from seglab.vocabulary import segment_label


@dataclass
class Summary:
    """Everything stage 06 shows."""

    sizes: pd.DataFrame  # period_end, segment, customers, value, shares
    trend: pd.DataFrame  # segment, persona, GROWTH_COLUMNS, stay, moves, not_active_next
    info: dict  # what growth compared (Growth.info)
    migration: pd.DataFrame  # long: from_period, to_period, from_segment, to_segment, customers, share_of_from
    counts: pd.DataFrame  # from x to, all period pairs
    shares: pd.DataFrame


def summarise(
    assigned: pd.DataFrame, segments: list[int], names: dict[int, str], params: MonitoringParams, seed: int
) -> Summary:
    """Everything stage 06 shows from the tracked periods: sizes, growth, migration, retention."""
    size_table = sizes(assigned, segments)
    g = growth(size_table, params, seed, history(assigned))
    mig = migration(assigned)
    counts, shares = migration_matrix(mig) if len(mig) else (pd.DataFrame(), pd.DataFrame())
    trend = g.table.reindex(segments).rename_axis("segment").reset_index()
    trend.insert(1, "persona", [names.get(s, "") for s in segments])
    if len(mig):
        trend = trend.merge(retention(mig), on="segment", how="left")
    return Summary(size_table, trend, g.info, mig, counts, shares)


def shown_trend(trend: pd.DataFrame) -> pd.DataFrame:
    """The growth table for people: the change of share and its interval in percentage points (the
    interval as one column, "-0.2 to +1.2"), without the mean customers per period (the table of
    active customers per period is beside it).
    """
    out = trend.drop(columns=["customers_base", "customers_recent"], errors="ignore")
    if "share_change" not in out:
        return out
    low, high = 100 * out.pop("share_change_low"), 100 * out.pop("share_change_high")
    interval = [
        i18n._("%(low)s to %(high)s") % {"low": i18n.number(lo, 1, sign=True), "high": i18n.number(hi, 1, sign=True)}
        if not (pd.isna(lo) or pd.isna(hi))
        else "–"
        for lo, hi in zip(low, high, strict=True)
    ]
    out = out.assign(share_change=100 * out["share_change"])
    out.insert(out.columns.get_loc("share_change") + 1, "share_change_interval", interval)
    return out


def sizes_wide(size_table: pd.DataFrame, names: dict[int, str]) -> pd.DataFrame:
    """Active customers per period (rows, ``period_end`` as a date) and segment (columns named
    ``S<n> <persona>``).
    """
    wide = size_table.pivot(index="period_end", columns="segment", values="customers")
    wide = wide.rename(index=i18n.date, columns=lambda s: segment_label(s, names.get(s, "")))
    return wide.rename_axis("period_end").reset_index()


#: The periods of each ``monitoring.calendar`` (and ``monitoring.period``), as readers see them.
PERIOD_KINDS = {
    ("jalali", "quarter"): i18n.N_("Jalali seasons"),
    ("jalali", "month"): i18n.N_("Jalali months"),
    ("gregorian", "quarter"): i18n.N_("calendar quarters"),
    ("gregorian", "month"): i18n.N_("calendar months"),
}


def calendar_text(attrs: dict, period: str) -> str:
    """Which periods these are (calendar periods, with the parameter that changes them) and the
    days after the last one up to the as-of date, in no period yet; for periods counted back from
    the as-of date (the last ends on it) only to a reader of Jalali dates, who may expect seasons
    ("" to others). ``attrs``: the tracking's (:func:`seglab.monitoring.track`).
    """
    calendar = attrs.get("calendar", "as_of")
    if not attrs.get("periods"):
        return ""
    if calendar == "as_of":
        if i18n.reader().calendar_used != "jalali":
            return ""
        return i18n._(
            "The periods are counted back from the as-of date, not Jalali seasons or months "
            "(monitoring.calendar: jalali makes each period a whole one)."
        )
    text = i18n._(
        "Each period is one of the %(kind)s (monitoring.calendar: %(calendar)s; as_of counts them back from "
        "the as-of date)."
    ) % {"kind": i18n._(PERIOD_KINDS[calendar, period]), "calendar": calendar}
    last = pd.Timestamp(max(pd.Timestamp(p) for p in attrs["periods"]))
    days = (pd.Timestamp(attrs["as_of"]) - last).days
    if days > 0:
        text += " " + i18n.ngettext(
            "The %(n)s day after %(end)s up to the as-of date is in no period yet.",
            "The %(n)s days after %(end)s up to the as-of date are in no period yet.",
            days,
        ) % {"n": i18n.number(days), "end": i18n.date(last)}
    return text


def periods_text(assigned: pd.DataFrame, period: str) -> str:
    """How many periods were tracked, from when to when, with how many active customers each,
    and for calendar periods which (:func:`calendar_text`).
    """
    per = assigned.groupby("period_end").size()
    calendar = calendar_text(assigned.attrs, period)
    return _tracked_text(per, period) + (i18n._(".") + " " + calendar if calendar else "")


def _tracked_text(per: pd.Series, period: str) -> str:
    """How many periods (``per``: active customers per period end), from when to when."""
    return i18n.ngettext(
        "%(n)s period (%(length)s) ending %(first)s to %(last)s; %(low)s to %(high)s active customers per period",
        "%(n)s periods (%(length)s) ending %(first)s to %(last)s; %(low)s to %(high)s active customers per period",
        len(per),
    ) % {
        "n": i18n.number(len(per)),
        "length": i18n.term(PERIOD_WORDS.get(period, period)),
        "first": i18n.date(per.index[0]),
        "last": i18n.date(per.index[-1]),
        "low": i18n.number(per.min()),
        "high": i18n.number(per.max()),
    }


def trend_text(s: Summary) -> str:
    """Growth in words (Markdown): what was compared, the whole base, the seasons, the rule, and
    each segment that grows or shrinks, or changed within what resampling explains.
    """
    info = s.info
    if not info.get("compared") or info.get("unknown"):
        return unknown_text(info)
    lines = [comparison_text(info), "", base_text(info)]
    caveat = season_caveat(info)
    if caveat:
        lines += ["", f"**{caveat}**"]
    lines += ["", rule_text(info), ""]
    rows = s.trend.to_dict("records")
    if not any(r["trend"] in ("growing", "shrinking") for r in rows):
        lines.append(
            "- " + i18n._("No segment's share of the active customers grows or shrinks beyond the thresholds.")
        )
    for r in rows:
        name = f"**S{r['segment']} {esc(i18n.term(r['persona']))}**"
        if r["trend"] in ("growing", "shrinking"):
            lines.append(
                f"- {name} "
                + i18n._("is **%(trend)s**:") % {"trend": i18n.term(r["trend"])}
                + " "
                + change_text(r, info)
                + "."
            )
        elif within_noise(r, info):
            lines.append(
                f"- {name} "
                + i18n._("is not flagged: the change is within what resampling explains:")
                + " "
                + change_text(r, info)
                + "."
            )
    return "\n".join(lines)
