"""The build of the customer table from order lines at one date (``build``) or many
(``build_many``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from seglab import i18n, io
from seglab.collection import history
from seglab.config import Features as FeatureParams
from seglab.engine import FeatureError, Table, connect, register
from seglab.features.attributes import encode_attributes
from seglab.features.customer import build_customer_level
from seglab.features.definitions import (
    When,
    campaign_features,
    join_on,
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
    describe_features,
    ensure_columns,
    lifecycle_attrs,
    lifecycle_stage,
    mark_not_measured,
    outcomes,
)
from seglab.features.window import resolve_as_of, transaction_day, two_periods_change, window_start
from seglab.i18n import N_, Nn_
from seglab.registry import CATALOG, INTEGER


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
            ensure_columns(
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
            expr = join_on(expr, session_features(sess, when), keys)
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
            expr = join_on(expr, campaign_features(ev, when), keys)
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
    tenure = history.tenure(history.Beginnings(first_seen, signup, signed), cutoff, h, params.lifecycle)
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
    lifecycle_attrs(feats, h, params)
    mark_not_measured(feats, cat, h, params)
    describe_features(feats, cat)
    return Built(feats, cat, _without(frames, feats, status))


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
