"""Preparation for clustering, fitted on the training customers and stored in the model: amounts
logged in their own unit, missing values filled, tails clipped, features scaled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from seglab.registry import BY_NAME as CATALOG_FEATURES
from seglab.registry import DEFAULT_FEATURES, LOGGED

MODEL_FORMAT = "seglab-segments/2"


class SegmentationError(ValueError):
    """The data cannot be segmented as asked; the message says why and what to change."""


# --------------------------------------------------------------------------------------------
# preparation
# --------------------------------------------------------------------------------------------
def _skewed_amount(name: str, values: np.ndarray) -> bool:
    """A feature outside the catalog (customer-level sources) is logged when it is a non-negative
    amount with a long right tail (skew > 2) and not a 0/1 flag.
    """
    v = values[~np.isnan(values)]
    if name in CATALOG_FEATURES or len(v) < 3 or v.min() < 0 or bool(np.all((v == 0.0) | (v == 1.0))):
        return False
    return bool(pd.Series(v).skew() > 2)


#: An amount is divided by this share of its median positive value before the log.
UNIT_OF_MEDIAN = 1e-3


def _unit(name: str, values: np.ndarray) -> float:
    """What an amount is divided by before the log: a thousandth of its median positive value for
    money (the catalog's amounts in the currency, and the amounts of a customer table). For amounts
    of hundreds of euros that is about 1, as a plain log1p; the same amounts in cents or in
    thousands give the same prepared values, so the same segments. 1 for counts and days.
    """
    feature = CATALOG_FEATURES.get(name)
    if feature is not None and not feature.unit.startswith("currency"):
        return 1.0
    positive = values[values > 0]
    return float(np.median(positive)) * UNIT_OF_MEDIAN if len(positive) else 1.0


@dataclass
class Preparation:
    """A fitted, documented transform from raw features to the clustering space."""

    features: list[str]
    log: list[bool]
    fill: list[float]
    lo: list[float]
    hi: list[float]
    center: list[float]
    scale: list[float]
    winsor: tuple[float, float] = (0.01, 0.99)  # how lo/hi and center/scale were fitted (documentation)
    scaling: str = "standard"
    weight: list[float] | None = None  # multiplies each prepared feature (segmentation.weights); None = 1
    unit: list[float] | None = None  # an amount is divided by its typical value before the log; None = 1

    def __post_init__(self) -> None:
        """Give every feature the weight 1 and the unit 1 unless they are given."""
        if self.weight is None:
            self.weight = [1.0] * len(self.features)
        if self.unit is None:
            self.unit = [1.0] * len(self.features)

    def _logged(self, raw: np.ndarray) -> np.ndarray:
        """The raw values with the log where it applies: log1p(max(x, 0) / unit)."""
        return np.where(self.log, np.log1p(np.clip(raw, 0, None) / np.asarray(self.unit)), raw)

    @classmethod
    def fit(
        cls,
        df: pd.DataFrame,
        features: list[str],
        winsor: tuple[float, float] = (0.01, 0.99),
        scaling: str = "standard",
        weights: dict[str, float] | None = None,
    ) -> Preparation:
        """The preparation fitted on ``df``: log where right, fill, winsor limits, centre and scale."""
        raw = df[features].to_numpy(dtype=float, na_value=np.nan)
        log = [f in LOGGED or _skewed_amount(f, raw[:, i]) for i, f in enumerate(features)]
        unit = [_unit(f, raw[:, i]) if logged else 1.0 for i, (f, logged) in enumerate(zip(features, log, strict=True))]
        x = np.where(log, np.log1p(np.clip(raw, 0, None) / np.asarray(unit)), raw)
        fill = np.nanmedian(x, axis=0)
        fill = np.where(np.isnan(fill), 0.0, fill)  # a column with no value at all
        x = np.where(np.isnan(x), fill, x)
        lo, hi = np.quantile(x, list(winsor), axis=0)
        # a 0/1 column is not clipped: a flag held by 0.9 % of customers would become 0 for all
        # (a column of at most two values: each value is its minimum or its maximum)
        low, high = x.min(axis=0), x.max(axis=0)
        two = np.all((x == low) | (x == high), axis=0)
        lo, hi = np.where(two, low, lo), np.where(two, high, hi)
        x = np.clip(x, lo, hi)
        std = x.std(axis=0)
        if scaling == "robust":
            center = np.median(x, axis=0)
            iqr = (np.quantile(x, 0.75, axis=0) - np.quantile(x, 0.25, axis=0)) / 1.349
            spread = np.where(iqr > 1e-12, iqr, std)
        else:
            center, spread = x.mean(axis=0), std
        scale = np.where(spread > 1e-12, spread, 1.0)
        as_list = lambda a: [float(v) for v in a]  # noqa: E731
        weight = [float((weights or {}).get(f, 1.0)) for f in features]
        return cls(
            list(features),
            log,
            as_list(fill),
            as_list(lo),
            as_list(hi),
            as_list(center),
            as_list(scale),
            (float(winsor[0]), float(winsor[1])),
            scaling,
            weight,
            unit,
        )

    def transform(self, df: pd.DataFrame) -> np.ndarray:
        """The prepared matrix of ``df`` (rows: customers, columns: the features)."""
        missing = [f for f in self.features if f not in df.columns]
        if missing:
            raise SegmentationError(
                f"features missing from the input: {', '.join(missing)}; the model needs {', '.join(self.features)}"
            )
        raw = df[self.features].to_numpy(dtype=float, na_value=np.nan)
        x = self._logged(raw)
        # in place: a new array per step cost 1 s at 1 million x 20 (memory written for the first time)
        np.copyto(x, np.broadcast_to(np.asarray(self.fill), x.shape), where=np.isnan(x))
        np.clip(x, self.lo, self.hi, out=x)
        x -= np.asarray(self.center)
        x /= np.asarray(self.scale)
        x *= np.asarray(self.weight)
        return x

    def constant(self) -> list[str]:
        """Features with no spread after preparation (they cannot separate segments)."""
        return [f for f, lo, hi in zip(self.features, self.lo, self.hi, strict=True) if hi - lo <= 1e-12]


def select_features(features: pd.DataFrame, wanted: list[str] | None) -> tuple[list[str], list[str]]:
    """The wanted features that exist in the table, and those that do not; ``wanted`` None: the
    registry's default features (:data:`seglab.registry.DEFAULT_FEATURES`).

    For a customer-level source the default behavioural features do not exist: unless the
    parameters name features, every encoded column of the customer table is used
    (``features.attrs['default_features']``). Features a history too short cannot measure
    (``features.attrs['not_measured']``) are not among the defaults.
    """
    if wanted is None:
        if features.attrs.get("customer_level"):
            return list(features.attrs.get("default_features") or []), []
        unmeasured = set(features.attrs.get("not_measured") or [])  # a history too short for them
        wanted = [f for f in DEFAULT_FEATURES if f not in unmeasured]
    present = [f for f in wanted if f in features.columns]
    return present, [f for f in wanted if f not in features.columns]
