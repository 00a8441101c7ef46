"""Delimited text read line by line where it must be: quoted fields, repeated headers, short and
long rows, each accounted for.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from seglab.collection.sources.detect import SourceError, check_text, decode, first_lines, sniff_separator
from seglab.config import TableSource
from seglab.i18n import N_, Note

# --------------------------------------------------------------------------------------------
# readers
# --------------------------------------------------------------------------------------------
#: How many lines a quoted field may run onto before an open quote is taken as stray.
MAX_QUOTED_LINES = 200


def _read_strings(text: str, sep: str, **options) -> pd.DataFrame:
    """``text`` read as a table of strings by pandas (an empty field missing, nothing else), with
    pandas' ``options`` (engine, quoting, spaces).
    """
    return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_values=[""], **options)


def read_text(path: Path, spec: TableSource, fmt: str) -> tuple[pd.DataFrame, dict]:
    """A text source (CSV, TSV, fixed separator) read as a table, with what was found on the way."""
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
        df = _read_strings(text, sep, skipinitialspace=True, engine="python")
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
            lines=first_lines(at),
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
        df = _read_strings(
            text,
            sep,
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
                lines=first_lines(first),
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
