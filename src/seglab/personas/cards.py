"""Persona cards: each segment's name, traits, purchase mix, best time and channel to reach it,
lifecycle cue, outcome and message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from seglab import i18n
from seglab.config import Features as FeatureParams
from seglab.i18n import N_

if TYPE_CHECKING:
    pass
from seglab.personas.naming import NO_CHANNEL, Wording, preferred_channel, traits
from seglab.personas.profiles import WEEKDAYS, feature_value, joined, label

MESSAGES = {
    "loyal": N_("Loyalty rewards, early access to new products and a thank-you; they are good testers of new lines."),
    "impulse_shopper": N_("New arrivals, bundles and limited editions, shown where they browse."),
    "bargain_hunter": N_("Targeted discounts, price drops and a minimum order for free delivery."),
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
    "impulse_shopper": N_("Bundles and limited-time editions."),
    "bargain_hunter": N_("A discount code or a price-drop alert on their categories."),
    "wandering": N_("A reminder of the items they viewed, with free delivery on their next order."),
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
    from seglab.features import RevenueMix, revenue_mix

    as_of, start = features.attrs.get("as_of"), features.attrs.get("window_start")
    if transactions is None:
        return spend_mix(features, segments, spend), None
    categories = revenue_mix(transactions, segments, RevenueMix("category", as_of, start, over_index=True), params)
    channels = revenue_mix(transactions, segments, RevenueMix("channel", as_of, start), params)
    return categories if categories is not None else spend_mix(features, segments, spend), channels


def mix_table(
    categories: pd.DataFrame | None, channels: pd.DataFrame | None, names: dict[int, str]
) -> pd.DataFrame | None:
    """Categories and channels of :func:`purchase_mixes` in one table with the persona names
    (``mix_kind``: category or channel; ``mix_value``: which one); None when there are neither.
    """
    parts = [
        m.assign(mix_kind=c) for c, m in (("category", categories), ("channel", channels)) if m is not None and len(m)
    ]
    if not parts:
        return None
    table = with_names(pd.concat(parts), names).rename(columns={"value": "mix_value"})
    first = ["segment", "persona", "mix_kind", "mix_value"]
    return table[[*first, *(c for c in table.columns if c not in first)]]


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
    return feature_value("", v)


@dataclass(frozen=True)
class CardInputs:
    """What the persona cards say (:func:`persona_cards`).

    Attributes
    ----------
    profile : DataFrame
        The segment profiles (:func:`seglab.personas.profile`).
    z : DataFrame
        The z-profile, segment x feature (:func:`seglab.personas.z_profile`).
    personas : DataFrame
        The persona of each segment (:func:`seglab.personas.name_personas`).
    scorecard : DataFrame
        The MIDAS scorecard (:func:`seglab.personas.midas`).
    base : Series
        The average customer, of what the data can tell (feature -> mean).
    data : DataFrame, optional
        The features joined with the segments (for the best time and the contact permissions).
    categories : DataFrame, optional
        :func:`seglab.features.revenue_mix` of the category column.
    prediction : DataFrame, optional
        :func:`seglab.personas.predict.per_persona` (buy probability, churn risk, expected spend;
        P(alive) and lifetime value per customer with its 80 % interval when measured).
    value_basis : str, optional
        What customer value means in this run (the features' ``value_basis``).
    """

    profile: pd.DataFrame
    z: pd.DataFrame
    personas: pd.DataFrame
    scorecard: pd.DataFrame
    base: pd.Series
    data: pd.DataFrame | None = None
    categories: pd.DataFrame | None = None
    prediction: pd.DataFrame | None = None
    value_basis: str | None = None


def persona_cards(inputs: CardInputs) -> list[dict]:
    """The persona card of each segment (also written to personas.json)."""
    data, categories, card, value_basis = inputs.data, inputs.categories, inputs.scorecard, inputs.value_basis
    p = inputs.profile.set_index("segment")
    result = card.groupby("segment")["result"].apply(list)
    pred = inputs.prediction.set_index("segment") if inputs.prediction is not None else None
    labels = (data.attrs.get("labels") if data is not None else None) or {}
    kinds = (data.attrs.get("kinds") if data is not None else None) or {}
    value_known = bool(p["revenue"].notna().any())
    cards = []
    for _i, row in inputs.personas.iterrows():
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
            "traits": traits(pr, inputs.z.loc[seg], inputs.base, n=5, wording=Wording(labels, kinds)),
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
            if "clv_per_customer" in q and pd.notna(q["clv_per_customer"]):
                c.update(
                    p_alive=round(float(q["p_alive"]), 4) if pd.notna(q["p_alive"]) else None,
                    lifetime_value=round(float(q["clv_per_customer"]), 2),
                    lifetime_value_low=round(float(q["clv_low"]), 2),
                    lifetime_value_high=round(float(q["clv_high"]), 2),
                    lifetime_months=int(q["clv_months"]),
                )
        cards.append(c)
    return cards
