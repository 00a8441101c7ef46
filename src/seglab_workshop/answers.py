"""The instructor's side: the expected answers of the workshop's exercises for a seed, computed
the way the instructor notebooks compute them, and the instructor guide's table of them (``make
workshop-guide`` rewrites it; a test keeps the guide equal to this). The learner notebooks never
import it (a test greps them).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from seglab.vocabulary import segment_code
from seglab_workshop import SEED, check, classroom, facts
from seglab_workshop import source as workshop_source
from seglab_workshop.versions import BEGIN, END, GUIDES


def segment_names(seed: int = SEED) -> dict[int, str]:
    """The answer of W4.1: each segment's most common planted archetype."""
    check.use_seed(seed)
    return facts.planted_names(classroom.classroom(seed))


def expected(seed: int = SEED) -> dict[str, str]:
    """Exercise -> its expected answer in words, for the classroom shop of ``seed``."""
    check.use_seed(seed)
    room = classroom.classroom(seed)
    customers = classroom.sample_customers(room)
    lines = room.transactions[room.transactions["customer_id"].isin(customers)]
    buys = lines[lines["quantity"] > 0]
    recency = facts.recency(room, customers).astype(int)
    frequency = buys.groupby("customer_id")["order_id"].nunique()
    net = lines["quantity"] * lines["unit_price"] * (1 - lines["discount"].fillna(0))
    monetary = net.groupby(lines["customer_id"]).sum()
    seg = room.segmentation
    labels = seg.segments["segment"].to_numpy()
    truth = room.planted(seg.segments["customer_id"]).to_numpy()
    from sklearn.metrics import adjusted_rand_score

    names = facts.planted_names(classroom.classroom(seed))
    target = next(s for s, a in names.items() if a == "bargain_hunter")
    matrix = _matrix(room)  # (built once: the quadrants and the budget both read it)
    return {
        "W1.1 lenses": ", ".join(f"{c}: {_keyed('lens', c, check.LENS_KEY, check.LENS_WORDS)}" for c in check.LENS_KEY),
        "W1.2 MIDAS": ", ".join(
            f"{q}: {_keyed('midas', q, check.MIDAS_KEY, check.MIDAS_WORDS).capitalize()}" for q in check.MIDAS_KEY
        ),
        "W2 customers": "; ".join(customers),
        "W2.1 recency (days)": "; ".join(str(int(v)) for v in recency),
        "W2.2 frequency (orders)": "; ".join(str(int(frequency[c])) for c in customers),
        "W2.3 value": "; ".join(f"{monetary[c]:,.2f}" for c in customers),
        "W2.5 tenure (days)": "; ".join(str(int(v)) for v in facts.tenure(room, customers)),
        "W3.1 nearest centroid": ", ".join(str(int(v)) for v in _nearest(room, seed)),
        "W3.2 k": str(int(seg.model.k)),
        "W3.3 adjusted Rand index": f"{adjusted_rand_score(truth, labels):.3f}",
        "W4.1 names": ", ".join(f"{segment_code(s)}: {a}" for s, a in names.items()),
        "W4.2 bargain hunters' segment": segment_code(target),
        "W4.3 channels": ", ".join(f"{segment_code(s)}: {c}" for s, c in facts.channels(room).items()),
        "W5.1 quadrants": ", ".join(f"{segment_code(s)}: {q}" for s, q in _quadrants(matrix).items()),
        "W5.2 budget": "; ".join(f"{segment_code(s)}: {b:,.0f}" for s, b in _budget(matrix).items()),
        "W5.3 value per customer (criterion)": "; ".join(
            f"{segment_code(int(r.segment))}: {r.value_per_customer:.2f}" for r in matrix.itertuples()
        ),
        "W5.4 stay rates (third to fourth quarter)": "; ".join(
            f"{segment_code(int(s))}: {v:.2f}" for s, v in facts.stay_rates(room.tracked).items()
        ),
    }


def _keyed(kind: str, question: str, key: dict[str, str], words: dict) -> str:
    """The word whose digest the check keeps for ``question`` (the instructor's side of the key)."""
    return next(w for w in words if facts.digest(f"{kind}:{question}", w) == key[question])


def _nearest(room, seed: int) -> np.ndarray:
    from seglab_workshop import steps

    logged = np.log1p(room.features[["frequency", "monetary"]].clip(lower=0))
    x = ((logged - logged.mean()) / logged.std(ddof=0)).to_numpy()
    history = steps.kmeans_steps(x, k=4, seed=seed, iterations=4)
    points, centroids = x[steps.teaching_points(x, history[0])], history[0]["centroids"]
    return ((points[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)


def _matrix(room) -> pd.DataFrame:
    from seglab import personas, prioritization

    seg = room.segmentation
    profile = personas.profile(room.features, seg.segments, seg.model.preparation.features)
    named = facts.planted_names(room)
    names = pd.DataFrame({"segment": list(named), "persona": list(named.values())})
    inputs = prioritization.Inputs(profile, pd.Series(dtype=float), names)
    matrix, _notes = prioritization.boston_matrix(inputs, room.params.prioritization)
    return matrix


def _quadrants(m: pd.DataFrame) -> dict[int, str]:
    from seglab.prioritization import quadrant

    return {int(r.segment): quadrant(r.attractiveness, r.ability_to_win, 0.5) for r in m.itertuples()}


WEIGHTS = {"Target": 0.45, "Convert": 0.35, "Grow": 0.2, "Ignore": 0.0}


def _budget(m: pd.DataFrame, total: float = 100000) -> dict[int, float]:
    share = m["quadrant"].map(WEIGHTS) * m["revenue"]
    return dict(zip(m["segment"].astype(int), total * share / share.sum(), strict=True))


#: The words of the answers table, per guide language.
HEADINGS = {
    "en": ("Seed {seed} (the notebooks' default):", "exercise", "expected answer"),
    "fa": ("بذر {seed} (پیش‌فرض دفترچه‌ها):", "تمرین", "پاسخ مورد انتظار"),
}


def markdown(seed: int = SEED, language: str = "en") -> str:
    """The guide's table of expected answers (between its markers). Each answer is code: in the
    Persian guide it then reads left to right in its own order (a list of numbers in a
    right-to-left cell would otherwise be laid out from the right: "29; 95; 214" for "214; 95; 29").
    """
    lead, exercise, answer = HEADINGS[language]
    rows = [f"| {k} | `{v}` |" for k, v in expected(seed).items()]
    return "\n".join([BEGIN, "", lead.format(seed=seed), "", f"| {exercise} | {answer} |", "|---|---|", *rows, "", END])


def update_guides(seed: int = SEED) -> list:
    """Rewrite the expected answers of the English and Persian guides; the files changed."""
    folder = workshop_source()
    return [folder / name for lang, name in GUIDES.items() if update_guide(folder / name, seed, lang)]


def update_guide(path, seed: int = SEED, language: str = "en") -> bool:
    """Rewrite the expected answers in the guide at ``path``; whether it changed."""
    from pathlib import Path

    path = Path(path)
    text = path.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    new = text[:start] + markdown(seed, language) + text[end:]
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text
