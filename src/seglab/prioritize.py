"""Stage 05, prioritisation: the Boston matrix of segments.

Attractiveness (of the segment to the business) and ability to win (our capacity to
attract it) are weighted means of components, each on a 0..1 scale:

attractiveness
  size                share of customers
  growth              growth of the segment's share of the active customers (seglab.monitoring.growth:
                      the frozen model applied period by period; a rise of the whole base is not
                      growth), 0 where resampling explains the change (seglab.monitoring.matrix_growth);
                      unknown for a segment: neutral in its attractiveness, with a note
  value_per_customer  mean net value per customer
  total_value         net value of the segment
  predicted_value     expected spend of the segment in the next period (stage 04's prediction)
  competition         analyst input, 0 = fierce competition .. 1 = none (neutral 0.5)
  fit                 analyst input, fit with the company or brand (neutral 0.5)
  outcome             the outcome columns (churn, response, subscribed, ...: features_meta.json's
                      ``outcomes``) with a direction: the mean of each one's rate per segment scaled
                      0..1 across segments (lowest 0, highest 1; reversed for a bad outcome such as
                      churn). Weight 0 by default: shown per segment, in attractiveness only when the
                      analyst gives it a weight
ability to win
  appeal              mean of the campaign click, campaign conversion and visit conversion
                      rates present in the data
  coverage            share of customers reachable by e-mail or SMS
  media_mix           number of channels carrying at least 10 % of the segment's orders / 3
                      (or an analyst input)
  credibility         1 - returned share of purchases; averaged with survey satisfaction
                      (a profile column whose name contains "satisf", scaled 0..1) when present

Data components are scaled to 0..1 across segments: amounts (size, value per customer,
total value) as a ratio to the largest segment, the others min-max (lowest 0, highest 1); a
constant component is neutral (0.5). A component without data is **not measured**: it is left out
of its axis (its weight does not count) and the notes say so; the value components are not
measured when the customer value is unknown, the predicted value when the prediction does not
beat the naive forecast. Analyst inputs (``analyst_inputs``) replace a component for a segment;
competition and fit are neutral (0.5) unless given, which the assumptions say.
An axis with no measured component is **not measured**: segments are not placed on the matrix
(quadrant "Not placed"); they are ranked by the measured axis and the analyst inputs that would
complete the matrix are asked for. Quadrant rule: an axis is high when its score is >=
``threshold`` (default 0.5): Target = both high, Convert = attractive only, Grow = winnable only,
Ignore = neither. Analyst overrides replace the quadrant and keep the computed one and the reason.

What decided a placement is said in facts with their units (49 % reachable by e-mail or SMS,
returns 20 % of purchases, EUR 356 per customer), each with the segment's rank on that component,
never as the 0..1 scores (those stay in ``boston_matrix.csv``).

Fragility: a placement is *fragile*, with each reason kept as data (an id and its numbers,
rendered in the reader's language where shown: :func:`fragility_text`), when

- ``weights``: it keeps its quadrant in fewer than ``sensitivity.fragile_below`` of the draws
  that multiply every weight by exp(N(0, spread^2)) (the *stay share*);
- ``ignore_share``: it is in Ignore and the segments placed in Ignore hold at least
  ``sensitivity.fragile_ignore_share`` of the customers (no budget for that many customers is a
  decision that needs more than the matrix);
- ``one_component``: one of its axes has a single measured component with a weight (e.g. ability
  to win from campaign answers alone): that axis, and so the placement, rests on it;
- ``decides``: on one of its axes, one component's weighted pull decides the side of the
  threshold: the axis's other components, weighted alone, would put the segment on the other side
  (equivalently, w_j x (c_j - threshold) / sum of the weights is larger than the axis's distance to
  the threshold and on the same side).

When attractiveness has no measured and weighted component but size, the segments are ranked by
size only: :func:`basis` says so, with the parameter lines or data that would add information.

Budget: a segment's budget is proportional to its quadrant's weight (``budget.quadrant_weights``,
non-increasing from Target to Ignore) times its value (the predicted next-period spend when the
prediction beats the naive forecast, else the observed net value; the number of customers when the
value is unknown). So a segment never gets more than a segment of at least equal value in a
higher-priority quadrant. Segments not placed get attractiveness x value.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd

from seglab import i18n
from seglab.config import (
    ABILITY_COMPONENTS,
    ATTRACTIVENESS_COMPONENTS,
    Prioritization,
)
from seglab.i18n import N_, _
from seglab.text import esc
from seglab.vocabulary import NOT_PLACED, QUADRANTS, segment_code

ACTIONS = {
    "Target": N_("Core customers: protect them from competitors and keep serving them well."),
    "Convert": N_("Attractive, but we attract them poorly today: improve one element of the marketing mix for them."),
    "Grow": N_(
        "Easy for us to attract but less profitable than wished: review periodically and look for a different strategy."
    ),
    "Ignore": N_("Neither attractive nor winnable: do not spend time, money and energy here."),
}
ANALYST = ("competition", "fit")


#: The kinds of an outcome column (features_meta.json's ``outcomes``): a 0/1 flag or a number.
OUTCOME_KINDS = ("flag", "number")
#: The directions of an outcome: good = a higher value is better for the business.
DIRECTIONS = {"good": N_("higher is better"), "bad": N_("lower is better"), None: N_("direction unknown")}


def outcome_rates(
    features: pd.DataFrame, segments: pd.DataFrame, outcomes: dict | None, declared: dict[str, str] | None = None
) -> pd.DataFrame:
    """Each outcome column's rate per segment: a flag's share of 1s, a number's mean, over the
    segment's customers whose value is known, beside the base rate of every segmented customer.

    Parameters
    ----------
    features : DataFrame
        Stage 02's features, with ``customer_id`` and the outcome columns (not clustered on).
    segments : DataFrame
        Stage 03's ``customer_id`` and ``segment``.
    outcomes : dict or None
        features_meta.json's ``outcomes``: column -> ``{"label", "direction": "good" | "bad" | None,
        "kind": "flag" | "number"}``.
    declared : dict, optional
        ``prioritization.outcomes``: column -> good | bad, replacing the direction stage 02 gave.

    Returns
    -------
    DataFrame
        One row per outcome and segment: outcome, label, kind, direction, direction_from (``data``,
        ``parameter`` or empty when unknown), segment, customers, known (customers with a value),
        rate, base_rate (every segmented customer with a value). Empty without outcome columns.
    """
    outcomes = outcomes or {}
    declared = declared or {}
    unknown = sorted(set(declared) - set(outcomes))
    if unknown:
        raise ValueError(
            f"prioritization.outcomes names '{unknown[0]}', but the outcome columns of this run are "
            f"{sorted(outcomes) or 'none'} (features_meta.json: outcomes)"
        )
    cols = ["outcome", "label", "kind", "direction", "direction_from", "segment", "customers", "known"]
    rows = []
    for name in sorted(outcomes):
        if name not in features:
            raise ValueError(f"features.parquet has no column '{name}', listed as an outcome in features_meta.json")
        meta = outcomes[name] or {}
        direction = declared.get(name) or meta.get("direction")
        source = "parameter" if name in declared else ("data" if direction else "")
        kind = meta.get("kind") if meta.get("kind") in OUTCOME_KINDS else "number"
        values = segments[["customer_id", "segment"]].merge(
            features[["customer_id", name]], on="customer_id", how="left", validate="one_to_one"
        )
        v = pd.to_numeric(values[name], errors="coerce").astype(float)
        base = float(v.mean()) if v.notna().any() else np.nan
        by = v.groupby(values["segment"])
        label = meta.get("label") or name
        for seg, rate in by.mean().items():
            rows.append(
                {
                    "outcome": name,
                    "label": label,
                    "kind": kind,
                    "direction": direction,
                    "direction_from": source,
                    "segment": int(seg),
                    "customers": int(by.size()[seg]),
                    "known": int(by.count()[seg]),
                    "rate": float(rate),
                    "base_rate": base,
                }
            )
    return pd.DataFrame(rows, columns=[*cols, "rate", "base_rate"])


def outcome_table(rates: pd.DataFrame, names: pd.DataFrame) -> pd.DataFrame:
    """The outcome rates for readers: one row per segment (segment, persona) and a last row for all
    customers, one column per outcome (its label and direction), each cell its rate (a flag's share
    of 1s as a percentage, a number's mean), with the customers whose value is known where some are not.
    """
    rates = rates.assign(
        **{c: pd.to_numeric(rates[c], errors="coerce") for c in ("rate", "base_rate", "known", "customers")}
    )
    persona = names.assign(segment=names["segment"].astype(int)).set_index("segment")["persona"]
    segments = sorted(int(s) for s in rates["segment"].unique())
    out = pd.DataFrame(
        {
            "segment": [segment_code(s) for s in segments] + [""],
            "persona": [i18n.term(persona.get(s, "")) for s in segments] + [_("all customers")],
        }
    )
    for _name, r in rates.assign(segment=rates["segment"].astype(int)).groupby("outcome", sort=True):
        r = r.set_index("segment")
        first = r.iloc[0]
        cells = []
        for s in segments:
            text = i18n.say(_rate_text(r.loc[s, "rate"], first["kind"]))
            if r.loc[s, "known"] < r.loc[s, "customers"]:
                text = _("%(rate)s (of %(known)s known)") % {"rate": text, "known": i18n.number(r.loc[s, "known"])}
            cells.append(text)
        cells.append(i18n.say(_rate_text(first["base_rate"], first["kind"])))
        out[f"{first['label']} ({_(DIRECTIONS[first['direction'] if first['direction'] in DIRECTIONS else None])})"] = (
            cells
        )
    return out


def _outcome_component(rates: pd.DataFrame, index: pd.Index) -> pd.Series | None:
    """The outcome component per segment: the mean over the outcomes with a direction of each one's
    rate scaled 0..1 across segments (reversed for a bad one); None when no outcome with a direction
    tells the segments apart.
    """
    parts = []
    for _name, r in rates[rates["direction"].isin(["good", "bad"])].groupby("outcome", sort=True):
        rate = r.set_index("segment")["rate"].reindex(index)
        lo, hi = rate.min(), rate.max()
        if not hi - lo > 1e-12:
            continue
        scaled = (rate - lo) / (hi - lo)
        parts.append(1.0 - scaled if r["direction"].iloc[0] == "bad" else scaled)
    return pd.concat(parts, axis=1).mean(axis=1) if parts else None


def raw_components(
    profile: pd.DataFrame,
    growth: pd.Series,
    predicted: pd.Series | None = None,
    outcomes: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Raw (unnormalised) data components per segment (only those measured), and notes on the
    components without data. ``predicted``: expected next-period spend per segment (None when there
    is no usable prediction). ``outcomes``: :func:`outcome_rates` (None or empty: no outcome column,
    and no note: the outcome weighs 0 unless the analyst gives it a weight).
    """
    p = profile.set_index("segment")
    notes = []
    raw = pd.DataFrame(index=p.index)
    raw["size"] = p["customer_share"]
    _growth_component(raw, growth, notes)
    if p["revenue"].notna().any():
        raw["value_per_customer"] = p["value_per_customer"]
        raw["total_value"] = p["revenue"]
    else:
        notes.append(_("value per customer, total value: not measured (the customer value is unknown)"))
    if predicted is not None and predicted.notna().any():
        raw["predicted_value"] = predicted.reindex(p.index).clip(lower=0)
    else:
        notes.append(_("predicted value: not measured (no next-period prediction that beats the naive forecast)"))
    _ability_components(p, raw, notes)
    if outcomes is not None and len(outcomes):
        score = _outcome_component(outcomes, p.index)
        if score is not None:
            raw["outcome"] = score
        else:
            notes.append(
                _(
                    "outcome: not measured (no outcome column with a known direction that tells the segments apart; "
                    "prioritization.outcomes gives a direction)"
                )
            )
    return raw, notes


#: A channel counts in the media mix when it carries at least this share of a segment's orders.
MEDIA_MIX_LEAST = 0.10


def _ability_components(p: pd.DataFrame, raw: pd.DataFrame, notes: list[str]) -> None:
    """The raw ability-to-win components the profile ``p`` measures, added to ``raw`` (notes on the others)."""
    appeal_cols = [c for c in APPEAL_PARTS if c in p]
    if appeal_cols:
        raw["appeal"] = p[appeal_cols].mean(axis=1)
    else:
        notes.append(_("appeal: not measured (no campaign or visit data)"))
    if "reachable" in p:
        raw["coverage"] = p["reachable"]
    else:
        notes.append(_("coverage: not measured (no contact permissions)"))
    chan = [c for c in CHANNELS if c in p]
    if chan:
        raw["media_mix"] = (p[chan] >= MEDIA_MIX_LEAST).sum(axis=1) / 3.0
    else:
        notes.append(_("media mix: not measured (no channel data)"))
    parts = []
    if "return_share" in p:
        parts.append(1.0 - p["return_share"].clip(0, 1))
    for c in _satisfaction_columns(p):
        lo, hi = p[c].min(), p[c].max()
        parts.append((p[c] - lo) / (hi - lo) if hi > lo else pd.Series(0.5, index=p.index))
    if parts:
        raw["credibility"] = pd.concat(parts, axis=1).mean(axis=1)
    else:
        notes.append(_("credibility: not measured (no return or satisfaction data)"))


def _satisfaction_columns(p: pd.DataFrame) -> list[str]:
    """The profile's survey satisfaction means (a column named like ``satisf``), not their medians or indexes."""
    return [
        c
        for c in p.columns
        if "satisf" in c.lower() and not c.endswith(("_index", "_median")) and pd.api.types.is_numeric_dtype(p[c])
    ]


def _growth_component(raw: pd.DataFrame, growth: pd.Series, notes: list[str]) -> None:
    """The growth of each segment's share of the active customers in ``raw``: an unknown growth
    stays unknown (NaN, never 0), and the notes say which segments have none.
    """
    g = growth.reindex(raw.index)
    if g.isna().all():
        notes.append(_("growth: not measured (no history over time to monitor, or a single period)"))
        return
    if (g.dropna() == 0).all():
        notes.append(
            _(
                "growth: not measured (no segment's share of the active customers changed beyond what resampling "
                "explains, so it cannot rank them)"
            )
        )
        return
    raw["growth"] = g
    unknown = [int(s) for s in raw.index[g.isna()]]
    if unknown:
        notes.append(
            _("growth: unknown for %(segments)s (nobody active in the periods compared): neutral in attractiveness")
            % {"segments": i18n.join(segment_code(s) for s in unknown)}
        )


#: Amounts compared as ratios to the best segment; everything else is min-max scaled.
RATIO_SCALED = ("size", "value_per_customer", "total_value", "predicted_value")


def normalise(col: pd.Series, ratio: bool = False) -> pd.Series:
    """Scale a component to 0..1 across segments.

    ``ratio``: value / the largest value (a segment half the size of the biggest scores 0.5),
    for amounts that are never negative. Otherwise min-max (lowest 0, highest 1). A constant
    or missing column is neutral (0.5).
    """
    if col.isna().all():
        return pd.Series(0.5, index=col.index)
    lo, hi = col.min(), col.max()
    if ratio and lo >= 0 and hi > 0:
        return (col / hi).fillna(0.5)
    if hi - lo <= 1e-12:
        return pd.Series(0.5, index=col.index)
    return ((col - lo) / (hi - lo)).fillna(0.5)


def quadrant(attractiveness: float, ability: float, threshold: float) -> str:
    """Target / Convert / Grow / Ignore; an axis is high at or above the threshold."""
    a_high, w_high = attractiveness >= threshold, ability >= threshold
    if a_high and w_high:
        return "Target"
    if a_high:
        return "Convert"
    if w_high:
        return "Grow"
    return "Ignore"


ACTIONS[NOT_PLACED] = N_(
    "Ability to win is not measured: ranked by attractiveness only. Give the analyst inputs "
    "below to place it on the matrix."
)
ABILITY_INPUTS = ("appeal", "coverage", "media_mix", "credibility")


def _scaled_components(
    raw: pd.DataFrame, params: Prioritization, notes: list[str]
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Every component scaled 0..1 (NaN: not measured), and where each measured one comes from
    (``data`` or ``analyst``). A component the same for every segment ranks nothing: left out,
    with a note. Judgement calls without an analyst input are neutral (0.5).
    """
    for c in list(raw.columns):
        if len(raw) > 1 and raw[c].nunique(dropna=True) <= 1:  # the same for every segment: it ranks nothing
            notes.append(
                _("%(component)s: not measured (the same for every segment, so it cannot rank them)")
                % {"component": _(COMPONENT_LABELS[c])}
            )
            raw.drop(columns=c, inplace=True)
    comp = pd.DataFrame({c: normalise(raw[c], ratio=c in RATIO_SCALED) for c in raw.columns}, index=raw.index)
    measured = dict.fromkeys(raw.columns, "data")  # component -> "data" | "analyst"
    _add_analyst_inputs(comp, measured, params)
    for c in ANALYST:  # judgement calls: neutral unless given
        comp[c] = comp[c].fillna(0.5) if c in comp else 0.5
    for c in (*ATTRACTIVENESS_COMPONENTS, *ABILITY_COMPONENTS):
        if c not in comp:
            comp[c] = np.nan
    return comp, measured


def _add_analyst_inputs(comp: pd.DataFrame, measured: dict[str, str], params: Prioritization) -> None:
    """The analyst's inputs in ``comp``: a judgement call counts as measured once given for any
    segment; an ability input once given for every segment (or when the data measure it too).
    """
    unknown = [s for s in params.analyst_inputs if s not in comp.index]
    if unknown:
        raise ValueError(
            f"prioritization.analyst_inputs names segment {unknown[0]}, but segments are {list(comp.index)}"
        )
    for c in (*ANALYST, *ABILITY_INPUTS):
        given = {s: getattr(inp, c) for s, inp in params.analyst_inputs.items() if getattr(inp, c) is not None}
        if not given:
            continue
        if c not in comp:
            comp[c] = np.nan
        for s, v in given.items():
            comp.loc[s, c] = v
        if c in ANALYST or comp[c].notna().all() or measured.get(c) == "data":
            measured[c] = measured.get(c, "analyst")


def _axis(comp: pd.DataFrame, measured: dict[str, str], weights: dict[str, float], attractiveness: bool) -> pd.Series:
    """An axis: the weighted mean of its measured components (and, for attractiveness, the
    judgement calls); NaN for every segment when none of its components is measured.
    """
    used = {c: w for c, w in weights.items() if w > 0 and (c in measured or (attractiveness and c in ANALYST))}
    if not [c for c in used if c in measured]:
        return pd.Series(np.nan, index=comp.index)
    total = sum(used.values())
    return sum(w * comp[c].fillna(0.5) for c, w in used.items()) / total


def _apply_overrides(out: pd.DataFrame, params: Prioritization) -> None:
    """The analyst's quadrants replace the computed ones, with their reasons."""
    out["quadrant"] = out["computed_quadrant"]
    out["override_reason"] = ""
    for o in params.overrides:
        hit = out["segment"] == o.segment
        if not hit.any():
            raise ValueError(
                f"prioritization.overrides names segment {o.segment}, but segments are {out['segment'].tolist()}"
            )
        out.loc[hit, "quadrant"] = o.quadrant
        out.loc[hit, "override_reason"] = o.reason


def _budget_basis(profile: pd.DataFrame, predicted: pd.Series | None) -> tuple[pd.Series, str]:
    """What the budget is split by, per segment, and its name: the predicted next-period spend,
    else the observed net value, else the customers when the value is unknown.
    """
    revenue = profile.set_index("segment")["revenue"]
    if predicted is not None and predicted.notna().any():
        return predicted.reindex(revenue.index).clip(lower=0), N_("predicted next-period spend")
    if revenue.notna().any():
        return revenue, N_("observed net value")
    return profile.set_index("segment")["customers"].astype(float), N_("customers (the value is unknown)")


def boston_matrix(
    profile: pd.DataFrame,
    growth: pd.Series,
    personas: pd.DataFrame,
    params: Prioritization,
    predicted: pd.Series | None = None,
    outcomes: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Every component, both axes, the quadrant, the action, what decided it (in facts with their
    units) and the budget per segment (see the module doc). ``predicted``: expected next-period spend
    per segment (stage 04, only when it beats the naive forecast), or None. ``outcomes``: the
    outcome rates per segment (:func:`outcome_rates`), or None.
    """
    raw, notes = raw_components(profile, growth, predicted, outcomes)
    no_outcome = outcomes is None or not len(outcomes)
    if no_outcome and params.weights.attractiveness.get("outcome", 0) > 0:
        notes.append(_("outcome: not measured (no outcome column such as churn, response or subscribed in the data)"))
    comp, measured = _scaled_components(raw, params, notes)
    out = pd.DataFrame({"segment": comp.index.astype("int64")})
    out["persona"] = out["segment"].map(personas.set_index("segment")["persona"]).fillna("")
    sized = profile.set_index("segment").reindex(comp.index)
    out["customers"] = sized["customers"].to_numpy(dtype="int64")
    out["customer_share"] = sized["customer_share"].to_numpy(dtype=float)
    for c in raw.columns:
        out[f"{c}_raw"] = raw[c].to_numpy()
    for c in (*ATTRACTIVENESS_COMPONENTS, *ABILITY_COMPONENTS):
        out[c] = comp[c].to_numpy()
    out["attractiveness"] = _axis(comp, measured, params.weights.attractiveness, True).to_numpy()
    ability = _axis(comp, measured, params.weights.ability_to_win, False)
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
    _apply_overrides(out, params)
    out["analyst_reason"] = [
        params.analyst_inputs[s].reason if s in params.analyst_inputs else "" for s in out["segment"]
    ]
    out["action"] = out["quadrant"].map(ACTIONS)
    facts = _facts(profile, raw, comp, measured, params, outcomes)
    for c in facts.columns:
        out[c] = facts[c].to_numpy()
    out["decided_by"] = [i18n.as_text(decided_by(r, measured, params)) for _, r in out.iterrows()]
    out["revenue"] = profile.set_index("segment")["revenue"].reindex(out["segment"]).to_numpy()
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
    base = {"weight": i18n.as_number(r["budget_weight"], 2), "amount": i18n.as_number(r["basis_value"])}
    if not placed and r["quadrant"] == NOT_PLACED:
        return i18n.Note.of(N_("attractiveness %(weight)s x %(amount)s %(basis)s"), **base, basis=what)
    return i18n.Note.of(
        N_("%(quadrant)s weight %(weight)s x %(amount)s %(basis)s"),
        **base,
        basis=what,
        quadrant=i18n.as_term(r["quadrant"]),
    )


#: The facts behind each data component, as a reader sees them (their numbers in their units).
FACTS = {
    "size": N_("%(customers)s customers, %(share)s of all"),
    "growth": N_("%(rate)s active customers"),
    "value_per_customer": N_("%(amount)s per customer"),
    "total_value": N_("%(amount)s net value, %(share)s of all"),
    "predicted_value": N_("%(amount)s expected next-period spend"),
    "coverage": N_("%(share)s reachable by e-mail or SMS"),
    "media_mix": N_("%(n)s of 3 channels (%(channels)s) carry at least %(least)s of its orders"),
    "campaign_click_rate": N_("clicks on %(share)s of campaign messages"),
    "campaign_conversion_rate": N_("converts on %(share)s of campaign messages"),
    "browse_conversion": N_("buys in %(share)s of visits"),
    "return_share": N_("returns %(share)s of the value bought"),
    "satisfaction": N_("%(question)s %(value)s on average"),
    "outcome": N_("%(outcome)s %(rate)s (all customers %(base)s)"),
    "analyst": N_("%(component)s %(score)s of 1 (the analyst's judgement)"),
    "neutral": N_("%(component)s neutral (0.5): not given by the analyst"),
}
APPEAL_PARTS = ("campaign_click_rate", "campaign_conversion_rate", "browse_conversion")
CHANNELS = {"web_share": N_("web"), "store_share": N_("store"), "app_share": N_("app")}


def share_text(v) -> i18n.Value:
    """A share as a percentage: one decimal below 10 % (3.4 % and 11.7 % stay apart), none above."""
    return i18n.as_percent(v, 1 if abs(float(v)) < 0.1 else 0)


def share_beside(v, rule: float) -> i18n.Value:
    """A share compared with ``rule`` in the text: as :func:`share_text`, with the decimals that keep
    it on its side of the rule (:func:`seglab.i18n.percent_beside`: 9.96 % is never "10 %").
    """
    return i18n.Value("beside", (i18n.plain(v), rule), 1 if abs(float(v)) < 0.1 else 0)


def _rate_text(v, kind: str) -> i18n.Value:
    """An outcome's rate: a flag's share of 1s as a percentage, a number's mean as a number."""
    return share_text(v) if kind == "flag" else i18n.as_number(v, 2)


def _semicolons(items) -> i18n.Value:
    """Facts that hold commas, joined with the reader's semicolon."""
    return i18n.joined(items, N_("; "))


def _places(score: pd.Series) -> pd.Series:
    """Each segment's place on a component, from its 0..1 score: best of n, worst of n, or its rank
    (best first); empty where the segment has no score.
    """
    n = int(score.notna().sum())
    best, worst = score.rank(ascending=False, method="min"), score.rank(ascending=True, method="min")
    out = {}
    for seg, rank in best.items():
        if pd.isna(rank):
            out[seg] = ""
        elif rank == 1:
            out[seg] = i18n.Note.of(N_("best of %(n)s"), n=n)
        elif worst[seg] == 1:
            out[seg] = i18n.Note.of(N_("worst of %(n)s"), n=n)
        else:
            out[seg] = i18n.Note.of(N_("%(rank)s of %(n)s, best first"), rank=int(rank), n=n)
    return pd.Series(out, dtype=object)


def _data_fact(c: str, pr: pd.Series, raw: pd.Series, outcomes: pd.DataFrame | None) -> str:
    """The facts behind data component ``c`` for one segment (profile row ``pr``, raw components ``raw``)."""
    if c == "size":
        return i18n.Note.of(FACTS[c], customers=i18n.as_number(pr["customers"]), share=share_text(pr["customer_share"]))
    if c == "growth":
        return i18n.Note.of(FACTS[c], rate=i18n.as_percent(raw["growth"], 0, sign=True))
    if c in ("value_per_customer", "predicted_value"):
        amount = pr["value_per_customer"] if c == "value_per_customer" else raw[c]
        return i18n.Note.of(FACTS[c], amount=i18n.as_money(amount))
    if c == "total_value":
        return i18n.Note.of(FACTS[c], amount=i18n.as_money(pr["revenue"]), share=share_text(pr["revenue_share"]))
    if c == "coverage":
        return i18n.Note.of(FACTS[c], share=share_text(pr["reachable"]))
    if c == "appeal":
        parts = [i18n.Note.of(FACTS[f], share=share_text(pr[f])) for f in APPEAL_PARTS if pd.notna(pr.get(f))]
        return i18n.listed(parts) if parts else ""
    if c == "media_mix":
        shares = [(label, pr[f]) for f, label in CHANNELS.items() if pd.notna(pr.get(f))]
        return i18n.Note.of(
            FACTS[c],
            n=int(sum(v >= MEDIA_MIX_LEAST for _l, v in shares)),
            least=i18n.as_percent(MEDIA_MIX_LEAST),
            channels=[
                i18n.Note.of(
                    N_("%(first)s %(second)s"), first=i18n.as_term(label), second=share_beside(v, MEDIA_MIX_LEAST)
                )
                for label, v in shares
            ],
        )
    if c == "credibility":
        return _credibility_fact(pr)
    return _outcome_fact(pr.name, outcomes)


def _credibility_fact(pr: pd.Series) -> str:
    parts = (
        [i18n.Note.of(FACTS["return_share"], share=share_text(pr["return_share"]))]
        if pd.notna(pr.get("return_share"))
        else []
    )
    parts += [
        i18n.Note.of(FACTS["satisfaction"], question=str(c).replace("_", " "), value=i18n.as_number(float(pr[c]), 2))
        for c in pr.index
        if "satisf" in str(c).lower()
        and not str(c).endswith(("_index", "_median"))
        and isinstance(pr[c], int | float | np.number)
        and pd.notna(pr[c])
    ]
    return i18n.listed(parts) if parts else ""


def _outcome_fact(segment, outcomes: pd.DataFrame | None) -> str:
    if outcomes is None or not len(outcomes):
        return ""
    rows = outcomes[(outcomes["segment"] == segment) & outcomes["direction"].isin(["good", "bad"])]
    parts = [
        i18n.Note.of(
            FACTS["outcome"],
            outcome=r["label"],
            rate=_rate_text(r["rate"], r["kind"]),
            base=_rate_text(r["base_rate"], r["kind"]),
        )
        for _i, r in rows.iterrows()
    ]
    return i18n.listed(parts) if parts else ""


def _facts(
    profile: pd.DataFrame,
    raw: pd.DataFrame,
    comp: pd.DataFrame,
    measured: dict[str, str],
    params: Prioritization,
    outcomes: pd.DataFrame | None,
) -> pd.DataFrame:
    """The facts behind every measured component (and every judgement call given), per segment, in
    their units and with the segment's place among the segments: ``<component>_fact`` columns.
    """
    p = profile.set_index("segment")
    if "revenue_share" not in p:
        p = p.assign(revenue_share=p["revenue"] / p["revenue"].sum())
    out = pd.DataFrame(index=comp.index)
    for c in (*ATTRACTIVENESS_COMPONENTS, *ABILITY_COMPONENTS):
        if c not in measured:
            continue
        places = _places(comp[c])
        texts = []
        for seg in comp.index:
            given = params.analyst_inputs.get(seg)
            value = getattr(given, c, None) if given is not None else None
            label = i18n.as_term(COMPONENT_LABELS[c])
            if value is not None:
                fact = i18n.Note.of(FACTS["analyst"], component=label, score=i18n.as_number(value, 2))
            elif c in ANALYST:
                fact = i18n.Note.of(FACTS["neutral"], component=label)
            else:
                fact = _data_fact(c, p.loc[seg], raw.loc[seg] if seg in raw.index else pd.Series(dtype=float), outcomes)
            placed = fact and places[seg]
            texts.append(i18n.Note.of(N_("%(first)s (%(second)s)"), first=fact, second=places[seg]) if placed else fact)
        out[f"{c}_fact"] = [i18n.as_text(t) for t in texts]
    return out


#: Readable names of the components.
COMPONENT_LABELS = {
    "size": N_("size"),
    "growth": N_("growth"),
    "value_per_customer": N_("value per customer"),
    "total_value": N_("total value"),
    "predicted_value": N_("predicted spend"),
    "competition": N_("competition (analyst)"),
    "fit": N_("fit (analyst)"),
    "outcome": N_("outcome"),
    "appeal": N_("appeal"),
    "coverage": N_("reach by e-mail/SMS"),
    "media_mix": N_("media mix"),
    "credibility": N_("credibility"),
}


def decided_by(r: pd.Series, measured: dict[str, str], params: Prioritization) -> str:
    """Which components decided a segment's place, in facts with their units and the segment's place
    among the segments (the ``<component>_fact`` columns of :func:`boston_matrix`), e.g. "Convert.
    Attractive: EUR 12,880 per customer (best of 5); ... Hard to win: returns 20% of the value bought
    (worst of 5); ...". The two components named on each axis are those that pull it most to its
    side (the highest scores of a high axis, the lowest of a low one); the 0..1 scores only choose
    them and are never shown as facts.
    """

    def top(weights: dict[str, float], high: bool) -> str:
        cands = [(c, r[c]) for c, w in weights.items() if w > 0 and c in measured and not pd.isna(r[c])]
        # by the score to 2 decimals, ties in the components' fixed order: the sentence depends neither
        # on float noise nor on the order of the weights in the YAML file
        order = list(COMPONENT_LABELS)
        cands.sort(key=lambda cv: (-round(float(cv[1]), 2) if high else round(float(cv[1]), 2), order.index(cv[0])))
        return _semicolons(_shown_fact(r, c) for c, _v in cands[:2])

    t = params.threshold
    a, w = r["attractiveness"], r["ability_to_win"]
    att = i18n.Note.of(
        N_("Attractive: %(facts)s") if a >= t else N_("Less attractive: %(facts)s"),
        facts=top(params.weights.attractiveness, a >= t),
    )
    if pd.isna(w):
        return i18n.Note.of(N_("%(attractiveness)s. Ability to win not measured."), attractiveness=att)
    win = i18n.Note.of(
        N_("Easy to win: %(facts)s") if w >= t else N_("Hard to win: %(facts)s"),
        facts=top(params.weights.ability_to_win, w >= t),
    )
    return i18n.Note.of(
        N_("%(quadrant)s. %(attractiveness)s. %(ability)s."),
        quadrant=i18n.as_term(r["computed_quadrant"]),
        attractiveness=att,
        ability=win,
    )


def _shown_fact(r: pd.Series, c: str):
    """Component ``c``'s facts in row ``r`` (a note); its name alone when the row carries no facts."""
    fact = r.get(f"{c}_fact")
    return fact if i18n.is_note(fact) or (isinstance(fact, str) and fact) else i18n.as_term(COMPONENT_LABELS[c])


def analyst_template(bm: pd.DataFrame) -> str:
    """A ready-to-fill YAML block of the analyst inputs that would complete the matrix."""
    missing = bm.attrs.get("unmeasured_inputs") or []
    fields = [*missing, "competition", "fit"]
    lines = ["prioritization:", "  analyst_inputs:"]
    for _i, r in bm.iterrows():
        name = re.sub(r"[`\r\n]", " ", i18n.say(r["persona"]))  # a comment line: no line break, no code fence
        lines.append(f"    {int(r['segment'])}:  # {name}")
        for f in fields:
            lines.append(f"      {f}:   # 0..1")
        lines.append('      reason: ""')
    return "\n".join(lines)


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


def _components(bm: pd.DataFrame) -> np.ndarray:
    return bm[[*ATTRACTIVENESS_COMPONENTS, *ABILITY_COMPONENTS]].to_numpy(dtype=float)


def _weights(params: Prioritization, measured: dict[str, str]) -> np.ndarray:
    """The weights of every component, 0 for one left out of its axis (not measured)."""
    att = [
        params.weights.attractiveness.get(c, 0.0) if c in measured or c in ANALYST else 0.0
        for c in ATTRACTIVENESS_COMPONENTS
    ]
    win = [params.weights.ability_to_win.get(c, 0.0) if c in measured else 0.0 for c in ABILITY_COMPONENTS]
    return np.array(att + win)


def sensitivity(bm: pd.DataFrame, params: Prioritization, seed: int) -> pd.DataFrame:
    """How often each segment keeps its computed quadrant when the weights are perturbed.

    Returns per segment: persona, computed quadrant, stay share, the share of draws in each
    quadrant, the most frequent other quadrant and ``fragile`` (stay share < fragile_below).
    """
    sp = params.sensitivity
    comp = np.nan_to_num(_components(bm), nan=0.5)  # segments x components (scaled); unmeasured ones weigh 0
    names = [*ATTRACTIVENESS_COMPONENTS, *ABILITY_COMPONENTS]
    base = _weights(params, bm.attrs.get("measured") or {c: "data" for c in names})
    if not (bm["computed_quadrant"] != NOT_PLACED).all():
        sp = sp.model_copy(update={"draws": 0})  # nothing placed: nothing to perturb
    rng = np.random.default_rng(seed)
    w = base * np.exp(rng.normal(0.0, sp.spread, size=(sp.draws, len(names))))  # draws x components
    na = len(ATTRACTIVENESS_COMPONENTS)
    a = (w[:, :na] @ comp[:, :na].T) / w[:, :na].sum(axis=1, keepdims=True)  # draws x segments
    b = (w[:, na:] @ comp[:, na:].T) / w[:, na:].sum(axis=1, keepdims=True)
    t = params.threshold
    quad = np.where(a >= t, np.where(b >= t, "Target", "Convert"), np.where(b >= t, "Grow", "Ignore"))
    out = pd.DataFrame(
        {
            "segment": bm["segment"].to_numpy(),
            "persona": bm["persona"].to_numpy(),
            "computed_quadrant": bm["computed_quadrant"].to_numpy(),
        }
    )
    for q in QUADRANTS:
        out[f"share_{q}"] = (quad == q).mean(axis=0) if sp.draws else np.nan
    share = out[[f"share_{q}" for q in QUADRANTS]].set_axis(list(QUADRANTS), axis=1)
    own = share.columns.to_numpy() == out["computed_quadrant"].to_numpy()[:, None]
    out["stay_share"] = share.where(own).max(axis=1)
    others = share.mask(own, -1.0)  # the most frequent other quadrant (first in QUADRANTS on a tie)
    out["else_most_often"] = others.idxmax(axis=1).where(others.max(axis=1) > 0, "") if sp.draws else ""
    reasons = fragility(bm, out, params)
    out["fragile"] = [bool(r) for r in reasons]
    out["fragile_reasons"] = [json.dumps(r, ensure_ascii=False) for r in reasons]
    return out


#: Why a placement is fragile: each reason is kept as data (an id and its numbers) and said here,
#: in the reader's language, where it is shown (:func:`fragility_text`).
FRAGILE_REASONS = {
    "weights": N_(
        "kept its quadrant in %(share)s of the weight changes (fragile below %(rule)s); otherwise mostly %(other)s"
    ),
    "ignore_share": N_(
        "the segments placed in Ignore (%(segments)s) hold %(share)s of the customers (fragile at %(rule)s or "
        "more): giving that many customers no budget needs more evidence than the matrix"
    ),
    "one_component": N_("%(axis)s rests on %(component)s alone: the only component of that axis measured and weighted"),
    ("decides", "attractiveness", False): N_(
        "without %(component)s, the other components of attractiveness would make it attractive"
    ),
    ("decides", "attractiveness", True): N_(
        "without %(component)s, the other components of attractiveness would make it less attractive"
    ),
    ("decides", "ability_to_win", False): N_(
        "without %(component)s, the other components of ability to win would make it easy to win"
    ),
    ("decides", "ability_to_win", True): N_(
        "without %(component)s, the other components of ability to win would make it hard to win"
    ),
}
AXES = {"attractiveness": N_("attractiveness"), "ability_to_win": N_("ability to win")}


def fragility(bm: pd.DataFrame, sens: pd.DataFrame, params: Prioritization) -> list[list[dict]]:
    """Why each placement is fragile (see the module doc), as data: per segment (in ``bm``'s order) a
    list of reasons, each a dict with an ``id`` (``weights``, ``ignore_share``, ``one_component``,
    ``decides``) and its numbers; empty when the placement is not fragile or not placed.
    """
    sp = params.sensitivity
    reasons: list[list[dict]] = [[] for _i in range(len(bm))]
    if sp.draws:
        for i, (stay, other) in enumerate(zip(sens["stay_share"], sens["else_most_often"], strict=True)):
            if stay < sp.fragile_below:
                reasons[i].append({"id": "weights", "share": float(stay), "rule": sp.fragile_below, "other": other})
    ignore = (bm["computed_quadrant"] == "Ignore").to_numpy()
    if "customer_share" in bm and ignore.any():
        held = float(bm.loc[ignore, "customer_share"].sum())
        if held >= sp.fragile_ignore_share:
            segments = [int(s) for s in bm.loc[ignore, "segment"]]
            for i in np.flatnonzero(ignore):
                reasons[i].append(
                    {"id": "ignore_share", "share": held, "rule": sp.fragile_ignore_share, "segments": segments}
                )
    measured = bm.attrs.get("measured") or dict.fromkeys((*ATTRACTIVENESS_COMPONENTS, *ABILITY_COMPONENTS), "data")
    placed = (bm["computed_quadrant"] != NOT_PLACED).to_numpy()
    for axis, weights in (
        ("attractiveness", params.weights.attractiveness),
        ("ability_to_win", params.weights.ability_to_win),
    ):
        used = {
            c: w for c, w in weights.items() if w > 0 and (c in measured or (axis == "attractiveness" and c in ANALYST))
        }
        core = [c for c in used if c in measured]
        for i, (_i, r) in enumerate(bm.iterrows()):
            if placed[i] and core:
                reasons[i] += _rests_on(r, axis, used, core, params.threshold)
    return reasons


def _rests_on(r: pd.Series, axis: str, used: dict[str, float], core: list[str], threshold: float) -> list[dict]:
    """The reasons a segment's side of ``axis`` rests on one component: the only one measured
    (``core``: the measured components with a weight), or one whose weighted pull decides the side
    (the others alone, with their weights, would put it on the other side of the threshold).
    """
    if len(core) == 1:
        return [{"id": "one_component", "axis": axis, "component": core[0]}]
    high = bool(r[axis] >= threshold)
    out = []
    for j in core:
        others = {c: w for c, w in used.items() if c != j}
        alone = sum(w * (0.5 if pd.isna(r[c]) else float(r[c])) for c, w in others.items()) / sum(others.values())
        if (alone >= threshold) != high:
            out.append({"id": "decides", "axis": axis, "component": j, "high": high})
    return out


def fragility_text(reasons) -> list[str]:
    """The reasons of :func:`fragility` (a list, or its JSON as stored in ``boston_sensitivity.csv``)
    in the reader's language; every share compared with its rule is shown on its own side of it.
    """
    if isinstance(reasons, str):
        reasons = json.loads(reasons) if reasons.strip() else []
    out = []
    for r in reasons or []:
        rid = r.get("id")
        if rid in ("weights", "ignore_share"):
            values = {"share": i18n.say(share_beside(r["share"], r["rule"])), "rule": i18n.percent_exact(r["rule"])}
            if rid == "weights":
                values["other"] = _(r["other"]) if r.get("other") else "–"
            else:
                values["segments"] = i18n.join(segment_code(s) for s in r["segments"])
            out.append(_(FRAGILE_REASONS[rid]) % values)
        elif rid == "one_component":
            out.append(
                _(FRAGILE_REASONS[rid]) % {"axis": _(AXES[r["axis"]]), "component": _(COMPONENT_LABELS[r["component"]])}
            )
        elif rid == "decides":
            template = FRAGILE_REASONS[("decides", r["axis"], bool(r["high"]))]
            out.append(_(template) % {"component": _(COMPONENT_LABELS[r["component"]])})
    return out


def weights_table(params: Prioritization) -> pd.DataFrame:
    """The weights of both axes as a long table (axis, component, weight, share of the axis)."""
    rows = []
    for axis, weights in (
        (_("attractiveness"), params.weights.attractiveness),
        (_("ability to win"), params.weights.ability_to_win),
    ):
        total = sum(weights.values())
        rows += [
            {"axis": axis, "component": _(COMPONENT_LABELS.get(c, c)), "weight": w, "share of axis": w / total}
            for c, w in weights.items()
        ]
    return pd.DataFrame(rows)


def sensitivity_text(sens: pd.DataFrame, params: Prioritization) -> str:
    """Which placements are fragile and why (every reason of :func:`fragility`), in words."""
    sp = params.sensitivity
    if sp.draws == 0:
        head = _("Sensitivity analysis is off (`prioritization.sensitivity.draws: 0`).")
    else:
        head = _(
            "%(draws)s random weight sets (each weight × exp(N(0, %(spread)s²))); a placement kept in fewer than "
            "%(share)s of them is *fragile*."
        ) % {
            "draws": i18n.number(sp.draws),
            "spread": i18n.digits(f"{sp.spread}"),
            "share": i18n.percent_exact(sp.fragile_below),
        }
    head += " " + _(
        "A placement is fragile too when the segments placed in Ignore hold %(share)s of the customers or more, "
        "or when it rests on one component (the only one of its axis, or one without which the others would put "
        "it on the other side of the threshold)."
    ) % {"share": i18n.percent_exact(sp.fragile_ignore_share)}
    lines = [head]
    for _i, r in sens.iterrows():
        if r["fragile"]:
            lines.append(
                f"- **S{r['segment']} {esc(i18n.term(r['persona']))}** ({_(r['computed_quadrant'])}): "
                + esc(i18n.say(_semicolons(fragility_text(r.get("fragile_reasons", "[]")))))
            )
    if len(lines) == 1:
        lines.append("- " + _("No placement is fragile: each keeps its quadrant and rests on more than one component."))
    return "\n".join(lines)


def budget_text(bm: pd.DataFrame, params: Prioritization) -> str:
    """The budget policy in words, with the split it gives."""
    b = params.budget
    weights = i18n.join(f"{_(q)} {i18n.digits(f'{w:g}')}" for q, w in b.quadrant_weights.items())
    basis = _(bm["budget_basis"].iloc[0]) if len(bm) else _("value")
    if len(bm) and (bm["computed_quadrant"] == NOT_PLACED).all():
        return _(
            "A budget of %(total)s is split in proportion to each segment's attractiveness x its %(basis)s "
            "(ability to win is not measured, so no quadrant weights apply)."
        ) % {"total": i18n.money(b.total), "basis": basis}
    return _(
        "A budget of %(total)s is split in proportion to each segment's quadrant weight (%(weights)s) x its "
        "%(basis)s, so no segment gets more than one of at least equal value in a higher-priority quadrant."
    ) % {"total": i18n.money(b.total), "weights": weights, "basis": basis}


def action_table(bm: pd.DataFrame) -> pd.DataFrame:
    """What to do with each segment, Target first, then Convert, Grow and Ignore."""
    cols = [
        "segment",
        "persona",
        "attractiveness",
        "ability_to_win",
        "quadrant",
        "action",
        "decided_by",
        "budget",
        "budget_share",
        "budget_how",
        "override_reason",
        "analyst_reason",
    ]
    order = bm["quadrant"].map({q: i for i, q in enumerate((*QUADRANTS, NOT_PLACED))})
    rank = -bm["attractiveness"]
    return (
        bm.assign(_order=order, _rank=rank)
        .sort_values(["_order", "_rank", "segment"], kind="mergesort")[cols]
        .reset_index(drop=True)
    )
