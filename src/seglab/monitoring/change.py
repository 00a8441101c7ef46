"""Growth: the change of each segment's share of the active customers between comparable windows,
what it is compared with, whether resampling explains it, and the growth the Boston matrix
reads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from seglab import i18n, vocabulary
from seglab.config import Monitoring as MonitoringParams
from seglab.monitoring.tracking import PERIOD_MONTHS, Inputs, attempt, sizes
from seglab.monitoring.words import comparison_text, season_caveat

# ---------------------------------------------------------------------------------------------
# growth: the change of each segment's share of the active customers, and what it is compared with
# ---------------------------------------------------------------------------------------------
#: A segment with nobody active in the earlier periods and someone in the later ones: the largest
#: growth recorded (growth rates are clipped to -100 % .. +300 %).
GROWTH_CAP = 3.0


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
    """The tracking's first day, as-of date, window (for what growth can compare) and the calendar
    of its periods (:func:`seglab.monitoring.calendar_periods`; whether ``auto`` chose it).
    """
    attrs = assigned.attrs if assigned is not None else {}
    return {
        "first": _iso(attrs.get("first")),
        "as_of": _iso(attrs.get("as_of")),
        "window_days": attrs.get("window_days"),
        "calendar": attrs.get("calendar", "as_of"),
        "calendar_auto": bool(attrs.get("calendar_auto", False)),
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


def growth_for_matrix(inputs: Inputs, seed: int) -> tuple[pd.Series, dict, int | None]:
    """The growth of each segment's share of the active customers for the Boston matrix (stage 05),
    from the same tracking as stage 06 shows (:func:`attempt`). Returns the growth component
    (:func:`matrix_growth`: 0 where resampling explains the change, NaN where unknown),
    what was compared (the record of :func:`segment_growth`, said by :func:`growth_text`) and the
    window of behaviour each period's customers were assigned from (None without periods).
    """
    segments = list(range(1, inputs.model.k + 1))
    assigned, why_not = attempt(inputs)
    g = segment_growth(assigned, segments, inputs.params, seed, why_not)
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
