"""Reading and writing tables (Parquet, CSV), JSON and text: each file is written completely or
not at all (:func:`atomic`: a temporary file beside it, renamed into place), tables checked
against their schemas (:func:`validate`). The store (:mod:`seglab.files.artifacts`), the exports and
the pages write through these functions; reading sources is :mod:`seglab.collection.sources`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas and Arrow load with the first table (the runner's index page needs none)
    import pandas as pd
    import pandera.pandas as pdr


class TableError(ValueError):
    """A table failed its schema; the message names the file, the column and the failing values."""


def validate(df: pd.DataFrame, schema: pdr.DataFrameSchema, where: str) -> pd.DataFrame:
    """``df`` checked against ``schema``; :class:`TableError` naming ``where``, each failing column
    and check, and a few failing values.
    """
    import pandera.pandas as pdr  # (pandera loads when a table is first checked)

    try:
        return schema.validate(df, lazy=True)
    except pdr.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        lines = [f"{where}: table '{schema.name}' does not match its schema"]
        for (col, check), grp in cases.groupby(["column", "check"], dropna=False, sort=False):
            sample = ", ".join(repr(v) for v in grp["failure_case"].head(5))
            lines.append(f"  - column '{col}': {check} failed for {len(grp)} value(s), e.g. {sample}")
        raise TableError("\n".join(lines)) from None


#: Parquet written by seglab: timestamps in microseconds, which every engine reads (Spark rejects
#: nanoseconds); sub-microsecond parts, which no source has, are truncated.
# Row groups of DuckDB's own size (122,880 rows): DuckDB scans a file one row group per thread,
# and Arrow's default (1Mi rows) leaves threads idle at the end of a 10-million-line table
# (stage 02 was 6 % faster on 10M lines; files 20 % larger; pandas reads them as fast).
PARQUET_OPTIONS = {"coerce_timestamps": "us", "allow_truncated_timestamps": True, "row_group_size": 122_880}


def atomic(path: Path, write: Callable[[Path], object]) -> Path:
    """Write a file completely or not at all: ``write(tmp)`` writes a temporary file beside
    ``path``, which then replaces ``path`` in one step (a crash, a full disk or a kill leaves the
    old file or none, never half of one).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        write(tmp)
        _replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.filename:
            raise
        # a full disk inside a writer (pyarrow, pandas) names no file: the message names the one written
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _replace(new: Path, path: Path) -> None:
    """``new`` (a file or a folder) takes the place of ``path`` (a file, a folder or nothing) in one
    rename; an old folder (a Parquet dataset Spark wrote), or a file a folder replaces, is first
    moved aside, then removed.
    """
    import shutil

    if path.is_dir() or (path.exists() and new.is_dir()):
        aside = path.with_name(f".{path.name}.{os.getpid()}.old")
        os.replace(path, aside)
        try:
            os.replace(new, path)
        except BaseException:
            os.replace(aside, path)
            raise
        if aside.is_dir():
            shutil.rmtree(aside, ignore_errors=True)
        else:
            aside.unlink()
    else:
        os.replace(new, path)


def place_folder(folder: Path, path: Path) -> Path:
    """A Parquet dataset folder written beside (by Spark) put at ``path``, replacing what was there."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _replace(Path(folder), path)
    return path


def parquet_files(path: Path) -> list[Path]:
    """The data files of a Parquet table: the file itself, or a dataset folder's files in order."""
    path = Path(path)
    return sorted(path.rglob("*.parquet")) if path.is_dir() else [path]


def write_parquet(df: pd.DataFrame, path: Path, metadata: dict[str, str] | None = None) -> Path:
    """Write ``df`` as Parquet (atomically). A column with no value at all is written as text, not
    with Arrow's null type, which engines read as they like (Spark: an integer). ``metadata``:
    key-value texts stored in the file's schema (how the table was built).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    if df.attrs:  # the attributes as JSON keeps them (notes as their data)
        df = df.copy(deep=False)
        df.attrs = json.loads(json.dumps(df.attrs, default=_as_json))
    table = pa.Table.from_pandas(df, preserve_index=False)
    if metadata:
        more = {k.encode(): v.encode() for k, v in metadata.items()}
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), **more})
    for i, field in enumerate(table.schema):
        if pa.types.is_null(field.type):
            table = table.set_column(i, pa.field(field.name, pa.string()), table.column(i).cast(pa.string()))
    return atomic(path, lambda tmp: pq.write_table(table, tmp, **PARQUET_OPTIONS))


def write_csv(df: pd.DataFrame, path: Path, **kwargs) -> Path:
    """Write ``df`` as CSV for people and spreadsheets (atomically, without the index): every text
    cell that would start a formula (=, +, -, @, tab, carriage return) is neutralised with a leading
    apostrophe (:func:`seglab.text.csv_cell`; the raw values are in the Parquet files). Lines end
    in CRLF (RFC 4180), so a value holding a line break or a carriage return is quoted.
    """
    return atomic(path, lambda tmp: _to_csv(df, tmp, **kwargs))


def write_csv_parts(parts: Iterable[pd.DataFrame], path: Path, columns: list[str], encoding: str = "utf-8") -> Path:
    """:func:`write_csv` of a table that comes in parts (``seglab score``, chunk by chunk: bounded
    memory): the header once (``columns`` alone when no part comes), then each part's rows, in one
    file that appears when the last part is written (:func:`atomic`).
    """
    import pandas as pd

    def write(tmp: Path) -> None:
        with tmp.open("w", encoding=encoding, newline="") as f:  # (a byte-order mark, if any, once)
            header = True
            for part in parts:
                _to_csv(part, f, header=header)
                header = False
            if header:
                _to_csv(pd.DataFrame(columns=columns), f)

    return atomic(path, write)


def _to_csv(df: pd.DataFrame, target, **kwargs) -> None:
    """``df`` as :func:`write_csv` writes it, to ``target`` (a path or an open text file)."""
    from seglab.text import csv_safe

    csv_safe(notes_as_json(df)).to_csv(target, index=False, lineterminator="\r\n", **kwargs)


def read_csv(path: Path, **kwargs) -> pd.DataFrame:
    """A CSV file seglab wrote, with its text cells as they were before :func:`write_csv`."""
    import pandas as pd

    from seglab.text import from_csv_cell

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing; run the stage that writes it first")
    df = pd.read_csv(path, **kwargs)
    df.columns = [from_csv_cell(c) for c in df.columns]
    for c in df.columns:
        if df[c].dtype == object or pd.api.types.is_string_dtype(df[c]):
            df[c] = df[c].map(from_csv_cell, na_action="ignore")
    return df


def notes_as_json(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with each note (a reader's sentence kept as its message id and values) written as its
    JSON (:meth:`seglab.i18n.Note.as_text`), the same in every language, said where it is shown.
    """
    from seglab import i18n

    def kept(v) -> bool:  # a note or value, or its data (a text that already is its JSON stays as it is)
        return isinstance(v, i18n.Note | i18n.Value) or (isinstance(v, dict) and i18n.is_note(v))

    columns = [c for c in df.columns if df[c].dtype == object and df[c].map(kept).any()]
    if not columns:
        return df
    out = df.copy()
    for c in columns:
        out[c] = out[c].map(i18n.as_text)
    return out


def write_text(text: str, path: Path) -> Path:
    """Write a text file (UTF-8) atomically."""
    return atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_table(df: pd.DataFrame, path: Path, schema: str | None = None, metadata: dict | None = None) -> Path:
    """Validate ``df`` against the named schema (if any) and write it as Parquet."""
    path = Path(path).with_suffix(".parquet")
    df = notes_as_json(df)
    if schema:
        from seglab import schemas

        df = validate(df, schemas.BY_NAME[schema], str(path))
    return write_parquet(df, path, metadata)


def read_table(path: Path, schema: str | None = None) -> pd.DataFrame:
    """Read a Parquet table written by a stage and validate it."""
    path = Path(path).with_suffix(".parquet")
    if not path.exists():
        raise FileNotFoundError(f"{path}: missing; run the stage that writes it first (see reports/<run>/index.html)")
    import pandas as pd

    df = pd.read_parquet(path)
    if not schema:
        return df
    from seglab import schemas

    return validate(df, schemas.BY_NAME[schema], str(path))


def write_json(obj: Any, path: Path) -> Path:
    """Write ``obj`` as JSON (atomically)."""
    return write_text(json.dumps(obj, indent=2, sort_keys=True, default=_as_json) + "\n", path)


def _as_json(obj) -> Any:
    """A value JSON has no type for: a record that gives its data (a note) as that data, else its text."""
    return obj.to_dict() if hasattr(obj, "to_dict") else str(obj)


def read_json(path: Path) -> Any:
    """A JSON file seglab wrote; FileNotFoundError naming the stage to run when it is missing."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing; run the stage that writes it first")
    return json.loads(path.read_text(encoding="utf-8"))
