"""Lenses and channels: each column's lens guessed from its name and channel names mapped."""

from __future__ import annotations

import re

import pandas as pd

from seglab import i18n
from seglab.collection import roles as roles_mod
from seglab.i18n import N_


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
