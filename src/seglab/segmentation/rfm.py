"""The RFM-score baseline: quintile scores of recency, frequency and monetary value, and named
groups by documented rules. Its thresholds are frozen at training and saved with the model, so a
new customer gets the score it would have had in the training base.

Scores (1..5, 5 = best): each of recency_days, frequency and monetary is cut at its 20th, 40th,
60th and 80th percentiles of the training customers; a value's score is 1 + the number of cuts
strictly below it (recency: 5 minus that number, since recent is good). Ties stay together.

Groups, first matching rule wins:
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

FEATURES = ("recency_days", "frequency", "monetary")

#: (name, rule in words, rule on the R, F, M score arrays); the first rule that holds wins.
GROUPS = (
    ("Champions", "R >= 4 and F >= 4 and M >= 4", lambda r, f, m: (r >= 4) & (f >= 4) & (m >= 4)),
    ("Loyal", "F >= 4", lambda r, f, m: f >= 4),
    ("New", "R >= 4 and F == 1", lambda r, f, m: (r >= 4) & (f == 1)),
    ("Potential loyalists", "R >= 4", lambda r, f, m: r >= 4),
    ("At risk", "R <= 2 and F >= 3", lambda r, f, m: (r <= 2) & (f >= 3)),
    ("Hibernating", "R <= 2", lambda r, f, m: r <= 2),
    ("Need attention", "any other", lambda r, f, m: np.ones_like(r, dtype=bool)),
)
__doc__ += "\n".join(f"  {i}. {name}: {rule}" for i, (name, rule, _) in enumerate(GROUPS, start=1)) + "\n"


def _check(features: pd.DataFrame) -> None:
    missing = [f for f in FEATURES if f not in features.columns]
    if missing:
        raise ValueError(
            f"the RFM baseline needs {', '.join(FEATURES)}; missing: {', '.join(missing)} "
            "(it needs a transaction history)"
        )


@dataclass
class RFMRules:
    """Frozen cuts and the segment number of each group present at training."""

    cuts: dict[str, list[float]]
    segments: list[str]  # group name of segment 1, 2, ...
    centers: list[list[float]]  # mean (R, F, M) scores of each segment, for groups unseen at training

    @staticmethod
    def fit_cuts(features: pd.DataFrame) -> dict[str, list[float]]:
        """The quintile cuts of recency, frequency and monetary value."""
        _check(features)
        return {
            f: [float(v) for v in np.nanquantile(features[f].to_numpy(float), [0.2, 0.4, 0.6, 0.8])] for f in FEATURES
        }

    @staticmethod
    def scores(features: pd.DataFrame, cuts: dict[str, list[float]]) -> np.ndarray:
        """N x 3 array of R, F, M scores (missing values score 1 for F and M, 1 for R)."""
        _check(features)
        out = np.empty((len(features), 3), dtype=np.int64)
        for j, f in enumerate(FEATURES):
            v = features[f].to_numpy(float)
            below = np.searchsorted(np.asarray(cuts[f]), v, side="left")  # cuts strictly below v
            s = 5 - below if f == "recency_days" else 1 + below
            out[:, j] = np.where(np.isnan(v), 1, s)
        return out

    @staticmethod
    def group(scores: np.ndarray) -> np.ndarray:
        """Index into GROUPS of each row's first matching rule."""
        out = np.full(len(scores), -1)
        for i, (_, _, rule) in enumerate(GROUPS):
            out = np.where((out < 0) & rule(scores[:, 0], scores[:, 1], scores[:, 2]), i, out)
        return out

    def assign(self, features: pd.DataFrame) -> np.ndarray:
        """Segment number (1..k) of each row; a customer in a group that had no customer at
        training joins the segment with the nearest mean scores.
        """
        sc = self.scores(features, self.cuts)
        names = np.asarray([GROUPS[g][0] for g in self.group(sc)])
        seg = np.zeros(len(sc), dtype=np.int64)
        for number, name in enumerate(self.segments, start=1):
            seg[names == name] = number
        unseen = seg == 0
        if unseen.any():
            c = np.asarray(self.centers)
            d = ((sc[unseen, None, :] - c[None, :, :]) ** 2).sum(axis=2)
            seg[unseen] = d.argmin(axis=1) + 1
        return seg

    def to_json(self) -> dict:
        """The rules as plain JSON values."""
        return {
            "cuts": self.cuts,
            "segments": self.segments,
            "centers": self.centers,
            "groups": [{"name": n, "rule": r} for n, r, _ in GROUPS],
        }

    @classmethod
    def from_json(cls, d: dict) -> RFMRules:
        """The rules from :meth:`to_json`."""
        return cls(d["cuts"], d["segments"], d["centers"])


def fit(features: pd.DataFrame) -> tuple[RFMRules, np.ndarray]:
    """Freeze the cuts on ``features`` and number the non-empty groups by mean monetary value
    (highest first; ties: the larger group). Returns the rules and each row's segment number.
    """
    cuts = RFMRules.fit_cuts(features)
    sc = RFMRules.scores(features, cuts)
    g = RFMRules.group(sc)
    value = features["monetary"].fillna(0.0).to_numpy(float)
    present = sorted(set(g.tolist()), key=lambda i: (-round(value[g == i].mean(), 9), -(g == i).sum(), i))
    names = [GROUPS[i][0] for i in present]
    centers = [[float(v) for v in sc[g == i].mean(axis=0)] for i in present]
    rules = RFMRules(cuts, names, centers)
    return rules, rules.assign(features)
