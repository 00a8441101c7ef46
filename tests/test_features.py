import math

import numpy as np
import pandas as pd
import pytest
from conftest import require_spark

from seglab import config, features, i18n, registry, report

TX = [
    # customer, order, time, product, category, qty, price, discount, channel
    ("A", "O1", "2024-01-01 10:00", "P1", "X", 2, 10.0, 0.0, "web"),
    ("A", "O1", "2024-01-01 10:00", "P2", "Y", 1, 30.0, 0.5, "web"),
    ("A", "O2", "2024-01-11 10:00", "P1", "X", 1, 10.0, 0.0, "store"),
    ("A", "O2-R", "2024-01-15 12:00", "P1", "X", -1, 10.0, 0.0, "store"),
    ("A", "O3", "2024-01-31 10:00", "P3", "X", 3, 5.0, 0.0, "web"),
    ("B", "O4", "2024-02-05 09:00", "P9", "Z", 1, 100.0, 0.0, "app"),
]
LATE_TX = [  # after as_of: must change nothing
    ("A", "O8", "2024-02-12 10:00", "P1", "X", 50, 10.0, 0.0, "web"),
    ("B", "O9", "2024-03-01 10:00", "P2", "Y", 5, 30.0, 0.2, "store"),
    ("C", "O10", "2024-03-01 10:00", "P2", "Y", 5, 30.0, 0.0, "web"),
]
AS_OF = "2024-02-10"


def _tables(extra=()):
    cols = [
        "customer_id",
        "order_id",
        "timestamp",
        "product_id",
        "category",
        "quantity",
        "unit_price",
        "discount",
        "channel",
    ]
    tx = pd.DataFrame(TX + list(extra), columns=cols)
    tx["timestamp"] = pd.to_datetime(tx["timestamp"], format="mixed")
    tx["quantity"] = tx["quantity"].astype(float)
    sessions = pd.DataFrame(
        {
            "customer_id": ["A", "A", "A", "A"] + (["A", "B"] if extra else []),
            "timestamp": pd.to_datetime(
                ["2024-01-01 09:50", "2024-01-05 00:00", "2024-01-31 09:55", "2024-02-20 00:00"]
                + (["2024-02-15 00:00", "2024-02-28 00:00"] if extra else []),
                format="mixed",
            ),
            "converted": [True, False, True, False] + ([True, True] if extra else []),
        }
    )
    campaigns = pd.DataFrame(
        {
            "customer_id": ["A", "A"] + (["B"] if extra else []),
            "campaign_id": ["c1", "c2"] + (["c3"] if extra else []),
            "sent_at": pd.to_datetime(["2024-01-03", "2024-02-01"] + (["2024-02-20"] if extra else [])),
            "opened": [True, False] + ([True] if extra else []),
            "clicked": [True, False] + ([True] if extra else []),
            "converted": [False, False] + ([True] if extra else []),
        }
    )
    customers = pd.DataFrame(
        {
            "customer_id": ["A", "B", "C"],
            "signup_date": pd.to_datetime(["2023-12-01", None, None]),
            "email_opt_in": [True, False, True],
            "sms_opt_in": [False, False, False],
        }
    )
    return {"transactions": tx, "sessions": sessions, "campaign_events": campaigns, "customers": customers}


def _build(tables, **params):
    b = features.build(tables, config.Features(**params))
    return b.features, b.catalog


@pytest.fixture
def built():
    f, cat = _build(_tables(), as_of=AS_OF)
    return f.set_index("customer_id"), cat


def test_hand_computed_values(built):
    f, _ = built
    a, b = f.loc["A"], f.loc["B"]
    assert list(f.index) == ["A", "B"]  # C bought only after as_of
    assert a["frequency"] == 3 and b["frequency"] == 1
    assert a["gross_revenue"] == pytest.approx(60.0)  # 20 + 15 + 10 + 15
    assert a["monetary"] == pytest.approx(50.0)  # one unit of P1 (10) returned
    assert a["avg_order_value"] == pytest.approx(20.0)
    assert a["avg_basket_size"] == pytest.approx(7 / 3)
    assert a["recency_days"] == pytest.approx(10 + 14 / 24)  # 2024-01-31 10:00 -> end of 2024-02-10
    assert b["recency_days"] == pytest.approx(5 + 15 / 24)
    assert a["interpurchase_mean_days"] == pytest.approx(15.0)  # gaps 10 and 20 days
    assert a["interpurchase_cv"] == pytest.approx(5 / 15)
    assert math.isnan(b["interpurchase_mean_days"]) and math.isnan(b["interpurchase_cv"])
    assert a["spend_trend"] == pytest.approx((15 - 45) / 60)
    assert b["spend_trend"] == 0
    assert a["discount_share"] == pytest.approx(15 / 60)
    assert a["return_share"] == pytest.approx(10 / 60)
    assert a["category_breadth"] == 2 and a["product_breadth"] == 3
    assert a["top_category_share"] == pytest.approx(45 / 60)
    assert (a["web_share"], a["store_share"], a["app_share"]) == pytest.approx((2 / 3, 1 / 3, 0))
    assert a["preferred_hour"] == 10
    assert a["sessions"] == 3 and a["sessions_per_order"] == pytest.approx(1.0)  # the 4th is after as_of
    assert a["browse_conversion"] == pytest.approx(2 / 3)
    assert b["sessions"] == 0 and b["browse_conversion"] == 0
    assert a["campaign_open_rate"] == pytest.approx(0.5) and a["campaign_click_rate"] == pytest.approx(0.5)
    assert math.isnan(b["campaign_open_rate"])  # never sent a campaign: unknown, not 0
    assert a["days_since_campaign_response"] == pytest.approx(39.0)  # opened c1 on 2024-01-03
    assert math.isnan(b["days_since_campaign_response"])
    assert a["tenure_days"] == pytest.approx(72.0)  # signup 2023-12-01 -> end of 2024-02-10
    assert b["tenure_days"] == pytest.approx(5 + 15 / 24)  # no signup date: first purchase
    assert a["reachable"] == 1 and b["reachable"] == 0
    # A's signup date gives the tenure; B, first seen 35 days after the data begin, may have bought before
    assert a["tenure_known"] == 1 and b["tenure_known"] == 0
    assert a["lifecycle"] == "new" and b["lifecycle"] == "unknown"


def test_no_leakage_after_as_of(built):
    f, _ = built
    g, _ = _build(_tables(LATE_TX), as_of=AS_OF)
    pd.testing.assert_frame_equal(f.reset_index(), g, check_like=False)


def test_absent_sources_are_left_out_with_reason():
    t = _tables()
    t["transactions"] = t["transactions"].drop(columns=["category", "channel"]).assign(discount=0.0)
    del t["sessions"], t["campaign_events"]
    f, cat = _build(t, as_of=AS_OF)
    for gone in ("category_breadth", "web_share", "discount_share", "sessions_per_order", "campaign_open_rate"):
        assert gone not in f
        assert "needs" in i18n.say(cat.set_index("feature").loc[gone, "why_not"])
    assert {"frequency", "monetary", "recency_days"} <= set(f.columns)


def test_default_as_of_is_last_transaction_date():
    f, _ = _build(_tables())
    assert f.attrs["as_of"] == "2024-02-05"


def test_lifecycle_thresholds():
    df = pd.DataFrame({"recency_days": [10, 130, 300, 10, 10], "tenure_days": [30, 500, 500, 400, 200]})
    stage = features.lifecycle_stage(df, config.Features())
    assert list(stage) == ["new", "lapsing", "lapsed", "long_term", "active"]
    assert np.all(pd.notna(stage))


def test_customers_without_features_are_accounted_for(built):
    f, _ = built
    t = _tables(LATE_TX)
    t["transactions"] = pd.concat(
        [
            t["transactions"],
            pd.DataFrame(
                [
                    {
                        "customer_id": "D",
                        "order_id": "R1",
                        "timestamp": pd.Timestamp("2024-01-20"),
                        "product_id": "P1",
                        "category": "X",
                        "quantity": -1.0,
                        "unit_price": 10.0,
                        "discount": 0.0,
                        "channel": "web",
                    }
                ]
            ),
        ],
        ignore_index=True,
    )
    t["customers"] = pd.concat([t["customers"], pd.DataFrame({"customer_id": ["D", "E"]})], ignore_index=True)
    why = features.build(t, config.Features(as_of=AS_OF)).without.set_index("customer_id")["reason"]
    assert why.to_dict() == {
        "C": "first transaction after as_of",
        "D": "only returns or cancellations in the window up to as_of",
        "E": "no transaction at all",
    }


def test_preferred_hour_ties_break_to_the_earliest():
    t = _tables()
    t["transactions"] = t["transactions"][t["transactions"]["customer_id"] == "A"]  # orders at 10:00 x3
    extra = pd.DataFrame(
        [
            ("A", "O5", "2024-02-01 08:00", "P1", "X", 1, 10.0, 0.0, "web"),
            ("A", "O6", "2024-02-02 08:30", "P1", "X", 1, 10.0, 0.0, "web"),
            ("A", "O7", "2024-02-03 08:45", "P1", "X", 1, 10.0, 0.0, "web"),
        ],
        columns=t["transactions"].columns,
    )
    extra["timestamp"] = pd.to_datetime(extra["timestamp"])
    t["transactions"] = pd.concat([t["transactions"], extra], ignore_index=True)
    f, _ = _build(t, as_of=AS_OF)
    assert f["preferred_hour"].item() == 8  # 3 orders at 8h and 3 at 10h: the earliest wins


def test_window_limits_behaviour_but_not_tenure():
    # window of 30 days up to 2024-02-10: from 2024-01-12 00:00; A keeps the return of 01-15 and O3 of 01-31
    f, _ = _build(_tables(), as_of=AS_OF, window_days=30)
    a = f.set_index("customer_id").loc["A"]
    assert a["frequency"] == 1 and a["gross_revenue"] == pytest.approx(15.0)
    assert a["monetary"] == pytest.approx(5.0) and a["return_share"] == pytest.approx(10 / 15)
    assert a["tenure_days"] == pytest.approx(72.0)  # from signup, whatever the window
    assert a["sessions"] == 1 and a["browse_conversion"] == pytest.approx(1.0)
    assert a["campaign_open_rate"] == 0 and math.isnan(a["days_since_campaign_response"])  # c1 is before the window
    assert f.attrs["window_start"] == "2024-01-12"
    b = features.build(_tables(), config.Features(as_of=AS_OF, window_days=10))  # from 2024-02-01: A bought before
    assert list(b.features["customer_id"]) == ["B"]
    assert b.without.set_index("customer_id")["reason"].to_dict() == {
        "A": "no purchase in the window",  # (it starts 2024-02-01: features_meta.json)
        "C": "no transaction at all",
    }


def test_spend_trend_runs_to_as_of():
    # B: two orders, 100 on 02-05 and 100 on 02-06; as_of 02-10 -> span 02-05 09:00 .. 02-11 00:00, middle 02-08 04:30
    t = _tables()
    extra = pd.DataFrame(
        [("B", "O5", "2024-02-06 09:00", "P9", "Z", 1, 100.0, 0.0, "app")], columns=t["transactions"].columns
    )
    t["transactions"] = pd.concat(
        [t["transactions"], extra.assign(timestamp=pd.to_datetime(extra["timestamp"]))], ignore_index=True
    )
    f, _ = _build(t, as_of=AS_OF)
    assert f.set_index("customer_id").loc["B", "spend_trend"] == pytest.approx(-1.0)  # all spend in the earlier half


def test_customer_and_survey_columns_are_encoded_for_clustering():
    t = _tables()
    t["customers"] = t["customers"].assign(
        age=[30, 40, 50],
        gender=["f", "m", None],
        income_band=["High", "low", "middle"],
        postcode=["AB1", "CD2", "EF3"],
        created=pd.to_datetime(["2020-01-01", "2021-05-01", "2022-03-01"]),
    )
    t["survey"] = pd.DataFrame(
        {"customer_id": ["A", "B"], "satisfaction": ["agree", "strongly agree"], "size": ["S", "XL"]}
    )
    quality = {
        "lenses": {
            "customers": {"age": {"lens": "demographic"}, "gender": {"lens": "demographic"}},
            "survey": {"satisfaction": {"lens": "psychographic"}},
        }
    }
    b = features.build(t, config.Features(as_of=AS_OF, ordinal={"size": ["S", "M", "L", "XL"]}), quality)
    f = b.features.set_index("customer_id")
    assert f.loc["A", "age"] == 30 and f.loc["B", "age"] == 40
    # two values that are not yes/no: one 0/1 column (for the first of the rarest), not two that say the same
    assert (f.loc["A", "gender=f"], f.loc["B", "gender=f"]) == (1.0, 0.0) and "gender=m" not in f
    assert (f.loc["A", "income_band"], f.loc["B", "income_band"]) == (2.0, 0.0)  # low < middle < high, any case
    assert (f.loc["A", "survey_satisfaction"], f.loc["B", "survey_satisfaction"]) == (3.0, 4.0)  # Likert scale
    assert (f.loc["A", "survey_size"], f.loc["B", "survey_size"]) == (0.0, 3.0)  # features.ordinal
    cat = report.said(b.catalog).set_index("feature")
    assert cat.loc["survey_satisfaction", "lens"] == "psychographic"
    assert cat.loc["income_band", "unit"] == "ordinal 0 low < 1 middle < 2 high"
    assert not cat.loc["created", "available"] and "date" in cat.loc["created", "why_not"]  # a date is no feature
    assert not b.features.columns.duplicated().any()  # opt-ins feed `reachable` once, not again as attributes
    with pytest.raises(features.FeatureError, match=r"features.ordinal.size: values \['xl'\] are not among"):
        features.build(t, config.Features(as_of=AS_OF, ordinal={"size": ["S", "M"]}), quality)
    with pytest.raises(features.FeatureError, match="in neither the customers nor the survey table: \\['nope'\\]"):
        features.build(t, config.Features(as_of=AS_OF, ordinal={"nope": ["a"]}), quality)


def test_parquet_paths_give_the_same_features_as_frames(tmp_path):
    t = _tables()
    paths = {}
    for name, df in t.items():
        paths[name] = tmp_path / f"{name}.parquet"
        df.to_parquet(paths[name])
    a, b = features.build(t, config.Features(as_of=AS_OF)), features.build(paths, config.Features(as_of=AS_OF))
    pd.testing.assert_frame_equal(a.features, b.features)
    pd.testing.assert_frame_equal(a.catalog, b.catalog)


# --------------------------------------------------------------------------------------------
# Spark: the same definitions give the same feature table
# --------------------------------------------------------------------------------------------
def _spark_params(**kw) -> config.Features:
    require_spark()
    return config.Features(**kw).on(config.Engine(kind="spark", spark={"master": "local[2]"}))


def assert_same_features(a: features.Built, b: features.Built) -> None:
    """Same customers, columns, dtypes and catalog; numbers equal to floating-point tolerance."""
    fa, fb = a.features, b.features
    assert list(fa.columns) == list(fb.columns)
    assert list(fa["customer_id"]) == list(fb["customer_id"])
    assert fa.dtypes.astype(str).to_dict() == fb.dtypes.astype(str).to_dict()
    pd.testing.assert_frame_equal(fa, fb, check_exact=False, rtol=1e-9, atol=1e-9)
    pd.testing.assert_frame_equal(a.catalog, b.catalog)
    pd.testing.assert_frame_equal(a.without, b.without)
    assert {k: v for k, v in fa.attrs.items() if k != "engine"} == {k: v for k, v in fb.attrs.items() if k != "engine"}


def test_spark_gives_the_same_hand_computed_features():
    spark = _spark_params(as_of=AS_OF)
    t = _tables(LATE_TX)
    assert_same_features(features.build(t, config.Features(as_of=AS_OF)), features.build(t, spark))
    windowed = _spark_params(as_of=AS_OF, window_days=30)
    assert_same_features(features.build(t, config.Features(as_of=AS_OF, window_days=30)), features.build(t, windowed))


@pytest.mark.slow
def test_spark_gives_the_same_features_on_the_synthetic_default(synthetic_tables):
    spark = _spark_params()
    assert_same_features(features.build(synthetic_tables, config.Features()), features.build(synthetic_tables, spark))


@pytest.mark.slow
@pytest.mark.realdata
def test_spark_gives_the_same_features_on_online_retail(online_retail_path, tmp_path):
    from seglab import io
    from seglab.collection import collect

    p = config.validate(
        {
            "run_name": "t",
            "source": {
                "kind": "files",
                "tables": {"transactions": {"path": str(online_retail_path), "preset": "online_retail"}},
            },
        }
    )
    tx = collect.collect(p, tmp_path, now=pd.Timestamp("2026-01-01")).tables["transactions"]
    path = io.write_parquet(tx, tmp_path / "transactions.parquet")
    whole = features.build({"transactions": path}, config.Features(window_days="all"))
    assert len(whole.features) == 4334  # customers with a purchase (README: Online Retail)
    duck = features.build({"transactions": path}, config.Features())  # the default window: 282 of the 374 days
    assert duck.features.attrs["window_days"] == 282 and len(duck.features) == 3996
    assert_same_features(duck, features.build({"transactions": path}, _spark_params()))


def _assert_identical(a: features.Built, b: features.Built) -> None:
    """Bit for bit: the same table, catalog, customers without a row and attributes."""
    pd.testing.assert_frame_equal(a.features, b.features, check_exact=True)
    pd.testing.assert_frame_equal(a.catalog, b.catalog)
    pd.testing.assert_frame_equal(a.without, b.without)
    assert a.features.attrs == b.features.attrs


@pytest.mark.parametrize("window_days", [None, 20])
def test_features_at_many_dates_are_those_of_one_build_per_date(window_days):
    # the dates fall before, inside and after the hand-built history, on a return, with late lines
    t = _tables(LATE_TX)
    dates = ["2024-01-10", "2024-01-15", AS_OF, "2024-01-10", "2024-03-05"]
    params = config.Features(window_days=window_days)
    many = features.build_many(t, params, dates)
    assert len(many) == len(dates)
    for day, got in zip(dates, many, strict=True):
        _assert_identical(got, features.build(t, params.model_copy(update={"as_of": pd.Timestamp(day).date()})))
    assert many[0].features.attrs["as_of"] == "2024-01-10" and many[4].features.attrs["as_of"] == "2024-03-05"


def test_features_at_many_dates_split_over_queries_give_the_same(synthetic_tables, monkeypatch):
    dates = ["2024-06-30", "2024-09-30", "2024-12-30"]
    together = features.build_many(synthetic_tables, config.Features(), dates)
    monkeypatch.setattr(features.builder, "PAIRED_ROWS", 1)  # one date per query
    for a, b in zip(together, features.build_many(synthetic_tables, config.Features(), dates), strict=True):
        _assert_identical(a, b)


def test_features_at_many_dates_need_transactions():
    with pytest.raises(features.FeatureError, match="need a transactions table"):
        features.build_many({"customers": _tables()["customers"]}, config.Features(), ["2024-01-01"])


def test_spark_gives_the_same_features_at_many_dates():
    t = _tables(LATE_TX)
    dates = ["2024-01-15", AS_OF]
    for a, b in zip(
        features.build_many(t, config.Features(), dates), features.build_many(t, _spark_params(), dates), strict=True
    ):
        assert_same_features(a, b)


def test_readme_lists_the_feature_catalog(root):
    assert registry.catalog_markdown() in (root / "README.md").read_text(encoding="utf-8"), "run: make readme"


def test_bad_duckdb_settings_are_named():
    with pytest.raises(
        features.FeatureError, match=r"engine.duckdb: DuckDB refused the settings \{'no_such_setting': 1\}"
    ):
        features.build(_tables(), config.Features(as_of=AS_OF).on(config.Engine(duckdb={"no_such_setting": 1})))


def test_every_registry_feature_is_defined_where_the_registry_says_and_no_other_is_computed():
    """Adding a feature is one registry entry plus its definition: the two cannot drift apart."""
    import inspect
    import re

    def defined(name: str):
        return next(getattr(m, name) for m in (features.definitions, features.builder) if hasattr(m, name))

    for f in registry.CATALOG:
        src = inspect.getsource(defined(f.defined_in))
        assert re.search(rf'\b{f.name}=|\["{f.name}"\] =', src), f"{f.name} is not defined in {f.defined_in}"
    for function in ("transaction_features", "session_features", "campaign_features"):
        src = inspect.getsource(getattr(features, function))
        final = src[src.rindex("return ") :]
        computed = set(re.findall(r"^\s+(\w+)=", final, re.M)) - {"first_ep", "last_ep"}  # (internal: tenure, status)
        assert computed <= set(registry.BY_NAME), f"{function} computes {computed - set(registry.BY_NAME)}"


def test_a_column_without_a_single_value_makes_its_features_unavailable_not_an_error():
    """An in-memory table whose channel (or category) column is empty everywhere has no type of
    its own: the catalog says the channel shares are unavailable, and the rest is built."""
    tables = _tables()
    tables["transactions"] = tables["transactions"].assign(channel=None, category=None)
    built = features.build(tables, config.Features(as_of=AS_OF))
    available = dict(zip(built.catalog["feature"], built.catalog["available"], strict=False))
    assert not available["web_share"] and not available["top_category_share"] and available["frequency"]
    assert "web_share" not in built.features and built.features["frequency"].tolist() == [3, 1]
