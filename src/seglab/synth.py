"""Synthetic CRM generator: the embedded default data of seglab.

It plants the five customer archetypes of the segmentation method (loyal
customers, impulse shoppers, bargain hunters, wandering customers and
need-based customers) with behaviour that makes each one recognisable, new
versus long-term customers, and a different growth over time per archetype.

The generator is fully vectorised (numpy) and deterministic: the same
arguments give the same tables, byte for byte.

The true archetype of every customer is returned separately
(:attr:`SynthData.ground_truth`) and written to its own file; the pipeline
never reads it. Tests use it to check that segmentation recovers the plan.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

#: Bump whenever the generated data changes, so cached copies under data/raw are regenerated.
GENERATOR_VERSION = 1

#: Archetype keys, in the order used throughout seglab.
ARCHETYPES: tuple[str, ...] = (
    "loyal",
    "impulse_shopper",
    "bargain_hunter",
    "wandering",
    "need_based",
)

CATEGORIES: tuple[str, ...] = (
    "Apparel",
    "Beauty",
    "Books",
    "Electronics",
    "Grocery",
    "Home",
    "Kids",
    "Outdoor",
    "Pet",
    "Sports",
)
#: Typical list price of an item per category (currency units).
CATEGORY_PRICE = np.array([30.0, 18.0, 14.0, 120.0, 6.0, 35.0, 22.0, 45.0, 12.0, 40.0])
CHANNELS: tuple[str, ...] = ("web", "store", "app")

CITIES: tuple[tuple[str, str], ...] = (
    ("London", "South"),
    ("Brighton", "South"),
    ("Bristol", "South"),
    ("Manchester", "North"),
    ("Leeds", "North"),
    ("Newcastle", "North"),
    ("Birmingham", "Midlands"),
    ("Nottingham", "Midlands"),
    ("Glasgow", "Scotland"),
    ("Edinburgh", "Scotland"),
)


@dataclass(frozen=True)
class ArchetypeSpec:
    """Behaviour of one planted archetype (population means; customers vary around them)."""

    share: float  # share of customers
    pre_window: float  # probability the customer signed up before the window starts
    growth: float  # log-ratio of the join rate at the window end vs its start
    churn_per_month: float  # monthly hazard of stopping to buy
    orders_per_month: float
    jitter: float  # irregularity of inter-order gaps (0 = clockwork)
    lines_per_order: float
    quantity: float  # mean units per line
    price_level: float  # multiplier on the category list price
    discount_prob: float  # probability a line is discounted
    return_prob: float  # probability a line is returned
    category_alpha: float  # Dirichlet concentration: small = one favourite category
    channel: tuple[float, float, float]  # web, store, app
    browse_per_order: float  # non-converting sessions per order
    open_rate: float
    click_given_open: float
    convert_given_click: float
    hour: float  # preferred hour of day
    weekend: float  # probability an order is placed on a weekend
    age: float
    income: tuple[float, float, float]  # low, middle, high
    email_opt_in: float
    sms_opt_in: float


SPECS: dict[str, ArchetypeSpec] = {
    "loyal": ArchetypeSpec(
        share=0.14,
        pre_window=0.85,
        growth=0.0,
        churn_per_month=0.004,
        orders_per_month=3.0,
        jitter=0.25,
        lines_per_order=3.0,
        quantity=1.4,
        price_level=1.0,
        discount_prob=0.04,
        return_prob=0.01,
        category_alpha=1.5,
        channel=(0.15, 0.10, 0.75),
        browse_per_order=0.4,
        open_rate=0.75,
        click_given_open=0.30,
        convert_given_click=0.35,
        hour=9.0,
        weekend=0.2,
        age=46,
        income=(0.15, 0.50, 0.35),
        email_opt_in=0.92,
        sms_opt_in=0.55,
    ),
    "impulse_shopper": ArchetypeSpec(
        share=0.16,
        pre_window=0.55,
        growth=-1.2,
        churn_per_month=0.03,
        orders_per_month=0.6,
        jitter=2.5,
        lines_per_order=8.0,
        quantity=2.5,
        price_level=2.2,
        discount_prob=0.10,
        return_prob=0.20,
        category_alpha=3.0,
        channel=(0.55, 0.15, 0.30),
        browse_per_order=3.0,
        open_rate=0.20,
        click_given_open=0.25,
        convert_given_click=0.20,
        hour=22.0,
        weekend=0.6,
        age=31,
        income=(0.20, 0.45, 0.35),
        email_opt_in=0.78,
        sms_opt_in=0.40,
    ),
    "bargain_hunter": ArchetypeSpec(
        share=0.24,
        pre_window=0.30,
        growth=1.8,
        churn_per_month=0.012,
        orders_per_month=1.0,
        jitter=0.9,
        lines_per_order=3.0,
        quantity=2.0,
        price_level=0.5,
        discount_prob=0.90,
        return_prob=0.06,
        category_alpha=0.8,
        channel=(0.75, 0.05, 0.20),
        browse_per_order=2.0,
        open_rate=0.60,
        click_given_open=0.75,
        convert_given_click=0.45,
        hour=12.5,
        weekend=0.35,
        age=38,
        income=(0.50, 0.40, 0.10),
        email_opt_in=0.88,
        sms_opt_in=0.50,
    ),
    "wandering": ArchetypeSpec(
        share=0.20,
        pre_window=0.40,
        growth=0.0,
        churn_per_month=0.02,
        orders_per_month=0.12,
        jitter=1.5,
        lines_per_order=1.4,
        quantity=1.1,
        price_level=1.0,
        discount_prob=0.15,
        return_prob=0.04,
        category_alpha=0.7,
        channel=(0.85, 0.05, 0.10),
        browse_per_order=14.0,
        open_rate=0.30,
        click_given_open=0.30,
        convert_given_click=0.05,
        hour=20.0,
        weekend=0.45,
        age=27,
        income=(0.45, 0.45, 0.10),
        email_opt_in=0.70,
        sms_opt_in=0.25,
    ),
    "need_based": ArchetypeSpec(
        share=0.26,
        pre_window=0.55,
        growth=0.0,
        churn_per_month=0.01,
        orders_per_month=0.35,
        jitter=0.5,
        lines_per_order=1.2,
        quantity=1.2,
        price_level=1.0,
        discount_prob=0.03,
        return_prob=0.02,
        category_alpha=0.08,
        channel=(0.10, 0.80, 0.10),
        browse_per_order=0.2,
        open_rate=0.10,
        click_given_open=0.20,
        convert_given_click=0.20,
        hour=17.0,
        weekend=0.25,
        age=51,
        income=(0.25, 0.55, 0.20),
        email_opt_in=0.45,
        sms_opt_in=0.30,
    ),
}

#: Tenure thresholds (days before the window end) for the planted lifecycle stage.
NEW_CUSTOMER_DAYS = 120
LONG_TERM_DAYS = 365


@dataclass
class SynthData:
    """The canonical tables of a synthetic CRM, plus the ground truth (never read by the pipeline)."""

    customers: pd.DataFrame
    transactions: pd.DataFrame
    sessions: pd.DataFrame
    campaign_events: pd.DataFrame
    ground_truth: pd.DataFrame
    meta: dict = field(default_factory=dict)

    TABLES = ("customers", "transactions", "sessions", "campaign_events")

    def write(self, folder: str | Path) -> dict[str, Path]:
        """Write each table as Parquet (and the ground truth and metadata) into ``folder``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = {}
        from seglab import io

        for name in (*self.TABLES, "ground_truth"):  # each file complete or absent; the metadata last
            path = folder / f"{name}.parquet"
            io.atomic(path, lambda tmp, name=name: getattr(self, name).to_parquet(tmp, index=False))
            paths[name] = path
        meta_path = folder / "synth_meta.json"
        io.write_text(json.dumps(self.meta, indent=2, sort_keys=True), meta_path)
        paths["meta"] = meta_path
        return paths


def _join_offsets(rng: np.random.Generator, growth: float, n: int, span: float) -> np.ndarray:
    """Days after the window start at which customers join, with density ∝ exp(growth·t/span)."""
    u = rng.random(n)
    if abs(growth) < 1e-9:
        return u * span
    return span * np.log1p(u * np.expm1(growth)) / growth


def _per_customer_counts(rng, rate: np.ndarray, floor: int = 0) -> np.ndarray:
    return np.maximum(floor, rng.poisson(rate))


def _categorical_rows(rng, probs: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """Draw one category index per row, from the probability vector of the row's owner."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(owner))[:, None]
    return np.minimum((cum[owner] < u).sum(axis=1), probs.shape[1] - 1)


MAX_CUSTOMERS = 5_000_000
MAX_MONTHS = 240


def _check_arguments(n_customers: int, months: int, start: str) -> pd.Timestamp:
    """The first day of the history; ValueError naming a bad argument and its range."""
    if n_customers < 50:
        raise ValueError(f"n_customers must be at least 50 to plant every archetype, got {n_customers}")
    if n_customers > MAX_CUSTOMERS:
        raise ValueError(f"n_customers must be at most {MAX_CUSTOMERS:,}, got {n_customers:,}")
    if not 3 <= months <= MAX_MONTHS:
        raise ValueError(f"months must be between 3 and {MAX_MONTHS}, got {months}")
    try:
        t0 = pd.Timestamp(start)
    except ValueError:
        raise ValueError(f"start must be a date such as 2023-01-01, got {start!r}") from None
    if not 1990 <= t0.year <= 2200:
        raise ValueError(f"start must be a date between 1990 and 2200, got {start!r}")
    return t0


def generate(
    n_customers: int = 5000,
    months: int = 24,
    start: str = "2023-01-01",
    seed: int = 42,
) -> SynthData:
    """Generate a synthetic CRM.

    Parameters
    ----------
    n_customers : int
        Number of customers (at least 50, so every archetype is planted).
    months : int
        Length of the transaction history in months (at least 3).
    start : str
        First day of the history (ISO date).
    seed : int
        Seed of all randomness; the same arguments give identical tables.

    Returns
    -------
    SynthData
        customers, transactions, sessions, campaign_events, ground_truth, meta.
    """
    t0 = _check_arguments(n_customers, months, start)
    rng = np.random.default_rng(seed)
    t_end = t0 + pd.DateOffset(months=months)
    span = float((t_end - t0).days)  # days in the window

    # --- who is who -------------------------------------------------------------------------
    shares = np.array([SPECS[a].share for a in ARCHETYPES])
    counts = np.floor(shares / shares.sum() * n_customers).astype(int)
    counts[np.argmax(shares)] += n_customers - counts.sum()
    arch_idx = rng.permutation(np.repeat(np.arange(len(ARCHETYPES)), counts))
    n = n_customers

    def spec(attr: str) -> np.ndarray:
        return np.array([getattr(SPECS[a], attr) for a in ARCHETYPES], dtype=float)[arch_idx]

    # --- signup, activity window, churn -------------------------------------------------------
    pre = rng.random(n) < spec("pre_window")
    join = np.empty(n)
    for k, a in enumerate(ARCHETYPES):
        mask = arch_idx == k
        join[mask] = _join_offsets(rng, SPECS[a].growth, mask.sum(), span - 7)
    pre_days = rng.uniform(30, 6 * 365, n)
    signup_offset = np.where(pre, -pre_days, join)  # days relative to t0
    active_from = np.maximum(signup_offset, 0.0)
    churn_after = rng.exponential(30.44 / spec("churn_per_month"))
    active_to = np.minimum(span, active_from + np.maximum(churn_after, 14.0))
    churned = active_from + churn_after < span
    active_days = np.maximum(active_to - active_from, 1.0)

    # customer-level variation around the archetype means
    def vary(attr: str, sigma: float = 0.3) -> np.ndarray:
        return spec(attr) * rng.lognormal(0.0, sigma, n)

    def vary_prob(attr: str, conc: float = 20.0) -> np.ndarray:
        m = np.clip(spec(attr), 1e-3, 1 - 1e-3)
        return rng.beta(m * conc, (1 - m) * conc)

    order_rate = vary("orders_per_month", 0.35)
    lines_mean = vary("lines_per_order", 0.25)
    qty_mean = vary("quantity", 0.2)
    price_level = vary("price_level", 0.2)
    discount_prob = vary_prob("discount_prob")
    return_prob = vary_prob("return_prob", 40.0)
    browse_rate = vary("browse_per_order", 0.35)
    open_p = vary_prob("open_rate")
    click_p = vary_prob("click_given_open")
    conv_p = vary_prob("convert_given_click")
    weekend_p = vary_prob("weekend")
    cat_alpha = spec("category_alpha")
    cat_probs = rng.gamma(np.repeat(cat_alpha[:, None], len(CATEGORIES), axis=1))
    cat_probs = cat_probs / cat_probs.sum(axis=1, keepdims=True)
    chan_mean = np.array([SPECS[a].channel for a in ARCHETYPES])[arch_idx]
    chan_probs = rng.gamma(chan_mean * 25.0 + 1e-3)
    chan_probs = chan_probs / chan_probs.sum(axis=1, keepdims=True)

    # --- customers table ----------------------------------------------------------------------
    customer_id = np.array([f"C{i:06d}" for i in range(1, n + 1)])
    signup = t0 + pd.to_timedelta(np.floor(signup_offset), unit="D")
    age = np.clip(np.round(rng.normal(spec("age"), 9.0)), 18, 85).astype("int64")
    gender = rng.choice(np.array(["female", "male", "other"]), size=n, p=[0.51, 0.47, 0.02])
    city_idx = rng.integers(0, len(CITIES), n)
    income_p = np.array([SPECS[a].income for a in ARCHETYPES])[arch_idx]
    income = np.array(["low", "middle", "high"])[_categorical_rows(rng, income_p, np.arange(n))]
    customers = pd.DataFrame(
        {
            "customer_id": customer_id,
            "signup_date": signup,
            "age": age,
            "gender": gender,
            "city": np.array([c for c, _ in CITIES])[city_idx],
            "region": np.array([r for _, r in CITIES])[city_idx],
            "income_band": income,
            "email_opt_in": rng.random(n) < spec("email_opt_in"),
            "sms_opt_in": rng.random(n) < spec("sms_opt_in"),
        }
    )

    # --- orders -------------------------------------------------------------------------------
    n_orders = _per_customer_counts(rng, order_rate * active_days / 30.44, floor=1)
    o_owner = np.repeat(np.arange(n), n_orders)
    first_of = np.repeat(np.cumsum(n_orders) - n_orders, n_orders)
    o_rank = np.arange(len(o_owner)) - first_of
    jitter = spec("jitter")[o_owner]
    pos = (o_rank + 0.5 + jitter * rng.normal(0.0, 1.0, len(o_owner))) / n_orders[o_owner]
    pos = np.mod(pos, 1.0)  # wrap (not clip): clipping would pile irregular orders at the window ends
    day = active_from[o_owner] + pos * (active_to[o_owner] - active_from[o_owner])
    day = np.minimum(np.floor(day), span - 1)
    # shift to a weekend or a weekday as the customer prefers
    date = t0 + pd.to_timedelta(day, unit="D")
    dow = date.day_of_week.to_numpy()
    want_weekend = rng.random(len(o_owner)) < weekend_p[o_owner]
    shift = np.where(want_weekend & (dow < 5), 5 - dow, 0) + np.where(~want_weekend & (dow >= 5), -(dow - 4), 0)
    day = np.clip(day + shift, 0, span - 1)
    hour = np.mod(np.round(rng.normal(spec("hour")[o_owner], 1.5)), 24)
    minute = rng.integers(0, 60, len(o_owner))
    o_time = t0 + pd.to_timedelta(day * 1440 + hour * 60 + minute, unit="min")
    o_channel = _categorical_rows(rng, chan_probs, o_owner)
    order_key = np.lexsort((o_time.to_numpy(), o_owner))  # chronological within customer
    o_owner, o_time, o_channel = o_owner[order_key], o_time[order_key], o_channel[order_key]
    order_id = np.array([f"O{i:07d}" for i in range(1, len(o_owner) + 1)])

    # --- order lines --------------------------------------------------------------------------
    n_lines = 1 + rng.poisson(np.maximum(lines_mean[o_owner] - 1.0, 0.0))
    l_order = np.repeat(np.arange(len(o_owner)), n_lines)
    l_owner = o_owner[l_order]
    l_cat = _categorical_rows(rng, cat_probs, l_owner)
    product = l_cat * 100 + rng.integers(0, 40, len(l_order))
    price = CATEGORY_PRICE[l_cat] * price_level[l_owner] * rng.lognormal(0.0, 0.35, len(l_order))
    price = np.round(np.maximum(price, 0.5), 2)
    qty = 1 + rng.poisson(np.maximum(qty_mean[l_owner] - 1.0, 0.0))
    discounted = rng.random(len(l_order)) < discount_prob[l_owner]
    depth = rng.choice(np.array([0.1, 0.2, 0.3, 0.5]), size=len(l_order), p=[0.3, 0.35, 0.25, 0.1])
    discount = np.where(discounted, depth, 0.0)
    lines = pd.DataFrame(
        {
            "customer_id": customer_id[l_owner],
            "order_id": order_id[l_order],
            "timestamp": o_time[l_order],
            "product_id": np.char.add("P", np.char.zfill(product.astype(str), 4)),
            "category": np.array(CATEGORIES)[l_cat],
            "quantity": qty.astype("int64"),
            "unit_price": price,
            "discount": discount,
            "channel": np.array(CHANNELS)[o_channel[l_order]],
        }
    )
    # returns: a later line with negative quantity on a return order
    returned = rng.random(len(lines)) < return_prob[l_owner]
    ret = lines.loc[returned].copy()
    ret["timestamp"] = ret["timestamp"] + pd.to_timedelta(rng.integers(2, 21, len(ret)), unit="D")
    ret["quantity"] = -ret["quantity"]
    ret["order_id"] = ret["order_id"] + "-R"
    ret = ret.loc[ret["timestamp"] < t_end]
    transactions = (
        pd.concat([lines, ret], ignore_index=True)
        .sort_values(["timestamp", "order_id", "product_id"], kind="mergesort")
        .reset_index(drop=True)
    )

    # --- sessions -----------------------------------------------------------------------------
    digital = o_channel != CHANNELS.index("store")
    s_conv_owner = o_owner[digital]
    s_conv_time = o_time[digital] - pd.to_timedelta(rng.integers(2, 45, digital.sum()), unit="min")
    s_conv_channel = np.array(CHANNELS)[o_channel[digital]]
    n_browse = _per_customer_counts(rng, browse_rate * n_orders)
    b_owner = np.repeat(np.arange(n), n_browse)
    b_day = active_from[b_owner] + rng.random(len(b_owner)) * (active_to[b_owner] - active_from[b_owner])
    b_min = np.floor(b_day) * 1440 + np.mod(np.round(rng.normal(spec("hour")[b_owner], 2.5)), 24) * 60
    b_time = t0 + pd.to_timedelta(b_min + rng.integers(0, 60, len(b_owner)), unit="min")
    web_share = chan_probs[:, 0] / (chan_probs[:, 0] + chan_probs[:, 2])
    b_channel = np.where(rng.random(len(b_owner)) < web_share[b_owner], "web", "app")
    sessions = pd.DataFrame(
        {
            "customer_id": customer_id[np.concatenate([s_conv_owner, b_owner])],
            "timestamp": np.concatenate([s_conv_time.to_numpy(), b_time.to_numpy()]),
            "channel": np.concatenate([s_conv_channel, b_channel]),
            "converted": np.concatenate([np.ones(len(s_conv_owner), bool), np.zeros(len(b_owner), bool)]),
        }
    )
    sessions = sessions.sort_values(["timestamp", "customer_id"], kind="mergesort").reset_index(drop=True)
    sessions.insert(0, "session_id", [f"S{i:08d}" for i in range(1, len(sessions) + 1)])

    # --- campaign events: one e-mail campaign a month to opted-in, active customers -----------
    sends = []
    for m in range(months):
        sent = t0 + pd.DateOffset(months=m, days=4, hours=10)
        d = (sent - t0).days
        who = np.flatnonzero(customers["email_opt_in"].to_numpy() & (active_from <= d) & (active_to >= d))
        sends.append((f"CMP{sent:%Y-%m}", sent, who))
    c_owner = np.concatenate([w for _, _, w in sends])
    c_id = np.concatenate([np.full(len(w), cid) for cid, _, w in sends])
    c_sent = np.concatenate([np.full(len(w), np.datetime64(s, "ns")) for _, s, w in sends])
    opened = rng.random(len(c_owner)) < open_p[c_owner]
    clicked = opened & (rng.random(len(c_owner)) < click_p[c_owner])
    converted = clicked & (rng.random(len(c_owner)) < conv_p[c_owner])
    campaign_events = pd.DataFrame(
        {
            "customer_id": customer_id[c_owner],
            "campaign_id": c_id,
            "sent_at": c_sent,
            "opened": opened,
            "clicked": clicked,
            "converted": converted,
        }
    )

    # --- ground truth -------------------------------------------------------------------------
    tenure_at_end = span - signup_offset
    lifecycle = np.where(
        tenure_at_end < NEW_CUSTOMER_DAYS, "new", np.where(tenure_at_end >= LONG_TERM_DAYS, "long_term", "established")
    )
    ground_truth = pd.DataFrame(
        {
            "customer_id": customer_id,
            "archetype": np.array(ARCHETYPES)[arch_idx],
            "lifecycle": lifecycle,
            "churned": churned,
        }
    )
    meta = {
        "generator": "seglab.synth.generate",
        "generator_version": GENERATOR_VERSION,
        "n_customers": n_customers,
        "months": months,
        "start": t0.date().isoformat(),
        "end_exclusive": t_end.date().isoformat(),
        "seed": seed,
        "archetypes": {
            a: {"share": SPECS[a].share, "growth": SPECS[a].growth, "churn_per_month": SPECS[a].churn_per_month}
            for a in ARCHETYPES
        },
        "planted_growing": [a for a in ARCHETYPES if SPECS[a].growth > 1.0],
        "planted_shrinking": [a for a in ARCHETYPES if SPECS[a].growth < -1.0],
        "rows": {
            "customers": len(customers),
            "transactions": len(transactions),
            "sessions": len(sessions),
            "campaign_events": len(campaign_events),
        },
    }
    return SynthData(customers, transactions, sessions, campaign_events, ground_truth, meta)


def customer_level(data: SynthData, with_id: bool = True) -> pd.DataFrame:
    """The CRM aggregated to one row per customer, as many analysts receive it: demographics,
    contact permissions, spend per category, order and return counts and campaign answers.
    """
    tx = data.transactions.assign(revenue=lambda d: d["quantity"] * d["unit_price"] * (1 - d["discount"]))
    buy = tx[tx["quantity"] > 0]
    spend = buy.pivot_table(index="customer_id", columns="category", values="revenue", aggfunc="sum", fill_value=0.0)
    spend.columns = [f"spend_{c.lower()}" for c in spend.columns]
    counts = pd.DataFrame(
        {
            "orders": buy.groupby("customer_id")["order_id"].nunique(),
            "returned_items": -tx[tx["quantity"] < 0].groupby("customer_id")["quantity"].sum(),
            "discounted_spend": buy[buy["discount"] > 0].groupby("customer_id")["revenue"].sum(),
            "visits": data.sessions.groupby("customer_id").size(),
        }
    )
    camp = data.campaign_events.groupby("customer_id")[["opened", "clicked"]].sum().add_prefix("campaigns_")
    cust = data.customers.drop(columns=["signup_date"]).set_index("customer_id")
    out = (
        cust.join([spend, counts, camp])
        .fillna({c: 0 for c in [*spend.columns, *counts.columns, *camp.columns]})
        .round(2)
        .reset_index()
    )
    return out if with_id else out.drop(columns="customer_id")
