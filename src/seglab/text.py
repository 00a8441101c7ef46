"""Text from data or parameters, made safe where it is shown: in a page (HTML and Markdown) and
in a CSV file opened by a spreadsheet.

Every value that comes from the data (a country, a category, a column name, a file name) or from
the parameters (a persona rule's name, an analyst's reason) goes through :func:`esc` before it is
put in Markdown or HTML that seglab writes, and through :func:`csv_cell` before it is written to
a CSV file. Tables shown in reports go through :func:`seglab.report.styled`, which escapes every
cell and header; the index and the persona cards are Jinja templates with autoescaping.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

#: The Content-Security-Policy of every page seglab writes (reports, index, the workshop's guide):
#: no script, no request; images and fonts only embedded, styles only inline.
CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; base-uri 'none'; form-action 'none'"
)

if TYPE_CHECKING:
    import pandas as pd

#: The letters Persian and Arabic write differently but readers take as one (ي = ی, ك = ک, ى = ی):
#: names and words compare equal through it, whatever keyboard or encoding wrote them.
SAME_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک"})

_MARKDOWN = re.compile(r"([\\`*_\[\]()#!|~{}])")


def esc(value) -> str:
    """``value`` as text that shows as itself in Markdown and HTML: Markdown's punctuation
    backslash-escaped (no link, image, emphasis or code can be made from it), then HTML's special
    characters as entities (no tag, script or attribute), and the ':' of a URL's '://' as an entity
    (a bare URL a customer typed shows as text, never as a link Markdown makes of it).
    """
    return html.escape(_MARKDOWN.sub(r"\\\1", str(value)), quote=True).replace("://", "&#58;//")


def ltr_code(html_text: str) -> str:
    """HTML (already escaped) as code, read left to right as written in every language: a parameter
    line, a file name, a row as its file wrote it (``<code dir="ltr">``).
    """
    return f'<code dir="ltr">{html_text}</code>'


def esc_list(items) -> str:
    """A Markdown bullet list of escaped items."""
    return "\n".join(f"- {esc(i)}" for i in items)


#: A cell starting with one of these is read by spreadsheets as a formula (OWASP: CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


_FORMULA = re.compile(r"'*[=+\-@\t\r]")


def csv_cell(value):
    """A text value made safe for a spreadsheet: one that starts like a formula (=, +, -, @, tab,
    carriage return) gets a leading apostrophe, which spreadsheets show as text. So that
    :func:`from_csv_cell` gives back every value exactly, a value that already starts with
    apostrophes and then a formula character gets one more. Numbers, dates and missing values
    are unchanged.
    """
    if isinstance(value, str) and _FORMULA.match(value):
        return "'" + value
    return value


def from_csv_cell(value):
    """The value :func:`csv_cell` was given (seglab reading its own CSV files back)."""
    if isinstance(value, str) and value.startswith("'") and _FORMULA.match(value):
        return value[1:]
    return value


def csv_safe(df: pd.DataFrame) -> pd.DataFrame:
    """The table with every text cell, and every column name, passed through :func:`csv_cell`
    (the raw values stay in the Parquet files).
    """
    import pandas as pd

    out = df.copy()
    for c in out.columns:
        col = out[c]
        if col.dtype == object or pd.api.types.is_string_dtype(col):
            out[c] = col.map(csv_cell, na_action="ignore")
    out.columns = [csv_cell(str(c)) for c in out.columns]
    return out
