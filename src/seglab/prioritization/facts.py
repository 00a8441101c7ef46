"""What decided a placement, said in facts with their units and the segment's rank on each
component (never as the 0..1 scores).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from seglab import i18n
from seglab.config import (
    ABILITY_COMPONENTS,
    ATTRACTIVENESS_COMPONENTS,
    Prioritization,
)
from seglab.i18n import N_
from seglab.prioritization.components import (
    ANALYST,
    APPEAL_PARTS,
    CHANNELS,
    COMPONENT_LABELS,
    MEDIA_MIX_LEAST,
    rate_text,
    semicolons,
    share_beside,
    share_text,
)

FACTS = {
    "size": N_("%(customers)s customers, %(share)s of all"),
    "growth": N_("share of the active customers %(rate)s"),
    "value_per_customer": N_("%(amount)s per customer"),
    "total_value": N_("%(amount)s net value, %(share)s of all"),
    "predicted_value": N_("%(amount)s expected next-period spend"),
    "value_per_customer_clv": N_("%(amount)s expected lifetime value per customer"),
    "total_value_clv": N_("%(amount)s total expected lifetime value, %(share)s of all"),
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
    key = f"{c}_clv" if c in ("value_per_customer", "total_value") and pr.get("value_is_clv", False) else c
    if c in ("value_per_customer", "predicted_value"):
        amount = pr["value_per_customer"] if c == "value_per_customer" else raw[c]
        return i18n.Note.of(FACTS[key], amount=i18n.as_money(amount))
    if c == "total_value":
        return i18n.Note.of(FACTS[key], amount=i18n.as_money(pr["revenue"]), share=share_text(pr["revenue_share"]))
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
            rate=rate_text(r["rate"], r["kind"]),
            base=rate_text(r["base_rate"], r["kind"]),
        )
        for _i, r in rows.iterrows()
    ]
    return i18n.listed(parts) if parts else ""


@dataclass(frozen=True)
class Inputs:
    """What the Boston matrix of stage 05 places (:func:`seglab.prioritization.boston_matrix`).

    Attributes
    ----------
    profile : DataFrame
        The segment profiles of stage 04 (:func:`seglab.personas.profile`).
    growth : Series
        The growth component per segment (:func:`seglab.monitoring.growth_for_matrix`; NaN: unknown).
    personas : DataFrame
        ``segment``, ``persona``: each segment's persona name (stage 04).
    predicted : Series, optional
        Expected next-period spend per segment (stage 04, only when it beats the naive forecast).
    outcomes : DataFrame, optional
        The outcome rates per segment (:func:`seglab.prioritization.outcome_rates`).
    lifetime : DataFrame, optional
        ``segment``, ``clv_per_customer``, ``clv_total``: the expected lifetime value the value
        components and the budget rest on instead of the observed net value
        (:func:`seglab.files.stages.load_lifetime_value`, ``prioritization.value_basis``).
    """

    profile: pd.DataFrame
    growth: pd.Series
    personas: pd.DataFrame
    predicted: pd.Series | None = None
    outcomes: pd.DataFrame | None = None
    lifetime: pd.DataFrame | None = None

    def valued(self) -> Inputs:
        """These inputs with the profile's value (value per customer, revenue and its share) the
        expected lifetime value when :attr:`lifetime` is given (``value_is_clv`` marks it).
        """
        if self.lifetime is None:
            return self
        life = self.lifetime.set_index("segment")
        p = self.profile.copy()
        seg = p["segment"]
        p["value_per_customer"] = seg.map(life["clv_per_customer"]).to_numpy(dtype=float)
        p["revenue"] = seg.map(life["clv_total"]).to_numpy(dtype=float)
        p["revenue_share"] = p["revenue"] / p["revenue"].sum()
        p["value_is_clv"] = True
        return replace(self, profile=p)


def placement_facts(
    inputs: Inputs, raw: pd.DataFrame, comp: pd.DataFrame, measured: dict[str, str], params: Prioritization
) -> pd.DataFrame:
    """The facts behind every measured component (and every judgement call given), per segment, in
    their units and with the segment's place among the segments: ``<component>_fact`` columns.
    """
    outcomes = inputs.outcomes
    p = inputs.profile.set_index("segment")
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
        return semicolons(_shown_fact(r, c) for c, _v in cands[:2])

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
