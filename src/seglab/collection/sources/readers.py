"""Each source read into a table: CSV and text, Excel, Parquet, JSON, SQLite and DuckDB, PostgreSQL
(its password never shown).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from seglab import secret
from seglab.collection.sources.delimited import Parsed, read_text
from seglab.collection.sources.detect import Loaded, SourceError, detect_format
from seglab.config import TableSource
from seglab.i18n import N_, Note
from seglab.paths import resolve


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
        "csv": lambda: read_text(path, spec, fmt),
        "tsv": lambda: read_text(path, spec, fmt),
        "whitespace": lambda: read_text(path, spec, fmt),
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
