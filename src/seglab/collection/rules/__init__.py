"""The rules of stage 01's cleaning, one set for the cleaning on one machine
(:mod:`seglab.collection.collect`) and on Spark (:mod:`seglab.collection.collect_spark`): the canonical columns, the
rejection rules and their wording, how text, letters, digits, times and flags are read, what
counts as an exact duplicate, and what is assumed about a column's lens.

The modules, lowest first: ``text`` (columns, rule wording, text, duplicates, the sorter),
``times`` (times as written, and what the row rules read besides the rows: :class:`RowContext`),
``rows`` (each table's rows; what every table of a run shares: :class:`Run`), ``lenses`` (lenses
and channels).
"""

from __future__ import annotations

from seglab.collection.rules.lenses import LENS_PATTERNS, channel_plan, guess_lens, jalali_hint, normalise_channels
from seglab.collection.rules.rows import (
    Run,
    by_count,
    clean_events,
    customer_ids,
    customers_from_transactions,
    id_by_name,
    line_revenue,
    line_size,
    outlier_threshold,
    parse_bool,
    read_as_written,
    row_values,
    transaction_rules,
    without_spreadsheet_errors,
)
from seglab.collection.rules.text import (
    DIGITS,
    ID_COLUMNS,
    LETTER_CHARS,
    LETTERS,
    MAX_AMOUNT,
    REJECTED_COLUMNS,
    REQUIRED,
    RULE_TEXT,
    SPACES,
    TIME_COLUMN,
    Sorter,
    as_text,
    exact_duplicates,
    has_persian_letters,
    letters_assumption,
    one_way,
    rewritten_duplicates_note,
    trimmed,
    unify_letters,
)
from seglab.collection.rules.times import DateOrderError, RowContext, looks_jalali, parse_time

__all__ = [
    "DIGITS",
    "DateOrderError",
    "ID_COLUMNS",
    "LENS_PATTERNS",
    "LETTERS",
    "LETTER_CHARS",
    "MAX_AMOUNT",
    "REJECTED_COLUMNS",
    "REQUIRED",
    "RULE_TEXT",
    "RowContext",
    "Run",
    "SPACES",
    "Sorter",
    "TIME_COLUMN",
    "as_text",
    "by_count",
    "channel_plan",
    "clean_events",
    "customer_ids",
    "customers_from_transactions",
    "exact_duplicates",
    "guess_lens",
    "has_persian_letters",
    "id_by_name",
    "jalali_hint",
    "letters_assumption",
    "line_revenue",
    "line_size",
    "looks_jalali",
    "normalise_channels",
    "one_way",
    "outlier_threshold",
    "parse_bool",
    "parse_time",
    "read_as_written",
    "rewritten_duplicates_note",
    "row_values",
    "transaction_rules",
    "trimmed",
    "unify_letters",
    "without_spreadsheet_errors",
]
