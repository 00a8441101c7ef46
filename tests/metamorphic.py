"""The metamorphic trust suite's data sets and rewrites (tests/test_metamorphic.py).

Each data set is a small sample of a real public data set (Online Retail, CDNOW, Telco churn,
credit-card customers; ``../shared/data``) or of the synthetic default, written as the export a user
would give seglab. A rewrite writes the same facts differently (rows shuffled, columns renamed and
declared, money as text, amounts x 1000, ids with leading zeros, CSV with ';' and decimal comma,
Excel, Parquet) or removes information (history cut, zeros for unknown, a percentage column, an
outcome column, one season only). :func:`answer` runs stages 01 to 04's computing on it in process
and returns what a reader would be told: each customer's segment and persona name, what was
assumed, the profile.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from seglab import config, features, personas, segmentation
from seglab.collection import collect

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
#: Stage 03 as the suite runs it: k chosen from the evidence in a short range, no bootstrap.
SEGMENTATION = {"k_min": 3, "k_max": 5, "bootstrap": 0, "n_init": 4}


@dataclass
class Table:
    """One table of a data set as its export: the frame, its spec in the parameters, the columns
    that hold money, the customer id and dates, and the columns' new names for the rename rewrite.
    """

    frame: pd.DataFrame
    spec: dict
    money: list[str]
    id_column: str
    dates: list[str] = field(default_factory=list)


@dataclass
class DataSet:
    """A data set: its tables (by canonical table name) and facts the rewrites need."""

    name: str
    tables: dict[str, Table]
    rename: dict[str, str]  # column -> its new name, for "columns renamed and declared"
    numeric_attribute: str | None  # a customer attribute to set to 0 for a quarter of the customers
    customer_table: str  # where a column describing the customer is added


# ---------------------------------------------------------------------------------------------
# the data sets
# ---------------------------------------------------------------------------------------------
def _sample_customers(ids: pd.Series, n: int, seed: int = 11) -> set:
    """``n`` customer ids drawn with a seed (the same every run)."""
    unique = np.sort(ids.dropna().unique())
    rng = np.random.default_rng(seed)
    return set(rng.choice(unique, size=min(n, len(unique)), replace=False).tolist())


def online_retail(n: int = 150) -> DataSet:
    """Online Retail: the order lines of ``n`` customers (with their cancellations)."""
    df = pd.read_parquet(SHARED / "online_retail" / "online_retail.parquet")
    df = df[df["CustomerID"].isin(_sample_customers(df["CustomerID"], n))].reset_index(drop=True)
    df["CustomerID"] = df["CustomerID"].astype("int64")
    columns = {
        "customer_id": "CustomerID",
        "order_id": "InvoiceNo",
        "timestamp": "InvoiceDate",
        "quantity": "Quantity",
        "unit_price": "UnitPrice",
        "product_id": "StockCode",
        "description": "Description",
        "country": "Country",
    }
    spec = {"columns": columns, "customer_columns": ["country"]}
    tx = Table(df, spec, ["UnitPrice"], "CustomerID", ["InvoiceDate"])
    rename = {
        "InvoiceNo": "Rechnung",
        "StockCode": "Artikel",
        "Description": "Bezeichnung",
        "Quantity": "Menge",
        "InvoiceDate": "Datum",
        "UnitPrice": "Preis",
        "CustomerID": "Kunde",
        "Country": "Land",
    }
    return DataSet("online_retail", {"transactions": tx}, rename, None, "transactions")


def _order_ids(raw: pd.DataFrame) -> pd.Series:
    """One order id per CDNOW row: customer, day and the row's number on that day."""
    return raw["customer"] + "-" + raw["date"] + "-" + raw.groupby(["customer", "date"]).cumcount().astype(str)


def cdnow(n: int = 400) -> DataSet:
    """CDNOW: the purchases of ``n`` customers of the 1997 cohort, one row per purchase day."""
    raw = pd.read_csv(
        SHARED / "cdnow" / "CDNOW_master.txt",
        sep=r"\s+",
        names=["customer", "date", "cds", "value"],
        dtype={"customer": str, "date": str},
        skiprows=1,
    )
    raw = raw[raw["customer"].isin(_sample_customers(raw["customer"], n))].reset_index(drop=True)
    raw = raw[(raw["cds"] > 0) & (raw["value"] > 0)].reset_index(drop=True)
    df = pd.DataFrame(
        {
            "customer": raw["customer"].astype("int64"),
            "order": _order_ids(raw),
            "date": pd.to_datetime(raw["date"], format="%Y%m%d"),
            "cds": raw["cds"],
            "price": np.round(raw["value"] / raw["cds"], 4),
        }
    )
    columns = {
        "customer_id": "customer",
        "order_id": "order",
        "timestamp": "date",
        "quantity": "cds",
        "unit_price": "price",
    }
    tx = Table(df, {"columns": columns}, ["price"], "customer", ["date"])
    rename = {"customer": "client", "order": "purchase", "date": "day", "cds": "discs", "price": "unit value"}
    return DataSet("cdnow", {"transactions": tx}, rename, None, "transactions")


def telco(n: int = 700) -> DataSet:
    """IBM Telco churn: ``n`` customers, with the roles of ``notebooks/params/telco.yaml``."""
    df = pd.read_csv(SHARED / "telco_churn" / "WA_Fn-UseC_-Telco-Customer-Churn.csv", dtype=str)
    df = df[df["customerID"].isin(_sample_customers(df["customerID"], n))].reset_index(drop=True)
    for c in ("tenure", "SeniorCitizen"):
        df[c] = df[c].astype("int64")
    df["MonthlyCharges"] = df["MonthlyCharges"].astype(float)
    df["TotalCharges"] = pd.to_numeric(df["TotalCharges"], errors="coerce")
    spec = {
        "columns": {"customer_id": "customerID"},
        "roles": {
            "value": ["MonthlyCharges"],
            "flags": ["SeniorCitizen"],
            "behaviour": {"tenure_months": "tenure"},
            "ignore": ["TotalCharges"],
        },
        "lenses": {"demographic": ["gender", "SeniorCitizen", "Partner", "Dependents"]},
    }
    table = Table(df, spec, ["MonthlyCharges", "TotalCharges"], "customerID")
    rename = {
        "customerID": "Customer Number",
        "MonthlyCharges": "Fee per month",
        "TotalCharges": "Billed so far",
        "tenure": "Months with us",
        "SeniorCitizen": "Over 65",
        "Contract": "Agreement",
        "PaymentMethod": "Pays by",
        "InternetService": "Internet",
    }
    return DataSet("telco", {"customers": table}, rename, "MonthlyCharges", "customers")


def credit_card(n: int = 700) -> DataSet:
    """Credit-card customers: ``n`` card holders, nothing declared."""
    df = pd.read_csv(SHARED / "credit_card" / "cc_general.csv")
    df = df[df["customer_id"].isin(_sample_customers(df["customer_id"], n))].reset_index(drop=True)
    money = [
        "balance",
        "purchases",
        "oneoff_purchases",
        "installment_purchases",
        "cash_advance",
        "credit_limit",
        "payments",
        "minimum_payment",
    ]
    table = Table(df, {}, money, "customer_id")
    # the Kaggle original's names: upper case, CUST_ID
    rename = {c: c.upper() for c in df.columns} | {"customer_id": "CUST_ID"}
    return DataSet("credit_card", {"customers": table}, rename, "tenure", "customers")


def synthetic(n: int = 300) -> DataSet:
    """The synthetic default's CRM (``seglab synth``), ``n`` customers over 24 months: order
    lines, customers, sessions and campaign events."""
    from seglab import synth

    d = synth.generate(n_customers=n, months=24)
    tx = Table(d.transactions, {}, ["unit_price"], "customer_id", ["timestamp"])
    cu = Table(d.customers, {}, [], "customer_id", ["signup_date"])
    se = Table(d.sessions, {}, [], "customer_id", ["timestamp"])
    ca = Table(d.campaign_events, {}, [], "customer_id", ["sent_at"])
    rename = {"unit_price": "price_each", "quantity": "qty", "order_id": "ticket", "age": "years"}
    tables = {"transactions": tx, "customers": cu, "sessions": se, "campaign_events": ca}
    return DataSet("synthetic", tables, rename, "age", "customers")


DATASETS = {
    "online_retail": online_retail,
    "cdnow": cdnow,
    "telco": telco,
    "credit_card": credit_card,
    "synthetic": synthetic,
}
#: The data sets each built once per process (a test worker).
_BUILT: dict[str, DataSet] = {}


def dataset(name: str) -> DataSet:
    """The data set ``name``, built once per process."""
    if name not in _BUILT:
        _BUILT[name] = DATASETS[name]()
    return _BUILT[name]


def available(name: str) -> str | None:
    """Why the data set cannot be built here (its file is absent), or None."""
    need = {
        "online_retail": SHARED / "online_retail" / "online_retail.parquet",
        "cdnow": SHARED / "cdnow" / "CDNOW_master.txt",
        "telco": SHARED / "telco_churn" / "WA_Fn-UseC_-Telco-Customer-Churn.csv",
        "credit_card": SHARED / "credit_card" / "cc_general.csv",
    }.get(name)
    return None if need is None or need.is_file() else f"{need} not found (see ../shared/data/README.md)"


# ---------------------------------------------------------------------------------------------
# writing and reading
# ---------------------------------------------------------------------------------------------
def _write(frame: pd.DataFrame, folder: Path, name: str, how: str) -> tuple[Path, dict]:
    """The frame written as ``how`` (csv, csv_semicolon_comma, excel, parquet): its path and the
    spec keys that read it."""
    if how == "parquet":
        path = folder / f"{name}.parquet"
        frame.to_parquet(path, index=False)
        return path, {}
    if how == "excel":
        path = folder / f"{name}.xlsx"
        with pd.ExcelWriter(path, engine="xlsxwriter", datetime_format="yyyy-mm-dd hh:mm:ss") as w:
            frame.to_excel(w, index=False)
        return path, {}
    path = folder / f"{name}.csv"
    if how == "csv_semicolon_comma":
        frame.to_csv(path, sep=";", decimal=",", index=False, date_format="%Y-%m-%d %H:%M:%S")
        return path, {}
    frame.to_csv(path, index=False, date_format="%Y-%m-%d %H:%M:%S")
    return path, {}


def params(ds: DataSet, tables: dict[str, Table], folder: Path, how: str = "csv", run: str = "m") -> config.Params:
    """The run's parameters for the tables written to ``folder``."""
    spec = {}
    for name, t in tables.items():
        path, extra = _write(t.frame, folder, f"{ds.name}_{name}", how)
        spec[name] = {"path": str(path), **t.spec, **extra}
    return config.validate(
        {
            "run_name": run,
            "source": {"kind": "files", "tables": spec},
            "segmentation": SEGMENTATION,
            "report": {"currency": "EUR"},
        }
    )


@dataclass
class Answer:
    """What a run tells a reader: per customer (by the id of the original data) the segment and
    its persona, the features, what was assumed, stage 01's record and profile."""

    per_customer: pd.DataFrame  # customer_id (original), segment, persona, archetype
    features: pd.DataFrame
    clustered: list[str]
    assumptions: list[dict]
    quality: dict
    profile: dict
    names: pd.DataFrame
    model: segmentation.SegmentModel | None = None
    tables: dict | None = None
    params: config.Params | None = None


def answer(p: config.Params, root: Path, original_id=None) -> Answer:
    """Stages 01 to 04's computing on the run of ``p``: segments and persona names.
    ``original_id``: maps the run's customer ids back to the original data's (for rewritten ids).
    """
    c = collect.collect(p, root, now=pd.Timestamp("2026-12-01"))
    b = features.build(c.tables, p.features, c.quality)
    r = segmentation.segment(b.features, p.segmentation, p.seed)
    data = personas.joined(b.features, r.segments)
    cols = personas.profile_columns(data, r.model.preparation.features)
    prof = personas.profile(b.features, r.segments, r.model.preparation.features)
    wording = personas.Wording(b.features.attrs.get("labels"), b.features.attrs.get("kinds"))
    names = personas.name_personas(personas.z_profile(data, cols), p.personas, prof, wording)
    out = r.segments.merge(names[["segment", "persona", "archetype"]], on="segment")
    out["customer_id"] = out["customer_id"].map(original_id) if original_id is not None else out["customer_id"]
    assumptions = c.quality["assumptions"] + b.features.attrs.get("assumptions", []) + r.assumptions
    return Answer(
        out.sort_values("customer_id").reset_index(drop=True),
        b.features,
        list(r.model.preparation.features),
        assumptions,
        c.quality,
        c.profile,
        names,
        r.model,
        c.tables,
        p,
    )


# ---------------------------------------------------------------------------------------------
# rewrites that keep the facts
# ---------------------------------------------------------------------------------------------
def _copy(ds: DataSet) -> dict[str, Table]:
    return {
        k: Table(t.frame.copy(), {**t.spec}, list(t.money), t.id_column, list(t.dates)) for k, t in ds.tables.items()
    }


def shuffled(ds: DataSet) -> dict[str, Table]:
    tables = _copy(ds)
    for i, t in enumerate(tables.values()):
        t.frame = t.frame.sample(frac=1.0, random_state=100 + i).reset_index(drop=True)
    return tables


def _rename_spec(spec: dict, m: dict[str, str]) -> dict:
    """A table's spec with every column it names renamed."""

    def one(v):
        if isinstance(v, str):
            return m.get(v, v)
        if isinstance(v, list):
            return [one(x) for x in v]
        if isinstance(v, dict):
            return {k: one(x) for k, x in v.items()}
        return v

    out = {k: one(v) for k, v in spec.items() if k not in ("customer_columns",)}
    if "customer_columns" in spec:
        out["customer_columns"] = spec["customer_columns"]
    return out


def renamed(ds: DataSet) -> dict[str, Table]:
    """Columns renamed, and the new names declared where the original declared the old ones (the
    canonical columns are mapped by name)."""
    tables = _copy(ds)
    for t in tables.values():
        m = {c: ds.rename[c] for c in t.frame.columns if c in ds.rename}
        t.frame = t.frame.rename(columns=m)
        spec = _rename_spec(t.spec, m)
        canonical = {"customer_id", "order_id", "timestamp", "quantity", "unit_price", "sent_at", "campaign_id"}
        columns = dict(spec.get("columns", {}))
        for old, new in m.items():  # a canonical column that kept its canonical name is now mapped
            if old in canonical and old not in t.spec.get("columns", {}):
                columns[old] = new
        if columns:
            spec["columns"] = columns
        t.spec = spec
        t.money, t.id_column = [m.get(c, c) for c in t.money], m.get(t.id_column, t.id_column)
        t.dates = [m.get(c, c) for c in t.dates]
    return tables


def money_as_text(ds: DataSet) -> dict[str, Table]:
    """Money written as exports write it: a currency symbol and thousands separators."""
    tables = _copy(ds)
    for t in tables.values():
        for c in t.money:
            t.frame[c] = t.frame[c].map(lambda v: "" if pd.isna(v) else f"€{v:,.4f}".rstrip("0").rstrip("."))
    return tables


def times_1000(ds: DataSet) -> dict[str, Table]:
    """Amounts in thousandths (as if exported in another unit): x 1000."""
    tables = _copy(ds)
    for t in tables.values():
        for c in t.money:
            t.frame[c] = t.frame[c] * 1000
    return tables


def ids_with_zeros(ds: DataSet) -> dict[str, Table]:
    """Customer ids as text with leading zeros (or a prefix zero): '17850' -> '0017850'."""
    tables = _copy(ds)
    for t in tables.values():
        t.frame[t.id_column] = "00" + t.frame[t.id_column].astype(str)
    return tables


KEEP_FACTS = {
    "rows shuffled": (shuffled, "csv"),
    "columns renamed and declared": (renamed, "csv"),
    "money as text (currency, thousands)": (money_as_text, "csv"),
    "amounts x 1000": (times_1000, "csv"),
    "ids with leading zeros": (ids_with_zeros, "csv"),
    "CSV with ; and decimal comma": (_copy, "csv_semicolon_comma"),
    "Excel": (_copy, "excel"),
    "Parquet": (_copy, "parquet"),
}


#: Every rewrite of the suite, in the order of its table (those that remove information are listed
#: in tests/test_metamorphic.py).
REWRITES = (
    *KEEP_FACTS,
    "history cut to its last 120 days",
    "25 % of a numeric attribute set to 0",
    "a 0-100 share column added",
    "an outcome column added",
    "one season only",
)


def unrename(name: str, ds: DataSet, labels: set[str]) -> str:
    """A persona name made from renamed columns, with the original names back (for comparison):
    only the labels of the run's features that are a renamed column's (``labels``: those the run
    shows), whole words only ("day" must not touch "days since last purchase")."""
    from seglab.collection.roles import readable

    shown = {label.lower() for label in labels}
    for old, new in ds.rename.items():
        if readable(new).lower() in shown:
            name = re.sub(rf"(?<![\w]){re.escape(readable(new))}(?![\w])", readable(old), name, flags=re.I)
    return name
