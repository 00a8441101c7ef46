"""Numbers and amounts written as text, the way exports write them.

Spreadsheets and accounting tools export money as text: ``$1,234.00``, ``1.234,50 €``,
``EUR 1 234,50``, ``1'234.50 CHF``, ``(1,234.00)`` or ``1,234.00-`` for a negative,
``۱٬۲۳۴٫۵ ریال``, ``12,5 %``. :func:`read_numbers` reads a whole column at once:

* digits: ASCII, Persian (۰-۹) and Arabic-Indic (٠-٩);
* a currency symbol or code before or after the number (``$ € £ ¥ ﷼``, ``USD``, ``ریال``,
  ``تومان``, ``kr``...); a ``%`` after it marks a percentage (the number is kept as written:
  ``12,5 %`` is 12.5);
* negatives written ``-12``, ``(12)``, ``12-`` or ``−12``;
* thousands separators ``,`` ``.`` ``'`` ``’`` ``٬`` and spaces (also non-breaking); decimal marks
  ``.`` ``,`` and ``٫``.

Which of ``.`` and ``,`` is the decimal mark is decided **for the whole column**, from the
values that can only be read one way (``12,5`` and ``1.234,56`` are decimal comma; ``12.5`` and
``1,234.56`` decimal point), like the order of day and month in dates; a value that reads both
ways (``1,234``) follows the column, and a column with no such value reads ``1,234`` as 1234 and
``1.234`` as 1.234. Whatever else is written (``12 apples``, ``#VALUE!``, ``inf``) is not a number.

The result says what was found (:class:`Written`), so stage 01 can say how the column was read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: Persian and Arabic-Indic digits -> ASCII.
DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")

#: What a spreadsheet writes in a cell whose formula failed: read as missing, and counted.
SPREADSHEET_ERRORS = frozenset(
    {"#VALUE!", "#DIV/0!", "#N/A", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#N/A N/A", "#SPILL!", "#CALC!", "#FIELD!"}
)

_SYMBOLS = "$€£¥₹₽₺₩₪₫₴₦₱฿₲₵₡₸₼₾﷼¢"
#: Currency words and codes written beside amounts (compared in upper case, without dots).
_CURRENCY_WORDS = {
    "KR",
    "ZŁ",
    "FR",
    "RS",
    "R",
    "ریال",
    "تومان",
    "ريال",
    "درهم",
    "دينار",
    "ليرة",
    "جنيه",
    "رس",  # ر.س without its dot
    "دإ",
    "دك",
    "جم",
    "IRT",
}
_CORE = re.compile(r"\d(?:[\d.,'’٬٫ ]*\d)?")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")


@dataclass
class Written:
    """How a column's text numbers were written.

    ``formatted``: values that needed more than plain digits (a currency, separators, a sign in
    parentheses...); ``currency``: the currency written most often (None: none); ``percent``:
    values written with ``%``; ``decimal``: the decimal mark the column uses ("." or ","; None when
    no value shows it); ``mixed``: both marks occur unambiguously; ``unreadable``: text values that
    are not numbers; ``example``: one formatted value as written.
    """

    formatted: int = 0
    currency: str | None = None
    percent: int = 0
    decimal: str | None = None
    mixed: bool = False
    unreadable: int = 0
    example: str | None = None
    currencies: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The findings as a JSON-able dict, without the empty ones."""
        out = {k: v for k, v in self.__dict__.items() if v not in (None, 0, False, {})}
        out.pop("currencies", None)
        return out


def _currency(token: str) -> str | None:
    """The currency a prefix or suffix names ('' when empty, None when it is not a currency)."""
    t = token.strip().strip(".")
    if not t:
        return ""
    if all(ch in _SYMBOLS for ch in t):
        return t
    bare = t.replace(".", "").replace(" ", "")
    if re.fullmatch(r"[A-Za-z]{0,3}[" + re.escape(_SYMBOLS) + r"]", bare):  # US$, C$, HK$, R$
        return t
    if re.fullmatch(r"[A-Z]{3}", bare) or bare.upper() in _CURRENCY_WORDS:
        return t
    return None


@dataclass
class _Parts:
    """One text number taken apart: its sign, its digits and marks, its currency and percent."""

    core: str
    negative: bool
    currency: str
    percent: bool


def _split(text: str) -> _Parts | None:
    """The parts of one text number, or None when the text is not a number."""
    t = _SPACES.sub(" ", text.translate(DIGITS).replace("\u2212", "-")).strip()
    negative = False
    if t.startswith("(") and t.endswith(")"):
        t, negative = t[1:-1].strip(), True
    m = _CORE.search(t)
    if m is None:
        return None
    pre, post = t[: m.start()].strip(), t[m.end() :].strip()
    if post.endswith("-") and not negative:  # 1,234.00- (accounting)
        post, negative = post[:-1].strip(), True
    percent = post.endswith("%")
    post = post[:-1].strip() if percent else post
    for sign in ("-", "+"):  # -$12, $-12, $ -12
        if pre.startswith(sign) or pre.endswith(sign):
            pre, negative = pre.strip(sign).strip(), negative or sign == "-"
            break
    cur_pre, cur_post = _currency(pre), _currency(post)
    if cur_pre is None or cur_post is None or (cur_pre and cur_post) or (percent and (cur_pre or cur_post)):
        return None
    return _Parts(m.group(0).replace(" ", ""), negative, cur_pre or cur_post, percent)


def _marks(core: str) -> tuple[str | None, bool]:
    """The decimal mark a value shows ("." or ","; None when it shows none) and whether the
    value also reads the other way (one mark followed by exactly three digits: 1,234 / 1.234).
    """
    core = core.replace("'", "").replace("’", "").replace("٬", "")
    if "٫" in core:
        return "٫", False
    dots, commas = core.count("."), core.count(",")
    if dots and commas:
        return ("." if core.rfind(".") > core.rfind(",") else ","), False
    mark = "." if dots else "," if commas else None
    if mark is None:
        return None, False
    if core.count(mark) > 1:  # only thousands repeat
        return ("," if mark == "." else "."), True
    after = len(core) - core.rfind(mark) - 1
    return mark, after == 3


def _value(core: str, decimal: str) -> float | None:
    """The number of ``core`` with ``decimal`` as its decimal mark (None when the grouping is not
    one of thousands, e.g. ``12,34,5`` with a decimal point).
    """
    core = core.replace("'", "").replace("’", "").replace("٬", "").replace("٫", ".")
    thousands = "," if decimal == "." else "."
    if core.count(decimal) > 1:
        return None
    whole, _, frac = core.partition(decimal)
    groups = whole.split(thousands)
    if len(groups) > 1 and (not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:])):
        return None
    try:
        return float("".join(groups) + ("." + frac if frac else ""))
    except ValueError:
        return None


def _column_decimal(parts: dict[str, _Parts]) -> tuple[str | None, bool]:
    """The decimal mark of a column from the values that read one way only, and whether both occur."""
    seen = {".": 0, ",": 0}
    for p in parts.values():
        mark, both_ways = _marks(p.core)
        if mark in seen and not both_ways:
            seen[mark] += 1
    if seen["."] and seen[","]:
        return ("," if seen[","] > seen["."] else "."), True
    return ("," if seen[","] else "." if seen["."] else None), False


#: A number as a plain parser reads it (ASCII digits, one '.', an exponent): anything else is "odd"
#: and read by :func:`decide` (the same test on one machine and on Spark, whose regular expressions
#: read \d as ASCII digits only).
PLAIN = r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?"
#: A plain number whose '.' cannot be a thousands separator (12.5, 3.14159): it shows a decimal point.
POINT = r".*[0-9]\.([0-9]{1,2}|[0-9]{4,})"


def decide(
    texts: list[str], rows: list[int], plain_point: bool, decimal_mark: str = "auto", column: str | None = None
) -> tuple[dict[str, float], Written]:
    """How a column's odd texts read: each distinct text's number, and how the column was written.

    ``texts``: the distinct texts plain parsing cannot read, in the order they first occur;
    ``rows``: how many rows hold each; ``plain_point``: whether a plain number of the column shows a
    decimal point (12.5); ``decimal_mark``: ``cleaning.decimal_mark``; ``column``: the column's
    decimal mark decided already (on the whole column, when it is read in parts).
    """
    written = Written()
    parts = {u: p for u in texts if (p := _split(str(u))) is not None}
    if plain_point:  # 12.5 among the plain numbers shows a decimal point
        parts.setdefault("\0plain", _Parts("1.5", False, "", False))
    decimal, written.mixed = _column_decimal(parts)
    parts.pop("\0plain", None)
    if decimal_mark in (".", ","):
        decimal, written.mixed = decimal_mark, False
    if column is not None:
        decimal = column
    written.decimal = decimal
    values: dict[str, float] = {}
    for u, p in parts.items():
        mark, both_ways = _marks(p.core)
        own = mark is None or both_ways or mark == "٫" or decimal_mark in (".", ",")
        v = _value(p.core, "." if mark == "٫" else (decimal or ".") if own else mark)
        if v is not None:
            values[u] = -v if p.negative else v
            if p.currency:
                written.currencies[p.currency] = written.currencies.get(p.currency, 0) + 1
    counts = dict(zip(texts, rows, strict=True))
    written.formatted = sum(counts[u] for u in values)
    written.unreadable = sum(n for u, n in counts.items() if u not in values)
    written.percent = sum(counts[u] for u in values if "%" in str(u))
    if written.currencies:
        written.currency = max(written.currencies, key=written.currencies.get)
    written.example = next((str(u) for u in texts if u in values), None)
    return values, written


def read_numbers(s: pd.Series, decimal_mark: str = "auto", column: str | None = None) -> tuple[pd.Series, Written]:
    """Numbers from a column of numbers or text (see the module doc), NaN where a value is not a
    number or is infinite; and how the column was written. ``decimal_mark`` ("." or ",") replaces
    the column's own evidence (``cleaning.decimal_mark``); ``column``: the column's decimal mark
    decided on the whole column elsewhere (stage 01 on Spark reads a column in parts).
    """
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        out = s.astype(float)
        return out.where(np.isfinite(out)), Written()
    text = s.astype("str").str.strip()
    text = text.mask(text == "")
    plain_mask = text.str.fullmatch(PLAIN).fillna(False).astype(bool)
    plain = pd.to_numeric(text.where(plain_mask), errors="coerce").astype(float)
    odd = text.notna() & ~plain_mask
    written = Written()
    if odd.any():
        counts = text[odd].value_counts(sort=False)
        texts = list(pd.unique(text[odd].to_numpy(dtype=object)))
        point = bool(text[plain_mask].str.fullmatch(POINT).any())
        values, written = decide(texts, [int(counts[u]) for u in texts], point, decimal_mark, column)
        plain = plain.where(~odd, text[odd].map(values).astype(float))
    given = decimal_mark if decimal_mark in (".", ",") else None  # cleaning.decimal_mark, when set
    if (written.decimal if odd.any() else column or given) == ",":  # '1.234' is a thousand in a decimal-comma column
        dotted = plain_mask & text.str.contains(".", regex=False).fillna(False).astype(bool)
        if dotted.any():
            plain = plain.where(~dotted, text[dotted].map(lambda t: _value(t, ",")).astype(float))
    out = plain.astype(float)
    return out.where(np.isfinite(out)), written


#: At most this many values are handled at once by :func:`columns_at_once`.
CELLS = 1_000_000


@dataclass
class Batch:
    """Text columns of a table one after the other as one long column (:func:`batches`)."""

    cols: list
    text: pd.Series  # the values, column after column (of a short table's text: its distinct values)
    starts: np.ndarray  # where each column begins in ``text``; the last item: its length
    codes: list  # per column, each row's position among the column's values; None: every row in order
    index: pd.Index  # the table's rows

    def rows(self, done: pd.Series | pd.DataFrame, j: int) -> pd.Series | pd.DataFrame:
        """Of a result value by value on ``text``, column ``j``'s part, at the table's rows."""
        part = done.iloc[self.starts[j] : self.starts[j + 1]]
        return (part if self.codes[j] is None else part.take(self.codes[j])).set_axis(self.index)

    def counts(self, hits: np.ndarray) -> np.ndarray:
        """Of a yes/no per value of ``text``, in how many of the table's rows it holds, per column."""
        hits = np.asarray(hits, dtype=np.int64)
        if all(c is None for c in self.codes):
            return np.add.reduceat(hits, self.starts[:-1]) if len(hits) else np.zeros(len(self.cols), np.int64)
        out = np.zeros(len(self.cols), dtype=np.int64)
        for j, codes in enumerate(self.codes):
            part = hits[self.starts[j] : self.starts[j + 1]]
            out[j] = part[codes].sum() if codes is not None else part.sum()
        return out


def batches(frame: pd.DataFrame, cols: list):
    """The columns ``cols`` of ``frame``, many at a time as one long column (:class:`Batch`), for
    work value by value: a pandas call per column costs about a millisecond of overhead, which on a
    table of thousands of columns is minutes. At most :data:`CELLS` rows' values at once. Of a
    short table's Arrow text columns, each distinct value is in the long column once (a column of
    answers holds a handful of them in thousands of rows).
    """
    n = len(frame)
    step = max(1, CELLS // max(n, 1))
    for i in range(0, len(cols), step):
        part = cols[i : i + step]
        coded = [_distinct(frame[c]) for c in part] if step > 1 else []
        if coded and all(x is not None for x in coded):
            values = [v for _, v in coded]
            sizes = [len(v) for v in values]
            text = pd.Series(_chunked(values), dtype=frame[part[0]].dtype)
            codes = [c for c, _ in coded]
        else:
            text, sizes, codes = _stacked([frame[c] for c in part]), [n] * len(part), [None] * len(part)
        yield Batch(part, text, np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64), codes, frame.index)


def columns_at_once(frame: pd.DataFrame, cols: list, fn) -> dict[str, pd.Series]:
    """``fn``, a function of text value by value, applied to the columns ``cols`` of ``frame``
    many at a time (:func:`batches`): the same as column by column, since ``fn`` reads values
    one at a time.
    """
    out: dict[str, pd.Series] = {}
    for b in batches(frame, cols):
        done = fn(b.text)
        for j, c in enumerate(b.cols):
            out[c] = b.rows(done, j)
    return out


def count_at_once(frame: pd.DataFrame, cols: list, fn) -> dict[str, int]:
    """In how many rows of each column ``cols`` of ``frame`` ``fn`` (a yes/no of text, value by
    value) holds, many columns at a time (:func:`batches`).
    """
    out: dict[str, int] = {}
    for b in batches(frame, cols):
        hits = fn(b.text).to_numpy(dtype=bool, na_value=False)
        out.update(zip(b.cols, b.counts(hits).tolist(), strict=True))
    return out


def _distinct(s: pd.Series):
    """An Arrow text column as the position of each row's value among its distinct values (a
    missing value one of them) and those values (an Arrow array); None for a column of another type.
    """
    import pyarrow as pa

    if not (isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow"):
        return None
    values = pa.array(s)
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    coded = values.dictionary_encode(null_encoding="encode")
    return coded.indices.to_numpy(), coded.dictionary


def _chunked(arrays: list):
    """Arrow arrays as one chunked array, of their common type."""
    import pyarrow as pa

    kinds = {a.type for a in arrays}
    if len(kinds) > 1:
        arrays = [a.cast(pa.large_string()) for a in arrays]
    return pa.chunked_array(arrays, type=arrays[0].type)


def _plain_numbers(text: pd.Series) -> pd.Series:
    """Texts that are plain numbers (:data:`PLAIN`) or missing, as floats: cast by Arrow (correctly
    rounded, ten times faster than ``pd.to_numeric`` on millions of values), else by pandas.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        values = pc.cast(pa.array(text, type=pa.string()), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return pd.to_numeric(text, errors="coerce").astype(float)
    return pd.Series(values.to_numpy(zero_copy_only=False), index=text.index, dtype=float)


def _stacked(columns: list[pd.Series]) -> pd.Series:
    """The columns one after the other as one text column: their Arrow chunks joined without a
    copy when all are Arrow-backed text of one type (four times faster than ``pd.concat``).
    """
    import pyarrow as pa

    if all(isinstance(c.dtype, pd.StringDtype) and c.dtype.storage == "pyarrow" for c in columns):
        arrays = [pa.array(c) for c in columns]
        chunks = [a for x in arrays for a in (x.chunks if isinstance(x, pa.ChunkedArray) else [x])]
        if chunks and len({a.type for a in chunks}) == 1:
            return pd.Series(pa.chunked_array(chunks, type=chunks[0].type), dtype=columns[0].dtype)
    return pd.concat([c.astype("str") for c in columns], ignore_index=True)


def read_numbers_many(
    frame: pd.DataFrame, cols: list, decimal_mark: str = "auto", least: float | None = None
) -> dict[str, tuple[pd.Series, Written, pd.Series | None] | None]:
    """:func:`read_numbers` of each text column ``cols`` of ``frame``, the plain numbers of all of
    them read at once (:func:`columns_at_once`); a column holding any other text is read alone.
    With each column, which values are infinite (``1e400``), or None for a column read alone.
    ``least``: None instead for a column whose filled values cannot be at least this share of
    numbers (too few of them hold a digit or ``inf``): a column of words is never parsed.
    """

    def plain(t: pd.Series) -> pd.DataFrame:
        text = t.str.strip()
        text = text.mask(text == "")
        is_plain = text.str.fullmatch(PLAIN).fillna(False).astype(bool)
        odd = text.notna() & ~is_plain
        if decimal_mark == ",":  # '1.234' is a thousand then: such a column is read alone
            odd |= text.str.contains(".", regex=False).fillna(False).astype(bool)
        return pd.DataFrame(
            {
                "value": _plain_numbers(text.where(is_plain)),
                "odd": odd,
                "filled": text.notna(),
                "maybe": is_plain | (odd & text.str.contains(r"[0-9۰-۹٠-٩]|(?i:inf)", regex=True).fillna(False)),
            }
        )

    out = {}
    for b in batches(frame, cols):
        got = plain(b.text)
        maybe, filled, odd = (b.counts(got[k].to_numpy(dtype=bool)) for k in ("maybe", "filled", "odd"))
        for j, col in enumerate(b.cols):
            if least is not None and maybe[j] < least * filled[j]:
                out[col] = None
            elif odd[j]:
                out[col] = (*read_numbers(frame[col], decimal_mark), None)
            else:
                value = b.rows(got["value"], j)
                out[col] = (
                    value.where(np.isfinite(value)),
                    Written(),
                    pd.Series(np.isinf(value.to_numpy()), value.index),
                )
    return out


def to_number(s: pd.Series, decimal_mark: str = "auto") -> pd.Series:
    """Numbers from numbers or text (:func:`read_numbers`), without the account of how."""
    return read_numbers(s, decimal_mark)[0]


def never_text(s: pd.Series) -> bool:
    """Whether the column's type holds no text (numbers, dates, flags)."""
    return pd.api.types.is_numeric_dtype(s) or pd.api.types.is_datetime64_any_dtype(s) or pd.api.types.is_bool_dtype(s)


def spreadsheet_errors(s: pd.Series) -> pd.Series:
    """Whether each value is a spreadsheet error text (``#VALUE!``, ``#DIV/0!``, ``#N/A``...)."""
    if never_text(s):
        return pd.Series(False, index=s.index)
    text = s.astype("str")
    out = text.str.contains("#", regex=False).fillna(False).astype(bool)  # every one starts with '#'
    if out.any():
        out[out] = text[out].str.strip().str.upper().isin(SPREADSHEET_ERRORS).fillna(False).astype(bool)
    return out
