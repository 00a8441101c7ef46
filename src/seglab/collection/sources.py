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

from seglab import secret
from seglab.config import TableSource
from seglab.i18n import N_, Note
from seglab.paths import resolve
from seglab.text import SAME_LETTERS


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
                    lines=_first(legacy),
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


# --------------------------------------------------------------------------------------------
# readers
# --------------------------------------------------------------------------------------------
#: How many lines a quoted field may run onto before an open quote is taken as stray.
MAX_QUOTED_LINES = 200


def _read_text(path: Path, spec: TableSource, fmt: str) -> tuple[pd.DataFrame, dict]:
    raw = path.read_bytes()
    if not raw.strip():
        raise SourceError(f"{path}: the file is empty. Point the path at a file with a header line and rows.")
    if spec.encoding == "auto" or not spec.encoding.lower().startswith("utf-16"):
        check_text(raw, path)
    text, encoding, notes = decode(raw, spec.encoding, path)
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    inner = text.count("\ufeff")  # a second export appended to the first brings its byte-order mark
    if inner:
        text = text.replace("\ufeff", "")
        notes.append(
            Note.of(
                N_(
                    "%(path)s: %(n)s byte-order mark(s) (U+FEFF) inside the file removed (a file appended to another "
                    "brings its own); values are read without them."
                ),
                path=str(path),
                n=inner,
            )
        )
    if fmt == "whitespace":
        sep = r"\s+"
    elif fmt == "tsv":
        sep = "\t"
    else:
        sep = sniff_separator(text) if spec.csv_sep == "auto" else spec.csv_sep
    info = {"format": fmt, "encoding": encoding, "separator": {"\t": "TAB", r"\s+": "whitespace"}.get(sep, sep)}
    if fmt == "whitespace":
        df = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            skipinitialspace=True,
            engine="python",
        )
        return df, info | {"notes": notes}
    parsed = parse_delimited(text, sep, spec.quotechar, str(path))
    return parsed.frame, info | {"notes": notes + parsed.notes, "parsed": parsed}


@dataclass
class Parsed:
    """A delimited text parsed with every line accounted for."""

    frame: pd.DataFrame  # one row per record and per malformed line (all empty), in file order
    lines: np.ndarray  # the file line each row starts on (1 = the first line)
    malformed: pd.Series  # why the row's line could not be read (None for a good row)
    raw_lines: dict[int, str]  # the text of each malformed line, by row position
    notes: list[str]
    duplicates: dict[str, list[int]]  # a column name given more than once -> its positions (1-based)


def _fields(text: str, sep: str, quote: str) -> list[str] | None:
    """The fields of one record's text (strict CSV), or None when its quoting is broken."""
    try:
        rows = list(csv.reader([text], delimiter=sep, quotechar=quote, strict=True))
    except csv.Error:
        return None
    return rows[0] if len(rows) == 1 else None


def _header(lines: list[str], sep: str, quote: str, where: str) -> tuple[np.ndarray, int, list[str], dict]:
    """The non-blank lines, the header's line and names, and the names it repeats (name -> positions)."""
    nonblank = np.flatnonzero(np.fromiter((bool(line.strip()) for line in lines), dtype=bool, count=len(lines)))
    if not len(nonblank):
        raise SourceError(
            f"{where}: the file has no header line. Point the path at a file with a header line and rows."
        )
    header_at = int(nonblank[0])
    header = _fields(lines[header_at], sep, quote)
    if header is None:
        raise SourceError(
            f"{where}: line {header_at + 1}, the header, has an unbalanced quote ({quote}); fix the header."
        )
    header = [h.strip() for h in header]
    seen: dict[str, list[int]] = {}
    for i, h in enumerate(header, start=1):
        seen.setdefault(h, []).append(i)
    return nonblank, header_at, header, {h: pos for h, pos in seen.items() if len(pos) > 1}


#: Why a line that repeats the header is not a row (a second export appended to the first).
REPEATED_HEADER = "the header line again (a second export appended to the first?): not a row"


def _repeated_headers(
    df: pd.DataFrame, header: list[str], lines: list[str], nonblank: np.ndarray
) -> tuple[pd.Series, dict[int, str]]:
    """The rows of a table read by pandas that repeat the header (every field equal to its column's
    name): why each is not a row, and their lines' text.
    """
    reasons = pd.Series([None] * len(df), dtype=object)
    if not len(df) or not header:
        return reasons, {}
    first = df.iloc[:, 0].astype("str").str.strip() == header[0]
    candidates = np.flatnonzero(first.fillna(False).to_numpy(dtype=bool))
    raw_lines = {}
    for pos in candidates:
        if [str(v).strip() for v in df.iloc[pos].tolist()] == header:
            reasons.iat[pos] = REPEATED_HEADER
            raw_lines[int(pos)] = lines[int(nonblank[pos + 1])]
    return reasons, raw_lines


def _first(lines: list[int]) -> list[int]:
    """The first ten of a note's line numbers (the note says how many there are)."""
    return [int(x) for x in lines[:10]]


def _repeated_header_note(where: str, reasons: pd.Series, starts: np.ndarray) -> list[Note]:
    at = [int(starts[k]) for k in np.flatnonzero((reasons == REPEATED_HEADER).to_numpy(dtype=bool))]
    if not at:
        return []
    return [
        Note.of(
            N_(
                "%(where)s: %(n)s line(s) repeat the header (lines %(lines)s; a second export appended to the "
                "first?): they are not rows, rejected as malformed_line; the rows after them are read."
            ),
            where=where,
            n=len(at),
            lines=_first(at),
        )
    ]


def _record(lines: list[str], i: int, n: int, sep: str, quote: str) -> tuple[list[str] | None, int, str | None]:
    """The record that starts on line ``i``: its fields (None: malformed), its last line, and why
    it is malformed. A quote left open continues on the next lines only when the next line is not
    a complete row of its own and the lines up to the closing quote make one record of ``n`` fields.
    """
    line = lines[i]
    fields = _fields(line, sep, quote)
    end, why = i, None
    if fields is None:  # a quote left open (or broken quoting) on this line
        after = _fields(lines[i + 1], sep, quote) if i + 1 < len(lines) else None
        if after is not None and len(after) == n:
            return (
                None,
                i,
                f"unbalanced quote ({quote}): the next line is a complete row, so this line's quote is stray",
            )
        for j in range(i + 1, min(i + MAX_QUOTED_LINES, len(lines))):
            fields = _fields("\n".join(lines[i : j + 1]), sep, quote)
            if fields is not None:
                end = j
                break
        if fields is None or len(fields) > n:
            return None, i, f"unbalanced quote ({quote}): the quoted field does not close into a row of {n} fields"
    if len(fields) > n:
        return None, i, f"{len(fields)} fields where the header has {n}"
    return fields, end, why


def _line_by_line(lines: list[str], header_at: int, header: list[str], sep: str, quote: str):
    """Every record after the header, line by line: rows (None: malformed, or the header again),
    first lines, reasons, malformed lines' text, and how many rows run over several lines.
    """
    n = len(header)
    rows: list[list[str] | None] = []
    starts: list[int] = []
    reasons: list[str | None] = []
    raw_lines: dict[int, str] = {}
    spanning = 0
    i = header_at + 1
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        fields, end, why = _record(lines, i, n, sep, quote)
        if fields is not None and [f.strip() for f in fields] == header:
            fields, end, why = None, i, REPEATED_HEADER
        starts.append(i + 1)
        if fields is None:
            raw_lines[len(rows)] = lines[i]
            rows.append(None)
        else:
            spanning += end > i
            rows.append(fields + [None] * (n - len(fields)))
        reasons.append(why)
        i = end + 1
    return rows, starts, reasons, raw_lines, spanning


#: A file with more columns than this is read in one go, not in pieces (faster by half at 5,000
#: columns; a file so wide has few rows).
WIDE = 200


def parse_delimited(text: str, sep: str, quote: str, where: str) -> Parsed:
    """Parse CSV text so that no line is lost or merged unseen.

    The fast path is pandas' reader. Its rows are checked against the file's line structure: one
    row per non-blank line after the header. When they differ (a quoted field runs over several
    lines, or a stray quote swallowed the lines after it) or pandas refuses the file (a line with
    more fields than the header), the text is read again line by line: a quote left open on a line
    is a field that continues on the next lines only when the next line is not a complete row of
    its own and the lines up to the closing quote make one record with the header's fields;
    otherwise the line is rejected as malformed, with its line number, and reading resumes on the
    next line. Blank lines are skipped and counted.
    """
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the file's last line break
    nonblank, header_at, header, duplicates = _header(lines, sep, quote, where)
    blank = len(lines) - len(nonblank)
    notes = [Note.of(N_("%(where)s: %(n)s blank line(s) skipped."), where=where, n=blank)] if blank else []
    try:
        df = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            quotechar=quote,
            engine="c",
            low_memory=len(header) <= WIDE,  # in pieces, each column a piece per 2**18 bytes: slow when wide
        )
        # a first row with one field more than the header makes pandas take the first column as an index and
        # shift every row: never the fast path then (the line reader rejects such lines, each at its line)
        fast = len(df) == len(nonblank) - 1 and isinstance(df.index, pd.RangeIndex)
    except pd.errors.ParserError:
        fast = False
    if fast:
        malformed, raw_lines = _repeated_headers(df, header, lines, nonblank)
        notes += _repeated_header_note(where, malformed, nonblank[1:] + 1)
        return Parsed(df, nonblank[1:] + 1, malformed, raw_lines, notes, duplicates)
    n = len(header)
    rows, starts, reasons, raw_lines, spanning = _line_by_line(lines, header_at, header, sep, quote)
    frame = pd.DataFrame([r if r is not None else [None] * n for r in rows], columns=_unique(header), dtype=object)
    frame = frame.mask(frame == "").astype("str")  # as pandas reads it: text, empty = missing
    notes += _repeated_header_note(where, pd.Series(reasons, dtype=object), np.asarray(starts))
    bad = sum(r is not None and r != REPEATED_HEADER for r in reasons)
    if bad:
        first = [starts[k] for k, r in enumerate(reasons) if r is not None and r != REPEATED_HEADER][:10]
        notes.append(
            Note.of(
                N_(
                    "%(where)s: %(n)s line(s) could not be read as rows (lines %(lines)s); they are rejected as "
                    "malformed_line with their text. Fix the quoting or the number of separators on those lines."
                ),
                where=where,
                n=bad,
                lines=_first(first),
            )
        )
    if spanning:
        notes.append(
            Note.of(
                N_(
                    "%(where)s: %(n)s row(s) have a quoted value running over several lines; each is one row, counted "
                    "at its first line."
                ),
                where=where,
                n=spanning,
            )
        )
    return Parsed(
        frame, np.asarray(starts, dtype=np.int64), pd.Series(reasons, dtype=object), raw_lines, notes, duplicates
    )


def _unique(names: list[str]) -> list[str]:
    """Column names made unique as pandas does ('price', 'price.1')."""
    out, count = [], {}
    for name in names:
        k = count.get(name, 0)
        out.append(name if k == 0 else f"{name}.{k}")
        count[name] = k + 1
    return out


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
            raise SourceError(
                f"{path}: query failed: {exc}. Tables in this file: {', '.join(tables) or 'none'}"
            ) from None
    return df, {"format": "duckdb", "table": spec.table, "query": spec.query}


def postgres_url(spec: TableSource) -> str:
    """The connection URL from the environment variable named in the parameters."""
    url = os.environ.get(spec.url_env or "")
    if not url:
        raise SourceError(
            f"environment variable {spec.url_env} is not set: export "
            f"{spec.url_env}=postgresql://user:password@host:port/db "
            "before the run (the URL is never written in parameters, notebooks or pages)"
        )
    return url


def secrets_of(url: str) -> list[str]:
    """The parts of a connection URL (or key=value connection string) that must never be shown: the
    text itself and every password in it, as written, unquoted and percent-decoded
    (:func:`seglab.secret.values`: userinfo with or without a user, ``?password=``, ``password=``).
    """
    return [url, *secret.values(url)]


def redact(text: str, url: str) -> str:
    """``text`` without the connection text ``url``, any password of it (every form and every word
    holding a piece of one), any password written in ``text`` itself, and the environment's
    (``PGPASSWORD``).
    """
    return secret.redact(text.replace(url, "***") if url else text, secrets_of(url)[1:] if url else [])


def _read_postgres(spec: TableSource) -> tuple[pd.DataFrame, dict]:
    try:
        import adbc_driver_postgresql.dbapi as pg
    except ImportError:
        raise SourceError(
            "format postgres needs the PostgreSQL driver, which a plain install leaves out: "
            "pip install -e '.[postgres]' (or make report EXTRAS=postgres)"
        ) from None

    url = postgres_url(spec)
    try:
        with pg.connect(url) as con, con.cursor() as cur:
            cur.execute(_sql(spec))
            df = cur.fetch_arrow_table().to_pandas()
    except Exception as exc:  # noqa: BLE001 - re-raised with the secret removed
        written = secret.URL_PASSWORD.search(url)
        password = written["secret"] if written else ""  # the URL's password as written
        raw = re.search(r"[@:/]|%(?![0-9A-Fa-f]{2})", password)  # characters a URL needs encoded
        hint = (
            " The password holds '%', '@', ':' or '/' as they are: write it percent-encoded in the URL (% as "
            "%25, @ as %40, : as %3A, / as %2F)."
            if raw
            else ""
        )
        raise SourceError(f"postgres (URL from ${spec.url_env}): {redact(str(exc).strip(), url)}{hint}") from None
    return df, {"format": "postgres", "table": spec.table, "query": spec.query, "url_env": spec.url_env}


def _read_frame(spec: TableSource, table: str, path: Path | None, fmt: str) -> tuple[pd.DataFrame, dict]:
    """The source table as its reader gives it, and what the reader found (format, encoding, ...)."""
    if fmt != "postgres" and path.exists() and not path.is_file() and not path.is_dir():
        raise SourceError(
            f"{path}: not a regular file (a FIFO, device or socket) for table '{table}'; give the path of the "
            "exported file itself"
        )
    if fmt != "postgres" and not path.is_file() and not (fmt == "parquet" and path.is_dir()):
        raise SourceError(
            f"{path}: file not found for table '{table}'. Check source.tables.{table}.path "
            "(relative paths start at the project root)."
        )
    readers = {
        "csv": lambda: _read_text(path, spec, fmt),
        "tsv": lambda: _read_text(path, spec, fmt),
        "whitespace": lambda: _read_text(path, spec, fmt),
        "parquet": lambda: (pd.read_parquet(path), {"format": "parquet"}),
        "excel": lambda: _read_excel(path, spec),
        "duckdb": lambda: _read_duckdb(path, spec),
        "postgres": lambda: _read_postgres(spec),
    }
    try:
        return readers[fmt]()
    except SourceError:
        raise
    except Exception as exc:  # noqa: BLE001 - the message names the source and the reader's reason
        raise SourceError(f"{path}: cannot read as {fmt} for table '{table}': {exc}") from None


def _with_lines(loaded: Loaded, parsed: Parsed, table: str) -> None:
    """Put a text file's line structure on ``loaded``: each row's line, malformed lines, and a
    note per duplicated header name; a file of which no line is a row stops here.
    """
    source = loaded.source
    loaded.lines, loaded.malformed, loaded.raw_lines = parsed.lines, parsed.malformed, parsed.raw_lines
    loaded.info["duplicate_columns"] = parsed.duplicates
    for name, positions in parsed.duplicates.items():
        loaded.notes.append(
            Note.of(
                N_(
                    "%(source)s: the header names column '%(name)s' %(n)s times (columns %(columns)s); the later ones "
                    "are read as %(later)s."
                ),
                source=source,
                name=name,
                n=len(positions),
                columns=[int(c) for c in positions],
                later=[f"'{name}.{k}'" for k in range(1, len(positions))],
            )
        )
    if parsed.malformed.notna().all():
        raise SourceError(
            f"{source}: no line of table '{table}' could be read as a row: {parsed.malformed.iloc[0]} "
            f"(line {parsed.lines[0]}). Check the separator (csv_sep) and the quoting (quotechar)."
        )


def read(spec: TableSource, table: str, root: Path) -> Loaded:
    """Read one source table with its original columns."""
    path = resolve(spec.path, root) if spec.path else None
    fmt = detect_format(spec, path)
    df, info = _read_frame(spec, table, path, fmt)
    source = str(path) if path else f"postgres:{spec.table or 'query'} (URL from ${spec.url_env})"
    if df.empty:
        raise SourceError(
            f"{source}: no data rows in table '{table}'. Point source.tables.{table} at a source with rows."
        )
    df.columns = [str(c).strip() for c in df.columns]
    notes = info.pop("notes", [])
    parsed: Parsed | None = info.pop("parsed", None)
    loaded = Loaded(table, source, df.reset_index(drop=True), info, notes=notes)
    if parsed is not None:
        _with_lines(loaded, parsed, table)
    return loaded


# --------------------------------------------------------------------------------------------
# mapping
# --------------------------------------------------------------------------------------------
def snake(name: str) -> str:
    """A column name in snake_case: 'Customer Name' -> 'customer_name'."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.strip()).lower()
    return re.sub(r"[^0-9a-z\u0600-\u06ff]+", "_", spaced).strip("_")


def resolve_mapping(spec: TableSource, found: list[str], required: list[str]) -> dict[str, str]:
    """Canonical -> source column: the preset's first present alternative, then explicit columns,
    then canonical names present as they are.
    """
    cols: dict[str, str] = {}
    if spec.preset:
        for canonical, names in PRESETS[spec.preset].columns.items():
            cols[canonical] = next((n for n in names if n in found), names[0])
    cols.update(spec.columns)
    for canonical in required:
        cols.setdefault(canonical, canonical)
    # a name typed with Persian letters finds the column a Windows-1256 export wrote with Arabic ones
    same = {f.translate(SAME_LETTERS): f for f in found}
    for canonical, name in cols.items():
        if name not in found and name.translate(SAME_LETTERS) in same:
            cols[canonical] = same[name.translate(SAME_LETTERS)]
    return cols


#: How many of a file's columns a message lists.
SHOWN_COLUMNS = 40


def missing_column_error(loaded: Loaded, canonical: str, name: str, required: bool) -> SourceError:
    """The error for a mapped column absent from the source, naming the closest column."""
    found = list(loaded.frame.columns)
    close = difflib.get_close_matches(name, found, n=1, cutoff=0.5)
    hint = f" The closest column is '{close[0]}'." if close else ""
    sep_hint = ""
    if len(found) == 1 and any(s in found[0] for s in ",;\t|"):
        sep_hint = " The file has a single column containing separators: set csv_sep (or check the quoting)."
    kind = "required" if required else "mapped"
    shown = ", ".join(map(str, found[:SHOWN_COLUMNS])) + (
        f", ... and {len(found) - SHOWN_COLUMNS:,} more" if len(found) > SHOWN_COLUMNS else ""
    )  # a file of thousands of columns: a message, not a page
    return SourceError(
        f"{loaded.source}: {kind} column '{name}' (canonical '{canonical}') not found in table "
        f"'{loaded.table}'. Columns found: {shown}.{hint}{sep_hint} "
        f"Fix source.tables.{loaded.table}.columns.{canonical}."
    )


def _check_mapped(loaded: Loaded, spec: TableSource, cols: dict[str, str], required: list[str]) -> None:
    """Every mapped column is in the source, once (the message names the column and the fix)."""
    df = loaded.frame
    for name, positions in (loaded.info.get("duplicate_columns") or {}).items():
        if name in cols.values() or name in spec.rename.values():
            raise SourceError(
                f"{loaded.source}: the header names column '{name}' {len(positions)} times (columns "
                f"{', '.join(map(str, positions))}), and seglab uses it: it cannot tell which one is meant. Rename "
                "the others in the file (or map another column)."
            )
    ids_optional = loaded.table == "customers" and spec.preset is None and "customer_id" not in spec.columns
    for canonical, name in cols.items():
        if name in df.columns or (canonical == "customer_id" and ids_optional):
            continue  # (a customer-level source without ids: handled by the caller)
        raise missing_column_error(loaded, canonical, name, canonical in required)
    for new, name in spec.rename.items():
        if name not in df.columns:
            raise missing_column_error(loaded, new, name, False).with_fix(f"source.tables.{loaded.table}.rename.{new}")


def apply_mapping(loaded: Loaded, spec: TableSource, required: list[str]) -> tuple[pd.DataFrame, dict[str, str]]:
    """Rename source columns to canonical names (plus ``source_row``, 1-based row number); with
    each table column's name in the source (for labels). The names are returned apart, never in
    ``DataFrame.attrs``: pandas deep-copies attrs into every Series and frame derived from it, which
    made stage 01 on a 5,000-column table spend minutes copying one dictionary.
    """
    df = loaded.frame
    if spec.preset:
        required = [c for c in required if c not in PRESETS[spec.preset].derives]
    cols = resolve_mapping(spec, list(df.columns), required)
    _check_mapped(loaded, spec, cols, required)
    names = {canonical: name for canonical, name in cols.items() if name in df.columns}
    names.update(spec.rename)
    if spec.keep_other_columns:
        used = set(names.values())
        for name in df.columns:
            s = snake(str(name))
            if name not in used and s and s not in names:
                names[s] = str(name)
    # built at once: inserting thousands of columns one by one is quadratic in pandas
    out = pd.DataFrame({c: df[name] for c, name in names.items()}, index=df.index)
    if spec.preset and PRESETS[spec.preset].derive:
        out = PRESETS[spec.preset].derive(out)
    out["source_row"] = np.arange(1, len(df) + 1, dtype="int64")
    return out, names
