"""Stage 04, persona profiling: profiles against the whole base, persona names from the
archetypes of the method, and the MIDAS scorecard.

Persona naming rule (documented, overridable through ``personas.rules``):
  * every segment gets a z-profile: (segment mean - base mean) / base standard deviation
    of each feature;
  * each persona has weights on features; its score for a segment is
    sum(weight x z) / sum(|weight|) over the features present in the data, and is only
    computed when the present features carry at least half of the persona's total weight;
  * personas are matched one-to-one to segments maximising the total score (Hungarian
    algorithm), and a match is kept only when its score is at least ``personas.min_score``;
  * a segment without a persona gets a descriptive name from its two strongest traits;
  * confidence = the match score minus the segment's best other persona score:
    high >= 0.5, medium >= 0.2, low below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from seglab import i18n
from seglab.config import Features as FeatureParams
from seglab.config import Midas, Personas
from seglab.i18n import N_, _
from seglab.registry import CATALOG
from seglab.text import esc
from seglab.vocabulary import CONFIDENCE, MIDAS_CRITERIA, segment_code, segment_label

if TYPE_CHECKING:
    from sklearn.tree import DecisionTreeClassifier
#: How clearly a segment matches its archetype, as stored in persona_names.csv.
HIGH, MEDIUM, LOW, DESCRIPTIVE = CONFIDENCE


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
MESSAGES = {
    "loyal": N_("Loyalty rewards, early access to new products and a thank-you; they are good testers of new lines."),
    "impulse_shopper": N_("Inspiration: new arrivals, bundles and limited editions shown where they browse."),
    "bargain_hunter": N_("Deals: targeted discounts, price drops and free delivery thresholds."),
    "wandering": N_("Reminders of unfinished purchases and viewed items; remove friction at checkout."),
    "need_based": N_("Fast, practical service: availability, quick delivery, reorder reminders for their category."),
    "bulk_buyer": N_(
        "Volume terms: price breaks, an account contact and planned deliveries; ask why they return goods."
    ),
    "campaign_responder": N_("Keep them in the campaign calendar and test new offers on them first."),
    "new_customers": N_("Onboarding: a drip of welcome content and help with the first repeat purchase."),
    "at_risk": N_("Win-back: a personal offer and a question about what went wrong."),
    "lapsed": N_("Reactivation: one clear reason to come back; stop regular mailings if they stay silent."),
    None: N_("Test messages on a small sample first: this segment matches no archetype clearly."),
}

#: Recommended offer per persona.
OFFERS = {
    "loyal": N_("Loyalty points or a members' tier; no blanket discounts (they buy without them)."),
    "impulse_shopper": N_("Bundles and limited-time editions; free returns keep the basket large."),
    "bargain_hunter": N_("Deals: a discount code or a price-drop alert on their categories."),
    "wandering": N_("A reminder of the items they viewed, with free delivery on the first order from it."),
    "need_based": N_("Reorder reminders and guaranteed availability; a small discount is not needed."),
    "bulk_buyer": N_("Tiered volume pricing or a trade account, not consumer discounts."),
    "campaign_responder": N_("Early access to the next campaign's offer."),
    "new_customers": N_("A welcome offer on the second purchase."),
    "at_risk": N_("A personal win-back offer with an end date."),
    "lapsed": N_("A reactivation voucher; measure whether it pays before repeating it."),
    None: N_("Test two offers against a control group before rolling one out."),
}

#: Lifecycle cues added to the message when most of a segment is *known* to be in one stage
#: (share >= 0.5), or when most of its stages are unknown (the data cannot tell who is new).
LIFECYCLE_CUES = {
    "new": N_("Most are new: start with onboarding (welcome series, help with the second purchase)."),
    "long_term": N_("Most are long-term customers: recognise them with loyalty incentives."),
    "lapsing": N_("Most are lapsing: act before they lapse (a reminder within weeks, not months)."),
    "lapsed": N_("Most have lapsed: a reactivation offer first; keep the cost per contact low."),
    "unknown": N_(
        "How long most of them have been customers is unknown (the data may begin after their first purchase): "
        "do not send them onboarding as if they were new."
    ),
}

#: The weekdays, 0 = Monday, as in "Saturdays around 22:00".
WEEKDAYS = (
    N_("Mondays"),
    N_("Tuesdays"),
    N_("Wednesdays"),
    N_("Thursdays"),
    N_("Fridays"),
    N_("Saturdays"),
    N_("Sundays"),
)

#: Short readable labels of the registry's features (seglab.registry) for traits and names.
LABELS = {f.name: f.label for f in CATALOG if f.trait}
SHARE_FEATURES = {f for f in LABELS if f.endswith(("_share", "_rate", "conversion")) or f == "reachable"}
#: Features profiled (those present in the data are used).
PROFILE_FEATURES = [f.name for f in CATALOG if f.trait and f.profiled]
#: Kinds of column profiled as numbers besides the catalog's features (a customer table's
#: amounts, counts, scores: age, income, ...); yes/no columns go to the attribute mix.
NUMERIC_KINDS = ("money", "count", "number", "score", "share", "percent", "sentinel", "ordinal")


def _indicator(feature: str, kinds: dict[str, str] | None = None) -> bool:
    """A yes/no feature (a category's value, a code, a flag): described by its share, never as
    high or low.
    """
    from seglab.segment import INDICATOR_KINDS

    return "=" in feature or (kinds or {}).get(feature) in INDICATOR_KINDS


def _fmt(feature: str, v: float, kinds: dict[str, str] | None = None) -> str:
    """A feature's value for readers: shares as percentages, a percentage column with its % sign,
    other numbers with two significant digits at least (0.05 and 0.29, never 0.0 and 0.1).
    """
    return i18n.say(_value(feature, v, kinds))


def _value(feature: str, v: float, kinds: dict[str, str] | None = None) -> i18n.Value | str:
    """A feature's value as a note keeps it, shown as :func:`_fmt` says."""
    if pd.isna(v):
        return N_("n/a")
    kind = (kinds or {}).get(feature)
    if feature in SHARE_FEATURES or _indicator(feature, kinds) or kind == "share":
        return i18n.as_percent(v, 1 if 0 < abs(v) < 0.1 else 0)
    if kind == "percent":
        return i18n.as_percent(v / 100, 1 if 0 < abs(v) < 10 else 0)
    if abs(v) >= 100:
        return i18n.as_number(v)
    decimals = 1 if abs(v) >= 10 or v == 0 else max(1, 1 - int(np.floor(np.log10(abs(v)))))
    return i18n.as_number(v, decimals)


# --------------------------------------------------------------------------------------------
# profiles
# --------------------------------------------------------------------------------------------
def joined(features: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """Features with their segment; every customer must be in exactly one segment."""
    if segments["customer_id"].duplicated().any():
        raise ValueError("segments table lists a customer more than once")
    df = features.merge(segments[["customer_id", "segment"]], on="customer_id", how="inner", validate="one_to_one")
    if len(df) != len(features):
        raise ValueError(f"{len(features) - len(df)} customers with features have no segment")
    df.attrs = dict(features.attrs)  # labels and kinds of the features (stage 02)
    return df


def known_facts(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with what the data cannot tell left out of profiles.

    A tenure that is only a lower bound (``tenure_known`` 0: the customer may have bought before
    the data began) is missing, so tenure is described by the customers whose tenure is known.
    Clustering keeps the lower bound (see :mod:`seglab.history`).
    """
    if "tenure_known" not in df or "tenure_days" not in df or df["tenure_known"].astype(bool).all():
        return df
    out = df.copy(deep=False)
    out["tenure_days"] = df["tenure_days"].where(df["tenure_known"].astype(bool))
    return out


def z_profile(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """Segment x feature: (segment mean - base mean) / base std (0 where the feature is constant,
    or unknown for every customer of the segment: :func:`known_facts`).
    """
    df = known_facts(df)
    base_mean = df[cols].mean()
    base_std = df[cols].std(ddof=0).replace(0, np.nan)
    z = (df.groupby("segment")[cols].mean() - base_mean) / base_std
    return z.fillna(0.0)


def profile_columns(df: pd.DataFrame, model_features: list[str] = ()) -> list[str]:
    """Features to profile: the catalog's profile features present, the model's other features,
    then the customer table's other numbers (age, income, ...: ``df.attrs['kinds']``); never those
    a history too short cannot measure (``df.attrs['not_measured']``).
    """
    unmeasured = set(df.attrs.get("not_measured") or [])  # a history too short for them: no trait, no name
    known = [f for f in PROFILE_FEATURES if f in df.columns and f not in unmeasured]
    out = known + [f for f in model_features if f not in known and f in df.columns and f not in unmeasured]
    kinds = df.attrs.get("kinds") or {}
    return out + [f for f, k in kinds.items() if k in NUMERIC_KINDS and f in df.columns and f not in out]


def label(feature: str, labels: dict[str, str] | None = None) -> str:
    """A feature's name for readers: its label from stage 02 (the column's name in the source), the
    catalog's label, or the name with spaces.
    """
    return i18n.term(_label_id(feature, labels))


def _label_id(feature: str, labels: dict[str, str] | None = None) -> str:
    """A feature's name as the data files keep it (translated where shown: :func:`label`)."""
    if labels and labels.get(feature):
        return labels[feature]
    return LABELS.get(feature, feature.replace("_", " "))


def _named(feature: str, labels: dict[str, str] | None = None) -> i18n.Value:
    return i18n.as_term(_label_id(feature, labels))


def profile(features: pd.DataFrame, segments: pd.DataFrame, model_features: list[str] = ()) -> pd.DataFrame:
    """Per segment: size, shares, value per customer and, per feature, the mean and the median,
    each with its index against the whole base (100 = the base's mean, or median).
    """
    df = known_facts(joined(features, segments))
    cols = profile_columns(df, model_features)
    g = df.groupby("segment")
    out = pd.DataFrame(
        {
            "customers": g.size(),
            "customer_share": g.size() / len(df),
            "revenue": g["monetary"].sum(min_count=1) if "monetary" in df else np.nan,
        }
    )
    total = df["monetary"].sum() if "monetary" in df else 0.0
    out["revenue_share"] = out["revenue"] / total if total else np.nan
    out["value_per_customer"] = g["monetary"].mean() if "monetary" in df else np.nan
    means, medians = g[cols].mean(), g[cols].median()
    base, base_median = df[cols].mean(), df[cols].median()
    parts = {}
    for c in cols:
        parts[c] = means[c]
        parts[f"{c}_index"] = 100 * means[c] / base[c] if base[c] else pd.Series(np.nan, index=means.index)
    for c in cols:  # the typical customer: not pulled by a few big values (no index where the base median is 0)
        parts[f"{c}_median"] = medians[c]
        parts[f"{c}_median_index"] = (
            100 * medians[c] / base_median[c] if base_median[c] else pd.Series(np.nan, index=medians.index)
        )
    if "lifecycle" in df:
        mix = pd.crosstab(df["segment"], df["lifecycle"], normalize="index")
        for stage in mix.columns:
            parts[f"lifecycle_{stage}"] = mix[stage]
    out = pd.concat([out, pd.DataFrame(parts).reindex(out.index)], axis=1)  # one block, not one insert per column
    return out.reset_index()


def profile_view(
    prof: pd.DataFrame,
    features: list[str],
    labels: dict[str, str] | None = None,
    names: dict[int, str] | None = None,
    suffix: str = "_index",
    head: bool = True,
) -> pd.DataFrame:
    """The profile for reading: one row per measure (size, value, then each feature's index
    against the base), one column per segment, so that many features fit the page. ``head``:
    with the size and value rows (those that are known).
    """
    p = prof.set_index("segment")
    sizes = {  # shares in percent: the table is shown with whole numbers
        _("customers"): p["customers"],
        _("% of customers"): p["customer_share"] * 100,
        _("% of value"): p["revenue_share"] * 100,
        _("value per customer"): p["value_per_customer"],
    }
    rows = {k: v for k, v in sizes.items() if head and v.notna().any()}
    for f in features:
        if f"{f}{suffix}" in p:
            rows[_("%(feature)s (index)") % {"feature": label(f, labels)}] = p[f"{f}{suffix}"]
    out = pd.DataFrame(rows).T
    out.columns = [segment_label(s, (names or {}).get(s, "")) for s in out.columns]
    return out.rename_axis("measure").reset_index()


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
    zrow: pd.Series,
    n: int = 2,
    labels: dict[str, str] | None = None,
    kinds: dict[str, str] | None = None,
    skip: int = 0,
    means: pd.Series | None = None,
) -> str:
    """A name from the strongest traits, e.g. 'High orders, low order value'; a yes/no feature
    says its share ('Churn 100%'; without ``means``: more/fewer), never high or low. ``skip``: use
    the next traits instead (to keep names unique).
    """
    from seglab.segment import TRAIT_TEMPLATES, trait_word

    top = list(zrow.abs().sort_values(ascending=False, kind="mergesort").index)
    picks = [top[0], *top[1 + skip : 2 + skip]][:n] if skip else top[:n]
    parts = []
    for f in picks:
        if _indicator(f, kinds) and means is not None and f in means and not pd.isna(means[f]):
            parts.append(
                i18n.Note.of(N_("%(feature)s %(share)s"), feature=_named(f, labels), share=i18n.as_percent(means[f]))
            )
        else:
            parts.append(i18n.Note.of(TRAIT_TEMPLATES[trait_word(f, zrow[f] > 0, kinds)], feature=_named(f, labels)))
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
                    N_("%(feature)s %(sd)s SD from the average"), feature=_named(feature), sd=i18n.as_number(v, 1, True)
                )
            )
        elif measure == "median" and op == ">=":
            evidence.append(
                i18n.Note.of(N_("typically %(value)s %(feature)s"), value=i18n.as_number(v), feature=_named(feature))
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


def _descriptive_name(seg: int, z: pd.DataFrame, prof, labels, kinds, used: set[str]) -> str:
    """A segment's name from its strongest traits, the next ones when the name is taken."""
    means = prof.loc[seg] if prof is not None and seg in prof.index else None
    name = describe(z.loc[seg], labels=labels, kinds=kinds, means=means)
    for skip in range(1, max(1, z.shape[1] - 1)):
        if name not in used:
            break
        name = describe(z.loc[seg], labels=labels, kinds=kinds, skip=skip, means=means)
    return name


def name_personas(
    z: pd.DataFrame,
    params: Personas,
    profile: pd.DataFrame | None = None,
    labels: dict[str, str] | None = None,
    kinds: dict[str, str] | None = None,
    unmeasured: list[str] | None = None,
) -> pd.DataFrame:
    """One persona per segment (see the module doc for the rule). An archetype is only given to a
    segment that shows its defining traits (:data:`DEFINING`; a lifecycle name needs most of the
    segment in that stage: ``profile``'s lifecycle shares), never on a feature the history was
    too short to measure (``unmeasured``: stage 02's ``not_measured``). Columns: segment,
    persona, archetype (None for descriptive names), score, runner_up, margin, confidence, evidence.
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
            name, margin, conf = _descriptive_name(seg, z, prof, labels, kinds, used), np.nan, DESCRIPTIVE
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
    prof_row: pd.Series,
    zrow: pd.Series,
    base: pd.Series,
    n: int = 4,
    labels: dict[str, str] | None = None,
    kinds: dict[str, str] | None = None,
) -> list[str]:
    """Plain-language traits with numbers for the strongest deviations from the base."""
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
                feature=i18n.capital(_named(f, labels)),
                value=_value(f, seg_v, kinds),
                average=_value(f, base_v, kinds),
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


# --------------------------------------------------------------------------------------------
# MIDAS
# --------------------------------------------------------------------------------------------
def _tree_inputs(df: pd.DataFrame, cols: list[str]) -> np.ndarray:
    return df[cols].astype(float).fillna(df[cols].astype(float).median()).fillna(0.0).to_numpy(dtype=float)


def _one_vs_rest_trees(df: pd.DataFrame, cols: list[str], seed: int):
    """Per segment, the depth-3 decision tree separating it from all other customers."""
    x = _tree_inputs(df, cols)
    for seg in sorted(df["segment"].unique()):
        y = (df["segment"] == seg).to_numpy()
        from sklearn.tree import DecisionTreeClassifier  # (scikit-learn loads when first used)

        yield int(seg), x, y, DecisionTreeClassifier(max_depth=3, random_state=seed).fit(x, y)


def segment_rules(features: pd.DataFrame, segments: pd.DataFrame, cols: list[str], seed: int) -> pd.DataFrame:
    """Per segment, a depth-3 decision tree separating it from all other customers (one vs rest).

    Returns segment, precision (share of customers the rule selects that are in the segment),
    recall (share of the segment the rule selects) and fidelity = their harmonic mean (F1).
    """
    rows = []
    for seg, x, y, tree in _one_vs_rest_trees(joined(features, segments), cols, seed):
        pred = tree.predict(x)
        tp = float((pred & y).sum())
        precision = tp / pred.sum() if pred.sum() else 0.0
        recall = tp / y.sum()
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows.append({"segment": seg, "precision": precision, "recall": recall, "fidelity": f1})
    return pd.DataFrame(rows)


def _threshold_text(feature: str, values: pd.Series, low: float | None, high: float | None) -> str:
    """One feature's condition on a tree path (``low < value <= high``) in plain words."""
    name = _named(feature)
    distinct = values.dropna().unique()
    if "=" in feature and set(distinct) <= {0.0, 1.0}:  # a one-hot column: "gender=female"
        column, level = feature.split("=", 1)
        said = N_("%(column)s is %(level)s") if low is not None else N_("%(column)s is not %(level)s")
        return i18n.Note.of(said, column=i18n.as_term(column.replace("_", " ")), level=level)
    if set(distinct) <= {0.0, 1.0}:  # a flag (opt-ins, reachable)
        return i18n.Note.of(N_("%(feature)s: yes") if low is not None else N_("%(feature)s: no"), feature=name)
    integer = bool(len(distinct)) and bool(np.all(np.mod(distinct.astype(float), 1) == 0))

    def show(v: float, upper: bool) -> i18n.Value | str:
        if integer:
            return i18n.as_number(int(np.floor(v)) if upper else int(np.floor(v)) + 1)
        if feature in SHARE_FEATURES:
            return i18n.as_percent(v)
        return _value(feature, v)

    if low is not None and high is not None:
        said = N_("%(feature)s from %(low)s to %(high)s") if integer else N_("%(feature)s between %(low)s and %(high)s")
        return i18n.Note.of(said, feature=name, low=show(low, False), high=show(high, True))
    if high is not None:
        return i18n.Note.of(N_("%(feature)s at most %(value)s"), feature=name, value=show(high, True))
    at = N_("%(feature)s at least %(value)s") if integer else N_("%(feature)s above %(value)s")
    return i18n.Note.of(at, feature=name, value=show(low, False))


def _leaf_paths(tree: DecisionTreeClassifier) -> dict[int, list[tuple[int, str, float]]]:
    """Leaf node -> the conditions (feature index, '<=' or '>', threshold) on the way to it."""
    t = tree.tree_
    paths: dict[int, list[tuple[int, str, float]]] = {}
    stack = [(0, [])]
    while stack:
        node, conds = stack.pop()
        if t.children_left[node] == t.children_right[node]:  # a leaf
            paths[node] = conds
            continue
        f, thr = int(t.feature[node]), float(t.threshold[node])
        stack.append((t.children_left[node], [*conds, (f, "<=", thr)]))
        stack.append((t.children_right[node], [*conds, (f, ">", thr)]))
    return paths


def definable_rules(features: pd.DataFrame, segments: pd.DataFrame, cols: list[str], seed: int) -> pd.DataFrame:
    """The if-then rules of each segment's depth-3 tree, in plain language.

    One row per leaf that the tree assigns to the segment: segment, rule (the conditions joined
    by "and"; several conditions on one feature merged into one range), customers (how many
    customers the rule selects), precision (share of them in the segment) and covers (share of
    the segment's customers it selects). Rows are ordered by segment, then by coverage.
    """
    df = joined(features, segments)
    rows = []
    for seg, x, y, tree in _one_vs_rest_trees(df, cols, seed):
        leaves = tree.apply(x)
        for leaf, conds in _leaf_paths(tree).items():
            at = leaves == leaf
            if not at.any() or y[at].mean() <= 0.5:  # the tree assigns the leaf to the rest
                continue
            bounds: dict[int, list[float | None]] = {}
            for f, op, thr in conds:
                low, high = bounds.setdefault(f, [None, None])
                if op == ">":
                    bounds[f][0] = thr if low is None else max(low, thr)
                else:
                    bounds[f][1] = thr if high is None else min(high, thr)
            parts = [
                _threshold_text(cols[f], df[cols[f]].astype(float), lo, hi)
                for f, (lo, hi) in sorted(bounds.items(), key=lambda kv: [c[0] for c in conds].index(kv[0]))
            ]
            rows.append(
                {
                    "segment": seg,
                    "rule": i18n.as_text(i18n.joined(parts, N_(" and "))) if parts else N_("every customer"),
                    "customers": int(at.sum()),
                    "precision": float(y[at].mean()),
                    "covers": float(y[at].sum() / y.sum()),
                }
            )
    out = pd.DataFrame(rows, columns=["segment", "rule", "customers", "precision", "covers"])
    with i18n.using("en"):  # ties in the order of the rules' English words, the same in every language
        key = out.assign(words=out["rule"].map(i18n.say))
    order = key.sort_values(["segment", "covers", "words"], ascending=[True, False, True], kind="mergesort").index
    return out.loc[order].reset_index(drop=True)


def rules_markdown(rules: pd.DataFrame, fidelity: pd.DataFrame, names: dict[int, str]) -> str:
    """The rules of every segment as a markdown list, with each segment's fidelity."""
    fid = fidelity.set_index("segment")["fidelity"]
    lines = []
    for seg, group in rules.groupby("segment", sort=True):
        fidelity_text = _("(fidelity %(fidelity)s)") % {
            "fidelity": i18n.number(fid.get(seg, np.nan), 2, grouping=False)
        }
        lines.append(f"**S{seg} · {esc(i18n.term(names.get(seg, '')))}** {fidelity_text}")
        for r in group.itertuples():
            lines.append(
                "- "
                + _(
                    "IF %(rule)s THEN %(segment)s: selects %(customers)s customers, %(precision)s of them in "
                    "%(segment)s; covers %(covers)s of %(segment)s"
                )
                % {
                    "rule": esc(i18n.say(r.rule)),
                    "segment": segment_code(seg),
                    "customers": i18n.number(r.customers),
                    "precision": i18n.percent(r.precision),
                    "covers": i18n.percent(r.covers),
                }
            )
        lines.append("")
    missing = sorted(set(fid.index) - set(rules["segment"]))
    for seg in missing:
        lines.append(
            f"**S{seg} · {esc(i18n.term(names.get(seg, '')))}**: "
            + _(
                "no rule of three questions picks out a majority of this segment (fidelity 0): it is not Definable "
                "by simple rules."
            )
        )
    return "\n".join(lines)


def distinguishing(features: pd.DataFrame, segments: pd.DataFrame, cols: list[str], n: int = 5) -> pd.DataFrame:
    """The features that most set each segment apart: effect size (Cohen's d) of the segment
    against all other customers, (mean in segment - mean of the rest) / pooled standard deviation.

    Returns the ``n`` largest |d| per segment: segment, feature, segment_mean, rest_mean, effect_size.
    """
    df = known_facts(joined(features, segments))
    rows = []
    for seg in sorted(df["segment"].unique()):
        inside = df["segment"] == seg
        a, b = df.loc[inside, cols].astype(float), df.loc[~inside, cols].astype(float)
        if not len(b):
            continue
        na, nb = a.count(), b.count()
        pooled = np.sqrt(((na - 1) * a.var() + (nb - 1) * b.var()) / (na + nb - 2))
        d = ((a.mean() - b.mean()) / pooled.replace(0, np.nan)).dropna()
        for f in d.abs().sort_values(ascending=False, kind="mergesort").index[:n]:
            rows.append(
                {
                    "segment": int(seg),
                    "feature": f,
                    "segment_mean": a[f].mean(),
                    "rest_mean": b[f].mean(),
                    "effect_size": float(d[f]),
                }
            )
    return pd.DataFrame(rows, columns=["segment", "feature", "segment_mean", "rest_mean", "effect_size"])


def attribute_mix(features: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame | None:
    """Demographic, geographic and contact mix per segment: the share of each segment's customers
    in every level of the one-hot encoded customer attributes (``gender=female``, ...) and with
    each contact permission, with the whole base as the last row. None when there is no such column.
    """
    df = joined(features, segments)
    kinds = features.attrs.get("kinds") or {}
    flags = [c for c, k in kinds.items() if k == "flag" and "=" not in c and c in df and c != "reachable"]
    cols = (
        [c for c in df.columns if "=" in c]
        + flags
        + [c for c in ("email_opt_in", "sms_opt_in") if c in df and c not in flags]
    )
    if not cols:
        return None
    shares = df.groupby("segment")[cols].mean()
    shares.loc["all"] = df[cols].astype(float).mean()
    return shares.reset_index()


def purchase_mixes(
    transactions, features: pd.DataFrame, segments: pd.DataFrame, spend: list[str], params: FeatureParams | None = None
) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """What each segment buys and where: the top categories (from the transactions, or for a
    customer-level source its spend per category) and the top channels, each None when the
    data has none. ``transactions``: the canonical table's Parquet path, or None; ``params``:
    the engine (``features`` parameters, DuckDB by default).
    """
    from seglab.features import revenue_mix

    as_of, start = features.attrs.get("as_of"), features.attrs.get("window_start")
    if transactions is None:
        return spend_mix(features, segments, spend), None
    categories = revenue_mix(transactions, segments, "category", as_of, start, params=params, over_index=True)
    channels = revenue_mix(transactions, segments, "channel", as_of, start, params=params)
    return categories if categories is not None else spend_mix(features, segments, spend), channels


def mix_table(
    categories: pd.DataFrame | None, channels: pd.DataFrame | None, names: dict[int, str]
) -> pd.DataFrame | None:
    """Categories and channels of :func:`purchase_mixes` in one table with the persona names;
    None when there are neither.
    """
    parts = [
        m.assign(column=c) for c, m in (("category", categories), ("channel", channels)) if m is not None and len(m)
    ]
    return with_names(pd.concat(parts), names) if parts else None


def with_names(table: pd.DataFrame, names: dict[int, str], labels: dict[str, str] | None = None) -> pd.DataFrame:
    """``table`` with each segment's persona name (``persona``) and, with ``labels``, its
    ``feature`` column in readable words.
    """
    out = table.assign(persona=table["segment"].map(names))
    if labels is not None and "feature" in out:
        out["feature"] = out["feature"].map(lambda f: label(f, labels))
    return out


def spend_mix(features: pd.DataFrame, segments: pd.DataFrame, spend: list[str], n: int = 3) -> pd.DataFrame | None:
    """For a customer-level source with spend per category (stage 01's ``spend`` columns): each
    segment's categories that set it apart (:func:`seglab.features.over_indexed`), as
    :func:`seglab.features.revenue_mix` gives them for transactions. None without such columns.
    """
    from seglab.features import over_indexed

    cols = [c for c in spend if c in features.columns]
    if len(cols) < 2:
        return None
    df = joined(features, segments)
    labels = features.attrs.get("labels") or {}
    total = df.groupby("segment")[cols].sum().clip(lower=0)
    long = total.stack().rename("revenue").reset_index()
    long.columns = ["segment", "value", "revenue"]
    long["value"] = long["value"].map(lambda c: label(c, labels))
    return over_indexed(long, n)


def mix_text(mix: pd.DataFrame | None, seg: int) -> str:
    """What the segment buys for a card: the categories it over-indexes on ('Toys (34%, 1.8× the
    average customer)'), or, when it buys like everyone, its top categories said so.
    """
    if mix is None:
        return ""
    rows = mix[mix["segment"] == seg]
    if rows.empty:
        return ""
    if "over" not in rows or rows["over"].astype(bool).all():
        if "index" not in rows:
            return i18n.listed(
                [
                    i18n.Note.of(N_("%(first)s (%(second)s)"), first=i18n.as_term(v), second=i18n.as_percent(s))
                    for v, s in zip(rows["value"], rows["share"], strict=True)
                ],
            )
        return i18n.listed(
            [
                i18n.Note.of(
                    N_("%(category)s (%(share)s of their spend, %(index)s× the average customer)"),
                    category=i18n.as_term(v),
                    share=i18n.as_percent(s),
                    index=i18n.as_number(x, 1),
                )
                for v, s, x in zip(rows["value"], rows["share"], rows["index"], strict=True)
            ],
        )
    return i18n.Note.of(
        N_("nothing in particular: buys like the average customer (%(categories)s)"),
        categories=[
            i18n.Note.of(N_("%(first)s %(second)s"), first=i18n.as_term(v), second=i18n.as_percent(s))
            for v, s in zip(rows["value"], rows["share"], strict=True)
        ],
    )


def best_time(data: pd.DataFrame, seg: int) -> str:
    """The most common preferred weekday and hour of the segment's customers (ties: the earliest)."""
    rows = data[data["segment"] == seg]
    if "preferred_weekday" not in rows or rows["preferred_weekday"].dropna().empty:
        return N_("unknown (no order times)")
    day = int(rows["preferred_weekday"].value_counts().sort_index().idxmax())
    hour = int(rows["preferred_hour"].value_counts().sort_index().idxmax())
    return i18n.Note.of(
        N_("%(weekday)s around %(hour)s"), weekday=i18n.as_term(WEEKDAYS[day]), hour=i18n.as_digits(f"{hour:02d}:00")
    )


def contact_plan(data: pd.DataFrame, seg: int, channel: str) -> dict:
    """How to reach the segment within its permissions: e-mail only to those who allowed it."""
    rows = data[data["segment"] == seg]
    email = float(rows["email_opt_in"].astype(float).mean()) if "email_opt_in" in rows else None
    sms = float(rows["sms_opt_in"].astype(float).mean()) if "sms_opt_in" in rows else None
    where = (
        i18n.as_term(N_("in the channel where they buy"))
        if channel == NO_CHANNEL
        else i18n.Note.of(N_("on the %(channel)s channel"), channel=i18n.as_term(channel))
    )
    if email is None and sms is None:
        text = i18n.Note.of(
            N_(
                "No contact permissions in the data: reach them %(where)s and ask for e-mail permission there; "
                "do not e-mail or text anyone whose permission is not recorded."
            ),
            where=where,
        )
    else:
        parts = []
        if email is not None:
            parts.append(
                i18n.Note.of(
                    N_("e-mail to the %(share)s who allowed it (never to the other %(rest)s)"),
                    share=i18n.as_percent(email),
                    rest=i18n.as_percent(1 - email),
                )
            )
        if sms is not None:
            parts.append(i18n.Note.of(N_("SMS to the %(share)s who allowed it"), share=i18n.as_percent(sms)))
        rest = i18n.Note.of(N_("; everyone else only %(where)s."), where=where)
        text = i18n.capital(i18n.concat(i18n.joined(parts, N_("; ")), rest))
    return {
        "contact": text,
        "email_permission_share": None if email is None else round(email, 4),
        "sms_permission_share": None if sms is None else round(sms, 4),
    }


def _grade(value: float, pass_at: float, warn_at: float) -> str:
    if pd.isna(value):
        return "warn"
    return "pass" if value >= pass_at else "warn" if value >= warn_at else "fail"


def midas(
    features: pd.DataFrame,
    segments: pd.DataFrame,
    embedding: np.ndarray,
    personas: pd.DataFrame,
    params: Midas,
    seed: int,
    fidelity_cols: list[str],
) -> pd.DataFrame:
    """The MIDAS scorecard: one row per segment and criterion with result and evidence."""
    df = joined(features, segments)
    prof = profile(features, segments, fidelity_cols).set_index("segment")
    names = personas.set_index("segment")["persona"]
    rng = np.random.default_rng(seed)
    n = len(df)
    idx = rng.choice(n, size=min(n, 4000), replace=False) if n > 4000 else np.arange(n)
    labels = df["segment"].to_numpy()
    from sklearn.metrics import silhouette_samples

    sil = pd.Series(silhouette_samples(embedding[idx], labels[idx])).groupby(labels[idx]).mean()
    fidelity = segment_rules(features, segments, fidelity_cols, seed).set_index("segment")
    exactly_one = not segments["customer_id"].duplicated().any() and segments["segment"].notna().all()
    rows = []
    for seg, p in prof.iterrows():
        share, vshare = p["customer_share"], p["revenue_share"]
        value_text = (
            i18n.Note.of(
                N_("net value %(value)s (%(share)s of total)"),
                value=i18n.as_money(p["revenue"]),
                share=i18n.as_percent(vshare, 1),
            )
            if not pd.isna(vshare)
            else i18n.as_term(N_("value unknown"))
        )
        rows.append(
            (
                seg,
                "Measurable",
                _grade(share, params.min_share, params.min_share / 2),
                i18n.Note.of(
                    N_("%(customers)s customers (%(share)s), %(value)s"),
                    customers=int(p["customers"]),
                    share=i18n.as_percent(share, 1),
                    value=value_text,
                ),
            )
        )
        s = sil.get(seg, np.nan)
        ident = "fail" if not exactly_one else _grade(s, 0.25, 0.0)
        rows.append(
            (
                seg,
                "Identifiable",
                ident,
                i18n.Note.of(
                    N_("every customer in exactly one segment: yes; mean silhouette %(silhouette)s")
                    if exactly_one
                    else N_("every customer in exactly one segment: NO; mean silhouette %(silhouette)s"),
                    silhouette=i18n.as_number(s, 2),
                ),
            )
        )
        f = fidelity.loc[seg]
        rows.append(
            (
                seg,
                "Definable",
                _grade(f["fidelity"], params.min_fidelity, params.min_fidelity - 0.15),
                i18n.Note.of(
                    N_(
                        "a rule of at most 3 questions (decision tree) finds %(recall)s of its customers, "
                        "%(precision)s of those it selects belong to it (fidelity %(fidelity)s)"
                    ),
                    recall=i18n.as_percent(f["recall"]),
                    precision=i18n.as_percent(f["precision"]),
                    fidelity=i18n.as_number(f["fidelity"], 2),
                ),
            )
        )
        if "reachable" in p.index and not pd.isna(p.get("reachable")):
            reach = p["reachable"]
            rows.append(
                (
                    seg,
                    "Actionable",
                    _grade(reach, params.min_reachable, params.min_reachable / 2),
                    i18n.Note.of(N_("%(share)s may be contacted by e-mail or SMS"), share=i18n.as_percent(reach)),
                )
            )
        else:
            rows.append((seg, "Actionable", "warn", N_("no contact-permission data: reachability unknown")))
        trend = p.get("spend_trend", np.nan)
        viable = _grade(vshare, params.min_value_share, params.min_value_share / 2)
        if viable == "pass" and not pd.isna(trend) and trend < -0.2:
            viable = "warn"
        evidence = (
            N_("value unknown: no column measures customer value")
            if pd.isna(vshare)
            else i18n.Note.of(N_("%(share)s of net value"), share=i18n.as_percent(vshare, 1))
        )
        if not pd.isna(trend):
            more = i18n.Note.of(N_("; mean spend trend %(trend)s"), trend=i18n.as_number(trend, 2, True))
            evidence = i18n.concat(evidence, more)
        rows.append((seg, "Viable", viable, evidence))
    out = pd.DataFrame(rows, columns=["segment", "criterion", "result", "evidence"])
    out["evidence"] = out["evidence"].map(i18n.as_text)  # (a note: said where shown)
    out.insert(1, "persona", out["segment"].map(names))
    return out


def midas_wide(card: pd.DataFrame) -> pd.DataFrame:
    """Segment x criterion table of pass / warn / fail."""
    wide = card.pivot(index=["segment", "persona"], columns="criterion", values="result")
    return wide[list(MIDAS_CRITERIA)].reset_index()


def lifecycle_cue(prof_row: pd.Series) -> str:
    """The lifecycle cue of :data:`LIFECYCLE_CUES` when one stage holds at least half the segment:
    a stage's share counts only the customers *known* to be in it (``lifecycle_unknown`` is a
    stage of its own), so a segment whose tenure the data cannot tell is never told "Most are new".
    """
    shares = {k: prof_row.get(f"lifecycle_{k}") for k in LIFECYCLE_CUES}
    shares = {k: float(v) for k, v in shares.items() if v is not None and not pd.isna(v)}
    top = max(shares, key=shares.get, default=None)
    return LIFECYCLE_CUES[top] if top and shares[top] >= 0.5 else ""


def lifecycle_text(prof_row: pd.Series, data: pd.DataFrame | None = None, seg: int | None = None) -> str:
    """The segment's lifecycle mix for its card: the known stages by share ('lapsing 12%, active
    5%'), then the share whose tenure is unknown ('tenure unknown for 83%'); empty without lifecycle
    data.
    """
    from seglab.vocabulary import LIFECYCLE_STAGES

    shares = {k: prof_row.get(f"lifecycle_{k}") for k in LIFECYCLE_STAGES if k != "unknown"}
    shares = {k: float(v) for k, v in shares.items() if v is not None and not pd.isna(v) and v >= 0.005}
    if not shares and "lifecycle_unknown" not in prof_row:
        return ""
    parts = [
        i18n.Note.of(N_("%(first)s %(second)s"), first=i18n.as_term(k.replace("_", " ")), second=i18n.as_percent(v))
        for k, v in sorted(shares.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    text = i18n.listed(parts) if parts else N_("no stage known")
    rows = data[data["segment"] == seg] if data is not None and seg is not None and "tenure_known" in data else None
    unknown = float(1 - rows["tenure_known"].mean()) if rows is not None and len(rows) else 0.0
    if unknown > 0:
        more = i18n.Note.of(
            N_("; tenure unknown for %(share)s (first seen near the start of the data: they may have bought before)"),
            share=i18n.as_percent(unknown),
        )
        text = i18n.concat(text, more)
    return text


def outcome_text(data: pd.DataFrame | None, seg: int) -> str:
    """The segment's outcomes for its card, beside all customers' ('Churn 61% (all customers 27%)'):
    a yes/no outcome by its share of yes, a number by its mean; empty without outcome columns.
    """
    outcomes = (data.attrs.get("outcomes") if data is not None else None) or {}
    parts = []
    for f, o in outcomes.items():
        if f not in data:
            continue
        values = pd.to_numeric(data[f], errors="coerce")
        seg_v, all_v = values[data["segment"] == seg].mean(), values.mean()
        show = (lambda v: i18n.as_percent(v, 1 if 0 < v < 0.1 else 0)) if o.get("kind") == "flag" else _mean_value
        parts.append(
            i18n.Note.of(
                N_("%(outcome)s %(value)s (all customers %(all)s)"),
                outcome=i18n.as_term(o.get("label") or f),
                value=show(seg_v),
                all=show(all_v),
            )
        )
    return i18n.listed(parts) if parts else ""


def _mean_value(v: float) -> i18n.Value | str:
    return _value("", v)


def persona_cards(
    prof: pd.DataFrame,
    z: pd.DataFrame,
    personas: pd.DataFrame,
    card: pd.DataFrame,
    base: pd.Series,
    data: pd.DataFrame | None = None,
    categories: pd.DataFrame | None = None,
    prediction: pd.DataFrame | None = None,
    value_basis: str | None = None,
) -> list[dict]:
    """The persona card of each segment (also written to personas.json).

    ``data``: features joined with segments (for the best time and the contact permissions);
    ``categories``: :func:`seglab.features.revenue_mix` of the category column; ``prediction``:
    :func:`seglab.predict.per_persona` (buy probability, churn risk, expected spend).
    """
    p = prof.set_index("segment")
    result = card.groupby("segment")["result"].apply(list)
    pred = prediction.set_index("segment") if prediction is not None else None
    labels = (data.attrs.get("labels") if data is not None else None) or {}
    kinds = (data.attrs.get("kinds") if data is not None else None) or {}
    value_known = bool(p["revenue"].notna().any())
    cards = []
    for _i, row in personas.iterrows():
        seg = int(row["segment"])
        pr = p.loc[seg]
        results = result.get(seg, [])
        channel = preferred_channel(pr)
        message = MESSAGES.get(row["archetype"], MESSAGES[None])
        cue = lifecycle_cue(pr)
        c = {
            "segment": seg,
            "name": row["persona"],
            "archetype": row["archetype"],
            "confidence": row["confidence"],
            "customers": int(pr["customers"]),
            "customer_share": round(float(pr["customer_share"]), 4),
            "revenue_share": round(float(pr["revenue_share"]), 4) if value_known else None,
            "value_per_customer": round(float(pr["value_per_customer"]), 2) if value_known else None,
            "value_basis": value_basis if value_known else "unknown",
            "evidence": row.get("evidence", ""),
            "traits": traits(pr, z.loc[seg], base, n=5, labels=labels, kinds=kinds),
            "channel": channel,
            "best_time": best_time(data, seg) if data is not None else "unknown",
            "message": i18n.Note.of(N_("%(first)s %(second)s"), first=i18n.as_term(message), second=i18n.as_term(cue))
            if cue
            else message,
            "offer": OFFERS.get(row["archetype"], OFFERS[None]),
            "top_categories": mix_text(categories, seg),
            "lifecycle": lifecycle_text(pr, data, seg),
            "outcomes": outcome_text(data, seg),
            "midas": "pass" if all(r == "pass" for r in results) else "fail" if "fail" in results else "warn",
            "midas_detail": dict(
                zip(
                    card.loc[card["segment"] == seg, "criterion"],
                    card.loc[card["segment"] == seg, "result"],
                    strict=True,
                )
            ),
        }
        c.update(
            contact_plan(data, seg, channel)
            if data is not None
            else {"contact": "", "email_permission_share": None, "sms_permission_share": None}
        )
        if pred is not None and seg in pred.index:
            q = pred.loc[seg]
            c.update(
                buy_probability=round(float(q["buy_probability"]), 4),
                churn_risk=round(float(q["churn_risk"]), 4),
                expected_spend_per_customer=round(float(q["expected_spend_per_customer"]), 2),
                expected_spend=round(float(q["expected_spend"]), 2),
            )
        cards.append(c)
    return cards
