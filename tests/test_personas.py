import numpy as np
import pandas as pd
import pytest

from seglab import config, personas


def test_names_are_unique_and_follow_rules():
    z = pd.DataFrame(
        {"discount_share": [2.0, -0.5, 0.1], "campaign_click_rate": [1.0, 0.0, 0.0], "avg_order_value": [-1.0, 0.5, 0.0],
         "frequency": [0.0, 2.0, -0.2], "tenure_days": [0.0, 1.0, 0.1], "monetary": [0.0, 1.5, 0.0]},
        index=[1, 2, 3],
    )
    names = personas.name_personas(z, config.Personas()).set_index("segment")
    assert names.loc[1, "archetype"] == "bargain_hunter" and names.loc[1, "persona"] == "Bargain hunters"
    assert names.loc[2, "archetype"] == "loyal"
    assert names["persona"].is_unique
    assert names.loc[3, "confidence"] == "descriptive"  # weak traits: a descriptive name


def test_custom_rules_override_defaults():
    z = pd.DataFrame({"frequency": [1.0, -1.0]}, index=[1, 2])
    p = config.Personas(rules={"heavy_buyers": {"frequency": 1.0}}, min_score=0.5)
    names = personas.name_personas(z, p).set_index("segment")
    assert names.loc[1, "persona"] == "Heavy buyers" and pd.isna(names.loc[2, "archetype"])


def test_persona_not_judged_without_its_features():
    z = pd.DataFrame({"frequency": [1.0]}, index=[1])
    scores = personas.persona_scores(z, personas.DEFAULT_RULES)
    assert np.isnan(scores.loc[1, "wandering"])  # no session features: wandering cannot be judged


def test_joined_rejects_customers_in_two_segments():
    f = pd.DataFrame({"customer_id": ["a", "b"], "monetary": [1.0, 2.0]})
    s = pd.DataFrame({"customer_id": ["a", "a", "b"], "segment": [1, 2, 1]})
    with pytest.raises(ValueError, match="more than once"):
        personas.joined(f, s)
