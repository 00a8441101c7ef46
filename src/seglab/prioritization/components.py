"""The Boston matrix's components: each measured from the segments' profiles (size, growth, value,
outcomes, appeal, coverage, media mix, credibility) or given by the analyst, scaled 0..1, and
the axes they make.
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
from seglab.vocabulary import NOT_PLACED, segment_code

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
            text = i18n.say(rate_text(r.loc[s, "rate"], first["kind"]))
            if r.loc[s, "known"] < r.loc[s, "customers"]:
                text = _("%(rate)s (of %(known)s known)") % {"rate": text, "known": i18n.number(r.loc[s, "known"])}
            cells.append(text)
        cells.append(i18n.say(rate_text(first["base_rate"], first["kind"])))
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


def scaled_components(
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


def axis_score(
    comp: pd.DataFrame, measured: dict[str, str], weights: dict[str, float], attractiveness: bool
) -> pd.Series:
    """An axis: the weighted mean of its measured components (and, for attractiveness, the
    judgement calls); NaN for every segment when none of its components is measured.
    """
    used = {c: w for c, w in weights.items() if w > 0 and (c in measured or (attractiveness and c in ANALYST))}
    if not [c for c in used if c in measured]:
        return pd.Series(np.nan, index=comp.index)
    total = sum(used.values())
    return sum(w * comp[c].fillna(0.5) for c, w in used.items()) / total


def apply_overrides(out: pd.DataFrame, params: Prioritization) -> None:
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


def rate_text(v, kind: str) -> i18n.Value:
    """An outcome's rate: a flag's share of 1s as a percentage, a number's mean as a number."""
    return share_text(v) if kind == "flag" else i18n.as_number(v, 2)


def semicolons(items) -> i18n.Value:
    """Facts that hold commas, joined with the reader's semicolon."""
    return i18n.joined(items, N_("; "))


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
