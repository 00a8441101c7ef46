"""Persona names: each segment's profile scored against the archetypes' rules, matched one-to-one
(Hungarian) with a confidence, an archetype's name given only where its defining traits hold, a
descriptive name otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from seglab import i18n
from seglab.config import Personas
from seglab.i18n import N_
from seglab.vocabulary import CONFIDENCE, segment_code

if TYPE_CHECKING:
    pass
from seglab.personas.profiles import feature_value, is_indicator, named_feature

#: How clearly a segment matches its archetype, as stored in persona_names.csv.
HIGH, MEDIUM, LOW, DESCRIPTIVE = CONFIDENCE


@dataclass(frozen=True)
class Wording:
    """How the features read in names and traits (stage 02's ``labels`` and ``kinds``, the feature
    table's attributes): ``labels``, feature -> its name in the source; ``kinds``, feature -> its
    kind (a yes/no feature reads by its share, never as high or low). None: the catalog's words.
    """

    labels: dict[str, str] | None = None
    kinds: dict[str, str] | None = None


DEFAULT_RULES: dict[str, dict[str, float]] = {
    "loyal": {
        "frequency": 1.0,
        "tenure_days": 0.5,
        "monetary": 0.5,
        "campaign_open_rate": 0.5,
        "interpurchase_cv": -0.5,
        "discount_share": -0.5,
        "return_share": -0.5,
    },
    "impulse_shopper": {
        "avg_order_value": 1.0,
        "avg_basket_size": 1.0,
        "return_share": 0.5,
        "interpurchase_cv": 0.5,
        "category_breadth": 0.5,
    },
    "bargain_hunter": {"discount_share": 1.5, "campaign_click_rate": 0.5, "avg_order_value": -0.5},
    "wandering": {"sessions_per_order": 1.5, "browse_conversion": -1.0, "frequency": -0.5},
    "need_based": {
        "top_category_share": 1.0,
        "store_share": 0.5,
        "browse_conversion": 0.5,
        "category_breadth": -0.5,
        "sessions_per_order": -0.5,
        "campaign_open_rate": -0.5,
    },
    "bulk_buyer": {"avg_basket_size": 1.5, "avg_order_value": 1.0, "return_share": 0.5},
    "campaign_responder": {"campaign_conversion_rate": 1.5, "campaign_click_rate": 1.0, "campaign_open_rate": 0.5},
    "new_customers": {"tenure_days": -1.5, "frequency": -0.5},
    "at_risk": {"recency_days": 1.5, "spend_trend": -0.5},
    "lapsed": {"recency_days": 2.0, "frequency": -0.5, "campaign_open_rate": -0.5},
}

#: What must hold for a segment to carry an archetype's name, whatever its score: (measure,
#: feature, ">=" or "<=", bound), where measure is "z" (the segment's standardised mean), "median"
#: (the segment's median, in the feature's unit) or "share" (a lifecycle stage's share of the
#: segment: "lifecycle_new"...). A condition on a feature absent from the data is skipped; a
#: lifecycle condition without lifecycle data fails (no stage, no lifecycle name).
#: Bulk buyers order at least 50 units per order (the typical customer of the segment) well
#: above the rest; impulse shoppers below that (a wholesaler's 300-unit orders are no impulse).
BULK_UNITS = 50
DEFINING: dict[str, list[tuple[str, str, str, float]]] = {
    "loyal": [("z", "frequency", ">=", 0.3), ("z", "return_share", "<=", 0.5)],
    "impulse_shopper": [("z", "avg_order_value", ">=", 0.3), ("median", "avg_basket_size", "<=", BULK_UNITS)],
    "bargain_hunter": [("z", "discount_share", ">=", 0.5)],
    "wandering": [("z", "sessions_per_order", ">=", 0.5), ("z", "browse_conversion", "<=", 0.0)],
    "need_based": [("z", "top_category_share", ">=", 0.3)],
    "bulk_buyer": [("z", "avg_basket_size", ">=", 0.5), ("median", "avg_basket_size", ">=", BULK_UNITS)],
    "campaign_responder": [("z", "campaign_conversion_rate", ">=", 0.5)],
    "new_customers": [("share", "lifecycle_new", ">=", 0.5)],
    "at_risk": [("share", "lifecycle_lapsing", ">=", 0.5)],
    "lapsed": [("share", "lifecycle_lapsed", ">=", 0.5)],
}

PERSONA_NAMES = {
    "loyal": N_("Loyal customers"),
    "impulse_shopper": N_("Impulse shoppers"),
    "bargain_hunter": N_("Bargain hunters"),
    "wandering": N_("Wandering customers"),
    "need_based": N_("Need-based customers"),
    "bulk_buyer": N_("Bulk buyers"),
    "campaign_responder": N_("Campaign responders"),
    "new_customers": N_("New customers"),
    "at_risk": N_("At-risk customers"),
    "lapsed": N_("Lapsed customers"),
}

#: Recommended message per persona (domain.md: the right message for each group).


# --------------------------------------------------------------------------------------------
# persona names
# --------------------------------------------------------------------------------------------
def persona_scores(z: pd.DataFrame, rules: dict[str, dict[str, float]]) -> pd.DataFrame:
    """Segment x persona score (NaN where the data lacks the persona's features)."""
    out = pd.DataFrame(index=z.index, columns=list(rules), dtype=float)
    for persona, weights in rules.items():
        total = sum(abs(w) for w in weights.values())
        present = {f: w for f, w in weights.items() if f in z.columns}
        covered = sum(abs(w) for w in present.values())
        if total == 0 or covered < 0.5 * total:
            continue
        out[persona] = sum(w * z[f] for f, w in present.items()) / covered
    return out


def describe(
    zrow: pd.Series, n: int = 2, wording: Wording | None = None, skip: int = 0, means: pd.Series | None = None
) -> str:
    """A name from the strongest traits, e.g. 'High orders, low order value'; a yes/no feature
    says its share ('Churn 100%'; without ``means``: more/fewer), never high or low. ``skip``: use
    the next traits instead (to keep names unique).
    """
    from seglab.segmentation import TRAIT_TEMPLATES, trait_word

    labels, kinds = (wording.labels, wording.kinds) if wording is not None else (None, None)
    top = list(zrow.abs().sort_values(ascending=False, kind="mergesort").index)
    picks = [top[0], *top[1 + skip : 2 + skip]][:n] if skip else top[:n]
    parts = []
    for f in picks:
        if is_indicator(f, kinds) and means is not None and f in means and not pd.isna(means[f]):
            parts.append(
                i18n.Note.of(
                    N_("%(feature)s %(share)s"), feature=named_feature(f, labels), share=i18n.as_percent(means[f])
                )
            )
        else:
            parts.append(
                i18n.Note.of(TRAIT_TEMPLATES[trait_word(f, zrow[f] > 0, kinds)], feature=named_feature(f, labels))
            )
    return i18n.capital(parts)


def _holds(archetype: str, seg: int, z: pd.DataFrame, profile: pd.DataFrame | None) -> tuple[bool, list[str]]:
    """Whether a segment shows the archetype's defining traits (:data:`DEFINING`), and the evidence."""
    evidence = []
    for measure, feature, op, bound in DEFINING.get(archetype, []):
        if measure == "z":
            if feature not in z.columns:
                continue
            v = z.at[seg, feature]
        else:
            column = feature if measure == "share" else f"{feature}_median"
            v = profile.at[seg, column] if profile is not None and column in profile else np.nan
            if pd.isna(v):
                if measure == "share":
                    return False, []  # no lifecycle data: no lifecycle name
                continue
        if (op == ">=" and not v >= bound) or (op == "<=" and not v <= bound):
            return False, []
        if measure == "share":  # the share *known* to be in the stage: an unknown stage is a stage of its own
            stage = feature.removeprefix("lifecycle_").replace("_", " ")
            unknown = profile.at[seg, "lifecycle_unknown"] if "lifecycle_unknown" in profile else 0.0
            evidence.append(
                i18n.Note.of(
                    N_("%(share)s of them are known to be %(stage)s (%(unknown)s unknown)")
                    if unknown > 0
                    else N_("%(share)s of them are %(stage)s"),
                    share=i18n.as_percent(v),
                    stage=i18n.as_term(stage),
                    unknown=i18n.as_percent(unknown),
                )
            )
        elif measure == "z" and op == ">=":
            evidence.append(
                i18n.Note.of(
                    N_("%(feature)s %(sd)s SD from the average"),
                    feature=named_feature(feature),
                    sd=i18n.as_number(v, 1, True),
                )
            )
        elif measure == "median" and op == ">=":
            evidence.append(
                i18n.Note.of(
                    N_("typically %(value)s %(feature)s"), value=i18n.as_number(v), feature=named_feature(feature)
                )
            )
    return True, evidence


def _archetypes(
    z: pd.DataFrame, params: Personas, prof: pd.DataFrame | None, unmeasured: frozenset[str] = frozenset()
) -> tuple[pd.DataFrame, dict, dict]:
    """The rule scores of the archetypes each segment may have (a segment without an archetype's
    defining traits: NaN), their evidence, and each segment's archetype by a one-to-one assignment
    of the best scores (None below ``params.min_score``).
    """
    scores = persona_scores(z, params.rules or DEFAULT_RULES)
    proof: dict[tuple[int, str], list[str]] = {}
    for persona in scores.columns:
        for seg in scores.index:
            # a trait on a feature the history was too short to measure does not hold
            short = any(feature in unmeasured for _m, feature, _o, _b in DEFINING.get(persona, []))
            ok, why = (False, []) if short else _holds(persona, seg, z, prof)
            if ok:
                proof[(seg, persona)] = why
            else:
                scores.at[seg, persona] = np.nan
    usable = scores.dropna(axis=1, how="all")
    rows = {seg: {"segment": seg, "archetype": None, "score": np.nan} for seg in z.index}
    if usable.shape[1]:
        from scipy.optimize import linear_sum_assignment

        r, c = linear_sum_assignment(-usable.fillna(-10.0).to_numpy())
        for i, j in zip(r, c, strict=True):
            if usable.iloc[i, j] >= params.min_score:
                rows[usable.index[i]].update(archetype=usable.columns[j], score=float(usable.iloc[i, j]))
    return usable, proof, rows


def _descriptive_name(seg: int, z: pd.DataFrame, prof, wording: Wording | None, used: set[str]) -> str:
    """A segment's name from its strongest traits, the next ones when the name is taken."""
    means = prof.loc[seg] if prof is not None and seg in prof.index else None
    name = describe(z.loc[seg], wording=wording, means=means)
    for skip in range(1, max(1, z.shape[1] - 1)):
        if name not in used:
            break
        name = describe(z.loc[seg], wording=wording, skip=skip, means=means)
    return name


def name_personas(
    z: pd.DataFrame,
    params: Personas,
    profile: pd.DataFrame | None = None,
    wording: Wording | None = None,
    unmeasured: list[str] | None = None,
) -> pd.DataFrame:
    """One persona per segment (see the module doc for the rule). An archetype is only given to a
    segment that shows its defining traits (:data:`DEFINING`; a lifecycle name needs most of the
    segment in that stage: ``profile``'s lifecycle shares), never on a feature the history was
    too short to measure (``unmeasured``: stage 02's ``not_measured``); ``wording``: how the
    features read in descriptive names. Columns: segment, persona, archetype (None for
    descriptive names), score, runner_up, margin, confidence, evidence.
    """
    prof = profile.set_index("segment") if profile is not None and "segment" in profile else profile
    usable, proof, rows = _archetypes(z, params, prof, frozenset(unmeasured or ()))
    out = []
    used: set[str] = set()
    for seg in z.index:
        row = rows[seg]
        persona = row["archetype"]
        others = usable.loc[seg].drop(labels=[persona] if persona else []).dropna() if usable.shape[1] else pd.Series()
        runner = float(others.max()) if len(others) else np.nan
        if persona:
            name = PERSONA_NAMES.get(persona, persona.replace("_", " ").capitalize())
            margin = row["score"] - runner if not np.isnan(runner) else row["score"]
            conf = HIGH if margin >= 0.5 else MEDIUM if margin >= 0.2 else LOW
            proven = proof.get((seg, persona), [])
            evidence = (
                i18n.joined(proven, N_("; "))
                if proven
                else i18n.Note.of(N_("rule score %(score)s"), score=i18n.as_number(row["score"], 2))
            )
        else:
            name, margin, conf = _descriptive_name(seg, z, prof, wording, used), np.nan, DESCRIPTIVE
            evidence = N_("matches no archetype: named after its two strongest traits")
        if name in used:
            name = i18n.concat(name, f" ({segment_code(seg)})")
        used.add(name)
        out.append(
            {
                **row,
                "persona": i18n.as_text(name),
                "runner_up": runner,
                "margin": margin,
                "confidence": conf,
                "evidence": i18n.as_text(evidence),
            }
        )
    cols = ["segment", "persona", "archetype", "score", "runner_up", "margin", "confidence", "evidence"]
    return pd.DataFrame(out)[cols]


def traits(
    prof_row: pd.Series, zrow: pd.Series, base: pd.Series, n: int = 4, wording: Wording | None = None
) -> list[str]:
    """Plain-language traits with numbers for the strongest deviations from the base."""
    labels, kinds = (wording.labels, wording.kinds) if wording is not None else (None, None)
    out = []
    for f in zrow.abs().sort_values(ascending=False, kind="mergesort").index[:n]:
        seg_v, base_v = prof_row[f], base[f]
        template = (
            N_("%(feature)s: %(value)s, above the average of %(average)s")
            if zrow[f] > 0
            else N_("%(feature)s: %(value)s, below the average of %(average)s")
        )
        out.append(
            i18n.Note.of(
                template,
                feature=i18n.capital(named_feature(f, labels)),
                value=feature_value(f, seg_v, kinds),
                average=feature_value(f, base_v, kinds),
            )
        )
    return out


#: The card's channel when the data has no channel column.
NO_CHANNEL = N_("not in the data")


def preferred_channel(prof_row: pd.Series) -> str:
    """The channel (web, store, app) with the largest share of a segment's orders, or that none is known."""
    shares = {c: prof_row.get(f"{c}_share") for c in ("web", "store", "app")}
    shares = {c: v for c, v in shares.items() if v is not None and not pd.isna(v)}
    best = max(shares, key=shares.get) if shares else None
    return best if best and shares[best] > 0 else NO_CHANNEL
