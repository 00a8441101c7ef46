"""The workshop's checks, answer by answer (issue 32): a regression table of right answers in
every shape and spelling a learner uses, typical mistakes with the hint each must get, and a fuzz
of answer shapes that no check may raise on.

A row is (exercise, what the learner wrote, the answer, the status, a piece of the message).
The table holds plain answers: it is the tests' side, never shipped to learners.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seglab import i18n
from seglab_workshop import SEED, answers, check, classroom, steps

RIGHT, HINT, MISSING = check.RIGHT, check.HINT, check.MISSING


@pytest.fixture(scope="module")
def c():
    """What the notebooks compute before each exercise, for the classroom seed."""
    import seglab_workshop

    shop = seglab_workshop.start("W1_lenses", language="en", seed=SEED, gradebook=None)
    customers = classroom.sample_customers(shop)
    lines = shop.transactions[shop.transactions["customer_id"].isin(customers)]
    buys = lines[lines["quantity"] > 0]
    logged = np.log1p(shop.features[["frequency", "monetary"]].clip(lower=0))
    x = ((logged - logged.mean()) / logged.std(ddof=0)).to_numpy()
    step = steps.kmeans_steps(x, k=4, seed=SEED, iterations=4)[0]
    points = x[steps.teaching_points(x, step)]
    seg = shop.segmentation
    names = answers.segment_names(SEED)
    matrix = answers._matrix(shop)
    from seglab import personas

    profile = personas.profile(shop.features, seg.segments, seg.model.preparation.features)
    plan = matrix[["segment", "quadrant"]].assign(value=matrix["revenue"])
    return SimpleNamespace(
        shop=shop,
        customers=customers,
        lines=lines,
        buys=buys,
        two=shop.features[["frequency", "monetary"]],
        points=points,
        centroids=step["centroids"],
        moved=step["moved"],
        seg=seg,
        labels=seg.segments["segment"].to_numpy(),
        truth=shop.planted(seg.segments["customer_id"]).to_numpy(),
        names=names,
        target=next(s for s, a in names.items() if a == "bargain_hunter"),
        scores=matrix[["segment", "attractiveness", "ability_to_win"]],
        plan=plan,
        weights=dict(answers.WEIGHTS),
        profile=profile,
    )


# ---------------------------------------------------------------------------------------------
# The right answers, as the instructor's solutions compute them
# ---------------------------------------------------------------------------------------------
LENSES = {
    "age": "demographic",
    "gender": "demographic",
    "income_band": "demographic",
    "city": "geographic",
    "region": "geographic",
    "email_opt_in": "contactability",
    "sms_opt_in": "contactability",
}
MIDAS = {"q1": "Measurable", "q2": "Identifiable", "q3": "Definable", "q4": "Actionable", "q5": "Viable"}


def _recency(c, keep_time=False):
    last = c.buys.groupby("customer_id")["timestamp"].max()
    as_of = c.shop.as_of
    return (as_of - last).dt.days if keep_time else (as_of.normalize() - last.dt.normalize()).dt.days


def _frequency(c):
    return c.buys.groupby("customer_id")["order_id"].nunique()


def _net(lines):
    return lines["quantity"] * lines["unit_price"] * (1 - lines["discount"].fillna(0))


def _monetary(c):
    return _net(c.lines).groupby(c.lines["customer_id"]).sum()


def _scaled(c, ddof=0, log=True):
    t = np.log1p(c.two.clip(lower=0)) if log else c.two
    return (t - t.mean()) / t.std(ddof=ddof)


def _nearest(c, centroids=None, far=False, metric="euclid"):
    diff = c.points[:, None, :] - (c.centroids if centroids is None else centroids)[None, :, :]
    d = (diff**2).sum(axis=2) if metric == "euclid" else np.abs(diff).sum(axis=2)
    return d.argmax(axis=1) if far else d.argmin(axis=1)


def _ari(c):
    from sklearn.metrics import adjusted_rand_score

    return adjusted_rand_score(c.truth, c.labels)


def _quadrants(c, swap=False):
    from seglab.prioritization import quadrant

    axes = [
        (r.ability_to_win, r.attractiveness) if swap else (r.attractiveness, r.ability_to_win)
        for r in c.scores.itertuples()
    ]  # noqa: E501
    return {int(s): quadrant(a, w, 0.5) for s, (a, w) in zip(c.scores["segment"], axes, strict=True)}


def _budget(c, by="both"):
    w = c.plan["quadrant"].map(c.weights)
    score = {"both": w * c.plan["value"], "value": c.plan["value"], "weight": w}[by]
    return dict(zip(c.plan["segment"].astype(int), 100000 * score / score.sum(), strict=True))


def _tenure(c):
    signup = c.shop.customers.set_index("customer_id").loc[c.customers, "signup_date"].dt.normalize()
    return (c.shop.as_of.normalize() - signup).dt.days


def _from_first_purchase(c):
    first = c.buys.groupby("customer_id")["timestamp"].min().dt.normalize()
    return (c.shop.as_of.normalize() - first).dt.days


def _channels(c):
    people = c.shop.customers.merge(c.seg.segments[["customer_id", "segment"]], on="customer_id")
    shares = people.groupby("segment")[["email_opt_in", "sms_opt_in"]].mean()
    best = shares.idxmax(axis=1).str.replace("_opt_in", "")
    return {int(s): best[s] if shares.loc[s].max() >= 0.5 else "none" for s in shares.index}


def _criterion(c, how="ratio"):
    p = c.profile.set_index("segment")
    v = p["revenue"] if how == "total" else p["value_per_customer"]
    scaled = {"ratio": v / v.max(), "total": v / v.max(), "minmax": (v - v.min()) / (v.max() - v.min()), "raw": v}[how]
    return {int(s): float(x) for s, x in scaled.items()}


def _stay(c, how="right"):
    """Stay rates written as a learner would: merge the third quarter's customers with the fourth's."""
    t = c.shop.tracked
    ends = sorted(t["period_end"].unique())
    a, b = (ends[0], ends[1]) if how == "first" else (ends[-2], ends[-1])
    m = t[t["period_end"] == a].merge(t[t["period_end"] == b], on="customer_id", how="left", suffixes=("", "_next"))
    m["stayed"] = m["segment"] == m["segment_next"]
    if how == "both":
        m = m[m["segment_next"].notna()]
    if how == "active":
        m["stayed"] = m["segment_next"].notna()
    if how == "to":
        m = t[t["period_end"] == b].merge(t[t["period_end"] == a], on="customer_id", how="left", suffixes=("", "_was"))
        m["stayed"] = m["segment"] == m["segment_was"]
    if how == "counts":
        return {int(s): int(v) for s, v in m.groupby("segment")["stayed"].sum().items()}
    return {int(s): float(v) for s, v in m.groupby("segment")["stayed"].mean().items()}


def _persian(msgid: str) -> str:
    return i18n.translations("fa").gettext(msgid)


def _swap(d: dict, a, b) -> dict:
    return {**d, a: d[b], b: d[a]}


def _by_archetype(c, archetype):
    return next(s for s, a in c.names.items() if a == archetype)


def _scaler(c):
    from sklearn.preprocessing import StandardScaler

    return StandardScaler().fit_transform(np.log1p(c.two))


# (exercise, what the learner wrote, answer builder, status, a piece of the message)
ROWS = [
    # W1.1 lenses
    ("W1.1", "right", lambda c: LENSES, RIGHT, "Right"),
    ("W1.1", "a Series", lambda c: pd.Series(LENSES), RIGHT, ""),
    ("W1.1", "a list in the columns' order", lambda c: list(LENSES.values()), RIGHT, ""),
    ("W1.1", "a table of column and lens", lambda c: pd.DataFrame(list(LENSES.items())), RIGHT, ""),
    ("W1.1", "capitals and synonyms", lambda c: {**LENSES, "city": "Geographical", "age": "Demographics"}, RIGHT, ""),
    (
        "W1.1",
        "column names as the table heads them",
        lambda c: {k.replace("_", " ").title(): v for k, v in LENSES.items()},
        RIGHT,
        "",
    ),
    ("W1.1", "the lenses in Persian", lambda c: {k: _persian(v) for k, v in LENSES.items()}, RIGHT, ""),
    (
        "W1.1",
        "opt-in as demographic",
        lambda c: {**LENSES, "email_opt_in": "demographic"},
        HINT,
        "whether we can reach them",
    ),
    ("W1.1", "city as demographic", lambda c: {**LENSES, "city": "demographic"}, HINT, "Where a customer lives"),
    ("W1.1", "age as behavioural", lambda c: {**LENSES, "age": "behavioural"}, HINT, "who a customer is: age"),
    (
        "W1.1",
        "a column left out",
        lambda c: {k: v for k, v in LENSES.items() if k != "region"},
        HINT,
        "for each of these columns",
    ),
    ("W1.1", "a word that is no lens", lambda c: {**LENSES, "gender": "blue"}, HINT, "Name a lens for gender"),
    ("W1.1", "one string", lambda c: "demographic", HINT, "for each of these columns"),
    # W1.2 MIDAS
    ("W1.2", "right", lambda c: MIDAS, RIGHT, "Right"),
    ("W1.2", "the seed's Sustainable", lambda c: {**MIDAS, "q5": "Sustainable"}, RIGHT, ""),
    ("W1.2", "the letters", lambda c: {q: v[0] if v != "Viable" else "S" for q, v in MIDAS.items()}, RIGHT, ""),
    ("W1.2", "in Persian", lambda c: {q: _persian(v) for q, v in MIDAS.items()}, RIGHT, ""),
    ("W1.2", "a list in order", lambda c: list(MIDAS.values()), RIGHT, ""),
    ("W1.2", "two swapped", lambda c: _swap(MIDAS, "q2", "q3"), HINT, "Two criteria are swapped"),
    ("W1.2", "size for the long term", lambda c: {**MIDAS, "q5": "Measurable"}, HINT, "worth it over time"),
    ("W1.2", "one wrong", lambda c: {**MIDAS, "q4": "Identifiable"}, HINT, "Not yet: q4"),
    (
        "W1.2",
        "a question left out",
        lambda c: {k: v for k, v in MIDAS.items() if k != "q1"},
        HINT,
        "Answer each question",
    ),
    ("W1.2", "no criterion", lambda c: {**MIDAS, "q1": "big"}, HINT, "with a MIDAS criterion"),
    (
        "W1.2",
        "an empty answer or a doubled letter is no criterion",
        lambda c: {**MIDAS, "q5": "ss", "q4": ""},
        HINT,
        "with a MIDAS criterion",
    ),
    # W2.1 recency
    ("W2.1", "right", lambda c: _recency(c), RIGHT, "Right"),
    ("W2.1", "a list in the customers' order", lambda c: _recency(c).reindex(c.customers).tolist(), RIGHT, ""),
    ("W2.1", "a dict", lambda c: _recency(c).to_dict(), RIGHT, ""),
    ("W2.1", "a one-column table", lambda c: _recency(c).to_frame("recency"), RIGHT, ""),
    ("W2.1", "floats", lambda c: _recency(c).astype(float), RIGHT, ""),
    ("W2.1", "both ends counted", lambda c: _recency(c) + 1, HINT, "Off by one day"),
    (
        "W2.1",
        "durations",
        lambda c: c.shop.as_of.normalize() - c.buys.groupby("customer_id")["timestamp"].max().dt.normalize(),
        HINT,
        ".dt.days",
    ),
    ("W2.1", "the time of day kept", lambda c: _recency(c, keep_time=True), HINT, "time of day"),
    (
        "W2.1",
        "from the first purchase",
        lambda c: (c.shop.as_of.normalize() - c.buys.groupby("customer_id")["timestamp"].min().dt.normalize()).dt.days,
        HINT,
        "first purchase",
    ),
    (
        "W2.1",
        "returns counted as purchases",
        lambda c: (c.shop.as_of.normalize() - c.lines.groupby("customer_id")["timestamp"].max().dt.normalize()).dt.days,
        HINT,
        "A return is not a purchase",
    ),
    ("W2.1", "too few values", lambda c: _recency(c).tolist()[:3], HINT, "one number per customer"),
    (
        "W2.1",
        "a value missing",
        lambda c: _recency(c).astype(float).where(lambda s: s.index != c.customers[0]),
        HINT,
        "one number per customer",
    ),
    ("W2.1", "other numbers", lambda c: _recency(c) * 2 + 5, HINT, "Not yet"),
    # W2.2 frequency
    ("W2.2", "right", lambda c: _frequency(c), RIGHT, "Right"),
    ("W2.2", "a list", lambda c: _frequency(c).reindex(c.customers).tolist(), RIGHT, ""),
    ("W2.2", "order lines counted", lambda c: c.buys.groupby("customer_id").size(), HINT, "counted order lines"),
    ("W2.2", "every line counted", lambda c: c.lines.groupby("customer_id").size(), HINT, "returns included"),
    (
        "W2.2",
        "return orders counted",
        lambda c: c.lines.groupby("customer_id")["order_id"].nunique(),
        HINT,
        "A return is an order too",
    ),
    ("W2.2", "one too many", lambda c: _frequency(c) + 1, HINT, "Not yet"),
    ("W2.2", "a word", lambda c: "three", HINT, "one number per customer"),
    # W2.3 value
    ("W2.3", "right", lambda c: _monetary(c), RIGHT, "Right"),
    ("W2.3", "rounded to cents", lambda c: _monetary(c).round(2), RIGHT, ""),
    ("W2.3", "rounded to whole currency units", lambda c: _monetary(c).round(0), RIGHT, ""),
    ("W2.3", "a list", lambda c: _monetary(c).reindex(c.customers).tolist(), RIGHT, ""),
    ("W2.3", "gross of returns", lambda c: _net(c.buys).groupby(c.buys["customer_id"]).sum(), HINT, "gross value"),
    (
        "W2.3",
        "the discount ignored",
        lambda c: (c.lines["quantity"] * c.lines["unit_price"]).groupby(c.lines["customer_id"]).sum(),
        HINT,
        "did not pay",
    ),
    (
        "W2.3",
        "the discount as an amount",
        lambda c: (
            (c.lines["quantity"] * (c.lines["unit_price"] - c.lines["discount"].fillna(0)))
            .groupby(c.lines["customer_id"])
            .sum()
        ),
        HINT,
        "not an amount",
    ),
    (
        "W2.3",
        "prices summed",
        lambda c: c.lines["unit_price"].groupby(c.lines["customer_id"]).sum(),
        HINT,
        "quantity is missing",
    ),
    ("W2.3", "a string", lambda c: "182.19", HINT, "one number per customer"),
    # W2.4 scaled
    ("W2.4", "right (population standard deviation)", lambda c: _scaled(c), RIGHT, "Right"),
    ("W2.4", "right (sample standard deviation)", lambda c: _scaled(c, ddof=1), RIGHT, ""),
    ("W2.4", "scikit-learn's StandardScaler on log1p", _scaler, RIGHT, ""),
    ("W2.4", "other column names", lambda c: _scaled(c).set_axis(["f", "m"], axis=1), RIGHT, ""),
    ("W2.4", "not scaled at all", lambda c: c.two, HINT, "not on one scale"),
    ("W2.4", "scaled, not logged", lambda c: _scaled(c, log=False), HINT, "not logged"),
    ("W2.4", "logged, not scaled", lambda c: np.log1p(c.two), HINT, "Logged, but not standardised"),
    ("W2.4", "one column only", lambda c: _scaled(c)[["frequency"]], HINT, "same columns"),
    ("W2.4", "log of zero", lambda c: np.log(c.two), HINT, "missing or infinite"),
    ("W2.4", "other numbers", lambda c: _scaled(c) * 0.5, HINT, "Not yet"),
    # W2.5 tenure
    ("W2.5", "right", lambda c: _tenure(c), RIGHT, "Right"),
    ("W2.5", "a list", lambda c: _tenure(c).reindex(c.customers).tolist(), RIGHT, ""),
    ("W2.5", "from the first purchase", lambda c: _from_first_purchase(c), HINT, "first purchase in this year's data"),
    ("W2.5", "recency instead", lambda c: _recency(c), HINT, "That is recency"),
    (
        "W2.5",
        "seglab's tenure_days copied",
        lambda c: c.shop.features.set_index("customer_id").loc[c.customers, "tenure_days"],
        HINT,
        "One day too many",
    ),
    ("W2.5", "one day short", lambda c: _tenure(c) - 1, HINT, "One day short"),
    (
        "W2.5",
        "durations",
        lambda c: (
            c.shop.as_of.normalize()
            - c.shop.customers.set_index("customer_id").loc[c.customers, "signup_date"].dt.normalize()
        ),
        HINT,
        ".dt.days",
    ),
    # W3.1 the assignment step
    ("W3.1", "right", lambda c: _nearest(c), RIGHT, "Right"),
    ("W3.1", "a list", lambda c: _nearest(c).tolist(), RIGHT, ""),
    ("W3.1", "the moved centroids", lambda c: _nearest(c, c.moved), HINT, "moved centroids"),
    ("W3.1", "the farthest centroid", lambda c: _nearest(c, far=True), HINT, "not the largest"),
    ("W3.1", "numbered from 1", lambda c: _nearest(c) + 1, HINT, "numbered from 0"),
    ("W3.1", "city-block distance", lambda c: _nearest(c, metric="manhattan"), HINT, "city-block"),
    ("W3.1", "too few", lambda c: _nearest(c)[:3], HINT, "one centroid number per point"),
    ("W3.1", "not whole numbers", lambda c: _nearest(c) + 0.5, HINT, "one centroid number per point"),
    # W3.2 k
    ("W3.2", "right", lambda c: int(c.seg.model.k), RIGHT, "Right"),
    ("W3.2", "as a string", lambda c: str(int(c.seg.model.k)), RIGHT, ""),
    ("W3.2", "as a float", lambda c: float(c.seg.model.k), RIGHT, ""),
    ("W3.2", "between two", lambda c: 5.5, HINT, "whole number"),
    ("W3.2", "the other good k (the best consensus, less stable)", lambda c: 5, RIGHT, "open to debate"),
    ("W3.2", "the smallest k", lambda c: 2, HINT, "Two segments say little"),
    ("W3.2", "a k far from good", lambda c: 3, HINT, "not among the good ones"),
    ("W3.2", "a k not fitted", lambda c: 9, HINT, "Choose among the k of the table"),
    ("W3.2", "True", lambda c: True, HINT, "whole number"),
    # W3.3 adjusted Rand index
    ("W3.3", "right", _ari, RIGHT, "Right"),
    ("W3.3", "rounded as the guide prints it", lambda c: round(_ari(c), 3), RIGHT, ""),
    ("W3.3", "as text", lambda c: f"{_ari(c):.3f}", RIGHT, ""),
    (
        "W3.3",
        "the plain Rand index",
        lambda c: __import__("sklearn.metrics").metrics.rand_score(c.truth, c.labels),
        HINT,
        "plain Rand index",
    ),
    ("W3.3", "as a percentage", lambda c: _ari(c) * 100, HINT, "not a percentage"),
    (
        "W3.3",
        "two decimals",
        lambda c: round(_ari(c), 2) + (0.01 if round(_ari(c), 2) == round(_ari(c), 3) else 0),
        HINT,
        "three decimals",
    ),
    (
        "W3.3",
        "labels compared",
        lambda c: float(np.mean(c.truth.astype(str) == c.labels.astype(str))),
        HINT,
        "different labels",
    ),
    ("W3.3", "far off", lambda c: 0.2, HINT, "Not yet"),
    # W4.1 names
    ("W4.1", "right", lambda c: c.names, RIGHT, "Right"),
    ("W4.1", "keys as the tables write them", lambda c: {f"S{s}": a for s, a in c.names.items()}, RIGHT, ""),
    ("W4.1", "a list in segment order", lambda c: [c.names[s] for s in sorted(c.names)], RIGHT, ""),
    (
        "W4.1",
        "spelled with spaces and hyphens",
        lambda c: {s: a.replace("_", "-").title() for s, a in c.names.items()},
        RIGHT,
        "",
    ),
    (
        "W4.1",
        "seglab's persona names in Persian",
        lambda c: {s: _persian(__import__("seglab.personas").personas.PERSONA_NAMES[a]) for s, a in c.names.items()},
        RIGHT,
        "",
    ),
    (
        "W4.1",
        "loyal and impulse swapped",
        lambda c: _swap(c.names, _by_archetype(c, "loyal"), _by_archetype(c, "impulse_shopper")),
        HINT,
        "order value",
    ),
    (
        "W4.1",
        "a name that is no archetype",
        lambda c: {**c.names, _by_archetype(c, "loyal"): "vip"},
        HINT,
        "archetypes' names",
    ),
    ("W4.1", "a segment left out", lambda c: {s: a for s, a in c.names.items() if s != 1}, HINT, "Name every segment"),
    ("W4.1", "one string", lambda c: "loyal", HINT, "Name every segment"),
    ("W4.1", "one wrong", lambda c: {**c.names, _by_archetype(c, "wandering"): "loyal"}, HINT, "Not yet"),
    # W4.2 a rule
    (
        "W4.2",
        "right",
        lambda c: (c.shop.features["discount_share"] > 0.35) & (c.shop.features["sessions_per_order"] < 8),
        RIGHT,
        "Definable",
    ),
    ("W4.2", "too loose", lambda c: c.shop.features["discount_share"] > 0.05, HINT, "other segments"),
    ("W4.2", "too strict", lambda c: c.shop.features["discount_share"] > 0.9, HINT, "misses much"),
    ("W4.2", "nobody", lambda c: c.shop.features["discount_share"] > 5, HINT, "selects nobody"),
    ("W4.2", "too few values", lambda c: [True, False], HINT, "one True/False per customer"),
    (
        "W4.2",
        "numbers, not True/False",
        lambda c: c.shop.features["discount_share"],
        HINT,
        "one True/False per customer",
    ),
    # W4.3 a channel per segment
    ("W4.3", "right", lambda c: _channels(c), RIGHT, "Right"),
    (
        "W4.3",
        "keys as the tables write them, in Persian",
        lambda c: {f"S{s}": {"email": "ایمیل", "sms": "پیامک", "none": "هیچ"}[v] for s, v in _channels(c).items()},
        RIGHT,
        "",
    ),
    ("W4.3", "e-mail for everyone", lambda c: dict.fromkeys(_channels(c), "email"), HINT, "Fewer than half of"),
    (
        "W4.3",
        "none where half allow e-mail",
        lambda c: {s: "none" if v == "email" and s == min(_channels(c)) else v for s, v in _channels(c).items()},
        HINT,
        "half is reachable",
    ),
    (
        "W4.3",
        "SMS for everyone who can be reached",
        lambda c: {s: "sms" if v == "email" else v for s, v in _channels(c).items()},
        HINT,
        "compare the share allowing e-mail",
    ),
    ("W4.3", "a word that is no channel", lambda c: {**_channels(c), 1: "pigeon"}, HINT, "channels' names"),
    ("W4.3", "a segment left out", lambda c: {s: v for s, v in _channels(c).items() if s != 1}, HINT, "every segment"),
    # W5.1 quadrants
    ("W5.1", "right", lambda c: _quadrants(c), RIGHT, "Right"),
    ("W5.1", "keys as the chart writes them", lambda c: {f"S{s}": q for s, q in _quadrants(c).items()}, RIGHT, ""),
    ("W5.1", "lower case, in a list", lambda c: [_quadrants(c)[s].lower() for s in sorted(_quadrants(c))], RIGHT, ""),
    (
        "W5.1",
        "as the Persian chart names them",
        lambda c: {s: _persian(q) for s, q in _quadrants(c).items()},
        RIGHT,
        "",
    ),
    (
        "W5.1",
        "the Boston Consulting Group's names, in Persian",
        lambda c: {
            s: {"Target": "ستاره", "Convert": "علامت سؤال", "Grow": "گاو شیرده", "Ignore": "سگ"}[q]
            for s, q in _quadrants(c).items()
        },
        RIGHT,
        "",
    ),
    ("W5.1", "the axes swapped", lambda c: _quadrants(c, swap=True), HINT, "axes are swapped"),
    ("W5.1", "a name that is no quadrant", lambda c: {**_quadrants(c), 1: "Star power"}, HINT, "quadrants' names"),
    ("W5.1", "a segment left out", lambda c: {s: q for s, q in _quadrants(c).items() if s != 1}, HINT, "every segment"),  # noqa: E501
    # W5.2 budget
    ("W5.2", "right", lambda c: _budget(c), RIGHT, "Right"),
    ("W5.2", "rounded to thousands", lambda c: {s: round(v, -3) for s, v in _budget(c).items()}, RIGHT, ""),
    ("W5.2", "keys as the tables write them", lambda c: {f"S{s}": v for s, v in _budget(c).items()}, RIGHT, ""),
    ("W5.2", "shares, not amounts", lambda c: {s: v / 100000 for s, v in _budget(c).items()}, HINT, "shares"),
    ("W5.2", "by value alone", lambda c: _budget(c, "value"), HINT, "Ignore segment still gets money"),
    ("W5.2", "by quadrant weight alone", lambda c: _budget(c, "weight"), HINT, "weight alone"),
    ("W5.2", "not the whole budget", lambda c: {s: v / 2 for s, v in _budget(c).items()}, HINT, "add up to"),
    ("W5.2", "a segment left out", lambda c: {s: v for s, v in _budget(c).items() if s != 1}, HINT, "every segment"),
    # W5.3 a criterion by hand
    ("W5.3", "right", lambda c: _criterion(c), RIGHT, "Right"),
    (
        "W5.3",
        "rounded to two decimals, keys as the chart writes them",
        lambda c: {f"S{s}": round(v, 2) for s, v in _criterion(c).items()},
        RIGHT,
        "",
    ),
    ("W5.3", "min-max scaling", lambda c: _criterion(c, "minmax"), HINT, "min-max"),
    ("W5.3", "total value", lambda c: _criterion(c, "total"), HINT, "total value"),
    ("W5.3", "a percentage", lambda c: {s: v * 100 for s, v in _criterion(c).items()}, HINT, "not a percentage"),
    ("W5.3", "not scaled", lambda c: _criterion(c, "raw"), HINT, "0..1"),
    ("W5.3", "a segment left out", lambda c: {s: v for s, v in _criterion(c).items() if s != 1}, HINT, "every segment"),
    # W5.4 segments over time
    ("W5.4", "right", lambda c: _stay(c), RIGHT, "Right"),
    ("W5.4", "percentages rounded", lambda c: {f"S{s}": f"{v:.0%}" for s, v in _stay(c).items()}, RIGHT, ""),
    ("W5.4", "a Series rounded to 2 decimals", lambda c: pd.Series(_stay(c)).round(2), RIGHT, ""),
    ("W5.4", "only customers active in both", lambda c: _stay(c, "both"), HINT, "left the segment too"),
    ("W5.4", "divided by the fourth quarter", lambda c: _stay(c, "to"), HINT, "not of the fourth"),
    ("W5.4", "the first two quarters", lambda c: _stay(c, "first"), HINT, "first two quarters"),
    ("W5.4", "counts", lambda c: _stay(c, "counts"), HINT, "counts"),
    ("W5.4", "a segment left out", lambda c: {s: v for s, v in _stay(c).items() if s != 2}, HINT, "every segment"),
    ("W5.4", "everyone stays", lambda c: dict.fromkeys(_stay(c), 1.0), HINT, "Not yet"),
    ("W5.4", "still active, in any segment", lambda c: _stay(c, "active"), HINT, "still buying"),
    ("W5.4", "the share that left", lambda c: {s: 1 - v for s, v in _stay(c).items()}, HINT, "share that left"),
    ("W5.4", "one decimal", lambda c: {s: round(v, 1) for s, v in _stay(c).items()}, HINT, "two decimals"),
    (
        "W5.4",
        "the fourth quarter, in percent",
        lambda c: {s: v * 100 for s, v in _stay(c, "to").items()},
        HINT,
        "of the fourth",
    ),
]


def _run(c, exercise: str, answer):
    """The check of ``exercise`` called as its notebook calls it."""
    calls = {
        "W1.1": lambda a: check.w1_lenses(a),
        "W1.2": lambda a: check.w1_midas(a),
        "W2.1": lambda a: check.w2_recency(a, c.customers),
        "W2.2": lambda a: check.w2_frequency(a, c.customers),
        "W2.3": lambda a: check.w2_monetary(a, c.customers),
        "W2.4": lambda a: check.w2_scaled(a, c.two),
        "W3.1": lambda a: check.w3_assign(a, c.points, c.centroids, c.moved),
        "W3.2": lambda a: check.w3_k(a),
        "W3.3": lambda a: check.w3_ari(a, c.labels, c.truth),
        "W4.1": lambda a: check.w4_names(a),
        "W4.2": lambda a: check.w4_rule(a, c.target),
        "W5.1": lambda a: check.w5_quadrants(a, c.scores),
        "W5.2": lambda a: check.w5_budget(a, c.plan, 100000, c.weights),
        "W2.5": lambda a: check.w2_tenure(a, c.customers),
        "W4.3": lambda a: check.w4_channel(a),
        "W5.3": lambda a: check.w5_criterion(a, c.profile),
        "W5.4": lambda a: check.w5_stay(a),
    }
    return calls[exercise](answer)


EXERCISES = sorted({r[0] for r in ROWS})


def test_the_table_covers_every_exercise_with_right_answers_and_mistakes():
    assert len(ROWS) >= 80 and len(EXERCISES) == 17
    for exercise in EXERCISES:
        statuses = {r[3] for r in ROWS if r[0] == exercise}
        assert statuses == {RIGHT, HINT}, exercise


@pytest.mark.parametrize(("exercise", "written", "build", "status", "says"), ROWS, ids=[f"{r[0]} {r[1]}" for r in ROWS])
def test_each_answer_gets_its_feedback(c, exercise, written, build, status, says):
    feedback = _run(c, exercise, build(c))
    assert feedback.status == status, f"{exercise} {written}: {feedback}"
    assert says in feedback.message, f"{exercise} {written}: {feedback}"


def test_the_lenses_question_is_not_answered_by_the_vocabulary():
    """A learner who gives the same lens to every column is told, whichever lens it is."""
    for lens in check.LENS_WORDS:
        assert not check.w1_lenses(dict.fromkeys(LENSES, lens))


# ---------------------------------------------------------------------------------------------
# The shape fuzz: no answer of any shape makes a check raise
# ---------------------------------------------------------------------------------------------
SHAPES = [
    [],
    {},
    "",
    "S1",
    "abc",
    "۵",
    3,
    -1,
    3.5,
    True,
    math.inf,
    float("nan"),
    np.nan,
    pd.NA,
    pd.NaT,
    [None],
    [[1, 2], [3]],
    {"S1": None},
    {None: 1},
    {"S1": "loyal", "S2": 3},
    {1: [1, 2]},
    ("a", "b"),
    {1, 2},
    b"bytes",
    1j,
    object(),
    len,
    pd.Series(dtype=float),
    pd.Series(["x", "y"]),
    pd.Series([1.0, np.nan, 3.0]),
    pd.DataFrame(),
    pd.DataFrame({"a": [1, 2], "b": ["x", "y"], "c": [None, 1]}),
    np.array([]),
    np.zeros((2, 2, 2)),
    np.array(["S1", "S2"]),
]


def test_no_check_raises_on_any_shape(c):
    for exercise in EXERCISES:
        for shape in SHAPES:
            feedback = _run(c, exercise, shape)
            assert isinstance(feedback, check.Feedback) and feedback.message, (exercise, repr(shape))
            assert feedback.status in (RIGHT, HINT, MISSING), (exercise, repr(shape))


_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10, 10),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
    st.sampled_from(["S1", "S2", "loyal", "Target", "demographic", "q1", "C000015"]),
)
_answers = st.recursive(
    _leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=8),
        st.dictionaries(
            st.one_of(st.integers(0, 8), st.text(max_size=4), st.sampled_from(["S1", "q1", "age"])), inner, max_size=8
        ),  # noqa: E501
        st.lists(inner, max_size=8).map(pd.Series),
        st.lists(st.floats(allow_nan=True), min_size=1, max_size=8).map(np.array),
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(exercise=st.sampled_from(EXERCISES), answer=_answers)
def test_no_check_raises_on_generated_answers(c, exercise, answer):
    feedback = _run(c, exercise, answer)
    assert isinstance(feedback, check.Feedback) and feedback.status in (RIGHT, HINT, MISSING)


# ---------------------------------------------------------------------------------------------
# The gradebook of a simulated learner
# ---------------------------------------------------------------------------------------------
def test_a_simulated_learners_gradebook(c, tmp_path, monkeypatch, capsys):
    """A learner answers W1.1 wrong twice, then right; W2.1 off by one, then right; W3.2 never right;
    W5.2 not answered: the gradebook CSV has one row per exercise with attempts, right, the attempt
    it was first right at and the hints shown (in the teacher's language), and a hostile learner
    name makes a safe file name and a neutralised cell."""
    from seglab_workshop import cli, gradebook

    monkeypatch.setenv("SEGLAB_LEARNER", "=cmd|' /C calc'!A0 sara")
    monkeypatch.chdir(tmp_path)
    check.use_seed(SEED, gradebook=tmp_path, notebook="W1_lenses")
    try:
        check.w1_lenses({**LENSES, "email_opt_in": "demographic"})
        check.w1_lenses({**LENSES, "city": "demographic"})
        check.w1_lenses(LENSES)
        check.use_seed(SEED, notebook="W2_features")
        check.w2_recency(_recency(c) + 1, c.customers)
        check.w2_recency(_recency(c), c.customers)
        check.use_seed(SEED, notebook="W3_clustering")
        check.w3_k(None)  # run before answering: no attempt
        check.w3_k(2)
        check.w3_k(5.5)
        check.use_seed(SEED, notebook="W5_boston")
        check.w5_budget(None, c.plan, 100000, c.weights)
    finally:
        check.use_seed(SEED, gradebook=None, notebook="")
    assert cli.main(["--gradebook", str(tmp_path), "--out", str(tmp_path / "grades"), "--language", "fa"]) == 0
    written = sorted((tmp_path / "grades").iterdir())
    assert [p.name for p in written] == ["gradebook-cmd_C_calc_A0_sara.csv"]
    grades = pd.read_csv(written[0], dtype=str, keep_default_na=False)
    assert list(grades.columns) == gradebook.COLUMNS
    rows = grades.set_index("exercise")
    assert rows.loc["W1.1", ["attempts", "right", "right_at_attempt"]].tolist() == ["3", "True", "3"]
    assert rows.loc["W2.1", ["attempts", "right", "right_at_attempt"]].tolist() == ["2", "True", "2"]
    assert rows.loc["W3.2", ["attempts", "right", "right_at_attempt"]].tolist() == ["2", "False", ""]
    assert rows.loc["W5.2", ["attempts", "right"]].tolist() == ["0", "False"] and rows.loc["W5.2", "hints_shown"] == ""
    with i18n.using("fa"):  # the hints in the teacher's language, each once, in the order shown
        from seglab_workshop.messages import _

        first = _("A permission to e-mail or text someone is not who they are nor where they live: it says whether "
                  "we can reach them.")  # fmt: skip
    assert rows.loc["W1.1", "hints_shown"].startswith(first) and rows.loc["W1.1", "hints_shown"].count(" | ") == 1
    assert grades["learner"].iloc[0].startswith("'=")  # a formula in a name is neutralised
    assert rows.loc["W1.1", "notebook"] == "W1_lenses"


def test_every_feedback_the_table_and_the_fuzz_get_is_translated_in_persian(c):
    """Each message a check said for the table's answers and the fuzz's shapes has a Persian
    translation (a message whose id the catalog extraction missed would reach Persian learners in
    English: the checks' own ``hint``/``right`` must be extraction keywords)."""
    from seglab_workshop.messages import MESSAGES

    keys = {_run(c, r[0], r[2](c)).key for r in ROWS}
    keys |= {_run(c, e, shape).key for e in EXERCISES for shape in SHAPES}
    with i18n.using("fa"):
        untranslated = sorted(k for k in keys if MESSAGES.gettext(k) == k)
        said = _run(c, "W2.2", c.buys.groupby("customer_id").size())
    assert len(keys) >= 60 and not untranslated, untranslated
    assert said.status == HINT and said.message != said.key and said.message.isascii() is False


def test_a_persian_hint_reads_right_to_left_with_each_latin_run_isolated():
    """JupyterLab lays outputs out left to right: a Persian hint is a right-to-left block, and each
    Latin run (code, a column, a formula) is isolated left to right with the brackets it opened, so
    neither half of the sentence nor a bracket changes side."""
    import re

    from seglab_workshop.feedback import shown

    text = "ستون پایداری (stability) و log(1 + x) را با customer_id مقایسه کنید [S1]."
    md = shown(text, rtl=True)
    assert md.startswith('<div dir="rtl"') and md.rstrip().endswith("</div>")
    runs = re.findall(r'<span dir="ltr">(.*?)</span>', md)
    assert runs == ["stability", r"log\(1 + x\)", r"customer\_id", "S1"]
    assert shown("Right.", rtl=False) == "**Right.**"
