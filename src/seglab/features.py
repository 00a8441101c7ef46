"""Stage 02, feature building: one row per customer, computed in DuckDB at a point in time.

Revenue of a line = quantity x unit_price x (1 - discount). Purchases are lines
with a positive quantity; returns and cancellations have a negative quantity and
net against purchases. Nothing after ``as_of`` (end of that day) is used.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from seglab.config import Features as FeatureParams


@dataclass(frozen=True)
class Feature:
    name: str
    lens: str
    description: str
    unit: str
    needs: str = ""  # "table" or "table.column" that must be present; "" = transactions only


CATALOG: tuple[Feature, ...] = (
    Feature("recency_days", "behavioural", "days from the last purchase to as_of", "days"),
    Feature("frequency", "behavioural", "number of distinct purchase orders", "orders"),
    Feature("monetary", "behavioural", "revenue net of returns", "currency"),
    Feature("gross_revenue", "behavioural", "revenue of purchases before returns", "currency"),
    Feature("avg_order_value", "behavioural", "purchase revenue per order", "currency/order"),
    Feature("avg_basket_size", "behavioural", "units bought per order", "units/order"),
    Feature("tenure_days", "behavioural", "days from signup (or first purchase) to as_of", "days"),
    Feature("interpurchase_mean_days", "behavioural", "mean days between consecutive orders (2+ orders)", "days"),
    Feature("interpurchase_cv", "behavioural", "coefficient of variation of days between orders (3+ orders); low = regular", "ratio"),
    Feature("spend_trend", "behavioural", "(recent-half minus earlier-half purchase revenue) / total, over the customer's window", "ratio -1..1"),
    Feature("discount_share", "behavioural", "share of purchase revenue on discounted lines", "share 0..1", "transactions.discount"),
    Feature("return_share", "behavioural", "returned value / purchase revenue", "share"),
    Feature("product_breadth", "behavioural", "distinct products bought", "products", "transactions.product_id"),
    Feature("category_breadth", "behavioural", "distinct categories bought", "categories", "transactions.category"),
    Feature("top_category_share", "behavioural", "share of purchase revenue in the customer's top category", "share 0..1", "transactions.category"),
    Feature("web_share", "behavioural", "share of orders placed on the web", "share 0..1", "transactions.channel"),
    Feature("store_share", "behavioural", "share of orders placed in a store", "share 0..1", "transactions.channel"),
    Feature("app_share", "behavioural", "share of orders placed in the app", "share 0..1", "transactions.channel"),
    Feature("preferred_hour", "behavioural", "hour of day of most orders, ties: the earliest (best time to reach)", "hour 0-23"),
    Feature("preferred_weekday", "behavioural", "weekday of most orders, 0 = Monday, ties: the earliest", "weekday 0-6"),
    Feature("sessions", "behavioural", "visits (web/app sessions)", "sessions", "sessions"),
    Feature("sessions_per_order", "behavioural", "visits per purchase order", "sessions/order", "sessions"),
    Feature("browse_conversion", "behavioural", "share of visits that ended in a purchase", "share 0..1", "sessions"),
    Feature("campaign_open_rate", "behavioural", "campaign messages opened / sent", "share 0..1", "campaign_events"),
    Feature("campaign_click_rate", "behavioural", "campaign messages clicked / sent", "share 0..1", "campaign_events"),
    Feature("campaign_conversion_rate", "behavioural", "campaign messages converted / sent", "share 0..1", "campaign_events"),
    Feature("reachable", "contactability", "1 if the customer may be contacted by e-mail or SMS", "flag 0/1", "customers.email_opt_in"),
)
BY_NAME = {f.name: f for f in CATALOG}

_SQL = """
WITH tx AS (
    SELECT customer_id, order_id, timestamp, quantity,
           quantity * unit_price * (1 - discount) AS revenue,
           discount, product_id, category, channel
    FROM transactions
    WHERE timestamp < $cutoff
),
buy AS (SELECT * FROM tx WHERE quantity > 0),
orders AS (
    SELECT customer_id, order_id, min(timestamp) AS ts, any_value(channel) AS channel
    FROM buy GROUP BY customer_id, order_id
),
gaps AS (
    SELECT customer_id,
           date_diff('second', lag(ts) OVER (PARTITION BY customer_id ORDER BY ts, order_id), ts) / 86400.0 AS gap
    FROM orders
),
gap_stats AS (
    SELECT customer_id, avg(gap) AS gap_mean,
           CASE WHEN count(gap) >= 2 AND avg(gap) > 0 THEN stddev_pop(gap) / avg(gap) END AS gap_cv
    FROM gaps WHERE gap IS NOT NULL GROUP BY customer_id
),
order_stats AS (
    SELECT customer_id, count(*) AS n_orders,
           avg(CASE WHEN channel = 'web' THEN 1.0 ELSE 0.0 END) AS web_share,
           avg(CASE WHEN channel = 'store' THEN 1.0 ELSE 0.0 END) AS store_share,
           avg(CASE WHEN channel = 'app' THEN 1.0 ELSE 0.0 END) AS app_share,
           min(ts) AS first_ts, max(ts) AS last_ts
    FROM orders GROUP BY customer_id
),
slots AS (  -- preferred hour and weekday: the most frequent, ties broken by the earliest (deterministic)
    SELECT customer_id, 'h' AS kind, hour(ts) AS v, count(*) AS n FROM orders GROUP BY ALL
    UNION ALL
    SELECT customer_id, 'd' AS kind, isodow(ts) - 1 AS v, count(*) AS n FROM orders GROUP BY ALL
),
preferred AS (
    SELECT customer_id,
           min(v) FILTER (WHERE kind = 'h') AS preferred_hour,
           min(v) FILTER (WHERE kind = 'd') AS preferred_weekday
    FROM (SELECT *, max(n) OVER (PARTITION BY customer_id, kind) AS top FROM slots) WHERE n = top
    GROUP BY customer_id
),
line_stats AS (
    SELECT customer_id,
           sum(CASE WHEN quantity > 0 THEN revenue ELSE 0 END) AS gross,
           -sum(CASE WHEN quantity < 0 THEN revenue ELSE 0 END) AS returned,
           sum(CASE WHEN quantity > 0 THEN quantity ELSE 0 END) AS units,
           sum(CASE WHEN quantity > 0 AND discount > 0 THEN revenue ELSE 0 END) AS discounted,
           count(DISTINCT CASE WHEN quantity > 0 THEN product_id END) AS product_breadth,
           count(DISTINCT CASE WHEN quantity > 0 THEN category END) AS category_breadth
    FROM tx GROUP BY customer_id
),
halves AS (
    SELECT b.customer_id,
           sum(CASE WHEN b.timestamp >= o.first_ts + (o.last_ts - o.first_ts) / 2 THEN revenue ELSE 0 END) AS late,
           sum(CASE WHEN b.timestamp < o.first_ts + (o.last_ts - o.first_ts) / 2 THEN revenue ELSE 0 END) AS early
    FROM buy b JOIN order_stats o USING (customer_id) GROUP BY b.customer_id
),
cat AS (
    SELECT customer_id, max(cat_rev) AS top_cat_rev FROM (
        SELECT customer_id, category, sum(revenue) AS cat_rev FROM buy
        WHERE category IS NOT NULL GROUP BY customer_id, category
    ) GROUP BY customer_id
)
SELECT o.customer_id,
       date_diff('second', o.last_ts, $as_of_ts) / 86400.0 AS recency_days,
       o.n_orders AS frequency,
       l.gross - l.returned AS monetary,
       l.gross AS gross_revenue,
       l.gross / o.n_orders AS avg_order_value,
       l.units / o.n_orders AS avg_basket_size,
       o.first_ts AS first_purchase,
       o.last_ts AS last_purchase,
       g.gap_mean AS interpurchase_mean_days,
       g.gap_cv AS interpurchase_cv,
       CASE WHEN h.late + h.early > 0 AND o.n_orders > 1 THEN (h.late - h.early) / (h.late + h.early) ELSE 0 END AS spend_trend,
       CASE WHEN l.gross > 0 THEN l.discounted / l.gross ELSE 0 END AS discount_share,
       CASE WHEN l.gross > 0 THEN l.returned / l.gross ELSE 0 END AS return_share,
       l.product_breadth, l.category_breadth,
       CASE WHEN l.gross > 0 THEN c.top_cat_rev / l.gross END AS top_category_share,
       o.web_share, o.store_share, o.app_share,
       p.preferred_hour, p.preferred_weekday
FROM order_stats o
JOIN line_stats l USING (customer_id)
LEFT JOIN gap_stats g USING (customer_id)
LEFT JOIN halves h USING (customer_id)
LEFT JOIN cat c USING (customer_id)
LEFT JOIN preferred p USING (customer_id)
ORDER BY o.customer_id
"""

_SESSIONS_SQL = """
SELECT customer_id, count(*) AS sessions, avg(CASE WHEN converted THEN 1.0 ELSE 0.0 END) AS browse_conversion
FROM sessions WHERE timestamp < $cutoff GROUP BY customer_id
"""

_CAMPAIGN_SQL = """
SELECT customer_id,
       avg(CASE WHEN opened THEN 1.0 ELSE 0.0 END) AS campaign_open_rate,
       avg(CASE WHEN clicked THEN 1.0 ELSE 0.0 END) AS campaign_click_rate,
       avg(CASE WHEN converted THEN 1.0 ELSE 0.0 END) AS campaign_conversion_rate
FROM campaign_events WHERE sent_at < $cutoff GROUP BY customer_id
"""


def resolve_as_of(transactions: pd.DataFrame, params: FeatureParams) -> pd.Timestamp:
    """The as-of date: the parameter, or the date of the last transaction."""
    if params.as_of is not None:
        return pd.Timestamp(params.as_of)
    return pd.Timestamp(transactions["timestamp"].max()).normalize()


def _has(tables: dict[str, pd.DataFrame], need: str) -> bool:
    if not need:
        return True
    table, _, column = need.partition(".")
    if table not in tables or tables[table] is None or tables[table].empty:
        return False
    if not column:
        return True
    col = tables[table].get(column)
    if col is None or col.isna().all():
        return False
    return not (column == "discount" and bool((col.fillna(0) == 0).all()))


def catalog(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The feature catalog, with whether each feature could be built from these tables and why not."""
    rows = []
    for f in CATALOG:
        ok = _has(tables, f.needs)
        rows.append(
            {
                "feature": f.name, "lens": f.lens, "description": f.description, "unit": f.unit,
                "available": ok, "why_not": "" if ok else f"needs {f.needs}, absent or empty in the input",
            }
        )
    return pd.DataFrame(rows)


def build(
    tables: dict[str, pd.DataFrame], params: FeatureParams, quality: dict | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Build one row per customer with a purchase before as_of (for a customer-level source,
    one row per customer from its columns: :func:`build_customer_level`).

    Parameters
    ----------
    tables : dict
        Canonical tables from stage 01 (transactions required; customers, sessions,
        campaign_events optional).
    params : seglab.config.Features

    Returns
    -------
    features : DataFrame, one row per customer (sorted by customer_id)
    catalog : DataFrame, feature / lens / description / unit / available / why_not
    """
    if "transactions" not in tables:
        return build_customer_level(tables, quality or {})
    tx = tables["transactions"]
    as_of = resolve_as_of(tx, params)
    cutoff = as_of + pd.Timedelta(days=1)  # as_of is a day: include all of it
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    tx_cols = ["customer_id", "order_id", "timestamp", "quantity", "unit_price", "discount", "product_id", "category", "channel"]
    txv = tx[[c for c in tx_cols if c in tx.columns]]
    if "discount" not in txv or txv["discount"].isna().any():
        txv = txv.assign(discount=txv["discount"].fillna(0.0) if "discount" in txv else 0.0)
    absent = {c: pd.Series(None, index=tx.index, dtype="str") for c in ("product_id", "category", "channel") if c not in txv}
    if absent:  # text columns even when absent (all NULL), so the SQL types hold
        txv = txv.assign(**absent)
    con.register("transactions", txv)
    feats = con.execute(_SQL, {"cutoff": cutoff, "as_of_ts": cutoff}).df()

    cat = catalog(tables)
    available = dict(zip(cat["feature"], cat["available"], strict=True))
    if available["sessions_per_order"]:
        con.register("sessions", tables["sessions"][["customer_id", "timestamp", "converted"]])
        s = con.execute(_SESSIONS_SQL, {"cutoff": cutoff}).df()
        feats = feats.merge(s, on="customer_id", how="left")
        feats["sessions"] = feats["sessions"].fillna(0).astype("int64")
        feats["sessions_per_order"] = feats["sessions"] / feats["frequency"]
        feats["browse_conversion"] = feats["browse_conversion"].fillna(0.0)
    if available["campaign_open_rate"]:
        con.register("campaign_events", tables["campaign_events"][["customer_id", "sent_at", "opened", "clicked", "converted"]])
        c = con.execute(_CAMPAIGN_SQL, {"cutoff": cutoff}).df()
        feats = feats.merge(c, on="customer_id", how="left")  # never sent a campaign: rate unknown (NaN)
    con.close()

    customers = tables.get("customers")
    if customers is not None:
        cust = customers.set_index("customer_id")
        signup = cust["signup_date"].reindex(feats["customer_id"]).to_numpy() if "signup_date" in cust else None
        start = feats["first_purchase"].to_numpy()
        if signup is not None:
            start = np.where(pd.isna(signup) | (signup > start), start, signup)
        feats["tenure_days"] = (cutoff - pd.to_datetime(start)).total_seconds() / 86400.0
        if available["reachable"]:
            email = cust["email_opt_in"].reindex(feats["customer_id"]).fillna(False).astype(bool).to_numpy()
            sms = (
                cust["sms_opt_in"].reindex(feats["customer_id"]).fillna(False).astype(bool).to_numpy()
                if "sms_opt_in" in cust else np.zeros(len(feats), bool)
            )
            feats["email_opt_in"] = email
            feats["sms_opt_in"] = sms
            feats["reachable"] = (email | sms).astype("int64")
    else:
        feats["tenure_days"] = (cutoff - feats["first_purchase"]).dt.total_seconds() / 86400.0

    feats["lifecycle"] = lifecycle_stage(feats, params)
    drop = [f for f, ok in available.items() if not ok and f in feats]
    feats = feats.drop(columns=drop)
    feats.attrs["as_of"] = as_of.date().isoformat()
    ordered = ["customer_id", *[f.name for f in CATALOG if f.name in feats], "lifecycle"]
    rest = [c for c in feats.columns if c not in ordered]
    return feats[ordered + rest].reset_index(drop=True), cat


LIFECYCLE_ORDER = ("new", "active", "long_term", "lapsing", "lapsed")


def lifecycle_stage(feats: pd.DataFrame, params: FeatureParams) -> pd.Series:
    """new / active / long_term / lapsing / lapsed from tenure and recency (thresholds in params).

    Lapsed and lapsing (by recency) take precedence over new and long-term (by tenure).
    """
    lc = params.lifecycle
    stage = np.select(
        [
            feats["recency_days"] >= lc.lapsed_days,
            feats["recency_days"] >= lc.lapsing_days,
            feats["tenure_days"] < lc.new_days,
            feats["tenure_days"] >= lc.long_term_days,
        ],
        ["lapsed", "lapsing", "new", "long_term"],
        default="active",
    )
    return pd.Series(pd.Categorical(stage, categories=list(LIFECYCLE_ORDER)), index=feats.index)


def summary(features: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """Per feature: missing share, mean, median, skew and range, for checking before clustering."""
    rows = []
    for c in cols:
        v = features[c]
        rows.append({"feature": c, "missing": float(v.isna().mean()), "mean": v.mean(), "median": v.median(),
                     "min": v.min(), "max": v.max(), "skew": v.skew()})
    return pd.DataFrame(rows)


def correlated_pairs(features: pd.DataFrame, cols: list[str], threshold: float = 0.8) -> pd.DataFrame:
    """Pairs of features whose Spearman correlation is at least ``threshold`` in absolute value."""
    corr = features[cols].corr(method="spearman")
    rows = [
        {"feature_a": a, "feature_b": b, "spearman": corr.loc[a, b]}
        for i, a in enumerate(cols) for b in cols[i + 1:]
        if abs(corr.loc[a, b]) >= threshold
    ]
    return pd.DataFrame(rows, columns=["feature_a", "feature_b", "spearman"])


def customers_without_features(tables: dict[str, pd.DataFrame], features: pd.DataFrame) -> pd.DataFrame:
    """Customers of the canonical tables that get no feature row, and why (no customer is dropped silently)."""
    if "transactions" not in tables:  # customer level: every customer row has features
        return pd.DataFrame({"customer_id": [], "reason": []})
    tx = tables["transactions"]
    cutoff = pd.Timestamp(features.attrs["as_of"]) + pd.Timedelta(days=1)
    known = set(tables["customers"]["customer_id"]) if "customers" in tables else set(tx["customer_id"])
    missing = sorted(known - set(features["customer_id"]))
    before = tx[tx["timestamp"] < cutoff]
    bought = set(before.loc[before["quantity"] > 0, "customer_id"])
    any_before = set(before["customer_id"])
    reasons = [
        "only returns or cancellations up to as_of" if c in any_before and c not in bought
        else "first purchase after as_of" if c in set(tx["customer_id"])
        else "no transaction at all"
        for c in missing
    ]
    return pd.DataFrame({"customer_id": missing, "reason": reasons})


#: Customer-level columns summed into ``monetary`` when no value_column is given.
VALUE_PATTERN = r"spend|revenue|sales|amount|monetary|value|turnover"
MAX_LEVELS = 12


def build_customer_level(tables: dict[str, pd.DataFrame], quality: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Features of a customer-level source (one row per customer, already aggregated).

    Numeric columns are used as they are, yes/no columns as 0/1, text columns with at most
    12 distinct values one-hot encoded (``column=value``); other text and date columns are left
    out with the reason. ``monetary`` is the ``value_column`` when given, else the sum of the
    numeric behavioural columns whose name says spend/revenue/sales/amount/value.
    """
    customers = tables["customers"].sort_values("customer_id", kind="mergesort").reset_index(drop=True)
    feats = pd.DataFrame({"customer_id": customers["customer_id"].astype(str)})
    rows = []
    for table, columns in quality.get("lenses", {}).items():
        src = tables[table].set_index("customer_id").reindex(feats["customer_id"])
        for col, info in columns.items():
            v = src[col]
            name = col if table == "customers" else f"survey_{col}"
            base = {"lens": info["lens"], "description": f"column '{col}' of the {table} table"}
            if pd.api.types.is_bool_dtype(v) or str(v.dtype) == "boolean":
                feats[name] = v.astype("Float64").astype(float).to_numpy()
                rows.append({"feature": name, **base, "unit": "flag 0/1", "available": True, "why_not": ""})
            elif pd.api.types.is_numeric_dtype(v):
                feats[name] = v.astype(float).to_numpy()
                rows.append({"feature": name, **base, "unit": "as in the source", "available": True, "why_not": ""})
            elif pd.api.types.is_datetime64_any_dtype(v):
                rows.append({"feature": name, **base, "unit": "date", "available": False, "why_not": "a date, not a feature"})
            else:
                levels = sorted(v.dropna().astype(str).unique())
                if 0 < len(levels) <= MAX_LEVELS:
                    for level in levels:
                        feats[f"{name}={level}"] = (v.astype(str) == level).astype(float).to_numpy()
                        rows.append({"feature": f"{name}={level}", **base, "description": f"{base['description']} is '{level}'",
                                     "unit": "flag 0/1", "available": True, "why_not": ""})
                else:
                    rows.append({"feature": name, **base, "unit": "text", "available": False,
                                 "why_not": f"text with {len(levels)} distinct values (more than {MAX_LEVELS}): not encoded"})
    value = quality.get("value_column")
    lens_of = quality.get("lenses", {}).get("customers", {})
    if value:
        feats["monetary"] = customers[value].astype(float).to_numpy()
        how = f"the value column '{value}'"
    else:
        spend = [c for c, info in lens_of.items() if info["lens"] == "behavioural" and c in feats
                 and pd.Series(c).str.contains(VALUE_PATTERN).item()]
        feats["monetary"] = feats[spend].sum(axis=1, min_count=1) if spend else np.nan
        how = f"the sum of {', '.join(spend)}" if spend else "unknown: no value column (set source.tables.customers.value_column)"
    if "monetary" not in [r["feature"] for r in rows]:
        rows.append({"feature": "monetary", "lens": "behavioural", "description": f"customer value: {how}",
                     "unit": "as in the source", "available": bool(feats["monetary"].notna().any()), "why_not": ""})
    if {"email_opt_in", "sms_opt_in"} & set(feats.columns):
        reach = feats.reindex(columns=["email_opt_in", "sms_opt_in"]).fillna(0).max(axis=1)
        feats["reachable"] = reach
        rows.append({"feature": "reachable", "lens": "contactability", "description": BY_NAME["reachable"].description,
                     "unit": "flag 0/1", "available": True, "why_not": ""})
    feats.attrs["as_of"] = None
    feats.attrs["customer_level"] = True
    usable = [r for r in rows if r["available"] and r["feature"] not in ("monetary", "reachable")]
    # segment on what customers do and think (the method's behavioural segmentation); demographic,
    # geographic and contact columns describe the segments. All columns when there is nothing else.
    doing = [r["feature"] for r in usable if r["lens"] in ("behavioural", "psychographic", "firmographic")]
    feats.attrs["default_features"] = doing or [r["feature"] for r in usable]
    return feats, pd.DataFrame(rows, columns=["feature", "lens", "description", "unit", "available", "why_not"])


def lifecycle_counts(features: pd.DataFrame) -> pd.DataFrame | None:
    """Customers per lifecycle stage with their share (None without purchase history)."""
    if "lifecycle" not in features:
        return None
    counts = features["lifecycle"].value_counts().reindex(LIFECYCLE_ORDER, fill_value=0)
    out = counts.rename_axis("lifecycle stage").reset_index(name="customers")
    out["share"] = out["customers"] / len(features)
    return out
