"""Acceptance on the default data: segmentation recovers the planted archetypes and names them."""

import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from seglab import features, personas, segment

pytestmark = pytest.mark.xdist_group("planted")  # one worker computes the shared fixtures once

EXPECTED_NAME = {
    "loyal": "Loyal customers", "impulse_shopper": "Impulse shoppers", "bargain_hunter": "Bargain hunters",
    "wandering": "Wandering customers", "need_based": "Need-based customers",
}


@pytest.fixture(scope="module")
def fitted(synthetic, synthetic_tables, default_params):
    feats = features.build(synthetic_tables, default_params.features).features
    result = segment.segment(feats, default_params.segmentation, default_params.seed)
    data = personas.joined(feats, result.segments)
    cols = [c for c in personas.PROFILE_FEATURES if c in data]
    names = personas.name_personas(personas.z_profile(data, cols), default_params.personas)
    return feats, result, names


def test_segments_recover_planted_archetypes(fitted, synthetic):
    _, result, _ = fitted
    m = result.segments.merge(synthetic.ground_truth, on="customer_id")
    assert result.model.k == 5
    assert adjusted_rand_score(m["archetype"], m["segment"]) >= 0.7


@pytest.mark.slow
def test_gaussian_mixture_also_recovers_them(fitted, synthetic, default_params):
    feats, _, _ = fitted
    # k range around the answer and 2 bootstrap refits keep EM affordable in CI (the full range: 60 s)
    p = default_params.segmentation.model_copy(update={"method": "gmm", "k_min": 4, "k_max": 6, "bootstrap": 2})
    result = segment.segment(feats, p, default_params.seed)
    m = result.segments.merge(synthetic.ground_truth, on="customer_id")
    assert result.model.k == 5
    assert adjusted_rand_score(m["archetype"], m["segment"]) >= 0.7


def test_archetypes_get_matching_persona_names(fitted, synthetic):
    _, result, names = fitted
    m = result.segments.merge(synthetic.ground_truth, on="customer_id")
    majority = m.groupby("segment")["archetype"].agg(lambda s: s.value_counts().idxmax())
    named = names.set_index("segment")["persona"]
    correct = [a for seg, a in majority.items() if named[seg] == EXPECTED_NAME[a]]
    assert len(correct) >= 4, pd.DataFrame({"majority": majority, "named": named})
    assert names["persona"].is_unique


def test_midas_scorecard_on_default(fitted, default_params):
    feats, result, names = fitted
    card = personas.midas(feats, result.segments, result.embedding, names, default_params.midas,
                          default_params.seed, result.model.preparation.features)
    wide = personas.midas_wide(card)
    assert len(wide) == 5 and set(card["result"]) <= {"pass", "warn", "fail"}
    assert (wide["Identifiable"] == "pass").all()  # every customer in exactly one segment; separated
    assert (wide["Measurable"] == "pass").all()
    # the wandering segment holds ~20 % of customers but about 1 % of the value: not viable
    wandering = names.loc[names["persona"] == "Wandering customers", "segment"].item()
    assert wide.set_index("segment").loc[wandering, "Viable"] == "fail"
