"""Stage 05, prioritisation: the Boston matrix of segments.

Attractiveness (of the segment to the business) and ability to win (our capacity to
attract it) are weighted means of components, each on a 0..1 scale:

attractiveness
  size                share of customers
  growth              growth rate of the segment's active customers from monitoring
                      (seglab.monitoring.growth: the frozen model applied period by period)
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
total value) as a ratio to the largest segment, the others min-max (lowest 0, highest 1);
a constant component, or one without data, is neutral (0.5) and the notes say so.
Analyst inputs are used as given.
Quadrant rule: an axis is high when its score is >= ``threshold`` (default 0.5):
Target = both high, Convert = attractive only, Grow = winnable only, Ignore = neither.
Analyst overrides replace the quadrant and keep the computed one and the reason.

Sensitivity: every weight is multiplied by exp(N(0, spread^2)) in each of ``draws`` seeded
draws; a segment's *stay share* is the share of draws that keep its computed quadrant, and a
placement kept in fewer than ``fragile_below`` of the draws is *fragile*.

Budget: each quadrant gets its share of ``budget.total`` (``budget.quadrant_shares``); the shares
of quadrants without a segment are handed to the others in proportion to their shares; inside a
quadrant the money is split by segment value (predicted next-period spend when available, else
the observed net value; equally when all values are 0).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from seglab.config import (
    ABILITY_COMPONENTS,
    ATTRACTIVENESS_COMPONENTS,
    QUADRANTS,
    Budget,
    Prioritization,
)

ACTIONS = {
    "Target": "Core customers: protect them from competitors and keep serving them well.",
    "Convert": "Attractive, but we attract them poorly today: improve one element of the marketing mix for them.",
    "Grow": "Easy for us to attract but less profitable than wished: review periodically and look for a different strategy.",
    "Ignore": "Neither attractive nor winnable: do not spend time, money and energy here.",
}
ANALYST = ("competition", "fit")


def raw_components(profile: pd.DataFrame, growth: pd.Series,
                   predicted: pd.Series | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Raw (unnormalised) data components per segment, and notes on components without data.
    ``predicted``: expected next-period spend per segment (None when there is no prediction)."""
    p = profile.set_index("segment")
    notes = []
    raw = pd.DataFrame(index=p.index)
    raw["size"] = p["customer_share"]
    raw["growth"] = growth.reindex(p.index)
    if raw["growth"].isna().all():
        notes.append("growth: no history over time to monitor, neutral (0.5) for every segment")
    raw["value_per_customer"] = p["value_per_customer"]
    raw["total_value"] = p["revenue"]
    if predicted is not None and predicted.notna().any():
        raw["predicted_value"] = predicted.reindex(p.index).clip(lower=0)
    else:
        notes.append("predicted_value: no next-period prediction (stage 04), neutral (0.5) for every segment")
    appeal_cols = [c for c in ("campaign_click_rate", "campaign_conversion_rate", "browse_conversion") if c in p]
    if appeal_cols:
        raw["appeal"] = p[appeal_cols].mean(axis=1)
    else:
        notes.append("appeal: no campaign or visit data, neutral (0.5) for every segment")
    if "reachable" in p:
        raw["coverage"] = p["reachable"]
    else:
        notes.append("coverage: no contact-permission data, neutral (0.5) for every segment")
    chan = [c for c in ("web_share", "store_share", "app_share") if c in p]
    if chan:
        raw["media_mix"] = (p[chan] >= 0.10).sum(axis=1) / 3.0
    else:
        notes.append("media_mix: no channel data, neutral (0.5) unless given by the analyst")
    parts = []
    if "return_share" in p:
        parts.append(1.0 - p["return_share"].clip(0, 1))
    satisfaction = [c for c in p.columns if "satisf" in c.lower() and not c.endswith(("_index", "_median"))
                    and pd.api.types.is_numeric_dtype(p[c])]  # the segment means, not their medians or indexes
    for c in satisfaction:
        lo, hi = p[c].min(), p[c].max()
        parts.append((p[c] - lo) / (hi - lo) if hi > lo else pd.Series(0.5, index=p.index))
    if parts:
        raw["credibility"] = pd.concat(parts, axis=1).mean(axis=1)
    else:
        notes.append("credibility: no return or satisfaction data, neutral (0.5) for every segment")
    return raw, notes


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


def boston_matrix(
    profile: pd.DataFrame, growth: pd.Series, personas: pd.DataFrame, params: Prioritization,
    predicted: pd.Series | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Every component, both axes, the quadrant, the action and the budget per segment.
    ``predicted``: expected next-period spend per segment (stage 04), or None."""
    raw, notes = raw_components(profile, growth, predicted)
    comp = pd.DataFrame(index=raw.index)
    for c in raw.columns:
        comp[c] = normalise(raw[c], ratio=c in RATIO_SCALED)
    for c in (*ATTRACTIVENESS_COMPONENTS, *ABILITY_COMPONENTS):
        if c not in comp:
            comp[c] = 0.5
    for c in ANALYST:
        comp[c] = [getattr(params.analyst_inputs[s], c) if s in params.analyst_inputs else 0.5 for s in comp.index]
    for s, inp in params.analyst_inputs.items():
        if s not in comp.index:
            raise ValueError(f"prioritization.analyst_inputs names segment {s}, but segments are {list(comp.index)}")
        if inp.media_mix is not None:
            comp.loc[s, "media_mix"] = inp.media_mix

    def axis(weights: dict[str, float]) -> pd.Series:
        total = sum(weights.values())
        return sum(w * comp[c] for c, w in weights.items()) / total

    out = pd.DataFrame({"segment": comp.index.astype("int64")})
    out["persona"] = out["segment"].map(personas.set_index("segment")["persona"]).fillna("")
    for c in raw.columns:
        out[f"{c}_raw"] = raw[c].to_numpy()
    for c in (*ATTRACTIVENESS_COMPONENTS, *ABILITY_COMPONENTS):
        out[c] = comp[c].to_numpy()
    out["attractiveness"] = axis(params.weights.attractiveness).to_numpy()
    out["ability_to_win"] = axis(params.weights.ability_to_win).to_numpy()
    out["computed_quadrant"] = [
        quadrant(a, w, params.threshold) for a, w in zip(out["attractiveness"], out["ability_to_win"], strict=True)
    ]
    out["quadrant"] = out["computed_quadrant"]
    out["override_reason"] = ""
    for o in params.overrides:
        hit = out["segment"] == o.segment
        if not hit.any():
            raise ValueError(f"prioritization.overrides names segment {o.segment}, but segments are {out['segment'].tolist()}")
        out.loc[hit, "quadrant"] = o.quadrant
        out.loc[hit, "override_reason"] = o.reason
    out["analyst_reason"] = [params.analyst_inputs[s].reason if s in params.analyst_inputs else "" for s in out["segment"]]
    out["action"] = out["quadrant"].map(ACTIONS)
    out["revenue"] = profile.set_index("segment")["revenue"].reindex(out["segment"]).fillna(0.0).to_numpy()
    value = raw["predicted_value"] if "predicted_value" in raw else raw["total_value"]
    out["budget_basis"] = "predicted next-period spend" if "predicted_value" in raw else "observed net value"
    out["budget"] = budget(out["quadrant"], value.reindex(out["segment"]).to_numpy(dtype=float), params.budget)
    out["budget_share"] = out["budget"] / params.budget.total if params.budget.total > 0 else 0.0
    return out, notes


def budget(quadrants: pd.Series, value: np.ndarray, params: Budget) -> np.ndarray:
    """The budget of each segment (see the module doc)."""
    quadrants = pd.Series(quadrants).reset_index(drop=True)
    value = np.clip(np.nan_to_num(np.asarray(value, dtype=float)), 0, None)
    present = {q: params.quadrant_shares.get(q, 0.0) for q in quadrants.unique()}
    total_share = sum(present.values())
    out = np.zeros(len(quadrants))
    if total_share <= 0:
        return out  # only quadrants without money (e.g. every segment in Ignore)
    for q, share in present.items():
        idx = np.flatnonzero(quadrants.to_numpy() == q)
        pot = params.total * share / total_share
        v = value[idx]
        out[idx] = pot * (v / v.sum() if v.sum() > 0 else np.full(len(idx), 1 / len(idx)))
    return out


def _components(bm: pd.DataFrame) -> np.ndarray:
    return bm[[*ATTRACTIVENESS_COMPONENTS, *ABILITY_COMPONENTS]].to_numpy(dtype=float)


def sensitivity(bm: pd.DataFrame, params: Prioritization, seed: int) -> pd.DataFrame:
    """How often each segment keeps its computed quadrant when the weights are perturbed.

    Returns per segment: persona, computed quadrant, stay share, the share of draws in each
    quadrant, the most frequent other quadrant and ``fragile`` (stay share < fragile_below).
    """
    sp = params.sensitivity
    comp = _components(bm)  # segments x components (scaled)
    names = [*ATTRACTIVENESS_COMPONENTS, *ABILITY_COMPONENTS]
    base = np.array([params.weights.attractiveness.get(c, 0.0) for c in ATTRACTIVENESS_COMPONENTS]
                    + [params.weights.ability_to_win.get(c, 0.0) for c in ABILITY_COMPONENTS])
    rng = np.random.default_rng(seed)
    w = base * np.exp(rng.normal(0.0, sp.spread, size=(sp.draws, len(names))))  # draws x components
    na = len(ATTRACTIVENESS_COMPONENTS)
    a = (w[:, :na] @ comp[:, :na].T) / w[:, :na].sum(axis=1, keepdims=True)  # draws x segments
    b = (w[:, na:] @ comp[:, na:].T) / w[:, na:].sum(axis=1, keepdims=True)
    t = params.threshold
    quad = np.where(a >= t, np.where(b >= t, "Target", "Convert"), np.where(b >= t, "Grow", "Ignore"))
    out = pd.DataFrame({"segment": bm["segment"].to_numpy(), "persona": bm["persona"].to_numpy(),
                        "computed_quadrant": bm["computed_quadrant"].to_numpy()})
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
    for axis, weights in (("attractiveness", params.weights.attractiveness), ("ability to win", params.weights.ability_to_win)):
        total = sum(weights.values())
        rows += [{"axis": axis, "component": c, "weight": w, "share of axis": w / total} for c, w in weights.items()]
    return pd.DataFrame(rows)


def sensitivity_text(sens: pd.DataFrame, params: Prioritization) -> str:
    """The sensitivity result in words: which placements are fragile and where they would go."""
    sp = params.sensitivity
    if sp.draws == 0:
        return "Sensitivity analysis is off (`prioritization.sensitivity.draws: 0`)."
    head = (f"{sp.draws} random weight sets (each weight × exp(N(0, {sp.spread}²))); a placement kept in fewer than "
            f"{sp.fragile_below:.0%} of them is *fragile*.")
    lines = [head]
    for _, r in sens.iterrows():
        if r["fragile"]:
            lines.append(f"- **S{r['segment']} {r['persona']}**: {r['computed_quadrant']} in {r['stay_share']:.0%} of the "
                         f"draws, otherwise mostly {r['else_most_often']}: treat this placement as a judgement call.")
    if len(lines) == 1:
        lines.append("- Every placement is robust to these changes of the weights.")
    return "\n".join(lines)


def budget_text(bm: pd.DataFrame, params: Prioritization) -> str:
    """The budget policy in words, with the split it gives."""
    b = params.budget
    shares = ", ".join(f"{q} {s:.0%}" for q, s in b.quadrant_shares.items())
    basis = bm["budget_basis"].iloc[0] if len(bm) else "value"
    return (f"A budget of {b.total:,.0f} is split by quadrant ({shares}); quadrants without a segment hand their "
            f"share to the others in proportion; inside a quadrant, by each segment's {basis}.")


def action_table(bm: pd.DataFrame) -> pd.DataFrame:
    """What to do with each segment, Target first, then Convert, Grow and Ignore."""
    cols = ["segment", "persona", "attractiveness", "ability_to_win", "quadrant", "action", "budget", "budget_share",
            "override_reason", "analyst_reason"]
    order = bm["quadrant"].map({q: i for i, q in enumerate(QUADRANTS)})
    return bm.assign(_order=order).sort_values(["_order", "segment"], kind="mergesort")[cols].reset_index(drop=True)
