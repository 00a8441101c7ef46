"""Report helpers: formatted tables, persona cards and the run's index page."""

from __future__ import annotations

import html
from collections.abc import Iterable

import pandas as pd
from pandas.io.formats.style import Styler

RESULT_COLORS = {"pass": "#1b9e77", "warn": "#e6ab02", "fail": "#d95f02"}


def styled(df: pd.DataFrame, percent: Iterable[str] = (), integer: Iterable[str] = (),
           decimals: Iterable[str] = (), money: Iterable[str] = ()) -> Styler:
    """A table for people: thousands separators, percentages, no index."""
    fmt = {}
    fmt.update({c: "{:.1%}" for c in percent if c in df})
    fmt.update({c: "{:,.0f}" for c in integer if c in df})
    fmt.update({c: "{:,.2f}" for c in money if c in df})
    fmt.update({c: "{:.3f}" for c in decimals if c in df})
    text = [c for c in df.columns if df[c].dtype == object or pd.api.types.is_string_dtype(df[c])]
    styler = df.style.format(fmt, na_rep="–").hide(axis="index")
    if text and df.columns.is_unique and df.index.is_unique:  # words read from the left; numbers stay right-aligned
        styler = styler.set_properties(subset=text, **{"text-align": "left"})
        styler = styler.set_table_styles({c: [{"selector": "th", "props": "text-align: left"}] for c in text}, overwrite=False)
    return styler


def color_results(styler: Styler, columns: Iterable[str]) -> Styler:
    """Colour pass / warn / fail cells."""
    def paint(v):
        c = RESULT_COLORS.get(str(v))
        return f"background-color: {c}; color: white; font-weight: bold" if c else ""
    return styler.map(paint, subset=[c for c in columns if c in styler.data])


def badge(result: str, text: str) -> str:
    return (f'<span title="{html.escape(result)}" style="background:{RESULT_COLORS.get(result, "#999")};color:white;'
            f'padding:1px 6px;border-radius:3px;margin-right:3px;font-size:12px">{html.escape(text)}</span>')


def cards_html(cards: list[dict], colors: dict[int, str]) -> str:
    """Persona cards as self-contained HTML (inline styles): who they are, how to reach them,
    what to say and offer, what they are expected to do next, and their MIDAS check."""
    e = html.escape
    parts = ['<div class="persona-cards" style="display:flex;flex-wrap:wrap;gap:14px">']
    for c in cards:
        color = colors.get(c["segment"], "#555")
        traits = "".join(f"<li>{e(t)}</li>" for t in c["traits"])
        rows = [("Channel", f'{c["channel"]}' + (f'; best time: {c["best_time"]}' if c.get("best_time") else "")),
                ("Contact", c.get("contact", "")), ("Message", c["message"]), ("Offer", c.get("offer", "")),
                ("Buys most", c.get("top_categories", ""))]
        if "buy_probability" in c:
            rows.append(("Next period", f'{c["buy_probability"]:.0%} likely to buy (churn risk {c["churn_risk"]:.0%}); '
                                        f'expected spend {c["expected_spend_per_customer"]:,.0f} per customer, '
                                        f'{c["expected_spend"]:,.0f} in total'))
        detail = c.get("midas_detail") or {}
        midas = "".join(badge(r, k[0]) for k, r in detail.items()) if detail else badge(c["midas"], c["midas"])
        parts.append(
            f'<div class="persona-card" style="flex:1 1 340px;max-width:480px;border:1px solid #ddd;'
            f'border-top:6px solid {color};border-radius:6px;padding:10px 14px;font-family:sans-serif;font-size:14px;'
            f'background:#fff;line-height:1.4">'
            f'<div style="font-size:12px;color:#666">Segment S{c["segment"]} · name match: {e(str(c["confidence"]))}</div>'
            f'<div style="font-size:19px;font-weight:bold;margin:2px 0 6px">{e(c["name"])}</div>'
            f'<div><b>{c["customers"]:,}</b> customers ({c["customer_share"]:.0%}) · '
            f'<b>{c["revenue_share"]:.0%}</b> of net value · {c["value_per_customer"]:,.0f} per customer</div>'
            f'<ul style="margin:6px 0 6px 18px;padding:0">{traits}</ul>'
            + "".join(f"<div style='margin-top:3px'><b>{e(k)}:</b> {e(v)}</div>" for k, v in rows if v)
            + f'<div style="margin-top:6px"><b>MIDAS:</b> {midas} <span style="color:#666;font-size:12px">'
              f'(Measurable, Identifiable, Definable, Actionable, Viable; overall {e(c["midas"])})</span></div>'
            "</div>"
        )
    parts.append("</div>")
    return "".join(parts)
