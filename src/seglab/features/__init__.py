"""Stage 02, feature building: one row per customer at a point in time.

The behavioural features are Ibis expressions (``transaction_features``, ``session_features``,
``campaign_features``), written once and run by DuckDB (default) or Spark
(``engine.kind``). Revenue of a line = quantity x unit_price x (1 - discount). Purchases
are lines with a positive quantity; returns and cancellations have a negative quantity and net
against purchases. Nothing after ``as_of`` (end of that day) is used; with ``window_days``
nothing before the window either (tenure excepted: it counts from the first purchase or signup).

Customer and survey columns (demographic, geographic, firmographic, psychographic) are encoded
for clustering by :func:`seglab.features.attributes.encode_attributes`: numbers as they are, yes/no
as 0/1, ordered text as 0, 1, 2, ... (known scales or ``features.ordinal``), other text with at
most 12 values one-hot.

The modules, lowest first: ``definitions`` (the Ibis expressions), ``attributes`` (customer
columns encoded), ``window`` (the observation date and window), ``table`` (the catalog of what the
data give, the built table and its notes), ``customer`` (a customer-level source), ``builder``
(order lines to the customer table at one date or many).
"""

from __future__ import annotations

from seglab.engine import FeatureError
from seglab.features.builder import PAIRED_ROWS, POINT_COLUMNS, STATUS, WITHOUT, build, build_many, window_assumption
from seglab.features.customer import (
    CLUSTERING_LENSES,
    DAYS_PER_MONTH,
    MIN_BEHAVIOUR_FEATURES,
    build_customer_level,
    lifecycle_counts,
)
from seglab.features.definitions import (
    DAY,
    MICRO,
    ONE,
    ZERO,
    When,
    campaign_features,
    other_lines,
    purchase_lines,
    purchase_orders,
    session_features,
    transaction_features,
)
from seglab.features.table import (
    CATALOG_COLUMNS,
    TX_COLUMNS,
    Built,
    catalog,
    correlated_pairs,
    lifecycle_stage,
    outcomes,
    summary,
    summary_text,
    value_text,
)
from seglab.features.window import (
    AS_OF_GRACE_DAYS,
    MIN_TWO_PERIOD_WINDOW,
    OVER_INDEX,
    OVER_INDEX_MIN_SHARE,
    QUARTER_DAYS,
    YEAR_DAYS,
    RevenueMix,
    fixed_window,
    over_indexed,
    period_activity,
    resolve_as_of,
    resolve_window,
    revenue_mix,
    transaction_day,
    two_periods_change,
    window_start,
)

__all__ = [
    "FeatureError",
    "AS_OF_GRACE_DAYS",
    "Built",
    "CATALOG_COLUMNS",
    "CLUSTERING_LENSES",
    "DAY",
    "DAYS_PER_MONTH",
    "MICRO",
    "MIN_BEHAVIOUR_FEATURES",
    "MIN_TWO_PERIOD_WINDOW",
    "ONE",
    "OVER_INDEX",
    "OVER_INDEX_MIN_SHARE",
    "PAIRED_ROWS",
    "POINT_COLUMNS",
    "QUARTER_DAYS",
    "RevenueMix",
    "STATUS",
    "TX_COLUMNS",
    "WITHOUT",
    "When",
    "YEAR_DAYS",
    "ZERO",
    "build",
    "build_customer_level",
    "build_many",
    "campaign_features",
    "catalog",
    "correlated_pairs",
    "fixed_window",
    "lifecycle_counts",
    "lifecycle_stage",
    "other_lines",
    "outcomes",
    "over_indexed",
    "period_activity",
    "purchase_lines",
    "purchase_orders",
    "resolve_as_of",
    "resolve_window",
    "revenue_mix",
    "session_features",
    "summary",
    "summary_text",
    "transaction_day",
    "transaction_features",
    "two_periods_change",
    "value_text",
    "window_assumption",
    "window_start",
]
