"""The checks of W4 (personas, MIDAS, a rule, a channel per segment) and W5 (the Boston matrix:
quadrants, a budget, a criterion built by hand; segments over time): as :mod:`seglab_workshop.check`, which the
notebooks call them through (it imports them), never raising and keeping no answer in plain text.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from seglab import i18n
from seglab.vocabulary import QUADRANTS, segment_code
from seglab_workshop import answers_in, facts
from seglab_workshop.feedback import Feedback, exercise, hint, missing, right, room, same, vocabulary
from seglab_workshop.messages import N_, _

__all__ = [
    "ARCHETYPES",
    "CHANNEL_WORDS",
    "QUADRANT_WORDS",
    "segment_named",
    "w4_channel",
    "w4_names",
    "w4_rule",
    "w5_budget",
    "w5_criterion",
    "w5_quadrants",
    "w5_stay",
]


# --------------------------------------------------------------------------------------------
# W4: personas and MIDAS
# --------------------------------------------------------------------------------------------
ARCHETYPES = ("loyal", "impulse_shopper", "bargain_hunter", "wandering", "need_based")
#: Other spellings of the archetypes (seglab's persona names, in every reader language, are added).
ARCHETYPE_WORDS = {
    "loyal": ("loyalty", "loyalist", "loyalists", "loyals", "وفادار"),
    "impulse_shopper": ("impulse", "impulsive", "impulse buyer", "impulse buyers", "تکانشی", "خرید تکانشی"),
    "bargain_hunter": (
        "bargain",
        "bargain hunting",
        "deal seeker",
        "deal seekers",
        "discount hunter",
        "شکارچی تخفیف",
        "شکارچیان تخفیف",
        "تخفیف‌جو",
    ),
    "wandering": ("wanderer", "wanderers", "browser", "browsers", "سرگردان", "گذری"),
    "need_based": ("need", "needs based", "needbased", "need driven", "نیازمحور", "نیاز محور"),
}
#: What tells two archetypes apart, for a hint when a learner swaps them.
TELLS = {
    frozenset({"loyal", "impulse_shopper"}): N_("order value and how many units an order has"),
    frozenset({"bargain_hunter", "need_based"}): N_("the share of discounted lines and of one category"),
    frozenset({"wandering", "need_based"}): N_("visits per order"),
    frozenset({"wandering", "bargain_hunter"}): N_("visits per order and the discounted share"),
    frozenset({"loyal", "need_based"}): N_("how often they order"),
}


def _archetype_words() -> dict:
    from seglab.personas import PERSONA_NAMES

    return vocabulary(ARCHETYPE_WORDS, {a: PERSONA_NAMES[a] for a in ARCHETYPES})


def _segments() -> list[int]:
    return sorted(int(s) for s in room().segmentation.segments["segment"].unique())


def _names(answer) -> dict[int, str | None] | None:
    given = answers_in.by_segment(answer, _segments())
    if given is None:
        return None
    words = _archetype_words()
    return {s: answers_in.word(v, words) for s, v in given.items()}


def segment_named(names, archetype: str) -> int | None:
    """The segment a learner's ``names`` (exercise W4.1, any shape) gives ``archetype``, or None."""
    try:
        read = _names(names) if names is not None else None
    except Exception:  # noqa: BLE001 - a shape the names check will explain
        return None
    found = [s for s, a in (read or {}).items() if a == archetype]
    return found[0] if len(found) == 1 else None


@exercise("W4.1", N_('a dict of an archetype per segment: {1: "...", 2: "...", ...}'))
def w4_names(answer) -> Feedback:
    """An archetype for each segment: ``{1: "...", ...}`` (names of :data:`ARCHETYPES`;
    keys 1 or "S1"; the persona names in English or Persian are read too).
    """
    if (m := missing(answer)) is not None:
        return m
    given = _names(answer)
    segments = _segments()
    codes = ", ".join(segment_code(s) for s in segments)
    if given is None or set(given) != set(segments):
        return hint("Name every segment: %(segments)s.", segments=codes)
    if any(a is None for a in given.values()):
        return hint("Use the archetypes' names: %(names)s.", names=", ".join(ARCHETYPES))
    expected = facts.planted_names(room())
    wrong = [s for s in expected if given[s] != expected[s]]
    if not wrong:
        return right()
    for a, b in itertools.combinations(wrong, 2):
        if given[a] == expected[b] and given[b] == expected[a]:
            tell = TELLS.get(frozenset({expected[a], expected[b]}))
            if tell:
                return hint(
                    "%(a)s and %(b)s are swapped: compare %(tell)s.", a=segment_code(a), b=segment_code(b), tell=_(tell)
                )
            return hint("%(a)s and %(b)s are swapped.", a=segment_code(a), b=segment_code(b))
    return hint("Not yet: %(segments)s.", segments=", ".join(segment_code(s) for s in wrong))


@exercise("W4.2", N_("one True/False per customer of shop.features (a condition on its columns)"))
def w4_rule(answer, segment, min_precision: float = 0.7, min_recall: float = 0.7) -> Feedback:
    """A rule that finds ``segment``: a True/False Series over the feature table's customers
    (index as in ``shop.features``).
    """
    if (m := missing(answer)) is not None:
        return m
    if segment is None:
        return hint("Name the segments first (exercise 1): the rule looks for the one you named bargain_hunter.")
    shop = room()
    segs = shop.segmentation.segments.set_index("customer_id")["segment"]
    ids = shop.features["customer_id"]
    picked = np.asarray(answer).ravel()
    if picked.dtype != bool or len(picked) != len(ids):
        return hint("Give one True/False per customer of shop.features.")
    inside = (segs.reindex(ids.to_numpy()) == answers_in.segment_number(segment)).to_numpy()
    if not picked.any():
        return hint("Your rule selects nobody.")
    precision = float(inside[picked].mean())
    recall = float(picked[inside].mean()) if inside.any() else 0.0
    values = {
        "precision": i18n.percent_beside(precision, min_precision),
        "recall": i18n.percent_beside(recall, min_recall),
        "bar": i18n.percent(min_precision),
    }
    if precision >= min_precision and recall >= min_recall:
        return right(N_("Right: your rule is Definable enough."))
    if precision < min_precision:
        return hint(
            "Your rule also catches many customers of other segments (%(precision)s of those it selects are in the "
            "segment; at least %(bar)s are needed): make a condition stricter or add one.",
            **values,
        )
    return hint(
        "Your rule misses much of the segment (it finds %(recall)s of it; at least %(bar)s are needed): "
        "loosen a threshold.",
        **values,
    )


#: The channels a segment's message can go by, with their other spellings.
CHANNEL_WORDS = {
    "email": ("e-mail", "mail", "e mail", "ایمیل", "رایانامه", "البريد الإلكتروني", "بريد"),
    "sms": ("text", "texts", "text message", "sms message", "پیامک", "اس ام اس", "رسالة نصية"),
    "none": ("no", "nothing", "neither", "no channel", "hichkodam", "هیچ", "هیچ‌کدام", "هیچکدام", "لا شيء"),
}


@exercise("W4.3", N_('a dict of a channel ("email", "sms" or "none") per segment: {1: "...", 2: "...", ...}'))
def w4_channel(answer) -> Feedback:
    """The channel of each segment's message: the one most of its customers allow (e-mail or
    SMS), or "none" when fewer than half allow either (no e-mail to customers who cannot see it).
    """
    if (m := missing(answer)) is not None:
        return m
    segments = _segments()
    raw = answers_in.by_segment(answer, segments)
    if raw is None or set(raw) != set(segments):
        return hint(
            "Give a channel for every segment: %(segments)s.", segments=", ".join(segment_code(s) for s in segments)
        )
    given = {s: answers_in.word(v, CHANNEL_WORDS) for s, v in raw.items()}
    if any(c is None for c in given.values()):
        return hint("Use the channels' names: %(names)s.", names=", ".join(CHANNEL_WORDS))
    expected = facts.channels(room())
    if given == expected:
        return right()
    shares = facts.channel_shares(room())
    under = [s for s, c in expected.items() if c == "none" and given[s] != "none"]
    if under:
        return hint(
            "Fewer than half of %(segments)s allow either channel: a message they cannot receive is wasted (none).",
            segments=", ".join(segment_code(s) for s in under),
        )
    if len(set(given.values())) == 1:
        return hint("Each segment has its own permissions: count them per segment, not over the whole shop.")
    wrong = [s for s in expected if given[s] != expected[s]]
    if any(given[s] == "none" and shares.loc[s].max() >= facts.CHANNEL_LEAST for s in wrong):
        return hint("At least half of a segment allowing a channel is enough: half is reachable.")
    return hint("Not yet: %(segments)s: compare the share allowing e-mail with the share allowing SMS.",
                segments=", ".join(segment_code(s) for s in wrong))  # fmt: skip


# --------------------------------------------------------------------------------------------
# W5: the Boston matrix
# --------------------------------------------------------------------------------------------
#: Other spellings of the quadrants (their names in every reader language are added).
QUADRANT_WORDS = {
    "Target": ("targets", "star", "stars", "ستاره", "هدف"),
    "Convert": ("conversion", "question mark", "question marks", "علامت سؤال", "علامت سوال", "تبدیل"),
    "Grow": ("growth", "cash cow", "cash cows", "develop", "گاو شیرده", "رشد"),
    "Ignore": ("ignored", "dog", "dogs", "drop", "سگ", "نادیده"),
}


def _quadrant_words() -> dict:
    words = vocabulary(QUADRANT_WORDS, {q: q for q in QUADRANTS})
    for q in QUADRANTS:  # the first word of a translated name as well (هدف for هدف قرار دادن)
        words[q] += [w.split()[0] for w in words[q] if " " in w and not w.isascii()]
    return words


@exercise("W5.1", N_('a dict of a quadrant per segment: {1: "...", 2: "...", ...}'))
def w5_quadrants(answer, scores: pd.DataFrame, threshold: float = 0.5) -> Feedback:
    """The quadrant of each segment of ``scores`` (segment, attractiveness, ability_to_win);
    quadrant names in English or as the reader's chart writes them.
    """
    if (m := missing(answer)) is not None:
        return m
    from seglab.prioritization import quadrant

    expected = {int(r.segment): quadrant(r.attractiveness, r.ability_to_win, threshold) for r in scores.itertuples()}
    raw = answers_in.by_segment(answer, list(expected))
    if raw is None or set(raw) != set(expected):
        return hint("Give a quadrant for every segment.")
    words = _quadrant_words()
    given = {s: answers_in.word(v, words) for s, v in raw.items()}
    if any(q is None for q in given.values()):
        return hint("Use the quadrants' names: %(names)s.", names=", ".join(_(q) for q in QUADRANTS))
    if given == expected:
        return right()
    swapped = {int(r.segment): quadrant(r.ability_to_win, r.attractiveness, threshold) for r in scores.itertuples()}
    if given == swapped:
        return hint(
            "The axes are swapped: Convert is attractive but hard to win, Grow easy to win but less attractive."
        )
    strict = {int(r.segment): _strict_quadrant(r, threshold) for r in scores.itertuples()}
    if given == strict:
        return hint("A score equal to the threshold is high: at or above it, not only above.")
    return hint("Not yet: high is at or above the threshold on each axis; read the four quadrants from the two.")


def _strict_quadrant(r, threshold: float) -> str:
    """The quadrant read with "above the threshold" for high (a score equal to it read as low)."""
    from seglab.prioritization import quadrant

    low = -1.0  # moves a score equal to the threshold below it
    a = r.attractiveness + (low if r.attractiveness == threshold else 0.0)
    w = r.ability_to_win + (low if r.ability_to_win == threshold else 0.0)
    return quadrant(a, w, threshold)


@exercise("W5.2", N_("a dict of an amount per segment: {1: ..., 2: ..., ...}"))
def w5_budget(answer, plan: pd.DataFrame, total: float, weights: dict[str, float]) -> Feedback:
    """The budget of each segment of ``plan`` (segment, quadrant, value): ``total`` split in
    proportion to quadrant weight × value. Amounts rounded to a thousandth of the total (100 of
    100,000) or finer are right.
    """
    if (m := missing(answer)) is not None:
        return m
    segments = [int(s) for s in plan["segment"]]
    raw = answers_in.by_segment(answer, segments)
    amounts = {s: answers_in.number(v) for s, v in (raw or {}).items()}
    if raw is None or set(amounts) != set(segments) or any(v is None for v in amounts.values()):
        return hint("Give an amount for every segment.")
    got = np.array([amounts[s] for s in segments])
    score = plan["quadrant"].map(weights).fillna(0).to_numpy(float) * plan["value"].to_numpy(float)
    expected = total * score / score.sum()
    rounding = max(1.0, abs(total) * 0.005)  # to the nearest thousand of a 100,000 budget
    if np.allclose(got, expected, atol=rounding, rtol=0):
        return right()
    if np.allclose(got, expected / total, atol=1e-3):
        return hint("Those are shares: multiply them by the budget (%(total)s).", total=i18n.number(total))
    if abs(got.sum() - total) > rounding * len(segments):
        return hint("The amounts add up to %(sum)s, not to the budget.", sum=i18n.number(got.sum()))
    by_value = total * plan["value"].to_numpy(float) / plan["value"].sum()
    if np.allclose(got, by_value, atol=rounding, rtol=0):
        return hint("Split by value alone, an Ignore segment still gets money: weigh each segment by its quadrant too.")
    w = plan["quadrant"].map(weights).fillna(0).to_numpy(float)
    if w.sum() > 0 and np.allclose(got, total * w / w.sum(), atol=rounding, rtol=0):
        return hint("Split by quadrant weight alone, a small segment gets as much as a big one: weigh by value too.")
    return hint("Not yet: each segment gets total × (quadrant weight × value) / the sum over segments.")


@exercise("W5.3", N_("a dict of a score per segment: {1: ..., 2: ..., ...}"))
def w5_criterion(answer, profile: pd.DataFrame) -> Feedback:
    """The *value per customer* criterion of attractiveness built by hand from ``profile``
    (segment, value_per_customer, revenue): each segment's value per customer divided by the
    largest, so the best segment scores 1 and one with half its value 0.5 (seglab's scaling of an
    amount).
    """
    if (m := missing(answer)) is not None:
        return m
    p = profile.set_index(profile["segment"].astype(int))
    segments = list(p.index)
    raw = answers_in.by_segment(answer, segments)
    scores = {s: answers_in.number(v) for s, v in (raw or {}).items()}
    if raw is None or set(scores) != set(segments) or any(v is None for v in scores.values()):
        return hint("Give a score for every segment.")
    got = pd.Series(scores).reindex(segments)
    value = p["value_per_customer"].astype(float)
    if same(got, value / value.max(), 0.01):
        return right()
    if same(got, (value - value.min()) / (value.max() - value.min()), 0.01):
        return hint(
            "That is min-max scaling: an amount is divided by the largest, so a segment with half the value "
            "scores 0.5 and the smallest does not score 0."
        )
    total = p["revenue"].astype(float)
    if same(got, total / total.max(), 0.01):
        return hint("That is total value: this criterion is per customer (total value is another one).")
    if same(got, value / value.max() * 100, 1.0):
        return hint("A criterion scores 0 to 1, not a percentage.")
    if (got > 1.0001).any():
        return hint("Scale the values to 0..1: divide each by the largest.")
    return hint("Not yet: each segment's value per customer divided by the highest value per customer of all segments.")


@exercise("W5.4", N_("a dict of a stay rate per segment: {1: ..., 2: ..., ...}"))
def w5_stay(answer) -> Feedback:
    """Each segment's stay rate from the third quarter to the fourth, in ``shop.tracked``: the
    share of its customers active in the third quarter who are in the same segment in the fourth
    (one who buys nothing in the fourth has left). Shares (rounded to 0.01) or percentages.
    """
    if (m := missing(answer)) is not None:
        return m
    tracked = room().tracked
    expected = facts.stay_rates(tracked)
    segments = [int(s) for s in expected.index]
    raw = answers_in.by_segment(answer, segments)
    rates = {s: answers_in.number(v) for s, v in (raw or {}).items()}
    if raw is None or set(rates) != set(segments) or any(v is None for v in rates.values()):
        return hint("Give a stay rate for every segment of shop.tracked: %(segments)s.",
                    segments=", ".join(segment_code(s) for s in segments))  # fmt: skip
    got = pd.Series(rates).reindex(segments)
    if same(got, expected, 0.01) or same(got, expected * 100, 1.0):
        return right()
    over_one = got > 1.0001
    counts = (got == got.round()).all()  # (whole numbers above 1 may be counts: the counts hint)
    if over_one.any() and not counts or over_one.all() and (got <= 100).all():
        got = got / 100  # percentages: read as shares for the hints
    return _stay_hint(got, expected, tracked)


def _stay_hint(got: pd.Series, expected: pd.Series, tracked: pd.DataFrame) -> Feedback:
    """The hint for stay rates ``got`` (shares) that are not the ``expected`` ones: the usual misreadings."""
    segments = list(expected.index)
    readings = {k: v.reindex(segments) for k, v in facts.stay_readings(tracked).items()}
    if same(got, readings["both"], 0.01):
        return hint(
            "A customer of the third quarter who buys nothing in the fourth has left the segment too: "
            "count every customer of the third quarter, not only those active in both."
        )
    if same(got, readings["active"], 0.01):
        return hint(
            "That is the share still buying, in any segment: one who moved to another segment has left this one."
        )
    if same(got, 1 - expected, 0.01):
        return hint("That is the share that left: the stay rate is the share that stayed.")
    if same(got, readings["to"], 0.01):
        return hint(
            "That is where the fourth quarter's customers came from: divide by each segment's customers "
            "of the third quarter (where they start), not of the fourth."
        )
    if same(got, readings["first"], 0.01):
        return hint("Those are the first two quarters: the stay rate asked is from the third quarter to the fourth.")
    if same(got, facts.stay_rates(tracked, pooled=True).reindex(segments), 0.01):
        return hint("That pools every pair of quarters: only the third quarter to the fourth.")
    if same(got, expected, 0.051):
        return hint("Close: give the rates to two decimals at least.")
    if (got > 1.0001).any():
        return hint("Those look like counts: divide by the segment's customers of the third quarter.")
    return hint(
        "Not yet: per segment, of its customers in the third quarter, the share in the same segment in the fourth."
    )
