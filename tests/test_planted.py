"""Acceptance on the default data: segmentation recovers the planted archetypes and names them."""

import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from seglab import features, i18n, personas, segmentation

pytestmark = pytest.mark.xdist_group("planted")  # one worker computes the shared fixtures once

EXPECTED_NAME = {
    "loyal": "Loyal customers",
    "impulse_shopper": "Impulse shoppers",
    "bargain_hunter": "Bargain hunters",
    "wandering": "Wandering customers",
    "need_based": "Need-based customers",
}


@pytest.fixture(scope="module")
def fitted(synthetic, synthetic_tables, default_params):
    feats = features.build(synthetic_tables, default_params.features).features
    result = segmentation.segment(feats, default_params.segmentation, default_params.seed)
    data = personas.joined(feats, result.segments)
    cols = [c for c in personas.PROFILE_FEATURES if c in data]
    prof = personas.profile(feats, result.segments, result.model.preparation.features)
    names = personas.name_personas(personas.z_profile(data, cols), default_params.personas, prof)
    return feats, result, names


def test_segments_recover_planted_archetypes(fitted, synthetic):
    _, result, _ = fitted
    m = result.segments.merge(synthetic.ground_truth, on="customer_id")
    assert result.model.k == 5
    assert adjusted_rand_score(m["archetype"], m["segment"]) >= 0.9


@pytest.mark.slow
def test_gaussian_mixture_also_recovers_them(synthetic, synthetic_tables, default_params):
    # on the whole history (features.window_days: all): within the default one-year window half the
    # wandering and a fifth of the need-based customers have a single order, and EM mixes them (k 6,
    # ARI 0.62; README, segmentation.method); k-means is not affected (test above)
    whole = default_params.features.model_copy(update={"window_days": "all"})
    feats = features.build(synthetic_tables, whole).features
    # k range around the answer and 2 bootstrap refits keep EM affordable in CI (the full range: 60 s)
    p = default_params.segmentation.model_copy(update={"method": "gmm", "k_min": 4, "k_max": 6, "bootstrap": 2})
    result = segmentation.segment(feats, p, default_params.seed)
    m = result.segments.merge(synthetic.ground_truth, on="customer_id")
    assert result.model.k == 5
    assert adjusted_rand_score(m["archetype"], m["segment"]) >= 0.7


def test_archetypes_get_matching_persona_names(fitted, synthetic):
    _, result, names = fitted
    m = result.segments.merge(synthetic.ground_truth, on="customer_id")
    majority = m.groupby("segment")["archetype"].agg(lambda s: s.value_counts().idxmax())
    named = names.set_index("segment")["persona"]
    correct = [a for seg, a in majority.items() if named[seg] == EXPECTED_NAME[a]]
    assert len(correct) == 5, pd.DataFrame({"majority": majority, "named": named})
    assert names["persona"].is_unique


def test_midas_scorecard_on_default(fitted, default_params):
    feats, result, names = fitted
    card = personas.midas(
        personas.MidasInputs(feats, result.segments, result.embedding, names, result.model.preparation.features),
        default_params.midas,
        default_params.seed,
    )
    wide = personas.midas_wide(card)
    assert len(wide) == 5 and set(card["result"]) <= {"pass", "warn", "fail"}
    assert (wide["Identifiable"] == "pass").all()  # every customer in exactly one segment; separated
    assert (wide["Measurable"] == "pass").all()
    # the wandering segment holds ~20 % of customers but about 1 % of the value: not viable
    wandering = names.loc[names["persona"] == "Wandering customers", "segment"].item()
    assert wide.set_index("segment").loc[wandering, "Viable"] == "fail"


def test_definable_rules_reproduce_each_planted_segment(fitted):
    feats, result, names = fitted
    cols = result.model.preparation.features
    rules = personas.definable_rules(feats, result.segments, cols, 42)
    fidelity = personas.segment_rules(feats, result.segments, cols, 42).set_index("segment")["fidelity"]
    assert (fidelity >= 0.9).all(), fidelity  # three questions find each planted segment
    best = rules.groupby("segment")["covers"].max()
    assert (best >= 0.8).all()  # one branch carries most of each segment
    bargain = names.loc[names["persona"] == "Bargain hunters", "segment"].item()
    assert "discounted share" in i18n.say(rules.loc[rules["segment"] == bargain].iloc[0]["rule"])


def test_prediction_beats_chance_on_a_time_holdout(synthetic_tables, default_params, fitted):
    from seglab.personas import predict

    feats, result, names = fitted
    pred = predict.predict(synthetic_tables, default_params.features, default_params.prediction, feats, 42)
    q = pred.quality
    assert q["auc"] >= 0.7, q
    assert (q["train_as_of"], q["validation_as_of"], q["as_of"]) == ("2024-07-04", "2024-10-02", "2024-12-31")
    assert q["spend_mae"] < q["spend_mae_naive"]  # better than "same as the last 90 days"
    assert len(pred.customers) == len(feats) and pred.customers["p_buy"].between(0, 1).all()
    assert (pred.customers["expected_spend"] >= 0).all()
    per = predict.per_persona(
        predict.per_segment(pred, result.segments), dict(zip(names["segment"], names["persona"], strict=True))
    )
    risk = per.set_index("persona")["churn_risk"]
    assert risk["Wandering customers"] > risk["Loyal customers"]  # rare buyers are the churn risk
    value = per.set_index("persona")
    assert value.loc["Loyal customers", "clv_per_customer"] > value.loc["Wandering customers", "clv_per_customer"]
    assert (value["clv_low"] < value["clv_per_customer"]).all() and (
        value["clv_per_customer"] < value["clv_high"]
    ).all()
    again = predict.predict(synthetic_tables, default_params.features, default_params.prediction, feats, 42)
    pd.testing.assert_frame_equal(pred.customers, again.customers)  # same data + seed: same predictions


def test_monitoring_flags_the_planted_growing_archetype(synthetic, synthetic_tables, default_params, fitted):
    from seglab import monitoring

    feats, result, names = fitted
    segments = list(range(1, result.model.k + 1))
    assigned = monitoring.track(
        monitoring.Inputs(
            synthetic_tables,
            default_params.features,
            None,
            result.model,
            default_params.monitoring,
            pd.Timestamp(feats.attrs["as_of"]),
        )
    )
    # 24 months of history: the model and each period's customers use the last 365 days, so the
    # quarters that end a year or more after the first day are monitored (5 of the 8), and growth
    # compares the last quarter with the same quarter a year earlier
    assert assigned.attrs["window_days"] == 365 and feats.attrs["window_days"] == 365
    assert assigned["period_end"].nunique() == 5
    persona = dict(zip(names["segment"], names["persona"], strict=True))
    summary = monitoring.summarise(assigned, segments, persona, default_params.monitoring, default_params.seed)
    assert summary.info["year_over_year"] and summary.info["same_season"]
    trend = summary.trend.set_index("persona")
    growing, shrinking = synthetic.meta["planted_growing"], synthetic.meta["planted_shrinking"]
    assert (growing, shrinking) == (["bargain_hunter"], ["impulse_shopper"])
    for archetype in growing:
        assert trend.loc[EXPECTED_NAME[archetype], "trend"] == "growing", summary.trend
    for archetype in shrinking:  # joins fall over the years (before, with customers counted: "stable")
        assert trend.loc[EXPECTED_NAME[archetype], "trend"] == "shrinking", summary.trend
    # planted with no growth and little churn: as many active customers, a smaller share of a base
    # that the bargain hunters make grow
    loyal = trend.loc["Loyal customers"]
    assert abs(loyal["customers_change"]) < 0.05 and loyal["share_change_high"] < 0
