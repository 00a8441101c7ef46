"""The segmentation of a feature table: the features used, the customers in an order that depends
only on their values, the sample k is chosen on, the model fitted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from seglab import __version__, i18n
from seglab.config import Segmentation
from seglab.i18n import N_
from seglab.registry import DEFAULT_FEATURES
from seglab.segmentation import methods, rfm
from seglab.segmentation.choosing import choose_k, evaluate_k
from seglab.segmentation.model import (
    CategoricalCodes,
    SegmentationResult,
    SegmentModel,
    built_with,
    describe_centroids,
    stable_order,
)
from seglab.segmentation.preparation import Preparation, SegmentationError, select_features
from seglab.vocabulary import segment_code


def canonical_order(data: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The customers in an order that depends only on their values in ``columns`` (then on their
    id): what a clustering sees does not depend on the order of the input rows nor on how the ids
    are written (rows shuffled, ids with leading zeros give the same segments). Customers with the
    same values are the same point to k-means, so their order among themselves changes nothing.

    The order of ``np.lexsort`` over every column, computed by sorting on the first column and
    then, column after column, only the customers still tied (a few per cent after two columns):
    one sort of every customer instead of one per column (1 million customers x 20 features:
    0.3 s instead of 3 s).
    """
    numeric = lambda v: pd.api.types.is_numeric_dtype(v) and not pd.api.types.is_bool_dtype(v)  # noqa: E731
    keys = [
        data[c].to_numpy(dtype=float, na_value=np.inf) if numeric(data[c]) else data[c].astype(str).to_numpy()
        for c in columns
    ]
    keys.append(data["customer_id"].astype(str).to_numpy())  # the last key: equal values, ordered by id
    order = np.argsort(keys[0], kind="stable")
    starts = np.zeros(len(order), dtype=bool)  # where a run of customers equal on the keys so far starts
    starts[:1] = True
    for done, key in zip(keys, keys[1:], strict=False):
        ordered = done[order]
        starts[1:] |= ordered[1:] != ordered[:-1]
        run = np.cumsum(starts) - 1
        size = np.bincount(run)
        tied = np.flatnonzero(size[run] > 1)  # positions still tied with a neighbour
        if not len(tied):
            break
        within = np.lexsort((key[order[tied]], run[tied]))  # stable: ties so far keep their order
        order[tied] = order[tied][within]
    return data.iloc[order].reset_index(drop=True)


def feature_list(
    features: pd.DataFrame, params: Segmentation, catalog: pd.DataFrame | None = None
) -> tuple[list[str], list[str]]:
    """The features to cluster on: ``segmentation.features`` plus every available feature of
    ``segmentation.lenses`` (from the feature catalog), those present in the table; and the
    named ones that are absent.
    """
    use, absent = select_features(features, params.features)
    if params.lenses:
        if catalog is None:
            raise SegmentationError("segmentation.lenses needs the feature catalog (feature_catalog.csv of stage 02)")
        unknown = sorted(set(params.lenses) - set(catalog["lens"]))
        if unknown:
            raise SegmentationError(
                f"segmentation.lenses: {unknown} is not a lens of this data; lenses are {sorted(set(catalog['lens']))}"
            )
        numeric = set(features.select_dtypes("number").columns)
        extra = catalog.loc[catalog["lens"].isin(params.lenses) & catalog["available"].astype(bool), "feature"]
        use += [f for f in extra if f in numeric and f not in use]
    bad = sorted(set(params.weights) - set(use))
    if bad:
        raise SegmentationError(
            f"segmentation.weights names features that are not clustered on: {bad}; features are {use}"
        )
    return use, absent


def selection_rows(n: int, params: Segmentation, seed: int) -> np.ndarray | None:
    """The customers k is chosen on: a seeded sample of ``params.selection_sample`` rows (sorted)
    when there are more customers and k is not fixed, else None (all of them). The same seed
    gives the same sample.
    """
    if params.k or params.selection_sample is None or n <= params.selection_sample:
        return None
    return np.sort(np.random.default_rng(seed).choice(n, size=params.selection_sample, replace=False))


def selection_note(sampled: int, n: int, params: Segmentation) -> dict:
    """The assumption stage 03 records when k was chosen on a sample."""
    return {
        "stage": "03",
        "subject": N_("choice of k"),
        "assumed": i18n.Note.of(
            N_("chosen on a seeded sample of %(m)s of the %(n)s customers, then fitted on all of them"), m=sampled, n=n
        ),
        "why": N_(
            "the indices and the stability of each k are as clear on a sample this size; fitting every k on "
            "every customer would take most of the stage's time"
        ),
        "change": f"segmentation.selection_sample: null  (or a larger sample; now {params.selection_sample})",
    }


def segment(
    features: pd.DataFrame, params: Segmentation, seed: int, progress=None, catalog: pd.DataFrame | None = None
) -> SegmentationResult:
    """Run stage 03 on the feature table (one row per customer); ``progress(k)`` is called as
    each k is fitted.
    """
    if params.method == "rfm":
        return _segment_rfm(features.sort_values("customer_id", kind="mergesort").reset_index(drop=True), params, seed)
    data = features  # put in the canonical order below (its last key is the id)
    use, absent = feature_list(data, params, catalog)
    data = canonical_order(data, use + [c for c in params.categorical or ["lifecycle"] if c in data])
    if not use:
        raise SegmentationError(
            f"none of the segmentation features {params.features or list(DEFAULT_FEATURES)} exist in the feature table "
            f"(columns: {', '.join(features.columns)}); set segmentation.features"
        )
    prep = Preparation.fit(data, use, params.winsor, params.scaling, params.weights)
    if len(data) >= 3 and len(prep.constant()) == len(use) and params.method != "kprototypes":
        raise SegmentationError(
            f"every segmentation feature has the same value for all {len(data)} customers ({', '.join(use)}): "
            "there is nothing to segment on; add features that vary (segmentation.features)"
        )
    names = features.attrs.get("labels") or {}
    notes = [_given_features_note(use, names)] if params.features is not None else []
    flat = prep.constant()
    if flat and len(flat) < len(use):  # no spread: they cannot separate segments
        use = [f for f in use if f not in flat]
        notes.append(
            {
                "stage": "03",
                "subject": i18n.listed(i18n.as_term(names.get(f, f)) for f in flat),
                "assumed": N_("not clustered on"),
                "why": N_("the same value for (almost) every customer once prepared (after the winsor clipping)"),
                "change": "segmentation.winsor: [0, 1]  (no clipping) or segmentation.features: [...]",
            }
        )
        prep = Preparation.fit(
            data, use, params.winsor, params.scaling, {f: w for f, w in params.weights.items() if f in use}
        )
    x = prep.transform(data)
    cats = None
    if params.method == "kprototypes":
        variables = params.categorical or (["lifecycle"] if "lifecycle" in data else [])
        if not variables:
            raise SegmentationError(
                "kprototypes needs categorical variables: set segmentation.categorical "
                "(a text column such as lifecycle, or a one-hot group such as gender)"
            )
        cats = CategoricalCodes.fit(data, variables)
    xfull = x if cats is None else np.hstack([x, cats.transform(data)])
    n_num = x.shape[1] if cats else None
    rows = selection_rows(len(xfull), params, seed)
    table, fitted = evaluate_k(xfull if rows is None else xfull[rows], params, seed, progress, n_num=n_num)
    k, table, why = choose_k(table, params.min_segment_share, params.good_margin)
    fit = fitted[k]
    if rows is not None:  # chosen on the sample: the chosen k fitted on every customer from there
        fit = methods.refit(fit, xfull, seed, params, n_num=n_num)
        notes.append(selection_note(len(rows), len(xfull), params))
    value = data["monetary"].fillna(0.0).to_numpy(dtype=float) if "monetary" in data else np.zeros(len(data))
    mapping = stable_order(fit.predict(xfull), fit.centers, value)  # mapping[label] = segment number
    fit = fit.reorder(np.argsort(mapping))
    labels = describe_centroids(fit.centers, use, labels=names, kinds=features.attrs.get("kinds"))
    model = SegmentModel(prep, fit, labels, k, seed, why, _versions(), categorical=cats)
    model.built_with = built_with(features.attrs)
    # model.assign(data), from the prepared rows at hand (preparing 1 million customers again: 1-2 s)
    result = _result(model, data, table, why, x, absent, fit.predict(xfull) + 1)
    result.assumptions = notes
    return result


def _given_features_note(use: list[str], names: dict[str, str]) -> dict:
    """What was clustered on when ``segmentation.features`` names it (it replaces stage 02's default)."""
    return {
        "stage": "03",
        "topic": "clustered_features",
        "subject": N_("features clustered on"),
        "assumed": i18n.Note.of(N_("as given: %(features)s"), features=[i18n.as_term(names.get(f, f)) for f in use]),
        "why": "segmentation.features",
        "change": i18n.concat("segmentation.features: null  ", N_("(seglab chooses)")),
    }


def _versions() -> dict:
    import sklearn

    return {"seglab": __version__, "scikit-learn": sklearn.__version__, "numpy": np.__version__}


def _result(
    model: SegmentModel,
    data: pd.DataFrame,
    table: pd.DataFrame,
    why: str,
    x: np.ndarray,
    absent: list[str],
    seg: np.ndarray | None = None,
) -> SegmentationResult:
    """The result of a segmentation; ``seg``: ``model.assign(data)`` when already computed."""
    seg = model.assign(data) if seg is None else seg
    segments = pd.DataFrame(
        {
            "customer_id": data["customer_id"].astype(str),
            "segment": seg.astype("int64"),
            "segment_label": np.asarray([i18n.as_text(x) for x in model.labels], dtype=object)[seg - 1],
        }
    )
    by_id = np.argsort(segments["customer_id"].to_numpy(dtype=str), kind="stable")  # files list customers by id
    return SegmentationResult(model, segments.iloc[by_id].reset_index(drop=True), table, why, x[by_id], absent)


def _segment_rfm(data: pd.DataFrame, params: Segmentation, seed: int) -> SegmentationResult:
    """The RFM baseline: frozen quintile cuts and named groups (seglab.segmentation.rfm); the selection table
    has its one k with the indices computed on the prepared R, F, M features, for comparison.
    """
    try:
        rules, seg = rfm.fit(data)
    except ValueError as exc:
        raise SegmentationError(str(exc)) from exc
    from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

    use = list(rfm.FEATURES)
    prep = Preparation.fit(data, use, params.winsor, params.scaling)
    x = prep.transform(data)
    k = len(rules.segments)
    labels = seg - 1
    distinct = len(np.unique(labels))
    sample = params.silhouette_sample if len(x) > params.silhouette_sample else None
    table = pd.DataFrame(
        [
            {
                "k": k,
                "inertia": methods.within_ss(x, labels, k),
                "silhouette": float(silhouette_score(x, labels, sample_size=sample, random_state=seed))
                if distinct > 1
                else np.nan,
                "calinski_harabasz": float(calinski_harabasz_score(x, labels)) if distinct > 1 else np.nan,
                "davies_bouldin": float(davies_bouldin_score(x, labels)) if distinct > 1 else np.nan,
                "stability": np.nan,
                "stability_sd": np.nan,
                "min_share": float(np.bincount(labels, minlength=k).min() / len(x)),
                "consensus": np.nan,
                "eligible": True,
                "good": True,
                "chosen": True,
            }
        ]
    )
    why = i18n._(
        "RFM baseline: k = %(k)s is the number of RFM groups with customers (%(groups)s); quintile cuts frozen on "
        "these customers."
    ) % {"k": i18n.number(k), "groups": i18n.join(rules.segments)}
    model = SegmentModel(
        prep,
        None,
        [f"{segment_code(i)}: {name}" for i, name in enumerate(rules.segments, start=1)],
        k,
        seed,
        why,
        _versions(),
        rules,
        built_with=built_with(data.attrs),
    )
    return _result(model, data, table, why, x, [])
