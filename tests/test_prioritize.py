import json
import re

import numpy as np
import pandas as pd
import pytest
import yaml

from seglab import config, i18n, report, vocabulary
from seglab import prioritization as pr
from seglab.files import stages


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
    assert pr.quadrant(a, w, 0.5) == expected


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
    bm, notes = pr.boston_matrix(pr.Inputs(_profile(), GROWTH, NAMES), config.Prioritization())
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
    assert (bm["action"] == bm["quadrant"].map(pr.ACTIONS)).all()
    assert bm.loc[bm["segment"] == 1, "quadrant"].item() == "Target"


def test_weights_move_segments_in_the_expected_direction():
    base = config.Prioritization()
    size_only = config.Prioritization(
        weights={"attractiveness": {"size": 1.0}, "ability_to_win": base.weights.ability_to_win}
    )
    value_only = config.Prioritization(
        weights={"attractiveness": {"value_per_customer": 1.0}, "ability_to_win": base.weights.ability_to_win}
    )
    a_size = pr.boston_matrix(pr.Inputs(_profile(), GROWTH, NAMES), size_only)[0].set_index("segment")["attractiveness"]
    a_value = pr.boston_matrix(pr.Inputs(_profile(), GROWTH, NAMES), value_only)[0].set_index("segment")[
        "attractiveness"
    ]
    assert a_size[3] > a_value[3]  # the biggest segment gains when size weighs alone
    assert a_value[1] > a_size[1]  # the most valuable per customer gains when value weighs alone
    assert a_size.idxmax() == 3 and a_value.idxmax() == 1


def test_analyst_inputs_and_overrides_are_honoured_and_recorded():
    p = config.Prioritization(
        analyst_inputs={3: {"competition": 1.0, "fit": 1.0}},
        overrides=[{"segment": 2, "quadrant": "Ignore", "reason": "brand policy excludes deal seekers"}],
    )
    plain = pr.boston_matrix(pr.Inputs(_profile(), GROWTH, NAMES), config.Prioritization())[0].set_index("segment")
    bm = pr.boston_matrix(pr.Inputs(_profile(), GROWTH, NAMES), p)[0].set_index("segment")
    assert bm.loc[3, "competition"] == 1.0 and bm.loc[3, "attractiveness"] > plain.loc[3, "attractiveness"]
    assert bm.loc[2, "quadrant"] == "Ignore" and bm.loc[2, "computed_quadrant"] == plain.loc[2, "quadrant"]
    assert bm.loc[2, "override_reason"] == "brand policy excludes deal seekers"
    assert bm.loc[1, "override_reason"] == ""


def test_override_of_unknown_segment_is_an_error():
    p = config.Prioritization(overrides=[{"segment": 9, "quadrant": "Target", "reason": "test"}])
    with pytest.raises(ValueError, match="overrides names segment 9"):
        pr.boston_matrix(pr.Inputs(_profile(), GROWTH, NAMES), p)


def test_components_without_data_are_not_measured_left_out_and_noted():
    prof = _profile().drop(
        columns=["campaign_click_rate", "browse_conversion", "reachable", "web_share", "store_share", "app_share"]
    )
    bm, notes = pr.boston_matrix(pr.Inputs(prof, GROWTH, NAMES), config.Prioritization())
    assert bm[["appeal", "coverage", "media_mix"]].isna().all().all()  # not a neutral 0.5: not measured
    assert [n.split(":")[0] for n in notes] == ["predicted value", "appeal", "coverage", "media mix"]
    # ability to win rests on credibility alone (1 - returned share: 0.99, 0.95, 0.90, min-max scaled)
    assert bm["ability_to_win"].tolist() == pytest.approx([1.0, 5 / 9, 0.0])
    assert bm["ability_to_win"].nunique() == 3  # never one constant on the threshold


def test_missing_prediction_is_not_measured_and_noted_and_a_prediction_moves_attractiveness():
    plain, notes = pr.boston_matrix(pr.Inputs(_profile(), GROWTH, NAMES), config.Prioritization())
    assert plain["predicted_value"].isna().all() and any(n.startswith("predicted value") for n in notes)
    # segment 3 is predicted to spend the most next period: its predicted value becomes 1, the others a ratio
    predicted = pd.Series({1: 1000.0, 2: 500.0, 3: 4000.0})
    bm = pr.boston_matrix(pr.Inputs(_profile(), GROWTH, NAMES, predicted), config.Prioritization())[0].set_index(
        "segment"
    )
    assert bm["predicted_value"].tolist() == [0.25, 0.125, 1.0]
    assert bm.loc[3, "attractiveness"] > plain.set_index("segment").loc[3, "attractiveness"]
    assert (bm["budget_basis"] == "predicted next-period spend").all()


def test_lifetime_value_basis_moves_value_and_budget_and_says_so():
    """With value_basis clv, the value components and the budget rest on the expected lifetime value
    (segment 3: little bought so far, most expected), the facts and the budget name it, and the
    matrix's revenue column stays the observed one."""
    life = pd.DataFrame(
        {"segment": [1, 2, 3], "clv_per_customer": [20.0, 10.0, 30.0], "clv_total": [2000.0, 3000.0, 18000.0]}
    )
    plain = pr.boston_matrix(pr.Inputs(_profile(), GROWTH, NAMES), config.Prioritization())[0].set_index("segment")
    bm = pr.boston_matrix(pr.Inputs(_profile(), GROWTH, NAMES, lifetime=life), config.Prioritization())[0]
    bm = bm.set_index("segment")
    assert bm["value_per_customer_raw"].tolist() == [20.0, 10.0, 30.0] and bm["total_value_raw"].tolist() == [
        2000.0,
        3000.0,
        18000.0,
    ]
    assert bm["revenue"].tolist() == [5000.0, 3000.0, 1000.0]  # observed, as before
    assert bm.loc[3, "attractiveness"] > plain.loc[3, "attractiveness"]
    assert (bm["budget_basis"] == "total expected lifetime value").all() and bm["basis_value"].tolist() == [
        2000.0,
        3000.0,
        18000.0,
    ]
    assert "expected lifetime value per customer" in bm.loc[3, "value_per_customer_fact"]
    assert "net value" not in bm.loc[3, "total_value_fact"]


class _Store:
    """What load_lifetime_value reads: the prediction's quality and the predictions."""

    def __init__(self, quality: dict):
        self.quality = quality

    def load(self, name):
        if name == "prediction_quality":
            return self.quality
        return pd.DataFrame({"customer_id": ["a", "b", "c"], "segment": [1, 1, 2], "clv": [10.0, 30.0, 5.0]})


@pytest.mark.parametrize(
    ("basis", "btyd_error", "available", "used"),
    [
        ("auto", 40.0, True, True),  # beats the naive forecast (50): used
        ("auto", 60.0, True, False),  # does not: observed, said why
        ("clv", 60.0, True, True),  # asked for: used, said it did not beat the naive one
        ("observed", 40.0, True, False),
        ("clv", 40.0, False, False),  # not measured: observed, said why
    ],
)
def test_value_basis_follows_the_validation(basis, btyd_error, available, used):
    q = {
        "available": True,
        "spend_mae_naive": 50.0,
        "models": {"btyd": {"spend_mae": btyd_error}},
        "lifetime": {"available": available, "clv_months": 12},
    }
    life, note = stages.load_lifetime_value(_Store(q), basis)
    text = i18n.say(note)
    assert (life is not None) == used
    if used:
        assert life.set_index("segment")["clv_total"].to_dict() == {1: 40.0, 2: 5.0}
        assert text.startswith("expected lifetime value over the next 12 months")
        assert ("did not beat" in text) == (btyd_error > 50)
    else:
        assert text.startswith("observed net value") and f"value_basis: {basis}" in text


def test_analyst_input_reason_is_kept():
    p = config.Prioritization(analyst_inputs={2: {"fit": 0.9, "reason": "our new discount brand"}})
    bm = pr.boston_matrix(pr.Inputs(_profile(), GROWTH, NAMES), p)[0].set_index("segment")
    assert bm.loc[2, "analyst_reason"] == "our new discount brand" and bm.loc[1, "analyst_reason"] == ""


def test_satisfaction_enters_credibility():
    prof = _profile().assign(
        return_share=[0.05, 0.05, 0.05],
        survey_satisfaction=[2.0, 4.0, 5.0],
        survey_satisfaction_median=[5.0, 1.0, 1.0],
        survey_satisfaction_index=[50.0, 110, 130],
    )
    bm = pr.boston_matrix(pr.Inputs(prof, GROWTH, NAMES), config.Prioritization())[0].set_index("segment")
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
    got = pr.budget(weights, np.array(value, dtype=float), 100_000)
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
    got = pr.budget(weights, value, 1000.0)
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
    bm, notes = pr.boston_matrix(pr.Inputs(prof, GROWTH, NAMES), config.Prioritization())
    assert bm["ability_to_win"].isna().all() and (bm["quadrant"] == vocabulary.NOT_PLACED).all()
    assert any("ability to win: not measured" in n for n in notes)
    assert bm["budget"].sum() == pytest.approx(100_000)  # split by attractiveness x value
    order = bm.sort_values("attractiveness", ascending=False)["segment"].tolist()
    assert pr.action_table(bm)["segment"].tolist() == order  # ranked by the measured axis
    block = pr.analyst_template(bm)
    for field in ("appeal", "coverage", "media_mix", "credibility", "competition", "fit"):
        assert f"      {field}:" in block
    assert "    1:  # Loyal customers" in block
    # the analyst's inputs complete the matrix
    inputs = {
        s: {"appeal": a, "coverage": 0.5, "media_mix": 0.5, "credibility": 0.5}
        for s, a in ((1, 0.9), (2, 0.2), (3, 0.6))
    }
    placed = pr.boston_matrix(pr.Inputs(prof, GROWTH, NAMES), config.Prioritization(analyst_inputs=inputs))[0]
    assert placed["ability_to_win"].notna().all() and (placed["quadrant"] != vocabulary.NOT_PLACED).all()


def test_each_placement_says_what_decided_it():
    bm = pr.boston_matrix(pr.Inputs(_profile(), GROWTH, NAMES), config.Prioritization())[0].set_index("segment")
    bm = report.said(bm)
    assert bm.loc[1, "decided_by"].startswith("Target. Attractive: ")
    assert "50 per customer (best of 3)" in bm.loc[1, "decided_by"] and "Easy to win: " in bm.loc[1, "decided_by"]
    assert bm.loc[1, "budget_how"].startswith("Target weight 0.45 x 5,000 observed net value")
    # the product is no amount of the budget: its share of all segments' products is, and gives the budget
    share = float(re.search(r": ([0-9.]+)% of this product summed over the segments$", bm.loc[1, "budget_how"])[1])
    assert share == pytest.approx(100 * bm.loc[1, "budget"] / bm["budget"].sum(), abs=0.05)
    with i18n.using("en", currency="EUR"):  # the amount with its currency, as every amount of the page
        euros = report.said(pr.boston_matrix(pr.Inputs(_profile(), GROWTH, NAMES), config.Prioritization())[0])
        assert euros.set_index("segment").loc[1, "budget_how"].startswith("Target weight 0.45 x €5,000 observed")


def test_neutral_judgement_calls_are_listed_as_assumptions():
    p = config.Prioritization(analyst_inputs={2: {"competition": 0.2}})
    bm = pr.boston_matrix(pr.Inputs(_profile(), GROWTH, NAMES), p)[0]
    rows = {a["subject"]: a for a in map(i18n.said, pr.assumptions(bm, p))}
    assert rows["competition (analyst)"]["assumed"] == "neutral (0.5) for S1, S3"
    assert rows["fit (analyst)"]["assumed"] == "neutral (0.5) for S1, S2, S3"
    assert rows["predicted spend"]["assumed"].startswith("not measured")


def test_budget_follows_the_final_quadrant_and_sums_to_the_total():
    p = config.Prioritization(
        overrides=[{"segment": 3, "quadrant": "Ignore", "reason": "out of scope"}], budget={"total": 1000}
    )
    bm = pr.boston_matrix(pr.Inputs(_profile(), GROWTH, NAMES), p)[0]
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
        pr.quadrant(a, w, 0.5) for a, w in zip(bm["attractiveness"], bm["ability_to_win"], strict=True)
    ]
    return bm


def test_sensitivity_finds_the_placement_on_the_edge():
    bm = _scaled(
        {
            1: [1.0] * 12,  # best on every component: Target whatever the weights
            2: [0.9, 0.1, 0.9, 0.1, 0.9, 0.1, 0.5, 0.5] + [0.8] * 4,  # attractiveness 0.5 exactly: on the edge
            3: [0.0] * 12,  # worst everywhere: Ignore whatever the weights
        }
    )
    assert bm["computed_quadrant"].tolist() == ["Target", "Target", "Ignore"]
    sens = pr.sensitivity(bm, config.Prioritization(), seed=7).set_index("segment")
    shares = sens[["share_Target", "share_Convert", "share_Grow", "share_Ignore"]]
    assert np.allclose(shares.sum(axis=1), 1.0)
    assert sens.loc[1, "stay_share"] == 1.0 and sens.loc[3, "stay_share"] == 1.0
    assert not sens.loc[1, "fragile"] and sens.loc[1, "else_most_often"] == ""
    # attractiveness on the threshold flips with small changes of the weights, to Grow (ability stays high)
    assert 0.2 < sens.loc[2, "stay_share"] < 0.8 and sens.loc[2, "fragile"] and sens.loc[2, "else_most_often"] == "Grow"
    again = pr.sensitivity(bm, config.Prioritization(), seed=7)
    pd.testing.assert_frame_equal(sens.reset_index(), again)  # same seed, same draws
    off = pr.sensitivity(bm, config.Prioritization(sensitivity={"draws": 0}), seed=7)
    assert off["stay_share"].isna().all() and '"weights"' not in "".join(off["fragile_reasons"])


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
    bm = pr.boston_matrix(pr.Inputs(_profile(), GROWTH, NAMES), base)[0]
    row = bm.iloc[0].copy()
    row["value_per_customer"], row["total_value"] = 1.0, 1.0 - 1e-12
    measured = dict.fromkeys(pr.COMPONENT_LABELS, "")
    a = pr.decided_by(row, measured, base)
    assert a == pr.decided_by(row, measured, flipped)
    row["value_per_customer"], row["total_value"] = 1.0 - 1e-12, 1.0
    assert a == pr.decided_by(row, measured, base)


# --- decisions that say what they rest on ---------------------------------------------------------

#: A 0..1 score printed with two decimals, as "what decided it" used to give them ("reach by e-mail/SMS 0.00").
SCORE = re.compile(r"(?<![\d.,])[01]\.\d\d(?![\d%])")


def test_what_decided_it_gives_the_facts_with_their_units_never_the_scores():
    """Segment 3 is the worst on reach (score 0.00) although 49 % of it may be e-mailed or texted:
    the reader is told the 49 %, where it stands among the segments, and never a 0..1 score."""
    prof = _profile().assign(reachable=[0.9, 0.8, 0.49], return_share=[0.01, 0.05, 0.2])
    with i18n.using("en", currency="EUR"):
        bm = report.said(pr.boston_matrix(pr.Inputs(prof, GROWTH, NAMES), config.Prioritization())[0]).set_index(
            "segment"
        )
    assert bm.loc[3, "coverage"] == 0.0 and bm.loc[3, "computed_quadrant"] == "Ignore"
    assert "49% reachable by e-mail or SMS (worst of 3)" in bm.loc[3, "decided_by"]
    assert bm.loc[3, "credibility_fact"] == "returns 20% of the value bought (worst of 3)"
    assert bm.loc[1, "value_per_customer_fact"] == "€50 per customer (best of 3)"
    assert bm.loc[2, "size_fact"] == "300 customers, 30% of all (2 of 3, best first)"
    assert bm.loc[2, "growth_fact"] == "share of the active customers +50% (best of 3)"  # (its change: not a count)
    assert bm.loc[1, "total_value_fact"] == "€5,000 net value, 56% of all (best of 3)"
    assert (
        bm.loc[3, "media_mix_fact"]
        == "3 of 3 channels (web 20%, store 70%, app 10%) carry at least 10% of its orders (best of 3)"
    )
    for said in bm["decided_by"]:
        assert not SCORE.search(said), said
    # the judgement calls the analyst gives are named as such, with their own scale
    given = config.Prioritization(analyst_inputs={1: {"fit": 0.9}})
    bm = report.said(pr.boston_matrix(pr.Inputs(prof, GROWTH, NAMES), given)[0]).set_index("segment")
    assert bm.loc[1, "fit_fact"] == "fit (analyst) 0.90 of 1 (the analyst's judgement) (best of 3)"
    assert bm.loc[2, "fit_fact"] == "fit (analyst) neutral (0.5): not given by the analyst (worst of 3)"


@pytest.mark.parametrize(
    ("value", "rule", "shown"),
    [
        (0.796, 0.8, "79.6%"),  # below the rule: never "80%"
        (0.7996, 0.8, "79.96%"),
        (0.79999999, 0.8, "79.9999%"),  # past the decimals it may add: rounded down, still below
        (0.8, 0.8, "80%"),
        (0.8004, 0.8, "80%"),  # on the rule's own side: may read as the rule
        (0.3996, 0.4, "39.96%"),
        (0.477, 0.4, "48%"),
        (0.0996, 0.1, "9.96%"),
    ],
)
def test_a_share_never_reads_on_the_other_side_of_its_rule(value, rule, shown):
    assert i18n.percent_beside(value, rule) == shown


@pytest.mark.parametrize("seed", range(5))
def test_a_share_beside_its_rule_reads_on_its_own_side_in_every_language(seed):
    rng = np.random.default_rng(seed)
    rules = rng.choice([0.05, 0.1, 0.4, 0.5, 0.8, 0.805], 200)
    values = np.clip(rules + rng.normal(0, 1, 200) * 10.0 ** rng.integers(-7, -1, 200), 0, 1)
    for v, rule in zip(values, rules, strict=True):
        shown = float(i18n.percent_beside(v, rule).rstrip("%"))
        assert (shown < rule * 100 - 1e-9) == (v < rule), (v, rule, shown)
        for language, zero in (("fa", "۰"), ("ar", "٠")):
            digits = i18n.percent_beside(v, rule, language=language)
            back = "".join(str(ord(ch) - ord(zero)) if zero <= ch <= chr(ord(zero) + 9) else ch for ch in digits)
            assert (
                back.replace("٫", ".").rstrip("٪") == f"{shown:g}" or float(back.replace("٫", ".").rstrip("٪")) == shown
            )


def test_a_fragile_placement_says_its_exact_share_and_the_rule():
    reasons = [{"id": "weights", "share": 0.796, "rule": 0.8, "other": "Grow"}]
    assert pr.fragility_text(json.dumps(reasons)) == [
        "kept its quadrant in 79.6% of the weight changes (fragile below 80%); otherwise mostly Grow"
    ]
    with i18n.using("fa"):
        assert "۷۹٫۶٪" in pr.fragility_text(reasons)[0]


def test_the_index_shows_the_exact_share_of_a_fragile_placement(tmp_path):
    """The index reads the matrix and the sensitivity from their CSV files: a stay share of 79.6 % is
    shown as 79.6 % with its rule, never as "kept in 80 %" (which reads as not fragile)."""
    from seglab.paths import RunPaths
    from seglab.report import pages

    p = config.Prioritization()
    bm = pr.boston_matrix(pr.Inputs(_profile(), GROWTH, NAMES), p)[0]
    sens = pr.sensitivity(bm, p, seed=1)
    sens.loc[sens["segment"] == 2, ["stay_share", "fragile"]] = [0.796, True]
    sens.loc[sens["segment"] == 2, "fragile_reasons"] = json.dumps(
        [{"id": "weights", "share": 0.796, "rule": 0.8, "other": "Target"}]
    )
    h = {}
    for key, table in (("boston", bm), ("sensitivity", sens)):
        table.to_csv(tmp_path / f"{key}.csv", index=False)
        h[key] = pd.read_csv(tmp_path / f"{key}.csv", keep_default_na=False).to_dict("records")
    ctx = pages._boston_context(h, RunPaths(tmp_path, "t"))
    row = next(r for r in ctx["rows"] if r["segment"] == "S2")
    assert row["fragile"] == [
        "kept its quadrant in 79.6% of the weight changes (fragile below 80%); otherwise mostly Target"
    ]
    for r in ctx["rows"]:
        assert not SCORE.search(r["decided_by"]), r["decided_by"]


def test_ignore_holding_forty_percent_of_the_customers_is_fragile_with_the_evidence():
    p = config.Prioritization(sensitivity={"draws": 0})
    bm = pr.boston_matrix(pr.Inputs(_profile(), GROWTH, NAMES), p)[0]
    assert bm.loc[bm["segment"] == 3, "computed_quadrant"].item() == "Ignore"  # 60 % of the customers
    sens = pr.sensitivity(bm, p, seed=1).set_index("segment")
    reasons = json.loads(sens.loc[3, "fragile_reasons"])
    assert {"id": "ignore_share", "share": 0.6, "rule": 0.4, "segments": [3]} in reasons and sens.loc[3, "fragile"]
    assert (
        "the segments placed in Ignore (S3) hold 60% of the customers (fragile at 40% or more): giving that many "
        "customers no budget needs more evidence than the matrix"
    ) in pr.fragility_text(reasons)
    for rule, flagged in ((0.6, True), (0.61, False)):  # at the rule: fragile; above the share: not for that
        q = config.Prioritization(sensitivity={"draws": 0, "fragile_ignore_share": rule})
        said = pr.sensitivity(bm, q, seed=1).set_index("segment").loc[3, "fragile_reasons"]
        assert ('"ignore_share"' in said) == flagged
    for bad in (0, 1.5):
        with pytest.raises(config.ParamsError, match="fragile_ignore_share"):
            config.validate({"prioritization": {"sensitivity": {"fragile_ignore_share": bad}}})


def test_a_placement_on_one_measured_component_is_fragile():
    """Ability to win from contact permissions alone: every placement rests on them."""
    prof = _profile().drop(
        columns=["campaign_click_rate", "browse_conversion", "web_share", "store_share", "app_share", "return_share"]
    )
    p = config.Prioritization(sensitivity={"draws": 0})
    bm = pr.boston_matrix(pr.Inputs(prof, GROWTH, NAMES), p)[0]
    sens = pr.sensitivity(bm, p, seed=1)
    assert sens["fragile"].all()
    for said in sens["fragile_reasons"]:
        assert {"id": "one_component", "axis": "ability_to_win", "component": "coverage"} in json.loads(said)
    assert (
        "ability to win rests on reach by e-mail/SMS alone: the only component of that axis measured and weighted"
        in pr.fragility_text(sens["fragile_reasons"].iloc[0])
    )


def test_a_placement_whose_side_one_component_decides_is_fragile():
    """Segment 1 is easy to win (0.53) only through its reach: without it, its other ability
    components (0.34) would make it hard to win. Segment 2 is best everywhere: nothing decides alone."""
    bm = _scaled({1: [0.8] * 8 + [0.2, 1.0, 0.5, 0.4], 2: [1.0] * 12})
    assert bm["computed_quadrant"].tolist() == ["Target", "Target"]
    sens = pr.sensitivity(bm, config.Prioritization(sensitivity={"draws": 0}), seed=1)
    assert json.loads(sens["fragile_reasons"].iloc[0]) == [
        {"id": "decides", "axis": "ability_to_win", "component": "coverage", "high": True}
    ]
    assert pr.fragility_text(sens["fragile_reasons"].iloc[0]) == [
        "without reach by e-mail/SMS, the other components of ability to win would make it hard to win"
    ]
    assert sens["fragile"].tolist() == [True, False]


def _outcome_data():
    """30 customers in 3 segments of 10: churn in 1, 3 and 6 of them; a call duration (no direction);
    a response unknown for two customers of segment 2."""
    ids = [f"c{i:02d}" for i in range(30)]
    feats = pd.DataFrame(
        {
            "customer_id": ids,
            "churn": [1] + [0] * 9 + [1] * 3 + [0] * 7 + [1] * 6 + [0] * 4,
            "duration": np.arange(30, dtype=float),
            "response": [1.0] * 5 + [0.0] * 5 + [1.0, np.nan, np.nan] + [0.0] * 7 + [0.0] * 10,
        }
    )
    feats.attrs["outcomes"] = {
        "churn": {"label": "Churn", "direction": "bad", "kind": "flag"},
        "duration": {"label": "call duration", "direction": None, "kind": "number"},
        "response": {"label": "Response", "direction": "good", "kind": "flag"},
    }
    return feats, pd.DataFrame({"customer_id": ids, "segment": [1] * 10 + [2] * 10 + [3] * 10})


def test_outcome_rates_are_shown_per_segment_and_can_enter_attractiveness():
    feats, segments = _outcome_data()
    rates = pr.outcome_rates(feats, segments, feats.attrs["outcomes"])
    churn = rates[rates["outcome"] == "churn"].set_index("segment")
    assert churn["rate"].tolist() == pytest.approx([0.1, 0.3, 0.6]) and churn["base_rate"].iloc[0] == pytest.approx(
        1 / 3
    )
    response = rates[rates["outcome"] == "response"].set_index("segment")
    assert response.loc[2, "known"] == 8 and response.loc[2, "rate"] == pytest.approx(1 / 8)
    assert rates.groupby("outcome")["customers"].sum().eq(30).all()  # every customer counted
    table = pr.outcome_table(rates, NAMES).set_index("persona")
    assert table.loc["Loyal customers", "Churn (lower is better)"] == "10%"
    assert table.loc["all customers", "Churn (lower is better)"] == "33%"
    assert table.loc["Bargain hunters", "Response (higher is better)"] == "12% (of 8 known)"
    assert table.loc["Need-based customers", "call duration (direction unknown)"] == "24.50"
    # weight 0 by default: shown, not ranked by; the page prints the line that puts it in
    plain = pr.boston_matrix(pr.Inputs(_profile(), GROWTH, NAMES), config.Prioritization())[0]
    shown, _notes = pr.boston_matrix(pr.Inputs(_profile(), GROWTH, NAMES, outcomes=rates), config.Prioritization())
    assert shown["attractiveness"].tolist() == plain["attractiveness"].tolist()
    b = pr.basis(shown, config.Prioritization())
    assert b["outcome_line"] == (
        "prioritization.weights.attractiveness: {size: 1, growth: 1, value_per_customer: 1, total_value: 1, "
        "predicted_value: 1, competition: 0.5, fit: 0.5, outcome: 1}"
    )
    assert b["direction_line"] == "prioritization.outcomes: {duration: good | bad}"
    assert any(
        a["assumed"] == "an outcome: shown per segment, not in attractiveness"
        for a in pr.assumptions(shown, config.Prioritization())
    )
    assert f"`{b['outcome_line']}`" in pr.basis_markdown(b)
    texts = [i["text"] for i in pr.basis_text(b)]
    assert texts == [
        "Shown per segment, not in attractiveness (the weight of outcome is 0): Churn (lower is better), "
        "Response (higher is better).",
        "Shown per segment, not in attractiveness (their direction is unknown): call duration.",
    ]
    # the printed line, as the analyst would paste it, puts the outcomes in attractiveness
    weights = yaml.safe_load(b["outcome_line"].split(": ", 1)[1])
    on = config.Prioritization(weights={"attractiveness": weights, "ability_to_win": config.Weights().ability_to_win})
    ranked, _notes = pr.boston_matrix(pr.Inputs(_profile(), GROWTH, NAMES, outcomes=rates), on)
    a_on, a_off = ranked.set_index("segment")["attractiveness"], plain.set_index("segment")["attractiveness"]
    assert a_on[1] > a_off[1] and a_on[3] < a_off[3]  # least churn and most response gain; the most churn loses
    assert "Churn 10% (all customers 33%)" in i18n.say(ranked.set_index("segment").loc[1, "outcome_fact"])
    assert pr.basis(ranked, on)["outcomes"][0]["enters"]


def test_an_outcome_direction_can_be_declared_and_an_unknown_outcome_is_refused():
    feats, segments = _outcome_data()
    rates = pr.outcome_rates(feats, segments, feats.attrs["outcomes"], {"duration": "good"})
    d = rates[rates["outcome"] == "duration"].iloc[0]
    assert d["direction"] == "good" and d["direction_from"] == "parameter"
    with pytest.raises(ValueError, match="prioritization.outcomes names 'churned'.*churn"):
        pr.outcome_rates(feats, segments, feats.attrs["outcomes"], {"churned": "bad"})
    assert pr.outcome_rates(feats, segments, None).empty  # no outcome column: nothing to show
    assert "outcomes" in stages.FEATURE_META  # stage 02 passes them on in features_meta.json


def test_a_ranking_by_size_alone_says_so_and_what_would_add_information():
    prof = _profile().assign(revenue=np.nan, value_per_customer=np.nan)
    no_growth = pd.Series(np.nan, index=[1, 2, 3])
    p = config.Prioritization()
    bm = pr.boston_matrix(pr.Inputs(prof, no_growth, NAMES), p)[0]
    b = pr.basis(bm, p)
    assert b["size_only"] and b["axes"]["attractiveness"] == ["size"]
    [item] = [i for i in pr.basis_text(b) if i["kind"] == "size_only"]
    assert item["text"].startswith("Ranked by size only")
    lines = {x["label"]: x.get("code") or x.get("text") for x in item["lines"]}
    assert lines["value per customer"] == "source.tables.customers.roles.value: [<money column>]"
    assert lines["growth"] == "order lines over time (a transactions table)"
    assert lines["competition (analyst)"] == "prioritization.analyst_inputs.<segment>.competition: 0..1"
    assert "Ranked by size only" in pr.basis_markdown(b)
    rows = {a["subject"]: a for a in map(i18n.said, pr.assumptions(bm, p))}
    assert rows["attractiveness"]["assumed"] == "size only: the segments are ranked by their number of customers"
    # weights that leave size alone say so too, with the line that weighs the value again
    only = config.Prioritization(weights={"attractiveness": {"size": 1.0}, "ability_to_win": p.weights.ability_to_win})
    b = pr.basis(pr.boston_matrix(pr.Inputs(_profile(), GROWTH, NAMES), only)[0], only)
    assert b["size_only"]
    assert {
        "component": "value_per_customer",
        "line": "prioritization.weights.attractiveness: {size: 1, value_per_customer: 1}",
    } in b["would_add"]
    # with the value known and weighted, it is not size alone
    assert not pr.basis(pr.boston_matrix(pr.Inputs(_profile(), GROWTH, NAMES), p)[0], p)["size_only"]


def test_the_index_says_ranked_by_size_only_and_shows_the_outcomes(tmp_path):
    """What the index reads back from the run's files (CSV and JSON, as written) says the ranking
    is by size alone, with what would add information, and shows each outcome's rate per segment
    beside the base rate, with the line that ranks by it."""
    from seglab.paths import RunPaths
    from seglab.report import pages

    feats, segments = _outcome_data()
    rates = pr.outcome_rates(feats, segments, feats.attrs["outcomes"])
    prof = _profile().assign(revenue=np.nan, value_per_customer=np.nan)
    prof = prof.drop(columns=["campaign_click_rate", "browse_conversion", "reachable", "web_share", "store_share"])
    prof = prof.drop(columns=["app_share", "return_share"])
    p = config.Prioritization()
    bm = pr.boston_matrix(pr.Inputs(prof, pd.Series(np.nan, index=[1, 2, 3]), NAMES, outcomes=rates), p)[0]
    sens = pr.sensitivity(bm, p, seed=1)
    h = {"boston_basis": json.loads(json.dumps(pr.basis(bm, p)))}
    for key, table in (("boston", bm), ("sensitivity", sens), ("outcome_rates", rates)):
        table.to_csv(tmp_path / f"{key}.csv", index=False)
        h[key] = pd.read_csv(tmp_path / f"{key}.csv", keep_default_na=False).to_dict("records")
    ctx = pages._boston_context(h, RunPaths(tmp_path, "t"))
    [size_only] = ctx["size_only"]
    assert size_only["text"].startswith("Ranked by size only")
    assert {"label": "total value", "code": "source.tables.customers.roles.value: [<money column>]"} in size_only[
        "lines"
    ]
    assert pages.lead_line(h)["todo"][0] == (
        "Largest (ranked by size only)",
        "Need-based customers, Bargain hunters, Loyal customers",
    )
    table = pd.DataFrame(ctx["outcomes"]["data"], columns=ctx["outcomes"]["columns"]).set_index("persona")
    assert table.loc["all customers", "Churn (lower is better)"] == "33%"
    assert table.loc["Loyal customers", "Churn (lower is better)"] == "10%"
    [shown, unknown] = ctx["outcome_notes"]
    assert shown["lines"][0]["code"].endswith("outcome: 1}") and unknown["lines"][0]["code"].startswith(
        "prioritization.outcomes:"
    )
