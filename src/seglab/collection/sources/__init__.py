"""Reading sources as they come: CSV/TSV (separator and encoding detected), whitespace-separated
text, Parquet, Excel (calamine), a DuckDB file, PostgreSQL (ADBC; the URL only ever comes from an
environment variable), and presets for known public exports.

A reader returns the table with its original columns and a description of where it came from
that is safe to print (never a connection URL).

The modules, lowest first: ``detect`` (format, preset, encoding, separator), ``delimited``
(delimited text line by line), ``readers`` (each source read), ``mapping`` (canonical names).
"""

from __future__ import annotations

from seglab.collection.sources.delimited import MAX_QUOTED_LINES, REPEATED_HEADER, WIDE, Parsed, parse_delimited
from seglab.collection.sources.detect import (
    PRESETS,
    Loaded,
    Preset,
    SourceError,
    check_text,
    decode,
    detect_encoding,
    detect_format,
    sniff_separator,
)
from seglab.collection.sources.mapping import SHOWN_COLUMNS, apply_mapping, missing_column_error, resolve_mapping, snake
from seglab.collection.sources.readers import postgres_url, read, redact, secrets_of

__all__ = [
    "Loaded",
    "MAX_QUOTED_LINES",
    "PRESETS",
    "Parsed",
    "Preset",
    "REPEATED_HEADER",
    "SHOWN_COLUMNS",
    "SourceError",
    "WIDE",
    "apply_mapping",
    "check_text",
    "decode",
    "detect_encoding",
    "detect_format",
    "missing_column_error",
    "parse_delimited",
    "postgres_url",
    "read",
    "redact",
    "resolve_mapping",
    "secrets_of",
    "snake",
    "sniff_separator",
]
