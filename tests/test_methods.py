"""Clustering methods: each fits, saves as JSON, reloads and reassigns exactly; the RFM baseline."""

import json

import numpy as np
import pandas as pd
import pytest
from scipy.stats import multivariate_normal

from seglab import config, segmentation
from seglab.files import artifacts
from seglab.segmentation import methods, rfm


def _blobs(n_per=80, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for i, (m, d) in enumerate([(1.0, 0.1), (10.0, 0.5), (100.0, 0.9)]):
        for j in range(n_per):
            rows.append(
                {
                    "customer_id": f"c{i}{j:03d}",
                    "monetary": m * rng.lognormal(0, 0.1),
                    "discount_share": np.clip(d + rng.normal(0, 0.03), 0, 1),
                    "truth": i,
                }
            )
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    "update",
    [
        {"method": "kmeans"},
        {"method": "minibatch_kmeans", "batch_size": 64},
        {"method": "gmm"},
        {"method": "gmm", "gmm_covariance": "diag"},
        {"method": "ward", "ward_sample": 150},
    ],
    ids=["kmeans", "minibatch", "gmm-full", "gmm-diag", "ward-sampled"],
)
def test_method_finds_the_blobs_and_its_saved_model_reassigns_exactly(update, tmp_path):
    df = _blobs()
    p = config.Segmentation(
        features=["monetary", "discount_share"], k_min=2, k_max=5, n_init=3, bootstrap=3, bootstrap_sample=200, **update
    )
    r = segmentation.segment(df, p, seed=3)
    assert r.model.k == 3 and r.model.method == update["method"]
    truth = df.sort_values("customer_id")["truth"].to_numpy()
    assert pd.crosstab(truth, r.segments["segment"].to_numpy()).gt(0).sum(axis=1).eq(1).all()  # one segment per blob
    assert r.segments.groupby("segment").size().index.tolist() == [1, 2, 3]
    artifacts.write_models(tmp_path, r.model)
    saved = json.loads((tmp_path / "model.json").read_text())
    assert saved["method"] == update["method"] and saved["assignment"]["method"] == update["method"]
    again = artifacts.read_segment_model(tmp_path).assign(df.sort_values("customer_id"))
    assert (again == r.segments["segment"].to_numpy()).all()
    # segment 1 = highest value per customer, whatever the method
    assert (
        df.set_index("customer_id").loc[r.segments.loc[r.segments["segment"] == 1, "customer_id"], "truth"].eq(2).all()
    )


def test_rerun_gives_identical_segments_for_every_method():
    df = _blobs()
    for m in ("kmeans", "gmm", "ward"):
        p = config.Segmentation(
            features=["monetary", "discount_share"],
            k_min=2,
            k_max=4,
            n_init=2,
            bootstrap=2,
            bootstrap_sample=150,
            method=m,
        )
        a, b = segmentation.segment(df, p, seed=5), segmentation.segment(df, p, seed=5)
        pd.testing.assert_frame_equal(a.segments, b.segments)
        pd.testing.assert_frame_equal(a.selection, b.selection)


def test_gmm_density_matches_scipy():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(50, 3))
    means = rng.normal(size=(2, 3))
    a = rng.normal(size=(3, 3))
    covs = np.stack([a @ a.T + np.eye(3), np.eye(3) * 2])
    got = methods.gmm_log_density(x, [0.3, 0.7], means, covs, "full")
    want = np.column_stack(
        [np.log(w) + multivariate_normal(means[j], covs[j]).logpdf(x) for j, w in enumerate([0.3, 0.7])]
    )
    np.testing.assert_allclose(got, want, rtol=1e-10)
    diag = methods.gmm_log_density(x, [1.0], means[:1], [np.array([1.0, 2.0, 3.0])], "diag")
    np.testing.assert_allclose(
        diag[:, 0], multivariate_normal(means[0], np.diag([1.0, 2.0, 3.0])).logpdf(x), rtol=1e-10
    )


def test_weights_scale_the_prepared_features_and_unknown_ones_are_refused():
    df = _blobs()
    p = config.Segmentation(features=["monetary", "discount_share"], k=3, n_init=2, weights={"discount_share": 3.0})
    r = segmentation.segment(df, p, seed=1)
    assert r.model.preparation.weight == [1.0, 3.0]
    assert r.embedding[:, 1].std() == pytest.approx(3.0)  # standardised, then weighted
    with pytest.raises(
        segmentation.SegmentationError, match=r"weights names features that are not clustered on: \['nope'\]"
    ):
        segmentation.segment(df, p.model_copy(update={"weights": {"nope": 2.0}}), seed=1)


def test_lenses_add_the_catalogued_features_of_a_lens():
    df = _blobs().assign(age=np.arange(240) % 60 + 20.0, **{"gender=f": (np.arange(240) % 2).astype(float)})
    cat = pd.DataFrame(
        {
            "feature": ["monetary", "age", "gender=f"],
            "lens": ["behavioural", "demographic", "demographic"],
            "available": [True, True, True],
        }
    )
    p = config.Segmentation(features=["monetary"], lenses=["demographic"], k=2, n_init=2)
    use, _ = segmentation.feature_list(df, p, cat)
    assert use == ["monetary", "age", "gender=f"]
    with pytest.raises(segmentation.SegmentationError, match=r"\['psychographic'\] is not a lens of this data"):
        segmentation.feature_list(df, p.model_copy(update={"lenses": ["psychographic"]}), cat)


def test_rfm_scores_groups_and_frozen_cuts():
    # 10 customers: recency 1..10 days, frequency 10..1, monetary 100..1000
    df = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(10)],
            "recency_days": np.arange(1.0, 11.0),
            "frequency": np.arange(10, 0, -1).astype(float),
            "monetary": np.arange(100.0, 1001.0, 100.0),
        }
    )
    cuts = rfm.RFMRules.fit_cuts(df)
    assert cuts["recency_days"] == pytest.approx([2.8, 4.6, 6.4, 8.2])
    sc = rfm.RFMRules.scores(df, cuts)
    assert sc[0].tolist() == [5, 5, 1] and sc[-1].tolist() == [1, 1, 5]  # recent+frequent+cheap; old+rare+rich
    names = [rfm.GROUPS[g][0] for g in rfm.RFMRules.group(sc)]
    assert names[0] == "Loyal" and names[-1] == "Hibernating" and names[4] == "Need attention"
    rules, seg = rfm.fit(df)
    assert len(rules.segments) == len(set(names)) and seg.min() == 1
    # a new customer is scored with the training cuts; Champions had nobody at training (money falls
    # as frequency rises here), so the customer joins the segment with the nearest mean scores
    new = pd.DataFrame({"recency_days": [1.0], "frequency": [10.0], "monetary": [5000.0]})
    assert rfm.RFMRules.scores(new, rules.cuts).tolist() == [[5, 5, 5]] and "Champions" not in rules.segments
    nearest = int(np.argmin(((np.asarray(rules.centers) - [5, 5, 5]) ** 2).sum(axis=1))) + 1
    assert rules.assign(new).tolist() == [nearest]


def test_rfm_method_runs_as_a_baseline(tmp_path):
    rng = np.random.default_rng(0)
    n = 500
    df = pd.DataFrame(
        {
            "customer_id": [f"c{i:04d}" for i in range(n)],
            "recency_days": rng.exponential(90, n),
            "frequency": rng.poisson(3, n) + 1.0,
            "monetary": rng.lognormal(5, 1, n),
        }
    )
    r = segmentation.segment(df, config.Segmentation(method="rfm"), seed=1)
    assert r.model.method == "rfm" and r.selection["chosen"].all()
    assert r.model.k == r.segments["segment"].nunique() >= 5
    assert all(lbl.split(": ", 1)[1] in [g[0] for g in rfm.GROUPS] for lbl in r.model.labels)
    artifacts.write_models(tmp_path, r.model)
    saved = json.loads((tmp_path / "model.json").read_text())
    assert set(saved["rfm"]["cuts"]) == set(rfm.FEATURES) and len(saved["rfm"]["groups"]) == len(rfm.GROUPS)
    assert (artifacts.read_segment_model(tmp_path).assign(df) == r.segments["segment"].to_numpy()).all()
    value = df.set_index("customer_id")["monetary"].reindex(r.segments["customer_id"]).to_numpy()
    means = pd.Series(value).groupby(r.segments["segment"].to_numpy()).mean()
    assert means.is_monotonic_decreasing  # numbered by value like every method
    with pytest.raises(
        segmentation.SegmentationError, match="the RFM baseline needs recency_days, frequency, monetary"
    ):
        segmentation.segment(df.drop(columns=["frequency"]), config.Segmentation(method="rfm"), seed=1)


def _mixed(n_per=60, seed=2):
    """Three groups: two share their numbers and differ only by channel (a one-hot group) and tier (text)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i, (m, channel, tier) in enumerate([(1.0, "web", "bronze"), (50.0, "store", "gold"), (50.0, "app", "silver")]):
        for j in range(n_per):
            rows.append(
                {
                    "customer_id": f"m{i}{j:03d}",
                    "monetary": m * rng.lognormal(0, 0.1),
                    "discount_share": np.clip(0.3 + rng.normal(0, 0.05), 0, 1),
                    "tier": tier,
                    **{f"channel={c}": float(c == channel) for c in ("web", "store", "app")},
                    "truth": i,
                }
            )
    return pd.DataFrame(rows)


def test_kprototypes_uses_categories_and_reassigns_exactly(tmp_path):
    df = _mixed()
    # numbers: only monetary (discount_share is pure noise here, and noise would outweigh categories)
    p = config.Segmentation(method="kprototypes", features=["monetary"], categorical=["channel", "tier"], k=3, n_init=2)
    r = segmentation.segment(df, p, seed=1)
    truth = df.sort_values("customer_id")["truth"].to_numpy()
    # groups 1 and 2 have the same numbers: only the categories can tell them apart
    assert pd.crosstab(truth, r.segments["segment"].to_numpy()).gt(0).sum(axis=1).eq(1).all()
    assert r.model.categorical.levels == [["app", "store", "web"], ["bronze", "gold", "silver"]]
    artifacts.write_models(tmp_path, r.model)
    loaded = artifacts.read_segment_model(tmp_path)
    assert (loaded.assign(df.sort_values("customer_id")) == r.segments["segment"].to_numpy()).all()
    new = df.head(2).assign(tier=["platinum", None])  # unseen and missing levels match no mode, still assigned
    assert set(loaded.assign(new)) <= {1, 2, 3}
    codes = loaded.categorical.transform(new)
    assert codes[:, 1].tolist() == [-1, -1]
    with pytest.raises(segmentation.SegmentationError, match="'colour' is neither a text column nor a one-hot group"):
        segmentation.segment(df, p.model_copy(update={"categorical": ["colour"]}), seed=1)
    with pytest.raises(segmentation.SegmentationError, match="kprototypes needs categorical variables"):
        segmentation.segment(df, p.model_copy(update={"categorical": []}), seed=1)
