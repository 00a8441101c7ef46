import numpy as np
import pandas as pd
import pytest

from seglab import config, prioritize, vocabulary


@pytest.mark.parametrize(
    ("a", "w", "expected"),
    [
        (0.5, 0.5, "Target"),
        (0.9, 0.9, "Target"),
        (0.5, 0.49, "Convert"),
        (0.99, 0.0, "Convert"),
        (0.49, 0.5, "Grow"),
        (0.0, 1.0, "Grow"),
        (0.49, 0.49, "Ignore"),
        (0.0, 0.0, "Ignore"),
    ],
)
def test_quadrant_boundaries(a, w, expected):
    assert prioritize.quadrant(a, w, 0.5) == expected


def _profile():
    return pd.DataFrame(
        {
            "segment": [1, 2, 3],
            "customers": [100, 300, 600],
            "customer_share": [0.1, 0.3, 0.6],
            "revenue": [5000.0, 3000.0, 1000.0],
            "value_per_customer": [50.0, 10.0, 1.67],
            "campaign_click_rate": [0.3, 0.1, 0.05],
            "browse_conversion": [0.5, 0.3, 0.1],
            "reachable": [0.9, 0.6, 0.3],
            "web_share": [0.5, 0.9, 0.2],
            "store_share": [0.3, 0.05, 0.7],
            "app_share": [0.2, 0.05, 0.1],
            "return_share": [0.01, 0.05, 0.1],
        }
    )


NAMES = pd.DataFrame({"segment": [1, 2, 3], "persona": ["Loyal customers", "Bargain hunters", "Need-based customers"]})
GROWTH = pd.Series([0.0, 0.5, -0.2], index=[1, 2, 3])


def test_matrix_columns_and_actions():
    bm, notes = prioritize.boston_matrix(_profile(), GROWTH, NAMES, config.Prioritization())
    assert [n.split(":")[0] for n in notes] == ["predicted value"]  # no prediction given
    for col in (
        "size",
        "growth",
        "value_per_customer",
        "total_value",
        "competition",
        "fit",
        "appeal",
        "coverage",
        "media_mix",
        "credibility",
        "attractiveness",
        "ability_to_win",
        "quadrant",
        "action",
    ):
        assert col in bm
    assert bm["attractiveness"].between(0, 1).all() and bm["ability_to_win"].between(0, 1).all()
    assert (bm["action"] == bm["quadrant"].map(prioritize.ACTIONS)).all()
    assert bm.loc[bm["segment"] == 1, "quadrant"].item() == "Target"


def test_weights_move_segments_in_the_expected_direction():
    base = config.Prioritization()
    size_only = config.Prioritization(
        weights={"attractiveness": {"size": 1.0}, "ability_to_win": base.weights.ability_to_win}
    )
    value_only = config.Prioritization(
        weights={"attractiveness": {"value_per_customer": 1.0}, "ability_to_win": base.weights.ability_to_win}
    )
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


def test_components_without_data_are_not_measured_left_out_and_noted():
    prof = _profile().drop(
        columns=["campaign_click_rate", "browse_conversion", "reachable", "web_share", "store_share", "app_share"]
    )
    bm, notes = prioritize.boston_matrix(prof, GROWTH, NAMES, config.Prioritization())
    assert bm[["appeal", "coverage", "media_mix"]].isna().all().all()  # not a neutral 0.5: not measured
    assert [n.split(":")[0] for n in notes] == ["predicted value", "appeal", "coverage", "media mix"]
    # ability to win rests on credibility alone (1 - returned share: 0.99, 0.95, 0.90, min-max scaled)
    assert bm["ability_to_win"].tolist() == pytest.approx([1.0, 5 / 9, 0.0])
    assert bm["ability_to_win"].nunique() == 3  # never one constant on the threshold


def test_missing_prediction_is_not_measured_and_noted_and_a_prediction_moves_attractiveness():
    plain, notes = prioritize.boston_matrix(_profile(), GROWTH, NAMES, config.Prioritization())
    assert plain["predicted_value"].isna().all() and any(n.startswith("predicted value") for n in notes)
    # segment 3 is predicted to spend the most next period: its predicted value becomes 1, the others a ratio
    predicted = pd.Series({1: 1000.0, 2: 500.0, 3: 4000.0})
    bm = prioritize.boston_matrix(_profile(), GROWTH, NAMES, config.Prioritization(), predicted)[0].set_index("segment")
    assert bm["predicted_value"].tolist() == [0.25, 0.125, 1.0]
    assert bm.loc[3, "attractiveness"] > plain.set_index("segment").loc[3, "attractiveness"]
    assert (bm["budget_basis"] == "predicted next-period spend").all()


def test_analyst_input_reason_is_kept():
    p = config.Prioritization(analyst_inputs={2: {"fit": 0.9, "reason": "our new discount brand"}})
    bm = prioritize.boston_matrix(_profile(), GROWTH, NAMES, p)[0].set_index("segment")
    assert bm.loc[2, "analyst_reason"] == "our new discount brand" and bm.loc[1, "analyst_reason"] == ""


def test_satisfaction_enters_credibility():
    prof = _profile().assign(
        return_share=[0.05, 0.05, 0.05],
        survey_satisfaction=[2.0, 4.0, 5.0],
        survey_satisfaction_median=[5.0, 1.0, 1.0],
        survey_satisfaction_index=[50.0, 110, 130],
    )
    bm = prioritize.boston_matrix(prof, GROWTH, NAMES, config.Prioritization())[0].set_index("segment")
    assert bm["credibility"].is_monotonic_increasing and bm.loc[1, "credibility"] == 0.0


@pytest.mark.parametrize(
    ("quadrants", "value", "expected"),
    [
        # budget proportional to quadrant weight x value: 0.45*3, 0.45*1, 0.35*5, 0.2*5, 0 (sum 4.55)
        (
            ["Target", "Target", "Convert", "Grow", "Ignore"],
            [3, 1, 5, 5, 9],
            [100_000 * 1.35 / 4.55, 100_000 * 0.45 / 4.55, 100_000 * 1.75 / 4.55, 100_000 * 1.0 / 4.55, 0],
        ),
        # the inversion of the old rule: a lone Grow segment with 7 % of value no longer gets more than a
        # Target segment with 26 %
        (
            ["Target", "Grow", "Ignore"],
            [26, 7, 67],
            [100_000 * 0.45 * 26 / (0.45 * 26 + 0.2 * 7), 100_000 * 0.2 * 7 / (0.45 * 26 + 0.2 * 7), 0],
        ),
        # zero value everywhere: by the weights alone
        (["Target", "Target"], [0, 0], [50_000, 50_000]),
        # only Ignore: nothing is spent
        (["Ignore", "Ignore"], [5, 1], [0, 0]),
    ],
)
def test_budget_policy(quadrants, value, expected):
    weights = pd.Series(quadrants).map(config.Budget().quadrant_weights).to_numpy(dtype=float)
    got = prioritize.budget(weights, np.array(value, dtype=float), 100_000)
    assert got == pytest.approx(expected)


def _priority(q: str) -> int:
    return list(vocabulary.QUADRANTS).index(q)


@pytest.mark.parametrize("seed", range(20))
def test_budget_never_favours_a_lower_quadrant_or_a_smaller_value(seed):
    """No segment gets more than a segment of at least equal value in a higher-priority quadrant."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 9))
    quadrants = rng.choice(list(vocabulary.QUADRANTS), n)
    value = rng.gamma(1.0, 100.0, n)
    weights = pd.Series(quadrants).map(config.Budget().quadrant_weights).to_numpy(dtype=float)
    got = prioritize.budget(weights, value, 1000.0)
    for i in range(n):
        for j in range(n):
            if value[j] >= value[i] and _priority(quadrants[j]) <= _priority(quadrants[i]):
                assert got[j] >= got[i] - 1e-9, (quadrants, value, got)


def test_without_ability_data_segments_are_ranked_not_placed_and_inputs_are_asked():
    prof = _profile().drop(
        columns=[
            "campaign_click_rate",
            "browse_conversion",
            "reachable",
            "web_share",
            "store_share",
            "app_share",
            "return_share",
        ]
    )
    bm, notes = prioritize.boston_matrix(prof, GROWTH, NAMES, config.Prioritization())
    assert bm["ability_to_win"].isna().all() and (bm["quadrant"] == prioritize.NOT_PLACED).all()
    assert any("ability to win: not measured" in n for n in notes)
    assert bm["budget"].sum() == pytest.approx(100_000)  # split by attractiveness x value
    order = bm.sort_values("attractiveness", ascending=False)["segment"].tolist()
    assert prioritize.action_table(bm)["segment"].tolist() == order  # ranked by the measured axis
    block = prioritize.analyst_template(bm)
    for field in ("appeal", "coverage", "media_mix", "credibility", "competition", "fit"):
        assert f"      {field}:" in block
    assert "    1:  # Loyal customers" in block
    # the analyst's inputs complete the matrix
    inputs = {
        s: {"appeal": a, "coverage": 0.5, "media_mix": 0.5, "credibility": 0.5}
        for s, a in ((1, 0.9), (2, 0.2), (3, 0.6))
    }
    placed = prioritize.boston_matrix(prof, GROWTH, NAMES, config.Prioritization(analyst_inputs=inputs))[0]
    assert placed["ability_to_win"].notna().all() and (placed["quadrant"] != prioritize.NOT_PLACED).all()


def test_each_placement_says_what_decided_it():
    bm = prioritize.boston_matrix(_profile(), GROWTH, NAMES, config.Prioritization())[0].set_index("segment")
    assert bm.loc[1, "decided_by"].startswith("Target: attractive (")
    assert "value per customer 1.00" in bm.loc[1, "decided_by"] and "easy to win" in bm.loc[1, "decided_by"]
    assert bm.loc[1, "budget_how"].startswith("Target weight 0.45 x 5,000 observed net value")


def test_neutral_judgement_calls_are_listed_as_assumptions():
    p = config.Prioritization(analyst_inputs={2: {"competition": 0.2}})
    bm = prioritize.boston_matrix(_profile(), GROWTH, NAMES, p)[0]
    rows = {a["subject"]: a for a in prioritize.assumptions(bm, p)}
    assert rows["competition (analyst)"]["assumed"] == "neutral (0.5) for S1, S3"
    assert rows["fit (analyst)"]["assumed"] == "neutral (0.5) for S1, S2, S3"
    assert rows["predicted spend"]["assumed"].startswith("not measured")


def test_budget_follows_the_final_quadrant_and_sums_to_the_total():
    p = config.Prioritization(
        overrides=[{"segment": 3, "quadrant": "Ignore", "reason": "out of scope"}], budget={"total": 1000}
    )
    bm = prioritize.boston_matrix(_profile(), GROWTH, NAMES, p)[0]
    assert bm.loc[bm["segment"] == 3, "budget"].item() == 0.0
    assert bm["budget"].sum() == pytest.approx(1000.0) and bm["budget_share"].sum() == pytest.approx(1.0)


def _scaled(rows: dict[int, list[float]]) -> pd.DataFrame:
    """A matrix from scaled components: attractiveness components then ability components."""
    comps = [*config.ATTRACTIVENESS_COMPONENTS, *config.ABILITY_COMPONENTS]
    bm = pd.DataFrame([dict(zip(comps, v, strict=True)) for v in rows.values()])
    bm.insert(0, "segment", list(rows))
    bm.insert(1, "persona", [f"P{s}" for s in rows])
    p = config.Prioritization()
    for axis, weights in (("attractiveness", p.weights.attractiveness), ("ability_to_win", p.weights.ability_to_win)):
        bm[axis] = sum(w * bm[c] for c, w in weights.items()) / sum(weights.values())
    bm["computed_quadrant"] = [
        prioritize.quadrant(a, w, 0.5) for a, w in zip(bm["attractiveness"], bm["ability_to_win"], strict=True)
    ]
    return bm


def test_sensitivity_finds_the_placement_on_the_edge():
    bm = _scaled(
        {
            1: [1.0] * 11,  # best on every component: Target whatever the weights
            2: [0.9, 0.1, 0.9, 0.1, 0.9, 0.1, 0.5] + [0.8] * 4,  # attractiveness 0.5 exactly: on the edge
            3: [0.0] * 11,  # worst everywhere: Ignore whatever the weights
        }
    )
    assert bm["computed_quadrant"].tolist() == ["Target", "Target", "Ignore"]
    sens = prioritize.sensitivity(bm, config.Prioritization(), seed=7).set_index("segment")
    shares = sens[["share_Target", "share_Convert", "share_Grow", "share_Ignore"]]
    assert np.allclose(shares.sum(axis=1), 1.0)
    assert sens.loc[1, "stay_share"] == 1.0 and sens.loc[3, "stay_share"] == 1.0
    assert not sens.loc[1, "fragile"] and sens.loc[1, "else_most_often"] == ""
    # attractiveness on the threshold flips with small changes of the weights, to Grow (ability stays high)
    assert 0.2 < sens.loc[2, "stay_share"] < 0.8 and sens.loc[2, "fragile"] and sens.loc[2, "else_most_often"] == "Grow"
    again = prioritize.sensitivity(bm, config.Prioritization(), seed=7)
    pd.testing.assert_frame_equal(sens.reset_index(), again)  # same seed, same draws
    off = prioritize.sensitivity(bm, config.Prioritization(sensitivity={"draws": 0}), seed=7)
    assert not off["fragile"].any()


def test_budget_weights_must_be_valid():
    with pytest.raises(ValueError, match="at least one weight must be positive"):
        config.Budget(quadrant_weights={"Target": 0, "Ignore": 0})
    with pytest.raises(ValueError, match="Grow .* above Convert"):
        config.Budget(quadrant_weights={"Target": 0.5, "Convert": 0.1, "Grow": 0.4, "Ignore": 0})


def test_what_decided_a_place_does_not_depend_on_the_order_of_the_weights():
    """Components that tie as printed (1.00 and 1.00) are named in one fixed order, whatever the
    order of the weights in the parameters file (a YAML dump sorts them) or float noise below 0.01."""
    base = config.Prioritization()
    weights = base.weights.model_dump()
    flipped = config.Prioritization(
        weights={axis: dict(reversed(list(w.items()))) for axis, w in weights.items() if isinstance(w, dict)}
    )
    bm = prioritize.boston_matrix(_profile(), GROWTH, NAMES, base)[0]
    row = bm.iloc[0].copy()
    row["value_per_customer"], row["total_value"] = 1.0, 1.0 - 1e-12
    measured = dict.fromkeys(prioritize.COMPONENT_LABELS, "")
    a = prioritize.decided_by(row, measured, base)
    assert a == prioritize.decided_by(row, measured, flipped)
    row["value_per_customer"], row["total_value"] = 1.0 - 1e-12, 1.0
    assert a == prioritize.decided_by(row, measured, base)
