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
    return df.style.format(fmt, na_rep="–").hide(axis="index")


def color_results(styler: Styler, columns: Iterable[str]) -> Styler:
    """Colour pass / warn / fail cells."""
    def paint(v):
        c = RESULT_COLORS.get(str(v))
        return f"background-color: {c}; color: white; font-weight: bold" if c else ""
    return styler.map(paint, subset=[c for c in columns if c in styler.data])


def cards_html(cards: list[dict], colors: dict[int, str]) -> str:
    """Persona cards as self-contained HTML (inline styles)."""
    parts = ['<div style="display:flex;flex-wrap:wrap;gap:14px">']
    for c in cards:
        color = colors.get(c["segment"], "#555")
        midas = c["midas"]
        traits = "".join(f"<li>{html.escape(t)}</li>" for t in c["traits"])
        parts.append(
            f'<div style="flex:1 1 300px;max-width:420px;border:1px solid #ddd;border-top:6px solid {color};'
            f'border-radius:6px;padding:10px 14px;font-family:sans-serif;font-size:14px;background:#fff">'
            f'<div style="font-size:12px;color:#666">Segment S{c["segment"]} · match: {html.escape(str(c["confidence"]))}</div>'
            f'<div style="font-size:19px;font-weight:bold;margin:2px 0 6px">{html.escape(c["name"])}</div>'
            f'<div><b>{c["customers"]:,}</b> customers ({c["customer_share"]:.0%}) · '
            f'<b>{c["revenue_share"]:.0%}</b> of net value · {c["value_per_customer"]:,.0f} per customer</div>'
            f'<ul style="margin:6px 0 6px 18px;padding:0">{traits}</ul>'
            f'<div><b>Channel:</b> {html.escape(c["channel"])}</div>'
            f'<div><b>Message:</b> {html.escape(c["message"])}</div>'
            f'<div style="margin-top:6px"><b>MIDAS:</b> <span style="background:{RESULT_COLORS.get(midas, "#999")};'
            f'color:white;padding:1px 6px;border-radius:3px">{midas}</span></div>'
            "</div>"
        )
    parts.append("</div>")
    return "".join(parts)
