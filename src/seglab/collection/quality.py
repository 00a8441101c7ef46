"""The record of stage 01 (quality.json) as tables for its page: quality per table, rejections by
rule, assumptions, lenses, the links between tables; the check that every row is accounted for.
"""

from __future__ import annotations

import pandas as pd

from seglab import i18n
from seglab.collection import roles as roles_mod
from seglab.collection import rules
from seglab.collection.amounts import to_number  # noqa: F401  (the number reading of every table)
from seglab.collection.sources import Loaded, SourceError  # noqa: F401  (re-exported: the stage's errors)
from seglab.config import TableSource
from seglab.i18n import _

#: How ids of two tables are matched (README, "Customer ids").
ID_RULES = (
    "ids are compared as text after trimming spaces, writing Persian/Arabic digits as ASCII digits and "
    "dropping a trailing '.0' (an id read as a number: 17850.0 is 17850); letter case and leading zeros "
    "count ('00123' is not '123', 'ab1' is not 'AB1')"
)


def id_overlap_warning(ids: pd.Series, known: pd.Series, table: str, other: str, consequence: str = "") -> str | None:
    """A warning, with examples, when fewer than half of the distinct ids of ``table`` are among
    the ids of ``other``, and what the difference looks like (leading zeros, letter case,
    spaces, a prefix).
    """
    have, ref = pd.Index(ids.dropna().unique()), pd.Index(known.dropna().unique())
    if not len(have) or not len(ref):
        return None
    matched = have.isin(ref).sum()
    if matched >= 0.5 * len(have):
        return None
    loose = lambda i: pd.Index(i.astype(str).str.lower().str.replace(r"[\s_-]", "", regex=True).str.lstrip("0"))  # noqa: E731
    hint = ""
    if loose(have).isin(loose(ref)).mean() >= 0.5:
        hint = (
            " They match when leading zeros, letter case, spaces and dashes are ignored: one of the files writes "
            "the ids differently; make them identical (for example, keep the leading zeros in both)."
        )
    show = lambda i: ", ".join(repr(str(v)) for v in i[:3])  # noqa: E731
    return (
        f"Customer ids barely match: {matched:,} of the {len(have):,} customer ids of {table} are in {other} "
        f"({table}: {show(have)}; {other}: {show(ref)}).{hint} {consequence}Matching rules: {ID_RULES}."
    )


NOT_FEATURES = ("customer_id", "source_row", "signup_date")


def lens_map(
    tables: dict[str, pd.DataFrame], specs: dict[str, TableSource], labels: dict[str, dict[str, str]] | None = None
) -> dict[str, dict[str, dict]]:
    """Table -> column -> {lens, guessed} for the customers and survey tables (given lenses win;
    they name columns as in the source or in snake_case).
    """
    out: dict[str, dict[str, dict]] = {}
    for table in ("customers", "survey"):
        if table not in tables:
            continue
        cols = [c for c in tables[table].columns if c != "source_row"]
        given = {}
        for lens, names in (specs[table].lenses if table in specs else {}).items():
            for name in names:
                try:
                    given[
                        roles_mod.resolve(
                            name, cols, (labels or {}).get(table, {}), f"source.tables.{table}.lenses.{lens}"
                        )
                    ] = lens
                except roles_mod.RolesError as exc:
                    raise SourceError(str(exc)) from None
        out[table] = {
            c: {"lens": given.get(c, rules.guess_lens(c, table)), "guessed": c not in given}
            for c in tables[table].columns
            if c not in NOT_FEATURES
        }
    return out


def assumptions_table(quality: dict) -> pd.DataFrame:
    """What seglab assumed about the data, each with the parameter line that changes it."""
    rows = quality.get("assumptions", [])
    return (
        pd.DataFrame(rows, columns=["subject", "assumed", "why", "change"])
        if rows
        else pd.DataFrame(columns=["subject", "assumed", "why", "change"])
    )


def lens_table(quality: dict) -> pd.DataFrame:
    """Each customer and survey column with its lens and whether it was given or guessed."""
    rows = [
        {"table": t, "column": c, "lens": v["lens"], "how": _("guessed from the name") if v["guessed"] else _("given")}
        for t, cols in quality.get("lenses", {}).items()
        for c, v in cols.items()
    ]
    return pd.DataFrame(rows, columns=["table", "column", "lens", "how"])


def check_accounting(quality: dict) -> None:
    """Raise if any table's rows read differ from kept + rejected (nothing may disappear)."""
    for table, q in quality["tables"].items():
        if q["read"] != q["kept"] + q["rejected"] or q["rejected"] != sum(q["rejected_by_rule"].values()):
            raise AssertionError(f"row accounting broken for {table}: {q}")


def quality_table(quality: dict) -> pd.DataFrame:
    """Rows read / kept / rejected per table, for the report."""
    rows = []
    for table, q in quality["tables"].items():
        rows.append(
            {
                "table": table,
                "read": q["read"],
                "kept": q["kept"],
                "rejected": q["rejected"],
                "kept share": q["kept"] / q["read"] if q["read"] else 0.0,
            }
        )
    return pd.DataFrame(rows)


def rejected_by_rule(quality: dict) -> pd.DataFrame:
    """Rejected rows per table and rule, with the reason (and revenue for transactions)."""
    rows = []
    for table, q in quality["tables"].items():
        for rule, n in q["rejected_by_rule"].items():
            rows.append(
                {
                    "table": table,
                    "rule": rule,
                    "rows": n,
                    "reason": rules.RULE_TEXT.get(rule, rule),
                    "revenue": q.get("revenue_rejected_by_rule", {}).get(rule),
                }
            )
    return pd.DataFrame(rows, columns=["table", "rule", "rows", "reason", "revenue"])


def summary(quality: dict) -> pd.DataFrame:
    """Key facts of the collected data, for the report."""
    facts = []
    tx = quality["tables"].get("transactions")
    if tx:
        facts += [
            (_("transaction rows read"), i18n.number(tx["read"])),
            (
                _("transaction rows kept"),
                f"{i18n.number(tx['kept'])} ({i18n.percent(tx['kept'] / tx['read'], 1)})",
            ),
            (_("customers with kept transactions"), i18n.number(tx["customers"])),
            (
                _("period"),
                _("%(start)s to %(end)s") % {"start": i18n.date(tx["date_min"]), "end": i18n.date(tx["date_max"])},
            ),
            (_("net revenue kept"), i18n.money(tx["revenue_kept"], 2)),
            (_("revenue share of rows without customer id"), i18n.percent(tx["revenue_share_without_customer_id"], 1)),
            (_("return / cancellation rows kept (netted)"), i18n.number(tx["return_rows_kept"])),
            (_("outlier rows flagged (kept)"), i18n.number(tx["outlier_rows_flagged"])),
        ]
    else:
        facts.append((_("source"), _("customer level: one row per customer, no transactions")))
    for name in ("customers", "survey", "sessions", "campaign_events"):
        if name in quality["tables"]:
            q = quality["tables"][name]
            facts.append(
                (
                    _("%(table)s rows kept") % {"table": i18n.term(name).replace("_", " ")},
                    _("%(kept)s of %(read)s") % {"kept": i18n.number(q["kept"]), "read": i18n.number(q["read"])},
                )
            )
    return pd.DataFrame(facts, columns=["fact", "value"])
