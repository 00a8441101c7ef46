"""History and censoring (seglab.collection.history): a short export of a long-running shop names no one new
that may have bought before it; a declared start, or signup dates, give known tenures; with too
short a history the lifecycle is "not measured" with the line that changes it; card advice
follows the known facts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import ONLINE_RETAIL, ROOT, skip_or_fail

from seglab import config, features, i18n, personas, segmentation
from seglab.collection import collect, history

START, YEARS = pd.Timestamp("2019-01-01"), 3
END = START + pd.Timedelta(days=365 * YEARS)
CUT = END - pd.Timedelta(days=120)  # the export: its last four months


def _shop(n: int = 400, seed: int = 7) -> pd.DataFrame:
    """Order lines of a shop selling since START: customers join over three years and buy every
    few weeks until they leave."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        t = START + pd.Timedelta(days=int(rng.integers(0, 365 * YEARS)), hours=int(rng.integers(8, 20)))
        leave = t + pd.Timedelta(days=float(rng.exponential(700)))
        gap = rng.uniform(15, 60)
        while t < min(leave, END):
            rows.append((f"C{i:04d}", f"O{len(rows):06d}", t, float(rng.integers(1, 6)), float(rng.uniform(5, 50))))
            t += pd.Timedelta(days=float(rng.exponential(gap)) + 1)
    return pd.DataFrame(rows, columns=["customer_id", "order_id", "timestamp", "quantity", "unit_price"])


@pytest.fixture(scope="module")
def shop() -> pd.DataFrame:
    return _shop()


def _cut(shop: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """The export (the last four months) and, per customer of it, whether they bought before it."""
    part = shop[shop["timestamp"] >= CUT].reset_index(drop=True)
    before = shop.loc[shop["timestamp"] < CUT, "customer_id"].unique()
    truth = pd.Series(part["customer_id"].unique(), name="customer_id").to_frame()
    truth["bought_before"] = truth["customer_id"].isin(before)
    return part, truth.set_index("customer_id")["bought_before"]


def test_a_short_export_of_a_long_running_shop_calls_no_earlier_buyer_new(shop):
    """Four months of a shop that sold for three years: 74 % of its customers bought before the
    export began. No customer who did is called new (before: 43 % of the customers were "new",
    among them 31 % of those who had bought before); their tenure is a lower bound, and the stage
    is "unknown"."""
    part, bought_before = _cut(shop)
    assert bought_before.mean() > 0.5  # the premise: most had bought before
    feats = features.build({"transactions": part}, config.Features()).features.set_index("customer_id")
    earlier = bought_before.reindex(feats.index)
    assert not (feats["lifecycle"] == "new")[earlier].any()
    assert (feats.loc[earlier, "tenure_known"] == 0).all()
    assert feats.attrs["lifecycle"]["measured"] is False  # four months < lapsed_days: nobody's tenure is known
    # tenure stays the days since first seen: a lower bound of the truth, for clustering
    first = shop.groupby("customer_id")["timestamp"].min().reindex(feats.index)
    true_tenure = (pd.Timestamp(feats.attrs["as_of"]) + pd.Timedelta(days=1) - first).dt.total_seconds() / 86400
    assert (feats["tenure_days"] <= true_tenure + 1e-9).all()


def test_the_same_shop_whole_is_not_censored_where_the_data_tell(shop):
    """On the whole history (three years), the customers first seen after the censoring window
    have a known tenure, and those called new are new."""
    whole = config.Features(window_days="all")  # every customer, not only those of the last year
    feats = features.build({"transactions": shop}, whole).features.set_index("customer_id")
    h = feats.attrs["history"]
    late = feats["first_purchase"] >= pd.Timestamp(h["censored_until"])
    assert (feats.loc[late, "tenure_known"] == 1).all() and (feats.loc[~late, "tenure_known"] == 0).all()
    new = feats["lifecycle"] == "new"
    assert new.any() and (feats.loc[new, "tenure_days"] < 90).all() and late[new].all()
    assert feats.attrs["lifecycle"]["measured"] is True


def test_history_start_at_the_data_start_gives_known_tenures(shop):
    """``source.history_start`` equal to the data's first day: the business began with the data,
    nobody is censored, and the stages are those of the tenure since the first purchase."""
    first, span = history.first_purchases(shop)
    lc = config.Lifecycle()
    h = history.facts(first, span, span["start"].date(), None, lc)
    assert h["begins_with_data"] and h["censored"] == 0 and history.assumptions(h) == []
    whole = config.Features(window_days="all")  # (the window's own row aside)
    feats = features.build({"transactions": shop}, whole, {"history": h}).features
    assert (feats["tenure_known"] == 1).all() and not (feats["lifecycle"] == "unknown").any()
    expected = features.lifecycle_stage(feats.drop(columns="tenure_known"), config.Features())
    assert (feats["lifecycle"] == expected).all()
    assert feats.attrs["assumptions"] == []


def test_history_start_through_the_parameters_reaches_stage_02(shop, tmp_path):
    """Declared in the parameters, the start is in stage 01's record and stage 02 uses it."""
    path = tmp_path / "orders.parquet"
    shop.assign(timestamp=shop["timestamp"].astype("datetime64[us]")).to_parquet(path, index=False)
    base = {
        "source": {
            "kind": "files",
            "tables": {
                "transactions": {
                    "path": str(path),
                    "columns": {
                        "customer_id": "customer_id",
                        "order_id": "order_id",
                        "timestamp": "timestamp",
                        "quantity": "quantity",
                        "unit_price": "unit_price",
                    },
                }
            },
        }
    }
    for declared, censored in ((None, True), (shop["timestamp"].min().date().isoformat(), False)):
        params = config.validate({**base, "source": {**base["source"], "history_start": declared}})
        got = collect.collect(params, tmp_path)
        h = got.quality["history"]
        assert h["history_start"] == declared and (h["censored"] > 0) == censored
        subjects = [a["subject"] for a in got.quality["assumptions"]]
        assert ("history before the data" in subjects) == censored
        feats = features.build(got.tables, params.features, got.quality).features
        assert ((feats["tenure_known"] == 0).any()) == censored


def test_a_declared_start_before_the_data_bounds_the_tenure():
    """History declared to begin before the data: a censored tenure lies between the days since
    first seen and the days since that start, and a stage is known where both bounds fall in it."""
    lc = config.Lifecycle()
    first = pd.to_datetime(["2024-01-05", "2024-01-05", "2024-10-01"])  # the window ends on 2024-09-27
    cutoff = pd.Timestamp("2024-10-31")
    recency = [10.0, 130.0, 10.0]  # the second is lapsing: recency decides, whatever the tenure
    for declared, stages in (("2023-12-01", ["active", "lapsing", "new"]), (None, ["unknown", "lapsing", "new"])):
        h = {"kind": "transactions", "data_start": "2024-01-01", "history_start": declared, "begins_with_data": False}
        t = history.tenure(history.Beginnings(first), cutoff, h, lc)
        assert t["known"].tolist() == [0, 0, 1] and t["days"].tolist() == [300.0, 300.0, 30.0]
        assert t["most"].tolist()[1:] == ([335.0, 30.0] if declared else [pytest.approx(np.nan, nan_ok=True), 30.0])
        feats = pd.DataFrame({"recency_days": recency, "tenure_days": t["days"], "tenure_known": t["known"]})
        assert features.lifecycle_stage(feats, config.Features(), t["most"]).tolist() == stages


def test_signup_dates_stage_01_derived_say_nothing_of_earlier_purchases():
    """A customers table stage 01 completed from the transactions carries the first purchase as
    signup date: only the rows read from the source count as signups."""
    customers = pd.DataFrame(
        {
            "customer_id": ["A", "B"],
            "signup_date": pd.to_datetime(["2020-01-01", "2024-03-01"]),
            "source_row": [1, None],
        }
    )
    got = history.signups(customers)
    assert got["A"] == pd.Timestamp("2020-01-01") and pd.isna(got["B"])
    assert history.signups(customers, given=False) is None


def test_too_short_a_history_leaves_the_lifecycle_not_measured_with_the_line_that_changes_it(shop):
    part, _ = _cut(shop)
    built = features.build({"transactions": part}, config.Features())
    feats = built.features
    assert (feats["lifecycle"] == "unknown").all()
    rows = [i18n.said(r) for r in feats.attrs["assumptions"] if r["subject"] != "window of behaviour"]
    assert [r["subject"] for r in rows] == ["lifecycle stage"] and rows[0]["assumed"].startswith("not measured")
    start = part["timestamp"].min().date().isoformat()
    assert rows[0]["change"].startswith(f"source.history_start: {start}")
    text = history.lifecycle_text(feats.attrs["lifecycle"], feats.attrs["history"])
    assert text.startswith("Lifecycle: not measured") and f"source.history_start: {start}" in text
    h = history.from_data({"transactions": part}, config.Features())
    assert h["too_short"] and h["censored"] == h["customers"]
    row = i18n.said(history.assumptions(h)[0])
    assert row["stage"] == "01" and row["change"].startswith(f"source.history_start: {start}")
    catalog = built.catalog.set_index("feature")
    assert "lower bound" in i18n.say(catalog.loc["tenure_days", "description"])


def test_card_advice_follows_the_known_facts():
    """A segment whose customers' tenure is unknown is never told "Most are new", never named New
    customers, and its card says how many have an unknown tenure."""
    prof = pd.DataFrame(
        {
            "segment": [1, 2],
            "customers": [100, 100],
            "lifecycle_new": [0.3, 0.6],
            "lifecycle_active": [0.0, 0.1],
            "lifecycle_unknown": [0.7, 0.3],
        }
    ).set_index("segment")
    cue = {seg: personas.lifecycle_cue(prof.loc[seg]) for seg in prof.index}
    assert "Most are new" not in cue[1] and "unknown" in cue[1]
    assert cue[2].startswith("Most are new")
    z = pd.DataFrame({"tenure_days": [-2.0, -2.0], "frequency": [-1.0, -1.0]}, index=[1, 2])
    assert personas.naming._holds("new_customers", 1, z, prof) == (False, [])
    ok, why = personas.naming._holds("new_customers", 2, z, prof)
    assert ok and [i18n.say(w) for w in why] == ["60% of them are known to be new (30% unknown)"]
    data = pd.DataFrame({"segment": [1] * 10, "tenure_known": [0] * 7 + [1] * 3})
    text = i18n.say(personas.lifecycle_text(prof.loc[1], data, 1))
    assert text.startswith("new 30%") and "tenure unknown for 70%" in text


def test_profiles_describe_tenure_by_the_customers_whose_tenure_is_known():
    feats = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "tenure_days": [10.0, 500.0, 20.0, 30.0],
            "tenure_known": [0, 1, 0, 1],
            "frequency": [1, 2, 3, 4],
        }
    )
    segs = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "segment": [1, 1, 2, 2]})
    prof = personas.profile(feats, segs).set_index("segment")
    assert prof.loc[1, "tenure_days"] == 500.0 and prof.loc[2, "tenure_days"] == 30.0
    assert features.lifecycle_stage(feats, config.Features()).tolist()[:2] == ["unknown", "long_term"]


def test_a_customer_level_tenure_is_known_and_a_missing_one_unknown():
    """Customer-level sources: a tenure column gives a known tenure; a missing value is an unknown
    stage, not "active"."""
    feats = pd.DataFrame({"tenure_days": [30.0, 400.0, np.nan]})
    assert features.lifecycle_stage(feats, config.Features()).tolist() == ["new", "long_term", "unknown"]


@pytest.fixture(scope="module")
def online_retail_cut(tmp_path_factory):
    """Online Retail cut to September-December 2011 (stages 01-02), with the truth from the full file."""
    if not ONLINE_RETAIL.is_file():
        skip_or_fail(f"UCI Online Retail not found at {ONLINE_RETAIL} (../shared/data/README.md)")
    full = pd.read_parquet(ONLINE_RETAIL)
    path = tmp_path_factory.mktemp("or_cut") / "or_cut.parquet"
    full[full["InvoiceDate"] >= "2011-09-01"].to_parquet(path, index=False)
    params = config.load(ROOT / "notebooks" / "params" / "online_retail.yaml")
    params.source.tables["transactions"].path = str(path)
    got = collect.collect(params, ROOT)
    feats = features.build(got.tables, params.features, got.quality).features
    buy = full[full["CustomerID"].notna() & (full["Quantity"] > 0)]
    first = buy.groupby(buy["CustomerID"].astype("int64").astype(str))["InvoiceDate"].min()
    truly_new = (first.reindex(feats["customer_id"]) >= pd.Timestamp("2011-09-01")).to_numpy()
    return params, got.quality, feats.assign(truly_new=truly_new)


@pytest.mark.realdata
def test_online_retail_cut_gives_no_lifecycle_name_or_advice_the_censoring_does_not_support(online_retail_cut):
    """The run of issue 28: four months of Online Retail named a segment "New customers (92 % of
    them are new)" of whom 58 % had bought before, and told loyal customers "Most are new"."""
    params, quality, feats = online_retail_cut
    assert quality["history"]["censored"] == quality["history"]["customers"] > 2900
    assert "history before the data" in [a["subject"] for a in quality["assumptions"]]
    assert feats.attrs["lifecycle"]["measured"] is False
    assert not (feats["lifecycle"] == "new").any()
    seg_params = params.segmentation.model_copy(update={"k": 4, "bootstrap": 0})
    result = segmentation.segment(feats, seg_params, params.seed)
    data = personas.joined(feats, result.segments)
    cols = personas.profile_columns(data, result.model.preparation.features)
    prof = personas.profile(feats, result.segments, result.model.preparation.features)
    names = personas.name_personas(personas.z_profile(data, cols), params.personas, prof)
    truth = data.groupby("segment")["truly_new"].mean()
    for _, row in names.iterrows():
        assert row["archetype"] not in ("new_customers", "at_risk", "lapsed"), row.to_dict()
        cue = personas.lifecycle_cue(prof.set_index("segment").loc[row["segment"]])
        assert "Most are new" not in cue or truth[row["segment"]] >= 0.5, (row.to_dict(), cue)


@pytest.mark.realdata
def test_online_retail_cut_pages_say_whose_tenure_is_unknown(online_retail_cut):
    _, quality, feats = online_retail_cut
    said = history.text(quality["history"])
    assert said.startswith(f"{quality['history']['censored']:,} of the") and "2011-09-01" in said
    meta = json.loads(json.dumps(feats.attrs["lifecycle"]))  # (JSON-able: features_meta.json)
    assert meta["tenure_unknown"] == len(feats)
    from seglab.report import pages

    assert pages._data_facts(quality, ROOT)["history"] == said  # the index's "Data used"
    facts = dict(history.summary(quality["history"]).to_numpy())  # the 01 page
    assert facts["the data begin"] == "2011-09-01" and "times as many" in facts["customers first seen per week"]


def test_the_history_record_is_json_and_documents_each_key(shop):
    first, span = history.first_purchases(shop)
    h = history.facts(first, span, None, None, config.Lifecycle())
    assert json.loads(json.dumps(h)) == h
    doc = history.facts.__doc__
    for key in h:
        assert f"``{key}``" in doc, key
    assert h["first_seen_spike"] is not None and h["first_seen_start_per_week"] > 0


def test_readme_documents_the_history_parameter():
    readme = Path(ROOT / "README.md").read_text(encoding="utf-8")
    assert (
        "| `source.history_start` |" in readme
        and "(`collection.history`)" in readme
        and "### History and censoring" in readme
    )
