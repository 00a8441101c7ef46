"""What the matrix rests on: the measured components and their weights, the assumptions, and the
parameter lines or data that would add information.
"""

from __future__ import annotations

import re

import pandas as pd

from seglab import i18n
from seglab.config import (
    ABILITY_COMPONENTS,
    ATTRACTIVENESS_COMPONENTS,
    Prioritization,
)
from seglab.i18n import N_, _
from seglab.prioritization.components import ABILITY_INPUTS, ANALYST, COMPONENT_LABELS, DIRECTIONS
from seglab.text import esc
from seglab.vocabulary import segment_code


def assumptions(bm: pd.DataFrame, params: Prioritization) -> list[dict]:
    """What stage 05 used without being told: neutral judgement calls, unmeasured components."""
    out = []
    for c in ANALYST:
        if params.weights.attractiveness.get(c, 0) <= 0:
            continue
        unset = [
            int(s)
            for s in bm["segment"]
            if s not in params.analyst_inputs or getattr(params.analyst_inputs[s], c) is None
        ]
        if unset:
            out.append(
                {
                    "stage": "05",
                    "subject": COMPONENT_LABELS[c],
                    "assumed": i18n.Note.of(
                        N_("neutral (0.5) for %(segments)s"), segments=[segment_code(s) for s in unset]
                    ),
                    "why": N_("an analyst's judgement that the data cannot give"),
                    "change": f"prioritization.analyst_inputs.<segment>.{c}: 0..1",
                    "attention": True,  # (the index's first lines point to it: a reader's decision)
                }
            )
    measured = bm.attrs.get("measured", {})
    weights = {**params.weights.attractiveness, **params.weights.ability_to_win}
    for c in (*ATTRACTIVENESS_COMPONENTS, *ABILITY_COMPONENTS):
        if c not in measured and c not in ANALYST and weights.get(c, 0) > 0:  # (weight 0: in no axis anyway)
            out.append(
                {
                    "stage": "05",
                    "subject": COMPONENT_LABELS[c],
                    "assumed": N_("not measured: left out of its axis"),
                    "why": N_("no data for it"),
                    "attention": True,
                    "change": f"prioritization.analyst_inputs.<segment>.{c}: 0..1"
                    if c in ABILITY_INPUTS
                    else N_("(needs data)"),
                }
            )
    return out + _basis_assumptions(basis(bm, params))


def _basis_assumptions(b: dict) -> list[dict]:
    """The assumptions of :func:`basis`: attractiveness from size alone; outcomes left out of it."""
    out = []
    if b["size_only"]:
        out.append(
            {
                "stage": "05",
                "subject": N_("attractiveness"),
                "assumed": N_("size only: the segments are ranked by their number of customers"),
                "why": N_("no other component of attractiveness is measured and weighted"),
                "change": "; ".join(w["line"] for w in b["would_add"] if w.get("line")) or N_("(needs data)"),
            }
        )
    for o in b["outcomes"]:
        if o["enters"]:
            continue
        out.append(
            {
                "stage": "05",
                "subject": o["label"],
                "assumed": N_("an outcome: shown per segment, not in attractiveness"),
                "why": N_("its direction is unknown") if o["direction"] is None else N_("the weight of outcome is 0"),
                "change": b["direction_line"] if o["direction"] is None else b["outcome_line"],
            }
        )
    return out


#: What would add information to attractiveness when a component is not measured: the data it needs.
NEEDS = {
    "history": N_("order lines over time (a transactions table)"),
    "outcome": N_("an outcome column such as churn, response or subscribed"),
}


def _weights_line(params: Prioritization, component: str) -> str:
    """The parameter line that gives ``component`` a weight of 1, with the other weights as they are
    (a weights mapping in the parameters replaces the whole default one).
    """
    w = {**params.weights.attractiveness, component: 1.0}
    return "prioritization.weights.attractiveness: {" + ", ".join(f"{c}: {v:g}" for c, v in w.items()) + "}"


def basis(bm: pd.DataFrame, params: Prioritization) -> dict:
    """What the matrix rests on (``boston_basis.json``): the components of each axis that are
    measured and weighted, whether attractiveness is size alone (the ranking is then by size), the
    parameter lines or data that would add information to attractiveness, the outcome columns and
    the line that puts them in attractiveness (``outcome_line``) or gives them a direction
    (``direction_line``).
    """
    measured = bm.attrs.get("measured", {})
    att, win = params.weights.attractiveness, params.weights.ability_to_win
    used = [c for c in ATTRACTIVENESS_COMPONENTS if att.get(c, 0) > 0 and c in measured]
    outcomes = bm.attrs.get("outcomes") or []
    directed = [o for o in outcomes if o["direction"]]
    undirected = [o["outcome"] for o in outcomes if not o["direction"]]
    return {
        "axes": {
            "attractiveness": used,
            "ability_to_win": [c for c in ABILITY_COMPONENTS if win.get(c, 0) > 0 and c in measured],
        },
        "size_only": used == ["size"],
        "would_add": _would_add(measured, params, bool(directed), bool(outcomes)),
        "outcomes": outcomes,
        "outcome_line": _weights_line(params, "outcome") if directed and att.get("outcome", 0) <= 0 else "",
        "direction_line": "prioritization.outcomes: {" + ", ".join(f"{o}: good | bad" for o in undirected) + "}"
        if undirected
        else "",
    }


def _would_add(measured: dict[str, str], params: Prioritization, directed: bool, any_outcome: bool) -> list[dict]:
    """Per attractiveness component other than size that is not in the axis: the line (or the data)
    that would put it there.
    """
    att = params.weights.attractiveness
    out = []
    for c in ATTRACTIVENESS_COMPONENTS[1:]:
        weighted = att.get(c, 0) > 0
        if c in ANALYST:
            if weighted and c not in measured:
                out.append({"component": c, "line": f"prioritization.analyst_inputs.<segment>.{c}: 0..1"})
        elif c in measured or (c == "outcome" and directed):
            if not weighted:
                out.append({"component": c, "line": _weights_line(params, c)})
        elif c in ("value_per_customer", "total_value"):
            out.append({"component": c, "line": "source.tables.customers.roles.value: [<money column>]"})
        elif c == "outcome":
            out.append(
                {"component": c, "line": "prioritization.outcomes: {<outcome column>: good | bad}"}
                if any_outcome
                else {"component": c, "need": "outcome"}
            )
        else:
            out.append({"component": c, "need": "history"})
    return out


def basis_text(b: dict) -> list[dict]:
    """What :func:`basis` says a reader must know, in the reader's language: attractiveness from
    size alone (and what would add information), and each outcome: its direction, whether it is in
    attractiveness and the line that puts it there. Each item is ``{"kind": "size_only" | "outcome",
    "text", "lines"}``; a line is
    ``{"label", "code"}`` (a parameter line) or ``{"label", "text"}`` (the data it needs).
    """
    out = []
    if b.get("size_only"):
        out.append(
            {
                "kind": "size_only",
                "text": _(
                    "Ranked by size only: size is the only component of attractiveness measured and weighted, so "
                    "the ranking (and the budget) follows the number of customers. What would add information:"
                ),
                "lines": [
                    {"label": _(COMPONENT_LABELS[w["component"]]), "code": w["line"]}
                    if w.get("line")
                    else {"label": _(COMPONENT_LABELS[w["component"]]), "text": _(NEEDS[w["need"]])}
                    for w in b.get("would_add", [])
                ],
            }
        )
    return out + _outcome_items(b)


def _outcome_items(b: dict) -> list[dict]:
    """:func:`basis_text`'s items on the outcomes: those in attractiveness; those shown only, with the
    line that puts them in (and, with several, the line that keeps some); those without a direction.
    """

    def named(outcomes: list[dict]) -> str:
        return i18n.join(f"{o['label']} ({_(DIRECTIONS[o['direction']])})" for o in outcomes)

    outcomes = b.get("outcomes", [])
    entering = [o for o in outcomes if o["enters"]]
    shown = [o for o in outcomes if not o["enters"] and o["direction"]]
    unknown = [o for o in outcomes if not o["direction"]]
    out = []
    if entering:
        out.append(
            {
                "kind": "outcome",
                "text": _("In attractiveness (component outcome): %(outcomes)s.") % {"outcomes": named(entering)},
            }
        )
    if shown:
        lines = [{"label": _("to rank the segments by them too"), "code": b["outcome_line"]}]
        if len(shown) > 1:
            example = ", ".join(f"{o['outcome']}: {o['direction']}" for o in shown[:1])
            lines.append({"label": _("to use only some of them"), "code": f"prioritization.outcomes: {{{example}}}"})
        out.append(
            {
                "kind": "outcome",
                "text": _("Shown per segment, not in attractiveness (the weight of outcome is 0): %(outcomes)s.")
                % {"outcomes": named(shown)},
                "lines": lines,
            }
        )
    if unknown:
        out.append(
            {
                "kind": "outcome",
                "text": _("Shown per segment, not in attractiveness (their direction is unknown): %(outcomes)s.")
                % {"outcomes": i18n.join(o["label"] for o in unknown)},
                "lines": [{"label": _("to give them a direction"), "code": b["direction_line"]}],
            }
        )
    return out


def rests_on_text(b: dict) -> str:
    """Which components each axis rests on (measured and weighted), in words."""
    axes = b.get("axes", {})

    def named(axis: str) -> str:
        return i18n.join(_(COMPONENT_LABELS[c]) for c in axes.get(axis, [])) or _("not measured")

    return _("Attractiveness rests on: %(attractiveness)s. Ability to win rests on: %(ability)s.") % {
        "attractiveness": named("attractiveness"),
        "ability": named("ability_to_win"),
    }


def facts_table(bm: pd.DataFrame) -> pd.DataFrame:
    """The facts behind each measured component, per segment (segment, persona, one column per
    component, named by the component), for the stage's page.
    """
    facts = [c for c in (*ATTRACTIVENESS_COMPONENTS, *ABILITY_COMPONENTS) if f"{c}_fact" in bm]
    return bm[["segment", "persona", *(f"{c}_fact" for c in facts)]].set_axis(["segment", "persona", *facts], axis=1)


def _code(line: str) -> str:
    """A parameter line inside a Markdown code span: no backtick or line break can end it early."""
    return re.sub(r"[`\r\n]", " ", line)


def basis_markdown(b: dict) -> str:
    """:func:`basis_text` as Markdown for the stage's page (texts escaped, parameter lines as code)."""
    blocks = []
    for item in basis_text(b):
        lines = [
            "- "
            + (f"{esc(x['label'])}: " if x["label"] else "")
            + (f"`{_code(x['code'])}`" if "code" in x else esc(x["text"]))
            for x in item.get("lines", [])
        ]
        blocks.append("\n".join([esc(item["text"]), *lines]))
    return "\n\n".join(blocks) or esc(_("No outcome column, and attractiveness is not size alone."))
