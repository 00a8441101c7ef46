"""Reading sources as they come: CSV/TSV (separator and encoding detected), whitespace-separated
text, Parquet, Excel (calamine), a DuckDB file, PostgreSQL (ADBC; the URL only ever comes from an
environment variable), and presets for known public exports.

A reader returns the table with its original columns and a description of where it came from
that is safe to print (never a connection URL).
"""

from __future__ import annotations

import csv
import difflib
import io
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from seglab.config import TableSource
from seglab.paths import resolve


class SourceError(ValueError):
    """A source cannot be read or mapped; the message names the source and how to fix it."""

    def with_fix(self, key: str) -> SourceError:
        """The same error, naming ``key`` as the parameter to fix."""
        text = re.sub(r"Fix source\.tables\.[\w.]+\.$", f"Fix {key}.", str(self))
        return SourceError(text)


@dataclass
class Loaded:
    """One source table as read: original columns, plus its origin."""

    table: str
    source: str  # file path or a safe description (no secrets)
    frame: pd.DataFrame
    info: dict = field(default_factory=dict)  # format, encoding, separator, sheet ...


# --------------------------------------------------------------------------------------------
# presets
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Preset:
    """Column names of a known export: canonical name -> accepted names (first found wins)."""

    columns: dict[str, tuple[str, ...]]
    format: str | None = None
    derive: Callable[[pd.DataFrame], pd.DataFrame] | None = None
    derives: tuple[str, ...] = ()  # canonical columns made by ``derive`` (not read from the source)
    note: str = ""


def _cdnow_derive(df: pd.DataFrame) -> pd.DataFrame:
    """CDNOW rows are purchases of a customer on a day: the order id is customer + date; the unit
    price is the dollar value over the number of CDs; dates are YYYYMMDD."""
    out = df.copy()
    date = out["timestamp"].astype("string").str.strip()
    out["order_id"] = out["customer_id"].astype("string").str.strip() + "-" + date
    out["timestamp"] = pd.to_datetime(date, format="%Y%m%d", errors="coerce")
    qty = pd.to_numeric(out["quantity"], errors="coerce")
    value = pd.to_numeric(out.pop("value"), errors="coerce")
    out["unit_price"] = (value / qty.where(qty != 0)).round(6)
    out["gross_value"] = value
    return out


PRESETS: dict[str, Preset] = {
    "online_retail": Preset(
        columns={
            "customer_id": ("CustomerID", "Customer ID"),
            "order_id": ("InvoiceNo", "Invoice"),
            "timestamp": ("InvoiceDate",),
            "quantity": ("Quantity",),
            "unit_price": ("UnitPrice", "Price"),
            "product_id": ("StockCode",),
            "description": ("Description",),
            "country": ("Country",),
        },
        note="UCI Online Retail (InvoiceNo/UnitPrice/CustomerID) or Online Retail II (Invoice/Price/Customer ID)",
    ),
    "cdnow": Preset(
        columns={
            "customer_id": ("customer_id",),
            "timestamp": ("date",),
            "quantity": ("number_of_cds",),
            "value": ("dollar_value",),
        },
        format="whitespace",
        derive=_cdnow_derive,
        derives=("order_id", "unit_price"),
        note="CDNOW_master.txt: customer id, YYYYMMDD date, number of CDs, dollar value",
    ),
}


# --------------------------------------------------------------------------------------------
# detection
# --------------------------------------------------------------------------------------------
_EXT = {
    ".csv": "csv", ".txt": "csv", ".tsv": "tsv", ".tab": "tsv", ".parquet": "parquet", ".pq": "parquet",
    ".xlsx": "excel", ".xlsm": "excel", ".xls": "excel", ".ods": "excel", ".duckdb": "duckdb", ".db": "duckdb",
}


def detect_format(spec: TableSource, path: Path | None) -> str:
    if spec.format != "auto":
        return spec.format
    if spec.preset and PRESETS[spec.preset].format:
        return PRESETS[spec.preset].format
    fmt = _EXT.get(path.suffix.lower()) if path else None
    if fmt is None:
        raise SourceError(
            f"{path}: cannot tell the format from the extension '{path.suffix if path else ''}'; "
            "set format: csv, tsv, whitespace, parquet, excel or duckdb"
        )
    return fmt


def detect_encoding(raw: bytes) -> str:
    """UTF-8 (with or without BOM) when the bytes decode as UTF-8; otherwise the most likely of the
    legacy encodings of customer exports (latin-1, Windows-1252, Windows-1256 for Arabic/Persian)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw[:500_000], cp_isolation=["cp1256", "cp1252", "latin_1"]).best()
    if best is None:
        return "latin-1"  # decodes any byte: nothing is lost, text may look wrong
    return {"latin_1": "latin-1", "cp1252": "cp1252", "cp1256": "cp1256"}.get(best.encoding, best.encoding)


def sniff_separator(text: str) -> str:
    """The separator of a CSV text among , ; TAB and |, from its first lines."""
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        counts = {sep: sample.count(sep) for sep in ",;\t|"}
        return max(counts, key=counts.get) if max(counts.values()) else ","


# --------------------------------------------------------------------------------------------
# readers
# --------------------------------------------------------------------------------------------
def _read_text(path: Path, spec: TableSource, fmt: str) -> tuple[pd.DataFrame, dict]:
    raw = path.read_bytes()
    if not raw.strip():
        raise SourceError(f"{path}: the file is empty. Point the path at a file with a header line and rows.")
    encoding = detect_encoding(raw) if spec.encoding == "auto" else spec.encoding
    try:
        text = raw.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise SourceError(f"{path}: cannot decode as {encoding}: {exc}. Set encoding (e.g. utf-8, latin-1, cp1256).") from None
    if fmt == "whitespace":
        sep = r"\s+"
    elif fmt == "tsv":
        sep = "\t"
    else:
        sep = sniff_separator(text) if spec.csv_sep == "auto" else spec.csv_sep
    df = pd.read_csv(
        io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_values=[""],
        quotechar=spec.quotechar, skipinitialspace=fmt == "whitespace", engine="python" if fmt == "whitespace" else "c",
    )
    return df, {"format": fmt, "encoding": encoding, "separator": {"\t": "TAB", r"\s+": "whitespace"}.get(sep, sep)}


def _read_excel(path: Path, spec: TableSource) -> tuple[pd.DataFrame, dict]:
    try:
        df = pd.read_excel(path, sheet_name=spec.sheet, engine="calamine")
    except (ValueError, KeyError) as exc:
        sheets = pd.ExcelFile(path, engine="calamine").sheet_names
        raise SourceError(f"{path}: sheet {spec.sheet!r} not found ({exc}); sheets are {sheets}") from None
    return df, {"format": "excel", "sheet": spec.sheet}


def _sql(spec: TableSource) -> str:
    if spec.query:
        return spec.query
    return "SELECT * FROM " + ".".join(f'"{part}"' for part in spec.table.split("."))


def _read_duckdb(path: Path, spec: TableSource) -> tuple[pd.DataFrame, dict]:
    import duckdb

    with duckdb.connect(str(path), read_only=True) as con:
        try:
            df = con.execute(_sql(spec)).df()
        except duckdb.Error as exc:
            tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
            raise SourceError(f"{path}: query failed: {exc}. Tables in this file: {', '.join(tables) or 'none'}") from None
    return df, {"format": "duckdb", "table": spec.table, "query": spec.query}


def postgres_url(spec: TableSource) -> str:
    """The connection URL from the environment variable named in the parameters."""
    url = os.environ.get(spec.url_env or "")
    if not url:
        raise SourceError(
            f"environment variable {spec.url_env} is not set: export {spec.url_env}=postgresql://user:password@host:port/db "
            "before the run (the URL is never written in parameters, notebooks or reports)"
        )
    return url


def _redact(text: str, secret: str) -> str:
    out = text.replace(secret, "<url>")
    return re.sub(r"(://[^:/\s@]+:)[^@\s]+@", r"\1***@", out)


def _read_postgres(spec: TableSource) -> tuple[pd.DataFrame, dict]:
    try:
        import adbc_driver_postgresql.dbapi as pg
    except ImportError:
        raise SourceError(
            "format postgres needs the PostgreSQL driver, which a plain install leaves out: "
            "pip install -e '.[postgres]' (or make report EXTRAS=postgres)") from None

    url = postgres_url(spec)
    try:
        with pg.connect(url) as con, con.cursor() as cur:
            cur.execute(_sql(spec))
            df = cur.fetch_arrow_table().to_pandas()
    except Exception as exc:  # noqa: BLE001 - re-raised with the secret removed
        raise SourceError(f"postgres (URL from ${spec.url_env}): {_redact(str(exc), url)}") from None
    return df, {"format": "postgres", "table": spec.table, "query": spec.query, "url_env": spec.url_env}


def read(spec: TableSource, table: str, root: Path) -> Loaded:
    """Read one source table with its original columns."""
    path = resolve(spec.path, root) if spec.path else None
    fmt = detect_format(spec, path)
    if fmt != "postgres":
        if not path.is_file():
            raise SourceError(
                f"{path}: file not found for table '{table}'. Check source.tables.{table}.path "
                "(relative paths start at the project root)."
            )
    try:
        if fmt in ("csv", "tsv", "whitespace"):
            df, info = _read_text(path, spec, fmt)
        elif fmt == "parquet":
            df, info = pd.read_parquet(path), {"format": "parquet"}
        elif fmt == "excel":
            df, info = _read_excel(path, spec)
        elif fmt == "duckdb":
            df, info = _read_duckdb(path, spec)
        else:
            df, info = _read_postgres(spec)
    except SourceError:
        raise
    except Exception as exc:  # noqa: BLE001 - the message names the source and the reader's reason
        raise SourceError(f"{path}: cannot read as {fmt} for table '{table}': {exc}") from None
    source = str(path) if path else f"postgres:{spec.table or 'query'} (URL from ${spec.url_env})"
    if df.empty:
        raise SourceError(f"{source}: no data rows in table '{table}'. Point source.tables.{table} at a source with rows.")
    df.columns = [str(c).strip() for c in df.columns]
    return Loaded(table, source, df.reset_index(drop=True), info)


# --------------------------------------------------------------------------------------------
# mapping
# --------------------------------------------------------------------------------------------
def snake(name: str) -> str:
    """A column name in snake_case: 'Customer Name' -> 'customer_name'."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.strip()).lower()
    return re.sub(r"[^0-9a-z\u0600-\u06ff]+", "_", spaced).strip("_")


def resolve_mapping(spec: TableSource, found: list[str], required: list[str]) -> dict[str, str]:
    """Canonical -> source column: the preset's first present alternative, then explicit columns,
    then canonical names present as they are."""
    cols: dict[str, str] = {}
    if spec.preset:
        for canonical, names in PRESETS[spec.preset].columns.items():
            cols[canonical] = next((n for n in names if n in found), names[0])
    cols.update(spec.columns)
    for canonical in required:
        cols.setdefault(canonical, canonical)
    return cols


def missing_column_error(loaded: Loaded, canonical: str, name: str, required: bool) -> SourceError:
    found = list(loaded.frame.columns)
    close = difflib.get_close_matches(name, found, n=1, cutoff=0.5)
    hint = f" The closest column is '{close[0]}'." if close else ""
    sep_hint = ""
    if len(found) == 1 and any(s in found[0] for s in ",;\t|"):
        sep_hint = " The file has a single column containing separators: set csv_sep (or check the quoting)."
    kind = "required" if required else "mapped"
    return SourceError(
        f"{loaded.source}: {kind} column '{name}' (canonical '{canonical}') not found in table "
        f"'{loaded.table}'. Columns found: {', '.join(found)}.{hint}{sep_hint} "
        f"Fix source.tables.{loaded.table}.columns.{canonical}."
    )


def apply_mapping(loaded: Loaded, spec: TableSource, required: list[str]) -> pd.DataFrame:
    """Rename source columns to canonical names (plus ``source_row``, 1-based row number)."""
    df = loaded.frame
    if spec.preset:
        required = [c for c in required if c not in PRESETS[spec.preset].derives]
    cols = resolve_mapping(spec, list(df.columns), required)
    for canonical, name in cols.items():
        if name not in df.columns:
            if canonical == "customer_id" and loaded.table == "customers" and spec.preset is None and "customer_id" not in spec.columns:
                continue  # handled by the caller (customer-level source without ids)
            raise missing_column_error(loaded, canonical, name, canonical in required)
    out = pd.DataFrame({canonical: df[name] for canonical, name in cols.items() if name in df.columns})
    names = {canonical: name for canonical, name in cols.items() if name in df.columns}
    for new, name in spec.rename.items():
        if name not in df.columns:
            raise missing_column_error(loaded, new, name, False).with_fix(f"source.tables.{loaded.table}.rename.{new}")
        out[new], names[new] = df[name], name
    if spec.keep_other_columns:
        used = set(names.values())
        for name in df.columns:
            s = snake(str(name))
            if name not in used and s and s not in out:
                out[s], names[s] = df[name], str(name)
    if spec.preset and PRESETS[spec.preset].derive:
        out = PRESETS[spec.preset].derive(out)
    out["source_row"] = np.arange(1, len(df) + 1, dtype="int64")
    out.attrs["source_names"] = names  # table column -> the column's name in the source (for labels)
    return out
