"""The rows of each table: flags, line revenue, the rules a transaction line must pass, events, the
customers, values read as written.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from seglab import i18n
from seglab.collection import amounts, sources
from seglab.collection import roles as roles_mod
from seglab.collection.amounts import to_number
from seglab.collection.rules.text import MAX_AMOUNT, TIME_COLUMN, Sorter, as_text
from seglab.collection.rules.times import RowContext, read_times, reject_times, typed_extras
from seglab.config import Cleaning, Params, TableSource
from seglab.i18n import N_


@dataclass(frozen=True)
class Run:
    """What every table of one execution of stage 01 shares, on one machine or on Spark: the run's
    parameters, the project root (relative source paths start there), the run date and a folder
    for Spark's files (``engine.kind: spark``; None on one machine).
    """

    params: Params
    root: Path
    now: pd.Timestamp
    work: Path | None = None


def parse_bool(s: pd.Series) -> pd.Series:
    """yes/no, true/false, 1/0, y/n, t/f (any case, trimmed) as a nullable boolean; anything else missing."""
    if pd.api.types.is_bool_dtype(s):
        return s.astype("boolean")
    txt = s.astype("str").str.strip().str.lower()
    truth = {
        "1": True,
        "true": True,
        "yes": True,
        "y": True,
        "t": True,
        "0": False,
        "false": False,
        "no": False,
        "n": False,
        "f": False,
    }
    return txt.map(truth).astype("boolean")


def line_revenue(df: pd.DataFrame) -> pd.Series:
    """Each line's revenue: quantity x unit price x (1 - discount); 0 where a part is missing."""
    q = df["quantity"] if "quantity" in df else pd.Series(np.nan, df.index)
    p = df["unit_price"] if "unit_price" in df else pd.Series(np.nan, df.index)
    d = df["discount"].fillna(0.0) if "discount" in df else 0.0
    return (q * p * (1 - d)).fillna(0.0)


def row_values(raw: pd.DataFrame) -> list[str]:
    """Each row of the source as JSON (the ``values`` of a rejected row): readable text (Persian,
    Arabic, accents), not escape sequences.
    """
    if raw.empty:
        return []
    return (
        raw.to_json(orient="records", lines=True, date_format="iso", default_handler=str, force_ascii=False)
        .strip()
        .split("\n")
    )


def _first_rules(
    df: pd.DataFrame, out: pd.DataFrame, raw_dup: pd.Series, cleaning: Cleaning, now: pd.Timestamp, time_col: str
) -> tuple[pd.DataFrame, Sorter]:
    """The rules every table of events begins with, in order: an exact duplicate, a missing
    customer id, a time that is missing, unreadable, before ``cleaning.min_date`` or after the run
    date; ``out`` completed with the source's other columns and rows.
    """
    out = typed_extras(df, out)
    out["source_row"] = df["source_row"]
    s = Sorter(out.index)
    if cleaning.drop_exact_duplicates:
        s.reject(raw_dup, "exact_duplicate")
    s.reject(out["customer_id"].isna(), "missing_customer_id")
    reject_times(s, out[time_col], df[time_col], cleaning, now)
    return out, s


def transaction_rules(
    df: pd.DataFrame,
    raw_dup: pd.Series,
    context: RowContext,
    decimals: dict[str, str | None] | None = None,
) -> tuple[pd.DataFrame, Sorter, pd.Series, dict]:
    """The rules of one row of transactions (every rule but the outliers, which need all rows):
    the typed rows, the rule rejecting each so far, which are cancellations by their order id and
    how quantity and unit price were written (per column, when written as formatted text).
    ``context``: the cleaning parameters, the run date (which must be given), the notes, where the
    rows come from and the timestamps already read (:class:`RowContext`); ``decimals``: the decimal
    mark of quantity and unit price decided on the whole column (on Spark).
    Cancellations (order id starting with the cancellation prefix) get a negative quantity.
    """
    cleaning = context.cleaning
    out = pd.DataFrame(index=df.index)
    out["customer_id"] = as_text(df["customer_id"], is_id=True)
    out["order_id"] = as_text(df["order_id"], is_id=True)
    out["timestamp"] = read_times(df, "timestamp", replace(context, where=context.where or "transactions"))
    written = {}
    for col in ("quantity", "unit_price"):
        column = (decimals or {}).get(col)
        out[col], how = amounts.read_numbers(df[col], cleaning.decimal_mark, column)
        if how.formatted:
            written[col] = how.to_dict()
    out["discount"] = (
        to_number(df["discount"], cleaning.decimal_mark).fillna(0.0).clip(0, 1) if "discount" in df else 0.0
    )
    for col in ("product_id", "category", "channel"):
        out[col] = as_text(df[col], is_id=col == "product_id") if col in df else None
    out, s = _first_rules(df, out, raw_dup, cleaning, context.now, "timestamp")
    s.reject(out["quantity"].isna() | out["unit_price"].isna(), "bad_number")
    revenue = (out["quantity"].abs() * out["unit_price"].abs()).fillna(0)
    s.reject(
        (out["quantity"].abs() > MAX_AMOUNT) | (out["unit_price"].abs() > MAX_AMOUNT) | (revenue > MAX_AMOUNT),
        "out_of_range",
    )
    s.reject(out["quantity"] == 0, "zero_quantity")
    s.reject(out["unit_price"] < 0, "negative_price")
    if cleaning.reject_zero_price:
        s.reject(out["unit_price"] == 0, "zero_price")
    pid = out["product_id"].fillna("")
    non_product = pid.isin(cleaning.non_product_codes)
    for prefix in cleaning.non_product_prefixes:
        non_product |= pid.str.startswith(prefix)
    s.reject(non_product, "non_product_code")

    by_id = pd.Series(False, index=out.index)
    if cleaning.cancellation_prefix:
        by_id = out["order_id"].fillna("").str.startswith(cleaning.cancellation_prefix)
        out.loc[by_id & (out["quantity"] > 0), "quantity"] *= -1  # a cancellation is a return
    return out, s, by_id, written


def line_size(typed: pd.DataFrame) -> pd.Series:
    """What the outlier rule compares: log(1 + |line revenue|)."""
    return np.log1p(line_revenue(typed).abs())


def outlier_threshold(q1: float, q3: float, cleaning: Cleaning) -> float:
    """The line size above which a kept line is an outlier (``cleaning.outlier_iqr_factor``)."""
    return q3 + cleaning.outlier_iqr_factor * (q3 - q1)


def clean_events(
    df: pd.DataFrame, table: str, raw_dup: pd.Series, context: RowContext
) -> tuple[pd.DataFrame, pd.Series]:
    """Clean sessions or campaign events: typed columns; rows without customer or time rejected.
    ``context``: the cleaning parameters, the run date, the notes, where the rows come from and the
    times already read (:class:`RowContext`).
    """
    out = pd.DataFrame(index=df.index)
    out["customer_id"] = as_text(df["customer_id"], is_id=True)
    time_col = TIME_COLUMN[table]
    out[time_col] = read_times(df, time_col, replace(context, where=context.where or table))
    for col in ("converted", "opened", "clicked"):
        if col in df:
            out[col] = parse_bool(df[col]).fillna(False).astype(bool)
    for col in ("channel", "campaign_id", "session_id"):
        if col in df:
            out[col] = as_text(df[col], is_id=col != "channel")
    now = context.now if context.now is not None else pd.Timestamp.now().normalize()
    out, s = _first_rules(df, out, raw_dup, context.cleaning, now, time_col)
    return out, s.rule


def customers_from_transactions(tx: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """One row per customer seen in transactions: first purchase as signup date, plus the
    most frequent value of each customer column (ties: the value seen first).
    """
    first = tx.groupby("customer_id", sort=True)["timestamp"].min().rename("signup_date")
    out = first.to_frame()
    for col in columns:
        counts = (
            tx[["customer_id", col]].dropna().groupby(["customer_id", col], sort=False).size().rename("n").reset_index()
        )
        top = counts.sort_values(["customer_id", "n"], ascending=[True, False], kind="mergesort").drop_duplicates(
            "customer_id"
        )
        out[col] = top.set_index("customer_id")[col]
    return out.reset_index()


def customer_ids(
    mapped: pd.DataFrame, loaded: sources.Loaded, spec: TableSource, customer_level: bool, labels: dict[str, str]
) -> tuple[list[str], list[dict]]:
    """The customer id of a table (``loaded``: the table as read): a customers table without one
    gets row numbers (only in a customer-level source); a column taken as the id by its name is an
    assumption (:func:`id_by_name`). Returns the notes and assumptions.
    """
    table = loaded.table
    if "customer_id" not in mapped:  # a customers table without an id column
        if not customer_level:
            raise sources.missing_column_error(
                loaded, "customer_id", spec.columns.get("customer_id", "customer_id"), True
            )
        found = roles_mod.identifier(mapped)
        if found is not None:  # a column that identifies every row, named like an id
            mapped.insert(0, "customer_id", mapped.pop(found))
            labels["customer_id"] = labels.pop(found, found)
            return [], [
                {
                    "stage": "01",
                    "subject": labels["customer_id"],
                    "assumed": N_("the customer id"),
                    "why": N_("a different value in every row, named like an identifier"),
                    "change": f"source.tables.{table}.columns.customer_id: <another column>",
                }
            ]
        mapped.insert(0, "customer_id", "R" + mapped["source_row"].astype(str).str.zfill(6))
        note = i18n.Note.of(
            N_(
                "%(source)s has no customer id column: each row is a customer, with an id made from its row number "
                "(R000001 = row 1)."
            ),
            source=loaded.source,
        )
        return [note], [
            {
                "stage": "01",
                "subject": N_("customer id"),
                "assumed": N_("the row number (R000001 = row 1)"),
                "why": N_("no column is named customer_id"),
                "change": f"source.tables.{table}.columns.customer_id: <the id column>",
            }
        ]
    return [], id_by_name(spec, table, labels)


def id_by_name(spec: TableSource, table: str, labels: dict[str, str]) -> list[dict]:
    """The assumption that a table's column is the customer id because its name in snake_case is
    customer_id (none when the mapping names the id, a preset does, or the column is customer_id).
    """
    label = labels.get("customer_id", "customer_id")
    if "customer_id" not in spec.columns and label != "customer_id" and not spec.preset:
        return [
            {
                "stage": "01",
                "subject": label,
                "assumed": N_("the customer id"),
                "why": N_("its name in snake_case is customer_id"),
                "change": f"source.tables.{table}.columns.customer_id: <another column>",
            }
        ]
    return []


def without_spreadsheet_errors(mapped: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, dict]]:
    """The table with spreadsheet error texts (``#VALUE!``, ``#DIV/0!``, ``#N/A``...) read as
    missing; per column, how many there were and which.
    """
    found: dict[str, dict] = {}
    cols = [c for c in mapped.columns if c != "source_row" and not amounts.never_text(mapped[c])]
    found_in = [c for c, n in amounts.count_at_once(mapped, cols, amounts.spreadsheet_errors).items() if n]
    for col in found_in:
        hit = amounts.spreadsheet_errors(mapped[col])
        if hit.any():
            values = mapped.loc[hit, col].astype(str).str.strip().str.upper().value_counts()
            found[col] = {"cells": int(hit.sum()), "values": by_count({str(k): int(v) for k, v in values.items()})}
            mapped[col] = mapped[col].mask(hit)
    return mapped, found


def by_count(counts: dict[str, int]) -> dict[str, int]:
    """Values by how often they occur, most often first (ties in the order of the values)."""
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def read_as_written(source: str, labels: dict[str, str], errors: dict, written: dict, cleaning: Cleaning) -> list[dict]:
    """What stage 01 assumed about cells written as spreadsheet errors and numbers written as text."""
    out = []
    for col, e in errors.items():
        out.append(
            {
                "stage": "01",
                "subject": labels.get(col, col),
                "assumed": i18n.Note.of(
                    N_("%(n)s spreadsheet error cell(s) (%(values)s) read as missing"),
                    n=e["cells"],
                    values=list(e["values"]),
                ),
                "why": i18n.Note.of(
                    N_("%(source)s: a formula that failed in the spreadsheet is not a value"), source=source
                ),
                "change": N_("fix the formulas in the spreadsheet and export again"),
            }
        )
    for col, w in written.items():
        mark = w.get("decimal") or "."
        out.append(
            {
                "stage": "01",
                "subject": labels.get(col, col),
                "assumed": i18n.concat(
                    i18n.Note.of(
                        N_(
                            "%(n)s number(s) written as text (e.g. %(example)s) read with '%(mark)s' "
                            "as the decimal mark"
                        ),
                        n=w["formatted"],
                        example=repr(w.get("example", "")),
                        mark=mark,
                    ),
                    *(
                        [i18n.Note.of(N_("; currency %(currency)s"), currency=w["currency"])]
                        if w.get("currency")
                        else []
                    ),
                    *([N_("; written as percentages")] if w.get("percent") else []),
                ),
                "why": (
                    N_("the decimal mark given in cleaning.decimal_mark")
                    if cleaning.decimal_mark != "auto"
                    else N_(
                        "the values that read one way only show the decimal mark (both marks occur: each such value by "
                        "its own)"
                    )
                    if w.get("mixed")
                    else N_("the values that read one way only show the decimal mark")
                    if w.get("decimal")
                    else N_("no value shows the decimal mark: '1,234' is read as 1234")
                ),
                "change": "cleaning.decimal_mark: '.' | ','",
            }
        )
    return out
