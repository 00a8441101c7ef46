"""Dates of a feature build: the observation date (``as_of``), the window, the activity per period
and the revenue mix over it.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import pandas as pd

from seglab import i18n
from seglab.config import Features as FeatureParams
from seglab.engine import FeatureError, Table, opened
from seglab.features.definitions import from_micro, line_revenue, table_columns
from seglab.features.table import ensure_columns
from seglab.i18n import N_


def transaction_day(transactions: Table, which: str, params: FeatureParams | None = None) -> pd.Timestamp:
    """The day of the first (``which="min"``) or last (``"max"``) transaction (NaT when empty)."""
    with opened(params) as (table, _con):
        ts = table("transactions", transactions, ["timestamp"]).timestamp
        value = (ts.min() if which == "min" else ts.max()).to_pyarrow().as_py()
    return pd.Timestamp(value).normalize() if value is not None else pd.NaT


def period_activity(
    transactions: Table, periods: list[tuple[pd.Timestamp, pd.Timestamp]], params: FeatureParams | None = None
) -> pd.DataFrame:
    """What each customer did in each period (after, until] (both days): customer_id, period_end
    (= until), bought (a purchase line in it), value (net revenue: purchases minus returns). Money
    is summed in whole millionths (:func:`line_revenue`): exact, identical on every run and engine.
    """
    bounds = pd.DataFrame(
        {
            "period_end": [pd.Timestamp(until).normalize() for _, until in periods],
            "lo": [pd.Timestamp(after).normalize() + pd.Timedelta(days=1) for after, _ in periods],
            "hi": [pd.Timestamp(until).normalize() + pd.Timedelta(days=1) for _, until in periods],
        }
    )
    with opened(params) as (table, _con):
        tx = table("transactions", transactions, ["customer_id", "timestamp", "quantity", "unit_price", "discount"])
        tx = ensure_columns(tx, {"discount": "float64"})
        b = table("bounds", bounds, list(bounds.columns))
        j = tx.inner_join(b, (tx.timestamp >= b.lo) & (tx.timestamp < b.hi))
        j = j.mutate(customer_id=j.customer_id.cast("string"), line=line_revenue(j))
        out = (
            j.group_by(["customer_id", "period_end"])
            .aggregate(bought=(j.quantity > 0).any(), value=from_micro(j.line.sum()))
            .order_by(["period_end", "customer_id"])
            .to_pyarrow()
            .to_pandas()
        )
    return out[["customer_id", "period_end", "bought", "value"]].assign(period_end=pd.to_datetime(out["period_end"]))


@dataclass(frozen=True)
class RevenueMix:
    """Which revenue mix :func:`revenue_mix` computes: of a transactions ``column`` (category,
    channel), over the purchases up to ``as_of`` (and from ``start``; None: no bound), the top
    ``n`` values, or with ``over_index`` the values that set each segment apart.
    """

    column: str
    as_of: str | None = None
    start: str | None = None
    n: int = 3
    over_index: bool = False


def revenue_mix(
    transactions: Table, segments: pd.DataFrame, mix: RevenueMix, params: FeatureParams | None = None
) -> pd.DataFrame | None:
    """The top ``mix.n`` values of a transactions column (category, channel) per segment by share
    of the segment's purchase revenue up to ``mix.as_of`` (and from ``mix.start``): segment, value,
    share. None when the column is absent. Revenue in whole millionths, as every money sum.
    ``params``: the engine (``features`` parameters, DuckDB by default).

    ``mix.over_index``: the values that set each segment apart instead (:func:`over_indexed`), with
    ``base_share`` (the value's share of all customers' revenue), ``index`` and ``over``.
    """
    column, as_of, start, n = mix.column, mix.as_of, mix.start, mix.n
    if column not in table_columns(transactions):
        return None
    with opened(params) as (table, _con):
        tx = table(
            "transactions", transactions, ["customer_id", "timestamp", "quantity", "unit_price", "discount", column]
        )
        tx = ensure_columns(tx, {"discount": "float64"})
        segs = table("segs", segments[["customer_id", "segment"]], ["customer_id", "segment"])
        tx = tx.filter((tx.quantity > 0) & tx[column].notnull())
        if as_of:
            tx = tx.filter(tx.timestamp < ibis.timestamp(pd.Timestamp(as_of).normalize() + pd.Timedelta(days=1)))
        if start:
            tx = tx.filter(tx.timestamp >= ibis.timestamp(pd.Timestamp(start)))
        j = tx.inner_join(segs, "customer_id")
        r = j.group_by([j.segment, j[column].cast("string").name("value")]).aggregate(revenue=line_revenue(j).sum())
        w = ibis.window(group_by="segment", order_by=[ibis.desc("revenue"), "value"])
        r = r.mutate(
            share=r.revenue.cast("float64") / r.revenue.sum().over(group_by="segment").cast("float64"),
            rank=ibis.row_number().over(w),
        )
        if mix.over_index:
            everything = r.select("segment", "value", "revenue").to_pyarrow().to_pandas()
            return over_indexed(everything, n)
        top = (
            r.filter(r["rank"] < n)
            .select("segment", "value", "share")
            .order_by(["segment", ibis.desc("share"), "value"])
            .to_pyarrow()
            .to_pandas()
        )
    return top


#: A value sets a segment apart when its share of the segment's revenue is at least this many
#: times its share of all customers' revenue …
OVER_INDEX = 1.15
#: … and it is at least this share of the segment's revenue (a rare category tripled is noise).
OVER_INDEX_MIN_SHARE = 0.05


def over_indexed(revenue: pd.DataFrame, n: int = 3) -> pd.DataFrame:
    """What sets each segment apart: from ``revenue`` (segment, value, revenue), per segment the
    ``n`` values with the highest index (share of the segment's revenue / share of all revenue)
    among those at ``OVER_INDEX`` or more and ``OVER_INDEX_MIN_SHARE`` of the segment; a segment
    with none buys like everyone, and its top ``n`` values by share are given with ``over`` False.

    Returns segment, value, share, base_share, index, over (sorted by segment, then rank).
    """
    cols = ["segment", "value", "share", "base_share", "index", "over"]
    if revenue.empty:
        return pd.DataFrame(columns=cols)
    df = revenue.assign(revenue=revenue["revenue"].astype(float).clip(lower=0))
    seg_total = df.groupby("segment")["revenue"].transform("sum")
    base = df.groupby("value")["revenue"].sum()
    df["share"] = df["revenue"] / seg_total.where(seg_total > 0)
    df["base_share"] = df["value"].map(base / base.sum() if base.sum() > 0 else base * float("nan"))
    df["index"] = df["share"] / df["base_share"].where(df["base_share"] > 0)
    out = []
    for _seg, rows in df.groupby("segment", sort=True):
        over = rows[(rows["index"] >= OVER_INDEX) & (rows["share"] >= OVER_INDEX_MIN_SHARE)]
        if len(over):
            pick = over.sort_values(["index", "value"], ascending=[False, True]).head(n).assign(over=True)
        else:
            pick = rows.sort_values(["share", "value"], ascending=[False, True]).head(n).assign(over=False)
        out.append(pick)
    return pd.concat(out)[cols].reset_index(drop=True)


#: How long after the last transaction ``features.as_of`` may be (an export made some time after
#: the last sale); later, recency would measure the gap in the data.
AS_OF_GRACE_DAYS = 365


def resolve_as_of(transactions: Table, params: FeatureParams) -> pd.Timestamp:
    """The as-of date: the parameter (from the first transaction to a year after the last), or
    the date of the last transaction.
    """
    last = transaction_day(transactions, "max", params)
    if pd.isna(last):
        raise FeatureError("the transactions table is empty: no purchase to build features from")
    if params.as_of is None:
        return last
    as_of, first = pd.Timestamp(params.as_of), transaction_day(transactions, "min", params)
    if not first <= as_of <= last + pd.Timedelta(days=AS_OF_GRACE_DAYS):
        where = (
            "before the first transaction"
            if as_of < first
            else f"more than {AS_OF_GRACE_DAYS} days after the last transaction"
        )
        why = (
            "no customer had bought by then"
            if as_of < first
            else "every customer would look lapsed for lack of data, not of purchases"
        )
        raise FeatureError(
            f"features.as_of is {as_of.date()}, {where} in the data ({first.date()} to "
            f"{last.date()}): {why}. Set features.as_of between {first.date()} and "
            f"{(last + pd.Timedelta(days=AS_OF_GRACE_DAYS)).date()}, or remove it (default: the last "
            "transaction date)."
        )
    return as_of


#: The longest window of behaviour chosen by default: a year, so that every season is in it once.
YEAR_DAYS = 365
#: The longest quarter: a default window leaves this much history before it, so that monitoring
#: has two periods with a whole window to compare.
QUARTER_DAYS = 92


def resolve_window(first: pd.Timestamp | None, as_of: pd.Timestamp, params: FeatureParams) -> int | None:
    """The window of behaviour in days, the one definition the model (stages 02-03) and monitoring
    (stage 06) share; None = all history. ``features.window_days`` when given (``all``: None);
    by default (null) a year (every season once); with a history (``first`` to ``as_of``) shorter
    than a year and a quarter, the history less a quarter, so that monitoring has two quarters
    with a whole window to compare; with less than two quarters, all of it (one period: growth is
    then unknown).
    """
    if params.window_days == "all":
        return None
    if params.window_days is not None:
        return int(params.window_days)
    history = (pd.Timestamp(as_of).normalize() - pd.Timestamp(first).normalize()).days + 1
    if history - QUARTER_DAYS < history / 2:
        return None
    return min(YEAR_DAYS, history - QUARTER_DAYS)


#: The shortest window of behaviour seglab suggests so that monitoring has two periods to compare.
MIN_TWO_PERIOD_WINDOW = 28


def two_periods_change(first: pd.Timestamp, as_of: pd.Timestamp, months: int = 3) -> i18n.Value:
    """The line of "What seglab assumed" that leaves monitoring two whole periods of ``months`` (3 =
    quarters) with a whole window each: the longest such window, or monthly periods with theirs
    when the history holds no two quarters or their window would be shorter than four weeks;
    stages 02 and 06 say the same.
    """
    first, as_of = pd.Timestamp(first).normalize(), pd.Timestamp(as_of).normalize()
    for step in dict.fromkeys((months, 1)):
        two_whole = as_of - pd.DateOffset(months=2 * step) + pd.Timedelta(days=1) >= first
        longest = (as_of - pd.DateOffset(months=step) - first).days + 1  # the window before the earlier end
        if two_whole and longest >= MIN_TWO_PERIOD_WINDOW:
            line = f"features.window_days: {longest}"
            if step != months:
                line = f"monitoring.period: month, {line}"
            return i18n.concat(
                f"{line}  ", N_("(a shorter window for the model and monitoring leaves two periods to compare)")
            )
    return i18n.concat(N_("(needs data: two whole months of history)"))


def fixed_window(params: FeatureParams, first: pd.Timestamp, as_of: pd.Timestamp) -> FeatureParams:
    """``params`` with a window chosen by default (null) fixed at its length at the run's ``as_of``,
    so that the features at other dates (monitoring's periods, the prediction's training dates) use
    the same window as the model's.
    """
    if params.window_days is not None:
        return params
    return params.model_copy(update={"window_days": resolve_window(first, as_of, params) or "all"})


def window_start(as_of: pd.Timestamp, params: FeatureParams, first: pd.Timestamp | None = None) -> pd.Timestamp | None:
    """First moment of the behaviour window (None = all history); ``first`` (the first
    transaction's day) is needed when ``features.window_days`` is null (:func:`resolve_window`).
    """
    days = resolve_window(first, as_of, params)
    if days is None:
        return None
    return as_of + pd.Timedelta(days=1) - pd.Timedelta(days=days)
