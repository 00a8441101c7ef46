"""The checks of the workshop's exercises: each says *right*, or gives a hint that points at the
mistake without giving the answer, or says the exercise is not answered yet (the learner's
notebook starts with ``answer = None``). A check never raises on a wrong answer: it returns a
:class:`Feedback`, which a notebook shows as one line.

Every check knows the typical mistakes of its exercise (an off-by-one day, gross instead of net
value, unscaled features, argmax for argmin, the Rand index unadjusted, ...) and recognises
them by recomputing the answer the mistake gives.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from seglab import i18n
from seglab.vocabulary import segment_code
from seglab_workshop.messages import N_, _

RIGHT, HINT, MISSING = "right", "hint", "missing"


@dataclass(frozen=True)
class Feedback:
    """What a check says: ``status`` (right, hint, missing) and one sentence for the learner."""

    status: str
    message: str

    def __bool__(self) -> bool:
        """True when the answer is right."""
        return self.status == RIGHT

    def __str__(self) -> str:
        """The message with its mark (✔ right, ✘ a hint, … not answered)."""
        mark = {RIGHT: "✔", HINT: "✘", MISSING: "…"}[self.status]
        return f"{mark} {self.message}"

    def _repr_markdown_(self) -> str:
        from seglab.text import esc

        return f"**{esc(str(self))}**"


def _right(message: str = N_("Right.")) -> Feedback:
    return Feedback(RIGHT, _(message))


def _hint(message: str, **values) -> Feedback:
    return Feedback(HINT, _(message) % values if values else _(message))


def _missing(answer) -> Feedback | None:
    """Feedback for an exercise not answered yet (None or ...), else None."""
    if answer is None or answer is Ellipsis:
        return Feedback(MISSING, _("Not answered yet: replace None with your answer and run the cell again."))
    return None


def _room():
    from seglab_workshop.classroom import classroom

    return classroom(_CURRENT["seed"])


_CURRENT = {"seed": 7}


def use_seed(seed: int) -> None:
    """The classroom shop the checks compare with (set by :func:`seglab_workshop.start`)."""
    _CURRENT["seed"] = seed


# --------------------------------------------------------------------------------------------
# W1: lenses and the MIDAS questions
# --------------------------------------------------------------------------------------------
#: The lens of each column of the shop's customer table (seglab's stage 01 guesses the same).
LENSES = {
    "age": "demographic",
    "gender": "demographic",
    "income_band": "demographic",
    "city": "geographic",
    "region": "geographic",
    "email_opt_in": "contactability",
    "sms_opt_in": "contactability",
}
#: Questions a marketer asks of a segmentation, and the MIDAS criterion each one tests.
MIDAS_QUESTIONS = {
    "q1": ("How many customers are in it, and how much do they spend?", "Measurable"),
    "q2": ("Does every customer belong to exactly one group?", "Identifiable"),
    "q3": ("Can we describe the group in two or three plain questions?", "Definable"),
    "q4": ("Can we reach these customers by e-mail or SMS?", "Actionable"),
    "q5": ("Is the group worth the effort over the next years?", "Viable"),
}
N_("How many customers are in it, and how much do they spend?")
N_("Does every customer belong to exactly one group?")
N_("Can we describe the group in two or three plain questions?")
N_("Can we reach these customers by e-mail or SMS?")
N_("Is the group worth the effort over the next years?")


def midas_questions() -> pd.DataFrame:
    """The questions of exercise W1.2 in the reader's language (id, question)."""
    return pd.DataFrame([{"id": q, "question": _(text)} for q, (text, _c) in MIDAS_QUESTIONS.items()])


def w1_lenses(answer: dict | None) -> Feedback:
    """The lens of each customer column: ``{"age": "demographic", ...}``."""
    if (m := _missing(answer)) is not None:
        return m
    given = {str(k): str(v).strip().lower() for k, v in dict(answer).items()}
    if set(given) != set(LENSES):
        return _hint("Give a lens for each of these columns: %(columns)s.", columns=", ".join(LENSES))
    wrong = [c for c, lens in LENSES.items() if given[c] != lens]
    if not wrong:
        return _right()
    if any(c.endswith("_opt_in") for c in wrong):
        return _hint(
            "A permission to e-mail or text someone is not who they are nor where they live: it says whether "
            "we can reach them."
        )
    if any(c in ("city", "region") for c in wrong):
        return _hint("Where a customer lives has its own lens.")
    return _hint("Age, gender and income describe who a customer is: %(columns)s.", columns=", ".join(wrong))


def w1_midas(answer: dict | None) -> Feedback:
    """The MIDAS criterion each question of :data:`MIDAS_QUESTIONS` tests: ``{"q1": "Measurable", ...}``."""
    if (m := _missing(answer)) is not None:
        return m
    given = {str(k): str(v).strip().capitalize() for k, v in dict(answer).items()}
    expected = {q: c for q, (_q, c) in MIDAS_QUESTIONS.items()}
    if set(given) != set(expected):
        return _hint("Answer each question: %(questions)s.", questions=", ".join(expected))
    wrong = [q for q in expected if given[q] != expected[q]]
    if not wrong:
        return _right()
    if given.get("q2") == "Definable" and given.get("q3") == "Identifiable":
        return _hint(
            "Two criteria are swapped: one asks whether every customer is in exactly one group, the other whether "
            "the group can be described simply."
        )
    if given.get("q5") == "Measurable" or given.get("q1") == "Viable":
        return _hint("Size and spend today is one criterion; being worth it over time is another.")
    return _hint("Not yet: %(questions)s.", questions=", ".join(wrong))


# --------------------------------------------------------------------------------------------
# W2: features by hand
# --------------------------------------------------------------------------------------------
def _lines(customers) -> pd.DataFrame:
    tx = _room().transactions
    return tx[tx["customer_id"].isin(list(customers))]


def _net(lines: pd.DataFrame) -> pd.Series:
    return lines["quantity"] * lines["unit_price"] * (1 - lines["discount"].fillna(0))


def _as_series(answer, index) -> pd.Series | None:
    try:
        s = pd.Series(answer)
        return s.reindex(list(index)).astype(float)
    except (TypeError, ValueError):
        return None


def _same(a: pd.Series, b: pd.Series, tol: float = 1e-6) -> bool:
    return bool(np.allclose(a.to_numpy(float), b.to_numpy(float), atol=tol, rtol=1e-9, equal_nan=False))


def expected_recency(customers) -> pd.Series:
    """Whole days from each customer's last purchase (a line with a positive quantity) to the as-of date."""
    lines = _lines(customers)
    buys = lines[lines["quantity"] > 0]
    last = buys.groupby("customer_id")["timestamp"].max().dt.normalize()
    return (_room().as_of.normalize() - last).dt.days.reindex(list(customers)).astype(float)


def w2_recency(answer, customers) -> Feedback:
    """Recency of ``customers`` (a Series indexed by customer id): whole days since the last purchase."""
    if (m := _missing(answer)) is not None:
        return m
    expected = expected_recency(customers)
    got = _as_series(answer, expected.index)
    if got is None or got.isna().any():
        return _hint("Give one number per customer, indexed by customer_id.")
    if _same(got, expected):
        return _right()
    if _same(got, expected + 1) or _same(got, expected - 1):
        return _hint(
            "Off by one day: count the days between the last purchase's date and the as-of date, not both ends."
        )
    lines = _lines(customers)
    first = lines[lines["quantity"] > 0].groupby("customer_id")["timestamp"].min().dt.normalize()
    if _same(got, (_room().as_of.normalize() - first).dt.days.reindex(expected.index).astype(float)):
        return _hint("That is the time since the first purchase; recency counts from the most recent one.")
    last_any = lines.groupby("customer_id")["timestamp"].max().dt.normalize()
    if _same(got, (_room().as_of.normalize() - last_any).dt.days.reindex(expected.index).astype(float)):
        return _hint("A return is not a purchase: keep only lines with a positive quantity.")
    return _hint("Not yet: recency is the number of days from the last purchase to the as-of date.")


def w2_frequency(answer, customers) -> Feedback:
    """Frequency of ``customers``: the number of distinct orders with a purchase."""
    if (m := _missing(answer)) is not None:
        return m
    lines = _lines(customers)
    buys = lines[lines["quantity"] > 0]
    expected = buys.groupby("customer_id")["order_id"].nunique().reindex(list(customers)).astype(float)
    got = _as_series(answer, expected.index)
    if got is None or got.isna().any():
        return _hint("Give one number per customer, indexed by customer_id.")
    if _same(got, expected):
        return _right()
    if _same(got, buys.groupby("customer_id").size().reindex(expected.index).astype(float)):
        return _hint("You counted order lines; an order has several lines. Count distinct orders.")
    if _same(got, lines.groupby("customer_id")["order_id"].nunique().reindex(expected.index).astype(float)):
        return _hint("A return is an order too in the data, but not a purchase: count orders with positive quantities.")
    return _hint("Not yet: frequency is the number of distinct purchase orders.")


def w2_monetary(answer, customers) -> Feedback:
    """Value of ``customers``: net revenue, quantity × unit price × (1 − discount), returns subtracted."""
    if (m := _missing(answer)) is not None:
        return m
    lines = _lines(customers)
    net = _net(lines)
    expected = net.groupby(lines["customer_id"]).sum().reindex(list(customers))
    got = _as_series(answer, expected.index)
    if got is None or got.isna().any():
        return _hint("Give one number per customer, indexed by customer_id.")
    if _same(got, expected, 0.01):
        return _right()
    gross = net[lines["quantity"] > 0].groupby(lines["customer_id"]).sum().reindex(expected.index)
    if _same(got, gross, 0.01):
        return _hint("That is gross value: returns (negative quantities) must be subtracted.")
    no_discount = (lines["quantity"] * lines["unit_price"]).groupby(lines["customer_id"]).sum().reindex(expected.index)
    if _same(got, no_discount, 0.01):
        return _hint("The discount column is a share of the price the customer did not pay.")
    return _hint("Not yet: value is the sum of quantity × unit price × (1 − discount) over all lines.")


def w2_scaled(answer: pd.DataFrame | None, features: pd.DataFrame) -> Feedback:
    """``features`` (frequency and monetary of every customer) prepared for a distance: log, then
    standardised (mean 0, standard deviation 1 per column).
    """
    if (m := _missing(answer)) is not None:
        return m
    got = pd.DataFrame(answer)
    if list(got.columns) != list(features.columns) or len(got) != len(features):
        return _hint("Keep the same columns and one row per customer.")
    logged = np.log1p(features.clip(lower=0))
    expected = (logged - logged.mean()) / logged.std(ddof=0)
    if np.allclose(got.to_numpy(float), expected.to_numpy(float), atol=1e-3) or np.allclose(
        got.to_numpy(float), ((logged - logged.mean()) / logged.std(ddof=1)).to_numpy(float), atol=1e-3
    ):
        return _right()
    spread = got.std(ddof=0)
    if (spread > 2).any():
        return _hint(
            "The columns are not on one scale: the one in currency would decide every distance. "
            "Standardise each column."
        )
    raw = (features - features.mean()) / features.std(ddof=0)
    if np.allclose(got.to_numpy(float), raw.to_numpy(float), atol=1e-3):
        return _hint("Standardised, but not logged: a few big spenders stretch the scale. Take log(1 + x) first.")
    return _hint("Not yet: log(1 + x) of each column, then subtract its mean and divide by its standard deviation.")


# --------------------------------------------------------------------------------------------
# W3: clustering made visible
# --------------------------------------------------------------------------------------------
def w3_assign(answer, points: np.ndarray, centroids: np.ndarray) -> Feedback:
    """The index of the nearest centroid (0-based) of every point: the assignment step of k-means."""
    if (m := _missing(answer)) is not None:
        return m
    got = np.asarray(answer).ravel()
    d = ((points[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
    expected = d.argmin(axis=1)
    if got.shape != expected.shape:
        return _hint("Give one centroid number per point (%(n)s points).", n=i18n.number(len(points)))
    if np.array_equal(got, expected):
        return _right()
    if np.array_equal(got, d.argmax(axis=1)):
        return _hint("Each point goes to the nearest centroid: the smallest distance, not the largest.")
    if np.array_equal(got, expected + 1):
        return _hint("Centroids are numbered from 0 here.")
    return _hint("Not yet: compute the distance of each point to each centroid and keep the nearest.")


def w3_k(answer) -> Feedback:
    """The number of segments the evidence supports (the table of stage 03's indices)."""
    if (m := _missing(answer)) is not None:
        return m
    seg = _room().segmentation
    table = seg.selection
    chosen = int(seg.model.k)
    try:
        k = int(answer)
    except (TypeError, ValueError):
        return _hint("Give a whole number.")
    if k == chosen:
        return _right()
    best_silhouette = int(table.loc[table["silhouette"].idxmax(), "k"])
    if k == best_silhouette:
        return _hint(
            "One index alone is not the evidence: look at the consensus of the indices and at the "
            "stability of each good k."
        )
    if k == int(table["k"].min()):
        return _hint("The smallest k often scores well and says little: look for a good k that is also stable.")
    small = table.loc[table["min_share"] < _room().params.segmentation.min_segment_share, "k"].tolist()
    if k in small:
        return _hint("With this k one segment is too small to act on (see min_share).")
    return _hint("Not yet: among the good k (consensus close to the best), take the most stable.")


def w3_ari(answer, labels, truth) -> Feedback:
    """The adjusted Rand index between seglab's segments and the planted archetypes."""
    if (m := _missing(answer)) is not None:
        return m
    from sklearn.metrics import adjusted_rand_score, rand_score

    expected = adjusted_rand_score(truth, labels)
    try:
        got = float(answer)
    except (TypeError, ValueError):
        return _hint("Give one number.")
    if abs(got - expected) < 1e-6:
        return _right()
    if abs(got - rand_score(truth, labels)) < 1e-6:
        return _hint("That is the plain Rand index: it is high even for random groups. Use the adjusted one.")
    same = float(np.mean(np.asarray(truth).astype(str) == np.asarray(labels).astype(str)))
    if abs(got - same) < 1e-6:
        return _hint("Segment numbers and archetype names are different labels: compare the groupings, not the labels.")
    return _hint("Not yet: use sklearn.metrics.adjusted_rand_score(truth, segments).")


# --------------------------------------------------------------------------------------------
# W4: personas and MIDAS
# --------------------------------------------------------------------------------------------
ARCHETYPES = ("loyal", "impulse_shopper", "bargain_hunter", "wandering", "need_based")
#: What tells two archetypes apart, for a hint when a learner swaps them.
TELLS = {
    frozenset({"loyal", "impulse_shopper"}): N_("order value and how many units an order has"),
    frozenset({"bargain_hunter", "need_based"}): N_("the share of discounted lines and of one category"),
    frozenset({"wandering", "need_based"}): N_("visits per order"),
    frozenset({"wandering", "bargain_hunter"}): N_("visits per order and the discounted share"),
    frozenset({"loyal", "need_based"}): N_("how often they order"),
}


def planted_names() -> dict[int, str]:
    """Each segment of the shop's segmentation and the archetype most of its customers were planted as."""
    room = _room()
    segs = room.segmentation.segments
    truth = room.planted(segs["customer_id"]).to_numpy()
    out = {}
    for s in sorted(segs["segment"].unique()):
        values, counts = np.unique(truth[segs["segment"].to_numpy() == s], return_counts=True)
        out[int(s)] = str(values[counts.argmax()])
    return out


def w4_names(answer: dict | None) -> Feedback:
    """An archetype for each segment: ``{1: "impulse_shopper", ...}`` (names of :data:`ARCHETYPES`)."""
    if (m := _missing(answer)) is not None:
        return m
    expected = planted_names()
    given = {int(k): str(v).strip().lower().replace(" ", "_") for k, v in dict(answer).items()}
    if set(given) != set(expected):
        return _hint("Name every segment: %(segments)s.", segments=", ".join(segment_code(s) for s in expected))
    unknown = sorted(set(given.values()) - set(ARCHETYPES))
    if unknown:
        return _hint("Use the archetypes' names: %(names)s.", names=", ".join(ARCHETYPES))
    wrong = [s for s in expected if given[s] != expected[s]]
    if not wrong:
        return _right()
    for a in wrong:
        for b in wrong:
            if a < b and given[a] == expected[b] and given[b] == expected[a]:
                tell = TELLS.get(frozenset({expected[a], expected[b]}))
                if tell:
                    return _hint("S%(a)s and S%(b)s are swapped: compare %(tell)s.", a=a, b=b, tell=_(tell))
                return _hint("S%(a)s and S%(b)s are swapped.", a=a, b=b)
    return _hint("Not yet: %(segments)s.", segments=", ".join(segment_code(s) for s in wrong))


def w4_rule(answer, segment: int, min_precision: float = 0.7, min_recall: float = 0.7) -> Feedback:
    """A rule that finds ``segment``: a True/False Series over the feature table's customers
    (index as in ``shop.features``).
    """
    if (m := _missing(answer)) is not None:
        return m
    room = _room()
    segs = room.segmentation.segments.set_index("customer_id")["segment"]
    ids = room.features["customer_id"]
    try:
        chosen = pd.Series(np.asarray(answer, dtype=bool), index=ids.to_numpy())
    except (TypeError, ValueError):
        return _hint("Give one True/False per customer of shop.features.")
    if len(chosen) != len(ids):
        return _hint("Give one True/False per customer of shop.features.")
    inside = (segs.reindex(chosen.index) == segment).to_numpy()
    picked = chosen.to_numpy()
    if not picked.any():
        return _hint("Your rule selects nobody.")
    precision = float(inside[picked].mean())
    recall = float(picked[inside].mean()) if inside.any() else 0.0
    values = {"precision": i18n.percent(precision), "recall": i18n.percent(recall)}
    if precision >= min_precision and recall >= min_recall:
        return _right(N_("Right: your rule is Definable enough."))
    if precision < min_precision:
        return _hint(
            "Your rule also catches many customers of other segments (%(precision)s of those it selects are in the "
            "segment): make a condition stricter or add one.",
            **values,
        )
    return _hint("Your rule misses much of the segment (it finds %(recall)s of it): loosen a threshold.", **values)


# --------------------------------------------------------------------------------------------
# W5: the Boston matrix
# --------------------------------------------------------------------------------------------
def w5_quadrants(answer: dict | None, scores: pd.DataFrame, threshold: float = 0.5) -> Feedback:
    """The quadrant of each segment of ``scores`` (segment, attractiveness, ability_to_win)."""
    if (m := _missing(answer)) is not None:
        return m
    from seglab.prioritization import quadrant

    expected = {int(r.segment): quadrant(r.attractiveness, r.ability_to_win, threshold) for r in scores.itertuples()}
    given = {int(k): str(v).strip().capitalize() for k, v in dict(answer).items()}
    if set(given) != set(expected):
        return _hint("Give a quadrant for every segment.")
    if given == expected:
        return _right()
    swapped = {
        s: quadrant(r.ability_to_win, r.attractiveness, threshold)
        for s, r in zip(expected, scores.itertuples(), strict=True)
    }
    if given == swapped:
        return _hint(
            "The axes are swapped: Convert is attractive but hard to win, Grow easy to win but less attractive."
        )
    return _hint("Not yet: high is at or above the threshold on each axis; read the four quadrants from the two.")


def w5_budget(answer: dict | None, plan: pd.DataFrame, total: float, weights: dict[str, float]) -> Feedback:
    """The budget of each segment of ``plan`` (segment, quadrant, value): ``total`` split in
    proportion to quadrant weight × value.
    """
    if (m := _missing(answer)) is not None:
        return m
    got = pd.Series({int(k): float(v) for k, v in dict(answer).items()}).reindex(plan["segment"].astype(int))
    if got.isna().any():
        return _hint("Give an amount for every segment.")
    score = plan["quadrant"].map(weights).fillna(0).to_numpy(float) * plan["value"].to_numpy(float)
    expected = total * score / score.sum()
    if np.allclose(got.to_numpy(), expected, atol=1.0):
        return _right()
    if abs(got.sum() - total) > 1.0:
        return _hint("The amounts add up to %(sum)s, not to the budget.", sum=i18n.number(got.sum()))
    by_value = total * plan["value"].to_numpy(float) / plan["value"].sum()
    if np.allclose(got.to_numpy(), by_value, atol=1.0):
        return _hint(
            "Split by value alone, an Ignore segment still gets money: weigh each segment by its quadrant too."
        )
    return _hint("Not yet: each segment gets total × (quadrant weight × value) / the sum over segments.")
