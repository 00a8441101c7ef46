"""Lookalike segments for new and potential customers (domain.md): prospects have customer
attributes (demographic, geographic, firmographic, psychographic columns, contact permissions)
but no purchases, so the behavioural model cannot place them. A multinomial logistic regression
trained on the attributes of segmented customers predicts their segment.

Its quality is measured on a seeded, stratified hold-out of 25 % of the customers (accuracy,
the share of the largest segment as the no-skill baseline, and the confusion matrix); the saved
model is then refitted on all customers. It is stored as JSON (coefficients, intercepts, the
fill and scaling of each attribute), like the segment model: no pickle.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from seglab import i18n
from seglab.i18n import N_
from seglab.vocabulary import segment_code

ATTRIBUTE_LENSES = ("demographic", "geographic", "firmographic", "psychographic", "contactability")
NOT_ATTRIBUTES = ("reachable",)  # derived from the opt-ins, which are used themselves
FORMAT = "seglab-lookalike/1"


def attribute_features(features: pd.DataFrame, catalog: pd.DataFrame) -> list[str]:
    """Numeric columns of the feature table whose lens is an attribute lens (not behaviour)."""
    lens = dict(zip(catalog["feature"], catalog["lens"], strict=False))
    cols = [
        c
        for c in features.columns
        if lens.get(c) in ATTRIBUTE_LENSES
        and c not in NOT_ATTRIBUTES
        and (pd.api.types.is_numeric_dtype(features[c]) or pd.api.types.is_bool_dtype(features[c]))
    ]
    for flag in ("email_opt_in", "sms_opt_in"):  # contact permissions are columns of the feature table
        if flag in features.columns and flag not in cols:
            cols.append(flag)
    return cols


@dataclass
class Lookalike:
    """A multinomial logistic regression from customer attributes to segments, as plain numbers."""

    features: list[str]
    fill: list[float]
    mean: list[float]
    scale: list[float]
    coef: list[list[float]]
    intercept: list[float]
    segments: list[int]

    def _x(self, df: pd.DataFrame) -> np.ndarray:
        missing = [f for f in self.features if f not in df.columns]
        if missing:
            raise ValueError(
                f"attributes missing for the lookalike model: {', '.join(missing)}; it needs {', '.join(self.features)}"
            )
        raw = df[self.features].astype(float).to_numpy(na_value=np.nan)
        raw = np.where(np.isnan(raw), self.fill, raw)
        return (raw - np.asarray(self.mean)) / np.asarray(self.scale)

    def predict(self, df: pd.DataFrame) -> np.ndarray:
        """The segment of each row of ``df`` (its attribute columns)."""
        scores = self._x(df) @ np.asarray(self.coef).T + np.asarray(self.intercept)
        return np.asarray(self.segments)[scores.argmax(axis=1)]

    def to_text(self) -> str:
        """The model as JSON text (the ``lookalike_model`` artifact, :mod:`seglab.files.artifacts`)."""
        return json.dumps({"format": FORMAT, **self.__dict__}, indent=1) + "\n"

    @classmethod
    def from_dict(cls, d: dict) -> Lookalike:
        """The model from its JSON, already checked by :mod:`seglab.modelfile`."""
        return cls(**{f: d[f] for f in ("features", "fill", "mean", "scale", "coef", "intercept", "segments")})


def _fit(df: pd.DataFrame, y: np.ndarray, features: list[str], seed: int) -> Lookalike:
    from sklearn.linear_model import LogisticRegression  # (scikit-learn loads when first used)

    raw = df[features].astype(float).to_numpy(na_value=np.nan)
    fill = np.nanmedian(raw, axis=0)
    fill = np.where(np.isnan(fill), 0.0, fill)
    raw = np.where(np.isnan(raw), fill, raw)
    mean, std = raw.mean(axis=0), raw.std(axis=0)
    scale = np.where(std > 1e-12, std, 1.0)
    clf = LogisticRegression(max_iter=2000, random_state=seed).fit((raw - mean) / scale, y)
    coef, intercept, classes = clf.coef_, clf.intercept_, clf.classes_
    if len(classes) == 2:  # binary: one row of coefficients for class 1; make it two comparable rows
        coef, intercept = np.vstack([np.zeros_like(coef[0]), coef[0]]), np.array([0.0, intercept[0]])
    as_list = lambda a: [float(v) for v in a]  # noqa: E731
    return Lookalike(
        list(features),
        as_list(fill),
        as_list(mean),
        as_list(scale),
        [as_list(r) for r in coef],
        as_list(intercept),
        [int(c) for c in classes],
    )


@dataclass
class LookalikeResult:
    """The lookalike model (or why there is none) and its held-out quality."""

    model: Lookalike | None
    accuracy: float
    baseline: float  # share of the largest segment in the hold-out: what guessing it would score
    confusion: pd.DataFrame  # actual segment (rows) x predicted segment (columns), counts
    n_test: int
    why_not: str = ""


def train(features: pd.DataFrame, segments: pd.DataFrame, catalog: pd.DataFrame | None, seed: int) -> LookalikeResult:
    """Train the lookalike model on the attributes of the segmented customers (see module doc)."""
    from sklearn.metrics import accuracy_score, confusion_matrix
    from sklearn.model_selection import train_test_split

    empty = pd.DataFrame()
    if catalog is None:
        return LookalikeResult(None, np.nan, np.nan, empty, 0, i18n.as_term(N_("no feature catalog")))
    cols = attribute_features(features, catalog)
    if not cols:
        return LookalikeResult(
            None,
            np.nan,
            np.nan,
            empty,
            0,
            i18n.as_term(
                N_(
                    "the data has no customer attributes (demographic, geographic, firmographic, psychographic "
                    "columns or contact permissions) to learn from"
                )
            ),
        )
    data = segments.merge(features[["customer_id", *cols]], on="customer_id", how="left")
    y = data["segment"].to_numpy()
    counts = np.bincount(y)
    if len(data) < 40 or (counts[counts > 0] < 2).any():
        few = i18n.as_term(N_("too few customers per segment for a hold-out"))
        return LookalikeResult(None, np.nan, np.nan, empty, 0, few)
    train_idx, test_idx = train_test_split(np.arange(len(data)), test_size=0.25, random_state=seed, stratify=y)
    held = _fit(data.iloc[train_idx], y[train_idx], cols, seed)
    pred = held.predict(data.iloc[test_idx])
    labels = sorted(set(y))
    cm = pd.DataFrame(
        confusion_matrix(y[test_idx], pred, labels=labels),
        index=pd.Index([segment_code(s) for s in labels], name="actual"),
        columns=pd.Index([segment_code(s) for s in labels], name="predicted"),
    )
    baseline = float(np.bincount(y[test_idx]).max() / len(test_idx))
    return LookalikeResult(
        _fit(data, y, cols, seed), float(accuracy_score(y[test_idx], pred)), baseline, cm, len(test_idx)
    )
