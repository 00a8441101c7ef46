"""The checks of the workshop's exercises: each says *right*, or gives a hint that points at the
mistake without giving the answer, or says the exercise is not answered yet (the learner's
notebook starts with ``answer = None``).

**A check never raises.** Any shape of answer (a dict, a list, a Series, a table, a string, a
number, NaN; segments written ``1`` or ``"S1"``; words in English or Persian) is read by
:mod:`seglab_workshop.answers_in`; one it cannot read gets a hint naming the shape it wants.

**No answer is stored in plain text.** An answer the data cannot give back (the lens of a column,
the criterion a question tests) is kept as a salted digest (:data:`LENS_KEY`,
:data:`MIDAS_KEY`); every other expected answer is recomputed from the classroom shop's facts when
the check runs. The public names here return feedback, never an answer.

Every check knows the typical mistakes of its exercise (an off-by-one day, the time of day kept,
gross instead of net value, unscaled features, argmax for argmin, the moved centroids, the Rand
index unadjusted, ...) and recognises them by recomputing the answer the mistake gives. Each run
of a check is one line of the gradebook (:mod:`seglab_workshop.gradebook`) when the notebook
started with a gradebook folder.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from seglab import i18n
from seglab_workshop import answers_in, facts
from seglab_workshop.check_segments import (  # the W4 and W5 checks, called as check.w4_... too
    ARCHETYPES,
    segment_named,
    w4_channel,
    w4_names,
    w4_rule,
    w5_budget,
    w5_criterion,
    w5_quadrants,
    w5_stay,
)
from seglab_workshop.feedback import (
    HINT,
    MISSING,
    RIGHT,
    Feedback,
    exercise,
    hint,
    missing,
    right,
    room,
    same,
    use_seed,
    vocabulary,
)
from seglab_workshop.messages import N_, _

__all__ = [
    "ARCHETYPES",
    "HINT",
    "MISSING",
    "RIGHT",
    "Feedback",
    "midas_questions",
    "segment_named",
    "use_seed",
    "w1_lenses",
    "w1_midas",
    "w2_frequency",
    "w2_monetary",
    "w2_recency",
    "w2_scaled",
    "w2_tenure",
    "w3_ari",
    "w3_assign",
    "w3_k",
    "w4_names",
    "w4_channel",
    "w4_rule",
    "w5_budget",
    "w5_criterion",
    "w5_quadrants",
    "w5_stay",
]

# --------------------------------------------------------------------------------------------
# W1: lenses and the MIDAS questions
# --------------------------------------------------------------------------------------------
#: The customer table's columns whose lens W1.1 asks for.
LENS_COLUMNS = ("age", "gender", "income_band", "city", "region", "email_opt_in", "sms_opt_in")
#: The lenses a learner may name (seglab's; contactability is seglab's addition to the seeds').
LENS_WORDS = {
    "demographic": ("demographics", "demography", "who"),
    "geographic": ("geographical", "geography", "location", "where"),
    "behavioural": ("behavioral", "behaviour", "behavior"),
    "psychographic": ("psychographics", "attitudinal"),
    "firmographic": ("firmographics",),
    "contactability": ("contactable", "reachability", "contact", "permission", "permissions", "تماس"),
}
#: The lens of each column, as a digest of the column and its lens (:func:`_digest`).
LENS_KEY = {
    "age": "a6156598c55bc670",
    "gender": "af2324d022701259",
    "income_band": "91de4f590d23495e",
    "city": "5c40ef991ebbd9ce",
    "region": "9ffea7d627424aed",
    "email_opt_in": "af2b420fd2095140",
    "sms_opt_in": "cec0fe7f14edd321",
}
#: Questions a marketer asks of a segmentation (exercise W1.2: which MIDAS criterion each tests).
MIDAS_QUESTIONS = {
    "q1": N_("How many customers are in it, and how much do they spend?"),
    "q2": N_("Does every customer belong to exactly one group?"),
    "q3": N_("Can we describe the group in two or three plain questions?"),
    "q4": N_("Can we reach these customers by e-mail or SMS?"),
    "q5": N_("Is the group worth the effort over the next years?"),
}
#: The MIDAS criteria with their other spellings (the seed reads Viable as "sustainable").
MIDAS_WORDS = {
    "measurable": ("m", "measurability", "size"),
    "identifiable": ("i", "identifiability"),
    "definable": ("d", "definability", "describable"),
    "actionable": ("a", "accessible", "reachable", "actionability"),
    "viable": ("v", "s", "sustainable", "sustainability", "substantial", "viability", "profitable"),
}
#: The criterion of each question, as a digest of the question and its criterion.
MIDAS_KEY = {
    "q1": "b6fd0383ed35f288",
    "q2": "76587da2f3b475f2",
    "q3": "292f296cb4c431af",
    "q4": "5f585802f430ffca",
    "q5": "18c6278499486308",
}


def midas_questions() -> pd.DataFrame:
    """The questions of exercise W1.2 in the reader's language (id, question)."""
    return pd.DataFrame([{"id": q, "question": _(text)} for q, text in MIDAS_QUESTIONS.items()])


def _lens_words() -> dict:
    return vocabulary(LENS_WORDS, {w: w for w in LENS_WORDS})


def _midas_words() -> dict:
    return vocabulary(MIDAS_WORDS, {w: w.capitalize() for w in MIDAS_WORDS})


def _words_given(answer, keys, words: dict) -> tuple[dict | None, list]:
    """The word of ``words`` each key of ``keys`` is answered with (None for the whole answer when
    it does not answer every key), and the keys answered with no known word.
    """
    given = answers_in.by_key(answer, list(keys))
    if given is None or set(given) != set(keys):
        return None, []
    read = {k: answers_in.word(v, words) for k, v in given.items()}
    return read, [k for k, w in read.items() if w is None]


def _not_the_key(read: dict, key: dict[str, str], prefix: str) -> list[str]:
    """The questions whose answer's digest is not the key's."""
    return [q for q in key if facts.digest(f"{prefix}{q}", read[q]) != key[q]]


def _swapped(given: dict[str, str], key: dict[str, str], prefix: str) -> tuple[str, str] | None:
    """Two wrong answers that are right once exchanged, if any."""
    wrong = [q for q in key if facts.digest(f"{prefix}{q}", given[q]) != key[q]]
    for a, b in itertools.combinations(wrong, 2):
        if facts.digest(f"{prefix}{a}", given[b]) == key[a] and facts.digest(f"{prefix}{b}", given[a]) == key[b]:
            return a, b
    return None


def _right_word(question: str, words: dict, key: str, prefix: str) -> str | None:
    """The word of ``words`` whose digest is ``key``'s (what a hint may name as *not* the answer)."""
    return next((w for w in words if facts.digest(f"{prefix}{question}", w) == key), None)


@exercise("W1.1", N_('a dict of a lens per column: {"age": "...", "gender": "...", ...}'))
def w1_lenses(answer) -> Feedback:
    """The lens of each customer column: a dict ``{"age": "...", ...}`` (or a list in the columns' order)."""
    if (m := missing(answer)) is not None:
        return m
    read, unknown = _words_given(answer, LENS_COLUMNS, _lens_words())
    if read is None:
        return hint("Give a lens for each of these columns: %(columns)s.", columns=", ".join(LENS_COLUMNS))
    if unknown:
        return hint(
            "Name a lens for %(columns)s: one of %(lenses)s.", columns=", ".join(unknown), lenses=", ".join(LENS_WORDS)
        )
    wrong = _not_the_key(read, LENS_KEY, "lens:")
    if not wrong:
        return right()
    if any(c.endswith("_opt_in") for c in wrong):
        return hint(
            "A permission to e-mail or text someone is not who they are nor where they live: it says whether "
            "we can reach them."
        )
    if any(c in ("city", "region") for c in wrong):
        return hint("Where a customer lives has its own lens.")
    return hint("Age, gender and income describe who a customer is: %(columns)s.", columns=", ".join(wrong))


@exercise("W1.2", N_('a dict of a criterion per question: {"q1": "...", ..., "q5": "..."}'))
def w1_midas(answer) -> Feedback:
    """The MIDAS criterion each question of :data:`MIDAS_QUESTIONS` tests: a dict ``{"q1": "...", ...}``."""
    if (m := missing(answer)) is not None:
        return m
    words = _midas_words()
    read, unknown = _words_given(answer, MIDAS_QUESTIONS, words)
    if read is None:
        return hint("Answer each question: %(questions)s.", questions=", ".join(MIDAS_QUESTIONS))
    if unknown:
        return hint(
            "Answer %(questions)s with a MIDAS criterion: %(criteria)s.",
            questions=", ".join(unknown),
            criteria=", ".join(w.capitalize() for w in MIDAS_WORDS),
        )
    wrong = _not_the_key(read, MIDAS_KEY, "midas:")
    if not wrong:
        return right()
    if _swapped(read, MIDAS_KEY, "midas:"):
        return hint(
            "Two criteria are swapped: read the two questions again and ask what each one would need to be true."
        )
    size_or_time = {"measurable", "viable"}
    if any(read[q] in size_or_time and _right_word(q, words, MIDAS_KEY[q], "midas:") in size_or_time for q in wrong):
        return hint("Size and spend today is one criterion; being worth it over time is another.")
    return hint("Not yet: %(questions)s.", questions=", ".join(wrong))


# --------------------------------------------------------------------------------------------
# W2: features by hand
# --------------------------------------------------------------------------------------------
def _lines(customers) -> pd.DataFrame:
    tx = room().transactions
    return tx[tx["customer_id"].isin(list(customers))]


def _net(lines: pd.DataFrame) -> pd.Series:
    return lines["quantity"] * lines["unit_price"] * (1 - lines["discount"].fillna(0))


_PER_CUSTOMER = N_("one number per customer: a Series indexed by customer_id")


def _days(answer, expected: pd.Series) -> Feedback | pd.Series:
    """A number of days per customer read from ``answer``: the feedback when it is not answered,
    durations, unreadable or right (``expected``); else the numbers, for the check's hints.
    """
    if (m := missing(answer)) is not None:
        return m
    if isinstance(answer, pd.Series) and pd.api.types.is_timedelta64_dtype(answer):
        return hint("These are durations: give whole days as numbers (.dt.days).")
    got = answers_in.per_customer(answer, list(expected.index))
    if got is None:
        return hint("Give one number per customer, indexed by customer_id.")
    return right() if same(got, expected) else got


@exercise("W2.1", _PER_CUSTOMER)
def w2_recency(answer, customers) -> Feedback:
    """Recency of ``customers`` (a Series indexed by customer id): whole days since the last purchase."""
    expected = facts.recency(room(), customers)
    got = _days(answer, expected)
    if isinstance(got, Feedback):
        return got
    lines = _lines(customers)
    buys = lines[lines["quantity"] > 0]
    as_of = room().as_of
    last_time = buys.groupby("customer_id")["timestamp"].max().reindex(expected.index)
    with_time = [(as_of - last_time).dt.days, (as_of - last_time).dt.total_seconds() / 86400]
    if any(same(got, t.astype(float), 1e-3) for t in with_time):
        return hint(
            "The time of day is still in: a purchase in the evening is less than a whole day before the next "
            "midnight. Compare dates (.dt.normalize()), not timestamps."
        )
    if same(got, expected + 1) or same(got, expected - 1):
        return hint(
            "Off by one day: count the days between the last purchase's date and the as-of date, not both ends."
        )
    first = buys.groupby("customer_id")["timestamp"].min().dt.normalize()
    if same(got, (as_of.normalize() - first).dt.days.reindex(expected.index).astype(float)):
        return hint("That is the time since the first purchase; recency counts from the most recent one.")
    last_any = lines.groupby("customer_id")["timestamp"].max().dt.normalize()
    if same(got, (as_of.normalize() - last_any).dt.days.reindex(expected.index).astype(float)):
        return hint("A return is not a purchase: keep only lines with a positive quantity.")
    return hint("Not yet: recency is the number of days from the last purchase to the as-of date.")


@exercise("W2.2", _PER_CUSTOMER)
def w2_frequency(answer, customers) -> Feedback:
    """Frequency of ``customers``: the number of distinct orders with a purchase."""
    if (m := missing(answer)) is not None:
        return m
    lines = _lines(customers)
    buys = lines[lines["quantity"] > 0]
    expected = buys.groupby("customer_id")["order_id"].nunique().reindex(list(customers)).astype(float)
    got = answers_in.per_customer(answer, list(expected.index))
    if got is None:
        return hint("Give one number per customer, indexed by customer_id.")
    if same(got, expected):
        return right()
    if same(got, buys.groupby("customer_id").size().reindex(expected.index).astype(float)):
        return hint("You counted order lines; an order has several lines. Count distinct orders.")
    if same(got, lines.groupby("customer_id").size().reindex(expected.index).astype(float)):
        return hint("You counted every line, returns included: count distinct orders with a purchase.")
    if same(got, lines.groupby("customer_id")["order_id"].nunique().reindex(expected.index).astype(float)):
        return hint("A return is an order too in the data, but not a purchase: count orders with positive quantities.")
    return hint("Not yet: frequency is the number of distinct purchase orders.")


@exercise("W2.3", _PER_CUSTOMER)
def w2_monetary(answer, customers) -> Feedback:
    """Value of ``customers``: net revenue, quantity × unit price × (1 − discount), returns subtracted."""
    if (m := missing(answer)) is not None:
        return m
    lines = _lines(customers)
    net = _net(lines)
    expected = net.groupby(lines["customer_id"]).sum().reindex(list(customers))
    got = answers_in.per_customer(answer, list(expected.index))
    if got is None:
        return hint("Give one number per customer, indexed by customer_id.")
    if same(got, expected, 0.5):  # to the cent, or rounded to whole currency units
        return right()
    by = lines["customer_id"]
    gross = net[lines["quantity"] > 0].groupby(by).sum().reindex(expected.index)
    if same(got, gross, 0.01):
        return hint("That is gross value: returns (negative quantities) must be subtracted.")
    plain = lines["quantity"] * lines["unit_price"]
    if same(got, plain.groupby(by).sum().reindex(expected.index), 0.01) or same(
        got, plain[lines["quantity"] > 0].groupby(by).sum().reindex(expected.index), 0.01
    ):
        return hint("The discount column is a share of the price the customer did not pay.")
    discount_off = (lines["quantity"] * (lines["unit_price"] - lines["discount"].fillna(0))).groupby(by).sum()
    if same(got, discount_off.reindex(expected.index), 0.01):
        return hint("The discount is a share of the price (0.2 = 20% off), not an amount to subtract.")
    if same(got, lines["unit_price"].groupby(by).sum().reindex(expected.index), 0.01):
        return hint("A line's value is its quantity times its unit price: the quantity is missing.")
    return hint("Not yet: value is the sum of quantity × unit price × (1 − discount) over all lines.")


def _table(answer, features: pd.DataFrame) -> pd.DataFrame:
    """The answer as a table with ``features``' columns when it has their shape (an array from
    scikit-learn, or other column names, in the same order).
    """
    got = answer if isinstance(answer, pd.DataFrame) else pd.DataFrame(np.asarray(answer, dtype=float))
    if got.shape == features.shape and list(got.columns) != list(features.columns):
        got = got.set_axis(list(features.columns), axis=1)
    return got


@exercise("W2.5", _PER_CUSTOMER)
def w2_tenure(answer, customers) -> Feedback:
    """Tenure of ``customers``: whole days from the sign-up (``signup_date``) to the as-of date
    (how long each has been a customer; with recency, the relationship stage).
    """
    expected = facts.tenure(room(), customers)
    got = _days(answer, expected)
    if isinstance(got, Feedback):
        return got
    if same(got, facts.first_purchase_days(room(), customers)):
        return hint(
            "That counts from the first purchase in this year's data: most customers signed up long before. "
            "Tenure counts from the sign-up (signup_date in shop.customers)."
        )
    if same(got, facts.recency(room(), customers)):
        return hint("That is recency (since the last purchase): tenure counts from the sign-up.")
    if same(got, expected + 1):
        return hint(
            "One day too many: count the days between the sign-up date and the as-of date (seglab's tenure_days "
            "counts to the end of the as-of day: one more)."
        )
    if same(got, expected - 1):
        return hint("One day short: count the days between the sign-up date and the as-of date.")
    return hint("Not yet: tenure is the number of days from the sign-up to the as-of date.")


@exercise("W2.4", N_("a table with the same columns and one row per customer (a DataFrame or an array)"))
def w2_scaled(answer, features: pd.DataFrame) -> Feedback:
    """``features`` (frequency and monetary of every customer) prepared for a distance: log, then
    standardised (mean 0, standard deviation 1 per column). A DataFrame, or the array scikit-learn's
    ``StandardScaler().fit_transform`` returns (its columns in the order of ``features``).
    """
    if (m := missing(answer)) is not None:
        return m
    got = _table(answer, features)
    if got.shape != features.shape:
        return hint("Keep the same columns and one row per customer.")
    g = got.to_numpy(float)
    if not np.isfinite(g).all():
        return hint("Some values are missing or infinite: log(1 + x) needs x ≥ 0, and every row a value.")
    logged = np.log1p(features.clip(lower=0))
    for ddof in (0, 1):
        if np.allclose(g, ((logged - logged.mean()) / logged.std(ddof=ddof)).to_numpy(float), atol=1e-3):
            return right()
    if np.allclose(g, np.log1p(features.clip(lower=0)).to_numpy(float), atol=1e-3):
        return hint("Logged, but not standardised: subtract each column's mean and divide by its standard deviation.")
    if (got.std(ddof=0) > 2).any():
        return hint(
            "The columns are not on one scale: the one in currency would decide every distance. "
            "Standardise each column."
        )
    for ddof in (0, 1):
        if np.allclose(g, ((features - features.mean()) / features.std(ddof=ddof)).to_numpy(float), atol=1e-3):
            return hint("Standardised, but not logged: a few big spenders stretch the scale. Take log(1 + x) first.")
    return hint("Not yet: log(1 + x) of each column, then subtract its mean and divide by its standard deviation.")


# --------------------------------------------------------------------------------------------
# W3: clustering made visible
# --------------------------------------------------------------------------------------------
def _nearest(points: np.ndarray, centroids: np.ndarray, far: bool = False) -> np.ndarray:
    d = ((points[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
    return d.argmax(axis=1) if far else d.argmin(axis=1)


@exercise("W3.1", N_("one centroid number (0, 1, ...) per point, as a list or an array"))
def w3_assign(answer, points: np.ndarray, centroids: np.ndarray, moved: np.ndarray | None = None) -> Feedback:
    """The index of the nearest centroid (0-based) of every point: the assignment step of k-means
    (``moved``: where the update step takes the centroids, to recognise the answer that used them).
    """
    if (m := missing(answer)) is not None:
        return m
    values = [answers_in.number(v) for v in np.asarray(answer, dtype=object).ravel()]
    expected = _nearest(points, centroids)
    if len(values) != len(expected) or any(v is None or not float(v).is_integer() for v in values):
        return hint("Give one centroid number per point (%(n)s points).", n=i18n.number(len(points)))
    got = np.array(values, dtype=int)
    if np.array_equal(got, expected):
        return right()
    if moved is not None and np.array_equal(got, _nearest(points, moved)):
        return hint("Those are the moved centroids (after the update step): assign to the centroids given.")
    if np.array_equal(got, _nearest(points, centroids, far=True)):
        return hint("Each point goes to the nearest centroid: the smallest distance, not the largest.")
    if np.array_equal(got, expected + 1):
        return hint("Centroids are numbered from 0 here.")
    if np.array_equal(got, np.abs(points[:, None, :] - centroids[None, :, :]).sum(axis=2).argmin(axis=1)):
        return hint("k-means measures the straight-line (squared Euclidean) distance, not the city-block one.")
    return hint("Not yet: compute the distance of each point to each centroid and keep the nearest.")


@exercise("W3.2", N_("one whole number"))
def w3_k(answer) -> Feedback:
    """The number of segments the evidence supports (the table of stage 03's indices)."""
    if (m := missing(answer)) is not None:
        return m
    k = answers_in.number(answer)
    if k is None or not k.is_integer():
        return hint("Give a whole number: a number of segments.")
    k = int(k)
    seg = room().segmentation
    table = seg.selection
    if k == int(seg.model.k):
        return right()
    if k not in set(table["k"].astype(int)):
        return hint("Choose among the k of the table (%(ks)s).", ks=", ".join(str(int(v)) for v in table["k"]))
    row = table.set_index(table["k"].astype(int)).loc[k]
    if row["min_share"] < room().params.segmentation.min_segment_share:
        return hint("With this k one segment is too small to act on (see min_share).")
    if bool(row["good"]):
        return right(
            N_(
                "Right, and open to debate: this k is good too. seglab takes the most stable of the good k; "
                "compare the stability column, and its spread, before you settle."
            )
        )
    if k == int(table["k"].min()):
        return hint("Two segments say little about customers: look at the consensus and the stability of each k.")
    if any(bool(row.get(f"best_{index}", False)) for index in ("silhouette", "calinski_harabasz", "davies_bouldin")):
        return hint(
            "One index alone is not the evidence: look at the consensus of the indices and at the "
            "stability of each good k."
        )
    return hint("This k is not among the good ones: its consensus is far below the best.")


@exercise("W3.3", N_("one number between -1 and 1"))
def w3_ari(answer, labels, truth) -> Feedback:
    """The adjusted Rand index between seglab's segments and the planted archetypes (rounded to
    3 decimals, as the guide prints it, or more).
    """
    if (m := missing(answer)) is not None:
        return m
    from sklearn.metrics import adjusted_rand_score, rand_score

    expected = adjusted_rand_score(truth, labels)
    got = answers_in.number(answer)
    if got is None:
        return hint("Give one number.")
    if abs(got - expected) <= 0.0005 + 1e-9:
        return right()
    if abs(got - rand_score(truth, labels)) <= 0.0005 + 1e-9:
        return hint("That is the plain Rand index: it is high even for random groups. Use the adjusted one.")
    if abs(got - expected * 100) <= 0.05 + 1e-9:
        return hint("The index is a number up to 1, not a percentage.")
    same = float(np.mean(np.asarray(truth).astype(str) == np.asarray(labels).astype(str)))
    if abs(got - same) < 1e-6:
        return hint("Segment numbers and archetype names are different labels: compare the groupings, not the labels.")
    if abs(got - expected) <= 0.01:
        return hint("Close: keep at least three decimals.")
    return hint("Not yet: scikit-learn's metrics compute the adjusted Rand index of two groupings (truth, labels).")
