"""Monitoring over time: who is in which segment, period after period, with the frozen model.

Method (documented in the README, "How it works"):

* the history is cut into periods of ``monitoring.period`` (month or quarter) counted back from
  the run's as-of date T: (T - 1 period, T], (T - 2 periods, T - 1 period], ... so the last
  period is complete;
* in each period, the **active customers** are those with a purchase line in it; each is
  assigned to a segment by the frozen model of stage 03 from its features at the period's end
  over a **trailing window of the same length W for every period** (the same feature definitions
  with ``as_of`` = period end and ``window_days`` = W: nothing after the end and nothing before
  the window is used). W is ``monitoring.window_days``, else ``features.window_days``, else 365
  days, or half the history when that is shorter. A period is kept only when a whole window of
  history lies before its end, so a rising share is movement between segments, not a longer
  history making customers look more loyal;
* per period and segment: active customers, net value (revenue minus returns in the period);
* **migration**: for each pair of consecutive periods, customers from their segment (or
  "not active") in the first to their segment (or "not active") in the second;
* **growth** of a segment: mean active customers per period over the last
  ``growth_window_months`` vs the same span before, minus 1 (clipped to -1..3; +100 % when the
  segment had nobody before); it is *growing* above ``grow_above`` and *shrinking* below
  ``shrink_below``. Stage 05 uses this growth on the attractiveness axis.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from seglab import features as feature_building
from seglab import i18n
from seglab.config import Features as FeatureParams
from seglab.config import Monitoring as MonitoringParams
from seglab.segment import SegmentModel
from seglab.text import esc

PERIOD_MONTHS = {"month": 1, "quarter": 3}
NOT_ACTIVE = i18n.N_("not active")


class MonitoringUnavailable(ValueError):
    """The data has no history over time (a customer-level source) or is shorter than one period."""


def period_ends(first: pd.Timestamp, as_of: pd.Timestamp, period: str) -> list[pd.Timestamp]:
    """End dates (inclusive) of the complete periods between ``first`` and ``as_of``, oldest first."""
    step = PERIOD_MONTHS[period]
    ends = []
    i = 0
    while True:
        end = as_of - pd.DateOffset(months=step * i)
        start = as_of - pd.DateOffset(months=step * (i + 1))  # exclusive
        if start + pd.Timedelta(days=1) < first:
            break
        ends.append(pd.Timestamp(end).normalize())
        i += 1
    return ends[::-1]


def window_days(
    feature_params: FeatureParams, params: MonitoringParams, first: pd.Timestamp, as_of: pd.Timestamp
) -> int:
    """W, the trailing window every period's customers are assigned from (see the module doc)."""
    if params.window_days:
        return params.window_days
    if feature_params.window_days:
        return feature_params.window_days
    history = (pd.Timestamp(as_of) - pd.Timestamp(first)).days + 1
    return max(1, min(365, history // 2))


def track(
    tables: dict,
    feature_params: FeatureParams,
    quality: dict | None,
    model: SegmentModel,
    params: MonitoringParams,
    as_of: pd.Timestamp,
) -> pd.DataFrame:
    """Every active customer of every period with its segment by the frozen model.

    Returns period_end (a date), customer_id, segment, value (net value in the period), sorted
    by period and customer; ``attrs``: ``window_days`` and ``periods`` (every period tracked,
    also one where nobody was active). Raises :class:`MonitoringUnavailable` without
    transactions or with less than one complete period of history.
    """
    if "transactions" not in tables:
        raise MonitoringUnavailable("a customer-level source has no history over time: nothing to monitor")
    tx = tables["transactions"]
    first = feature_building.transaction_day(tx, "min", feature_params)
    as_of = pd.Timestamp(as_of).normalize()
    w = window_days(feature_params, params, first, as_of)
    ends = [e for e in period_ends(first, as_of, params.period) if e - pd.Timedelta(days=w - 1) >= first]
    if not ends:
        raise MonitoringUnavailable(
            i18n._(
                "the history (%(first)s to %(last)s) holds no %(period)s with a whole %(days)s-day window of "
                "behaviour before its end: set monitoring.period to month or a shorter monitoring.window_days"
            )
            % {
                "first": i18n.date(first),
                "last": i18n.date(as_of),
                "period": i18n._(PERIOD_WORD[params.period]),
                "days": i18n.number(w),
            }
        )
    step = pd.DateOffset(months=PERIOD_MONTHS[params.period])
    activity = feature_building.period_activity(tx, [(end - step, end) for end in ends], feature_params)
    active = activity[activity["bought"]]
    windowed = feature_params.model_copy(update={"window_days": w})
    built = feature_building.build_many(tables, windowed, ends, quality)  # every period end in one pass
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
    return out


#: The last tracking of this process (a run's kernel): stage 05 tracks the periods for growth,
#: stage 06 shows them; in one ``seglab run`` it is computed once. Keyed by the input files (path,
#: size, modification time), the parameters, the model and the as-of date.
_LAST_TRACKED: dict[tuple, pd.DataFrame] = {}


def _tracking_key(
    tables: dict, feature_params: FeatureParams, model: SegmentModel, params: MonitoringParams, as_of
) -> tuple | None:
    """What a tracking depends on; None for tables in memory (not remembered)."""
    files = []
    for name, table in sorted(tables.items()):
        if isinstance(table, pd.DataFrame):
            return None
        st = Path(table).stat()
        files.append((name, str(table), st.st_size, st.st_mtime_ns))
    return (
        tuple(files),
        feature_params.model_dump_json(),
        params.model_dump_json(),
        model.to_text(),
        str(pd.Timestamp(as_of)),
    )


def attempt(
    tables: dict,
    feature_params: FeatureParams,
    quality: dict | None,
    model: SegmentModel,
    params: MonitoringParams,
    as_of,
) -> tuple[pd.DataFrame | None, str]:
    """:func:`track`, or None and the reason when the data has no history to monitor. The same
    tracking asked again in the same process (stage 06 after stage 05 in ``seglab run``) is not
    computed again.
    """
    if as_of is None or pd.isna(as_of):
        return None, i18n._("a customer-level source has no history over time: nothing to monitor")
    key = _tracking_key(tables, feature_params, model, params, as_of)
    if key is not None and key in _LAST_TRACKED:
        return _LAST_TRACKED[key].copy(), ""
    try:
        out = track(tables, feature_params, quality, model, params, pd.Timestamp(as_of))
    except MonitoringUnavailable as exc:
        return None, str(exc)
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


def growth(size_table: pd.DataFrame, months: int, period: str) -> tuple[pd.Series, str]:
    """Growth rate per segment (see the module doc) and a sentence saying what was compared."""
    periods = sorted(size_table["period_end"].unique())
    n = max(1, round(months / PERIOD_MONTHS[period]))
    if len(periods) < 2:
        idx = sorted(size_table["segment"].unique())
        return pd.Series(np.nan, index=idx, name="growth_rate"), i18n._("one period only: growth is unknown")
    n = min(n, len(periods) // 2)
    wide = size_table.pivot(index="period_end", columns="segment", values="customers").sort_index()
    recent, before = wide.iloc[-n:].mean(), wide.iloc[-2 * n : -n].mean()
    rate = recent / before.where(before > 0) - 1
    rate = rate.fillna(pd.Series(np.where(recent > 0, 1.0, 0.0), index=recent.index)).clip(-1.0, 3.0)
    how = i18n.ngettext(
        "mean active customers per %(period)s in the last %(n)s %(period)s (to %(last)s) vs the %(n)s before "
        "(to %(before)s)",
        "mean active customers per %(period)s in the last %(n)s %(periods)s (to %(last)s) vs the %(n)s before "
        "(to %(before)s)",
        n,
    ) % {
        "period": i18n._(PERIOD_WORD[period]),
        "periods": i18n._(PERIOD_WORDS[period]),
        "n": i18n.number(n),
        "last": i18n.date(periods[-1]),
        "before": i18n.date(periods[-n - 1]),
    }
    return rate.rename("growth_rate"), how


def flags(rate: pd.Series, params: MonitoringParams) -> pd.Series:
    """Growing / shrinking / stable per segment (unknown without growth)."""
    out = np.where(rate > params.grow_above, "growing", np.where(rate < params.shrink_below, "shrinking", "stable"))
    return pd.Series(np.where(rate.isna(), "unknown", out), index=rate.index, name="trend")


def migration(assigned: pd.DataFrame) -> pd.DataFrame:
    """For each pair of consecutive periods: customers from a segment (or "not active") to a
    segment (or "not active"), with the share of the "from" group. Segments are written as
    their numbers (text, so that "not active" fits in the same column).
    """
    periods = sorted(assigned["period_end"].unique())
    rows = []
    for a, b in zip(periods[:-1], periods[1:], strict=True):
        left = assigned.loc[assigned["period_end"] == a, ["customer_id", "segment"]]
        right = assigned.loc[assigned["period_end"] == b, ["customer_id", "segment"]]
        m = left.merge(right, on="customer_id", how="outer", suffixes=("_from", "_to"))
        m["from_segment"] = m["segment_from"].map(lambda v: NOT_ACTIVE if pd.isna(v) else str(int(v)))
        m["to_segment"] = m["segment_to"].map(lambda v: NOT_ACTIVE if pd.isna(v) else str(int(v)))
        c = m.groupby(["from_segment", "to_segment"]).size().rename("customers").reset_index()
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


def growth_for_matrix(
    tables: dict,
    feature_params: FeatureParams,
    quality: dict | None,
    model: SegmentModel,
    params: MonitoringParams,
    as_of,
) -> tuple[pd.Series, str, int | None]:
    """The growth of each segment for the Boston matrix (stage 05), from the same tracking as stage
    06 shows (:func:`attempt`). Returns the rates, what was compared (or why growth is unknown)
    and the window of behaviour each period's customers were assigned from (None without periods).
    """
    segments = list(range(1, model.k + 1))
    assigned, why_not = attempt(tables, feature_params, quality, model, params, as_of)
    rate, how = segment_growth(assigned, segments, params, why_not)
    return rate, how, assigned.attrs["window_days"] if assigned is not None else None


def segment_growth(
    assigned: pd.DataFrame | None, segments: list[int], params: MonitoringParams, why_not: str = ""
) -> tuple[pd.Series, str]:
    """Growth rate per segment from the tracked periods and what was compared; NaN for every
    segment (and the reason) without tracking.
    """
    if assigned is None:
        return pd.Series(np.nan, index=segments, name="growth_rate"), i18n._("growth unknown: %(why)s") % {
            "why": why_not
        }
    return growth(sizes(assigned, segments), params.growth_window_months, params.period)


@dataclass
class Summary:
    """Everything stage 06 shows."""

    sizes: pd.DataFrame  # period_end, segment, customers, value, shares
    trend: pd.DataFrame  # segment, persona, growth_rate, trend, stay, moves, not_active_next
    how: str  # what growth compares
    migration: pd.DataFrame  # long: from_period, to_period, from_segment, to_segment, customers, share_of_from
    counts: pd.DataFrame  # from x to, all period pairs
    shares: pd.DataFrame


def summarise(assigned: pd.DataFrame, segments: list[int], names: dict[int, str], params: MonitoringParams) -> Summary:
    """Everything stage 06 shows from the tracked periods: sizes, growth, migration, retention."""
    size_table = sizes(assigned, segments)
    rate, how = growth(size_table, params.growth_window_months, params.period)
    mig = migration(assigned)
    counts, shares = migration_matrix(mig) if len(mig) else (pd.DataFrame(), pd.DataFrame())
    trend = pd.DataFrame(
        {
            "segment": segments,
            "persona": [names.get(s, "") for s in segments],
            "growth_rate": rate.reindex(segments).to_numpy(),
            "trend": flags(rate, params).reindex(segments).to_numpy(),
        }
    )
    if len(mig):
        trend = trend.merge(retention(mig), on="segment", how="left")
    return Summary(size_table, trend, how, mig, counts, shares)


def sizes_wide(size_table: pd.DataFrame, names: dict[int, str]) -> pd.DataFrame:
    """Active customers per period (rows, ``period_end`` as a date) and segment (columns named
    ``S<n> <persona>``).
    """
    wide = size_table.pivot(index="period_end", columns="segment", values="customers")
    wide = wide.rename(index=i18n.date, columns=lambda s: f"S{s} {i18n.term(names.get(s, ''))}")
    return wide.rename_axis("period_end").reset_index()


def trend_text(s: Summary, params: MonitoringParams) -> str:
    """The growth flags in words."""
    if s.trend["trend"].eq("unknown").all():
        return i18n._("Growth is unknown: %(how)s.") % {"how": s.how}
    lines = [
        i18n._("Growth = %(how)s; *growing* above %(above)s, *shrinking* below %(below)s.")
        % {
            "how": s.how,
            "above": i18n.percent(params.grow_above, sign=True),
            "below": i18n.percent(params.shrink_below, sign=True),
        }
    ]
    for _i, r in s.trend.iterrows():
        if r["trend"] in ("growing", "shrinking"):
            lines.append(
                f"- **S{r['segment']} {esc(i18n.term(r['persona']))}** "
                + i18n._("is **%(trend)s** (%(rate)s active customers).")
                % {"trend": i18n.term(r["trend"]), "rate": i18n.percent(r["growth_rate"], sign=True)}
            )
    if len(lines) == 1:
        lines.append("- " + i18n._("No segment grows or shrinks beyond the thresholds."))
    return "\n".join(lines)


def periods_text(assigned: pd.DataFrame, period: str) -> str:
    """How many periods were tracked, from when to when, with how many active customers each."""
    per = assigned.groupby("period_end").size()
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


#: The period lengths as readers see them.
PERIOD_WORD = {"month": i18n.N_("month"), "quarter": i18n.N_("quarter")}
PERIOD_WORDS = {"month": i18n.N_("months"), "quarter": i18n.N_("quarters")}
