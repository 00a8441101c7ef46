"""The Boston matrix: each segment's attractiveness and ability to win, its quadrant, the analyst's
overrides and its budget.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from seglab import i18n
from seglab.config import (
    ABILITY_COMPONENTS,
    ATTRACTIVENESS_COMPONENTS,
    Prioritization,
)
from seglab.i18n import N_, _
from seglab.prioritization.components import (
    ABILITY_INPUTS,
    ACTIONS,
    apply_overrides,
    axis_score,
    quadrant,
    raw_components,
    scaled_components,
)
from seglab.prioritization.facts import Inputs, decided_by, placement_facts
from seglab.vocabulary import NOT_PLACED


def _budget_basis(profile: pd.DataFrame, predicted: pd.Series | None) -> tuple[pd.Series, str]:
    """What the budget is split by, per segment, and its name: the expected lifetime value when the
    value rests on it (``prioritization.value_basis``), else the predicted next-period spend, else the
    observed net value, else the customers when the value is unknown.
    """
    revenue = profile.set_index("segment")["revenue"]
    if "value_is_clv" in profile:
        return revenue, N_("total expected lifetime value")
    if predicted is not None and predicted.notna().any():
        return predicted.reindex(revenue.index).clip(lower=0), N_("predicted next-period spend")
    if revenue.notna().any():
        return revenue, N_("observed net value")
    return profile.set_index("segment")["customers"].astype(float), N_("customers (the value is unknown)")


def boston_matrix(inputs: Inputs, params: Prioritization) -> tuple[pd.DataFrame, list[str]]:
    """Every component, both axes, the quadrant, the action, what decided it (in facts with their
    units) and the budget per segment (see the module doc) of the segments in ``inputs`` (their
    profiles, growth and persona names, and when known their predicted spend and outcome rates).
    """
    observed = inputs.profile
    inputs = inputs.valued()  # the value the components and the budget rest on
    profile, predicted, outcomes = inputs.profile, inputs.predicted, inputs.outcomes
    raw, notes = raw_components(profile, inputs.growth, predicted, outcomes)
    no_outcome = outcomes is None or not len(outcomes)
    if no_outcome and params.weights.attractiveness.get("outcome", 0) > 0:
        notes.append(_("outcome: not measured (no outcome column such as churn, response or subscribed in the data)"))
    comp, measured = scaled_components(raw, params, notes)
    out = pd.DataFrame({"segment": comp.index.astype("int64")})
    out["persona"] = out["segment"].map(inputs.personas.set_index("segment")["persona"]).fillna("")
    sized = profile.set_index("segment").reindex(comp.index)
    out["customers"] = sized["customers"].to_numpy(dtype="int64")
    out["customer_share"] = sized["customer_share"].to_numpy(dtype=float)
    for c in raw.columns:
        out[f"{c}_raw"] = raw[c].to_numpy()
    for c in (*ATTRACTIVENESS_COMPONENTS, *ABILITY_COMPONENTS):
        out[c] = comp[c].to_numpy()
    out["attractiveness"] = axis_score(comp, measured, params.weights.attractiveness, True).to_numpy()
    ability = axis_score(comp, measured, params.weights.ability_to_win, False)
    placed = ability.notna().all()
    out["ability_to_win"] = ability.to_numpy()
    if not placed:
        notes.append(
            _(
                "ability to win: not measured (no campaign, visit, contact, channel or return data that tells the "
                "segments apart, and no analyst input): the segments are ranked by attractiveness only"
            )
        )
    out["computed_quadrant"] = [
        quadrant(a, w, params.threshold) if placed else NOT_PLACED
        for a, w in zip(out["attractiveness"], out["ability_to_win"], strict=True)
    ]
    apply_overrides(out, params)
    out["analyst_reason"] = [
        params.analyst_inputs[s].reason if s in params.analyst_inputs else "" for s in out["segment"]
    ]
    out["action"] = out["quadrant"].map(ACTIONS)
    facts = placement_facts(inputs, raw, comp, measured, params)
    for c in facts.columns:
        out[c] = facts[c].to_numpy()
    out["decided_by"] = [i18n.as_text(decided_by(r, measured, params)) for _, r in out.iterrows()]
    out["revenue"] = observed.set_index("segment")["revenue"].reindex(out["segment"]).to_numpy()
    basis, out["budget_basis"] = _budget_basis(profile, predicted)
    out["basis_value"] = basis.reindex(out["segment"]).to_numpy(dtype=float)
    weight = (
        out["quadrant"].map(params.budget.quadrant_weights).fillna(0.0).to_numpy(dtype=float)
        if placed or params.overrides
        else out["attractiveness"].to_numpy(dtype=float)
    )
    out["budget_weight"] = weight
    out["budget"] = budget(weight, out["basis_value"].to_numpy(dtype=float), params.budget.total)
    out["budget_share"] = out["budget"] / params.budget.total if params.budget.total > 0 else 0.0
    out["budget_how"] = [i18n.as_text(budget_how(r, placed)) for _, r in out.iterrows()]
    out.attrs["measured"] = measured
    out.attrs["unmeasured_inputs"] = [c for c in ABILITY_INPUTS if c not in measured] if not placed else []
    out.attrs["outcomes"] = _outcome_summary(outcomes, params, "outcome" in measured)
    return out, notes


def _outcome_summary(outcomes: pd.DataFrame | None, params: Prioritization, measured: bool) -> list[dict]:
    """Each outcome column of the run: name, label, kind, direction and where it came from, and
    whether it enters attractiveness (a direction, a positive weight of ``outcome`` and the component
    ``measured``: the outcomes tell the segments apart).
    """
    if outcomes is None or not len(outcomes):
        return []
    weight = params.weights.attractiveness.get("outcome", 0.0)
    first = outcomes.drop_duplicates("outcome")
    return [
        {
            "outcome": r["outcome"],
            "label": r["label"],
            "kind": r["kind"],
            "direction": r["direction"] if r["direction"] in ("good", "bad") else None,
            "direction_from": r["direction_from"],
            "base_rate": None if pd.isna(r["base_rate"]) else float(r["base_rate"]),
            "enters": bool(measured and weight > 0 and r["direction"] in ("good", "bad")),
        }
        for _i, r in first.iterrows()
    ]


def budget(weight: np.ndarray, value: np.ndarray, total: float) -> np.ndarray:
    """Each segment's budget: ``total`` x weight x value / sum over segments of weight x value (values
    below 0 count as 0; equal values when every product is 0 but a weight is positive).
    """
    w = np.clip(np.nan_to_num(np.asarray(weight, dtype=float)), 0, None)
    v = np.clip(np.nan_to_num(np.asarray(value, dtype=float)), 0, None)
    score = w * v
    if score.sum() <= 0:
        score = w
    return total * score / score.sum() if score.sum() > 0 else np.zeros(len(w))


def budget_how(r: pd.Series, placed: bool) -> str:
    """How a segment's budget was derived, in words."""
    if r["budget_weight"] <= 0:
        return i18n.Note.of(N_("%(quadrant)s: weight 0, no budget"), quadrant=i18n.as_term(r["quadrant"]))
    what = i18n.Value("before", r["budget_basis"])  # the basis without its explanation in brackets
    # an amount of money in the run's currency (€973,872); a number of customers as a number
    money = not str(r["budget_basis"]).startswith("customers")
    amount = (i18n.as_money if money else i18n.as_number)(r["basis_value"])
    # the product alone is no amount of the budget: its share of all segments' products is (budget())
    base = {
        "weight": i18n.as_number(r["budget_weight"], 2),
        "amount": amount,
        "share": i18n.as_percent(r["budget_share"], 1),
    }
    if not placed and r["quadrant"] == NOT_PLACED:
        return i18n.Note.of(
            N_("attractiveness %(weight)s x %(amount)s %(basis)s: %(share)s of this product summed over the segments"),
            **base,
            basis=what,
        )
    return i18n.Note.of(
        N_("%(quadrant)s weight %(weight)s x %(amount)s %(basis)s: %(share)s of this product summed over the segments"),
        **base,
        basis=what,
        quadrant=i18n.as_term(r["quadrant"]),
    )


#: The facts behind each data component, as a reader sees them (their numbers in their units).
