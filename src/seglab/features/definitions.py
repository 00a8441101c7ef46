"""The feature definitions: Ibis expressions written once and run by DuckDB (default) or Spark
(``engine.kind``). Revenue of a line = quantity x unit_price x (1 - discount); purchases are
lines with a positive quantity, returns and cancellations net against them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import ibis
import ibis.selectors as s
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from ibis import _

from seglab.engine import Table

# --------------------------------------------------------------------------------------------
# engines
# --------------------------------------------------------------------------------------------


def table_columns(table: Table) -> list[str]:
    """The column names of a table given as a DataFrame, a Parquet file or a Parquet folder."""
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


def from_micro(micro_sum) -> ibis.Value:
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


def line_revenue(t) -> ibis.Value:
    """The revenue of each order line in whole millionths: quantity x unit_price x (1 - discount)."""
    return _micro(t.quantity * t.unit_price * (ONE - t.discount.fill_null(ZERO)))


def purchase_lines(tx, when: When):
    """Purchase lines (positive quantity) inside the window, with their revenue (in millionths)."""
    _, inside = _in_window(tx, when)
    buy = tx.filter(inside & (tx.quantity > 0))
    return buy.mutate(revenue=line_revenue(buy))


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
        returned=-line_revenue(rest).sum(where=inside & (rest.quantity < 0)),
        earlier_purchase=rest.timestamp.min(where=before & (rest.quantity > 0)),
        any_before=_flag(before).max(),
        any_in_window=_flag(inside).max(),
    )


def join_on(left, right, keys: list[str]):
    """``left`` with ``right``'s columns joined on ``keys`` (the keys once)."""
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
        j = join_on(j, part, keys)
    gross = from_micro(j.gross.fill_null(ZERO))
    returned = from_micro(j.returned.fill_null(ZERO))
    late, early = from_micro(j.late.fill_null(ZERO)), from_micro(j.early.fill_null(ZERO))
    positive = gross > 0
    return j.select(
        *[j[k] for k in keys],
        recency_days=(when.cut_s(j) - j.last_ep).cast("float64") / DAY,
        frequency=j.n_orders.cast("int64"),
        monetary=gross - returned,
        gross_revenue=gross,
        avg_order_value=gross / j.n_orders,
        avg_basket_size=from_micro(j.units.fill_null(ZERO)) / j.n_orders,
        first_ep=j.first_ep,
        last_ep=j.last_ep,
        interpurchase_mean_days=j.gap_mean,
        interpurchase_cv=ibis.ifelse(
            (j.gap_n >= 2) & (j.gap_mean > 0), j.gap_sd / j.gap_mean, ibis.literal(None, type="float64")
        ),
        spend_trend=ibis.ifelse((late + early > 0) & (j.n_orders > 1), (late - early) / (late + early), ZERO),
        discount_share=ibis.ifelse(positive, from_micro(j.discounted.fill_null(ZERO)) / gross, ZERO),
        return_share=ibis.ifelse(positive, returned / gross, ZERO),
        product_breadth=j.product_breadth.fill_null(ZERO).cast("int64"),
        category_breadth=j.category_breadth.fill_null(ZERO).cast("int64"),
        top_category_share=ibis.ifelse(positive, from_micro(j.top_cat) / gross, ibis.literal(None, type="float64")),
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
