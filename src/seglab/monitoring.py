"""Monitoring over time: who is in which segment, period after period, with the frozen model.

Method (documented in the README, "How it works"):

* the history is cut into periods of ``monitoring.period`` (month or quarter) counted back from
  the run's as-of date T: (T - 1 period, T], (T - 2 periods, T - 1 period], ... so the last
  period is complete;
* in each period, the **active customers** are those with a purchase line in it; each is
  assigned to a segment by the frozen model of stage 03 from its features at the period's end
  over a **trailing window of the same length W for every period**: the model's own window
  (:func:`seglab.features.resolve_window`: ``features.window_days``, else a year, or half the
  history when shorter), so at T every customer gets exactly the model's segment. Nothing after
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
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from seglab import features as feature_building
from seglab import i18n, vocabulary
from seglab.config import Features as FeatureParams
from seglab.config import Monitoring as MonitoringParams
from seglab.i18n import N_
from seglab.segmentation import SegmentModel
from seglab.text import esc
from seglab.vocabulary import segment_label

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


def window_days(feature_params: FeatureParams, first: pd.Timestamp, as_of: pd.Timestamp) -> int:
    """W, the trailing window every period's customers are assigned from: the model's own window
    (:func:`seglab.features.resolve_window`); with ``features.window_days: all``, the whole history.
    """
    days = feature_building.resolve_window(first, as_of, feature_params)
    return days if days is not None else (pd.Timestamp(as_of) - pd.Timestamp(first)).days + 1


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
    by period and customer; ``attrs``: ``window_days``, ``periods`` (every period tracked,
    also one where nobody was active), ``first`` (the first transaction's day) and ``as_of``.
    Raises :class:`MonitoringUnavailable` without transactions or with less than one complete
    period of history.
    """
    if "transactions" not in tables:
        raise MonitoringUnavailable(i18n.as_term(NO_HISTORY))
    tx = tables["transactions"]
    first = feature_building.transaction_day(tx, "min", feature_params)
    as_of = pd.Timestamp(as_of).normalize()
    w = window_days(feature_params, first, as_of)
    ends = [e for e in period_ends(first, as_of, params.period) if e - pd.Timedelta(days=w - 1) >= first]
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
    step = pd.DateOffset(months=PERIOD_MONTHS[params.period])
    activity = feature_building.period_activity(tx, [(end - step, end) for end in ends], feature_params)
    active = activity[activity["bought"]]
    # the model's window, fixed at its length at the model's date (all history stays all history: only
    # the last period has it whole)
    windowed = feature_building.fixed_window(feature_params, first, as_of)
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
    out.attrs["first"], out.attrs["as_of"] = first, as_of
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
        return None, i18n.as_term(NO_HISTORY)
    key = _tracking_key(tables, feature_params, model, params, as_of)
    if key is not None and key in _LAST_TRACKED:
        return _LAST_TRACKED[key].copy(), ""
    try:
        out = track(tables, feature_params, quality, model, params, pd.Timestamp(as_of))
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


# ---------------------------------------------------------------------------------------------
# growth: the change of each segment's share of the active customers, and what it is compared with
# ---------------------------------------------------------------------------------------------
#: A segment with nobody active in the earlier periods and someone in the later ones: the largest
#: growth recorded (growth rates are clipped to -100 % .. +300 %).
GROWTH_CAP = 3.0
#: The shortest window of behaviour seglab suggests for comparing periods a year apart.
MIN_SUGGESTED_WINDOW = 90
GROWTH_COLUMNS = list(vocabulary.GROWTH_COLUMNS)  # the columns of the growth table, per segment


@dataclass(frozen=True)
class Comparison:
    """The periods growth compares: the last ones (``recent``) with as many a year earlier
    (``year_over_year``) or just before (``base``).
    """

    recent: tuple[pd.Timestamp, ...]
    base: tuple[pd.Timestamp, ...]
    year_over_year: bool

    @property
    def same_season(self) -> bool:
        """Whether both cover the same calendar months (a year apart, or whole years each)."""
        return sorted(p.month for p in self.recent) == sorted(p.month for p in self.base)


def compare(periods: list, months: int, period: str) -> Comparison | None:
    """Which tracked periods growth compares (contiguous period ends, any order): the last
    ``months`` of periods with the same periods a year earlier when the tracking holds them,
    else with as many periods just before (fewer when the tracking is short); None with fewer
    than two periods.
    """
    ends = [pd.Timestamp(p) for p in sorted(periods)]
    per_year = 12 // PERIOD_MONTHS[period]
    n = max(1, round(months / PERIOD_MONTHS[period]))
    if len(ends) > per_year:  # the period a year before the last one is tracked: the same season
        n = min(n, len(ends) - per_year)
        return Comparison(tuple(ends[-n:]), tuple(ends[-n - per_year : len(ends) - per_year]), True)
    if len(ends) < 2:
        return None
    n = min(n, len(ends) // 2)
    return Comparison(tuple(ends[-n:]), tuple(ends[-2 * n : -n]), False)


def _resample(counts: np.ndarray, draws: int, rng: np.random.Generator) -> np.ndarray:
    """Active customers per segment summed over periods (rows of ``counts``: periods x segments),
    in ``draws`` resamples of each period's active customers (each period's N customers drawn
    with replacement: a multinomial draw of N over its segments, so the cost does not grow with N).
    """
    out = np.zeros((draws, counts.shape[1]))
    for row in counts:
        total = int(row.sum())
        if total:
            out += rng.multinomial(total, row / total, size=draws)
    return out


def share_change(wide: pd.DataFrame, cmp: Comparison, params: MonitoringParams, seed: int) -> pd.DataFrame:
    """Per segment (the columns of ``wide``: active customers, periods x segments): mean active
    customers per period in the base and recent periods and their change, the share of the
    active customers (pooled over the periods) in each and its change, the ``confidence``
    interval of that change over ``bootstrap`` seeded resamples of each period's customers, and
    the growth rate (the relative change of the share; NaN when the segment has nobody in either,
    or nobody at all is active in one of them).
    """
    recent = wide.loc[list(cmp.recent)].to_numpy(dtype=float)
    base = wide.loc[list(cmp.base)].to_numpy(dtype=float)
    tot_r, tot_b = recent.sum(), base.sum()
    k = wide.shape[1]
    share_r = recent.sum(axis=0) / tot_r if tot_r > 0 else np.full(k, np.nan)
    share_b = base.sum(axis=0) / tot_b if tot_b > 0 else np.full(k, np.nan)
    low = high = np.full(k, np.nan)
    if tot_r > 0 and tot_b > 0:
        rng = np.random.default_rng(seed)
        diff = _resample(recent, params.bootstrap, rng) / tot_r - _resample(base, params.bootstrap, rng) / tot_b
        tail = (1.0 - params.confidence) / 2.0
        low, high = np.quantile(diff, [tail, 1.0 - tail], axis=0)
    cust_r, cust_b = recent.mean(axis=0), base.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(share_b > 0, share_r / share_b - 1.0, np.where(share_r > 0, GROWTH_CAP, np.nan))
        customers_change = np.where(cust_b > 0, cust_r / cust_b - 1.0, np.nan)
    return pd.DataFrame(
        {
            "customers_base": cust_b,
            "customers_recent": cust_r,
            "customers_change": customers_change,
            "share_base": share_b,
            "share_recent": share_r,
            "share_change": share_r - share_b,
            "share_change_low": low,
            "share_change_high": high,
            "growth_rate": np.clip(rate, -1.0, GROWTH_CAP),
        },
        index=pd.Index(wide.columns, name="segment"),
    )


def flags(table: pd.DataFrame, params: MonitoringParams) -> pd.Series:
    """Growing / shrinking / stable per segment, unknown without a growth rate: growing when the
    share grew by more than ``grow_above`` and the interval of its change is above 0; shrinking
    when it fell by more than ``shrink_below`` and the interval is below 0.
    """
    rate = table["growth_rate"]
    growing = (rate > params.grow_above) & (table["share_change_low"] > 0)
    shrinking = (rate < params.shrink_below) & (table["share_change_high"] < 0)
    out = np.select([rate.isna(), growing, shrinking], ["unknown", "growing", "shrinking"], "stable")
    return pd.Series(out, index=table.index, name="trend")


@dataclass
class Growth:
    """Growth per segment (:data:`GROWTH_COLUMNS`, indexed by segment) and ``info``: what was
    compared, as plain values (saved in ``monitoring.json``; the texts are made from it where shown).
    """

    table: pd.DataFrame
    info: dict


def history(assigned: pd.DataFrame | None) -> dict:
    """The tracking's first day, as-of date and window (for what growth can compare)."""
    attrs = assigned.attrs if assigned is not None else {}
    return {
        "first": _iso(attrs.get("first")),
        "as_of": _iso(attrs.get("as_of")),
        "window_days": attrs.get("window_days"),
    }


def _iso(value) -> str | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()


def growth(size_table: pd.DataFrame, params: MonitoringParams, seed: int, known: dict | None = None) -> Growth:
    """Growth of each segment's share of the active customers (see the module doc) and what was
    compared. ``known``: the tracking's :func:`history`, for what a longer history would allow.
    """
    periods = sorted(size_table["period_end"].unique())
    segments = sorted(size_table["segment"].unique())
    info = {
        "period": params.period,
        "periods": len(periods),
        "thresholds": [params.grow_above, params.shrink_below],
        "confidence": params.confidence,
        "draws": params.bootstrap,
        **(known or {}),
    }
    cmp = compare(periods, params.growth_window_months, params.period)
    if cmp is None:
        return Growth(_unknown(segments), {**info, "compared": False, "unknown": "one_period"})
    wide = size_table.pivot(index="period_end", columns="segment", values="customers").sort_index()
    table = share_change(wide[segments], cmp, params, seed)
    table["trend"] = flags(table, params)
    info.update(
        compared=True,
        unknown="" if table["growth_rate"].notna().any() else "nobody_active",
        recent=[p.date().isoformat() for p in cmp.recent],
        base=[p.date().isoformat() for p in cmp.base],
        year_over_year=cmp.year_over_year,
        same_season=cmp.same_season,
        active_base=[
            float(wide.loc[list(cmp.base)].sum(axis=1).mean()),
            float(wide.loc[list(cmp.recent)].sum(axis=1).mean()),
        ],
    )
    return Growth(table, info)


def _unknown(segments: list[int]) -> pd.DataFrame:
    table = pd.DataFrame(np.nan, index=pd.Index(segments, name="segment"), columns=GROWTH_COLUMNS[:-1])
    return table.assign(trend="unknown")


def untracked(why_not: str) -> dict:
    """What growth compared when no period was tracked: nothing, and why."""
    return {"compared": False, "unknown": "no_tracking", "why_not": why_not}


def segment_growth(
    assigned: pd.DataFrame | None, segments: list[int], params: MonitoringParams, seed: int, why_not: str = ""
) -> Growth:
    """Growth per segment from the tracked periods; unknown for every segment (and the reason)
    without tracking.
    """
    if assigned is None:
        return Growth(_unknown(segments), untracked(why_not))
    return growth(sizes(assigned, segments), params, seed, history(assigned))


def growth_for_matrix(
    tables: dict,
    feature_params: FeatureParams,
    quality: dict | None,
    model: SegmentModel,
    params: MonitoringParams,
    as_of,
    seed: int,
) -> tuple[pd.Series, dict, int | None]:
    """The growth of each segment's share of the active customers for the Boston matrix (stage 05),
    from the same tracking as stage 06 shows (:func:`attempt`). Returns the growth component
    (:func:`matrix_growth`: 0 where resampling explains the change, NaN where unknown),
    what was compared (the record of :func:`segment_growth`, said by :func:`growth_text`) and the
    window of behaviour each period's customers were assigned from (None without periods).
    """
    segments = list(range(1, model.k + 1))
    assigned, why_not = attempt(tables, feature_params, quality, model, params, as_of)
    g = segment_growth(assigned, segments, params, seed, why_not)
    return matrix_growth(g.table), g.info, assigned.attrs["window_days"] if assigned is not None else None


def growth_text(info: dict) -> str:
    """What growth compared for the Boston matrix (or why it is unknown, and when seasons are not
    separated), in the reader's language.
    """
    shown = info.get("compared") and not info.get("unknown")
    return " ".join(t for t in (comparison_text(info), season_caveat(info), matrix_text() if shown else "") if t)


def matrix_growth(table: pd.DataFrame) -> pd.Series:
    """The growth component of the Boston matrix: a segment's growth rate when the change of its
    share is beyond what resampling explains, 0 when resampling explains it (no change the data
    can support), NaN when unknown.
    """
    real = (table["share_change_low"] > 0) | (table["share_change_high"] < 0)
    explained = (table["share_change_low"] <= 0) & (table["share_change_high"] >= 0)
    return table["growth_rate"].where(real, np.where(explained, 0.0, np.nan)).rename("growth_rate")


def matrix_text() -> str:
    """How the Boston matrix reads growth."""
    return i18n._(
        "The Boston matrix takes a segment's growth rate when the change of its share is beyond what "
        "resampling explains, and 0 when resampling explains it."
    )


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
    """The line that leaves two periods with a whole window to compare."""
    return feature_building.two_periods_change(
        info["first"], info["as_of"], PERIOD_MONTHS[info.get("period", "quarter")]
    )


def assumptions(info: dict) -> list[dict]:
    """Stage 06's rows of "What seglab assumed": seasons not separated, or growth unknown, each
    with the line that changes it (none for a source without dates: there is nothing to monitor).
    """
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
