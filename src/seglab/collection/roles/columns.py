"""One column's role from its name, its label and its values."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from seglab import i18n
from seglab.collection.roles.kinds import (
    CODE_NAME,
    ID_NAME,
    MAX_LEVELS,
    MONEY_NAME,
    NOT_MONEY_NAME,
    OUTCOME_NAMES,
    OUTCOME_YES,
    PERCENT_LABEL,
    SCORE_NAME,
    SHARE_NAME,
    SIGNUP_NAME,
    Role,
)
from seglab.collection.roles.readings import is_whole, is_yes_no, read_dates, sentinel_value, spike
from seglab.i18n import N_

#: Ordered answer scales recognised in text columns (lower case); a column's values must all be
#: levels of one scale. ``features.ordinal`` adds or overrides per column (stage 02).
ORDINAL_SCALES: tuple[tuple[str, ...], ...] = (
    ("low", "medium", "high"),
    ("low", "middle", "high"),
    ("very low", "low", "medium", "high", "very high"),
    ("small", "medium", "large"),
    ("never", "rarely", "sometimes", "often", "always"),
    ("strongly disagree", "disagree", "neutral", "agree", "strongly agree"),
    ("very dissatisfied", "dissatisfied", "neutral", "satisfied", "very satisfied"),
    ("poor", "fair", "good", "very good", "excellent"),
)


def ordinal_levels(column: str, values: pd.Series, given: dict[str, list[str]]) -> list[str] | None:
    """The order of a text column's levels (lower case) when it has one, else None: the order
    ``given`` for ``column`` (``features.ordinal``), else the known scale all its values belong to.
    Stage 02 encodes such a column as 0, 1, 2, ... by this order; stage 01 says so (one decision).
    """
    levels = set(values.dropna().astype(str).str.strip().str.lower())
    if column in given:
        order = [str(v).strip().lower() for v in given[column]]
        unknown = sorted(levels - set(order))
        if unknown:
            from seglab.engine import FeatureError

            raise FeatureError(
                f"features.ordinal.{column}: values {unknown} are not among the levels {given[column]}; "
                "add them in order"
            )
        return order
    for scale in ORDINAL_SCALES:
        if levels and levels <= set(scale):
            return list(scale)
    return None


def _ordered_why(v: pd.Series) -> i18n.Note | None:
    """What stage 02 makes of text whose values follow a known order (one column coded 0, 1, 2, ...:
    :func:`ordinal_levels`, the function stage 02 encodes by), or None.
    """
    order = ordinal_levels("", v, {})
    if order is None:
        return None
    return i18n.Note.of(
        N_("text with %(n)s values in a known order: one column coded %(levels)s"),
        n=v.nunique(),
        levels=i18n.joined([i18n.concat(i18n.as_number(i), " ", lvl) for i, lvl in enumerate(order)], " < "),
    )


def _text_role(v: pd.Series, distinct: int, guess) -> Role:
    """The role of a text column with more than one value: a category, or wide text."""
    ordered = _ordered_why(v) if distinct <= MAX_LEVELS else None
    if ordered is not None:
        return guess("category", ordered, levels=sorted(v.astype(str).unique()))
    if distinct <= MAX_LEVELS:
        return guess(
            "category",
            i18n.Note.of(N_("text with %(n)s values: one 0/1 column per value"), n=distinct),
            levels=sorted(v.astype(str).unique()),
        )
    return guess(
        "text",
        i18n.Note.of(
            N_(
                "text with %(n)s values (more than %(max)s): its most frequent values are shown per segment, it is not "
                "clustered on"
            ),
            n=distinct,
            max=MAX_LEVELS,
        ),
    )


#: Names of amounts and counts of behaviour, where 0 is natural (nothing bought, no visit); not
#: levels such as a price, monthly charges, a limit or an income, where 0 is implausible.
_ZERO_IS_NATURAL = (
    r"spend|sales|revenue|amount|purchases?|payments?|balance|advance|^mnt|_mnt|mnt_|monetary|turnover|orders?|"
    r"count|num|trx|visits?|sessions?|deals?|accepted|recency|days|clicks?|opens?|returns?|qty|quantity|items|"
    r"units|calls?|complain|children|kids?|kidhome|teenhome|dependents"
)


def natural_bounds(name: str, v: pd.Series | np.ndarray) -> frozenset[float]:
    """The values a column reaches naturally, where a spike is not a marker: 0 for spend or a count
    of behaviour (nothing bought, no visit), 0 and 1 for a share, 0 and 100 for a percentage.
    """
    bounds = {0.0} if re.search(_ZERO_IS_NATURAL, name) else set()
    a = v if isinstance(v, np.ndarray) else v.to_numpy(dtype=float, na_value=np.nan)
    if np.all((a >= 0) & (a <= 1)):
        bounds |= {0.0, 1.0}
    elif np.all((a >= 0) & (a <= 100)) and np.nanmax(a, initial=-np.inf) == 100:
        bounds |= {0.0, 100.0}
    return frozenset(bounds)


def _marker_role(name: str, lens: str, a: np.ndarray, guess) -> Role | None:
    """A number with a marker: a known "never" marker (-1, 999...) or a spike far from the rest
    (read as unknown); None when there is neither. ``a``: the column's known values.
    """
    marker = sentinel_value(a)
    if marker is not None:
        share = float((a == marker).mean())
        return guess(
            "sentinel",
            i18n.Note.of(
                N_(
                    "%(marker)s in %(share)s of rows, outside the range of the other values (%(low)s "
                    "to %(high)s): read "
                    "as 'never / not applicable', kept as a 0/1 column beside the number"
                ),
                marker=i18n.as_g(marker),
                share=i18n.as_percent(share),
                low=i18n.as_g(a[a != marker].min()),
                high=i18n.as_g(a[a != marker].max()),
            ),
            sentinel=marker,
        )
    found = spike(a, natural_bounds(name, a))
    if found is None:
        return None
    return guess(
        "sentinel",
        i18n.Note.of(
            N_(
                "%(value)s in %(share)s of rows, far more often than any value near it and apart from the other values "
                "(%(low)s to %(high)s): read as 'unknown', kept as a 0/1 column beside the number"
            ),
            value=i18n.as_g(found["value"]),
            share=i18n.as_percent(found["share"]),
            low=i18n.as_g(found["low"]),
            high=i18n.as_g(found["high"]),
        ),
        sentinel=found["value"],
        spike=found,
    )


def _numeric_role(name: str, label: str, lens: str, v: pd.Series, distinct: int, guess, written: dict) -> Role:
    """The role of a numeric column that is neither an id nor a flag: a code, a sentinel, a
    score, a percentage, a share, money, a count or a plain number. ``v``: its known values.
    """
    a = v.to_numpy(dtype=float)  # read once (numpy: thousands of columns each come here)
    whole, low, high = is_whole(a), a.min(), a.max()
    if whole and distinct <= MAX_LEVELS and re.search(CODE_NAME, name) and low >= 0:
        return guess(
            "code",
            i18n.Note.of(
                N_("whole numbers with %(n)s values in a column named like a code: categories, never high or low"),
                n=distinct,
            ),
            levels=sorted(v.unique().tolist()),
        )
    marked = _marker_role(name, lens, a, guess)
    if marked is not None:
        return marked
    if re.search(SCORE_NAME, name) or re.search(r"\(\d+\s*-\s*\d+\)", label):
        return guess(
            "score",
            i18n.Note.of(
                N_("a score (%(low)s to %(high)s): a number, never money"), low=i18n.as_g(low), high=i18n.as_g(high)
            ),
        )
    if (written.get("percent") or re.search(PERCENT_LABEL, label, re.I)) and low >= 0 and high <= 100:
        return guess(
            "percent",
            N_("values in 0..100 named or written as a percentage: a share, never money")
            if not written.get("percent")
            else i18n.Note.of(
                N_("values written as percentages (e.g. %(example)s): a share, never money"),
                example=written.get("example", ""),
            ),
        )
    if low >= 0 and high <= 1 and re.search(SHARE_NAME, name):
        return guess("share", N_("values in 0..1 named like a rate or share: a share, never money"))
    named = re.search(MONEY_NAME, name) or written.get("currency")
    if named and not re.search(NOT_MONEY_NAME, name) and low >= 0 and lens == "behavioural":
        return guess(
            "money",
            N_("non-negative amounts named like money")
            if not written.get("currency")
            else i18n.Note.of(
                N_("non-negative amounts written with a currency (e.g. %(example)s)"), example=written["example"]
            ),
        )
    if whole and low >= 0:
        return guess("count", N_("whole non-negative numbers: a count or amount"))
    return guess("number", N_("numbers, used as they are"))


def outcome_direction(name: str) -> str | None:
    """Whether a column named ``name`` (snake_case) is an outcome, and which way is good for the
    business: "good", "bad", "unknown"; None when the name is not an outcome's.
    """
    for pattern, direction in OUTCOME_NAMES:
        if re.search(pattern, name.lower()):
            return direction or "unknown"
    return None


_CUSTOMER_WORDS = r"cust|client|member|user|account|kunde|subscriber|مشتری|عميل|عضو|مشترک"


def identifier(df: pd.DataFrame) -> str | None:
    """The column of a customer table that identifies its customers, when no column is mapped to
    ``customer_id``: named like an identifier in any case or language (``CUST_ID``, ``Customer ID``,
    ``kunden_nr``, ``شناسه مشتری``; snake_case names) and holding a different value in every row
    (at least 95 % of rows filled, at least 20 rows). A name with a customer word wins; None when no
    column qualifies.
    """
    found = []
    for c in df.columns:
        if c == "source_row" or not re.search(ID_NAME, c.lower()):
            continue
        v = df[c].dropna()
        if len(v) >= 20 and len(v) >= 0.95 * len(df) and v.astype(str).str.strip().nunique() == len(v):
            found.append(c)
    found.sort(key=lambda c: not re.search(_CUSTOMER_WORDS, c.lower()))  # stable: first customer-named column
    return found[0] if found else None


def outcome_level(v: pd.Series) -> list | None:
    """The level of a two-valued outcome that means "it happened" (yes, churned, attrited...; else the
    rarer one); None for an outcome with more values (a number).
    """
    v = v.dropna()
    if v.nunique() != 2:
        return None
    values = sorted(v.unique(), key=str)
    yes = [x for x in values if re.search(OUTCOME_YES, str(x).strip().lower())]
    return [yes[0] if len(yes) == 1 else v.value_counts().sort_index().sort_values(kind="mergesort").index[0]]


def _outcome_role(name: str, v: pd.Series, numeric: bool, guess) -> Role | None:
    """An outcome column (churn, a campaign's answer, a call's duration) recognised by its name: known
    only after the fact, so never clustered on (unless segmentation.features names it); None otherwise.
    """
    direction = outcome_direction(name)
    if direction is None:
        return None
    level = outcome_level(v)
    if level is None and not numeric:
        return None
    why = (
        N_(
            "named like an outcome (known only after the fact): its rate is shown per segment, clustered on only "
            "when segmentation.features names it"
        )
        if level is not None
        else N_(
            "named like an outcome (known only after the fact): its mean is shown per segment, clustered on only "
            "when segmentation.features names it"
        )
    )
    return guess("outcome", why, levels=level, outcome=direction, lens="outcome")


def _date_id_or_outcome(name: str, s: pd.Series, v: pd.Series, numeric: bool, guess, shaped: int | None) -> Role | None:
    """A column of dates, an identifier or an outcome (before anything is read into its values)."""
    if read_dates(s, shaped) is not None:
        if re.search(SIGNUP_NAME, name):
            return guess("signup", N_("dates named like a join date: tenure counts from them"))
        return guess("date", N_("dates: not a feature"))
    if v.nunique() == len(v) and len(v) >= 20 and (re.search(ID_NAME, name) or not numeric):
        return guess(
            "id",
            N_("a different value in every row and named like an identifier: not a feature")
            if re.search(ID_NAME, name)
            else N_("text with a different value in every row: not a feature"),
        )
    return _outcome_role(name, v, numeric, guess)


def column_role(s: pd.Series, label: str, lens: str, written: dict | None = None, shaped: int | None = None) -> Role:
    """The inferred role of one column (see the module doc): ``s``, its values, named by the column
    (``s.name``); ``label``, its name in the source; ``lens``, the lens it is read in; ``written``,
    how its numbers were written as text; ``shaped``: how many of its values are written like
    dates, when known.
    """
    col = str(s.name)
    name = col.lower()
    v = s.dropna()

    def guess(kind: str, why: str, **kw) -> Role:
        return Role(col, label, kind, kw.pop("lens", lens), "guessed", why, **kw)

    if v.empty:
        return guess("empty", N_("no value in any row"))
    distinct = v.nunique()
    if distinct == 1:
        return guess(
            "constant",
            i18n.Note.of(
                N_("the same value (%(value)s) for every customer: it cannot tell customers apart"), value=v.iloc[0]
            ),
        )
    numeric = pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
    first = _date_id_or_outcome(name, s, v, numeric, guess, shaped)
    if first is not None:
        return first
    if distinct == 2 and (is_yes_no(set(v.unique())) or pd.api.types.is_bool_dtype(s)):
        return guess("flag", N_("two values that read as yes/no: a 0/1 flag"))
    if distinct == 2 and not numeric and _ordered_why(v) is None:
        rare = v.value_counts().sort_index().sort_values(kind="mergesort").index[0]
        return guess(
            "binary",
            i18n.Note.of(
                N_("two values (%(values)s): one 0/1 column for '%(rare)s'"),
                values=[str(x) for x in sorted(v.unique(), key=str)],
                rare=rare,
            ),
            levels=[rare],
        )
    if not numeric:
        return _text_role(v, distinct, guess)
    return _numeric_role(name, label, lens, v, distinct, guess, written or {})


@dataclass
class Inferred:
    """The roles of a table's columns, its value basis and what was assumed."""

    roles: dict[str, Role]
    value: dict  # {"columns": [...], "how": "given"|"guessed"|"unknown", "why": str}
    spend: list[str]
    behaviour: dict[str, list[str]]  # behaviour role -> columns
    channels: dict[str, str]  # channel -> count column
    assumptions: list[dict]
