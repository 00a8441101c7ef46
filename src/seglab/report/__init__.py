"""Report helpers: formatted tables, persona cards and the run's index page."""

from __future__ import annotations

import html
import math
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from seglab.text import esc, esc_list

if TYPE_CHECKING:  # pandas loads with the first table (the index page needs none)
    import pandas as pd
    from pandas.io.formats.style import Styler

RESULT_COLORS = {"pass": "#1b9e77", "warn": "#e6ab02", "fail": "#d95f02"}


def styled(
    df: pd.DataFrame,
    percent: Iterable[str] = (),
    integer: Iterable[str] = (),
    decimals: Iterable[str] = (),
    money: Iterable[str] = (),
) -> Styler:
    """A table for people: thousands separators, percentages, no index."""
    fmt = {}
    fmt.update({c: "{:.1%}" for c in percent if c in df})
    fmt.update({c: "{:,.0f}" for c in integer if c in df})
    fmt.update({c: "{:,.2f}" for c in money if c in df})
    fmt.update({c: "{:.3f}" for c in decimals if c in df})
    import pandas as pd

    text = [c for c in df.columns if df[c].dtype == object or pd.api.types.is_string_dtype(df[c])]
    # every cell and header is HTML-escaped: a value such as <script> shows as text, never runs
    styler = df.style.format(na_rep="–", escape="html").format(fmt, na_rep="–", escape="html")
    styler = styler.format_index(escape="html", axis=0).format_index(escape="html", axis=1).hide(axis="index")
    if text and df.columns.is_unique and df.index.is_unique:  # words read from the left; numbers stay right-aligned
        styler = styler.set_properties(subset=text, **{"text-align": "left"})
        styler = styler.set_table_styles(
            {c: [{"selector": "th", "props": "text-align: left"}] for c in text}, overwrite=False
        )
    return styler


def md(template: str, **values):
    """Markdown for a notebook from a template written by seglab and ``values`` that may come from
    the data or the parameters: every value is escaped (:func:`seglab.text.esc`), so a country
    called ``<script>`` or a reason with a link shows as text.
    """
    from IPython.display import Markdown

    return Markdown(template.format(**{k: esc(v) for k, v in values.items()}))


def md_list(items) -> object:
    """A Markdown bullet list of escaped items (notes, assumptions)."""
    from IPython.display import Markdown

    return Markdown(esc_list(items))


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
    """Jinja with autoescaping: every value from data or parameters is escaped in the pages."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["j2", "html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _pct(v) -> str:
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.0%}"


def cards_html(cards: list[dict], colors: dict[int, str]) -> str:
    """Persona cards as self-contained HTML (inline styles): who they are, why the name, how to
    reach them, what to say and offer, what they are expected to do next, and their MIDAS check.
    """
    view = []
    for c in cards:
        rows = [
            ("Why this name", c.get("evidence", "")),
            ("Channel", f"{c['channel']}" + (f"; best time: {c['best_time']}" if c.get("best_time") else "")),
            ("Contact", c.get("contact", "")),
            ("Message", c["message"]),
            ("Offer", c.get("offer", "")),
            ("Buys most", c.get("top_categories", "")),
        ]
        if "buy_probability" in c:
            rows.append(
                (
                    "Next period",
                    f"{c['buy_probability']:.0%} likely to buy (churn risk {c['churn_risk']:.0%}); "
                    f"expected spend {c['expected_spend_per_customer']:,.0f} per customer, "
                    f"{c['expected_spend']:,.0f} in total",
                )
            )
        detail = c.get("midas_detail") or {}
        midas = (
            [(k[0], r, RESULT_COLORS.get(r, "#999")) for k, r in detail.items()]
            if detail
            else [(c["midas"], c["midas"], RESULT_COLORS.get(c["midas"], "#999"))]
        )
        known = c.get("revenue_share") is not None
        view.append(
            {
                "segment": c["segment"],
                "name": c["name"],
                "confidence": c["confidence"],
                "color": colors.get(c["segment"], "#555"),
                "customers": f"{c['customers']:,}",
                "customer_share": _pct(c["customer_share"]),
                "value_known": known,
                "revenue_share": _pct(c["revenue_share"]) if known else "",
                "value_per_customer": f"{c['value_per_customer']:,.0f}" if known else "",
                "traits": c["traits"],
                "rows": [(k, v) for k, v in rows if v],
                "midas": midas,
                "midas_overall": c["midas"],
            }
        )
    return _env().get_template("cards.html.j2").render(cards=view)


def render_index(context: dict) -> str:
    """reports/<run>/index.html from :func:`index_context` (templates/index.html.j2)."""
    from markupsafe import Markup

    ctx = dict(context)
    if ctx.get("cards") is not None:
        ctx["cards"] = Markup(ctx["cards"])  # rendered (and escaped) by cards.html.j2
    return _env().get_template("index.html.j2").render(**ctx)
