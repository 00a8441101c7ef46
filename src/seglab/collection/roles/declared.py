"""The roles of a table's columns: the declared ones (source.roles) first, the guessed ones after,
each guess with its assumption.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from seglab import i18n
from seglab.collection.amounts import count_at_once
from seglab.collection.roles.columns import Inferred, column_role, natural_bounds, outcome_direction, outcome_level
from seglab.collection.roles.kinds import (
    BEHAVIOUR_NAMES,
    CHANNEL_COUNT,
    CHANNEL_NAMES,
    KINDS,
    Role,
    RolesError,
    resolve,
    role_key,
)
from seglab.collection.roles.readings import DATE_SHAPED, spike
from seglab.collection.roles.words import change_line, guess_value, kind_text, shown_number
from seglab.config import BEHAVIOUR_ROLES, Roles
from seglab.i18n import N_


@dataclass(frozen=True)
class ColumnFacts:
    """What stage 01 knows of a table's columns before their roles: ``lenses``, column -> {lens,
    guessed} (:func:`seglab.collection.quality.lens_map`); ``labels``, column -> its name in the
    source; ``written``, column -> how its numbers were written as text (stage 01's reading), or None.
    """

    lenses: dict[str, dict]
    labels: dict[str, str]
    written: dict | None = None


class _Declared:
    """The roles the parameters give (``roles.*`` of a table), checked: a column given two roles
    stops the run.
    """

    def __init__(self, df: pd.DataFrame, facts: ColumnFacts, table: str):
        self.df, self.lenses, self.labels = df, facts.lenses, facts.labels
        self.written = facts.written or {}  # column -> how its numbers were written (seglab.collection.amounts.Written)
        self.cols = [c for c in df.columns if c not in ("customer_id", "source_row")]
        self.where = role_key(table, "")[:-1]
        self.roles: dict[str, Role] = {}

    def label(self, c: str) -> str:
        return self.labels.get(c, c)

    def res(self, name: str, field: str) -> str:
        return resolve(name, self.cols, self.labels, f"{self.where}.{field}")

    def give(self, c: str, kind: str, why: str, **kw) -> None:
        roles = self.roles
        if c in roles and roles[c].how == "given" and roles[c].kind != kind:
            raise RolesError(f"{self.where}: column '{self.label(c)}' is given two roles ({roles[c].kind} and {kind})")
        lens = kw.pop("lens", None) or self.lenses.get(c, {}).get("lens", "behavioural")
        roles[c] = Role(c, self.label(c), kind, lens, "given", why, **kw)

    def given_sentinel(self, c: str, marker: float) -> None:
        """A declared marker: unknown when it is the spike the data show (as the guess read it),
        else never / not applicable.
        """
        v = pd.to_numeric(self.df[c], errors="coerce")
        found = spike(v, natural_bounds(c.lower(), v.dropna()))
        if found and found["value"] == marker:
            why = i18n.Note.of(
                N_("given: %(marker)s means unknown (%(share)s of the rows, apart from the other values)"),
                marker=i18n.as_g(marker),
                share=i18n.as_percent(found["share"]),
            )
            self.give(c, "sentinel", why, sentinel=marker, spike=found)
            return
        self.give(
            c,
            "sentinel",
            i18n.Note.of(N_("given: %(marker)s means never / not applicable"), marker=i18n.as_g(marker)),
            sentinel=marker,
        )

    def plain(self, declared: Roles) -> tuple[list[str], list[str]]:
        """Value, spend, flags, codes, sentinels, dates and left-out columns; the value and spend columns."""
        value = [self.res(n, "value") for n in declared.value]
        spend = [self.res(n, "spend") for n in declared.spend]
        for c in value + spend:
            why = N_("given as customer value") if c in value else N_("given as spend per category")
            v = pd.to_numeric(self.df[c], errors="coerce")
            self.give(c, "money", why, lens="behavioural", spike=spike(v, natural_bounds(c.lower(), v.dropna())))
        for n in declared.flags:
            self.give(self.res(n, "flags"), "flag", N_("given as a yes/no flag"))
        for n in declared.codes:
            c = self.res(n, "codes")
            levels = sorted(self.df[c].dropna().unique().tolist())
            self.give(c, "code", N_("given as a code (categories stored as numbers)"), levels=levels)
        for n, marker in declared.sentinels.items():
            self.given_sentinel(self.res(n, "sentinels"), float(marker))
        if declared.signup:
            self.give(
                self.res(declared.signup, "signup"), "signup", N_("given as the join date: tenure counts from it")
            )
        for n in declared.dates:
            self.give(self.res(n, "dates"), "date", N_("given as a date: not a feature"))
        for n in declared.numbers:
            self.give(self.res(n, "numbers"), "number", N_("given as a plain number: every value is real"))
        for n in declared.outcomes:
            c = self.res(n, "outcomes")
            self.give(
                c,
                "outcome",
                N_("given as an outcome: shown per segment, never clustered unless segmentation.features names it"),
                lens="outcome",
                outcome=outcome_direction(c) or "unknown",
                levels=outcome_level(self.df[c]),
            )
        for n in declared.ignore:
            self.give(self.res(n, "ignore"), "ignore", N_("left out (roles.ignore)"))
        return value, spend

    def behaviour(self, declared: Roles) -> tuple[dict[str, list[str]], dict[str, str]]:
        """The behaviour and channel columns given; by role, and by channel."""
        behaviour: dict[str, list[str]] = {}
        for role, names in declared.behaviour.items():
            behaviour[role] = [self.res(n, f"behaviour.{role}") for n in ([names] if isinstance(names, str) else names)]
            for c in behaviour[role]:
                if c in self.roles:
                    self.roles[c].behaviour = role
                    continue
                kind = "count" if role != "campaign_responses" else "flag"
                self.give(
                    c,
                    kind,
                    i18n.Note.of(N_("given as %(role)s"), role=i18n.as_term(BEHAVIOUR_ROLES[role])),
                    lens="behavioural",
                    behaviour=role,
                )
        channels = {ch: self.res(n, f"channels.{ch}") for ch, n in declared.channels.items()}
        for ch, c in channels.items():
            self.give(
                c,
                "count",
                i18n.Note.of(N_("given as purchases on the %(channel)s channel"), channel=i18n.as_term(ch)),
                lens="behavioural",
                behaviour=f"channel:{ch}",
            )
        return behaviour, channels

    def guess_the_rest(self) -> None:
        """The role of every column not given, from its name and values."""
        text = [c for c in self.cols if c not in self.roles and pd.api.types.is_string_dtype(self.df[c])]
        shaped = count_at_once(self.df, text, lambda t: t.str.contains(DATE_SHAPED, regex=True, na=False))
        for c in self.cols:
            if c in self.roles:
                continue
            if c == "signup_date":
                self.roles[c] = Role(
                    c, self.label(c), "signup", "behavioural", "given", N_("the join date (signup_date)")
                )
            elif c in ("email_opt_in", "sms_opt_in"):
                self.roles[c] = Role(
                    c, self.label(c), "flag", "contactability", "given", N_("a contact permission (yes/no)")
                )
            else:
                lens = self.lenses.get(c, {}).get("lens", "behavioural")
                self.roles[c] = column_role(self.df[c], self.label(c), lens, self.written.get(c), shaped.get(c))


def _behaviour_role(name: str, r: Role, declared: Roles, behaviour: dict[str, list[str]]) -> str | None:
    """The behaviour a customer-level column is named like (deal purchases, visits, ...), if any."""
    for role, pattern in BEHAVIOUR_NAMES:
        if role in declared.behaviour or not re.search(pattern, name):
            continue
        if role == "campaign_responses" and r.kind != "flag":
            continue
        if role != "campaign_responses" and r.kind not in ("count", "number", "share"):
            continue
        if role in ("recency_days", "tenure_months", "orders", "visits") and role in behaviour:
            continue  # one column each
        return role
    return None


def _behaviour_by_name(
    roles: dict[str, Role], declared: Roles, behaviour: dict[str, list[str]], channels: dict[str, str]
) -> None:
    """A customer-level source's behaviour recognised by column names (channel purchases,
    deal purchases, visits, ...), added to ``behaviour`` and ``channels``.
    """
    taken = {c for cs in behaviour.values() for c in cs} | set(channels.values())
    for c, r in roles.items():
        if r.how == "given" or c in taken or not KINDS[r.kind] or r.kind in ("code", "category", "binary"):
            continue
        name = c.lower()
        m = CHANNEL_COUNT.match(name)
        if m and r.kind in ("count", "number") and not declared.channels:
            ch = CHANNEL_NAMES.get(m.group(2), m.group(2))
            channels.setdefault(ch, c)
            r.behaviour, r.lens = f"channel:{ch}", "behavioural"
            r.why = i18n.Note.of(
                N_("named like purchases on the %(channel)s channel: gives the channel shares"),
                channel=i18n.as_term(ch),
            )
            continue
        role = _behaviour_role(name, r, declared, behaviour)
        if role is not None:
            behaviour.setdefault(role, []).append(c)
            r.behaviour, r.lens = role, "behavioural"
            r.why = i18n.Note.of(N_("named like %(role)s"), role=i18n.as_term(BEHAVIOUR_ROLES.get(role, role)))


def _value_basis(
    df: pd.DataFrame, roles: dict[str, Role], table: str, value: list[str], spend: list[str], customer_level: bool
) -> tuple[dict, list[str]]:
    """What customer value is (given, the sum of the spend, guessed or unknown) and the spend columns."""
    if value:
        info = {"columns": value, "how": "given", "why": "roles.value"}
    elif spend:
        info = {"columns": spend, "how": "given", "why": N_("the sum of roles.spend")}
    else:
        info = guess_value(df, roles, table)
        if info["how"] == "guessed" and len(info["columns"]) > 1 and info.get("family"):
            spend = list(info["columns"])
    for c in info["columns"]:
        roles[c].kind = "money"
    if not customer_level:
        info = {"columns": [], "how": "transactions", "why": N_("net revenue of the order lines")}
    return info, spend


def _given_spike(r: Role, table: str) -> dict:
    """A column given as money holding a spike far from its other values: kept as given, and said."""
    values = {
        "value": shown_number(r.spike["value"]),
        "share": i18n.percent(r.spike["share"]),
        "low": shown_number(r.spike["low"]),
        "high": shown_number(r.spike["high"]),
    }
    return {
        "stage": "01",
        "subject": r.label,
        "assumed": i18n.Note.of(N_("money as given; %(value)s in %(share)s of rows may mean unknown"), **values),
        "why": i18n.Note.of(
            N_("%(value)s is far more frequent than any value near it and apart from the others (%(low)s to %(high)s)"),
            **values,
        ),
        "change": i18n.Note.of(N_("if %(value)s means unknown, leave those cells empty in the export"), **values),
    }


def _assumptions(roles: dict[str, Role], value_info: dict, table: str, customer_level: bool) -> list[dict]:
    """Every guess with the line that changes it; the customer value first."""
    out = []
    for r in roles.values():
        if r.how == "given":
            if r.spike:  # given as money, with a value that looks like "unknown": said, kept as given
                out.append(_given_spike(r, table))
            continue
        change = change_line(r, table)
        if r.behaviour:
            change = (
                f"{role_key(table, 'behaviour')}: {{...}}  (name the column of each behaviour yourself)"
                if not r.behaviour.startswith("channel:")
                else f"{role_key(table, 'channels')}: {{...}}"
            )
        out.append({"stage": "01", "subject": r.label, "assumed": kind_text(r), "why": r.why, "change": change})
    if customer_level and value_info["how"] in ("unknown", "guessed"):
        unknown = value_info["how"] == "unknown"
        out.insert(
            0,
            {
                "stage": "01",
                "subject": N_("customer value"),
                "assumed": N_("unknown") if unknown else " + ".join(roles[c].label for c in value_info["columns"]),
                "why": value_info["why"],
                "change": f"{role_key(table, 'value')}: "
                + ("[<the column(s) of spend or revenue>]" if unknown else "[...]"),
                "attention": unknown,  # (no value: every value-based number is missing)
            },
        )
    return out


def infer(df: pd.DataFrame, declared: Roles, facts: ColumnFacts, table: str, customer_level: bool) -> Inferred:
    """Roles of every column of a customers or survey table (``declared``: the table's
    ``roles``; ``facts``: each column's lens, name in the source and how its numbers were written).
    """
    given = _Declared(df, facts, table)
    value, spend = given.plain(declared)
    behaviour, channels = given.behaviour(declared)
    given.guess_the_rest()
    roles = given.roles
    if customer_level:  # behaviour recognised by name
        _behaviour_by_name(roles, declared, behaviour, channels)
    value_info, spend = _value_basis(df, roles, table, value, spend, customer_level)
    return Inferred(
        roles, value_info, spend, behaviour, channels, _assumptions(roles, value_info, table, customer_level)
    )


#: Per kind of column: the role key that changes the guess, and the line's value and comment
#: (``{col}`` is the column, ``{sentinel}`` its missing-value marker).
