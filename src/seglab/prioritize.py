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

Sensitivity: every weight is multiplied by exp(N(0, spread^2)) in each of ``draws`` seeded
draws; a segment's *stay share* is the share of draws that keep its computed quadrant, and a
placement kept in fewer than ``fragile_below`` of the draws is *fragile*.

Budget: a segment's budget is proportional to its quadrant's weight (``budget.quadrant_weights``,
non-increasing from Target to Ignore) times its value (the predicted next-period spend when the
prediction beats the naive forecast, else the observed net value; the number of customers when the
value is unknown). So a segment never gets more than a segment of at least equal value in a
higher-priority quadrant. Segments not placed get attractiveness x value.
"""

from __future__ import annotations

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
from seglab.vocabulary import NOT_PLACED, QUADRANTS

ACTIONS = {
    "Target": N_("Core customers: protect them from competitors and keep serving them well."),
    "Convert": N_("Attractive, but we attract them poorly today: improve one element of the marketing mix for them."),
    "Grow": N_(
        "Easy for us to attract but less profitable than wished: review periodically and look for a different strategy."
    ),
    "Ignore": N_("Neither attractive nor winnable: do not spend time, money and energy here."),
}
ANALYST = ("competition", "fit")


def raw_components(
    profile: pd.DataFrame, growth: pd.Series, predicted: pd.Series | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """Raw (unnormalised) data components per segment (only those measured), and notes on the
    components without data. ``predicted``: expected next-period spend per segment (None when there
    is no usable prediction).
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
    appeal_cols = [c for c in ("campaign_click_rate", "campaign_conversion_rate", "browse_conversion") if c in p]
    if appeal_cols:
        raw["appeal"] = p[appeal_cols].mean(axis=1)
    else:
        notes.append(_("appeal: not measured (no campaign or visit data)"))
    if "reachable" in p:
        raw["coverage"] = p["reachable"]
    else:
        notes.append(_("coverage: not measured (no contact permissions)"))
    chan = [c for c in ("web_share", "store_share", "app_share") if c in p]
    if chan:
        raw["media_mix"] = (p[chan] >= 0.10).sum(axis=1) / 3.0
    else:
        notes.append(_("media mix: not measured (no channel data)"))
    parts = []
    if "return_share" in p:
        parts.append(1.0 - p["return_share"].clip(0, 1))
    satisfaction = [
        c
        for c in p.columns
        if "satisf" in c.lower() and not c.endswith(("_index", "_median")) and pd.api.types.is_numeric_dtype(p[c])
    ]  # the segment means, not their medians or indexes
    for c in satisfaction:
        lo, hi = p[c].min(), p[c].max()
        parts.append((p[c] - lo) / (hi - lo) if hi > lo else pd.Series(0.5, index=p.index))
    if parts:
        raw["credibility"] = pd.concat(parts, axis=1).mean(axis=1)
    else:
        notes.append("credibility: not measured (no return or satisfaction data)")
    return raw, notes


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
            % {"segments": i18n.join(f"S{s}" for s in unknown)}
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
) -> tuple[pd.DataFrame, list[str]]:
    """Every component, both axes, the quadrant, the action, what decided it and the budget per
    segment (see the module doc). ``predicted``: expected next-period spend per segment (stage 04,
    only when it beats the naive forecast), or None.
    """
    raw, notes = raw_components(profile, growth, predicted)
    comp, measured = _scaled_components(raw, params, notes)
    out = pd.DataFrame({"segment": comp.index.astype("int64")})
    out["persona"] = out["segment"].map(personas.set_index("segment")["persona"]).fillna("")
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
    out["decided_by"] = [decided_by(r, measured, params) for _, r in out.iterrows()]
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
    out["budget_how"] = [budget_how(r, placed) for _, r in out.iterrows()]
    out.attrs["measured"] = measured
    out.attrs["unmeasured_inputs"] = [c for c in ABILITY_INPUTS if c not in measured] if not placed else []
    return out, notes


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
        return _("%(quadrant)s: weight 0, no budget") % {"quadrant": _(r["quadrant"])}
    what = _(r["budget_basis"]).split(" (")[0]
    base = {"weight": i18n.number(r["budget_weight"], 2, grouping=False), "amount": i18n.number(r["basis_value"])}
    if not placed and r["quadrant"] == NOT_PLACED:
        return _("attractiveness %(weight)s x %(amount)s %(basis)s") % {**base, "basis": what}
    return _("%(quadrant)s weight %(weight)s x %(amount)s %(basis)s") % {
        **base,
        "basis": what,
        "quadrant": _(r["quadrant"]),
    }


#: Readable names of the components.
COMPONENT_LABELS = {
    "size": N_("size"),
    "growth": N_("growth"),
    "value_per_customer": N_("value per customer"),
    "total_value": N_("total value"),
    "predicted_value": N_("predicted spend"),
    "competition": N_("competition (analyst)"),
    "fit": N_("fit (analyst)"),
    "appeal": N_("appeal"),
    "coverage": N_("reach by e-mail/SMS"),
    "media_mix": N_("media mix"),
    "credibility": N_("credibility"),
}


def decided_by(r: pd.Series, measured: dict[str, str], params: Prioritization) -> str:
    """Which components decided a segment's place, e.g. "Convert: attractive (0.62: value per
    customer 1.00, size 0.80) but hard to win (0.31: appeal 0.10, credibility 0.20)".
    """

    def top(weights: dict[str, float], high: bool) -> str:
        cands = [(c, r[c]) for c, w in weights.items() if w > 0 and c in measured and not pd.isna(r[c])]
        # by the value as shown (2 decimals), ties in the components' fixed order: the sentence depends
        # neither on float noise below what it prints nor on the order of the weights in the YAML file
        order = list(COMPONENT_LABELS)
        cands.sort(key=lambda cv: (-round(float(cv[1]), 2) if high else round(float(cv[1]), 2), order.index(cv[0])))
        return i18n.join(f"{_(COMPONENT_LABELS[c])} {i18n.number(v, 2, grouping=False)}" for c, v in cands[:2])

    t = params.threshold
    a, w = r["attractiveness"], r["ability_to_win"]
    att = (_("attractive (%(score)s: %(top)s)") if a >= t else _("less attractive (%(score)s: %(top)s)")) % {
        "score": i18n.number(a, 2, grouping=False),
        "top": top(params.weights.attractiveness, a >= t),
    }
    if pd.isna(w):
        return _("%(attractiveness)s; ability to win not measured") % {"attractiveness": att}
    win = (_("easy to win (%(score)s: %(top)s)") if w >= t else _("hard to win (%(score)s: %(top)s)")) % {
        "score": i18n.number(w, 2, grouping=False),
        "top": top(params.weights.ability_to_win, w >= t),
    }
    joint = (
        _("%(quadrant)s: %(attractiveness)s and %(ability)s")
        if (a >= t) == (w >= t)
        else _("%(quadrant)s: %(attractiveness)s but %(ability)s")
    )
    return joint % {"quadrant": _(r["computed_quadrant"]), "attractiveness": att, "ability": win}


def analyst_template(bm: pd.DataFrame) -> str:
    """A ready-to-fill YAML block of the analyst inputs that would complete the matrix."""
    missing = bm.attrs.get("unmeasured_inputs") or []
    fields = [*missing, "competition", "fit"]
    lines = ["prioritization:", "  analyst_inputs:"]
    for _i, r in bm.iterrows():
        name = re.sub(r"[`\r\n]", " ", str(r["persona"]))  # a comment line: no line break, no code fence
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
                    "subject": _(COMPONENT_LABELS[c]),
                    "assumed": _("neutral (0.5) for %(segments)s") % {"segments": i18n.join(f"S{s}" for s in unset)},
                    "why": _("an analyst's judgement that the data cannot give"),
                    "change": f"prioritization.analyst_inputs.<segment>.{c}: 0..1",
                }
            )
    measured = bm.attrs.get("measured", {})
    for c in (*ATTRACTIVENESS_COMPONENTS, *ABILITY_COMPONENTS):
        if c not in measured and c not in ANALYST:
            out.append(
                {
                    "stage": "05",
                    "subject": _(COMPONENT_LABELS[c]),
                    "assumed": _("not measured: left out of its axis"),
                    "why": _("no data for it"),
                    "change": f"prioritization.analyst_inputs.<segment>.{c}: 0..1"
                    if c in ABILITY_INPUTS
                    else _("(needs data)"),
                }
            )
    return out


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
    out["fragile"] = out["stay_share"] < sp.fragile_below if sp.draws else False
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
    """The sensitivity result in words: which placements are fragile and where they would go."""
    sp = params.sensitivity
    if sp.draws == 0:
        return _("Sensitivity analysis is off (`prioritization.sensitivity.draws: 0`).")
    head = _(
        "%(draws)s random weight sets (each weight × exp(N(0, %(spread)s²))); a placement kept in fewer than "
        "%(share)s of them is *fragile*."
    ) % {"draws": i18n.number(sp.draws), "spread": i18n.digits(f"{sp.spread}"), "share": i18n.percent(sp.fragile_below)}
    lines = [head]
    for _i, r in sens.iterrows():
        if r["fragile"]:
            lines.append(
                f"- **S{r['segment']} {esc(i18n.term(r['persona']))}**: "
                + _(
                    "%(quadrant)s in %(share)s of the draws, otherwise mostly %(other)s: treat this placement as a "
                    "judgement call."
                )
                % {
                    "quadrant": _(r["computed_quadrant"]),
                    "share": i18n.percent(r["stay_share"]),
                    "other": _(r["else_most_often"]),
                }
            )
    if len(lines) == 1:
        lines.append("- " + _("Every placement is robust to these changes of the weights."))
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
