"""Numbers, amounts, dates and periods in the reader's digits, separators, currency and calendar;
the embedded font; right-to-left isolation.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from functools import cache, lru_cache
from pathlib import Path

from seglab.i18n.messages import (
    DIGITS,
    FONT_DIR,
    FONT_FAMILY,
    FSI,
    HIJRI_MONTHS,
    JALALI_MONTHS,
    JALALI_SEASONS,
    NUMBERING,
    PDI,
    PERCENT_SIGN,
    pgettext,
    reader,
)

# --- numbers, amounts, dates ----------------------------------------------------------------


#: A decimal point or thousands comma between two ASCII digits (``0.45``, ``1,200``).
_NUMBER_MARK = re.compile(r"(?<=[0-9])[.,](?=[0-9])")


@cache
def _marks(language: str) -> dict[str, str]:
    """The decimal and group separators of ``language``'s digits (Persian ``٫`` and ``٬``)."""
    from babel.numbers import get_decimal_symbol, get_group_symbol

    ns = NUMBERING[language]
    return {
        ".": get_decimal_symbol(language, numbering_system=ns),
        ",": get_group_symbol(language, numbering_system=ns),
    }


def digits(text: str, language: str | None = None) -> str:
    """``text`` with ASCII digits written in the reader's digits (or ``language``'s), and the
    decimal point and thousands comma inside a number with their separators (``0.45`` → ``۰٫۴۵``).
    """
    language = language or reader().language
    table = DIGITS.get(language)
    if not table:
        return text
    marks = _marks(language)
    return _NUMBER_MARK.sub(lambda m: marks[m.group()], text).translate(table)


def is_missing(v) -> bool:
    """None or NaN: shown as a blank, never as a number."""
    return v is None or (isinstance(v, float) and math.isnan(v))


def number(v, decimals: int = 0, sign: bool = False, grouping: bool = True, language: str | None = None) -> str:
    """``v`` with thousands separators (unless ``grouping`` is False) and ``decimals`` decimals,
    in the reader's convention (or ``language``'s); ``–`` when missing.
    """
    if is_missing(v):
        return "–"
    language = language or reader().language
    spec = f"{'+' if sign else ''}{',' if grouping else ''}.{decimals}f"
    if language == "en":
        return format(v, spec)
    from babel.numbers import format_decimal, get_minus_sign_symbol, get_plus_sign_symbol

    pattern = ("#,##0" if grouping else "0") + ("." + "0" * decimals if decimals else "")
    value = round(float(v), decimals)
    ns = NUMBERING[language]
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
    if is_missing(v):
        return "–"
    language = language or reader().language
    if language == "en":
        return format(v, f"{'+' if sign else ''}.{decimals}%")
    return number(float(v) * 100, decimals, sign, language=language) + PERCENT_SIGN


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
    if is_missing(v):
        return "–"
    language = language or reader().language
    # (in percent, without the noise of the multiplication: 0.07 x 100 = 7.000000000000001)
    shown, d = _beside(round(float(v) * 100, 10), round(float(rule) * 100, 10), decimals, rule_side)
    if language == "en":
        return format(shown, f".{d}f") + "%"
    return number(shown, d, language=language) + PERCENT_SIGN


def percent_exact(v, most: int = _MAX_EXTRA_DECIMALS, language: str | None = None) -> str:
    """``v`` (a share: a rule such as 0.8 or 0.805) as a percentage with the decimals it has, up to
    ``most``: 80%, 80.5%; a rule is shown as it is applied, never rounded.
    """
    if is_missing(v):
        return "–"
    x = float(v) * 100
    d = next((d for d in range(most + 1) if abs(round(x, d) - x) < 1e-9), most)
    return percent(v, d, language=language)


def number_beside(v, rule: float, decimals: int = 2, rule_side: str = "above", language: str | None = None) -> str:
    """``v`` as a number that never reads on the other side of ``rule`` (0.4996 against "high at or
    above 0.5" is 0.4996, never 0.50): see :func:`percent_beside`.
    """
    if is_missing(v):
        return "–"
    shown, d = _beside(float(v), float(rule), decimals, rule_side)
    return number(shown, d, grouping=False, language=language)


def currency_unit() -> str:
    """How amounts are labelled: the symbol of ``report.currency`` in the reader's language
    (an ISO 4217 code such as EUR), the text as given otherwise, "" when no currency is set.
    """
    code = reader().currency
    if not code:
        return ""
    from babel.numbers import get_currency_symbol, is_currency

    if is_currency(code):
        locale = "en" if reader().language == "en" else reader().language
        return get_currency_symbol(code, locale=locale)
    return local_unit(code)


#: How the toman (no ISO 4217 code, but the README suggests ``report.currency: toman``) may be
#: written: shown in the reader's language.
TOMAN = frozenset({"toman", "tomans", "تومان", "tmn"})


def local_unit(code: str) -> str:
    """A unit that is no ISO code in the reader's language when seglab knows it (``toman`` ->
    ``تومان``), else as written.
    """
    if code.strip().lower() in TOMAN:
        return pgettext("currency unit", "toman")
    return code


def money(v, decimals: int = 0) -> str:
    """An amount with the currency of ``report.currency`` (none when it is not set)."""
    if is_missing(v):
        return "–"
    unit = currency_unit()
    text = number(v, decimals)
    if not unit:
        return text
    if reader().language == "en" and len(unit) == 1:
        return ("-" if float(v) < 0 else "") + unit + text.lstrip("-")
    return f"{text}\u00a0{unit}"


def as_day(value) -> _dt.date | None:
    """A date, timestamp or ISO text as a calendar day (None when missing)."""
    if is_missing(value) or value == "":
        return None
    import pandas as pd

    ts = pd.Timestamp(value)
    return None if pd.isna(ts) else ts.date()


def date(value, month_name: bool = True) -> str:
    """A date in the reader's calendar: ISO (2024-03-05) in English; ۱۵ اسفند ۱۴۰۲ in Persian
    (Jalali), ٥ مارس ٢٠٢٤ in Arabic, or the Hijri (Umm al-Qura) date with ``report.calendar: hijri``.
    """
    d = as_day(value)
    if d is None:
        return "–"
    cal = reader().calendar_used
    if reader().language == "en" and cal == "gregorian":
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

        locale = "en" if reader().language == "en" else reader().language
        text = format_date(d, "d MMMM y" if month_name else "y/MM/dd", locale=locale)
    return digits(text)


def season(value) -> str:
    """The season and year of a date in the reader's calendar (Jalali: بهار ۱۴۰۳), for periods."""
    return _period_name(value, "season")


def month(value) -> str:
    """The month and year of a date in the reader's calendar (Jalali: مهر ۱۴۰۳)."""
    return _period_name(value, "month")


def _period_name(value, kind: str) -> str:
    d = as_day(value)
    if d is None:
        return "–"
    if reader().calendar_used == "jalali":
        import jdatetime

        j = jdatetime.date.fromgregorian(date=d)
        name = JALALI_SEASONS[(j.month - 1) // 3] if kind == "season" else JALALI_MONTHS[j.month - 1]
        return digits(f"{name} {j.year}")
    if kind == "season":
        return date(value)
    if reader().language == "en":
        return d.strftime("%Y-%m")
    from babel.dates import format_date

    return digits(format_date(d, "MMMM y", locale=reader().language))


def isolate(text) -> str:
    """``text`` wrapped in Unicode isolates when the reader reads right to left: a number, a
    percentage or a Latin name inside a Persian sentence keeps its own direction.
    """
    return f"{FSI}{text}{PDI}" if reader().rtl else str(text)


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
    r = reader()
    return {
        "lang": r.language,
        "dir": r.direction,
        "rtl": r.rtl,
        "font_css": font_css() if r.rtl else "",
        "font_family": f"'{FONT_FAMILY}'," if r.rtl else "",
    }


def join(items) -> str:
    """Items joined with the reader's comma (``, `` or ``، ``)."""
    return ("، " if reader().rtl else ", ").join(str(i) for i in items)


def currency_name() -> str:
    """The currency of the amounts in words: ``euro (EUR, €)``; the unit as given when it is not
    an ISO 4217 code; "" when ``report.currency`` is not set.
    """
    code = reader().currency
    if not code:
        return ""
    from babel.numbers import get_currency_name, is_currency

    if not is_currency(code):
        return local_unit(code)
    locale = "en" if reader().language == "en" else reader().language
    name = get_currency_name(code, locale=locale)
    if reader().rtl:  # the code is code: isolated left to right, after a comma of the reader's script
        return f"{name} ({join([isolate(code), currency_unit()])})"
    return f"{name} ({code}, {currency_unit()})"
