"""pandera schemas of every table seglab writes; tables are validated when written and when read."""

from __future__ import annotations

import pandera.pandas as pa

from seglab.vocabulary import LIFECYCLE_STAGES, NOT_PLACED, QUADRANTS

_ts = "datetime64[ns]"
_id = pa.Column(str, nullable=False)


def _opt(dtype, *checks, **kw) -> pa.Column:
    return pa.Column(dtype, list(checks), nullable=True, required=False, coerce=True, **kw)


TRANSACTIONS = pa.DataFrameSchema(
    {
        "customer_id": _id,
        "order_id": pa.Column(str),
        "timestamp": pa.Column(_ts, coerce=True),
        "quantity": pa.Column(float, pa.Check.ne(0), coerce=True),
        "unit_price": pa.Column(float, pa.Check.ge(0), coerce=True),
        "discount": pa.Column(float, pa.Check.in_range(0, 1), coerce=True),
        "product_id": _opt(str),
        "category": _opt(str),
        "channel": _opt(str),
        "source_row": pa.Column("int64", pa.Check.ge(0), coerce=True),
    },
    strict=False,
    name="transactions",
)

CUSTOMERS = pa.DataFrameSchema(
    {
        "customer_id": pa.Column(str, unique=True),
        "signup_date": _opt(_ts),
        "email_opt_in": _opt("boolean"),
        "sms_opt_in": _opt("boolean"),
    },
    strict=False,
    name="customers",
)

SURVEY = pa.DataFrameSchema({"customer_id": pa.Column(str, unique=True)}, strict=False, name="survey")

SESSIONS = pa.DataFrameSchema(
    {
        "customer_id": _id,
        "timestamp": pa.Column(_ts, coerce=True),
        "converted": pa.Column(bool, coerce=True),
        "channel": _opt(str),
    },
    strict=False,
    name="sessions",
)

CAMPAIGN_EVENTS = pa.DataFrameSchema(
    {
        "customer_id": _id,
        "campaign_id": pa.Column(str),
        "sent_at": pa.Column(_ts, coerce=True),
        "opened": pa.Column(bool, coerce=True),
        "clicked": pa.Column(bool, coerce=True),
        "converted": pa.Column(bool, coerce=True),
    },
    strict=False,
    name="campaign_events",
)

REJECTED = pa.DataFrameSchema(
    {
        "table": pa.Column(str),
        "source": pa.Column(str),
        "source_row": pa.Column("int64", pa.Check.ge(0), coerce=True),
        "source_line": pa.Column("Int64", pa.Check.ge(1), nullable=True, coerce=True),
        "rule": pa.Column(str),
        "reason": pa.Column(str),
        "values": pa.Column(str),
    },
    strict=True,
    coerce=True,
    name="rejected",
)

FEATURES = pa.DataFrameSchema(
    {
        "customer_id": pa.Column(str, unique=True),
        # the lifecycle stage, "unknown" where the data cannot tell (seglab.collection.history); kept categorical
        "lifecycle": pa.Column(checks=pa.Check.isin(LIFECYCLE_STAGES), nullable=False, required=False),
        # 1: tenure_days is the tenure; 0: only a lower bound (may have bought before the data)
        "tenure_known": pa.Column("int64", pa.Check.isin([0, 1]), nullable=False, required=False),
    },
    strict=False,
    name="features",
)

SEGMENTS = pa.DataFrameSchema(
    {
        "customer_id": pa.Column(str, unique=True),
        "segment": pa.Column("int64", pa.Check.ge(1), coerce=True),
        "segment_label": pa.Column(str),
    },
    strict=True,
    name="segments",
)

PREDICTIONS = pa.DataFrameSchema(
    {
        "customer_id": pa.Column(str, unique=True),
        "segment": pa.Column("int64", pa.Check.ge(1), coerce=True),
        "p_buy": pa.Column(float, pa.Check.in_range(0, 1)),
        "expected_spend": pa.Column(float, pa.Check.ge(0)),
        # lifetime value (BG/NBD + Gamma-Gamma): none for a customer-level source or too few repeat buyers
        "p_alive": pa.Column(float, pa.Check.in_range(0, 1), nullable=True, required=False),
        "expected_purchases": pa.Column(float, pa.Check.ge(0), nullable=True, required=False),
        "clv": pa.Column(float, pa.Check.ge(0), nullable=True, required=False),
        "clv_low": pa.Column(float, pa.Check.ge(0), nullable=True, required=False),
        "clv_high": pa.Column(float, pa.Check.ge(0), nullable=True, required=False),
    },
    strict=True,
    name="predictions",
)

PERIOD_SEGMENTS = pa.DataFrameSchema(
    {
        "period_end": pa.Column("datetime64[ns]", coerce=True),
        "customer_id": pa.Column(str),
        "segment": pa.Column("int64", pa.Check.ge(1), coerce=True),
        "value": pa.Column(float, coerce=True),
    },
    unique=["period_end", "customer_id"],
    strict=True,
    name="period_segments",
)

BOSTON = pa.DataFrameSchema(
    {
        "segment": pa.Column("int64", pa.Check.ge(1), unique=True, coerce=True),
        "persona": pa.Column(str),
        "attractiveness": pa.Column(float, pa.Check.in_range(0, 1)),
        "ability_to_win": pa.Column(float, pa.Check.in_range(0, 1), nullable=True),  # empty: not measured
        "quadrant": pa.Column(str, pa.Check.isin([*QUADRANTS, NOT_PLACED])),
        "action": pa.Column(str),
    },
    strict=False,
    name="boston_matrix",
)

BY_NAME = {
    s.name: s
    for s in (
        TRANSACTIONS,
        CUSTOMERS,
        SURVEY,
        SESSIONS,
        CAMPAIGN_EVENTS,
        REJECTED,
        FEATURES,
        SEGMENTS,
        PREDICTIONS,
        PERIOD_SEGMENTS,
        BOSTON,
    )
}
