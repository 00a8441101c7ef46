import numpy as np
import pandas as pd
import pytest

from seglab import config, i18n, personas


def test_names_are_unique_and_follow_rules():
    z = pd.DataFrame(
        {
            "discount_share": [2.0, -0.5, 0.1],
            "campaign_click_rate": [1.0, 0.0, 0.0],
            "avg_order_value": [-1.0, 0.5, 0.0],
            "frequency": [0.0, 2.0, -0.2],
            "tenure_days": [0.0, 1.0, 0.1],
            "monetary": [0.0, 1.5, 0.0],
        },
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


def _two_groups():
    f = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(8)],
            "frequency": [1, 2, 2, 3, 8, 9, 10, 12],
            "discount_share": [0.9, 0.8, 0.7, 0.95, 0.1, 0.0, 0.05, 0.2],
            "gender=female": [1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0],
            "email_opt_in": [True, True, False, False, True, True, True, True],
        }
    )
    s = pd.DataFrame({"customer_id": f["customer_id"], "segment": [1, 1, 1, 1, 2, 2, 2, 2]})
    return f, s


def test_definable_rules_in_plain_words():
    f, s = _two_groups()
    rules = personas.definable_rules(f, s, ["frequency"], seed=1)
    assert list(rules["segment"]) == [1, 2]
    # the split of the tree (frequency <= 5.5) read in whole orders
    said = rules["rule"].map(i18n.say)
    assert said[0] == "orders at most 5" and said[1] == "orders at least 6"
    assert (rules["precision"] == 1.0).all() and (rules["covers"] == 1.0).all()
    fid = personas.segment_rules(f, s, ["frequency"], seed=1)
    text = personas.rules_markdown(rules, fid, {1: "Bargain hunters", 2: "Loyal customers"})
    assert "**S1 · Bargain hunters** (fidelity 1.00)" in text
    assert "- IF orders at most 5 THEN S1: selects 4 customers, 100% of them in S1; covers 100% of S1" in text


def test_rule_conditions_merge_ranges_and_name_levels():
    v = pd.Series([0.0, 0.25, 0.5, 1.0])

    def text(*args):
        return i18n.say(personas.explain._threshold_text(*args))

    assert text("discount_share", v, 0.125, 0.6) == "discounted share between 12% and 60%"
    assert text("gender=female", pd.Series([0.0, 1.0]), None, 0.5) == "gender is not female"
    assert text("gender=female", pd.Series([0.0, 1.0]), 0.5, None) == "gender is female"
    assert text("frequency", pd.Series([1.0, 4.0, 9.0]), 2.5, 6.5) == "orders from 3 to 6"


def test_effect_size_by_hand():
    f, s = _two_groups()
    d = personas.distinguishing(f, s, ["frequency"], n=1).set_index("segment")
    a, b = f["frequency"][:4], f["frequency"][4:]
    pooled = np.sqrt((3 * a.var() + 3 * b.var()) / 6)
    assert d.loc[1, "effect_size"] == pytest.approx((a.mean() - b.mean()) / pooled)
    assert d.loc[2, "effect_size"] == pytest.approx(-(a.mean() - b.mean()) / pooled)


def test_contact_plan_never_emails_without_permission():
    f, s = _two_groups()
    data = personas.joined(f, s)
    plan = i18n.said(personas.contact_plan(data, 1, "web"))
    assert plan["email_permission_share"] == 0.5
    assert plan["contact"].startswith("E-mail to the 50% who allowed it (never to the other 50%)")
    none = i18n.said(personas.contact_plan(data.drop(columns=["email_opt_in"]), 1, "store"))
    assert "do not e-mail or text anyone whose permission is not recorded" in none["contact"]
    assert "on the store channel" in none["contact"]
    unknown = i18n.said(personas.contact_plan(data.drop(columns=["email_opt_in"]), 1, personas.NO_CHANNEL))
    assert "in the channel where they buy" in unknown["contact"]


def test_attribute_mix_shares_and_base_row():
    f, s = _two_groups()
    mix = personas.attribute_mix(f, s).set_index("segment")
    assert mix.loc[1, "gender=female"] == 0.75 and mix.loc[2, "gender=female"] == 0.25
    assert mix.loc["all", "email_opt_in"] == 0.75


def test_profile_indexes_means_and_medians_against_the_base():
    feats = pd.DataFrame(
        {"customer_id": list("abcdef"), "monetary": [1.0, 1, 10, 2, 2, 2], "frequency": [1, 1, 1, 3, 3, 3]}
    )
    segs = pd.DataFrame({"customer_id": list("abcdef"), "segment": [1, 1, 1, 2, 2, 2]})
    prof = personas.profile(feats, segs).set_index("segment")
    # monetary: base mean 3, base median 2; segment 1 mean 4 (one big spender), median 1
    assert prof.loc[1, "monetary_index"] == pytest.approx(400 / 3)
    assert prof.loc[1, "monetary_median"] == 1.0 and prof.loc[1, "monetary_median_index"] == pytest.approx(50.0)
    assert prof.loc[2, "monetary_median_index"] == pytest.approx(100.0)
    assert prof.loc[1, "revenue_share"] == pytest.approx(12 / 18)


def test_the_profile_view_shows_shares_as_percentages_that_survive_whole_number_formatting():
    """The stage page formats the profile view with whole numbers: a 14 % share must not read 0."""
    import pandas as pd

    prof = pd.DataFrame(
        {
            "segment": [1, 2],
            "customers": [14, 86],
            "customer_share": [0.14, 0.86],
            "revenue_share": [0.6, 0.4],
            "value_per_customer": [50.0, 5.0],
        }
    )
    view = personas.profile_view(prof, [])
    row = view.set_index("measure")
    assert row.loc["% of customers"].round(9).tolist() == [14.0, 86.0]
    assert row.loc["% of value"].round(9).tolist() == [60.0, 40.0]


def test_the_median_view_has_every_feature_and_no_size_rows_even_without_a_value():
    """The second view (medians) leaves out the size rows, however many of them are known; it
    used to drop the first four rows, which cut features when the value was unknown."""
    import pandas as pd

    prof = pd.DataFrame(
        {
            "segment": [1, 2],
            "customers": [10, 90],
            "customer_share": [0.1, 0.9],
            "revenue_share": [None, None],
            "value_per_customer": [None, None],
            "frequency_median_index": [120.0, 95.0],
            "monetary_median_index": [80.0, 110.0],
        }
    )
    view = personas.profile_view(prof, ["frequency", "monetary"], median=True)
    assert view["measure"].tolist() == ["orders (index)", "net spend (index)"]


@pytest.mark.parametrize("language", ["fa", "ar"])
def test_every_name_match_reads_in_the_readers_language(language):
    """persona_names.csv stores how clearly a segment matches in English words; each one (a
    descriptive name included) is shown translated, never as the stored English word."""
    from seglab import i18n, vocabulary

    z = pd.DataFrame({"frequency": [2.0, 0.4, 0.0], "monetary": [0.0, 0.1, 0.05]}, index=[1, 2, 3])
    shown = set(personas.name_personas(z, config.Personas())["confidence"])
    assert "descriptive" in shown and shown <= set(vocabulary.CONFIDENCE)
    with i18n.using(language):
        for word in vocabulary.CONFIDENCE:
            assert i18n.term(word) != word, word
