"""Stage 01, data collection: read the sources, map columns, clean, account for every row.

Every input row ends either in a canonical table or in ``rejected`` with the rule
that rejected it; :func:`quality_report` checks read = kept + rejected per table.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from seglab import synth
from seglab.config import Cleaning, Params, TableSource
from seglab.paths import resolve

#: Column names of known public exports, canonical name -> name in the file.
PRESETS: dict[str, dict[str, str]] = {
    "online_retail": {
        "customer_id": "CustomerID",
        "order_id": "InvoiceNo",
        "timestamp": "InvoiceDate",
        "quantity": "Quantity",
        "unit_price": "UnitPrice",
        "product_id": "StockCode",
        "description": "Description",
        "country": "Country",
    },
}

#: Canonical columns each table must have after mapping, and those it may have.
REQUIRED = {
    "transactions": ["customer_id", "order_id", "timestamp", "quantity", "unit_price"],
    "customers": ["customer_id"],
    "sessions": ["customer_id", "timestamp", "converted"],
    "campaign_events": ["customer_id", "campaign_id", "sent_at", "opened", "clicked", "converted"],
}

RULE_TEXT = {
    "exact_duplicate": "exact duplicate of an earlier row (all columns equal)",
    "missing_customer_id": "no customer id: cannot be attributed to a customer",
    "bad_timestamp": "date/time missing or not parseable",
    "future_timestamp": "dated after the run date",
    "bad_number": "quantity or price missing or not a number",
    "zero_quantity": "quantity is zero",
    "non_positive_price": "unit price is zero or negative",
    "non_product_code": "not a product (postage, fee, bank charge, manual adjustment...)",
    "duplicate_customer_id": "customer id already seen in an earlier row of the customers table",
}


class SourceError(ValueError):
    """A source file cannot be read or mapped; the message names the file and how to fix it."""


@dataclass
class Loaded:
    """One source table as read: original columns, plus its origin."""

    table: str
    source: str
    frame: pd.DataFrame


@dataclass
class Collected:
    """The result of stage 01."""

    tables: dict[str, pd.DataFrame]
    rejected: pd.DataFrame
    quality: dict
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------------------------
def synthetic_folder(params: Params, root: Path) -> Path:
    s = params.source.synthetic
    return root / "data" / "raw" / f"synthetic_seed{params.seed}_n{s.n_customers}_m{s.months}_{s.start:%Y%m%d}"


def ensure_synthetic(params: Params, root: Path) -> Path:
    """Write the synthetic CRM of these parameters under data/raw (once) and return its folder."""
    folder = synthetic_folder(params, root)
    meta = folder / "synth_meta.json"
    current = meta.is_file() and json.loads(meta.read_text(encoding="utf-8")).get("generator_version") == synth.GENERATOR_VERSION
    if not current or not all((folder / f"{t}.parquet").is_file() for t in (*synth.SynthData.TABLES, "ground_truth")):
        s = params.source.synthetic
        synth.generate(s.n_customers, s.months, s.start.isoformat(), params.seed).write(folder)
    return folder


def source_tables(params: Params, root: Path) -> dict[str, TableSource]:
    """The table sources of a run (the synthetic source is a set of Parquet files)."""
    if params.source.kind == "synthetic":
        folder = ensure_synthetic(params, root)
        return {
            t: TableSource(path=str(folder / f"{t}.parquet"))
            for t in synth.SynthData.TABLES
        }
    return params.source.tables


def read_file(spec: TableSource, table: str, root: Path) -> Loaded:
    """Read one source file with its original columns (strings kept as text)."""
    path = resolve(spec.path, root)
    if not path.is_file():
        raise SourceError(
            f"{path}: file not found for table '{table}'. Check source.tables.{table}.path "
            "(relative paths start at the project root)."
        )
    fmt = spec.format
    if fmt == "auto":
        fmt = "parquet" if path.suffix.lower() in (".parquet", ".pq") else "csv"
    try:
        if fmt == "parquet":
            df = pd.read_parquet(path)
        else:
            df = pd.read_csv(path, sep=spec.csv_sep, encoding=spec.encoding, dtype=str, keep_default_na=False, na_values=[""])
    except Exception as exc:  # noqa: BLE001 - the message names the file and the reader's reason
        raise SourceError(f"{path}: cannot read as {fmt} for table '{table}': {exc}") from None
    if df.empty:
        raise SourceError(f"{path}: no data rows in table '{table}'. Point source.tables.{table}.path at a file with rows.")
    return Loaded(table, str(path), df.reset_index(drop=True))


def mapping(spec: TableSource) -> dict[str, str]:
    """Canonical -> file column names: the preset, then the explicit columns on top."""
    return {**PRESETS.get(spec.preset or "", {}), **spec.columns}


def _snake(name: str) -> str:
    """A column name in snake_case: 'Customer Name' -> 'customer_name'."""
    return re.sub(r"[^0-9a-z]+", "_", re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.strip())).strip("_").lower()


def apply_mapping(loaded: Loaded, spec: TableSource) -> pd.DataFrame:
    """Rename file columns to canonical names; error naming the missing column and the closest match."""
    cols = mapping(spec)
    df = loaded.frame
    found = list(map(str, df.columns))
    for canonical in REQUIRED[loaded.table]:
        cols.setdefault(canonical, canonical)
    for canonical, name in cols.items():
        if name not in df.columns:
            close = difflib.get_close_matches(name, found, n=1, cutoff=0.5)
            hint = f" The closest column is '{close[0]}'." if close else ""
            required = "required" if canonical in REQUIRED[loaded.table] else "mapped"
            raise SourceError(
                f"{loaded.source}: {required} column '{name}' (canonical '{canonical}') not found in table "
                f"'{loaded.table}'. Columns found: {', '.join(found)}.{hint} "
                f"Fix source.tables.{loaded.table}.columns.{canonical}."
            )
    out = pd.DataFrame({canonical: df[name] for canonical, name in cols.items()})
    if spec.keep_other_columns:
        used = set(cols.values())
        for name in df.columns:
            snake = _snake(str(name))
            if name not in used and snake not in out:
                out[snake] = df[name]
    out["source_row"] = np.arange(1, len(df) + 1, dtype="int64")
    return out


# --------------------------------------------------------------------------------------------
# cleaning
# --------------------------------------------------------------------------------------------
def _as_text(s: pd.Series) -> pd.Series:
    """Text ids: trimmed, whole numbers without a trailing '.0', empty text as missing."""
    if pd.api.types.is_float_dtype(s) and bool((s.dropna() % 1 == 0).all()):
        s = s.astype("Int64")
    out = s.astype("string").str.strip()
    return out.mask(out == "").astype("str")


def _parse_time(s: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(s):
        return s.astype("datetime64[ns]")
    return pd.to_datetime(s, errors="coerce", format="mixed").astype("datetime64[ns]")


def _parse_bool(s: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(s):
        return s.astype("boolean")
    txt = s.astype("str").str.strip().str.lower()
    truth = {"1": True, "true": True, "yes": True, "y": True, "t": True,
             "0": False, "false": False, "no": False, "n": False, "f": False}
    return txt.map(truth).astype("boolean")


def _line_revenue(df: pd.DataFrame) -> pd.Series:
    q = pd.to_numeric(df.get("quantity"), errors="coerce") if "quantity" in df else pd.Series(np.nan, df.index)
    p = pd.to_numeric(df.get("unit_price"), errors="coerce") if "unit_price" in df else pd.Series(np.nan, df.index)
    d = pd.to_numeric(df["discount"], errors="coerce").fillna(0.0) if "discount" in df else 0.0
    return (q * p * (1 - d)).fillna(0.0)


class _Sorter:
    """Assigns each row the first rule that rejects it."""

    def __init__(self, index: pd.Index):
        self.rule = pd.Series(pd.NA, index=index, dtype="object")

    def reject(self, mask: pd.Series, rule: str) -> None:
        mask = mask.fillna(False).astype(bool) & self.rule.isna()
        self.rule[mask] = rule

    @property
    def kept(self) -> pd.Series:
        return self.rule.isna()


def _rejected_rows(table: str, source: str, raw: pd.DataFrame, rows: pd.DataFrame, rule: pd.Series) -> pd.DataFrame:
    """The rejected table's rows: where they came from, why, and their original values."""
    if rows.empty:
        return pd.DataFrame(columns=["table", "source", "source_row", "rule", "reason", "values"])
    originals = raw.iloc[rows["source_row"].to_numpy() - 1]
    values = originals.to_json(orient="records", lines=True, date_format="iso", default_handler=str)
    return pd.DataFrame(
        {
            "table": table,
            "source": source,
            "source_row": rows["source_row"].to_numpy(),
            "rule": rule.to_numpy(),
            "reason": rule.map(RULE_TEXT).to_numpy(),
            "values": values.strip().split("\n"),
        }
    )


def clean_transactions(
    df: pd.DataFrame, cleaning: Cleaning, now: pd.Timestamp, raw_columns_dup: pd.Series
) -> tuple[pd.DataFrame, pd.Series, dict]:
    """Apply the transaction cleaning rules.

    Returns the typed table (all rows), the rule per row (NA = kept) and counters.
    Cancellations (order id starting with the cancellation prefix, or negative
    quantity) are kept as returns: their negative quantity nets against purchases.
    """
    out = pd.DataFrame(index=df.index)
    out["customer_id"] = _as_text(df["customer_id"])
    out["order_id"] = _as_text(df["order_id"])
    out["timestamp"] = _parse_time(df["timestamp"])
    out["quantity"] = pd.to_numeric(df["quantity"], errors="coerce").astype(float)
    out["unit_price"] = pd.to_numeric(df["unit_price"], errors="coerce").astype(float)
    out["discount"] = (
        pd.to_numeric(df["discount"], errors="coerce").fillna(0.0).clip(0, 1) if "discount" in df else 0.0
    )
    for col in ("product_id", "category", "channel"):
        out[col] = _as_text(df[col]) if col in df else None
    for col in df.columns:
        if col not in out and col != "source_row":
            out[col] = _as_text(df[col]) if not pd.api.types.is_numeric_dtype(df[col]) else df[col]
    out["source_row"] = df["source_row"]

    s = _Sorter(out.index)
    if cleaning.drop_exact_duplicates:
        s.reject(raw_columns_dup, "exact_duplicate")
    s.reject(out["customer_id"].isna(), "missing_customer_id")
    s.reject(out["timestamp"].isna(), "bad_timestamp")
    s.reject(out["timestamp"] > now + pd.Timedelta(days=cleaning.reject_future_days), "future_timestamp")
    s.reject(out["quantity"].isna() | out["unit_price"].isna(), "bad_number")
    s.reject(out["quantity"] == 0, "zero_quantity")
    s.reject(out["unit_price"] <= 0, "non_positive_price")
    pid = out["product_id"].fillna("")
    non_product = pid.isin(cleaning.non_product_codes)
    for prefix in cleaning.non_product_prefixes:
        non_product |= pid.str.startswith(prefix)
    s.reject(non_product, "non_product_code")

    by_id = pd.Series(False, index=out.index)
    if cleaning.cancellation_prefix:
        by_id = out["order_id"].fillna("").str.startswith(cleaning.cancellation_prefix)
        out.loc[by_id & (out["quantity"] > 0), "quantity"] *= -1  # a cancellation is a return
    counters = {
        "cancellation_rows": int(by_id.sum()),
        "cancellation_rows_kept": int((by_id & s.kept).sum()),
        "return_rows_kept": int(((out["quantity"] < 0) & s.kept).sum()),
        "exact_duplicate_rows": int(raw_columns_dup.sum()),
        "rows_without_customer_id": int(out["customer_id"].isna().sum()),
        "distinct_customer_ids_read": int(out["customer_id"].nunique()),
    }
    return out, s.rule, counters


def clean_events(df: pd.DataFrame, table: str, raw_dup: pd.Series, cleaning: Cleaning) -> tuple[pd.DataFrame, pd.Series]:
    """Clean sessions or campaign events: typed columns; rows without customer or time rejected."""
    out = df.copy()
    out["customer_id"] = _as_text(df["customer_id"])
    time_col = "timestamp" if table == "sessions" else "sent_at"
    out[time_col] = _parse_time(df[time_col])
    for col in ("converted", "opened", "clicked"):
        if col in out:
            out[col] = _parse_bool(df[col]).fillna(False).astype(bool)
    for col in ("channel", "campaign_id", "session_id"):
        if col in out:
            out[col] = _as_text(df[col])
    s = _Sorter(out.index)
    if cleaning.drop_exact_duplicates:
        s.reject(raw_dup, "exact_duplicate")
    s.reject(out["customer_id"].isna(), "missing_customer_id")
    s.reject(out[time_col].isna(), "bad_timestamp")
    return out, s.rule


def clean_customers(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    out = df.copy()
    out["customer_id"] = _as_text(df["customer_id"])
    if "signup_date" in out:
        out["signup_date"] = _parse_time(df["signup_date"])
    for col in ("email_opt_in", "sms_opt_in"):
        if col in out:
            out[col] = _parse_bool(df[col])
    s = _Sorter(out.index)
    s.reject(out["customer_id"].isna(), "missing_customer_id")
    s.reject(out["customer_id"].duplicated() & out["customer_id"].notna(), "duplicate_customer_id")
    return out, s.rule


def customers_from_transactions(tx: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """One row per customer seen in transactions: first purchase as signup date, plus the
    most frequent value of each customer column (ties: the value seen first)."""
    first = tx.groupby("customer_id", sort=True)["timestamp"].min().rename("signup_date")
    out = first.to_frame()
    for col in columns:
        counts = (
            tx[["customer_id", col]].dropna().groupby(["customer_id", col], sort=False).size().rename("n").reset_index()
        )
        top = counts.sort_values(["customer_id", "n"], ascending=[True, False], kind="mergesort").drop_duplicates("customer_id")
        out[col] = top.set_index("customer_id")[col]
    return out.reset_index()


# --------------------------------------------------------------------------------------------
# the stage
# --------------------------------------------------------------------------------------------
def collect(params: Params, root: Path, now: pd.Timestamp | None = None) -> Collected:
    """Run stage 01: read every source table, clean it, and account for every row."""
    now = now or pd.Timestamp.now().normalize()
    specs = source_tables(params, root)
    tables: dict[str, pd.DataFrame] = {}
    rejected_parts: list[pd.DataFrame] = []
    quality: dict = {"source_kind": params.source.kind, "tables": {}}
    notes: list[str] = []

    for table in ("transactions", "customers", "sessions", "campaign_events"):
        if table not in specs:
            continue
        spec = specs[table]
        loaded = read_file(spec, table, root)
        mapped = apply_mapping(loaded, spec)
        raw_dup = loaded.frame.duplicated(keep="first")
        counters: dict = {}
        if table == "transactions":
            typed, rule, counters = clean_transactions(mapped, params.cleaning, now, raw_dup)
        elif table == "customers":
            typed, rule = clean_customers(mapped)
        else:
            typed, rule = clean_events(mapped, table, raw_dup, params.cleaning)
        kept_mask = rule.isna()
        kept = typed.loc[kept_mask].reset_index(drop=True)
        rej = _rejected_rows(table, loaded.source, loaded.frame, typed.loc[~kept_mask], rule[~kept_mask])
        rejected_parts.append(rej)
        tables[table] = kept
        entry = {
            "source": loaded.source,
            "read": int(len(typed)),
            "kept": int(kept_mask.sum()),
            "rejected": int((~kept_mask).sum()),
            "rejected_by_rule": {k: int(v) for k, v in rule[~kept_mask].value_counts().sort_index().items()},
            **counters,
        }
        if table == "transactions":
            rev = _line_revenue(typed)
            entry["revenue_kept"] = round(float(rev[kept_mask].sum()), 2)
            entry["revenue_rejected_by_rule"] = {
                k: round(float(v), 2) for k, v in rev[~kept_mask].groupby(rule[~kept_mask]).sum().sort_index().items()
            }
            total = float(rev[rev > 0].sum())
            no_id = float(rev[(typed["customer_id"].isna()) & (rev > 0)].sum())
            entry["revenue_share_without_customer_id"] = round(no_id / total, 4) if total else 0.0
            entry["customers"] = int(kept["customer_id"].nunique())
            entry["date_min"] = str(kept["timestamp"].min()) if len(kept) else None
            entry["date_max"] = str(kept["timestamp"].max()) if len(kept) else None
        quality["tables"][table] = entry
        if entry["kept"] == 0:
            raise SourceError(
                f"{loaded.source}: all {entry['read']} rows of table '{table}' were rejected "
                f"(by rule: {entry['rejected_by_rule']}). Check the column mapping and the cleaning parameters."
            )

    tx = tables["transactions"]
    customer_cols = [c for c in specs["transactions"].customer_columns if c in tx]
    if "customers" not in tables:
        tables["customers"] = customers_from_transactions(tx, customer_cols)
        notes.append(
            "No customers table was given: customers are the distinct customer ids of the transactions, "
            "with the first purchase as signup date"
            + (f" and {', '.join(customer_cols)} taken from the transactions." if customer_cols else ".")
        )
    else:
        missing = sorted(set(tx["customer_id"]) - set(tables["customers"]["customer_id"]))
        if missing:
            add = customers_from_transactions(tx[tx["customer_id"].isin(missing)], [])
            tables["customers"] = pd.concat([tables["customers"], add], ignore_index=True)
            notes.append(f"{len(missing)} customers appear in transactions but not in the customers table; added with unknown attributes.")
        quality["tables"]["customers"]["added_from_transactions"] = len(missing)
    tables["transactions"] = tx.drop(columns=customer_cols)

    rejected = pd.concat(rejected_parts, ignore_index=True) if rejected_parts else pd.DataFrame()
    rejected = rejected.astype({"source_row": "int64"}) if len(rejected) else rejected
    quality["notes"] = notes
    check_accounting(quality)
    return Collected(tables, rejected, quality, notes)


def check_accounting(quality: dict) -> None:
    """Raise if any table's rows read differ from kept + rejected (nothing may disappear)."""
    for table, q in quality["tables"].items():
        if q["read"] != q["kept"] + q["rejected"] or q["rejected"] != sum(q["rejected_by_rule"].values()):
            raise AssertionError(f"row accounting broken for {table}: {q}")


def quality_table(quality: dict) -> pd.DataFrame:
    """Rows read / kept / rejected per table, for the report."""
    rows = []
    for table, q in quality["tables"].items():
        rows.append({"table": table, "read": q["read"], "kept": q["kept"], "rejected": q["rejected"],
                     "kept %": 100.0 * q["kept"] / q["read"] if q["read"] else 0.0})
    return pd.DataFrame(rows)


def rejected_by_rule(quality: dict) -> pd.DataFrame:
    """Rejected rows per table and rule, with the reason (and revenue for transactions)."""
    rows = []
    for table, q in quality["tables"].items():
        for rule, n in q["rejected_by_rule"].items():
            rows.append({"table": table, "rule": rule, "rows": n, "reason": RULE_TEXT.get(rule, rule),
                         "revenue": q.get("revenue_rejected_by_rule", {}).get(rule)})
    return pd.DataFrame(rows, columns=["table", "rule", "rows", "reason", "revenue"])


def summary(quality: dict) -> pd.DataFrame:
    """Key facts of the collected data, for the report."""
    tx = quality["tables"]["transactions"]
    facts = [
        ("transaction rows read", f"{tx['read']:,}"),
        ("transaction rows kept", f"{tx['kept']:,} ({tx['kept'] / tx['read']:.1%})"),
        ("customers with kept transactions", f"{tx['customers']:,}"),
        ("period", f"{tx['date_min'][:10]} to {tx['date_max'][:10]}"),
        ("net revenue kept", f"{tx['revenue_kept']:,.2f}"),
        ("revenue share of rows without customer id", f"{tx['revenue_share_without_customer_id']:.1%}"),
        ("return / cancellation rows kept (netted)", f"{tx['return_rows_kept']:,}"),
    ]
    for name in ("customers", "sessions", "campaign_events"):
        if name in quality["tables"]:
            q = quality["tables"][name]
            facts.append((f"{name.replace('_', ' ')} rows kept", f"{q['kept']:,} of {q['read']:,}"))
    return pd.DataFrame(facts, columns=["fact", "value"])
