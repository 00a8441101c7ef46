import json

import numpy as np
import pandas as pd
import pytest

from seglab import config, i18n, segmentation
from seglab.files import artifacts
from seglab.segmentation import methods


def _blobs(n_per=60, seed=0):
    rng = np.random.default_rng(seed)
    centers = {"low": (1.0, 0.1), "mid": (10.0, 0.5), "high": (100.0, 0.9)}
    rows = []
    for i, (name, (m, d)) in enumerate(centers.items()):
        for j in range(n_per):
            rows.append(
                {
                    "customer_id": f"{name}{j:03d}",
                    "monetary": m * rng.lognormal(0, 0.1),
                    "discount_share": np.clip(d + rng.normal(0, 0.03), 0, 1),
                    "truth": i,
                }
            )
    return pd.DataFrame(rows)


PARAMS = config.Segmentation(features=["monetary", "discount_share"], k_min=2, k_max=5, n_init=4)


def test_recovers_blobs_numbered_by_value():
    df = _blobs()
    r = segmentation.segment(df, PARAMS, seed=1)
    assert r.model.k == 3
    seg = r.segments.set_index("customer_id")["segment"]
    # segment 1 = highest value per customer
    assert set(seg[[c for c in seg.index if c.startswith("high")]]) == {1}
    assert set(seg[[c for c in seg.index if c.startswith("low")]]) == {3}


def test_numbering_does_not_depend_on_row_order_or_kmeans_labels():
    df = _blobs()
    a = segmentation.segment(df, PARAMS, seed=1).segments
    b = segmentation.segment(df.sample(frac=1, random_state=5), PARAMS, seed=1).segments
    pd.testing.assert_frame_equal(a, b)


def test_stable_order_rule():
    labels = np.array([0, 0, 1, 1, 1, 2])
    value = np.array([1.0, 1.0, 5.0, 5.0, 5.0, 9.0])
    mapping = segmentation.stable_order(labels, np.zeros((3, 2)), value)
    assert list(mapping) == [3, 2, 1]


def test_model_roundtrip_json_reproduces_segments(tmp_path):
    df = _blobs()
    r = segmentation.segment(df, PARAMS, seed=1)
    artifacts.write_models(tmp_path, r.model)
    text = (tmp_path / "model.json").read_text()
    assert json.loads(text)["format"] == segmentation.MODEL_FORMAT
    loaded = artifacts.read_segment_model(tmp_path)
    again = loaded.assign(df.sort_values("customer_id"))
    assert (again == r.segments["segment"].to_numpy()).all()


def test_missing_feature_for_scoring_is_clear():
    r = segmentation.segment(_blobs(), PARAMS, seed=1)
    with pytest.raises(segmentation.SegmentationError, match="features missing from the input: discount_share"):
        r.model.assign(pd.DataFrame({"monetary": [1.0]}))


@pytest.mark.parametrize(
    ("n", "params", "match"),
    [
        (1, PARAMS, "only 1 customer"),
        (4, config.Segmentation(features=["monetary"], k=5), r"k = \[5\] is outside \[2, 3\]"),
        (6, config.Segmentation(features=["monetary"], k_min=2, k_max=8), r"outside \[2, 5\]"),
    ],
)
def test_degenerate_inputs(n, params, match):
    df = _blobs().head(n)
    with pytest.raises(segmentation.SegmentationError, match=match):
        segmentation.segment(df, params, seed=1)


def test_constant_and_missing_columns_are_handled():
    df = _blobs().assign(constant=3.0)
    df.loc[df.index[::7], "discount_share"] = np.nan
    p = config.Segmentation(features=["monetary", "discount_share", "constant"], k=3, n_init=4)
    r = segmentation.segment(df, p, seed=1)
    assert r.model.preparation.features == ["monetary", "discount_share"]  # the constant column is left out...
    subjects = [i18n.say(a["subject"]) for a in r.assumptions]
    assert subjects == ["features clustered on", "constant"]  # what was given, and what was left out
    assert np.isfinite(r.embedding).all()
    assert r.segments["segment"].nunique() == 3


def test_a_rare_flag_is_not_clipped_away():
    """A 0/1 column held by under 1 % of customers survives the winsor clipping (it used to become 0)."""
    df = _blobs()
    df["rare"] = 0.0
    df.loc[df.index[:1], "rare"] = 1.0  # 1 customer of 180
    assert df["rare"].mean() < 0.01
    p = config.Segmentation(features=["monetary", "discount_share", "rare"], k=3, n_init=4)
    prep = segmentation.Preparation.fit(df, p.features, p.winsor)
    assert prep.hi[2] == 1.0 and prep.lo[2] == 0.0 and "rare" not in prep.constant()


def test_choose_k_consensus_and_min_share():
    t = pd.DataFrame(
        {
            "k": [2, 3, 4],
            "inertia": [3.0, 2.0, 1.0],
            "silhouette": [0.2, 0.5, 0.6],
            "calinski_harabasz": [10.0, 30.0, 35.0],
            "davies_bouldin": [1.5, 0.8, 0.7],
            "min_share": [0.4, 0.2, 0.01],
        }
    )
    k, table, why = segmentation.choose_k(t, min_share=0.05)
    why = i18n.say(why)
    assert k == 3  # k = 4 scores best but leaves a segment with 1 % of customers
    assert "4 segments were ruled out because one segment would hold under 5% of customers" in why
    assert "[" not in why and table["chosen"].sum() == 1  # (a list as a reader writes it, never [4])


EVIDENCE = pd.DataFrame(
    {
        "k": [2, 3, 4, 5, 6],
        "inertia": [100.0, 60.0, 40.0, 35.0, 32.0],
        "silhouette": [0.30, 0.42, 0.45, 0.44, 0.30],
        "calinski_harabasz": [100.0, 140.0, 150.0, 148.0, 110.0],
        "davies_bouldin": [1.2, 0.90, 0.85, 0.86, 1.1],
        "stability": [0.99, 0.80, 0.70, 0.95, 0.60],
        "stability_sd": [0.01, 0.1, 0.1, 0.02, 0.1],
        "min_share": [0.4, 0.3, 0.2, 0.1, 0.05],
    }
)


def test_choose_k_takes_the_most_stable_of_the_good():
    k, t, why = segmentation.choose_k(EVIDENCE, min_share=0.02, good_margin=0.1)
    why = i18n.say(why)
    # consensus: k=4 best (1.0), k=5 within 0.1 (good), k=3 further; k=2 is the most stable but not good
    assert t.loc[t["good"], "k"].tolist() == [4, 5]
    assert k == 5 and "come back most often when the customers are resampled" in why
    assert "(the same segments in 95% of resamples: bootstrap ARI 0.95 ± 0.02" in why  # plain words, then the figure
    assert "[" not in why and "the other numbers of segments that separate them well (4) came back less often" in why
    assert "stability prefers k = 2" in why  # the disagreement is said
    # without stability the best consensus wins; a wider margin lets k = 2 in and it wins on stability
    k0, _, why0 = segmentation.choose_k(EVIDENCE.assign(stability=np.nan), min_share=0.02)
    assert k0 == 4 and "best consensus" in i18n.say(why0)
    assert segmentation.choose_k(EVIDENCE, min_share=0.02, good_margin=1.0)[0] == 2


def test_choose_k_stability_ties_go_to_the_better_consensus():
    tied = EVIDENCE.assign(stability=[0.5, 0.5, 0.951, 0.955, 0.5])  # k=4 and k=5 within 0.01
    assert segmentation.choose_k(tied, min_share=0.02)[0] == 4


def test_elbow_kneedle():
    # scaled: x = 0, .25, .5, .75, 1; y = 1, .412, .118, .044, 0; chord - curve = 0, .338, .382, .206, 0
    assert segmentation.elbow(EVIDENCE["k"], EVIDENCE["inertia"]) == 4
    assert segmentation.elbow([2, 3, 4], [3.0, 2.0, 1.0]) is None  # a straight line has no elbow
    assert segmentation.elbow([2, 3], [2.0, 1.0]) is None


def test_stability_is_high_for_the_true_k_and_reproducible():
    x = segmentation.Preparation.fit(_blobs(), ["monetary", "discount_share"]).transform(_blobs())
    p = config.Segmentation(features=["monetary", "discount_share"], bootstrap=5, bootstrap_sample=150)
    km = methods.fit(methods.Clustering("kmeans", 3, 1), x, config.Segmentation(n_init=4))
    mean, sd = segmentation.stability(x, km, 3, p, seed=1)
    assert mean > 0.95 and sd < 0.05
    assert segmentation.stability(x, km, 3, p, seed=1) == (mean, sd)
    assert all(np.isnan(segmentation.stability(x, km, 3, p.model_copy(update={"bootstrap": 0}), seed=1)))


def test_preparation_quantiles_and_scalings():
    # x: 0 for 60 % of customers (a zero-inflated share), then 1..40; y: 1..100 with one wild value
    n = 100
    x = np.r_[np.zeros(60), np.arange(1, 41) / 40.0]
    y = np.r_[np.arange(1, n), 1e6]
    df = pd.DataFrame({"x": x, "y": y})
    std = segmentation.Preparation.fit(df, ["x", "y"], winsor=(0.05, 0.95))
    assert std.log == [False, True]  # y: a non-negative amount with skew > 2 takes the log
    unit = np.median(y) / 1000  # an amount is logged relative to its median: the same in cents or thousands
    assert std.unit == [1.0, pytest.approx(unit)]
    assert std.hi[1] == pytest.approx(np.quantile(np.log1p(y / unit), 0.95))  # clipped at the 95th percentile
    scaled = segmentation.Preparation.fit(df.assign(y=df["y"] * 1000), ["x", "y"], winsor=(0.05, 0.95))
    assert np.allclose(scaled.transform(df.assign(y=df["y"] * 1000)), std.transform(df), atol=1e-9)
    z = std.transform(df)
    assert z.mean(axis=0) == pytest.approx([0, 0], abs=1e-12) and z.std(axis=0) == pytest.approx([1, 1])
    rob = segmentation.Preparation.fit(df, ["x", "y"], winsor=(0.05, 0.95), scaling="robust")
    xc = np.clip(x, *np.quantile(x, [0.05, 0.95]))
    assert rob.center[0] == pytest.approx(np.median(xc)) == 0.0
    iqr = (np.quantile(xc, 0.75) - np.quantile(xc, 0.25)) / 1.349
    assert rob.scale[0] == pytest.approx(iqr)
    zero_iqr = pd.DataFrame({"x": np.r_[np.zeros(90), np.ones(10)], "y": y})  # IQR of x is 0: falls back to std
    assert segmentation.Preparation.fit(zero_iqr, ["x"], scaling="robust").scale == [pytest.approx(0.3)]


def test_model_keeps_how_the_preparation_was_fitted(tmp_path):
    p = config.Segmentation(
        features=["monetary", "discount_share"], k=3, n_init=2, winsor=(0.02, 0.98), scaling="robust"
    )
    r = segmentation.segment(_blobs(), p, seed=1)
    artifacts.write_models(tmp_path, r.model)
    assert json.loads((tmp_path / "model.json").read_text())["preparation"]["fitted_with"] == {
        "winsor_quantiles": [0.02, 0.98],
        "scaling": "robust",
    }
    loaded = artifacts.read_segment_model(tmp_path)
    assert (loaded.assign(_blobs().sort_values("customer_id")) == r.segments["segment"].to_numpy()).all()


@pytest.mark.parametrize("winsor", [(0.5, 0.5), (-0.1, 0.9), (0.1, 1.2)])
def test_bad_winsor_quantiles_are_refused(winsor):
    with pytest.raises(config.ParamsError, match="winsor must be two quantiles"):
        config.validate({"run_name": "t", "segmentation": {"winsor": list(winsor)}})


def test_all_constant_features_are_a_clear_error():
    df = pd.DataFrame({"customer_id": [f"c{i}" for i in range(50)], "monetary": 5.0, "discount_share": 0.1})
    with pytest.raises(
        segmentation.SegmentationError, match="every segmentation feature has the same value for all 50"
    ):
        segmentation.segment(df, config.Segmentation(features=["monetary", "discount_share"], k_max=4), seed=1)


@pytest.mark.parametrize("method", ["gmm", "ward", "minibatch_kmeans"])
def test_too_few_customers_for_k_is_clear_for_every_method(method):
    p = config.Segmentation(features=["monetary", "discount_share"], k=5, method=method)
    with pytest.raises(segmentation.SegmentationError, match=r"k = \[5\] is outside \[2, 3\] for 4 customers"):
        segmentation.segment(_blobs().head(4), p, seed=1)


def _lexsorted(data: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The canonical order as np.lexsort over every column (then the id) computes it."""
    keys = []
    for c in reversed(columns):
        v = data[c]
        if pd.api.types.is_numeric_dtype(v) and not pd.api.types.is_bool_dtype(v):
            keys.append(v.to_numpy(dtype=float, na_value=np.inf))
        else:
            keys.append(v.astype(str).to_numpy())
    return data.iloc[np.lexsort([data["customer_id"].astype(str).to_numpy(), *keys])].reset_index(drop=True)


@pytest.mark.parametrize("seed", range(5))
def test_canonical_order_is_the_lexicographic_order_of_every_column(seed):
    # many ties on the first columns (small integers, flags, a category, missing values), so that
    # the order is settled by later columns and, for exact duplicates, by the id
    rng = np.random.default_rng(seed)
    n = 3_000
    data = pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in rng.permutation(n)],
            "orders": rng.integers(1, 4, n),
            "flag": rng.integers(0, 2, n).astype(bool),
            "share": np.where(rng.random(n) < 0.2, np.nan, rng.integers(0, 3, n) / 2),
            "lifecycle": pd.Categorical(rng.choice(["new", "active", "lapsed"], n)),
            "spend": np.round(rng.exponential(50, n), 0),
        }
    )
    columns = ["orders", "flag", "share", "lifecycle", "spend"]
    got = segmentation.canonical_order(data, columns)
    assert got["customer_id"].tolist() == _lexsorted(data, columns)["customer_id"].tolist()
    shuffled = data.sample(frac=1, random_state=seed)
    assert segmentation.canonical_order(shuffled, columns).equals(got)
