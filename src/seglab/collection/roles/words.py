"""What a guessed role is called and the parameter line that changes it; which columns hold the
customers' value, and why none does.
"""

from __future__ import annotations

import itertools
import os
import re

import numpy as np
import pandas as pd

from seglab import i18n
from seglab.collection.roles.kinds import CHANNEL_SYNONYMS, MONEY_NAME, TOTAL_NAME, Role, role_key
from seglab.config import BEHAVIOUR_ROLES
from seglab.i18n import N_
from seglab.text import SAME_LETTERS

_CHANGES = {
    "empty": ("ignore", "[{col}]"),
    "binary": ("ignore", "[{col}]"),
    "category": ("ignore", "[{col}]"),
    "text": ("ignore", "[{col}]"),
    "signup": ("dates", "[{col}]"),
    "date": ("signup", "{col}"),
    "flag": ("codes", "[{col}]"),
    "code": ("behaviour", "{{orders: {col}}}"),
    "sentinel": ("sentinels", "{{{col}: {sentinel:g}}}"),
    "score": ("value", "[{col}]"),
    "percent": ("value", "[{col}]"),
    "money": ("value", "[...]"),
    "outcome": ("numbers", "[{col}]"),
}
IF_A_CODE = N_("(if it is a code)")
#: What each parameter line of :data:`_CHANGES` does, for the reader.
_CHANGE_COMMENTS = {
    "empty": N_("(to leave it out)"),
    "binary": N_("(to leave it out)"),
    "category": N_("(to leave it out)"),
    "text": N_("(to leave it out)"),
    "signup": N_("(if it is not the join date)"),
    "date": N_("(if it is the join date)"),
    "flag": N_("(if it is a category)"),
    "code": N_("(if it is a count, not a code)"),
    "sentinel": N_("(or roles.ignore: [%(col)s])"),
    "score": N_("(only if it is money)"),
    "percent": N_("(only if it is money)"),
    "money": N_("(the columns that are customer value)"),
    "outcome": N_("(if it is behaviour, not an outcome: it is then clustered on)"),
}
#: The line of a spike read as unknown, for a reader who knows the value is real.
SPIKE_IS_REAL = N_(
    "(if %(value)s is a real value; roles.sentinels: {%(col)s: %(value)s} says that it means unknown or never)"
)


def change_line(r: Role, table: str) -> i18n.Note | str:
    """The parameter line that changes what was assumed about a column, with what it does (a note)."""
    if r.kind == "constant":
        return N_("nothing to change: it cannot tell customers apart")
    if r.kind == "id":
        return changed_by(f"source.tables.{table}.columns.customer_id: {r.label}", N_("(if it is the customer id)"))
    if r.spike:
        comment = i18n.Note.of(SPIKE_IS_REAL, value=f"{r.spike['value']:g}", col=r.label)
        return changed_by(f"{role_key(table, 'numbers')}: [{r.label}]", comment)
    if r.kind == "outcome" and r.levels:
        return changed_by(f"{role_key(table, 'flags')}: [{r.label}]", _CHANGE_COMMENTS["outcome"])
    key, line = _CHANGES.get(r.kind, ("codes", "[{col}]"))
    value = line.format(col=r.label, sentinel=r.sentinel if r.sentinel is not None else 0)
    comment = _CHANGE_COMMENTS.get(r.kind, IF_A_CODE)
    return changed_by(
        f"{role_key(table, key)}: {value}", i18n.Note.of(comment, col=r.label) if "%(col)s" in comment else comment
    )


def changed_by(line: str, comment) -> i18n.Note:
    """A parameter line and, after it, what it does (a message id or a note) for the reader."""
    return i18n.Note.of(N_("%(line)s  %(comment)s"), line=line, comment=i18n.worded(comment))


def kind_text(r: Role) -> i18n.Note:
    """What a column was taken to be, with its lens (a note)."""
    if r.kind == "binary":
        base = i18n.Note.of(N_("a 0/1 column for '%(level)s'"), level=(r.levels or [""])[0])
    elif r.kind == "sentinel":
        marker = i18n.as_g(r.sentinel or 0)
        base = i18n.Note.of(
            N_("a number with %(marker)s = unknown") if r.spike else N_("a number with %(marker)s = never"),
            marker=marker,
        )
    elif r.kind == "outcome":
        base = i18n.as_term(OUTCOME_TEXT[r.outcome or "unknown"])
        if r.levels:
            level = i18n.Note.of(N_("('%(level)s' = 1)"), level=r.levels[0])
            base = i18n.Note.of(N_("%(first)s %(second)s"), first=base, second=level)
    else:
        base = i18n.as_term(KIND_TEXT[r.kind])
    if r.behaviour:
        base = (
            i18n.Note.of(N_("purchases on the %(channel)s channel"), channel=i18n.as_term(r.behaviour.split(":")[1]))
            if r.behaviour.startswith("channel:")
            else i18n.as_term(BEHAVIOUR_ROLES.get(r.behaviour, r.behaviour))
        )
    return i18n.Note.of(N_("%(what)s (%(lens)s)"), what=base, lens=i18n.as_term(r.lens))


#: What a column of each kind is taken to be (binary and sentinel columns say their value).
KIND_TEXT = {
    "constant": N_("left out (constant)"),
    "empty": N_("left out (empty)"),
    "id": N_("an identifier, left out"),
    "signup": N_("the join date"),
    "date": N_("a date, not a feature"),
    "flag": N_("a yes/no flag"),
    "category": N_("a category"),
    "text": N_("text, profiled only"),
    "code": N_("a code (category)"),
    "score": N_("a score (not money)"),
    "share": N_("a share 0..1 (not money)"),
    "percent": N_("a percentage 0..100 (not money)"),
    "money": N_("money"),
    "count": N_("a count or amount"),
    "number": N_("a number"),
    "ignore": N_("left out"),
}


#: What an outcome is taken to be, by the way that is good for the business.
OUTCOME_TEXT = {
    "good": N_("an outcome (higher is better), not clustered"),
    "bad": N_("an outcome (higher is worse), not clustered"),
    "unknown": N_("an outcome, not clustered"),
}


def shown_number(v) -> str:
    """A number as Python's ``:g`` writes it, in the reader's digits."""
    return i18n.digits(f"{float(v):g}")


def guess_value(df: pd.DataFrame, roles: dict[str, Role], table: str) -> dict:
    """Which columns hold the customers' value (money of the behavioural lens), with how it was found."""
    money = [c for c, r in roles.items() if r.kind == "money" and r.lens == "behavioural"]
    if not money:
        return {"columns": [], "how": "unknown", "why": _no_value_why(df, roles)}
    totals = [c for c in money if re.search(TOTAL_NAME, c.lower())]
    if len(totals) == 1:
        return {
            "columns": totals,
            "how": "guessed",
            "why": i18n.Note.of(N_("the money column named as a total (of %(n)s)"), n=len(money)),
        }
    x = df[money].astype(float)
    if len(money) <= 12:
        for c in money:
            others = [o for o in money if o != c]
            for k in range(2, min(4, len(others)) + 1):
                for parts in itertools.combinations(others, k):
                    close = np.isclose(x[c], x[list(parts)].sum(axis=1), rtol=0.01, atol=1.0)
                    if close.mean() >= 0.95 and (x[c] > 0).mean() > 0.05:
                        return {
                            "columns": [c],
                            "how": "guessed",
                            "why": i18n.Note.of(
                                N_("it is the sum of %(parts)s in %(share)s of rows"),
                                parts=" + ".join(roles[p].label for p in parts),
                                share=i18n.as_percent(close.mean()),
                            ),
                        }
    family = _family(money)
    if family:
        return {
            "columns": family,
            "how": "guessed",
            "family": True,
            "why": i18n.Note.of(N_("the sum of %(n)s spend columns of one family (spend per category)"), n=len(family)),
        }
    if len(money) == 1:
        return {"columns": money, "how": "guessed", "why": N_("the only column named like money")}
    return {
        "columns": [],
        "how": "unknown",
        "why": i18n.Note.of(
            N_("several money columns (%(columns)s) and none is their total: say which is customer value"),
            columns=[roles[c].label for c in money],
        ),
    }


def _no_value_why(df: pd.DataFrame, roles: dict[str, Role]) -> str:
    """Why no column is the customer value: none is named like money, or those that are cannot be
    spend (negative values, text, a lens other than behaviour), or they are scores or shares.
    """
    named = [c for c, r in roles.items() if re.search(MONEY_NAME, c.lower()) and r.kind not in ("money", "constant")]
    scores = [r.label for c, r in roles.items() if r.kind in ("score", "share", "percent") and c not in named]
    reasons = []
    for c in named:
        r = roles[c]
        v = df[c]
        why = (
            N_("not numbers")
            if not pd.api.types.is_numeric_dtype(v)
            else N_("negative values")
            if (v < 0).any()
            else N_("a score or a share")
            if r.kind in ("score", "share", "percent")
            else r.lens
            if r.lens != "behavioural"
            else KIND_TEXT.get(r.kind, r.kind)
        )
        reasons.append(i18n.Note.of(N_("%(first)s (%(second)s)"), first=r.label, second=i18n.as_term(why)))
    out = (
        i18n.Note.of(N_("the columns named like money cannot be customer spend: %(columns)s"), columns=reasons)
        if reasons
        else N_("no column is named like spend, revenue, sales, amount, value or charges")
    )
    if scores:
        more = i18n.Note.of(N_("(%(columns)s are scores or shares, not money)"), columns=scores)
        out = i18n.Note.of(N_("%(first)s %(second)s"), first=i18n.worded(out), second=more)
    return out


def _family(columns: list[str]) -> list[str]:
    """Columns sharing a name prefix of 3+ letters (mnt_wines, mnt_fruits; spend_toys, spend_garden), at least 2."""
    if len(columns) < 2:
        return []
    groups: dict[str, list[str]] = {}
    for c in columns:
        m = re.match(r"([a-z]{3,}?)(_|(?=[a-z]))", c.lower())
        head = c.lower().split("_")[0] if "_" in c else c.lower()[:3]
        groups.setdefault(m.group(1) if m and "_" not in c else head, []).append(c)
    best = max(groups.values(), key=len)
    prefix = os.path.commonprefix(best)
    return best if len(best) >= 2 and len(prefix) >= 3 else []


def channel_value(value: str, mapping: dict[str, str]) -> str | None:
    """Web / store / app (or a name given in ``mapping``) for a channel value as written in the data;
    None when it is neither mapped nor a known synonym.
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip()
    if text in mapping:
        return mapping[text]
    low = text.lower()
    for k, v in mapping.items():
        if k.strip().lower() == low:
            return v
    low = low.translate(SAME_LETTERS)  # (whatever cleaning.letters wrote)
    for channel, words in CHANNEL_SYNONYMS.items():
        if low in {w.translate(SAME_LETTERS) for w in words}:
            return channel
    return None
