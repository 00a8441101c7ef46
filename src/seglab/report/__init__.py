"""Report helpers: formatted tables, persona cards and the run's index page."""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from seglab.text import esc, esc_list, ltr_code
from seglab.vocabulary import segment_code

if TYPE_CHECKING:  # pandas loads with the first table (the index page needs none)
    import pandas as pd
    from pandas.io.formats.style import Styler

__all__ = [
    "FEATURE_COLUMNS",
    "Formats",
    "RESULT_COLORS",
    "TEMPLATES",
    "badge",
    "cards_html",
    "color_results",
    "md",
    "md_list",
    "readable_number",
    "render_index",
    "said",
    "styled",
    "yes_no",
]

RESULT_COLORS = {"pass": "#1b9e77", "warn": "#e6ab02", "fail": "#d95f02"}
#: The letter of a MIDAS criterion on the cards other than its first: M I D A S, as the seeds name the
#: check (its fifth criterion, viable, is read as Sustainable).
MIDAS_LETTERS = {"Viable": "S"}


@dataclass(frozen=True)
class Formats:
    """How :func:`styled` shows the columns it is told about (a column not named in the table is
    ignored; a column nobody names is shown by its type).

    Attributes
    ----------
    percent : iterable of str
        Shares (0..1) as percentages with one decimal.
    integer : iterable of str
        Whole numbers with thousands separators.
    decimals : iterable of str
        Indices and scores with three decimals, no separators.
    money : iterable of str
        Amounts with two decimals and the currency.
    numbers : iterable of str
        Other numbers with two decimals.
    """

    percent: Iterable[str] = ()
    integer: Iterable[str] = ()
    decimals: Iterable[str] = ()
    money: Iterable[str] = ()
    numbers: Iterable[str] = ()


def styled(df: pd.DataFrame, formats: Formats | None = None, as_is: bool = False, code_names: bool = False) -> Styler:
    """A table for people, in the reader's language (:mod:`seglab.i18n`): readable headers
    (:func:`seglab.report.labels.header`), thousands separators, percentages, amounts with the
    currency (``formats``: how the columns it names are shown), the reader's digits, the method's
    words translated (not with ``as_is``: a table of the data itself), no index. ``code_names``:
    each header also gives the column's name as code writes it (``timestamp`` under "order time"),
    for readers who go on to write code on the table (the workshop).
    """
    import pandas as pd

    from seglab import i18n

    formats = formats or Formats()
    df = said(df)
    fmt = {}
    fmt.update({c: (lambda v: i18n.percent(v, 1)) for c in formats.percent if c in df})
    fmt.update({c: i18n.number for c in formats.integer if c in df})
    fmt.update({c: (lambda v: i18n.money(v, 2)) for c in formats.money if c in df})  # amounts, with their currency
    fmt.update({c: (lambda v: i18n.number(v, 2)) for c in formats.numbers if c in df})  # other numbers, 2 decimals
    fmt.update({c: (lambda v: i18n.number(v, 3, grouping=False)) for c in formats.decimals if c in df})
    text = [c for c in df.columns if df[c].dtype == object or pd.api.types.is_string_dtype(df[c])]
    if df.columns.is_unique:
        fmt.update(_default_formats(df, fmt, as_is))
    if i18n.reader().language != "en" and df.columns.is_unique:
        fmt.update(_reader_formats(df, fmt, text, as_is))
    if df.columns.is_unique:  # a parameter line, a row as its file wrote it: left to right in every language
        fmt.update({c: _code_line(fmt.get(c)) for c in CODE_COLUMNS if c in text})
        fmt.update({c: _as_written(fmt.get(c)) for c in AS_WRITTEN_COLUMNS if c in text})
    # every cell and header is HTML-escaped: a value such as <script> shows as text, never runs
    styler = df.style.format(na_rep="–", escape="html").format(fmt, na_rep="–", escape="html")
    shown_header = _header_with_code_name if code_names else _shown_header
    styler = styler.format_index(escape="html", axis=0).format_index(shown_header, escape="html", axis=1)
    styler = styler.hide(axis="index")
    words = text + [c for c in df.columns if fmt.get(c) is yes_no and c not in text]  # yes / no read as words
    if words and df.columns.is_unique and df.index.is_unique:  # words read from the start; numbers at the end
        styler = styler.set_properties(subset=words, **{"text-align": "start"})
        styler = styler.set_table_styles(
            {c: [{"selector": "th", "props": "text-align: start"}] for c in words}, overwrite=False
        )
        styler = _roomy(styler, df, text)
    return styler


def _roomy(styler: Styler, df: pd.DataFrame, text: list) -> Styler:
    """Room for the columns of long texts (reasons, evidence): on a phone the table scrolls
    sideways instead of squeezing them into columns a word wide and rows a screen tall.
    """
    long = [c for c in text if df[c].astype(str).str.len().max() > 60] if len(df) else []
    if not long:
        return styler
    return styler.set_table_styles({c: [{"selector": "td", "props": "min-width: 16em"}] for c in long}, overwrite=False)


def said(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every note in it (a :class:`seglab.i18n.Note` or the data a file keeps of one)
    made into its sentence in the reader's language; ``df`` itself when it holds none.
    """
    from seglab import i18n

    if not df.columns.is_unique:
        return df
    import numpy as np
    import pandas as pd

    text = [c for c, t in df.dtypes.items() if pd.api.types.is_object_dtype(t) or pd.api.types.is_string_dtype(t)]
    if not text:
        return df
    found = np.frompyfunc(i18n.is_note, 1, 1)(df[text].to_numpy(dtype=object)).astype(bool).any(axis=0)
    columns = [c for c, hit in zip(text, found, strict=True) if hit]  # (one pass over every cell: wide tables)
    if not columns:
        return df
    out = df.copy()
    for c in columns:
        out[c] = out[c].astype(object).map(lambda v: i18n.say(v) if i18n.is_note(v) else v)
    return out


def _default_formats(df: pd.DataFrame, given: dict, as_is: bool) -> dict:
    """How a column nobody formatted is shown: yes / no for True / False, counts with thousands
    separators, other numbers with sensible decimals (:func:`readable_number`); in a table of the
    data itself (``as_is``) whole numbers keep their digits as written (they may be codes or years).
    """
    import pandas as pd

    fmt = {}
    for c in df.columns:
        if c in given:
            continue
        col = df[c]
        flags = col.dtype == object and col.notna().any() and col.dropna().map(type).eq(bool).all()
        if pd.api.types.is_bool_dtype(col) or flags:
            fmt[c] = yes_no
        elif pd.api.types.is_integer_dtype(col) and not as_is and not _code_like(c):
            fmt[c] = _count
        elif pd.api.types.is_float_dtype(col):
            fmt[c] = (lambda v: readable_number(v, grouping=False)) if as_is or _code_like(c) else readable_number
    return fmt


def _code_like(column) -> bool:
    """A numeric column that names things rather than counts them (a year, an id, a code, k)."""
    return bool(re.search(r"(^|_)(year|id|code|k|segment|period|source_row|row)($|_)", str(column).lower()))


def yes_no(v) -> str:
    """True / False as a reader says it: yes / no (in the reader's language); missing: –."""
    from seglab.i18n import _

    if v is None or (isinstance(v, float) and v != v):
        return "–"
    return _("yes") if bool(v) else _("no")


def _count(v) -> str:
    from seglab import i18n

    return i18n.number(v)


def readable_number(v, grouping: bool = True) -> str:
    """A number for people: whole numbers as such, 1,234 from 100 up, 12.35 from 1, 0.123 below
    (thousands separators and digits of the reader's language).
    """
    from seglab import i18n

    if v is None or (isinstance(v, float) and v != v):
        return "–"
    x = float(v)
    if x == int(x) and abs(x) < 1e15:
        decimals = 0
    elif abs(x) >= 100:
        decimals = 0
    elif abs(x) >= 1:
        decimals = 2
    else:
        decimals = 3
    return i18n.number(x, decimals, grouping=grouping)


def _reader_formats(df: pd.DataFrame, given: dict, text: list, as_is: bool) -> dict:
    """For a reader of another language: the reader's digits in every other number and the
    method's words (quadrants, results, feature names, archetypes) translated; ``as_is``: a table
    of the data itself, whose words stay as the data has them.
    """
    import pandas as pd

    from seglab import i18n

    fmt = {}
    for c in df.columns:
        if c in given or (as_is and (c in text or pd.api.types.is_bool_dtype(df[c]))):
            continue
        if c in FEATURE_COLUMNS and c in text:
            fmt[c] = _shown_feature
        elif c == "archetype" and c in text:
            fmt[c] = _shown_archetype
        elif c in text:
            fmt[c] = _shown_text
        elif pd.api.types.is_bool_dtype(df[c]):
            fmt[c] = lambda v: i18n.term(str(v))
        elif pd.api.types.is_numeric_dtype(df[c]):
            fmt[c] = _shown_number
    return fmt


#: Columns whose values are a parameter line (``key: value``, then maybe a note after two spaces).
CODE_COLUMNS = ("change",)


def _code_line(inner=None):
    """A formatter: the parameter line as ``<code dir="ltr">`` (a right-to-left value such as
    ``name: پرسونا`` keeps its place in the line), its note after it (``inner``: the column's
    other formatter, on the text pandas escaped already).
    """

    def shown(v) -> str:
        if not isinstance(v, str):
            return v
        text = inner(v) if inner else v
        line, _sep, note = text.partition("  ")
        return ltr_code(line) + (f" <bdi>{note.strip()}</bdi>" if note.strip() else "")

    return shown


#: Columns whose values are data as the input file wrote them (a rejected row's values): shown as
#: written, left to right, never in the reader's digits.
AS_WRITTEN_COLUMNS = ("values",)


def _as_written(inner=None):
    """A formatter: the value (escaped by pandas) as ``<code dir="ltr">``."""

    def shown(v) -> str:
        return ltr_code(inner(v) if inner else v) if isinstance(v, str) else v

    return shown


#: Columns whose values are feature names: shown by their labels to a reader of another language.
FEATURE_COLUMNS = ("feature", "feature_a", "feature_b")


def _shown_feature(v) -> str:
    # pandas escapes a text before the formatter sees it: look up the text itself, escape the label
    from seglab.report.labels import header

    return html.escape(header(html.unescape(v))) if isinstance(v, str) else v


def _shown_header(column) -> str:
    from seglab.report.labels import header

    return html.escape(header(html.unescape(column))) if isinstance(column, str) else header(column)


def _header_with_code_name(column) -> str:
    """The readable header, and under it the column's name as code writes it (when they differ)."""
    shown = _shown_header(column)
    if not isinstance(column, str) or html.unescape(shown) == html.unescape(column):
        return shown
    return f'{shown}<br><code dir="ltr">{column}</code>'  # (column: already HTML-escaped)


def _shown_archetype(v) -> str:
    from seglab import i18n
    from seglab.personas import PERSONA_NAMES

    return html.escape(i18n.term(PERSONA_NAMES.get(html.unescape(v), html.unescape(v)))) if isinstance(v, str) else v


def _shown_text(v) -> str:
    from seglab import i18n

    if isinstance(v, str):  # (escaped by pandas: the catalogs know the text itself)
        return html.escape(i18n.term(html.unescape(v)))
    return i18n.digits(str(v))


def _shown_number(v) -> str:
    from seglab import i18n

    if isinstance(v, float):
        return readable_number(v)
    return i18n.digits(str(v))


def md(template: str, **values):
    """Markdown for a notebook from a template written by seglab (translated into the reader's
    language from the catalogs) and ``values`` that may come from the data or the parameters:
    every value is escaped (:func:`seglab.text.esc`), so a country called ``<script>`` or a
    reason with a link shows as text.
    """
    from IPython.display import Markdown

    from seglab import i18n
    from seglab.i18n import _

    said = {k: i18n.say(v) if i18n.is_note(v) else v for k, v in values.items()}  # a note: its sentence
    return Markdown(_(template).format(**{k: esc(v) for k, v in said.items()}))


def md_list(items) -> object:
    """A Markdown bullet list of escaped items (notes, assumptions), in the reader's language
    where the item is one of seglab's sentences.
    """
    from IPython.display import Markdown

    from seglab import i18n

    return Markdown(esc_list(i18n.say(i) for i in items))


def color_results(styler: Styler, columns: Iterable[str]) -> Styler:
    """Colour pass / warn / fail cells."""

    def paint(v):
        c = RESULT_COLORS.get(str(v))
        return f"background-color: {c}; color: white; font-weight: bold" if c else ""

    return styler.map(paint, subset=[c for c in columns if c in styler.data])


def badge(result: str, text: str) -> str:
    """A coloured pass / warn / fail badge (HTML, escaped)."""
    return (
        f'<span title="{html.escape(result)}" style="background:{RESULT_COLORS.get(result, "#999")};color:white;'
        f'padding:1px 6px;border-radius:3px;margin-right:3px;font-size:12px">{html.escape(text)}</span>'
    )


TEMPLATES = Path(__file__).parent / "templates"


def _env():
    """Jinja with autoescaping (every value from data or parameters is escaped in the pages) and
    gettext (``_()`` in a template: the text in the reader's language, :mod:`seglab.i18n`); one
    per reader and process, so each template is compiled once.
    """
    from seglab import i18n

    return _env_for(i18n.reader())


@functools.cache
def _env_for(reader):
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    from markupsafe import Markup, escape

    from seglab import i18n
    from seglab.text import CSP

    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["j2", "html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(i18n._, i18n.ngettext, newstyle=True, pgettext=i18n.pgettext)
    env.globals.update(
        csp=CSP,
        code=lambda text: Markup(ltr_code(escape(text))),
        bold=lambda text: Markup("<b>%s</b>") % escape(text),
        # a file's name is code: left to right as written (audience_S1_loyal.csv)
        link=lambda href, text: Markup('<a href="%s" download><bdi dir="ltr">%s</bdi></a>') % (href, text),
        # the font rules go into <style> as they are (seglab's own text, never from data)
        page={k: Markup(v) if k in ("font_css", "font_family") else v for k, v in i18n.page_context().items()},
    )
    return env


def _lifetime_text(c: dict) -> str:
    """A card's lifetime value, its interval and the share still customers (or why not measured)."""
    from seglab import i18n
    from seglab.i18n import _

    values = {
        "value": i18n.money(c["lifetime_value"]),
        "months": i18n.number(c["lifetime_months"]),
        "low": i18n.money(c["lifetime_value_low"]),
        "high": i18n.money(c["lifetime_value_high"]),
    }
    if c.get("p_alive") is None:
        return (
            _(
                "%(value)s per customer over the next %(months)s months (80%% interval of the segment's average: "
                "%(low)s to %(high)s); share still customers not measured: the history shows almost no customer "
                "leaving"
            )
            % values
        )
    return _(
        "%(value)s per customer over the next %(months)s months (80%% interval of the segment's "
        "average: %(low)s to %(high)s); %(alive)s still customers"
    ) % {**values, "alive": i18n.percent(c["p_alive"])}


def cards_html(cards: list[dict], colors: dict[int, str], midas=None) -> str:
    """Persona cards as self-contained HTML (inline styles): who they are, why the name, how to
    reach them, what to say and offer, what they are expected to do next, and their MIDAS check;
    in the reader's language (:mod:`seglab.i18n`). ``midas``: the MIDAS table (records or a
    DataFrame: segment, criterion, result, evidence), whose evidence for every criterion that is
    not a pass is written on the card (visible on a phone, where nothing hovers).
    """
    from seglab import i18n
    from seglab.i18n import _

    records = midas.to_dict("records") if hasattr(midas, "to_dict") else list(midas or [])
    concerns: dict[int, list[str]] = {}
    for r in records:
        if str(r.get("result")) in ("warn", "fail"):
            concerns.setdefault(int(r["segment"]), []).append(
                _("%(criterion)s (%(result)s): %(evidence)s")
                % {
                    "criterion": i18n.term(str(r["criterion"])),
                    "result": i18n.term(str(r["result"])),
                    "evidence": i18n.say(r.get("evidence") or ""),
                }
            )
    view = []
    for c in cards:
        channel = i18n.term(c["channel"])
        if c.get("best_time"):
            channel = _("%(channel)s; best time: %(time)s") % {"channel": channel, "time": i18n.term(c["best_time"])}
        rows = [
            (_("Why this name"), i18n.term(c.get("evidence", ""))),
            (_("Channel"), channel),
            (_("Contact"), i18n.term(c.get("contact", ""))),
            (_("Message"), i18n.term(c["message"])),
            (_("Offer"), i18n.term(c.get("offer", ""))),
            (_("Buys more than average"), i18n.say(c.get("top_categories", ""))),
            (_("Lifecycle"), i18n.say(c.get("lifecycle", ""))),
            (_("Outcomes"), i18n.say(c.get("outcomes", ""))),
        ]
        if "buy_probability" in c:
            rows.append(
                (
                    _("Next period"),
                    _(
                        "%(probability)s likely to buy (churn risk %(risk)s); expected spend %(spend)s per customer, "
                        "%(total)s in total"
                    )
                    % {
                        "probability": i18n.percent(c["buy_probability"]),
                        "risk": i18n.percent(c["churn_risk"]),
                        "spend": i18n.money(c["expected_spend_per_customer"]),
                        "total": i18n.money(c["expected_spend"]),
                    },
                )
            )
        if c.get("lifetime_value") is not None:
            rows.append((_("Lifetime value"), _lifetime_text(c)))
        detail = c.get("midas_detail") or {}
        midas = (
            # the letters of MIDAS, as the seed articles keep them in Persian and Arabic too
            [
                (MIDAS_LETTERS.get(k, k[:1].upper()), i18n.term(r), RESULT_COLORS.get(r, "#999"))
                for k, r in detail.items()
            ]
            if detail
            else [(i18n.term(c["midas"]), i18n.term(c["midas"]), RESULT_COLORS.get(c["midas"], "#999"))]
        )
        known = c.get("revenue_share") is not None
        view.append(
            {
                "label": segment_code(c["segment"]),
                "name": i18n.term(c["name"]),
                "confidence": i18n.term(c["confidence"]),
                "color": colors.get(c["segment"], "#555"),
                "size_text": _env_markup(
                    _("%(customers)s customers (%(share)s)"),
                    customers=("b", i18n.number(c["customers"])),
                    share=i18n.percent(c["customer_share"]),
                ),
                "value_known": known,
                "value_text": _env_markup(
                    _("%(share)s of value · %(amount)s per customer"),
                    share=("b", i18n.percent(c["revenue_share"])),
                    amount=i18n.money(c["value_per_customer"]),
                )
                if known
                else "",
                "traits": [i18n.term(t) for t in c["traits"]],
                "rows": [(k, v) for k, v in rows if v],
                "midas": midas,
                "midas_overall": i18n.term(c["midas"]),
                "midas_concerns": concerns.get(int(c["segment"]), []),
            }
        )
    return _env().get_template("cards.html.j2").render(cards=view)


def _env_markup(template: str, **values):
    """``template % values`` as HTML: values escaped, a ``("b", text)`` value in bold."""
    from markupsafe import Markup, escape

    shown = {k: (Markup("<b>%s</b>") % v[1]) if isinstance(v, tuple) else escape(v) for k, v in values.items()}
    return Markup(escape(template)) % shown


def render_index(context: dict) -> str:
    """reports/<run>/index.html from :func:`index_context` (templates/index.html.j2)."""
    from markupsafe import Markup

    ctx = dict(context)
    if ctx.get("cards") is not None:
        ctx["cards"] = Markup(ctx["cards"])  # rendered (and escaped) by cards.html.j2
    return _env().get_template("index.html.j2").render(**ctx)
