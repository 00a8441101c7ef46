"""Stable segment numbers, the centroids described in words, and the model saved as JSON that loads
without executing code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from seglab import i18n
from seglab.i18n import N_
from seglab.segmentation import methods, rfm
from seglab.segmentation.preparation import MODEL_FORMAT, Preparation, SegmentationError
from seglab.vocabulary import method_name, segment_code


# --------------------------------------------------------------------------------------------
# stable numbering and the model
# --------------------------------------------------------------------------------------------
def stable_order(labels: np.ndarray, centroids: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Map k-means label -> segment number (1 = highest mean value per customer).

    Ties on value are broken by size (larger first), then lexicographically by centroid.
    """
    k = len(centroids)
    sizes = np.bincount(labels, minlength=k)
    means = np.array([value[labels == j].mean() if sizes[j] else -np.inf for j in range(k)])
    keys = [tuple([-round(means[j], 9), -sizes[j], *np.round(centroids[j], 9)]) for j in range(k)]
    order = sorted(range(k), key=lambda j: keys[j])
    mapping = np.empty(k, dtype=int)
    for rank, j in enumerate(order, start=1):
        mapping[j] = rank
    return mapping


#: Kinds of feature that are yes/no (a category's value, a code, a flag): more or fewer, never high or low.
INDICATOR_KINDS = ("flag", "binary", "category", "code", "text")


def two_decimals(v: float) -> i18n.Value:
    """A score with two decimals in the reader's digits."""
    return i18n.as_number(v, 2)


def ks_text(ks) -> i18n.Value:
    """A list of k as a reader writes it (``4, 6``: the reader's digits and comma), never ``[4, 6]``."""
    return i18n.listed([i18n.as_number(int(k)) for k in ks])


def trait_word(feature: str, above: bool, kinds: dict[str, str] | None = None) -> str:
    """'high'/'low' for an amount; 'more'/'fewer' for a yes/no feature (a category's value, a code,
    a flag), which is never high or low.
    """
    indicator = "=" in feature or (kinds or {}).get(feature) in INDICATOR_KINDS
    return ("more" if above else "fewer") if indicator else ("high" if above else "low")


#: A trait word with its feature, as in "high orders" (:func:`trait_word`), for the catalogs.
TRAIT_TEMPLATES = {
    "more": N_("more %(feature)s"),
    "fewer": N_("fewer %(feature)s"),
    "high": N_("high %(feature)s"),
    "low": N_("low %(feature)s"),
}


def describe_centroids(
    centroids: np.ndarray,
    features: list[str],
    n_traits: int = 2,
    labels: dict[str, str] | None = None,
    kinds: dict[str, str] | None = None,
) -> list[str]:
    """A short descriptive label per segment from its most extreme prepared features (readable
    labels of ``labels``; yes/no features as more/fewer).
    """
    out = []
    for seg, c in enumerate(centroids, start=1):
        idx = np.argsort(-np.abs(c), kind="stable")[:n_traits]
        traits = [
            i18n.Note.of(
                TRAIT_TEMPLATES[trait_word(features[i], c[i] > 0, kinds)],
                feature=i18n.as_term((labels or {}).get(features[i]) or features[i].replace("_", " ")),
            )
            for i in idx
        ]
        out.append(i18n.Note.of(N_("%(segment)s: %(traits)s"), segment=segment_code(seg), traits=traits))
    return out


MISSING_LEVEL = "(missing)"


@dataclass
class CategoricalCodes:
    """Categorical variables for k-prototypes, as integer codes of their training levels (a level
    unseen at training gets -1, which matches no segment's mode).
    """

    variables: list[str]
    levels: list[list[str]]

    @staticmethod
    def values(df: pd.DataFrame, var: str) -> np.ndarray:
        """The variable's level per row: a text column as it is, or, for a one-hot group
        ``var=level``, the level whose column is 1.
        """
        if var in df.columns and not pd.api.types.is_numeric_dtype(df[var]):
            return df[var].astype("object").where(df[var].notna(), MISSING_LEVEL).astype(str).to_numpy()
        group = [c for c in df.columns if c.startswith(f"{var}=")]
        if not group:
            raise SegmentationError(
                f"categorical variable '{var}' is neither a text column nor a one-hot group "
                f"('{var}=...') of the feature table; set segmentation.categorical"
            )
        onehot = df[group].fillna(0).to_numpy(float)
        names = np.asarray([c.split("=", 1)[1] for c in group] + [MISSING_LEVEL], dtype=object)
        pick = np.where(onehot.max(axis=1) > 0, onehot.argmax(axis=1), len(group))
        return names[pick].astype(str)

    @classmethod
    def fit(cls, df: pd.DataFrame, variables: list[str]) -> CategoricalCodes:
        """The levels of each categorical variable in ``df``."""
        return cls(list(variables), [sorted(set(cls.values(df, v))) for v in variables])

    def transform(self, df: pd.DataFrame) -> np.ndarray:
        """The level codes of each row of ``df`` (an unknown level: -1)."""
        out = np.empty((len(df), len(self.variables)))
        for j, (var, levels) in enumerate(zip(self.variables, self.levels, strict=True)):
            code = {lvl: i for i, lvl in enumerate(levels)}
            out[:, j] = [code.get(v, -1) for v in self.values(df, var)]
        return out


#: The key of the Parquet schema metadata of features.parquet saying how the features were built
#: (:func:`built_with`): ``seglab score`` compares it with the model's.
BUILT_WITH = "seglab.features"


def built_metadata(feats: pd.DataFrame) -> dict[str, str]:
    """The Parquet schema metadata of a feature table: :func:`built_with`, as JSON."""
    return {BUILT_WITH: json.dumps(built_with(feats.attrs), sort_keys=True)}


def built_with(attrs: dict) -> dict:
    """How a feature table was built (from its ``attrs``): the window of behaviour in days (None:
    all history), its as-of date, and whether it came from a customer-level table.
    """
    return {
        "window_days": attrs.get("window_days"),
        "as_of": attrs.get("as_of"),
        "customer_level": bool(attrs.get("customer_level")),
    }


@dataclass
class SegmentModel:
    """Everything needed to assign customers to segments, stored as JSON (no pickle)."""

    preparation: Preparation
    fit: methods.Fitted | None  # None for the RFM baseline
    labels: list[str]
    k: int
    seed: int
    selection: str
    versions: dict
    rfm: rfm.RFMRules | None = None
    categorical: CategoricalCodes | None = None  # k-prototypes
    #: how the training features were built (:func:`seglab.features.built_with`): the window of
    #: behaviour and the as-of date; None in a model saved before seglab recorded them
    built_with: dict | None = None

    @property
    def method(self) -> str:
        """The clustering method (or ``rfm``)."""
        return "rfm" if self.rfm is not None else self.fit.method

    @property
    def centroids(self) -> list[list[float]]:
        """Segment centres in the prepared space (component means for a Gaussian mixture)."""
        return self.fit.centers.tolist() if self.fit is not None else []

    def assign(self, features: pd.DataFrame) -> np.ndarray:
        """Segment number (1..k) of each row."""
        if self.rfm is not None:
            return self.rfm.assign(features)
        return self.fit.predict(self.prepared(features)) + 1

    def prepared(self, features: pd.DataFrame) -> np.ndarray:
        """The prepared numeric features, then the categorical codes (k-prototypes)."""
        x = self.preparation.transform(features)
        return x if self.categorical is None else np.hstack([x, self.categorical.transform(features)])

    def to_dict(self) -> dict:
        """The model as plain JSON values (the segment_model artifact)."""
        return {
            "format": MODEL_FORMAT,
            "method": self.method,
            "k": self.k,
            "seed": self.seed,
            "features": self.preparation.features,
            "preparation": {
                "log1p": self.preparation.log,
                "fill": self.preparation.fill,
                "winsor_low": self.preparation.lo,
                "winsor_high": self.preparation.hi,
                "center": self.preparation.center,
                "scale": self.preparation.scale,
                "weight": self.preparation.weight,
                "unit": self.preparation.unit,
                "doc": "x -> log1p(max(x,0)) where log1p; NaN -> fill; clip to [winsor_low, winsor_high]; "
                "(x - center) / scale * weight",
                "fitted_with": {"winsor_quantiles": list(self.preparation.winsor), "scaling": self.preparation.scaling},
            },
            "assignment": self.fit.to_json() if self.fit is not None else None,
            "rfm": self.rfm.to_json() if self.rfm is not None else None,
            "categorical": (
                {"variables": self.categorical.variables, "levels": self.categorical.levels}
                if self.categorical is not None
                else None
            ),
            "labels": i18n.neutral(self.labels),
            "selection": i18n.neutral(self.selection),
            "numbering": "segments ordered by mean net value per customer, highest first",
            "versions": self.versions,
            "built_with": self.built_with,
        }

    def to_text(self) -> str:
        """The model as JSON text (the ``segment_model`` artifact, :mod:`seglab.files.artifacts`)."""
        return json.dumps(self.to_dict(), indent=1) + "\n"

    @classmethod
    def from_dict(cls, d: dict) -> SegmentModel:
        """The model from its JSON, already checked by :mod:`seglab.modelfile`."""
        p = d["preparation"]
        how = p.get("fitted_with", {})
        prep = Preparation(
            d["features"],
            p["log1p"],
            p["fill"],
            p["winsor_low"],
            p["winsor_high"],
            p["center"],
            p["scale"],
            tuple(how.get("winsor_quantiles", (0.01, 0.99))),
            how.get("scaling", "standard"),
            p.get("weight") or [1.0] * len(d["features"]),
            p.get("unit") or [1.0] * len(d["features"]),
        )
        if d["format"] == "seglab-kmeans/1":
            fit = methods.Fitted("kmeans", np.asarray(d["centroids"], dtype=float))
        else:
            fit = methods.Fitted.from_json(d["assignment"]) if d.get("assignment") else None
        rules = rfm.RFMRules.from_json(d["rfm"]) if d.get("rfm") else None
        cats = (
            CategoricalCodes(d["categorical"]["variables"], d["categorical"]["levels"])
            if d.get("categorical")
            else None
        )
        built = d.get("built_with")
        return cls(prep, fit, d["labels"], d["k"], d["seed"], d["selection"], d["versions"], rules, cats, built)


@dataclass
class SegmentationResult:
    """Stage 03's result: the model, each customer's segment, the k evidence and why this k."""

    model: SegmentModel
    segments: pd.DataFrame  # customer_id, segment, segment_label
    selection: pd.DataFrame  # per-k indices
    explanation: str
    embedding: np.ndarray  # prepared features of the training customers
    dropped_features: list[str]
    assumptions: list[dict] = field(default_factory=list)  # what stage 03 decided without being told

    def features_text(self, labels: dict[str, str] | None = None) -> str:
        """The features clustered on, in words (the reader's language)."""
        names = [i18n.term((labels or {}).get(f) or f.replace("_", " ")) for f in self.model.preparation.features]
        return i18n.join(names)

    def notes(self, labels: dict[str, str] | None = None) -> list[str]:
        """What stage 03 says about the fit: method, features, features left out, assumptions."""
        out = [
            i18n._("Method: %(method)s. Clustered on: %(features)s.")
            % {"method": method_name(self.model.method), "features": self.features_text(labels)}
        ]
        if self.dropped_features:
            out.append(
                i18n._("Named features not in the data, left out: %(features)s.")
                % {"features": i18n.join(self.dropped_features)}
            )
        out += [
            i18n._("%(subject)s: %(assumed)s (%(why)s; to change: %(change)s).")
            % {k: i18n.say(a[k]) for k in ("subject", "assumed", "why", "change")}
            for a in self.assumptions
        ]
        return out
