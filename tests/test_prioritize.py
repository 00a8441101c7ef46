import pandas as pd
import pytest

from seglab import config, prioritize


@pytest.mark.parametrize(
    ("a", "w", "expected"),
    [
        (0.5, 0.5, "Target"), (0.9, 0.9, "Target"), (0.5, 0.49, "Convert"), (0.99, 0.0, "Convert"),
        (0.49, 0.5, "Grow"), (0.0, 1.0, "Grow"), (0.49, 0.49, "Ignore"), (0.0, 0.0, "Ignore"),
    ],
)
def test_quadrant_boundaries(a, w, expected):
    assert prioritize.quadrant(a, w, 0.5) == expected


def _profile():
    return pd.DataFrame({
        "segment": [1, 2, 3],
        "customers": [100, 300, 600],
        "customer_share": [0.1, 0.3, 0.6],
        "revenue": [5000.0, 3000.0, 1000.0],
        "value_per_customer": [50.0, 10.0, 1.67],
        "campaign_click_rate": [0.3, 0.1, 0.05],
        "browse_conversion": [0.5, 0.3, 0.1],
        "reachable": [0.9, 0.6, 0.3],
        "web_share": [0.5, 0.9, 0.2], "store_share": [0.3, 0.05, 0.7], "app_share": [0.2, 0.05, 0.1],
        "return_share": [0.01, 0.05, 0.1],
    })


NAMES = pd.DataFrame({"segment": [1, 2, 3], "persona": ["Loyal customers", "Bargain hunters", "Need-based customers"]})
GROWTH = pd.Series([0.0, 0.5, -0.2], index=[1, 2, 3])


def test_matrix_columns_and_actions():
    bm, notes = prioritize.boston_matrix(_profile(), GROWTH, NAMES, config.Prioritization())
    assert notes == []
    for col in ("size", "growth", "value_per_customer", "total_value", "competition", "fit", "appeal", "coverage",
                "media_mix", "credibility", "attractiveness", "ability_to_win", "quadrant", "action"):
        assert col in bm
    assert bm["attractiveness"].between(0, 1).all() and bm["ability_to_win"].between(0, 1).all()
    assert (bm["action"] == bm["quadrant"].map(prioritize.ACTIONS)).all()
    assert bm.loc[bm["segment"] == 1, "quadrant"].item() == "Target"


def test_weights_move_segments_in_the_expected_direction():
    base = config.Prioritization()
    size_only = config.Prioritization(weights={"attractiveness": {"size": 1.0}, "ability_to_win": base.weights.ability_to_win})
    value_only = config.Prioritization(weights={"attractiveness": {"value_per_customer": 1.0},
                                                "ability_to_win": base.weights.ability_to_win})
    a_size = prioritize.boston_matrix(_profile(), GROWTH, NAMES, size_only)[0].set_index("segment")["attractiveness"]
    a_value = prioritize.boston_matrix(_profile(), GROWTH, NAMES, value_only)[0].set_index("segment")["attractiveness"]
    assert a_size[3] > a_value[3]  # the biggest segment gains when size weighs alone
    assert a_value[1] > a_size[1]  # the most valuable per customer gains when value weighs alone
    assert a_size.idxmax() == 3 and a_value.idxmax() == 1


def test_analyst_inputs_and_overrides_are_honoured_and_recorded():
    p = config.Prioritization(
        analyst_inputs={3: {"competition": 1.0, "fit": 1.0}},
        overrides=[{"segment": 2, "quadrant": "Ignore", "reason": "brand policy excludes deal seekers"}],
    )
    plain = prioritize.boston_matrix(_profile(), GROWTH, NAMES, config.Prioritization())[0].set_index("segment")
    bm = prioritize.boston_matrix(_profile(), GROWTH, NAMES, p)[0].set_index("segment")
    assert bm.loc[3, "competition"] == 1.0 and bm.loc[3, "attractiveness"] > plain.loc[3, "attractiveness"]
    assert bm.loc[2, "quadrant"] == "Ignore" and bm.loc[2, "computed_quadrant"] == plain.loc[2, "quadrant"]
    assert bm.loc[2, "override_reason"] == "brand policy excludes deal seekers"
    assert bm.loc[1, "override_reason"] == ""


def test_override_of_unknown_segment_is_an_error():
    p = config.Prioritization(overrides=[{"segment": 9, "quadrant": "Target", "reason": "test"}])
    with pytest.raises(ValueError, match="overrides names segment 9"):
        prioritize.boston_matrix(_profile(), GROWTH, NAMES, p)


def test_missing_data_components_are_neutral_and_noted():
    prof = _profile().drop(columns=["campaign_click_rate", "browse_conversion", "reachable", "web_share", "store_share", "app_share"])
    bm, notes = prioritize.boston_matrix(prof, GROWTH, NAMES, config.Prioritization())
    assert (bm["appeal"] == 0.5).all() and (bm["coverage"] == 0.5).all() and (bm["media_mix"] == 0.5).all()
    assert len(notes) == 3


def test_segment_growth_counts_active_customers():
    tx = pd.DataFrame({
        "customer_id": ["a", "b", "b", "c", "d"],
        "timestamp": pd.to_datetime(["2024-03-01", "2024-03-01", "2024-09-01", "2024-09-01", "2024-10-01"]),
        "quantity": [1.0, 1, 1, 1, 1], "unit_price": [1.0, 1, 1, 1, 1], "discount": [0.0, 0, 0, 0, 0],
    })
    segs = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "segment": [1, 1, 2, 2]})
    g = prioritize.segment_growth(tx, segs, 6, pd.Timestamp("2024-12-31"))
    assert g[1] == pytest.approx(-0.5)  # 2 active before, 1 recently
    assert g[2] == 1.0  # nobody before, 2 recently: new segment counts as +100 %
