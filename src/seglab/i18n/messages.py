"""The reader: language, currency and calendar of the texts being made, and the message catalogs
(gettext) that translate them.
"""

from __future__ import annotations

import gettext as _gettext
import io
import re
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

LANGUAGES: tuple[str, ...] = ("en", "fa", "ar")
CALENDARS: tuple[str, ...] = ("auto", "gregorian", "jalali", "hijri")
#: The catalogs, one folder per language (gettext's layout).
LOCALE_DIR = Path(__file__).parent.parent / "locale"
DOMAIN = "seglab"
#: The catalogs' template: every text a reader may see, in English (made by ``make catalogs``).
TEMPLATE_PATH = LOCALE_DIR / f"{DOMAIN}.pot"
#: The font of Persian and Arabic pages and charts (Vazirmatn, SIL Open Font License, in the package).
FONT_DIR = Path(__file__).parent.parent / "report" / "fonts"
FONT_FAMILY = "Vazirmatn"

DIGITS = {
    "fa": str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"),
    "ar": str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"),
}
#: Babel's numbering system of each language (its separators: ٬ thousands, ٫ decimals).
NUMBERING = {"fa": "arabext", "ar": "arab"}
PERCENT_SIGN = "٪"
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
    """Who reads the pages: language, currency of amounts, calendar of dates, and the words of the
    data (column names, category values) in the reader's language (:func:`data_words`).
    """

    language: str = "en"
    currency: str | None = None
    calendar: str = "auto"
    words: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def data_word(self, value: str) -> str | None:
        """The reader's word for a word of the data (``income_band``, ``Income band``, ``Electronics``),
        or None when the parameters give none.
        """
        return self.words.get(word_key(value)) if self.words else None

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


def use(
    language: str = "en", currency: str | None = None, calendar: str = "auto", words: dict[str, str] | None = None
) -> Reader:
    """Make ``language``, ``currency``, ``calendar`` and the data's ``words`` (:func:`data_words`) the
    reader's for what follows (a stage's kernel, the runner's pages). Unknown values raise ValueError
    naming the parameter.
    """
    global _reader
    if language not in LANGUAGES:
        raise ValueError(f"report.language: '{language}' is not one of {', '.join(LANGUAGES)}")
    if calendar not in CALENDARS:
        raise ValueError(f"report.calendar: '{calendar}' is not one of {', '.join(CALENDARS)}")
    _reader = Reader(language, currency or None, calendar, {word_key(k): v for k, v in (words or {}).items()})
    return _reader


def use_report(report) -> Reader:
    """:func:`use` with the ``report`` section of the parameters (its ``words`` file read for the
    reader's language).
    """
    words = data_words(report.words, report.language) if getattr(report, "words", None) else None
    return use(report.language, report.currency, report.calendar, words)


def word_key(word: str) -> str:
    """A data word as :func:`data_words` looks it up: case, ``_`` and ``-`` and repeated spaces
    ignored (``income_band``, ``Income band`` and ``INCOME-BAND`` are one word).
    """
    return re.sub(r"[\s_\-]+", " ", str(word)).strip().casefold()


class WordsError(ValueError):
    """The ``report.words`` file cannot be read: names the file, the row or column, and the fix."""


def data_words(path: str | Path, language: str) -> dict[str, str]:
    """The words of the data in ``language``, from the CSV ``report.words`` names (relative paths from
    the project root): a column ``word`` (a column name or a value as the data write it) and one
    column per language (``en``, ``fa``, ``ar``); an empty cell keeps the data's word.
    """
    from seglab.paths import resolve

    file = resolve(path)
    try:
        stamp = file.stat().st_mtime_ns
    except OSError:
        raise WordsError(
            f"report.words: {path}: no such file; give a CSV with columns word,{','.join(LANGUAGES)} or null"
        ) from None
    return dict(_words_of(str(file), stamp).get(language, {}))


@cache
def _words_of(file: str, stamp: int) -> dict[str, dict[str, str]]:
    import csv

    with open(file, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    head = [h.strip() for h in rows[0]] if rows else []
    if "word" not in head or not set(head) & set(LANGUAGES):
        raise WordsError(
            f"report.words: {file}: the first row is {','.join(head) or '(empty)'}; it must be "
            f"word,{','.join(LANGUAGES)} (word, then a column per language)"
        )
    unknown = [h for h in head if h not in ("word", *LANGUAGES)]
    if unknown:
        raise WordsError(
            f"report.words: {file}: column '{unknown[0]}' is not a language of seglab ({', '.join(LANGUAGES)})"
        )
    out: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES if lang in head}
    at = head.index("word")
    for n, row in enumerate(rows[1:], 2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(head):
            raise WordsError(f"report.words: {file}: row {n} has {len(row)} cells, the first row {len(head)}")
        word = row[at].strip()
        if not word:
            raise WordsError(f"report.words: {file}: row {n} has no word")
        for lang, cell in zip(head, row, strict=True):
            if lang in out and cell.strip():
                out[lang][word] = cell.strip()
    return out


def reader() -> Reader:
    """The current reader."""
    return _reader


@contextmanager
def using(
    language: str = "en", currency: str | None = None, calendar: str = "auto", words: dict[str, str] | None = None
):
    """The reader for a ``with`` block (tests, a page rendered in another language)."""
    before = _reader
    use(language, currency, calendar, words)
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
def compiled(locale_dir: Path, domain: str, language: str) -> _gettext.NullTranslations:
    """The compiled catalog ``<locale_dir>/<language>/LC_MESSAGES/<domain>.po`` (English, or a
    language without a catalog: the texts as written). A fuzzy (unchecked) translation is not shown.
    """
    po = Path(locale_dir) / language / "LC_MESSAGES" / f"{domain}.po"
    if language == "en" or not po.is_file():
        return _gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as f:
        catalog = read_po(f, locale=language, domain=domain)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return _gettext.GNUTranslations(buf)


def translations(language: str) -> _gettext.NullTranslations:
    """Seglab's compiled catalog of ``language`` (English: the texts as written)."""
    return compiled(LOCALE_DIR, DOMAIN, language)


@dataclass(frozen=True)
class Messages:
    """The texts of another package with its own catalog (a gettext domain, e.g. the workshop's),
    in the current reader's language.
    """

    domain: str
    locale_dir: Path

    def template(self) -> Path:
        """The catalog's template (``<locale_dir>/<domain>.pot``)."""
        return Path(self.locale_dir) / f"{self.domain}.pot"

    def _t(self) -> _gettext.NullTranslations:
        return compiled(Path(self.locale_dir), self.domain, _reader.language)

    def gettext(self, message: str) -> str:
        """``message`` in the reader's language."""
        return self._t().gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Singular or plural of a message for ``n``, in the reader's language."""
        return self._t().ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        """``message`` in the reader's language, in ``context``."""
        return self._t().pgettext(context, message)


#: seglab's own texts (``locale/seglab.po``).
SEGLAB = Messages(DOMAIN, LOCALE_DIR)


def _(message: str) -> str:
    """``message`` in the reader's language (gettext)."""
    return SEGLAB.gettext(message)


def N_(message: str) -> str:
    """Mark ``message`` for the catalogs without translating it now (translated where shown)."""
    return message


def Nn_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a message with a plural for the catalogs (a :class:`Note` chooses the form by its value
    ``n`` where it is shown).
    """
    return singular, plural


def ngettext(singular: str, plural: str, n: int) -> str:
    """Singular or plural of a message for ``n``, in the reader's language."""
    return SEGLAB.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` in the reader's language, in ``context`` (a notebook cell, a term)."""
    return SEGLAB.pgettext(context, message)


def notebook_context(stem: str, cell_id: str) -> str:
    """The catalogs' context of a notebook's markdown cell (``05_prioritization#55e523ad``)."""
    return f"{stem}#{cell_id}"
