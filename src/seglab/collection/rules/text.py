"""The canonical columns, the rejection rules and their wording, and how text reads: letters
Persian and Arabic write differently, spaces, exact duplicates, ids as text; the sorter of kept
and rejected rows.
"""

from __future__ import annotations

import pandas as pd

from seglab import i18n
from seglab.collection import amounts
from seglab.i18n import N_

#: Canonical columns each table must have after mapping, and those it may have.
REQUIRED = {
    "transactions": ["customer_id", "order_id", "timestamp", "quantity", "unit_price"],
    "customers": ["customer_id"],
    "sessions": ["customer_id", "timestamp", "converted"],
    "campaign_events": ["customer_id", "campaign_id", "sent_at", "opened", "clicked", "converted"],
    "survey": ["customer_id"],
}


#: The time column of each table of events.
TIME_COLUMN = {"transactions": "timestamp", "sessions": "timestamp", "campaign_events": "sent_at"}


ID_COLUMNS = ("customer_id", "order_id", "product_id", "campaign_id", "session_id")


#: The largest quantity, price or line revenue stage 01 keeps: revenue is summed in integer
#: millionths (a 64-bit integer holds 9.2e18 of them, 9.2e12 of money), so a line above a trillion,
#: a barcode such as 8712345678906 pasted into Quantity, is rejected (rule out_of_range).
MAX_AMOUNT = 1e12


RULE_TEXT = {
    "exact_duplicate": N_("exact duplicate of an earlier row (all columns equal)"),
    "missing_customer_id": N_("no customer id: cannot be attributed to a customer"),
    "bad_timestamp": N_("date/time missing or not parseable"),
    "future_timestamp": N_("dated after the run date"),
    "early_timestamp": N_("dated before cleaning.min_date: implausible (a typing error or a placeholder date)"),
    "bad_number": N_("quantity or price missing, not a number, or infinite"),
    "out_of_range": N_(
        "quantity, price or their product beyond a trillion (a barcode or an id pasted into a number): "
        "no revenue that large can be counted exactly"
    ),
    "zero_quantity": N_("quantity is zero"),
    "zero_price": N_("unit price is zero (cleaning.reject_zero_price)"),
    "negative_price": N_("unit price is negative (e.g. a manual adjustment)"),
    "non_product_code": N_("not a product (postage, fee, bank charge, manual adjustment...)"),
    "duplicate_customer_id": N_("customer id already seen in an earlier row of the same table"),
    "outlier": N_("extreme line revenue (cleaning.outlier_iqr_factor) and cleaning.drop_outliers is on"),
    "malformed_line": N_(
        "the line cannot be read as a row (broken quoting or too many separators); its text is in values"
    ),
}


#: Persian (۰-۹) and Arabic-Indic (٠-٩) digits -> ASCII digits.
DIGITS = amounts.DIGITS


_NON_ASCII_DIGIT = "[۰-۹٠-٩]"


#: One way of writing the letters Persian and Arabic share (``cleaning.letters``); the zero-width
#: non-joiner of Persian words (U+200C) is kept.
LETTERS = {
    "persian": str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک"}),
    "arabic": str.maketrans({"ی": "ي", "ک": "ك"}),
}


LETTER_CHARS = {"persian": "[يىك]", "arabic": "[یک]"}


def _is_text(col: pd.Series) -> bool:
    return col.dtype == object or pd.api.types.is_string_dtype(col)


def unify_letters(frame: pd.DataFrame, letters: str, label) -> tuple[pd.DataFrame, dict[str, int]]:
    """The text columns of ``frame`` with Persian/Arabic letters written one way (``letters``:
    persian, arabic or as_is); per column (by its label), how many distinct values changed.
    """
    if letters == "as_is":
        return frame, {}
    changed: dict[str, int] = {}
    out = frame
    for c in frame.columns:
        col = frame[c]
        if not _is_text(col):
            continue
        text = col.where(col.map(lambda v: isinstance(v, str), na_action="ignore").fillna(False).astype(bool))
        hit = text.str.contains(LETTER_CHARS[letters], regex=True, na=False)
        if hit.any():
            if out is frame:
                out = frame.copy()
            out[c] = col.where(~hit, text[hit].str.translate(LETTERS[letters]))
            changed[label(c)] = int(text[hit].nunique())
    return out, changed


#: Around a value, what both engines trim before comparing rows (Python's ``str.strip`` and
#: Spark's regular expressions agree on these).
SPACES = " \t\n\x0b\f\r"


def one_way(letters: str) -> tuple[str, str]:
    """The characters written one way before rows are compared (as ``str.translate`` and Spark's
    ``translate`` take them): Persian and Arabic-Indic digits as ASCII, the Arabic decimal and
    thousands marks (``٫`` ``٬``) as ``.`` and ``,``, and the letters of ``cleaning.letters``.
    """
    frm, to = "۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩٫٬", "01234567890123456789.,"
    for a, b in LETTERS.get(letters, {}).items():
        frm, to = frm + chr(a), to + b
    return frm, to


def exact_duplicates(frame: pd.DataFrame, letters: str) -> tuple[pd.Series, pd.Series]:
    """Which rows repeat an earlier row in every column of the source, once the text is written
    one way (:func:`one_way`, and spaces around values trimmed): ``۱۲`` and ``12`` are the same
    fact, and a row written once each way would count its revenue twice. Also: which of those
    repeat a row only once so written (for the note).
    """
    as_written = frame.duplicated(keep="first")
    cols = [c for c in frame.columns if _is_text(frame[c])]
    if not cols:
        return as_written, pd.Series(False, index=frame.index)
    frm, to = one_way(letters)
    table = str.maketrans(frm, to)
    pattern = f"[{frm}]|^[{SPACES}]|[{SPACES}]$"

    odd = amounts.count_at_once(frame, cols, lambda t: t.str.contains(pattern, regex=True, na=False))
    changing = {  # columns written another way somewhere
        c: frame[c].astype("str").str.contains(pattern, regex=True, na=False) for c, n in odd.items() if n
    }
    if not changing:
        return as_written, pd.Series(False, index=frame.index)

    def one(c: str, hit: pd.Series) -> pd.Series:
        text = frame[c].astype("str")
        return text.where(~hit, text[hit].str.strip(SPACES).str.translate(table))

    rewritten = {c: one(c, hit) for c, hit in changing.items()}
    dup = pd.DataFrame({c: rewritten.get(c, frame[c]) for c in frame.columns}).duplicated(keep="first")
    return dup, dup & ~as_written


def rewritten_duplicates_note(where: str, n: int, row: int) -> i18n.Note:
    """The note of rows that repeat another only once digits, letters and spaces are written one way."""
    return i18n.Note.of(
        N_(
            "%(where)s: %(n)s row(s) repeat an earlier row once written one way (Persian and Arabic digits, letters "
            "and decimal marks; spaces around values), e.g. row %(row)s: rejected as exact_duplicate, like rows "
            "repeated as written."
        ),
        where=where,
        n=int(n),
        row=int(row),
    )


def has_persian_letters(frame: pd.DataFrame) -> bool:
    """Whether a text column holds letters Persian has and Arabic has not (پ چ ژ گ ی ک)."""
    cols = [c for c in frame.columns if _is_text(frame[c])]
    hits = amounts.count_at_once(frame, cols, lambda t: t.str.contains("[پچژگیک]", regex=True, na=False))
    return any(hits.values())


def letters_assumption(changed: dict[str, int], letters: str, given: str, table: str) -> dict:
    """What the unification of letters changed, with the line that changes it (``given``: the
    parameter as set; auto found Persian letters).
    """
    return {
        "stage": "01",
        "subject": i18n.Note.of(N_("letters of %(table)s"), table=i18n.as_term(table.replace("_", " "))),
        "assumed": i18n.Note.of(
            N_("%(n)s values of %(columns)s written with Arabic ي/ك/ى read with Persian ی/ک")
            if letters == "persian"
            else N_("%(n)s values of %(columns)s written with Persian ی/ک read with Arabic ي/ك"),
            n=sum(changed.values()),
            columns=list(changed),
        ),
        "why": N_(
            "the same word typed with Arabic or Persian letters (a Windows-1256 export writes ي for ی) would "
            "otherwise be two values"
        ),
        "change": i18n.concat(
            "cleaning.letters: " + ("arabic | as_is" if letters == "persian" else "persian | as_is"),
            *(("  ", N_("(auto: the text has Persian letters)")) if given == "auto" else ()),
        ),
    }


def trimmed(s: pd.Series) -> pd.Series:
    """Trimmed text (Arrow-backed), with Persian/Arabic-Indic digits made ASCII where present."""
    t = s.astype("str").str.strip()
    odd = t.str.contains(_NON_ASCII_DIGIT, regex=True, na=False)
    if odd.any():
        t = t.where(~odd, t[odd].str.translate(DIGITS))
    return t


def as_text(s: pd.Series, is_id: bool = False) -> pd.Series:
    """Text: trimmed, empty as missing; ids also get ASCII digits and lose a trailing '.0'
    (an id read as a number: 17850.0 -> '17850').
    """
    if is_id and pd.api.types.is_float_dtype(s) and bool((s.dropna() % 1 == 0).all()):
        s = s.astype("Int64")
    out = trimmed(s) if is_id else s.astype("str").str.strip()
    if is_id:
        whole = out.str.fullmatch(r"-?\d+\.0+", na=False)
        if whole.any():
            out = out.where(~whole, out[whole].str.replace(r"\.0+$", "", regex=True))
    return out.mask(out == "")


class Sorter:
    """Assigns each row the first rule that rejects it."""

    def __init__(self, index: pd.Index):
        self.rule = pd.Series(pd.NA, index=index, dtype="object")

    def reject(self, mask: pd.Series, rule: str) -> None:
        """``rule`` for the rows of ``mask`` that no earlier rule rejects."""
        mask = mask.fillna(False).astype(bool) & self.rule.isna()
        self.rule[mask] = rule

    @property
    def kept(self) -> pd.Series:
        """The rows no rule rejects."""
        return self.rule.isna()


REJECTED_COLUMNS = ["table", "source", "source_row", "source_line", "rule", "reason", "values"]
