"""Nothing guessed silently, nothing named wrongly: one test per kind of failure seen on real data
(issue 16), on small tables shaped like the public data sets of ``realistic``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import realistic

from seglab import config, features, i18n, monitoring, personas, prioritization, segmentation
from seglab.collection import collect
from seglab.personas import predict

_run = realistic.run  # stages 01 and 02 on a customer-level table written as CSV


def _assumed(c) -> dict[str, dict]:
    return {a["subject"]: a for a in map(i18n.said, c.quality["assumptions"])}  # (as the reader reads them)


# ---------------------------------------------------------------------------------------------
# customer value
# ---------------------------------------------------------------------------------------------
def test_a_constant_column_named_like_revenue_is_never_the_value(tmp_path):
    c, b = _run(tmp_path, realistic.marketing(), sep="\t", name="marketing")
    roles = c.quality["roles"]["customers"]
    assert roles["z_revenue"]["kind"] == "constant" and roles["z_cost_contact"]["kind"] == "constant"
    assert c.quality["value"]["columns"] == [
        "mnt_wines",
        "mnt_fruits",
        "mnt_meat_products",
        "mnt_fish_products",
        "mnt_sweet_products",
        "mnt_gold_prods",
    ]
    assert "z_revenue" not in b.features and "z_revenue" not in b.features.attrs["default_features"]
    raw = realistic.marketing()
    mnt = raw[[c for c in raw.columns if c.startswith("Mnt")]].sum(axis=1).to_numpy()
    got = b.features.set_index("customer_id")["monetary"]
    ids = raw["ID"].astype(str)  # a different value in every row, named like an id: the customer id
    assert np.allclose(got.reindex(ids).to_numpy(), mnt)  # the value is the sum of the spend columns
    assert _assumed(c)["customer value"]["assumed"] == (
        "MntWines + MntFruits + MntMeatProducts + MntFishProducts + MntSweetProducts + MntGoldProds"
    )
    # a table whose only money-like column is constant: the value is unknown, not "11 per customer"
    only = pd.DataFrame(
        {
            "id": range(50),
            "Z_Revenue": 11,
            "visits": np.arange(50) % 7,
            "orders": np.arange(50) % 5,
            "Recency": np.arange(50),
        }
    )
    c2, b2 = _run(tmp_path, only, name="constant")
    assert c2.quality["value"]["how"] == "unknown" and "monetary" not in b2.features


def test_a_score_is_never_money_and_no_value_column_reads_unknown_not_zero(tmp_path):
    c, b = _run(tmp_path, realistic.mall(), name="mall")
    roles = c.quality["roles"]["customers"]
    assert roles["spending_score_1_100"]["kind"] == "score"
    assert c.quality["value"]["how"] == "unknown" and "monetary" not in b.features
    assert "Spending Score (1-100) (a score or a share)" in _assumed(c)["customer value"]["why"]
    segs = pd.DataFrame({"customer_id": b.features["customer_id"], "segment": np.arange(len(b.features)) % 3 + 1})
    prof = personas.profile(b.features, segs, b.features.attrs["default_features"])
    assert prof["revenue"].isna().all() and prof["value_per_customer"].isna().all()  # unknown, not 0
    cards = personas.persona_cards(
        personas.CardInputs(
            prof,
            personas.z_profile(personas.joined(b.features, segs), ["age"]),
            pd.DataFrame(
                {
                    "segment": [1, 2, 3],
                    "persona": ["a", "b", "c"],
                    "archetype": [None] * 3,
                    "confidence": ["descriptive"] * 3,
                }
            ),
            pd.DataFrame({"segment": [1, 2, 3], "criterion": "Viable", "result": "warn"}),
            b.features[["age"]].mean(),
            personas.joined(b.features, segs),
        )
    )
    assert all(card["revenue_share"] is None and card["value_basis"] == "unknown" for card in cards)
    from seglab import report

    assert "value unknown" in report.cards_html(cards, {}) and "0% of value" not in report.cards_html(cards, {})


def test_several_spend_columns_are_summed_when_declared(tmp_path):
    raw = realistic.wholesale()
    groups = ["Fresh", "Milk", "Grocery", "Frozen", "Detergents_Paper", "Delicassen"]
    c0, b0 = _run(tmp_path, raw, name="plain")
    assert c0.quality["value"]["how"] == "unknown"  # nothing says these are money
    c, b = _run(tmp_path, raw, name="declared", roles={"spend": groups})
    assert c.quality["value"] == {
        "columns": ["fresh", "milk", "grocery", "frozen", "detergents_paper", "delicassen"],
        "how": "given",
        "why": "the sum of roles.spend",
    }
    assert np.allclose(
        b.features["monetary"].sort_values().to_numpy(), raw[groups].sum(axis=1).sort_values().to_numpy()
    )
    assert {"top_category_share", "category_breadth"} <= set(b.features.columns)  # spend per category gives the mix
    mix = personas.spend_mix(
        b.features, pd.DataFrame({"customer_id": b.features["customer_id"], "segment": 1}), c.quality["spend"]
    )
    assert mix["value"].tolist() == ["Fresh", "Grocery", "Milk"]  # readable names, by share of spend
    # roles name columns as in the file or in snake_case alike
    c2, _ = _run(tmp_path, raw, name="snake", roles={"value": ["fresh", "Milk"]})
    assert c2.quality["value"]["columns"] == ["fresh", "milk"]


def test_a_total_column_is_the_value_and_the_sum_of_parts_is_recognised(tmp_path):
    df = pd.DataFrame(
        {
            "id": range(60),
            "MonthlyCharges": np.linspace(20, 100, 60),
            "TotalCharges": np.linspace(20, 5000, 60),
            "oneoff": np.arange(60.0),
            "installment": np.arange(60.0) * 2,
        }
    )
    c, _ = _run(tmp_path, df, name="charges")
    assert c.quality["value"]["columns"] == ["total_charges"]
    parts = pd.DataFrame(
        {
            "id": range(60),
            "purchases": np.arange(60.0) * 3 + 1,
            "oneoff_purchases": np.arange(60.0) + 1,
            "installment_purchases": np.arange(60.0) * 2,
            "payments": np.arange(60.0) * 5 + 7,
        }
    )
    c2, _ = _run(tmp_path, parts, name="parts")
    assert c2.quality["value"]["columns"] == ["purchases"]
    assert "sum of oneoff_purchases + installment_purchases" in i18n.say(c2.quality["value"]["why"])


# ---------------------------------------------------------------------------------------------
# keys and names of columns
# ---------------------------------------------------------------------------------------------
def test_a_typo_in_a_canonical_key_stops_the_run_naming_the_key():
    with pytest.raises(
        config.ParamsError,
        match=r"'customerid' is not a canonical column of customers; did you mean "
        r"'customer_id'\?",
    ):
        config.validate(
            {
                "source": {
                    "kind": "files",
                    "tables": {"customers": {"path": "x.csv", "columns": {"customerid": "CustomerID"}}},
                }
            }
        )
    # a new name for a column that is not canonical goes through rename
    p = config.validate(
        {
            "source": {
                "kind": "files",
                "tables": {"customers": {"path": "x.csv", "rename": {"score": "Spending Score (1-100)"}}},
            }
        }
    )
    assert p.source.tables["customers"].rename == {"score": "Spending Score (1-100)"}


def test_a_role_naming_a_missing_column_is_a_clear_error(tmp_path):
    with pytest.raises(collect.SourceError, match=r"roles.value: no column 'Spend'; did you mean"):
        _run(tmp_path, realistic.mall(), name="bad", roles={"value": ["Spend"]})


def test_lenses_accept_source_and_snake_case_names(tmp_path):
    spec = {"lenses": {"behavioural": ["Annual Income (k$)", "spending_score_1_100"]}}
    c, b = _run(tmp_path, realistic.mall(), name="lenses", **spec)
    lens = c.quality["lenses"]["customers"]
    assert lens["annual_income_k"] == {"lens": "behavioural", "guessed": False}
    assert lens["spending_score_1_100"]["lens"] == "behavioural"


def test_labels_are_the_names_in_the_file_not_snake_case(tmp_path):
    c, b = _run(tmp_path, realistic.mall(), name="labels")
    labels = b.features.attrs["labels"]
    assert labels["spending_score_1_100"] == "Spending Score (1-100)"
    assert labels["annual_income_k"] == "Annual Income (k$)"


# ---------------------------------------------------------------------------------------------
# what is clustered on
# ---------------------------------------------------------------------------------------------
def test_thin_behaviour_adds_the_other_numbers_with_a_note(tmp_path):
    c, b = _run(tmp_path, realistic.mall(), name="thin")
    default = b.features.attrs["default_features"]
    assert default == ["spending_score_1_100", "age", "annual_income_k"]  # not the score alone
    note = next(i18n.said(a) for a in b.features.attrs["assumptions"] if a["subject"] == "features clustered on")
    assert "Age" in note["assumed"] and "Annual Income (k$)" in note["assumed"]
    assert "only 1 usable feature" in note["why"]


def test_too_few_usable_columns_stop_with_what_to_add(tmp_path):
    df = pd.DataFrame({"id": range(40), "Gender": ["a", "b"] * 20, "Score": np.arange(40)})
    with pytest.raises(features.FeatureError, match="at least 2 columns that vary.*segmentation.features"):
        _run(tmp_path, df, name="few")


def test_codes_flags_sentinels_and_wide_text_are_encoded_by_their_role(tmp_path):
    c, b = _run(tmp_path, realistic.bank(), sep=";", name="bank")
    roles = c.quality["roles"]["customers"]
    assert roles["pdays"]["kind"] == "sentinel" and roles["pdays"]["sentinel"] == -1.0
    f = b.features
    raw = realistic.bank()
    assert f["pdays"].isna().sum() == (raw["pdays"] == -1).sum() and (f["pdays"].dropna() >= 0).all()
    assert f["pdays=never"].sum() == (raw["pdays"] == -1).sum()
    # y (subscribed) is the campaign's outcome: a 0/1 column shown per segment, never clustered on
    assert roles["y"]["kind"] == "outcome" and roles["y"]["outcome"] == "good" and set(f["y"].unique()) == {0.0, 1.0}
    assert "y" not in f.attrs["default_features"] and f.attrs["outcomes"]["y"]["kind"] == "flag"
    assert c.quality["value"]["how"] == "unknown"  # balance can be negative: not an amount of spend
    w, bw = _run(tmp_path, realistic.wholesale(), name="codes")
    assert w.quality["roles"]["customers"]["channel"]["kind"] == "code"
    assert {"channel=1", "channel=2", "region=3"} <= set(bw.features.columns) and "channel" not in bw.features
    assert "channel=1" not in bw.features.attrs["default_features"]  # a code describes segments, is not clustered on
    # a text column with many values is profiled by its most frequent values, not dropped
    df = pd.DataFrame(
        {
            "id": range(370),
            "Country": [f"country {i % 37}" for i in range(370)],
            "spend": np.arange(370.0),
            "orders": np.arange(370) % 9,
        }
    )
    t, bt = _run(tmp_path, df, name="countries")
    assert t.quality["roles"]["customers"]["country"]["kind"] == "text"
    assert sum(c.startswith("country=") for c in bt.features.columns) == 12  # 11 values + other
    mix = personas.attribute_mix(bt.features, pd.DataFrame({"customer_id": bt.features["customer_id"], "segment": 1}))
    assert "country=other" in mix.columns


def test_numeric_demographics_are_profiled(tmp_path):
    c, b = _run(tmp_path, realistic.marketing(), sep="\t", name="demo")
    segs = pd.DataFrame({"customer_id": b.features["customer_id"], "segment": np.arange(len(b.features)) % 2 + 1})
    cols = personas.profile_columns(personas.joined(b.features, segs), b.features.attrs["default_features"])
    assert {"income", "year_birth", "kidhome"} <= set(cols)


def test_signup_dates_give_tenure_and_lifecycle(tmp_path):
    c, b = _run(tmp_path, realistic.marketing(), sep="\t", name="signup")
    assert c.quality["roles"]["customers"]["dt_customer"]["kind"] == "signup"
    f = b.features
    raw = realistic.marketing()
    joined = pd.to_datetime(raw["Dt_Customer"], format="%d-%m-%Y")
    assert f["tenure_days"].max() == pytest.approx((joined.max() - joined.min()).days + 1)
    assert "lifecycle" in f and any(a["subject"] == "as of" for a in b.features.attrs["assumptions"])


# ---------------------------------------------------------------------------------------------
# names
# ---------------------------------------------------------------------------------------------
def _z(rows: dict[int, dict[str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows).T.fillna(0.0)


def test_a_lifecycle_name_needs_most_of_the_segment_in_that_stage():
    z = _z(
        {1: {"recency_days": 2.5, "frequency": -1.0, "tenure_days": -2.0}, 2: {"recency_days": -0.5, "frequency": 1.0}}
    )
    few = pd.DataFrame(
        {
            "segment": [1, 2],
            "lifecycle_lapsed": [0.15, 0.0],
            "lifecycle_new": [0.32, 0.1],
            "lifecycle_lapsing": [0.2, 0.0],
        }
    )
    names = personas.name_personas(z, config.Personas(), few).set_index("segment")
    assert names.loc[1, "archetype"] not in ("lapsed", "new_customers", "at_risk")
    most = few.assign(lifecycle_lapsed=[0.7, 0.0])
    named = personas.name_personas(z, config.Personas(), most).set_index("segment")
    assert named.loc[1, "persona"] == "Lapsed customers"
    assert i18n.say(named.loc[1, "evidence"]) == "70% of them are lapsed"
    # no lifecycle data at all (a customer-level source without dates): no lifecycle name
    assert personas.name_personas(z, config.Personas()).set_index("segment").loc[1, "archetype"] is None


def test_bulk_orders_are_bulk_buyers_not_impulse_shoppers():
    z = _z({1: {"avg_order_value": 2.5, "avg_basket_size": 2.5, "return_share": 2.0}, 2: {"avg_order_value": -0.5}})
    prof = pd.DataFrame({"segment": [1, 2], "avg_basket_size_median": [1200.0, 80.0]})
    names = personas.name_personas(z, config.Personas(), prof).set_index("segment")
    assert names.loc[1, "persona"] == "Bulk buyers"
    assert "typically 1,200 units per order" in i18n.say(names.loc[1, "evidence"])
    consumer = prof.assign(avg_basket_size_median=[12.0, 3.0])
    again = personas.name_personas(z, config.Personas(), consumer).set_index("segment")
    assert again.loc[1, "persona"] == "Impulse shoppers"


def test_descriptive_names_never_repeat_and_codes_are_never_high_or_low():
    z = _z(
        {
            1: {"monetary": 2.0, "channel=2": 1.5, "orders": 0.2},
            2: {"monetary": 2.0, "channel=2": 1.5, "orders": -1.0},
            3: {"monetary": -1.0, "channel=2": -1.5},
        }
    )
    labels = {"channel=2": "Channel: 2", "monetary": "customer value"}
    means = pd.DataFrame({"segment": [1, 2, 3], "channel=2": [0.9, 0.85, 0.02], "monetary": [10.0, 10.0, 1.0]})
    names = personas.name_personas(z, config.Personas(), means, personas.Wording(labels))
    names["persona"] = names["persona"].map(i18n.say)  # (as the reader reads them)
    assert names["persona"].is_unique and not names["persona"].str.contains(r"\(S\d\)").any()
    text = " ".join(names["persona"])
    assert "high Channel" not in text and "low Channel" not in text
    assert "Channel: 2 90%" in text  # a code says its share
    # segment labels (seglab score, model.json) follow the same rule
    assert [
        i18n.say(label)
        for label in segmentation.describe_centroids(
            np.array([[1.0, -2.0]]), ["monetary", "region=3"], labels={"region=3": "Region: 3"}
        )
    ] == ["S1: fewer Region: 3, high monetary"]


def test_customer_level_deal_seekers_are_bargain_hunters(tmp_path):
    c, b = _run(tmp_path, realistic.marketing(), sep="\t", name="deals")
    f = b.features
    assert {
        "discount_share",
        "campaign_conversion_rate",
        "sessions_per_order",
        "web_share",
        "store_share",
        "frequency",
        "recency_days",
    } <= set(f.columns)
    p = config.Segmentation(k=4, n_init=4)
    r = segmentation.segment(f, p, 42)
    data = personas.joined(f, r.segments)
    cols = personas.profile_columns(data, r.model.preparation.features)
    prof = personas.profile(f, r.segments, r.model.preparation.features)
    names = personas.name_personas(
        personas.z_profile(data, cols), config.Personas(), prof, personas.Wording(f.attrs["labels"], f.attrs["kinds"])
    )
    truth = realistic.marketing().assign(customer_id=lambda d: d["ID"].astype(str))  # ID is the customer id
    m = r.segments.merge(truth, on="customer_id")
    deal_segment = m.groupby("segment")["NumDealsPurchases"].mean().idxmax()
    assert names.set_index("segment").loc[deal_segment, "persona"] == "Bargain hunters"


# ---------------------------------------------------------------------------------------------
# monitoring and prediction
# ---------------------------------------------------------------------------------------------
def test_every_period_is_assigned_from_a_window_of_the_same_length(synthetic_tables, default_params):
    from seglab import features as fb

    feats = fb.build(synthetic_tables, default_params.features).features
    r = segmentation.segment(feats, default_params.segmentation.model_copy(update={"k": 5, "bootstrap": 0}), 42)
    a = monitoring.track(
        monitoring.Inputs(
            synthetic_tables,
            default_params.features,
            None,
            r.model,
            default_params.monitoring,
            pd.Timestamp(feats.attrs["as_of"]),
        )
    )
    w = a.attrs["window_days"]
    first = fb.transaction_day(synthetic_tables["transactions"], "min")
    assert w == 365 and all(e - pd.Timedelta(days=w - 1) >= first for e in a["period_end"].unique())
    # a customer's segment in a period depends only on the window: the same features as a build with it
    end = a["period_end"].max()
    direct = fb.build(
        synthetic_tables, default_params.features.model_copy(update={"as_of": end.date(), "window_days": w})
    )
    rows = direct.features[direct.features["customer_id"].isin(a.loc[a["period_end"] == end, "customer_id"])]
    assert (r.model.assign(rows) == a.loc[a["period_end"] == end, "segment"].to_numpy()).all()


def test_a_single_period_reads_growth_unknown():
    one = pd.DataFrame(
        {
            "period_end": pd.to_datetime(["2024-03-31"] * 3),
            "customer_id": ["a", "b", "c"],
            "segment": [1, 2, 2],
            "value": [1.0, 2.0, 3.0],
        }
    )
    s = monitoring.summarise(one, [1, 2], {1: "A", 2: "B"}, config.Monitoring(), seed=0)
    assert (s.trend["trend"] == "unknown").all() and s.trend["growth_rate"].isna().all()
    assert monitoring.trend_text(s).startswith("Growth is unknown")


def test_a_prediction_worse_than_naive_says_worse_and_does_not_drive_the_budget(tmp_path):
    q = {
        "train_as_of": "2024-01-01",
        "horizon_days": 90,
        "validation_as_of": "2024-04-01",
        "as_of": "2024-06-30",
        "auc": 0.7,
        "buy_rate_observed": 0.5,
        "buy_rate_predicted": 0.5,
        "spend_mae": 105.0,
        "spend_mae_naive": 100.0,
        "spend_total_predicted": 10.0,
        "spend_total_observed": 11.0,
    }
    text = predict.quality_text(q)
    assert "5% worse than the naive forecast" in text and "better" not in text
    from seglab.files import stages
    from seglab.files.artifacts import Store
    from seglab.paths import RunPaths

    run = RunPaths(tmp_path, "p").ensure()
    made_by_04 = Store(run, "04")
    made_by_04.save("prediction_quality", {"available": True, **q})
    made_by_04.save(
        "predictions", pd.DataFrame({"customer_id": ["a"], "segment": [1], "p_buy": [0.5], "expected_spend": [1.0]})
    )
    value, note = stages.load_predicted_value(Store(run, "05"))
    assert value is None and "not better than the naive forecast" in note


def test_channel_values_in_other_languages_count_as_web_store_app(tmp_path):
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "b", "c"],
            "order_id": ["1", "2", "3", "4", "5"],
            "timestamp": pd.date_range("2024-01-01", periods=5, freq="D"),
            "quantity": 1,
            "unit_price": 10.0,
            "channel": ["وب", "فروشگاه", "online", "mobile", "kiosk"],
        }
    )
    path = tmp_path / "tx.csv"
    tx.to_csv(path, index=False)
    p = config.validate(
        {"run_name": "ch", "source": {"kind": "files", "tables": {"transactions": {"path": str(path)}}}}
    )
    c = collect.collect(p, tmp_path)
    assert c.tables["transactions"]["channel"].tolist() == ["web", "store", "web", "app", "kiosk"]
    said = _assumed(c)
    assert said["channel 'وب'"]["assumed"] == "the web channel" and "'kiosk'" in " ".join(said)
    b = features.build(c.tables, p.features, c.quality)
    f = b.features.set_index("customer_id")
    assert f.loc["a", "web_share"] == 0.5 and f.loc["a", "store_share"] == 0.5 and f.loc["b", "app_share"] == 0.5
    # values that are no channel seglab knows give no share, and the catalog says why
    odd = tx.assign(channel=["x", "y", "x", "y", "x"])
    odd.to_csv(path, index=False)
    c2 = collect.collect(p, tmp_path)
    cat = features.build(c2.tables, p.features, c2.quality).catalog.set_index("feature")
    assert not cat.loc["web_share", "available"] and "roles.channel_values" in i18n.say(cat.loc["web_share", "why_not"])
    assert personas.preferred_channel(pd.Series({"web_share": 0.0, "store_share": 0.0})) == personas.NO_CHANNEL


def test_boston_matrix_without_transactions_is_a_ranking_not_a_line(tmp_path):
    c, b = _run(tmp_path, realistic.mall(), name="boston")
    r = segmentation.segment(b.features, config.Segmentation(k=3, n_init=4, bootstrap=0), 1)
    prof = personas.profile(b.features, r.segments, r.model.preparation.features)
    names = pd.DataFrame({"segment": [1, 2, 3], "persona": ["a", "b", "c"]})
    bm, notes = prioritization.boston_matrix(
        prioritization.Inputs(prof, pd.Series(np.nan, index=[1, 2, 3]), names), config.Prioritization()
    )
    assert (bm["quadrant"] == prioritization.NOT_PLACED).all() and bm["ability_to_win"].isna().all()
    assert not (bm["ability_to_win"] == 0.5).any()
