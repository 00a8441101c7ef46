"""The reader's language: message catalogs, numbers, amounts and dates in the reader's convention.

``report.language`` (``en``, ``fa`` or ``ar``) chooses the language of every text a reader sees.
Texts come from gettext message catalogs (``locale/<language>/LC_MESSAGES/seglab.po``, made and
kept up to date with Babel by ``make catalogs``, see :mod:`seglab.catalogs`), compiled when a run
first needs them. The data files a run writes stay language-neutral: the words of the method
(quadrants, MIDAS results, persona names) are stored in English and translated where they are
shown (:func:`term`).

Numbers use the reader's digits and separators (Persian ``۱۲٬۳۴۵٫۶``, Arabic-Indic
``١٢٬٣٤٥٫٦``); amounts carry the currency of ``report.currency``; dates follow
``report.calendar`` (``auto``: Jalali for Persian, Gregorian otherwise; ``hijri`` for the Umm
al-Qura calendar). English output keeps the formats seglab always had.
"""

from __future__ import annotations

import datetime as _dt
import gettext as _gettext
import io
import math
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from pathlib import Path

LANGUAGES: tuple[str, ...] = ("en", "fa", "ar")
CALENDARS: tuple[str, ...] = ("auto", "gregorian", "jalali", "hijri")
#: The catalogs, one folder per language (gettext's layout).
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "seglab"
#: The catalogs' template: every text a reader may see, in English (made by ``make catalogs``).
TEMPLATE_PATH = LOCALE_DIR / f"{DOMAIN}.pot"
#: The font of Persian and Arabic pages and charts (Vazirmatn, SIL Open Font License, in the package).
FONT_DIR = Path(__file__).parent / "report" / "fonts"
FONT_FAMILY = "Vazirmatn"

_DIGITS = {
    "fa": str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"),
    "ar": str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"),
}
#: Babel's numbering system of each language (its separators: ٬ thousands, ٫ decimals).
_NUMBERING = {"fa": "arabext", "ar": "arab"}
_PERCENT = "٪"
#: Unicode isolates: a number or a Latin name inside right-to-left text keeps its own direction.
FSI, PDI = "\u2068", "\u2069"

JALALI_MONTHS = (
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
)
JALALI_SEASONS = ("بهار", "تابستان", "پاییز", "زمستان")
HIJRI_MONTHS = (
    "محرم",
    "صفر",
    "ربيع الأول",
    "ربيع الآخر",
    "جمادى الأولى",
    "جمادى الآخرة",
    "رجب",
    "شعبان",
    "رمضان",
    "شوال",
    "ذو القعدة",
    "ذو الحجة",
)


@dataclass(frozen=True)
class Reader:
    """Who reads the pages: language, currency of amounts, calendar of dates."""

    language: str = "en"
    currency: str | None = None
    calendar: str = "auto"

    @property
    def rtl(self) -> bool:
        """Whether the language reads right to left."""
        return self.language in ("fa", "ar")

    @property
    def direction(self) -> str:
        """The page's ``dir``: rtl or ltr."""
        return "rtl" if self.rtl else "ltr"

    @property
    def calendar_used(self) -> str:
        """The calendar of the dates shown (``auto`` resolved)."""
        if self.calendar == "auto":
            return "jalali" if self.language == "fa" else "gregorian"
        return self.calendar


_reader = Reader()


def use(language: str = "en", currency: str | None = None, calendar: str = "auto") -> Reader:
    """Make ``language``, ``currency`` and ``calendar`` the reader's for what follows (a stage's
    kernel, the runner's pages). Unknown values raise ValueError naming the parameter.
    """
    global _reader
    if language not in LANGUAGES:
        raise ValueError(f"report.language: '{language}' is not one of {', '.join(LANGUAGES)}")
    if calendar not in CALENDARS:
        raise ValueError(f"report.calendar: '{calendar}' is not one of {', '.join(CALENDARS)}")
    _reader = Reader(language, currency or None, calendar)
    return _reader


def use_report(report) -> Reader:
    """:func:`use` with the ``report`` section of the parameters."""
    return use(report.language, report.currency, report.calendar)


def reader() -> Reader:
    """The current reader."""
    return _reader


@contextmanager
def using(language: str = "en", currency: str | None = None, calendar: str = "auto"):
    """The reader for a ``with`` block (tests, a page rendered in another language)."""
    before = _reader
    use(language, currency, calendar)
    try:
        yield _reader
    finally:
        use_reader(before)


def use_reader(r: Reader) -> None:
    """Make ``r`` (from :func:`reader`) the reader again."""
    global _reader
    _reader = replace(r)


# --- messages -------------------------------------------------------------------------------


@cache
def translations(language: str) -> _gettext.NullTranslations:
    """The compiled catalog of ``language`` (English: the texts as written)."""
    if language == "en":
        return _gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    po = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po.open("rb") as f:
        catalog = read_po(f, locale=language, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)  # a fuzzy (unchecked) translation is not shown
    buf.seek(0)
    return _gettext.GNUTranslations(buf)


def _(message: str) -> str:
    """``message`` in the reader's language (gettext)."""
    return translations(_reader.language).gettext(message)


def N_(message: str) -> str:
    """Mark ``message`` for the catalogs without translating it now (translated where shown)."""
    return message


def Nn_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a message with a plural for the catalogs (a :class:`Note` chooses the form by its value
    ``n`` where it is shown).
    """
    return singular, plural


@dataclass(frozen=True)
class Value:
    """A value of a :class:`Note` shown in the reader's way where the note is said: a date in the
    reader's calendar, a word of seglab in the reader's language, a number with its decimals, a
    percentage or an amount of money. Kept as data (``{"kind": ..., "value": ...}``), never as text.
    """

    kind: str  # one of _SHOWN's: date, term, number, percent, money, list, join, concat, ...
    value: object
    decimals: int = 0
    sign: bool = False
    sep: str = ""  # join: the separator's message id ("; ", " and ")

    def to_dict(self) -> dict:
        """The value as JSON data: ``{"kind": ..., "value": ...}`` (and its decimals, sign, separator)."""
        out = {"kind": self.kind, "value": _as_data(self.value)}
        if self.sep:
            out["sep"] = self.sep
        if self.decimals:
            out["decimals"] = self.decimals
        if self.sign:
            out["sign"] = True
        return out

    def shown(self) -> str:
        """The value as the reader reads it."""
        return _SHOWN[self.kind](self)


def _capital(v: Value) -> str:
    text = _shown(v.value)
    return text[:1].upper() + text[1:]


#: How each kind of :class:`Value` is shown.
_SHOWN = {
    "date": lambda v: date(v.value),
    "month": lambda v: month(v.value),
    "season": lambda v: season(v.value),
    "term": lambda v: term(v.value),
    "number": lambda v: number(v.value, v.decimals, sign=v.sign),
    "g": lambda v: digits(f"{float(v.value):g}"),
    "digits": lambda v: digits(str(v.value)),
    "percent": lambda v: percent(v.value, v.decimals, sign=v.sign),
    "money": lambda v: money(v.value, v.decimals),
    "concat": lambda v: "".join(say(p) if isinstance(p, str) else _shown(p) for p in v.value),
    "join": lambda v: _(v.sep).join(_shown(p) for p in v.value),
    "list": lambda v: _shown(v.value),
    "capital": _capital,
    "before": lambda v: term(v.value).split(" (")[0],  # a word of seglab without its explanation in brackets
    "beside": lambda v: percent_beside(v.value[0], v.value[1], v.decimals),  # decimals that keep it on its side
}


def as_date(value, kind: str = "date") -> Value:
    """A date kept as its ISO day (``2024-01-02``), shown in the reader's calendar; ``kind``:
    ``month`` or ``season`` for a period's name.
    """
    d = _day(value)
    return Value(kind, d.isoformat() if d else None)


def worded(item):
    """A message id kept to be translated where shown (:func:`as_term`); a note or value as it is."""
    return as_term(item) if isinstance(item, str) else item


def as_term(value: str) -> Value:
    """A word of seglab kept in English (a channel, a lens, a feature's label), shown translated."""
    return Value("term", value)


def as_number(value, decimals: int = 0, sign: bool = False) -> Value:
    """A number shown with ``decimals`` in the reader's digits."""
    return Value("number", plain(value), decimals, sign)


def concat(*parts) -> Value:
    """Parts said one after the other (message ids, notes, values, texts), as one value."""
    return Value("concat", tuple(_frozen(p) for p in parts))


def capital(item) -> Value:
    """``item`` (a note, a list of notes) said with a capital first letter (a name)."""
    return Value("capital", _frozen(item))


def listed(items) -> Value:
    """Items shown as a list with the reader's comma (``a, b`` or ``a، b``)."""
    return Value("list", tuple(_frozen(i) for i in items))


def joined(items, sep: str) -> Value:
    """Items shown one after the other with a separator (a message id marked with :func:`N_`, such as
    ``"; "`` or ``" and "``), in the reader's language.
    """
    return Value("join", tuple(_frozen(i) for i in items), sep=sep)


def as_digits(text: str) -> Value:
    """A text whose ASCII digits are shown in the reader's digits (``[4, 6]``)."""
    return Value("digits", text)


def as_g(value) -> Value:
    """A number as Python's ``:g`` writes it (7, 0.5, 1e+12), in the reader's digits."""
    return Value("g", plain(value))


def as_percent(value, decimals: int = 0, sign: bool = False) -> Value:
    """A share (0.25) shown as a percentage in the reader's digits."""
    return Value("percent", plain(value), decimals, sign)


def as_money(value, decimals: int = 0) -> Value:
    """An amount shown in the run's currency and the reader's digits."""
    return Value("money", plain(value), decimals)


def plain(value):
    """A number as JSON keeps it: numpy's integers and floats as Python's, NaN as None."""
    if _missing(value):
        return None
    return int(value) if float(value).is_integer() and not isinstance(value, float) else float(value)


@dataclass(frozen=True)
class Note:
    """A note for readers kept as data: its message id (an English sentence with ``%(name)s``
    places, marked with :func:`N_`, or a singular and plural marked with :func:`Nn_`, the form
    chosen by the value ``n``) and its values (counts, line numbers, file and column names, dates
    and words as :class:`Value`, other notes), never a sentence. The sentence is made where the note
    is shown, in the reader's language, with numbers in the reader's digits (:func:`say`); the data
    files hold the id and the values, the same in every language (:meth:`to_dict`).
    """

    id: str
    values: tuple = ()  # (name, value) pairs: a frozen record, compared and hashed by its content
    plural: str = ""

    @classmethod
    def of(cls, message: str | tuple[str, str], **values) -> Note:
        """The note of ``message`` (marked with :func:`N_` or :func:`Nn_`) with its values."""
        singular, plural = (message, "") if isinstance(message, str) else message
        return cls(singular, tuple(sorted((k, _frozen(v)) for k, v in values.items())), plural)

    @classmethod
    def from_dict(cls, data: dict) -> Note:
        """The note :meth:`to_dict` wrote."""
        message = (data["id"], data["plural"]) if data.get("plural") else data["id"]
        return cls.of(message, **{k: _thawed(v) for k, v in data.get("values", {}).items()})

    def to_dict(self) -> dict:
        """The note as JSON data: ``{"id": ..., "values": {...}}`` (and ``"plural"``)."""
        out = {"id": self.id, "values": {k: _as_data(v) for k, v in self.values}}
        if self.plural:
            out["plural"] = self.plural
        return out

    def as_text(self) -> str:
        """The note as one text (a cell of a table file): its :meth:`to_dict` as JSON."""
        return as_text(self)

    def said(self) -> str:
        """The sentence in the reader's language."""
        values = {k: _shown(v) for k, v in self.values}
        try:
            if self.plural:
                return ngettext(self.id, self.plural, int(dict(self.values)["n"])) % values
            return _(self.id) % values
        except (KeyError, ValueError, TypeError):  # not one of seglab's notes (a text of the data that looks like one)
            return f"{self.id} {values}"


def _frozen(value):
    """A note's value as the frozen record keeps it: lists as tuples, a note or value read from a
    file (a dict, or its JSON text in a table's cell) as its record.
    """
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, str) and _note_text(value) is not None:
        return _thawed(_note_text(value))
    return _thawed(value) if isinstance(value, dict) else value


def _as_data(value):
    if isinstance(value, Note | Value):
        return value.to_dict()
    return [_as_data(v) for v in value] if isinstance(value, tuple) else value


def _thawed(value):
    if isinstance(value, list):
        return [_thawed(v) for v in value]
    if isinstance(value, dict) and "id" in value:
        return Note.from_dict(value)
    if isinstance(value, dict) and "kind" in value:
        return Value(**{**value, "value": _frozen(value["value"])})
    return value


def _shown(value) -> str:
    """A note's value for readers: numbers in the reader's digits, lists joined with its comma,
    dates, words and notes as they are shown.
    """
    if isinstance(value, list | tuple):
        return join(_shown(v) for v in value)
    if isinstance(value, Note):
        return value.said()
    if isinstance(value, Value):
        return value.shown()
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return number(value, 0 if float(value).is_integer() else 2)


def as_text(item):
    """A note or value as one text for a cell of a table (its JSON: sorted, compared and written like
    any text, said where shown); any other item as it is.
    """
    if isinstance(item, Note | Value):
        item = item.to_dict()
    elif not (isinstance(item, dict) and is_note(item)):
        return item
    import json

    return json.dumps(item, ensure_ascii=False, sort_keys=True)


def is_note(item) -> bool:
    """Whether ``item`` is a note or a value kept as data: a :class:`Note` or :class:`Value`, its
    ``to_dict()`` or its JSON text (:meth:`Note.as_text`).
    """
    if isinstance(item, Note | Value):
        return True
    if isinstance(item, dict):
        return {"id", "values"} <= item.keys() or {"kind", "value"} <= item.keys()
    return _note_text(item) is not None


def _note_text(item) -> dict | None:
    """The note a text holds (:meth:`Note.as_text`), or None (a text of the data that only looks like one)."""
    if not isinstance(item, str) or not item.startswith(('{"id": ', '{"kind": ')):
        return None
    import json

    try:
        data = json.loads(item)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    note = {"id", "values"} <= data.keys() <= {"id", "values", "plural"}
    value = {"kind", "value"} <= data.keys() <= {"kind", "value", "decimals", "sign", "sep"}
    return data if note or value else None


def neutral(item):
    """``item`` as the data files keep it: notes and values as dicts, inside lists and dicts too."""
    if isinstance(item, Note | Value):
        return item.to_dict()
    if isinstance(item, str) and _note_text(item) is not None:  # (a note kept in a table's cell)
        return _note_text(item)
    if isinstance(item, dict):
        return {k: neutral(v) for k, v in item.items()}
    if isinstance(item, list | tuple):
        return [neutral(v) for v in item]
    return item


def said(record: dict) -> dict:
    """A record (an assumption, a card) with each of its notes made into its sentence."""
    return {k: say(v) if is_note(v) else v for k, v in record.items()}


def say(item) -> str:
    """A note in the reader's language: a :class:`Note` (or its :meth:`Note.to_dict`) made into its
    sentence; any other text as :func:`term` shows it (a word or sentence of seglab stored in English).
    """
    if isinstance(item, str):
        item = _note_text(item) or item
    if isinstance(item, dict) and "id" in item:
        item = Note.from_dict(item)
    if isinstance(item, dict) and "kind" in item:
        item = _thawed(item)
    if isinstance(item, Note):
        return item.said()
    if isinstance(item, Value):
        return item.shown()
    return term(item)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Singular or plural of a message for ``n``, in the reader's language."""
    return translations(_reader.language).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` in the reader's language, in ``context`` (a notebook cell, a term)."""
    return translations(_reader.language).pgettext(context, message)


def notebook_context(stem: str, cell_id: str) -> str:
    """The catalogs' context of a notebook's markdown cell (``05_prioritization#55e523ad``)."""
    return f"{stem}#{cell_id}"


def term(value):
    """A word or sentence of seglab stored in English in the data files (a quadrant, a MIDAS
    result, a persona name, an action) in the reader's language; any other value as it is.
    """
    if is_note(value) or isinstance(value, Value):  # a note kept as data: its sentence
        return say(value)
    if not isinstance(value, str) or not value or _reader.language == "en":
        return value
    catalog = translations(_reader.language)
    shown = catalog.gettext(value)
    if shown == value and "_" in value:  # a snake_case word of the data files: long_term, campaign_events
        spaced = value.replace("_", " ")
        shown = catalog.gettext(spaced)
        return value if shown == spaced else shown
    return shown


# --- numbers, amounts, dates ----------------------------------------------------------------


def digits(text: str, language: str | None = None) -> str:
    """``text`` with ASCII digits written in the reader's digits (or ``language``'s)."""
    table = _DIGITS.get(language or _reader.language)
    return text.translate(table) if table else text


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def number(v, decimals: int = 0, sign: bool = False, grouping: bool = True, language: str | None = None) -> str:
    """``v`` with thousands separators (unless ``grouping`` is False) and ``decimals`` decimals,
    in the reader's convention (or ``language``'s); ``–`` when missing.
    """
    if _missing(v):
        return "–"
    language = language or _reader.language
    spec = f"{'+' if sign else ''}{',' if grouping else ''}.{decimals}f"
    if language == "en":
        return format(v, spec)
    from babel.numbers import format_decimal, get_minus_sign_symbol, get_plus_sign_symbol

    pattern = ("#,##0" if grouping else "0") + ("." + "0" * decimals if decimals else "")
    value = round(float(v), decimals)
    ns = _NUMBERING[language]
    text = format_decimal(abs(value), format=pattern, locale=language, numbering_system=ns)
    # the locale's signs carry a direction mark (LRM in Persian, ALM in Arabic): they stay on the
    # number's side in right-to-left text
    if value < 0:
        text = get_minus_sign_symbol(language, numbering_system=ns) + text
    elif sign:
        text = get_plus_sign_symbol(language, numbering_system=ns) + text
    return digits(text, language)


def percent(v, decimals: int = 0, sign: bool = False, language: str | None = None) -> str:
    """``v`` (a share, 0.5) as a percentage in the reader's convention (50%, ۵۰٪)."""
    if _missing(v):
        return "–"
    language = language or _reader.language
    if language == "en":
        return format(v, f"{'+' if sign else ''}.{decimals}%")
    return number(float(v) * 100, decimals, sign, language=language) + _PERCENT


#: The most decimals :func:`percent_beside` adds before it rounds towards the value's own side.
_MAX_EXTRA_DECIMALS = 4


def _beside(x: float, rule: float, decimals: int, rule_side: str) -> tuple[float, int]:
    """``x`` rounded to ``decimals`` or more decimals so that it reads on its own side of ``rule``:
    never equal to the rule unless it is on the side the rule's own value belongs to (``rule_side``:
    ``above`` for "at least" rules, ``below`` for "at most" ones), never across it. Up to
    ``_MAX_EXTRA_DECIMALS`` more decimals; then rounded towards ``x``'s side of the rule.
    """
    if x == rule:
        return x, decimals

    def reads_right(shown: float) -> bool:
        if x < rule:
            return shown < rule or (shown == rule and rule_side == "below")
        return shown > rule or (shown == rule and rule_side == "above")

    for d in range(decimals, decimals + _MAX_EXTRA_DECIMALS + 1):
        if reads_right(round(x, d)):
            return round(x, d), d
    d = decimals + _MAX_EXTRA_DECIMALS
    step = 10.0**d
    return (math.floor(x * step) if x < rule else math.ceil(x * step)) / step, d


def percent_beside(v, rule: float, decimals: int = 0, rule_side: str = "above", language: str | None = None) -> str:
    """``v`` (a share) as a percentage that never reads on the other side of ``rule`` (a share it is
    compared with in the text): 0.796 against "fragile below 80%" is 79.6%, never 80%; 0.8004 is
    80% (the rule's own value is on the upper side: ``rule_side="above"``, as in "at least" and
    "below" rules; ``"below"`` for "at most" and "above" rules). More decimals than ``decimals``
    only where they are needed.
    """
    if _missing(v):
        return "–"
    language = language or _reader.language
    # (in percent, without the noise of the multiplication: 0.07 x 100 = 7.000000000000001)
    shown, d = _beside(round(float(v) * 100, 10), round(float(rule) * 100, 10), decimals, rule_side)
    if language == "en":
        return format(shown, f".{d}f") + "%"
    return number(shown, d, language=language) + _PERCENT


def percent_exact(v, most: int = _MAX_EXTRA_DECIMALS, language: str | None = None) -> str:
    """``v`` (a share: a rule such as 0.8 or 0.805) as a percentage with the decimals it has, up to
    ``most``: 80%, 80.5%; a rule is shown as it is applied, never rounded.
    """
    if _missing(v):
        return "–"
    x = float(v) * 100
    d = next((d for d in range(most + 1) if abs(round(x, d) - x) < 1e-9), most)
    return percent(v, d, language=language)


def number_beside(v, rule: float, decimals: int = 2, rule_side: str = "above", language: str | None = None) -> str:
    """``v`` as a number that never reads on the other side of ``rule`` (0.4996 against "high at or
    above 0.5" is 0.4996, never 0.50): see :func:`percent_beside`.
    """
    if _missing(v):
        return "–"
    shown, d = _beside(float(v), float(rule), decimals, rule_side)
    return number(shown, d, grouping=False, language=language)


def currency_unit() -> str:
    """How amounts are labelled: the symbol of ``report.currency`` in the reader's language
    (an ISO 4217 code such as EUR), the text as given otherwise, "" when no currency is set.
    """
    code = _reader.currency
    if not code:
        return ""
    from babel.numbers import get_currency_symbol, is_currency

    if is_currency(code):
        locale = "en" if _reader.language == "en" else _reader.language
        return get_currency_symbol(code, locale=locale)
    return code


def money(v, decimals: int = 0) -> str:
    """An amount with the currency of ``report.currency`` (none when it is not set)."""
    if _missing(v):
        return "–"
    unit = currency_unit()
    text = number(v, decimals)
    if not unit:
        return text
    if _reader.language == "en" and len(unit) == 1:
        return ("-" if float(v) < 0 else "") + unit + text.lstrip("-")
    return f"{text}\u00a0{unit}"


def _day(value) -> _dt.date | None:
    if _missing(value) or value == "":
        return None
    import pandas as pd

    ts = pd.Timestamp(value)
    return None if pd.isna(ts) else ts.date()


def date(value, month_name: bool = True) -> str:
    """A date in the reader's calendar: ISO (2024-03-05) in English; ۱۵ اسفند ۱۴۰۲ in Persian
    (Jalali), ٥ مارس ٢٠٢٤ in Arabic, or the Hijri (Umm al-Qura) date with ``report.calendar: hijri``.
    """
    d = _day(value)
    if d is None:
        return "–"
    cal = _reader.calendar_used
    if _reader.language == "en" and cal == "gregorian":
        return d.isoformat()
    if cal == "jalali":
        import jdatetime

        j = jdatetime.date.fromgregorian(date=d)
        text = f"{j.day} {JALALI_MONTHS[j.month - 1]} {j.year}" if month_name else f"{j.year}/{j.month:02d}/{j.day:02d}"
    elif cal == "hijri":
        from hijridate import Gregorian

        h = Gregorian(d.year, d.month, d.day).to_hijri()
        text = (
            f"{h.day} {HIJRI_MONTHS[h.month - 1]} {h.year} هـ" if month_name else f"{h.year}/{h.month:02d}/{h.day:02d}"
        )
    else:
        from babel.dates import format_date

        locale = "en" if _reader.language == "en" else _reader.language
        text = format_date(d, "d MMMM y" if month_name else "y/MM/dd", locale=locale)
    return digits(text)


def season(value) -> str:
    """The season and year of a date in the reader's calendar (Jalali: بهار ۱۴۰۳), for periods."""
    return _period_name(value, "season")


def month(value) -> str:
    """The month and year of a date in the reader's calendar (Jalali: مهر ۱۴۰۳)."""
    return _period_name(value, "month")


def _period_name(value, kind: str) -> str:
    d = _day(value)
    if d is None:
        return "–"
    if _reader.calendar_used == "jalali":
        import jdatetime

        j = jdatetime.date.fromgregorian(date=d)
        name = JALALI_SEASONS[(j.month - 1) // 3] if kind == "season" else JALALI_MONTHS[j.month - 1]
        return digits(f"{name} {j.year}")
    if kind == "season":
        return date(value)
    if _reader.language == "en":
        return d.strftime("%Y-%m")
    from babel.dates import format_date

    return digits(format_date(d, "MMMM y", locale=_reader.language))


def isolate(text) -> str:
    """``text`` wrapped in Unicode isolates when the reader reads right to left: a number, a
    percentage or a Latin name inside a Persian sentence keeps its own direction.
    """
    return f"{FSI}{text}{PDI}" if _reader.rtl else str(text)


# --- fonts ----------------------------------------------------------------------------------


def font_files() -> dict[str, Path]:
    """The embedded font's files: ``regular``/``bold`` TrueType (charts) and WOFF2 (pages)."""
    return {
        "regular": FONT_DIR / f"{FONT_FAMILY}-Regular.ttf",
        "bold": FONT_DIR / f"{FONT_FAMILY}-Bold.ttf",
        "regular_woff2": FONT_DIR / f"{FONT_FAMILY}-Regular.woff2",
        "bold_woff2": FONT_DIR / f"{FONT_FAMILY}-Bold.woff2",
    }


@lru_cache(maxsize=1)
def font_css() -> str:
    """``@font-face`` rules embedding the font in a page (data URIs: no file, no network)."""
    import base64

    files = font_files()
    rules = []
    for weight, key in ((400, "regular_woff2"), (700, "bold_woff2")):
        data = base64.b64encode(files[key].read_bytes()).decode("ascii")
        rules.append(
            f"@font-face{{font-family:'{FONT_FAMILY}';font-style:normal;font-weight:{weight};"
            f"src:url(data:font/woff2;base64,{data}) format('woff2');}}"
        )
    return "\n".join(rules)


def page_context() -> dict:
    """What a page template needs to know about the reader: lang, dir, the font rules."""
    r = _reader
    return {
        "lang": r.language,
        "dir": r.direction,
        "rtl": r.rtl,
        "font_css": font_css() if r.rtl else "",
        "font_family": f"'{FONT_FAMILY}'," if r.rtl else "",
    }


def join(items) -> str:
    """Items joined with the reader's comma (``, `` or ``، ``)."""
    return ("، " if _reader.rtl else ", ").join(str(i) for i in items)


def currency_name() -> str:
    """The currency of the amounts in words: ``euro (EUR, €)``; the unit as given when it is not
    an ISO 4217 code; "" when ``report.currency`` is not set.
    """
    code = _reader.currency
    if not code:
        return ""
    from babel.numbers import get_currency_name, is_currency

    if not is_currency(code):
        return code
    locale = "en" if _reader.language == "en" else _reader.language
    return f"{get_currency_name(code, locale=locale)} ({code}, {currency_unit()})"
