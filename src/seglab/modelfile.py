"""The schema of the model files (``model/model.json`` and ``model/lookalike.json``): every model
is checked when it is loaded, so a damaged or tampered file stops with one message naming the file
and the fault (a missing key, a wrong type, a NaN centroid, a zero scale, k unequal to the number
of centroids) instead of a traceback or a silently wrong assignment. Nothing loads a model any
other way (:func:`load_json`).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

MAX_SEGMENTS = 100
MAX_FEATURES = 10_000


class ModelFileError(ValueError):
    """A model file is missing, not JSON, or breaks its schema."""


def _finite(values, what: str):
    for v in values if isinstance(values, list) else [values]:
        if isinstance(v, list):
            _finite(v, what)
        elif v is None or isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise ValueError(f"{what} holds {v!r}: every value must be a finite number")
    return values


class _Loose(BaseModel):
    model_config = ConfigDict(extra="allow")


class Preparation(_Loose):
    """The preparation of the features in a model file."""

    log1p: list[bool]
    fill: list[float]
    winsor_low: list[float]
    winsor_high: list[float]
    center: list[float]
    scale: list[float]
    weight: list[float] | None = None
    unit: list[float] | None = None

    @field_validator("fill", "winsor_low", "winsor_high", "center", "weight")
    @classmethod
    def _numbers(cls, v, info):
        return _finite(v, info.field_name) if v is not None else v

    @field_validator("scale", "unit")
    @classmethod
    def _positive(cls, v, info):
        if v is None:
            return v
        _finite(v, info.field_name)
        if any(s <= 0 for s in v):
            raise ValueError(f"{info.field_name} holds a value <= 0: a feature would be divided by zero")
        return v


class Assignment(_Loose):
    """How a model file assigns a customer: the method and its centres."""

    method: Literal["kmeans", "minibatch_kmeans", "gmm", "ward", "kprototypes"]
    centers: list[list[float]]
    weights: list[float] | None = None
    covariances: list | None = None
    covariance_type: Literal["full", "diag"] | None = None
    modes: list[list[int]] | None = None
    n_num: int | None = None
    gamma: float | None = None

    @field_validator("centers")
    @classmethod
    def _centers(cls, v):
        return _finite(v, "centers")

    @model_validator(mode="after")
    def _gmm(self) -> Assignment:
        if self.method == "gmm" and (self.weights is None or self.covariances is None or self.covariance_type is None):
            raise ValueError("a Gaussian mixture needs weights, covariances and covariance_type")
        if self.method == "kprototypes" and (self.modes is None or self.n_num is None or self.gamma is None):
            raise ValueError("k-prototypes needs modes, n_num and gamma")
        k = len(self.centers)
        if self.weights is not None:
            _finite(self.weights, "weights")
            if len(self.weights) != k or any(w < 0 for w in self.weights):
                raise ValueError(f"weights: {len(self.weights)} non-negative values expected, one per component ({k})")
        if self.covariances is not None:
            _finite(self.covariances, "covariances")
            d = len(self.centers[0]) if k else 0
            shape = np.asarray(self.covariances, dtype=float).shape
            want = (k, d, d) if self.covariance_type == "full" else (k, d)
            if shape != want:
                raise ValueError(f"covariances have shape {shape}; {self.covariance_type} covariances need {want}")
        if self.modes is not None and len(self.modes) != k:
            raise ValueError(f"modes: {len(self.modes)} rows for {k} centroids")
        if self.gamma is not None:
            _finite(self.gamma, "gamma")
        return self


class SegmentModelFile(_Loose):
    """``model.json``: the segment model, checked before it is used."""

    format: Literal["seglab-segments/2", "seglab-kmeans/1"]
    k: int
    seed: int
    features: list[str]
    preparation: Preparation
    assignment: Assignment | None = None
    centroids: list[list[float]] | None = None  # seglab-kmeans/1
    rfm: dict | None = None
    categorical: dict | None = None
    labels: list[str | dict]  # each segment's label: a note (message id and values) or, in older files, a text
    selection: str | dict
    versions: dict
    built_with: dict | None = None  # the training features' window and as-of date

    @model_validator(mode="after")
    def _shapes(self) -> SegmentModelFile:
        n = len(self.features)
        if not 1 <= n <= MAX_FEATURES:
            raise ValueError(f"features: {n} names; a model has 1 to {MAX_FEATURES}")
        if not 1 <= self.k <= MAX_SEGMENTS:
            raise ValueError(f"k = {self.k}; a model has 1 to {MAX_SEGMENTS} segments")
        p = self.preparation
        for name in ("log1p", "fill", "winsor_low", "winsor_high", "center", "scale", "weight", "unit"):
            values = getattr(p, name)
            if values is not None and len(values) != n:
                raise ValueError(f"preparation.{name} has {len(values)} values for {n} features")
        if len(self.labels) != self.k:
            raise ValueError(f"labels: {len(self.labels)} for k = {self.k} segments")
        if self.rfm is None:
            self._check_centers(n)
        return self

    def _check_centers(self, n: int) -> None:
        """The centroids: k of them, one value per numeric feature (finite in the old format)."""
        centers = self.assignment.centers if self.assignment else self.centroids
        if centers is None:
            raise ValueError("no assignment (centroids) and no RFM rules: the model cannot assign anyone")
        if len(centers) != self.k:
            raise ValueError(f"k = {self.k} but {len(centers)} centroids")
        width = self.assignment.n_num if self.assignment and self.assignment.method == "kprototypes" else n
        if any(len(c) != width for c in centers):
            raise ValueError(f"a centroid does not have one value per numeric feature ({width})")
        if self.format == "seglab-kmeans/1":
            _finite(centers, "centroids")


class LookalikeFile(_Loose):
    """``lookalike.json``: the lookalike model, checked before it is used."""

    format: Literal["seglab-lookalike/1"]
    features: list[str]
    fill: list[float]
    mean: list[float]
    scale: list[float]
    coef: list[list[float]]
    intercept: list[float]
    segments: list[int]

    @model_validator(mode="after")
    def _shapes(self) -> LookalikeFile:
        n, k = len(self.features), len(self.segments)
        for name in ("fill", "mean", "scale"):
            _finite(getattr(self, name), name)
            if len(getattr(self, name)) != n:
                raise ValueError(f"{name} has {len(getattr(self, name))} values for {n} attributes")
        if any(s <= 0 for s in self.scale):
            raise ValueError("scale holds a value <= 0")
        _finite(self.coef, "coef")
        _finite(self.intercept, "intercept")
        if len(self.coef) != k or len(self.intercept) != k or any(len(r) != n for r in self.coef):
            raise ValueError(f"coef/intercept do not match {k} segments x {n} attributes")
        if not 1 <= k <= MAX_SEGMENTS:
            raise ValueError(f"{k} segments; a model has 1 to {MAX_SEGMENTS}")
        return self


def load_json(path: Path, schema: type[BaseModel]) -> dict[str, Any]:
    """The model file at ``path``, checked against ``schema``; :class:`ModelFileError` naming the
    file and the fault (and the fix: run the stage that writes it again).
    """
    path = Path(path)
    fix = "rebuild it with seglab run (stage 03), or restore the file"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{path}: not a readable model file ({exc}); {fix}") from None
    if not isinstance(data, dict):
        raise ModelFileError(f"{path}: not a model file (a JSON object is expected); {fix}")
    try:
        schema.model_validate(data)
    except ValidationError as exc:
        faults = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'file'}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()[:5]
        )
        raise ModelFileError(f"{path}: the model is damaged: {faults}; {fix}") from None
    return data
