"""What a source is: its format, preset, encoding, separator, and the errors that name the file and
the fix.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from seglab.config import TableSource
from seglab.i18n import N_, Note


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
    #: text files: the line each row starts on; why a row's line could not be read (None: it
    #: could), and that line's text
    lines: np.ndarray | None = None
    malformed: pd.Series | None = None
    raw_lines: dict[int, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


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
    price is the dollar value over the number of CDs; dates are YYYYMMDD.
    """
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
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".xls": "excel",
    ".ods": "excel",
    ".duckdb": "duckdb",
    ".db": "duckdb",
}


def detect_format(spec: TableSource, path: Path | None) -> str:
    """The format of a source table: given, from its preset, or from the file's suffix."""
    if spec.format != "auto":
        return spec.format
    if spec.preset and PRESETS[spec.preset].format:
        return PRESETS[spec.preset].format
    fmt = _EXT.get(path.suffix.lower()) if path else None
    if fmt is None and path is not None and path.is_dir() and any(path.rglob("*.parquet")):
        fmt = "parquet"  # a Parquet dataset: a folder of files (maybe partitioned, key=value/)
    if fmt is None:
        raise SourceError(
            f"{path}: cannot tell the format from the extension '{path.suffix if path else ''}'; "
            "set format: csv, tsv, whitespace, parquet, excel or duckdb"
        )
    return fmt


#: What a file that is not text starts with, and what it is.
_MAGIC = (
    (
        b"PK\x03\x04",
        "a ZIP archive (an .xlsx or .ods workbook is one)",
        "if it is a workbook, set format: excel; if it is a zipped CSV, unzip it first",
    ),
    (b"\xd0\xcf\x11\xe0", "an old Excel workbook (.xls)", "set format: excel"),
    (b"PAR1", "a Parquet file", "set format: parquet"),
    (b"\x1f\x8b", "a gzip archive", "unzip it (gunzip) first"),
    (b"%PDF", "a PDF document", "export the data as CSV"),
    (b"SQLite format 3", "an SQLite database", "export the table as CSV"),
    (b"DUCK", "a DuckDB database", "set format: duckdb"),
)


def check_text(raw: bytes, path: Path) -> None:
    """A :class:`SourceError` when the bytes are plainly not a text table (an archive, a workbook,
    a database, binary data), naming what they look like and the fix.
    """
    head = raw[:4096]
    for magic, what, fix in _MAGIC:
        if head.startswith(magic) or (magic == b"DUCK" and head[8:12] == magic):
            raise SourceError(f"{path}: this is {what}, not a text (CSV) file; {fix}.")
    if b"\x00" in head and not _utf16(head):
        raise SourceError(
            f"{path}: binary data (NUL bytes), not a text (CSV) file; point the path at the CSV export "
            "or set format for what it is (parquet, excel, duckdb)."
        )


def _utf16(head: bytes) -> str | None:
    """``utf-16`` when the bytes have a UTF-16 byte-order mark, ``utf-16-le``/``-be`` when every
    other byte of mostly-ASCII text is NUL (UTF-16 without a mark), else None.
    """
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if len(head) >= 8:
        odd, even = head[1::2], head[0::2]
        if odd.count(0) > 0.7 * len(odd) and even.count(0) < 0.1 * len(even):
            return "utf-16-le"
        if even.count(0) > 0.7 * len(even) and odd.count(0) < 0.1 * len(odd):
            return "utf-16-be"
    return None


def detect_encoding(raw: bytes) -> str:
    """UTF-8 (with or without BOM) when the bytes decode as UTF-8; UTF-16 (with a byte-order mark,
    or plainly so); otherwise the most likely of the legacy encodings of customer exports
    (latin-1, Windows-1252, Windows-1256 for Arabic/Persian).
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    wide = _utf16(raw[:4096])
    if wide:
        return wide
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


_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def decode(raw: bytes, encoding: str, path: Path) -> tuple[str, str, list[str]]:
    """The text of ``raw``, the encoding it was read with, and notes. ``auto``: detected
    (:func:`detect_encoding`); a file that mixes UTF-8 lines with lines in a legacy encoding (two
    exports pasted together) is read line by line, each line in the encoding it is in, with a note
    naming the lines.
    """
    notes: list[str] = []
    if encoding != "auto":
        try:
            return raw.decode(encoding), encoding, notes
        except (UnicodeDecodeError, LookupError) as exc:
            raise SourceError(
                f"{path}: cannot decode as {encoding}: {exc}. Set encoding (e.g. utf-8, latin-1, "
                "cp1256), or encoding: auto."
            ) from None
    enc = detect_encoding(raw)
    if enc.startswith("utf-8") or enc.startswith("utf-16"):
        try:
            return raw.decode(enc), enc, notes
        except UnicodeDecodeError as exc:
            raise SourceError(
                f"{path}: looks like {enc} but byte {exc.start} is not: {exc.reason}. Save the file "
                "as UTF-8, or set encoding."
            ) from None
    if _UTF8_MULTIBYTE.search(raw):  # UTF-8 characters in a file that is not all UTF-8: mixed
        parts, legacy = [], []
        for number, line in enumerate(raw.split(b"\n"), start=1):
            try:
                parts.append(line.decode("utf-8"))
            except UnicodeDecodeError:
                parts.append(line.decode(enc, errors="replace"))
                legacy.append(number)
        if len(legacy) < len(parts):
            notes.append(
                Note.of(
                    N_(
                        "%(path)s: the file mixes encodings: most lines are UTF-8, %(n)s line(s) are not (lines "
                        "%(lines)s) and were read as %(encoding)s. Check their accents and letters; save the file as "
                        "UTF-8 to be sure."
                    ),
                    path=str(path),
                    n=len(legacy),
                    lines=first_lines(legacy),
                    encoding=enc,
                )
            )
            return "\n".join(parts), f"mixed (UTF-8, {len(legacy)} line(s) {enc})", notes
    return raw.decode(enc, errors="replace"), enc, notes


def sniff_separator(text: str) -> str:
    """The separator of a CSV text among , ; TAB and |, from its first lines."""
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        counts = {sep: sample.count(sep) for sep in ",;\t|"}
        return max(counts, key=counts.get) if max(counts.values()) else ","


def first_lines(lines: list[int]) -> list[int]:
    """The first ten of a note's line numbers (the note says how many there are)."""
    return [int(x) for x in lines[:10]]
