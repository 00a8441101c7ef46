"""The source's columns mapped to seglab's canonical names, with the closest name when one is
missing.
"""

from __future__ import annotations

import difflib
import re

import numpy as np
import pandas as pd

from seglab.collection.sources.detect import PRESETS, Loaded, SourceError
from seglab.config import TableSource
from seglab.text import SAME_LETTERS


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
