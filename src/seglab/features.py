"""Stage 02, feature building: one row per customer at a point in time.

The behavioural features are Ibis expressions (``transaction_features``, ``session_features``,
``campaign_features``), written once and run by DuckDB (default) or Spark
(``engine.kind``). Revenue of a line = quantity x unit_price x (1 - discount). Purchases
are lines with a positive quantity; returns and cancellations have a negative quantity and net
against purchases. Nothing after ``as_of`` (end of that day) is used; with ``window_days``
nothing before the window either (tenure excepted: it counts from the first purchase or signup).

Customer and survey columns (demographic, geographic, firmographic, psychographic) are encoded
for clustering by :func:`seglab.attributes.encode_attributes`: numbers as they are, yes/no as 0/1, ordered text
as 0, 1, 2, ... (known scales or ``features.ordinal``), other text with at most 12 values
one-hot.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import ibis
import ibis.selectors as s
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from ibis import _

from seglab import history, i18n, io
from seglab.attributes import encode_attributes
from seglab.config import Features as FeatureParams
from seglab.engine import FeatureError, Table, connect, opened, register
from seglab.i18n import N_, Nn_
from seglab.registry import BY_NAME, CATALOG, INTEGER
from seglab.vocabulary import LIFECYCLE_STAGES

# --------------------------------------------------------------------------------------------
# engines
# --------------------------------------------------------------------------------------------


def _columns(table: Table) -> list[str]:
    if isinstance(table, pd.DataFrame):
        return list(table.columns)
    if Path(table).is_dir():
        import pyarrow.dataset as ds

        return ds.dataset(str(table), format="parquet", partitioning="hive").schema.names
    return pq.read_schema(table).names


# --------------------------------------------------------------------------------------------
# the feature definitions (Ibis: the same expressions run on DuckDB and on Spark)
# --------------------------------------------------------------------------------------------
# Integer constants on purpose: a literal such as 1.0 is a DECIMAL in Spark SQL, and averages
# and quotients of decimals are rounded to 6 digits; integers mixed with doubles stay doubles.
DAY, ZERO, ONE = 86400, 0, 1
# Money is summed as whole millionths (int64) and gaps as whole seconds: sums of integers are
# exact in any order, so parallel engines give bit-identical features on every run (a parallel
# sum of doubles differs in its last bits from run to run, and models downstream amplify that).
MICRO = 1_000_000


def _micro(amount) -> ibis.Value:
    """An amount in whole millionths of the currency (int64: exact sums up to 9.2e12 per group)."""
    return (amount * MICRO).round().cast("int64")


def _money(micro_sum) -> ibis.Value:
    """A sum of :func:`_micro` amounts back in the currency (a double)."""
    return micro_sum.cast("float64") / MICRO


def _flag(cond) -> ibis.Value:
    """1.0 where cond holds, 0.0 where it does not or is unknown (a double on every engine)."""
    return cond.fill_null(False).cast("float64")


def _preferred(counts: list, levels: int) -> ibis.Value:
    """The index of the largest of ``counts`` (one count per level 0..levels-1); ties: the smallest
    index (the earliest hour or weekday). The keys count * levels + (levels - 1 - index) are
    distinct, so their maximum names one level, the same on every engine.
    """
    top = ibis.greatest(*[n * levels + (levels - 1 - i) for i, n in enumerate(counts)])
    return levels - 1 - top % levels


@dataclass(frozen=True)
class When:
    """The points in time features are taken at, as the definitions see them.

    One point (``build``): the cutoff (end of the as-of day), the window's start and the cutoff in
    seconds are literals and rows are keyed by customer. Several points at once (``build_many``:
    monitoring's period ends, the prediction's training dates): every table is paired with each
    point (:meth:`pair`, a cross join with a small table of points), the three values are columns
    and rows are keyed by (point, its cutoff in seconds, customer); the same expressions then
    compute every point in one query, with exactly the results of one query per point.
    """

    cutoffs: tuple[pd.Timestamp, ...]
    starts: tuple[pd.Timestamp | None, ...]

    @property
    def many(self) -> bool:
        """Whether the features are computed at several points in one query."""
        return len(self.cutoffs) > 1

    @property
    def keys(self) -> list[str]:
        """The group keys: the customer, and the point when there are several."""
        return ["point", "cut_s", "customer_id"] if self.many else ["customer_id"]

    @property
    def windowed(self) -> bool:
        """Whether a window limits the history (``features.window_days``)."""
        return self.starts[0] is not None

    def points(self) -> pd.DataFrame:
        """The table of points paired with the input tables (several points only)."""
        return pd.DataFrame(
            {
                "point": np.arange(len(self.cutoffs), dtype="int64"),
                "cut_s": np.array([int(c.timestamp()) for c in self.cutoffs], dtype="int64"),
                "cutoff_ts": pd.to_datetime(list(self.cutoffs)).astype("datetime64[us]"),
                "start_ts": pd.to_datetime([s if s is not None else pd.NaT for s in self.starts]).astype(
                    "datetime64[us]"
                ),
            }
        )

    def pair(self, t, points):
        """``t`` with the point columns: one copy of each row per point (``points``: the engine's
        table of :meth:`points`); ``t`` itself for one point.
        """
        return t.cross_join(points) if self.many else t

    def cutoff(self, t) -> ibis.Value:
        """The cutoff time of each row of ``t`` (end of the as-of day)."""
        return t.cutoff_ts if self.many else ibis.timestamp(self.cutoffs[0].to_pydatetime())

    def start(self, t) -> ibis.Value | None:
        """The start of the window of each row of ``t``, None without a window."""
        if not self.windowed:
            return None
        return t.start_ts if self.many else ibis.timestamp(self.starts[0].to_pydatetime())

    def cut_s(self, t) -> ibis.Value:
        """The cutoff in whole seconds since 1970 (an int64 column or literal)."""
        return t.cut_s if self.many else ibis.literal(int(self.cutoffs[0].timestamp()), type="int64")


def _in_window(t, when: When):
    before = t.timestamp < when.cutoff(t)
    start = when.start(t)
    return before, before if start is None else before & (t.timestamp >= start)


def _line_revenue(t) -> ibis.Value:
    """The revenue of each order line in whole millionths: quantity x unit_price x (1 - discount)."""
    return _micro(t.quantity * t.unit_price * (ONE - t.discount.fill_null(ZERO)))


def purchase_lines(tx, when: When):
    """Purchase lines (positive quantity) inside the window, with their revenue (in millionths)."""
    _, inside = _in_window(tx, when)
    buy = tx.filter(inside & (tx.quantity > 0))
    return buy.mutate(revenue=_line_revenue(buy))


def purchase_orders(buy, when: When):
    """One row per purchase order: its time (first line) and in seconds, channel, revenue, units
    and discounted revenue (money and units in millionths).
    """
    return buy.group_by([*when.keys, "order_id"]).aggregate(
        ts=buy.timestamp.min(),
        ep=buy.timestamp.min().epoch_seconds().cast("int64"),
        channel=buy.channel.min(),
        revenue=buy.revenue.sum(),
        units=_micro(buy.quantity).sum(),
        discounted=buy.revenue.sum(where=buy.discount.fill_null(ZERO) > 0),
    )


def other_lines(tx, when: When):
    """Per customer, from the order lines that are not purchases in the window (returns and
    cancellations, lines before the window or after as_of): the value returned in the window,
    the first purchase before the window (for tenure) and whether the customer has a line before
    as_of and inside the window (to say why a customer gets no feature row). The purchases
    themselves are summed per order (:func:`purchase_orders`): one pass over them, not two.
    """
    _, inside = _in_window(tx, when)
    rest = tx.filter(~(inside & (tx.quantity > 0)).fill_null(False))
    before, inside = _in_window(rest, when)
    return rest.group_by(when.keys).aggregate(
        returned=-_line_revenue(rest).sum(where=inside & (rest.quantity < 0)),
        earlier_purchase=rest.timestamp.min(where=before & (rest.quantity > 0)),
        any_before=_flag(before).max(),
        any_in_window=_flag(inside).max(),
    )


def _join(left, right, keys: list[str]):
    return left.left_join(right, keys).select(~s.endswith("_right"))


def transaction_features(others, buy, orders, when: When):
    """Behavioural features of the customers with a purchase in the window (an Ibis expression),
    from :func:`other_lines`, :func:`purchase_lines` and :func:`purchase_orders`.

    The customer's span for the spending trend runs from their first purchase in the window to
    the cutoff; the revenue of its later half against its earlier half gives the trend.
    """
    keys = when.keys
    # one ordered pass over each customer's orders: the gap to the previous order in whole seconds
    # and the first order (the start of the span); everything else per order is one group-by.
    # Ordered by time alone: orders at the same second give a gap of 0 in either order.
    w = ibis.window(group_by=keys, order_by="ep")
    seq = orders.mutate(
        gap=orders.ep - orders.ep.lag().over(w),
        first=orders.ep.min().over(w),
        hour=orders.ts.hour(),
        weekday=orders.ts.day_of_week.index(),
    )
    late = 2 * seq.ep >= seq.first + when.cut_s(seq)  # in the later half of the span (exact in integers)
    o = seq.group_by(keys).aggregate(
        n_orders=_.count(),
        first_ep=_.ep.min(),
        last_ep=_.ep.max(),
        web_share=_flag(_.channel == "web").mean(),
        store_share=_flag(_.channel == "store").mean(),
        app_share=_flag(_.channel == "app").mean(),
        # gaps are whole seconds and non-negative: their sum of squares is at most (span)^2, which
        # fits int64 for spans up to 96 years, so both sums are exact
        gap_sum=_.gap.sum(),
        gap_sq=(_.gap * _.gap).sum(),
        gap_n=_.gap.count(),
        gross=_.revenue.sum(),
        units=_.units.sum(),
        discounted=_.discounted.sum(),
        late=seq.revenue.sum(where=late),
        early=seq.revenue.sum(where=~late),
        # orders per hour of day and per weekday, for the preferred ones: 31 counts in this
        # group-by cost less than a group-by per customer and hour, one per customer and
        # weekday, their own group-bys per customer and the joins (0.39 s against 0.5 s and
        # more at 10 million lines)
        **{f"h{i}": _.count(where=_.hour == i) for i in range(24)},
        **{f"d{i}": _.count(where=_.weekday == i) for i in range(7)},
    )
    # population variance x n^2 = n * sum(g^2) - sum(g)^2, exact in decimal arithmetic
    gap_sum = o.gap_sum.cast("decimal(38, 0)")
    o = o.mutate(
        gap_mean=o.gap_sum.cast("float64") / o.gap_n / DAY,
        gap_sd=(o.gap_n.cast("decimal(38, 0)") * o.gap_sq.cast("decimal(38, 0)") - gap_sum * gap_sum)
        .cast("float64")
        .sqrt()
        / o.gap_n
        / DAY,
        preferred_hour=_preferred([o[f"h{i}"] for i in range(24)], 24),
        preferred_weekday=_preferred([o[f"d{i}"] for i in range(7)], 7),
    )
    # distinct counts as group-bys: count(DISTINCT ...) FILTER (...) is 3x slower in DuckDB
    products = buy.group_by(keys).aggregate(product_breadth=buy.product_id.nunique())
    cat = (
        buy.filter(buy.category.notnull())
        .group_by([*keys, "category"])
        .aggregate(r=_.revenue.sum())
        .group_by(keys)
        .aggregate(top_cat=_.r.max(), category_breadth=_.count())
    )

    j = o
    for part in (others.select(*keys, "returned"), products, cat):
        j = _join(j, part, keys)
    gross = _money(j.gross.fill_null(ZERO))
    returned = _money(j.returned.fill_null(ZERO))
    late, early = _money(j.late.fill_null(ZERO)), _money(j.early.fill_null(ZERO))
    positive = gross > 0
    return j.select(
        *[j[k] for k in keys],
        recency_days=(when.cut_s(j) - j.last_ep).cast("float64") / DAY,
        frequency=j.n_orders.cast("int64"),
        monetary=gross - returned,
        gross_revenue=gross,
        avg_order_value=gross / j.n_orders,
        avg_basket_size=_money(j.units.fill_null(ZERO)) / j.n_orders,
        first_ep=j.first_ep,
        last_ep=j.last_ep,
        interpurchase_mean_days=j.gap_mean,
        interpurchase_cv=ibis.ifelse(
            (j.gap_n >= 2) & (j.gap_mean > 0), j.gap_sd / j.gap_mean, ibis.literal(None, type="float64")
        ),
        spend_trend=ibis.ifelse((late + early > 0) & (j.n_orders > 1), (late - early) / (late + early), ZERO),
        discount_share=ibis.ifelse(positive, _money(j.discounted.fill_null(ZERO)) / gross, ZERO),
        return_share=ibis.ifelse(positive, returned / gross, ZERO),
        product_breadth=j.product_breadth.fill_null(ZERO).cast("int64"),
        category_breadth=j.category_breadth.fill_null(ZERO).cast("int64"),
        top_category_share=ibis.ifelse(positive, _money(j.top_cat) / gross, ibis.literal(None, type="float64")),
        web_share=j.web_share,
        store_share=j.store_share,
        app_share=j.app_share,
        preferred_hour=j.preferred_hour.cast("int64"),
        preferred_weekday=j.preferred_weekday.cast("int64"),
    )


def _inside(t, column: str, when: When):
    """Rows of ``t`` whose ``column`` (a time) is before the cutoff and not before the window."""
    t = t.filter(t[column] < when.cutoff(t))
    start = when.start(t)
    return t if start is None else t.filter(t[column] >= start)


def session_features(sessions, when: When):
    """Visits and the share that ended in a purchase, per customer, inside the window (Ibis)."""
    t = _inside(sessions, "timestamp", when)
    return t.group_by(when.keys).aggregate(
        sessions=_.count().cast("int64"), browse_conversion=_flag(_.converted).mean()
    )


def campaign_features(events, when: When):
    """Campaign open, click and conversion rates and the days since the last response, per customer (Ibis)."""
    t = _inside(events, "sent_at", when)
    responded = (t.opened | t.clicked | t.converted).fill_null(False)
    last = t.sent_at.epoch_seconds().cast("int64").max(where=responded)
    cut_s = when.cut_s(t).max() if when.many else when.cut_s(t)  # a key of the group when many
    return t.group_by(when.keys).aggregate(
        campaign_open_rate=_flag(t.opened).mean(),
        campaign_click_rate=_flag(t.clicked).mean(),
        campaign_conversion_rate=_flag(t.converted).mean(),
        days_since_campaign_response=(cut_s - last).cast("float64") / DAY,
    )


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
    is summed in whole millionths (:func:`_line_revenue`): exact, identical on every run and engine.
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
        tx = _ensure_columns(tx, {"discount": "float64"})
        b = table("bounds", bounds, list(bounds.columns))
        j = tx.inner_join(b, (tx.timestamp >= b.lo) & (tx.timestamp < b.hi))
        j = j.mutate(customer_id=j.customer_id.cast("string"), line=_line_revenue(j))
        out = (
            j.group_by(["customer_id", "period_end"])
            .aggregate(bought=(j.quantity > 0).any(), value=_money(j.line.sum()))
            .order_by(["period_end", "customer_id"])
            .to_pyarrow()
            .to_pandas()
        )
    return out[["customer_id", "period_end", "bought", "value"]].assign(period_end=pd.to_datetime(out["period_end"]))


def revenue_mix(
    transactions: Table,
    segments: pd.DataFrame,
    column: str,
    as_of: str | None = None,
    start: str | None = None,
    n: int = 3,
    params: FeatureParams | None = None,
    over_index: bool = False,
) -> pd.DataFrame | None:
    """The top ``n`` values of a transactions column (category, channel) per segment by share of
    the segment's purchase revenue up to ``as_of`` (and from ``start``): segment, value, share.
    None when the column is absent. Revenue in whole millionths, as every money sum.

    ``over_index``: the values that set each segment apart instead (:func:`over_indexed`), with
    ``base_share`` (the value's share of all customers' revenue), ``index`` and ``over``.
    """
    if column not in _columns(transactions):
        return None
    with opened(params) as (table, _con):
        tx = table(
            "transactions", transactions, ["customer_id", "timestamp", "quantity", "unit_price", "discount", column]
        )
        tx = _ensure_columns(tx, {"discount": "float64"})
        segs = table("segs", segments[["customer_id", "segment"]], ["customer_id", "segment"])
        tx = tx.filter((tx.quantity > 0) & tx[column].notnull())
        if as_of:
            tx = tx.filter(tx.timestamp < ibis.timestamp(pd.Timestamp(as_of).normalize() + pd.Timedelta(days=1)))
        if start:
            tx = tx.filter(tx.timestamp >= ibis.timestamp(pd.Timestamp(start)))
        j = tx.inner_join(segs, "customer_id")
        r = j.group_by([j.segment, j[column].cast("string").name("value")]).aggregate(revenue=_line_revenue(j).sum())
        w = ibis.window(group_by="segment", order_by=[ibis.desc("revenue"), "value"])
        r = r.mutate(
            share=r.revenue.cast("float64") / r.revenue.sum().over(group_by="segment").cast("float64"),
            rank=ibis.row_number().over(w),
        )
        if over_index:
            everything = r.select("segment", "value", "revenue").to_pyarrow().to_pandas()
            return over_indexed(everything, n)
        mix = (
            r.filter(r["rank"] < n)
            .select("segment", "value", "share")
            .order_by(["segment", ibis.desc("share"), "value"])
            .to_pyarrow()
            .to_pandas()
        )
    return mix


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


# --------------------------------------------------------------------------------------------
# catalog and build
# --------------------------------------------------------------------------------------------
def _probe(tables: dict[str, Table], params: FeatureParams | None = None) -> dict[str, bool]:
    """For each ``needs`` of the catalog, whether the input satisfies it: the table is present
    with rows, the column is present with a value (for discount: a non-zero one; for
    ``column=value``: that value in the column). One aggregate per table, on the run's engine.
    """
    needs = {f.needs for f in CATALOG if f.needs}
    needs |= {n.partition("=")[0] for n in needs if "=" in n}  # the column itself too
    out: dict[str, bool] = {}
    with opened(params) as (table, _con):
        for name in sorted({n.partition(".")[0] for n in needs}):
            wanted = sorted(n.partition(".")[2] for n in needs if n.startswith(name + "."))
            src = tables.get(name)
            if src is None:
                out.update({n: False for n in needs if n.partition(".")[0] == name})
                continue
            present = _columns(src)
            cols = sorted({w.partition("=")[0] for w in wanted} & set(present)) or present[:1]
            t = table(f"probe_{name}", src, cols)
            tests = {}
            for i, w in enumerate(wanted):
                column, _, value = w.partition("=")
                if column not in present or t[column].type().is_null() or t[column].type().is_unknown():
                    continue  # absent, or without a single value (no type of its own)
                if value:
                    tests[f"t{i}"] = (t[column] == value).any()
                elif column == "discount":
                    tests[f"t{i}"] = (t[column].fill_null(ZERO) != ZERO).any()
                else:
                    tests[f"t{i}"] = t[column].count() > ZERO
            row = t.aggregate(rows=t.count(), **tests).to_pyarrow().to_pylist()[0]
            out[name] = row["rows"] > 0
            out.update({f"{name}.{w}": bool(row["rows"] > 0 and row.get(f"t{i}")) for i, w in enumerate(wanted)})
    return out


def catalog(tables: dict[str, Table], params: FeatureParams | None = None) -> pd.DataFrame:
    """The feature catalog, with whether each feature could be built from these tables and why not."""
    ok = _probe(tables, params)
    rows = []
    for f in CATALOG:
        avail = ok.get(f.needs, True) if f.needs else True
        why = ""
        if not avail:
            column, _sep, value = f.needs.partition("=")
            why = (
                i18n.Note.of(
                    N_("no '%(value)s' value in %(column)s (map channel values with roles.channel_values)"),
                    value=value,
                    column=column,
                )
                if value and ok.get(column)
                else i18n.Note.of(N_("needs %(column)s, absent or empty in the input"), column=column)
            )
        rows.append(
            {
                "feature": f.name,
                "lens": f.lens,
                "description": f.description,
                "unit": f.unit,
                "available": avail,
                "why_not": why,
                "role": "behaviour",
                "label": f.label,
                "default": f.default,
            }
        )
    return pd.DataFrame(rows, columns=CATALOG_COLUMNS)


CATALOG_COLUMNS = ["feature", "lens", "description", "unit", "available", "why_not", "role", "label", "default"]


@dataclass
class Built:
    """What stage 02 builds: the feature table, its catalog, and the customers left without a row."""

    features: pd.DataFrame
    catalog: pd.DataFrame
    without: pd.DataFrame


TX_COLUMNS = [
    "customer_id",
    "order_id",
    "timestamp",
    "quantity",
    "unit_price",
    "discount",
    "product_id",
    "category",
    "channel",
]


def _ensure_columns(t, columns: dict[str, str]):
    """Optional columns absent (or all empty) in the input, as typed NULLs so the definitions hold."""
    missing = {
        c: ibis.literal(None, type=typ)
        for c, typ in columns.items()
        if c not in t.columns or t[c].type().is_null() or t[c].type().is_unknown()  # all empty: no type of its own
    }
    return t.mutate(**missing) if missing else t


def build(tables: dict[str, Table], params: FeatureParams, quality: dict | None = None) -> Built:
    """Build one row per customer with a purchase in the window up to as_of (for a customer-level
    source, one row per customer from its columns: :func:`build_customer_level`).

    Parameters
    ----------
    tables : dict
        Canonical tables from stage 01, each a DataFrame or the path of its Parquet file
        (transactions required for behaviour; customers, survey, sessions, campaign_events optional).
    params : seglab.config.Features
    quality : dict, optional
        The stage-01 quality record (column lenses).

    Returns
    -------
    Built
        features (one row per customer, sorted by customer_id), catalog, without (customers
        with no feature row and the reason).
    """
    quality = quality or {}
    if "transactions" not in tables:
        frames = _frames(tables)
        feats, cat = build_customer_level(frames, quality, params)
        return Built(
            feats, cat, pd.DataFrame({"customer_id": pd.Series([], dtype="str"), "reason": pd.Series([], dtype="str")})
        )
    return build_many(tables, params, [resolve_as_of(tables["transactions"], params)], quality)[0]


def window_assumption(built: Built, first: pd.Timestamp) -> dict:
    """The row of "What seglab assumed" for a window of behaviour chosen by default
    (:func:`resolve_window`): how long, from when, and how many customers it leaves out.
    """
    f = built.features
    days, as_of = f.attrs["window_days"], pd.Timestamp(f.attrs["as_of"])
    history = (as_of - first).days + 1
    row = {
        "stage": "02",
        "subject": N_("window of behaviour"),
        "why": N_(
            "the model and monitoring use one window, so that monitoring at the model's date gives every customer "
            "the model's segment: a year (every season once); with less than a year and a quarter of history, the "
            "history less a quarter, so that monitoring has two quarters to compare; with less than two quarters, "
            "all of it"
        ),
    }
    if days is None:
        return {
            **row,
            "assumed": i18n.Note.of(
                N_(
                    "all %(days)s days of history (%(first)s to %(as_of)s) for the model and for monitoring: one "
                    "period, so growth is unknown"
                ),
                days=history,
                first=i18n.as_date(first),
                as_of=i18n.as_date(as_of),
            ),
            "change": two_periods_change(first, as_of),
        }
    left_out = int((built.without["reason"] == WITHOUT["not_in_window"]).sum())
    return {
        **row,
        "assumed": i18n.Note.of(
            Nn_(
                "the last %(days)s days (%(start)s to %(as_of)s) for the model and for monitoring; %(n)s customer "
                "with no purchase in them is not segmented",
                "the last %(days)s days (%(start)s to %(as_of)s) for the model and for monitoring; %(n)s customers "
                "with no purchase in them are not segmented",
            ),
            days=days,
            start=i18n.as_date(f.attrs["window_start"]),
            as_of=i18n.as_date(as_of),
            n=left_out,
        ),
        "change": i18n.concat(
            "features.window_days: all  ",
            N_("(every customer with a purchase is segmented; monitoring then has one period and growth is unknown)"),
        ),
    }


#: Order lines x points paired in one query of :func:`build_many` at most (more points are split
#: over several queries, so memory stays bounded on large inputs).
PAIRED_ROWS = 20_000_000


def build_many(
    tables: dict[str, Table], params: FeatureParams, as_ofs: list, quality: dict | None = None
) -> list[Built]:
    """The features at several as-of dates, each exactly as :func:`build` with ``features.as_of``
    set to that date, computed together: the order lines are read and the expressions compiled
    once for all dates (one query per :data:`PAIRED_ROWS` lines x dates) instead of once per
    date. Monitoring assigns every period end this way and the prediction its training dates.

    Parameters
    ----------
    tables : dict
        As for :func:`build`; transactions are required.
    params : seglab.config.Features
        ``as_of`` is ignored: the dates are ``as_ofs``.
    as_ofs : list of dates
        The as-of dates (days), in any order.
    quality : dict, optional
        The stage-01 quality record (column lenses).

    Returns
    -------
    list of Built
        One per date of ``as_ofs``, in the same order.
    """
    if "transactions" not in tables:
        raise FeatureError("features at several dates need a transactions table (a customer-level source has one date)")
    quality = quality or {}
    frames = _frames(tables)
    if "history" not in quality:  # no stage-01 record (a caller of its own): the facts of the data
        quality = {**quality, "history": history.from_data(frames, params)}
    cat = catalog(tables, params)
    available = dict(zip(cat["feature"], cat["available"], strict=True))
    days = [pd.Timestamp(d).normalize() for d in as_ofs]
    rows = _rows(tables["transactions"])
    first = transaction_day(tables["transactions"], "min", params) if params.window_days is None else None
    per_query = max(1, PAIRED_ROWS // max(rows, 1))
    out: dict[pd.Timestamp, Built] = {}
    unique = sorted(set(days))
    for i in range(0, len(unique), per_query):
        chunk = unique[i : i + per_query]
        cutoffs = [d + pd.Timedelta(days=1) for d in chunk]  # as_of is a day: include all of it
        when = When(tuple(cutoffs), tuple(window_start(d, params, first) for d in chunk))
        for day, cutoff, start, table in zip(
            chunk, cutoffs, when.starts, _query(tables, params, when, available), strict=True
        ):
            out[day] = _finish(table, frames, cat, available, params, quality, day, cutoff, start)
            if params.window_days is None:  # the window was chosen, not given: say so
                out[day].features.attrs["assumptions"].append(i18n.neutral(window_assumption(out[day], first)))
    return [out[d] for d in days]


def _rows(table: Table) -> int:
    if isinstance(table, pd.DataFrame):
        return len(table)
    if Path(table).is_dir():
        import pyarrow.dataset as ds

        return ds.dataset(str(table), format="parquet", partitioning="hive").count_rows()
    return pq.ParquetFile(table).metadata.num_rows


STATUS = ["earlier_purchase", "any_before", "any_in_window"]
POINT_COLUMNS = ["point", "cut_s", "cutoff_ts", "start_ts"]


def _query(tables: dict[str, Table], params: FeatureParams, when: When, available: dict[str, bool]) -> list[pa.Table]:
    """The engine's part: per point of ``when``, one row per customer with a transaction, with its
    status and, if it bought in the window, its behavioural features (an Arrow table sorted by
    customer_id).
    """
    keys = when.keys
    con = connect(params)
    with tempfile.TemporaryDirectory(prefix="seglab-features-") as tmp:
        tmp = Path(tmp)
        points = register(con, "points", when.points(), POINT_COLUMNS, tmp) if when.many else None
        tx = register(con, "transactions", tables["transactions"], TX_COLUMNS, tmp)
        tx = when.pair(
            _ensure_columns(
                tx, {"discount": "float64", "product_id": "string", "category": "string", "channel": "string"}
            ),
            points,
        )
        # Computed first, into temporary tables (Spark: cached): the other lines, which feed both
        # the features and the status, and the orders. Left inside the one query, the orders would
        # make it read the purchase lines a third time, and DuckDB then keeps them all in memory
        # (1.8 GB at 10 million lines) instead of reading them again.
        buy = purchase_lines(tx, when)
        orders = purchase_orders(buy, when).cache()
        others = other_lines(tx, when).cache()
        expr = transaction_features(others, buy, orders, when)
        if available["sessions"]:
            sess = when.pair(
                register(con, "sessions", tables["sessions"], ["customer_id", "timestamp", "converted"], tmp), points
            )
            expr = _join(expr, session_features(sess, when), keys)
        if available["campaign_open_rate"]:
            ev = when.pair(
                register(
                    con,
                    "campaign_events",
                    tables["campaign_events"],
                    ["customer_id", "sent_at", "opened", "clicked", "converted"],
                    tmp,
                ),
                points,
            )
            expr = _join(expr, campaign_features(ev, when), keys)
        # one row per customer with a transaction: its status and, if it bought in the window, its features
        rows = others.select(*keys, *STATUS).outer_join(expr, keys)
        rows = rows.mutate(**{k: rows[k].fill_null(rows[f"{k}_right"]) for k in keys}).drop(
            *[f"{k}_right" for k in keys]
        )
        table = rows.order_by(keys).to_pyarrow()
        for cached in (orders, others):
            cached.release()
    if params.engine.kind == "duckdb":
        con.disconnect()
    if not when.many:
        return [_sorted(table)]
    point = table["point"]
    return [
        _sorted(table.filter(pc.equal(point, i)).drop_columns(["point", "cut_s"])) for i in range(len(when.cutoffs))
    ]


def _sorted(table: pa.Table) -> pa.Table:
    """``table`` sorted by customer_id: the engine sorts (``order_by``), sorted here only if it did
    not keep the order (ibis' own to_pandas converts column by column, 5x slower than Arrow).
    """
    ids = table["customer_id"]
    if len(ids) > 1 and not pc.all(pc.less(ids[:-1], ids[1:])).as_py():
        table = table.sort_by("customer_id")
    return table


def _finish(
    table: pa.Table,
    frames: dict,
    cat: pd.DataFrame,
    available: dict[str, bool],
    params: FeatureParams,
    quality: dict,
    as_of: pd.Timestamp,
    cutoff: pd.Timestamp,
    start: pd.Timestamp | None,
) -> Built:
    """The feature table of one point from the engine's rows: types, tenure, contact permissions,
    lifecycle, encoded customer attributes, and the customers without a row with the reason.
    """
    status_cols = ["customer_id", *STATUS]
    has_row = pc.is_valid(table["frequency"])
    # without a purchase in the window, every purchase up to as_of is an earlier one
    status = (
        table.filter(pc.invert(has_row))
        .select(status_cols)
        .to_pandas()
        .rename(columns={"earlier_purchase": "first_purchase"})
    )
    feats = _tidy_types(table.filter(has_row).drop_columns(status_cols[2:]).to_pandas())
    first_ever = feats.pop("earlier_purchase")  # before the window
    if "sessions" in feats:  # no session in the window: 0 visits, 0 conversion
        feats["sessions"] = feats["sessions"].fillna(0).astype("int64")
        feats["sessions_per_order"] = feats["sessions"] / feats["frequency"]
        feats["browse_conversion"] = feats["browse_conversion"].fillna(0.0)
    # never sent a campaign: rates unknown (NaN), left to the preparation of stage 03
    feats["first_purchase"] = pd.to_datetime(feats.pop("first_ep"), unit="s").astype("datetime64[ns]")
    feats["last_purchase"] = pd.to_datetime(feats.pop("last_ep"), unit="s").astype("datetime64[ns]")

    customers = frames.get("customers")
    first_seen = first_ever.fillna(feats["first_purchase"]).to_numpy()  # up to as_of, not just in the window
    signup = signed = None
    h = quality.get("history")
    if customers is not None and "signup_date" in customers:
        signup = customers.set_index("customer_id")["signup_date"].reindex(feats["customer_id"]).to_numpy()
        source = history.signups(customers, given=(h or {}).get("signup_column", True))  # not those derived
        signed = np.zeros(len(feats), bool) if source is None else source.reindex(feats["customer_id"]).notna()
    tenure = history.tenure(first_seen, signup, cutoff, h, params.lifecycle, signed)
    feats["tenure_days"] = tenure["days"].to_numpy()
    feats["tenure_known"] = tenure["known"].to_numpy()
    if customers is not None and available["reachable"]:
        cust = customers.set_index("customer_id")

        def flag(c: str) -> np.ndarray:
            if c not in cust:
                return np.zeros(len(feats), bool)
            return cust[c].reindex(feats["customer_id"]).fillna(False).astype(bool).to_numpy()

        feats["email_opt_in"], feats["sms_opt_in"] = flag("email_opt_in"), flag("sms_opt_in")
        feats["reachable"] = (feats["email_opt_in"] | feats["sms_opt_in"]).astype("int64")

    feats["lifecycle"] = lifecycle_stage(feats, params, tenure["most"].to_numpy())
    drop = [f for f, ok in available.items() if not ok and f in feats]
    feats = feats.drop(columns=drop)
    ordered = ["customer_id", *[f.name for f in CATALOG if f.name in feats], "lifecycle", "tenure_known"]
    rest = [c for c in feats.columns if c not in ordered]
    feats = feats[ordered + rest]
    attrs, attr_rows = encode_attributes(frames, quality, params, feats["customer_id"], frozenset(feats.columns))
    feats = pd.concat([feats.reset_index(drop=True), attrs.reset_index(drop=True)], axis=1)
    feats.attrs["outcomes"] = outcomes(attr_rows)
    cat = pd.concat([cat, pd.DataFrame(attr_rows, columns=CATALOG_COLUMNS)], ignore_index=True)
    feats.attrs["as_of"] = as_of.date().isoformat()
    feats.attrs["window_start"] = None if start is None else start.date().isoformat()
    feats.attrs["window_days"] = None if start is None else int((cutoff - start).days)
    feats.attrs["engine"] = params.engine.kind
    feats.attrs["value_basis"] = i18n.N_(
        "net revenue of the order lines (quantity x unit price x (1 - discount), returns subtracted)"
    )
    _lifecycle_attrs(feats, h, params)
    _not_measured(feats, cat, h, params)
    _describe(feats, cat)
    return Built(feats, cat, _without(frames, feats, status))


def _not_measured(feats: pd.DataFrame, cat: pd.DataFrame, h: dict | None, params: FeatureParams) -> None:
    """A history too short to show repeat buying, recency or tenure (``features.min_history_days``):
    those features stay in the table, marked ``not_measured`` (in ``attrs`` and in the catalog's
    ``why_not``), so that no default segmentation, persona name or trait rests on them.
    """
    missing = [f for f in history.not_measured(h, params.min_history_days) if f in feats.columns]
    feats.attrs["not_measured"] = missing
    if not missing:
        return
    feats.attrs["assumptions"].append(
        i18n.neutral(history.short_history_assumption(h, missing, params.min_history_days))
    )
    why = i18n.N_("not measured: the history is shorter than features.min_history_days")
    cat.loc[cat["feature"].isin(missing), "why_not"] = why


def outcomes(rows: list[dict]) -> dict[str, dict]:
    """The outcome columns among the catalog rows (churn, a campaign's answer, a call's duration):
    feature -> {label, direction ("good": higher is better for the business, "bad", "unknown"),
    kind ("flag" or "number")}. They are in the feature table but clustered on only when
    ``segmentation.features`` names them.
    """
    from seglab.attributes import FLAG_UNIT

    return {
        r["feature"]: {
            "label": r.get("label") or r["feature"],
            "direction": r.get("outcome", "unknown"),
            "kind": "flag" if r.get("unit") == FLAG_UNIT else "number",
        }
        for r in rows
        if r.get("role") == "outcome" and r.get("available")
    }


def _lifecycle_attrs(feats: pd.DataFrame, h: dict | None, params: FeatureParams) -> None:
    """What the data tell of the lifecycle, in the table's attributes: ``history`` (the facts it
    used), ``lifecycle`` and the assumption when some or every stage is unknown.
    """
    record = history.lifecycle_record(feats, h, params)
    feats.attrs["history"] = h
    feats.attrs["lifecycle"] = record
    feats.attrs["assumptions"] = i18n.neutral(history.lifecycle_assumptions(record, h, feats.attrs.get("as_of")))


def summary_text(feats: pd.DataFrame) -> str:
    """Who has features, over which period, computed by which engine, in the reader's language."""
    n = i18n.number(len(feats))
    if feats.attrs.get("customer_level"):
        return i18n._("%(n)s customers (a customer-level source: one row per customer)") % {"n": n}
    values = {"n": n, "as_of": i18n.date(feats.attrs["as_of"]), "engine": feats.attrs["engine"]}
    if feats.attrs.get("window_start"):
        values["start"] = i18n.date(feats.attrs["window_start"])
        return (
            i18n._("%(n)s customers with a purchase from %(start)s up to %(as_of)s (as of), computed by %(engine)s")
            % values
        )
    return i18n._("%(n)s customers with a purchase up to %(as_of)s (as of), computed by %(engine)s") % values


def value_text(feats: pd.DataFrame) -> str:
    """What measures a customer's value, in the reader's language, or that nothing does."""
    basis = feats.attrs.get("value_basis")
    return i18n.term(basis) if basis else i18n._("unknown (no column measures it)")


def _describe(feats: pd.DataFrame, cat: pd.DataFrame) -> None:
    """Each feature's readable label and role, in the table's attributes (features_meta.json)."""
    avail = cat[cat["available"].astype(bool) & cat["feature"].isin(feats.columns)]
    feats.attrs["labels"] = dict(zip(avail["feature"], avail["label"].fillna(avail["feature"]), strict=True))
    feats.attrs["kinds"] = dict(zip(avail["feature"], avail["role"].fillna("number"), strict=True))


def _tidy_types(feats: pd.DataFrame) -> pd.DataFrame:
    """Same dtypes whatever the engine: counts int64 (nullable where a value can be missing), the
    rest float64; timestamps as they are. Columns already of their type are left alone (no copy).
    """
    for c in feats.columns:
        v = feats[c]
        if c == "customer_id":
            want = "str"
        elif pd.api.types.is_datetime64_any_dtype(v):
            continue
        elif c in ("first_ep", "last_ep"):
            want = "int64"
        elif c in INTEGER:
            want = "Int64" if v.isna().any() else "int64"
        else:
            want = "float64"
        if v.dtype != want:
            feats[c] = v.astype(want)
    return feats


def _frames(tables: dict[str, Table]) -> dict[str, pd.DataFrame]:
    """The small per-customer tables (customers, survey) as DataFrames; other tables as given."""
    from seglab import schemas

    out = {}
    for name, t in tables.items():
        if name in ("customers", "survey") and not isinstance(t, pd.DataFrame):
            out[name] = io.read_table(Path(t), schemas.BY_NAME[name].name)
        else:
            out[name] = t
    return out


#: Why a customer has no feature row (in English in ``customers_without_features.csv``, translated
#: where shown; the window's start is in ``features_meta.json``).
WITHOUT = {
    "returns_only": i18n.N_("only returns or cancellations in the window up to as_of"),
    "not_in_window": i18n.N_("no purchase in the window"),
    "after_as_of": i18n.N_("first transaction after as_of"),
    "no_transaction": i18n.N_("no transaction at all"),
}


def _without(tables: dict, feats: pd.DataFrame, status: pd.DataFrame) -> pd.DataFrame:
    """Customers of the input that get no feature row, and why (no customer is dropped silently)."""
    st = status.set_index("customer_id")  # the customers with transactions but no feature row
    reasons = pd.Series(
        np.select(
            [st["any_in_window"] > 0, st["any_before"] > 0, st["first_purchase"].isna() & (st["any_before"] == 0)],
            [WITHOUT["returns_only"], WITHOUT["not_in_window"], WITHOUT["after_as_of"]],
            default=WITHOUT["after_as_of"],
        ),
        index=st.index,
        dtype="str",
    )
    if "customers" in tables:
        known = tables["customers"]["customer_id"].astype(str)
        no_tx = sorted(set(known) - set(status["customer_id"]) - set(feats["customer_id"]))
        reasons = pd.concat(
            [reasons, pd.Series(WITHOUT["no_transaction"], index=pd.Index(no_tx, name="customer_id"), dtype="str")]
        )
    out = reasons.rename("reason").rename_axis("customer_id").reset_index()
    return out.sort_values("customer_id", kind="mergesort").reset_index(drop=True)


def lifecycle_stage(feats: pd.DataFrame, params: FeatureParams, most=None) -> pd.Series:
    """New / active / long_term / lapsing / lapsed from tenure and recency (thresholds in params),
    or unknown where the known facts do not decide it.

    Lapsed and lapsing (by recency) take precedence over new and long-term (by tenure). Where
    ``tenure_known`` is 0, ``tenure_days`` is only a lower bound and ``most`` (per customer; NaN:
    none) the upper bound: *new* needs the upper bound below ``new_days``, *long-term* the lower
    bound at or above ``long_term_days``, *active* both bounds between; otherwise the stage is
    *unknown*. A missing tenure is unknown too.
    """
    lc = params.lifecycle
    code = {name: i for i, name in enumerate(LIFECYCLE_STAGES)}
    missing = pd.Series(np.nan, index=feats.index)
    recency, least = feats.get("recency_days", missing), feats.get("tenure_days", missing).astype(float)
    known = feats["tenure_known"].astype(bool) if "tenure_known" in feats else least.notna()
    upper = pd.Series(np.nan if most is None else most, index=feats.index, dtype=float)
    upper = least.where(known, upper)
    stage = np.select(
        [
            recency >= lc.lapsed_days,
            recency >= lc.lapsing_days,
            upper < lc.new_days,
            least >= lc.long_term_days,
            (least >= lc.new_days) & (upper < lc.long_term_days),
        ],
        [code["lapsed"], code["lapsing"], code["new"], code["long_term"], code["active"]],
        default=code["unknown"],
    )
    return pd.Series(pd.Categorical.from_codes(stage, categories=list(LIFECYCLE_STAGES)), index=feats.index)


def summary(features: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """Per feature: missing share, mean, median, skew and range, for checking before clustering."""
    rows = []
    for c in cols:
        v = features[c]
        rows.append(
            {
                "feature": c,
                "missing": float(v.isna().mean()),
                "mean": v.mean(),
                "median": v.median(),
                "min": v.min(),
                "max": v.max(),
                "skew": v.skew(),
            }
        )
    return pd.DataFrame(rows)


def correlated_pairs(features: pd.DataFrame, cols: list[str], threshold: float = 0.8) -> pd.DataFrame:
    """Pairs of features whose Spearman correlation is at least ``threshold`` in absolute value."""
    corr = features[cols].corr(method="spearman")
    rows = [
        {"feature_a": a, "feature_b": b, "spearman": corr.loc[a, b]}
        for i, a in enumerate(cols)
        for b in cols[i + 1 :]
        if abs(corr.loc[a, b]) >= threshold
    ]
    return pd.DataFrame(rows, columns=["feature_a", "feature_b", "spearman"])


#: Days per month, for tenures given in months.
DAYS_PER_MONTH = 30.4375
#: Fewer usable behavioural features than this, and a customer-level source also clusters on the
#: numeric columns of its other lenses (with a note saying so).
MIN_BEHAVIOUR_FEATURES = 3
#: Kinds of column clustered on by default (categories and codes describe the segments instead).
_CLUSTERED_KINDS = ("money", "count", "number", "score", "share", "sentinel", "flag", "ordinal", "behaviour")


def _sum(frame: pd.DataFrame) -> pd.Series:
    return frame.astype(float).sum(axis=1, min_count=1)


class _Behaviour:
    """The catalog features of a customer-level source, one group at a time (see
    :func:`_customer_behaviour`).
    """

    def __init__(self, customers: pd.DataFrame, quality: dict):
        from seglab import roles as roles_mod

        self.customers, self.quality = customers, quality
        self.labels = {c: roles_mod.readable(n) for c, n in quality.get("labels", {}).get("customers", {}).items()}
        self.out: dict[str, pd.Series] = {}
        self.rows: list[dict] = []
        self.notes: list[dict] = []
        self.value: list[str] = []  # the columns of the customer value
        self.orders: list[str] = []  # the columns of the purchase count

    def lab(self, cols: list[str]) -> str:
        from seglab import roles as roles_mod

        return " + ".join(self.labels.get(c, roles_mod.readable(c)) for c in cols)

    def add(self, name: str, values: pd.Series, source: str, columns: list[str], **row) -> None:
        """A catalog feature from ``columns`` of the customer table (``source``: them in words)."""
        f = BY_NAME.get(name)
        self.out[name] = values.astype(float).reset_index(drop=True)
        self.rows.append(
            {
                "feature": name,
                "lens": "behavioural",
                "description": i18n.Note.of(
                    N_("%(description)s: from %(source)s"),
                    description=i18n.as_term(f.description) if f else name,
                    source=source,
                ),
                "unit": f.unit if f else "",
                "available": True,
                "why_not": "",
                "role": "behaviour",
                "label": f.label if f else name.replace("_", " "),
                "default": True,
                "columns": list(columns),
                **row,
            }
        )

    def tenure(self, behaviour: dict, params: FeatureParams) -> None:
        """Tenure in days: a tenure column (days or months), else from the signup date."""
        c = self.customers
        if "tenure_days" in behaviour:
            cols = behaviour["tenure_days"][:1]
            self.add("tenure_days", c[cols[0]], self.lab(cols), cols)
            return
        if "tenure_months" in behaviour:
            months = behaviour["tenure_months"]
            self.add(
                "tenure_days",
                c[months[0]].astype(float) * DAYS_PER_MONTH,
                f"{self.lab(months)} (months x {DAYS_PER_MONTH})",
                months[:1],
            )
            return
        signup = [col for col, r in self.quality.get("roles", {}).get("customers", {}).items() if r["kind"] == "signup"]
        if not signup:
            return
        dates = pd.to_datetime(c[signup[0]])
        as_of = pd.Timestamp(params.as_of) if params.as_of else dates.max().normalize()
        label = self.labels.get(signup[0], signup[0])
        if params.as_of is None:
            self.notes.append(
                {
                    "stage": "02",
                    "subject": N_("as of"),
                    "assumed": i18n.Note.of(
                        N_("%(date)s (the latest %(column)s)"), date=i18n.as_date(as_of), column=label
                    ),
                    "why": N_("a customer-level source has no transaction dates: tenure counts to the last join date"),
                    "change": "features.as_of: <the date the table was exported>",
                }
            )
        self.add(
            "tenure_days",
            (as_of + pd.Timedelta(days=1) - dates).dt.total_seconds() / 86400.0,
            f"{label} to {as_of.date()}",
            signup[:1],
        )

    def per_order(self, behaviour: dict, freq: pd.Series | None) -> None:
        """Deal purchases, visits and campaign answers, per order where the orders are known."""
        from seglab import roles as roles_mod

        c = self.customers
        if "discount_orders" in behaviour:
            d = _sum(c[behaviour["discount_orders"]])
            share = d if d.dropna().between(0, 1).all() or freq is None else d / freq.where(freq > 0)
            source = self.lab(behaviour["discount_orders"]) + ("" if freq is None else " / orders")
            self.add(
                "discount_share",
                share.clip(0, 1),
                source,
                behaviour["discount_orders"] + (self.orders if freq is not None else []),
                description="share of purchases made with a discount or deal: from " + source,
            )
        if "visits" in behaviour:
            visits = _sum(c[behaviour["visits"]])
            self.add("sessions", visits, self.lab(behaviour["visits"]), behaviour["visits"])
            if freq is not None:
                self.add(
                    "sessions_per_order",
                    visits / freq.where(freq > 0),
                    f"{self.lab(behaviour['visits'])} / orders",
                    behaviour["visits"] + self.orders,
                )
        if "campaign_responses" in behaviour:
            answers = pd.concat([roles_mod.to_flag(c[col]) for col in behaviour["campaign_responses"]], axis=1)
            source = f"the mean of {self.lab(behaviour['campaign_responses'])}"
            self.add(
                "campaign_conversion_rate",
                answers.mean(axis=1),
                source,
                behaviour["campaign_responses"],
                description="share of campaigns the customer accepted or answered: from " + source,
            )

    def mixes(self, channels: dict, spend: list[str]) -> None:
        """Channel shares, order value, and the category mix of the spend columns."""
        c = self.customers
        if channels:
            counts = c[list(channels.values())].astype(float)
            total = counts.sum(axis=1)
            for ch, col in channels.items():
                self.add(
                    f"{ch}_share",
                    counts[col] / total.where(total > 0),
                    f"{self.labels.get(col, col)} / all purchases",
                    list(channels.values()),
                )
        if "monetary" in self.out and "frequency" in self.out:
            freq = self.out["frequency"]
            self.add(
                "avg_order_value",
                self.out["monetary"] / freq.where(freq > 0),
                "customer value / orders",
                self.value + self.orders,
            )
        if len(spend) >= 2:
            amounts = c[spend].astype(float).clip(lower=0)
            total = amounts.sum(axis=1)
            self.add(
                "top_category_share",
                amounts.max(axis=1) / total.where(total > 0),
                f"the largest of {self.lab(spend)}",
                spend,
            )
            self.add(
                "category_breadth",
                (amounts > 0).sum(axis=1).where(amounts.notna().any(axis=1)),
                f"{self.lab(spend)} above 0",
                spend,
            )


def _customer_behaviour(
    customers: pd.DataFrame, quality: dict, params: FeatureParams
) -> tuple[dict, list[dict], list[dict]]:
    """The catalog features a customer-level source gives through its column roles (stage 01's
    ``value``, ``spend``, ``behaviour`` and ``channels``): features, catalog rows, assumptions.
    """
    b = _Behaviour(customers, quality)
    behaviour, channels = quality.get("behaviour", {}), quality.get("channels", {})
    b.value = list(quality.get("value", {}).get("columns") or [])
    if b.value:
        b.add("monetary", _sum(customers[b.value]), b.lab(b.value), b.value, unit="money", label="customer value")
    b.orders = list(behaviour.get("orders") or list(channels.values()))
    if b.orders:
        b.add("frequency", _sum(customers[b.orders]), b.lab(b.orders), b.orders)
    if "recency_days" in behaviour:
        cols = behaviour["recency_days"][:1]
        b.add("recency_days", customers[cols[0]], b.lab(cols), cols)
    b.tenure(behaviour, params)
    b.per_order(behaviour, b.out.get("frequency"))
    b.mixes(channels, quality.get("spend", []))
    return b.out, b.rows, b.notes


#: The lenses whose numbers and yes/no columns are clustered on by default (domain.md: the others
#: describe the segments).
CLUSTERING_LENSES = ("behavioural", "psychographic", "firmographic")


def _thin_note(numeric: list[dict], doing: list[str], extra: list[dict]) -> dict:
    """The assumption of clustering on other lenses' numbers when behaviour gives too few features."""
    return {
        "stage": "02",
        "topic": "clustered_features",
        "subject": N_("features clustered on"),
        "assumed": i18n.Note.of(
            N_("also %(features)s (%(lenses)s)"),
            features=[i18n.as_term(r["label"]) for r in extra],
            lenses=[i18n.as_term(lens) for lens in sorted({r["lens"] for r in extra})],
        ),
        "why": i18n.Note.of(
            N_("behaviour gives only %(n)s usable feature(s) (%(features)s): fewer than %(min)s")
            if doing
            else N_("behaviour gives only %(n)s usable feature(s): fewer than %(min)s"),
            n=len(doing),
            features=[i18n.as_term(r["label"]) for r in numeric if r["feature"] in doing],
            min=MIN_BEHAVIOUR_FEATURES,
        ),
        "change": "segmentation.features: [...]  (or declare columns as behavioural in source.tables.customers.lenses)",
    }


def _declared_note(doing: list[str], numeric: list[dict]) -> dict:
    """What is clustered on when the parameters declare the clustering lenses: exactly those columns."""
    return {
        "stage": "02",
        "topic": "clustered_features",
        "subject": N_("features clustered on"),
        "assumed": i18n.Note.of(
            N_("exactly the columns of the declared lenses: %(features)s"),
            features=[i18n.as_term(r["label"]) for r in numeric if r["feature"] in doing],
        ),
        "why": N_("source.tables.customers.lenses declares the behavioural, psychographic or firmographic columns"),
        "change": "segmentation.features: [...]  (or change source.tables.customers.lenses)",
    }


def _default_customer_features(
    feats: pd.DataFrame, rows: list[dict], declared: frozenset[str] | None = None
) -> tuple[list[str], list[dict]]:
    """What a customer-level source clusters on by default: the numeric and yes/no features of the
    behavioural, psychographic and firmographic lenses (categories and codes describe segments);
    with fewer than MIN_BEHAVIOUR_FEATURES of them, also the numeric columns of the other lenses.
    ``declared``: the columns the parameters put in those lenses (``source.tables.<t>.lenses``);
    when there are any, exactly the features made from them are clustered on, nothing added.
    """
    usable = [r for r in rows if r["available"] and r["feature"] in feats and feats[r["feature"]].nunique() > 1]
    numeric = [r for r in usable if r.get("role", "number") in _CLUSTERED_KINDS]
    if declared:
        doing = [r["feature"] for r in numeric if r.get("columns") and set(r["columns"]) <= declared]
        notes = [_declared_note(doing, numeric)]
    else:
        doing = [r["feature"] for r in numeric if r["lens"] in CLUSTERING_LENSES]
        notes = []
        extra = [
            r
            for r in numeric
            if r["feature"] not in doing and r.get("role") != "flag" and r["lens"] not in ("contactability",)
        ]
        if len(doing) < MIN_BEHAVIOUR_FEATURES and extra:
            notes.append(_thin_note(numeric, doing, extra))
            doing += [r["feature"] for r in extra]
    if len(doing) < 2:
        have = ", ".join(r["label"] for r in usable) or "none"
        raise FeatureError(
            f"a customer-level source needs at least 2 columns that vary to segment on; usable here: {have}. "
            "Add behaviour columns (spend, purchase counts, visits, recency) or name the features to use in "
            "segmentation.features"
        )
    for r in rows:
        r["default"] = r["feature"] in doing
    return doing, notes


def build_customer_level(
    tables: dict[str, pd.DataFrame], quality: dict, params: FeatureParams
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Features of a customer-level source (one row per customer, already aggregated).

    The columns are encoded by role (:func:`encode_attributes`); the behaviour they hold (customer
    value, purchase counts, recency, tenure, deals, visits, campaign answers, purchases per channel,
    spend per category) becomes the catalog's features (``monetary``, ``frequency``,
    ``recency_days``, ``tenure_days``, ``discount_share``, ``sessions``,
    ``campaign_conversion_rate``, channel shares, ``top_category_share``...), so that profiles,
    persona rules and the Boston matrix read them as for transactions. Without a value basis
    there is no ``monetary``: the value is unknown, not 0.
    """
    customers = tables["customers"].sort_values("customer_id", kind="mergesort").reset_index(drop=True)
    ids = customers["customer_id"].astype(str)
    attrs, rows = encode_attributes(tables, quality, params, ids)
    derived, drows, notes = _customer_behaviour(customers, quality, params)
    feats = pd.concat([pd.DataFrame({"customer_id": ids}), pd.DataFrame(derived), attrs], axis=1)
    rows = drows + rows
    if "tenure_days" in feats:  # from a tenure column or a signup date: known where given
        feats["tenure_known"] = feats["tenure_days"].notna().astype("int64")
        feats["lifecycle"] = lifecycle_stage(feats, params)
    if {"email_opt_in", "sms_opt_in"} & set(feats.columns):
        feats["reachable"] = feats.reindex(columns=["email_opt_in", "sms_opt_in"]).fillna(0).max(axis=1)
        rows.append(
            {
                "feature": "reachable",
                "lens": "contactability",
                "description": BY_NAME["reachable"].description,
                "unit": "flag 0/1",
                "available": True,
                "why_not": "",
                "role": "flag",
                "label": BY_NAME["reachable"].label,
                "default": False,
            }
        )
    lenses = quality.get("lenses", {})
    declared = frozenset(
        c if t == "customers" else f"survey_{c}"
        for t in ("customers", "survey")
        for c, lens in lenses.get(t, {}).items()
        if not lens.get("guessed", True) and lens["lens"] in CLUSTERING_LENSES
    )
    default, more = _default_customer_features(feats, rows, declared)
    feats.attrs["outcomes"] = outcomes(rows)
    value = quality.get("value", {})
    feats.attrs["as_of"] = None
    feats.attrs["customer_level"] = True
    feats.attrs["default_features"] = default
    feats.attrs["value_basis"] = (
        " + ".join(quality.get("labels", {}).get("customers", {}).get(c, c) for c in value["columns"])
        if value.get("columns")
        else None
    )
    cat = pd.DataFrame(rows, columns=CATALOG_COLUMNS)
    _lifecycle_attrs(feats, quality.get("history"), params)
    feats.attrs["assumptions"] = i18n.neutral(notes + more) + feats.attrs["assumptions"]
    _describe(feats, cat)
    return feats, cat


def lifecycle_counts(features: pd.DataFrame) -> pd.DataFrame | None:
    """Customers per lifecycle stage with their share (None without purchase history)."""
    if "lifecycle" not in features:
        return None
    counts = features["lifecycle"].value_counts().reindex(LIFECYCLE_STAGES, fill_value=0)
    out = counts.rename_axis("lifecycle stage").reset_index(name="customers")
    out["share"] = out["customers"] / len(features)
    return out
