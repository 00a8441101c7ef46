"""The rules of stage 01's cleaning, one set for the cleaning on one machine
(:mod:`seglab.collection.collect`) and on Spark (:mod:`seglab.collection.collect_spark`): the canonical columns, the
rejection rules and their wording, how text, letters, digits, times and flags are read, what
counts as an exact duplicate, and what is assumed about a column's lens.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from seglab import i18n
from seglab.collection import amounts, sources
from seglab.collection import roles as roles_mod
from seglab.collection.amounts import to_number
from seglab.config import Cleaning, TableSource
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


_JALALI = re.compile(r"^(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def _jalali(text: str) -> pd.Timestamp:
    import jdatetime

    m = _JALALI.match(text)
    if not m:
        return pd.NaT
    y, mo, d, h, mi, sec = (int(g) if g else 0 for g in m.groups())
    try:
        g = jdatetime.date(y, mo, d).togregorian()
    except ValueError:
        return pd.NaT
    return pd.Timestamp(g.year, g.month, g.day, h, mi, sec)


#: A time of day followed by a time zone: ...10:00Z, ...10:00:00+03:30, ...10:00 +0330, ...10:00 UTC
_ZONED = re.compile(r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2})$", re.I)


class DateOrderError(ValueError):
    """A date column whose values are day first in some rows and month first in others."""


def _to_datetime(values: pd.Series, dayfirst: bool, tz: str) -> pd.Series:
    """Text to naive timestamps in ``tz``: values with a zone are converted to it."""
    try:
        out = roles_mod.to_datetime(values, dayfirst)
    except (ValueError, TypeError):  # zones that differ between values
        out = roles_mod.to_datetime(values, dayfirst, utc=True)
    if getattr(out.dt, "tz", None) is not None:
        out = out.dt.tz_convert(tz).dt.tz_localize(None)
    return out.astype("datetime64[us]")


def parse_time(
    s: pd.Series,
    cleaning: Cleaning,
    notes: list[str] | None = None,
    where: str = "",
    weights: pd.Series | None = None,
) -> pd.Series:
    """Timestamps from datetimes, Excel serial day numbers or text (each distinct text parsed once);
    Jalali (Shamsi) dates when ``cleaning.calendar`` is jalali; unparseable values become NaT.

    Timestamps with a time zone (``2024-03-01T10:00:00Z``, ``+03:30``) are converted to
    ``cleaning.timezone``, those without one are taken as already in it (a note in ``notes`` says
    so). Day-first or month-first text dates (04/09/2024) are read in the order the values show
    (a first number above 12 is a day), else by ``cleaning.dayfirst``; a column showing both
    orders raises :class:`DateOrderError` naming rows of each. ``weights``: how many rows each
    value stands for, when ``s`` holds distinct values (stage 01 on Spark), for the notes' counts.
    """
    from seglab.collection import roles

    notes = notes if notes is not None else []
    if pd.api.types.is_datetime64_any_dtype(s):
        if getattr(s.dt, "tz", None) is not None:
            notes.append(
                i18n.Note.of(
                    N_(
                        "%(where)s: timestamps carry the time zone %(zone)s; converted to "
                        "%(timezone)s (cleaning.timezone)."
                    ),
                    where=where,
                    zone=str(s.dt.tz),
                    timezone=cleaning.timezone,
                )
            )
            s = s.dt.tz_convert(cleaning.timezone).dt.tz_localize(None)
        return s.astype("datetime64[ns]")
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        # Excel serial dates (days since 1899-12-30) between 1954 and 2119; other numbers are not dates
        serial = s.astype(float).where(s.astype(float).between(20_000, 80_000))
        return (
            (pd.Timestamp("1899-12-30") + pd.to_timedelta(serial.round(6), unit="D"))
            .dt.round("s")
            .astype("datetime64[ns]")
        )
    text = trimmed(s)
    uniq = pd.Series(text.dropna().unique(), dtype="string")
    if uniq.empty:  # no value at all: every time is unknown (a mapping from nothing has no type to keep)
        return pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    if cleaning.calendar == "jalali":
        parsed = pd.Series([_jalali(t) for t in uniq], index=uniq, dtype="datetime64[ns]")
        return text.map(parsed).astype("datetime64[ns]")
    order = roles.date_order(uniq)
    if order == "mixed":
        raise DateOrderError(_mixed_order_message(text, where))
    first = {"dayfirst": True, "monthfirst": False}.get(order, cleaning.dayfirst)
    if order and first != cleaning.dayfirst:
        example = uniq[uniq.str.match(roles_mod.DAY_MONTH)].iloc[0]
        notes.append(
            i18n.Note.of(
                N_(
                    "%(where)s: dates read day first, as values such as '%(example)s' show (cleaning.dayfirst is "
                    "%(given)s)."
                )
                if first
                else N_(
                    "%(where)s: dates read month first, as values such as '%(example)s' show (cleaning.dayfirst is "
                    "%(given)s)."
                ),
                where=where,
                example=example,
                given=str(cleaning.dayfirst).lower(),
            )
        )
    _two_ways_note(text, uniq, first, weights, where, notes)
    zoned = uniq.str.contains(_ZONED, na=False).to_numpy()
    parsed = pd.Series(pd.NaT, index=uniq.to_numpy(), dtype="datetime64[us]")
    if (~zoned).any():
        parsed[~zoned] = _to_datetime(uniq[~zoned], first, cleaning.timezone).to_numpy()
    if zoned.any():
        parsed[zoned] = _to_datetime(uniq[zoned], first, cleaning.timezone).to_numpy()
        rows = weights if weights is not None else pd.Series(1, index=text.index)
        n_zoned = int(rows[text.str.contains(_ZONED, na=False)].sum())
        rest = int(rows[text.notna()].sum()) - n_zoned
        values = {
            "where": where,
            "n": n_zoned,
            "example": uniq[zoned].iloc[0],
            "timezone": cleaning.timezone,
            "rest": rest,
        }
        notes.append(
            i18n.Note.of(
                N_(
                    "%(where)s: %(n)s timestamp(s) carry a time zone (e.g. '%(example)s'): converted to %(timezone)s "
                    "(cleaning.timezone); the %(rest)s without a zone are taken as %(timezone)s already."
                )
                if rest
                else N_(
                    "%(where)s: %(n)s timestamp(s) carry a time zone (e.g. '%(example)s'): converted to %(timezone)s "
                    "(cleaning.timezone)."
                ),
                **values,
            )
        )
    in_range = (parsed >= pd.Timestamp("1678-01-01")) & (parsed <= pd.Timestamp("2261-12-31"))
    parsed = pd.Series(parsed.where(in_range).astype("datetime64[ns]").to_numpy(), index=uniq.to_numpy())
    return text.map(parsed).astype("datetime64[ns]")


def _two_ways_note(
    text: pd.Series, uniq: pd.Series, first: bool, weights: pd.Series | None, where: str, notes: list[str]
) -> None:
    """A note counting each way a column writes its dates when it mixes year-first dates (read as
    written) with day/month texts (read in ``first``'s order).
    """
    iso = uniq[uniq.str.match(roles_mod.YEAR_FIRST).fillna(False)]
    dm = uniq[uniq.str.match(roles_mod.DAY_MONTH).fillna(False)]
    if iso.empty or dm.empty:
        return
    rows = weights if weights is not None else pd.Series(1, index=text.index)
    values = {
        "where": where,
        "iso": int(rows[text.isin(iso)].sum()),
        "iso_example": iso.iloc[0],
        "dm": int(rows[text.isin(dm)].sum()),
        "dm_example": dm.iloc[0],
    }
    notes.append(
        i18n.Note.of(
            N_(
                "%(where)s: the dates are written two ways: %(iso)s year first (e.g. '%(iso_example)s'), read as "
                "written; %(dm)s day and month (e.g. '%(dm_example)s'), read day first. Export them one way "
                "(YYYY-MM-DD) to be sure."
            )
            if first
            else N_(
                "%(where)s: the dates are written two ways: %(iso)s year first (e.g. '%(iso_example)s'), read as "
                "written; %(dm)s day and month (e.g. '%(dm_example)s'), read month first. Export them one way "
                "(YYYY-MM-DD) to be sure."
            ),
            **values,
        )
    )


def _mixed_order_message(text: pd.Series, where: str) -> str:
    parts = text.str.extract(roles_mod.DAY_MONTH).astype(float)
    day = text[parts[0] > 12].head(3)
    month = text[parts[1] > 12].head(3)
    show = lambda v: ", ".join(f"row {i + 1}: '{t}'" for i, t in v.items())  # noqa: E731
    return (
        f"{where}: some dates are day first ({show(day)}) and others month first ({show(month)}), so dates such "
        "as 04/09 cannot be read either way. Export the dates as YYYY-MM-DD, or fix those rows."
    )


def _year_hint(raw: pd.Series) -> pd.Series:
    """The four-digit year written in a text date (to tell a date too far in the past or the
    future from one that is not a date at all).
    """
    if pd.api.types.is_datetime64_any_dtype(raw) or pd.api.types.is_numeric_dtype(raw):
        return pd.Series(np.nan, index=raw.index)
    return pd.to_numeric(trimmed(raw).str.extract(r"(?<!\d)(\d{4})(?!\d)")[0], errors="coerce")


def _reject_times(s: Sorter, ts: pd.Series, raw: pd.Series, cleaning: Cleaning, now: pd.Timestamp) -> None:
    """Dates before ``cleaning.min_date`` (early_timestamp), after the run date
    (future_timestamp), or not dates (bad_timestamp); a text date out of the computable range
    (years before 1678 or after 2261) by its year, except years 1300-1677, which are more likely
    Jalali or Hijri dates read as Gregorian (not dates, with a hint) than typing errors.
    """
    year = _year_hint(raw) if cleaning.calendar == "gregorian" else pd.Series(np.nan, index=raw.index)
    s.reject((ts < pd.Timestamp(cleaning.min_date)) | (ts.isna() & (year < 1300)), "early_timestamp")
    s.reject(
        (ts > now + pd.Timedelta(days=cleaning.reject_future_days)) | (ts.isna() & (year > now.year)),
        "future_timestamp",
    )
    s.reject(ts.isna(), "bad_timestamp")


def looks_jalali(s: pd.Series) -> bool:
    """True when most text dates start with a year 1300-1499 (Shamsi dates read as Gregorian)."""
    if pd.api.types.is_datetime64_any_dtype(s):
        return False
    year = pd.to_numeric(trimmed(s.dropna().drop_duplicates()).str.slice(0, 4), errors="coerce")
    return bool(year.notna().any() and year.between(1300, 1499).mean() > 0.5)


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
    out = _typed_extras(df, out)
    out["source_row"] = df["source_row"]
    s = Sorter(out.index)
    if cleaning.drop_exact_duplicates:
        s.reject(raw_dup, "exact_duplicate")
    s.reject(out["customer_id"].isna(), "missing_customer_id")
    _reject_times(s, out[time_col], df[time_col], cleaning, now)
    return out, s


def transaction_rules(
    df: pd.DataFrame,
    cleaning: Cleaning,
    now: pd.Timestamp,
    raw_dup: pd.Series,
    notes: list[str] | None = None,
    where: str = "transactions",
    times: pd.Series | None = None,
    decimals: dict[str, str | None] | None = None,
) -> tuple[pd.DataFrame, Sorter, pd.Series, dict]:
    """The rules of one row of transactions (every rule but the outliers, which need all rows):
    the typed rows, the rule rejecting each so far, which are cancellations by their order id and
    how quantity and unit price were written (per column, when written as formatted text).
    ``times``: the timestamps already read (stage 01 on Spark reads each distinct text once);
    ``decimals``: the decimal mark of quantity and unit price decided on the whole column (on Spark).
    Cancellations (order id starting with the cancellation prefix) get a negative quantity.
    """
    out = pd.DataFrame(index=df.index)
    out["customer_id"] = as_text(df["customer_id"], is_id=True)
    out["order_id"] = as_text(df["order_id"], is_id=True)
    out["timestamp"] = _read_times(df, "timestamp", cleaning, notes, where, times)
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
    out, s = _first_rules(df, out, raw_dup, cleaning, now, "timestamp")
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
    df: pd.DataFrame,
    table: str,
    raw_dup: pd.Series,
    cleaning: Cleaning,
    now: pd.Timestamp | None = None,
    notes: list[str] | None = None,
    where: str = "",
    times: pd.Series | None = None,
) -> tuple[pd.DataFrame, pd.Series]:
    """Clean sessions or campaign events: typed columns; rows without customer or time rejected.
    ``times``: the times already read (stage 01 on Spark reads each distinct text once).
    """
    out = pd.DataFrame(index=df.index)
    out["customer_id"] = as_text(df["customer_id"], is_id=True)
    time_col = TIME_COLUMN[table]
    out[time_col] = _read_times(df, time_col, cleaning, notes, where or table, times)
    for col in ("converted", "opened", "clicked"):
        if col in df:
            out[col] = parse_bool(df[col]).fillna(False).astype(bool)
    for col in ("channel", "campaign_id", "session_id"):
        if col in df:
            out[col] = as_text(df[col], is_id=col != "channel")
    out, s = _first_rules(
        df, out, raw_dup, cleaning, now if now is not None else pd.Timestamp.now().normalize(), time_col
    )
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
    mapped: pd.DataFrame, loaded, spec: TableSource, table: str, customer_level: bool, labels: dict[str, str]
) -> tuple[list[str], list[dict]]:
    """The customer id of a table: a customers table without one gets row numbers (only in a
    customer-level source); a column taken as the id by its name is an assumption. Returns the
    notes and assumptions.
    """
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
    label = labels.get("customer_id", "customer_id")
    if "customer_id" not in spec.columns and label != "customer_id" and not spec.preset:
        return [], [
            {
                "stage": "01",
                "subject": label,
                "assumed": N_("the customer id"),
                "why": N_("its name in snake_case is customer_id"),
                "change": f"source.tables.{table}.columns.customer_id: <another column>",
            }
        ]
    return [], []


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


def read_as_written(
    table: str, source: str, labels: dict[str, str], errors: dict, written: dict, cleaning: Cleaning
) -> list[dict]:
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


def jalali_hint(source: str) -> i18n.Note:
    """What to do when the dates look Shamsi but are read as Gregorian."""
    return i18n.Note.of(
        N_(
            "%(source)s: most dates start with a year between 1300 and 1499: they look like Jalali (Shamsi) dates. "
            "Set cleaning.calendar: jalali to read them."
        ),
        source=source,
    )


#: Name patterns that guess a column's lens (first match wins; see guess_lens).
LENS_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        "contactability",
        r"e_?mail|(^|_)sms(_|$)|opt_?in|consent|newsletter|(^|_)phone(_number|_opt|_consent|$)|"
        r"contactable|contact_(ok|allowed|permission)",
    ),
    ("firmographic", r"company|industry|employee|turnover|sector|business|firm|headcount|legal_form|b2b"),
    ("geographic", r"(^|_)(city|region|country|state|province|post_?code|zip|district|town|location|area|county)(_|$)"),
    (
        "demographic",
        r"(^|_)(age|gender|sex|job|kids?|teens?|child|children|family|partner|spouse)(_|$)|birth|income|"
        r"salary|educat|household|marital|occupation|life_?stage|kidhome|teenhome|senior|dependent",
    ),
    ("psychographic", r"^q\d|survey|attitude|interest|lifestyle|opinion|personality|motivation|satisf|prefer|techno"),
    (
        "behavioural",
        r"spend|order|purchase|visit|count|amount|total|frequen|recen|revenue|basket|sales|value|"
        r"return|discount|click|open|session|days|last|first|tenure|category|channel|product",
    ),
)


def guess_lens(column: str, table: str) -> str:
    """The lens of a customer-level column from its name; survey answers default to psychographic,
    other unknown columns to behavioural.
    """
    for lens, pattern in LENS_PATTERNS:
        if re.search(pattern, column):
            return lens
    return "psychographic" if table == "survey" else "behavioural"


def normalise_channels(tx: pd.DataFrame, mapping: dict[str, str], source: str) -> list[dict]:
    """Channel values written web, store or app in any language (``roles.channel_values`` or a
    known synonym such as online, وب, فروشگاه) become web / store / app; the assumptions say how.
    """
    if "channel" not in tx or tx["channel"].isna().all():
        return []
    assumptions, renamed = channel_plan(tx["channel"].value_counts(sort=False), mapping)
    if renamed:  # (a dictionary map: one lookup per row, no Python call per row)
        tx["channel"] = tx["channel"].replace(renamed)
    return assumptions


def channel_plan(rows: pd.Series, mapping: dict[str, str]) -> tuple[list[dict], dict[str, str]]:
    """From the order lines of each channel value (``rows``: value -> lines), the assumptions of
    reading them as web / store / app, and the values to rename.
    """
    read = {v: roles_mod.channel_value(v, mapping) for v in rows.index}
    out = []
    for v, ch in sorted(read.items(), key=lambda kv: str(kv[0])):
        if ch is None:
            continue
        if ch != v:
            given = v in mapping or any(k.strip().lower() == str(v).strip().lower() for k in mapping)
            out.append(
                {
                    "stage": "01",
                    "subject": i18n.Note.of(N_("channel '%(value)s'"), value=v),
                    "assumed": i18n.Note.of(N_("the %(channel)s channel"), channel=i18n.as_term(ch)),
                    "why": N_("given in roles.channel_values") if given else N_("a known word for it"),
                    "change": f"source.tables.transactions.roles.channel_values: {{{v}: <channel>}}",
                }
            )
    unknown = [v for v, ch in read.items() if ch is None]
    if unknown:
        out.append(
            {
                "stage": "01",
                "subject": i18n.Note.of(
                    N_("channel values %(values)s"), values=[f"'{v}'" for v in sorted(map(str, unknown))[:8]]
                ),
                "assumed": N_("neither web, store nor app"),
                "why": i18n.Note.of(
                    N_("%(rows)s order lines: their orders count in no channel share"), rows=int(rows[unknown].sum())
                ),
                "change": "source.tables.transactions.roles.channel_values: {<value>: web|store|app}",
            }
        )
    return out, {v: ch for v, ch in read.items() if ch is not None and ch != v}


def _typed_extras(df: pd.DataFrame, out: pd.DataFrame) -> pd.DataFrame:
    """``out`` with the other columns carried over: text trimmed (with ASCII digits), numbers as
    they are. Joined once: inserting thousands of columns one by one is quadratic in pandas.
    """
    cols = [c for c in df.columns if c not in out and c != "source_row"]
    as_is = {c for c in cols if pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_datetime64_any_dtype(df[c])}
    texts = amounts.columns_at_once(df, [c for c in cols if c not in as_is], lambda t: as_text(t, is_id=True))
    extras = {c: df[c] if c in as_is else texts[c] for c in cols}
    return pd.concat([out, pd.DataFrame(extras, index=out.index)], axis=1) if extras else out


def _read_times(df: pd.DataFrame, column: str, cleaning: Cleaning, notes, where: str, times: pd.Series | None):
    """The times of ``column``: ``times`` when already read (stage 01 on Spark), else parsed."""
    if times is not None:
        return times.astype("datetime64[ns]").to_numpy()
    return parse_time(df[column], cleaning, notes, f"{where}, column {column}")
