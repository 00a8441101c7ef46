"""Stage 05, prioritisation: the Boston matrix of segments.

Attractiveness (of the segment to the business) and ability to win (our capacity to
attract it) are weighted means of components, each on a 0..1 scale:

attractiveness
  size                share of customers
  growth              customers of the segment buying in the last N months vs the N months
                      before (N = growth_window_months), as a rate
  value_per_customer  mean net value per customer
  total_value         net value of the segment
  competition         analyst input, 0 = fierce competition .. 1 = none (neutral 0.5)
  fit                 analyst input, fit with the company or brand (neutral 0.5)
ability to win
  appeal              mean of the campaign click, campaign conversion and visit conversion
                      rates present in the data
  coverage            share of customers reachable by e-mail or SMS
  media_mix           number of channels carrying at least 10 % of the segment's orders / 3
                      (or an analyst input)
  credibility         1 - returned share of purchases

Data components are scaled to 0..1 across segments: amounts (size, value per customer,
total value) as a ratio to the largest segment, the others min-max (lowest 0, highest 1);
a constant component, or one without data, is neutral (0.5) and the notes say so.
Analyst inputs are used as given.
Quadrant rule: an axis is high when its score is >= ``threshold`` (default 0.5):
Target = both high, Convert = attractive only, Grow = winnable only, Ignore = neither.
Analyst overrides replace the quadrant and keep the computed one and the reason.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from seglab.config import ABILITY_COMPONENTS, ATTRACTIVENESS_COMPONENTS, Prioritization

ACTIONS = {
    "Target": "Core customers: protect them from competitors and keep serving them well.",
    "Convert": "Attractive, but we attract them poorly today: improve one element of the marketing mix for them.",
    "Grow": "Easy for us to attract but less profitable than wished: review periodically and look for a different strategy.",
    "Ignore": "Neither attractive nor winnable: do not spend time, money and energy here.",
}
ANALYST = ("competition", "fit")


def segment_growth(
    transactions: pd.DataFrame | None, segments: pd.DataFrame, months: int, as_of: pd.Timestamp | None
) -> pd.Series:
    """Growth rate of each segment: customers of the segment who bought in the last ``months``
    months vs those who bought in the ``months`` before, minus 1 (clipped to -1..3).
    Without transactions (a customer-level source) growth is unknown: NaN."""
    if transactions is None or as_of is None or pd.isna(as_of):
        return pd.Series(np.nan, index=sorted(segments["segment"].unique()), name="growth_rate")
    end = as_of + pd.Timedelta(days=1)
    mid = end - pd.DateOffset(months=months)
    start = mid - pd.DateOffset(months=months)
    seg_of = segments.set_index("customer_id")["segment"]
    buy = transactions[(transactions["quantity"] > 0) & (transactions["timestamp"] >= start) & (transactions["timestamp"] < end)]
    recent_mask = buy["timestamp"] >= mid
    active = buy.assign(segment=buy["customer_id"].map(seg_of), recent=recent_mask)
    counts = active.groupby(["segment", "recent"])["customer_id"].nunique().unstack(fill_value=0)
    idx = sorted(segments["segment"].unique())
    counts = counts.reindex(index=idx, columns=[False, True], fill_value=0)
    before, recent = counts[False].astype(float), counts[True].astype(float)
    growth = recent / before.where(before > 0) - 1
    new_segment = pd.Series(np.where(recent > 0, 1.0, 0.0), index=recent.index)  # nobody before: +100 %
    return growth.fillna(new_segment).clip(-1.0, 3.0).rename("growth_rate")


def raw_components(profile: pd.DataFrame, growth: pd.Series) -> tuple[pd.DataFrame, list[str]]:
    """Raw (unnormalised) data components per segment, and notes on components without data."""
    p = profile.set_index("segment")
    notes = []
    raw = pd.DataFrame(index=p.index)
    raw["size"] = p["customer_share"]
    raw["growth"] = growth.reindex(p.index)
    if raw["growth"].isna().all():
        notes.append("growth: no purchase history over time (customer-level source), neutral (0.5) for every segment")
    raw["value_per_customer"] = p["value_per_customer"]
    raw["total_value"] = p["revenue"]
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
    if "return_share" in p:
        raw["credibility"] = 1.0 - p["return_share"].clip(0, 1)
    else:
        notes.append("credibility: no return data, neutral (0.5) for every segment")
    return raw, notes


#: Amounts compared as ratios to the best segment; everything else is min-max scaled.
RATIO_SCALED = ("size", "value_per_customer", "total_value")


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
    profile: pd.DataFrame, growth: pd.Series, personas: pd.DataFrame, params: Prioritization
) -> tuple[pd.DataFrame, list[str]]:
    """Every component, both axes, the quadrant and the action per segment."""
    raw, notes = raw_components(profile, growth)
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
    out["action"] = out["quadrant"].map(ACTIONS)
    out["revenue"] = profile.set_index("segment")["revenue"].reindex(out["segment"]).fillna(0.0).to_numpy()
    return out, notes


def weights_table(params: Prioritization) -> pd.DataFrame:
    """The weights of both axes as a long table (axis, component, weight, share of the axis)."""
    rows = []
    for axis, weights in (("attractiveness", params.weights.attractiveness), ("ability to win", params.weights.ability_to_win)):
        total = sum(weights.values())
        rows += [{"axis": axis, "component": c, "weight": w, "share of axis": w / total} for c, w in weights.items()]
    return pd.DataFrame(rows)
