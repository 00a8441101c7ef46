"""The facts of the classroom shop the checks compare answers with, recomputed from its data
when asked (never stored): each segment's planted archetype, each customer's recency; and the
digest an answer the data cannot give back is kept as (:data:`seglab_workshop.check.LENS_KEY`).
The checks and the instructor's side (:mod:`seglab_workshop.answers`) use it; the learner
notebooks never import it (a test greps them).
"""

from __future__ import annotations

import hashlib
import itertools
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from seglab_workshop.classroom import Classroom

__all__ = [
    "channels",
    "digest",
    "first_purchase_days",
    "planted_names",
    "recency",
    "stay_rates",
    "stay_readings",
    "tenure",
]


def digest(question: str, answer: str) -> str:
    """The salted digest of ``answer`` to ``question`` (16 hex digits)."""
    return hashlib.sha256(f"seglab-workshop|{question}|{answer}".encode()).hexdigest()[:16]


def planted_names(room: Classroom) -> dict[int, str]:
    """Each segment of the shop's segmentation and the archetype most of its customers were planted as."""
    segs = room.segmentation.segments
    truth = room.planted(segs["customer_id"]).to_numpy()
    out = {}
    for s in sorted(segs["segment"].unique()):
        values, counts = np.unique(truth[segs["segment"].to_numpy() == s], return_counts=True)
        out[int(s)] = str(values[counts.argmax()])
    return out


def recency(room: Classroom, customers) -> pd.Series:
    """Whole days from each customer's last purchase (a line with a positive quantity) to the as-of date."""
    tx = room.transactions
    lines = tx[tx["customer_id"].isin(list(customers))]
    last = lines[lines["quantity"] > 0].groupby("customer_id")["timestamp"].max().dt.normalize()
    return (room.as_of.normalize() - last).dt.days.reindex(list(customers)).astype(float)


def tenure(room: Classroom, customers) -> pd.Series:
    """Whole days from each customer's sign-up (``signup_date``) to the as-of date: how long they
    have been a customer (seglab's ``tenure_days`` counts to the end of the as-of day: one more).
    """
    signup = room.customers.set_index("customer_id")["signup_date"].reindex(list(customers)).dt.normalize()
    return (room.as_of.normalize() - signup).dt.days.astype(float)


def first_purchase_days(room: Classroom, customers) -> pd.Series:
    """Whole days from each customer's first purchase in the shop's data to the as-of date."""
    tx = room.transactions
    lines = tx[tx["customer_id"].isin(list(customers))]
    first = lines[lines["quantity"] > 0].groupby("customer_id")["timestamp"].min().dt.normalize()
    return (room.as_of.normalize() - first).dt.days.reindex(list(customers)).astype(float)


#: A channel carries a segment's message when at least this share of its customers allow it.
CHANNEL_LEAST = 0.5


def channel_shares(room: Classroom) -> pd.DataFrame:
    """Each segment's share of customers who allow e-mail and SMS (segment index; email, sms)."""
    segs = room.segmentation.segments[["customer_id", "segment"]]
    c = room.customers.merge(segs, on="customer_id")
    shares = c.groupby("segment")[["email_opt_in", "sms_opt_in"]].mean().astype(float)
    return shares.set_axis(["email", "sms"], axis=1)


def channels(room: Classroom) -> dict[int, str]:
    """Each segment's channel: the one most of its customers allow (e-mail on a tie), "none"
    when fewer than :data:`CHANNEL_LEAST` of them allow either.
    """
    out = {}
    for s, r in channel_shares(room).iterrows():
        best = "email" if r["email"] >= r["sms"] else "sms"
        out[int(s)] = best if r[best] >= CHANNEL_LEAST else "none"
    return out


def _quarters(tracked: pd.DataFrame) -> list[pd.Series]:
    """The segment of each customer active in each tracked quarter (customer_id index), oldest first."""
    return [g.set_index("customer_id")["segment"] for _end, g in tracked.groupby("period_end", sort=True)]


def _stayed(pairs: list[tuple[pd.Series, pd.Series]]) -> pd.Series:
    """Per segment of the first quarter of each pair (before, after), the share of its customers
    in the same segment in the second (pooled over the pairs).
    """
    before = pd.concat([b for b, _a in pairs])
    same = pd.concat([b == a.reindex(b.index) for b, a in pairs])
    return same.groupby(before.to_numpy()).mean()


def stay_rates(tracked: pd.DataFrame, pooled: bool = False) -> pd.Series:
    """Each segment's stay rate from the last quarter but one to the last (segment index): the
    share of its customers active then who are in the same segment in the last quarter (one not
    active in it has left). ``pooled``: over every pair of consecutive quarters (a hint's reading).
    """
    quarters = _quarters(tracked)
    pairs = list(itertools.pairwise(quarters)) if pooled else [tuple(quarters[-2:])]
    return _stayed(pairs).rename_axis("segment")


def stay_readings(tracked: pd.DataFrame) -> dict[str, pd.Series]:
    """The usual wrong readings of the stay rates (for hints): among the customers active in both
    quarters only (``both``), the share still active in any segment (``active``), as a share of the
    last quarter's segment (``to``), and the first pair of quarters instead of the last (``first``).
    """
    quarters = _quarters(tracked)
    before, after = quarters[-2], quarters[-1]
    both = before.index.intersection(after.index)
    return {
        "both": _stayed([(before[both], after[both])]),
        "active": pd.Series(before.index.isin(after.index), index=before.index).groupby(before.to_numpy()).mean(),
        "to": _stayed([(after, before)]),
        "first": _stayed([(quarters[0], quarters[1])]),
    }
