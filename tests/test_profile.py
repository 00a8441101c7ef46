"""What the data cannot tell (issue 28): numbers written as exports write them, spreadsheet
errors, percentages, spikes that mean "unknown", identifiers in any case, outcome columns and
declared lenses. Each test is a failure seen on real data or a plausible variant of it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import realistic

from seglab import config, features, i18n, personas, segmentation
from seglab.collection import amounts, collect, roles
from seglab.files import stages
from seglab.files.artifacts import Store
from seglab.paths import RunPaths

_run = realistic.run  # stages 01 and 02 on a customer-level table written as CSV


def _assumed(c) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for a in map(i18n.said, c.quality["assumptions"]):  # (as the reader reads them)
        out.setdefault(a["subject"], []).append(a)
    return out


# ---------------------------------------------------------------------------------------------
# numbers and money written as text
# ---------------------------------------------------------------------------------------------
#: The same amount as exports write it: (text, decimal mark of the column).
WRITTEN = {
    "plain": lambda x: f"{x:.2f}",
    "dollar": lambda x: f"${x:,.2f}",
    "euro_after": lambda x: f"{x:,.2f} €".replace(",", "X").replace(".", ",").replace("X", "."),
    "code_before_space": lambda x: "EUR " + f"{x:,.2f}".replace(",", " ").replace(".", ","),
    "swiss": lambda x: f"{x:,.2f} CHF".replace(",", "'"),
    "persian": lambda x: f"{x:,.2f} ریال".translate(str.maketrans("0123456789,.", "۰۱۲۳۴۵۶۷۸۹٬٫")),
    "decimal_comma": lambda x: f"{x:.2f}".replace(".", ","),
}


@pytest.mark.parametrize("how", sorted(WRITTEN))
def test_the_same_amounts_written_as_exports_write_them_read_the_same(how):
    rng = np.random.default_rng(7)
    x = np.round(np.concatenate([rng.gamma(1.5, 900, 300), [0.0, 1234.5, 999.0, 1000.0, 12.5]]), 2)
    text = pd.Series([WRITTEN[how](v) for v in x])
    got, written = amounts.read_numbers(text)
    assert np.allclose(got.to_numpy(), x), text[~np.isclose(got.to_numpy(), x)].head().tolist()
    assert written.unreadable == 0
    if how not in ("plain",):
        assert written.formatted > 0 and written.example is not None


def test_negatives_percentages_and_what_is_not_a_number():
    got, w = amounts.read_numbers(pd.Series(["(1,234.00)", "1,234.00-", "−12.5", "-$3.00", "12 apples", "inf", ""]))
    assert got.tolist()[:4] == [-1234.0, -1234.0, -12.5, -3.0] and got.iloc[4:].isna().all()
    assert w.unreadable == 2  # '12 apples' and 'inf' are not numbers ('' is missing)
    pct, w = amounts.read_numbers(pd.Series(["12,5 %", "40 %", "7,25 %"]))
    assert pct.tolist() == [12.5, 40.0, 7.25] and w.percent == 3 and w.decimal == ","
    # a value that reads both ways follows the column: 1.234 is a thousand among decimal commas
    both, w = amounts.read_numbers(pd.Series(["1.234", "12,5", "3,75"]))
    assert both.tolist() == [1234.0, 12.5, 3.75] and w.decimal == ","
    alone, _ = amounts.read_numbers(pd.Series(["1.234", "2.5"]))
    assert alone.tolist() == [1.234, 2.5]
    forced, _ = amounts.read_numbers(pd.Series(["1,234", "2,000"]), decimal_mark=",")
    assert forced.tolist() == [1.234, 2.0]


def test_money_written_as_text_is_the_value_as_if_written_as_numbers(tmp_path):
    raw = realistic.marketing()
    mnt = [c for c in raw.columns if c.startswith("Mnt")]
    text = raw.assign(**{c: raw[c].map(lambda v: f"${v:,.2f}") for c in mnt})
    c0, b0 = _run(tmp_path, raw, sep="\t", name="numbers")
    c1, b1 = _run(tmp_path, text, sep="\t", name="text")
    assert c1.quality["value"]["columns"] == c0.quality["value"]["columns"]  # not "unknown: no column is named..."
    pd.testing.assert_frame_equal(b1.features, b0.features)
    rows = _assumed(c1)["MntWines"]
    assert any("read with '.' as the decimal mark; currency $" in r["assumed"] for r in rows)
    assert any(r["change"] == "cleaning.decimal_mark: '.' | ','" for r in rows)
    assert c1.quality["tables"]["customers"]["written"]["mnt_wines"]["currency"] == "$"
    # declared as spend: read as well, never a bare "could not convert string to float"
    c2, b2 = _run(tmp_path, text, sep="\t", name="declared", roles={"spend": mnt})
    want = raw.set_index(raw["ID"].astype(str))[mnt].sum(axis=1)
    assert np.allclose(b2.features.set_index("customer_id")["monetary"].reindex(want.index), want)


def test_a_decimal_comma_export_with_semicolons_reads_like_the_original(tmp_path):
    raw = realistic.wholesale().astype(float) / 7  # amounts with decimals
    c0, b0 = _run(tmp_path, raw, name="dot", roles={"spend": list(raw.columns[2:])})
    path = tmp_path / "comma.csv"
    raw.to_csv(path, sep=";", decimal=",", index=False)
    p = config.validate(
        {
            "run_name": "comma",
            "source": {
                "kind": "files",
                "tables": {"customers": {"path": str(path), "roles": {"spend": list(raw.columns[2:])}}},
            },
        }
    )
    c1 = collect.collect(p, tmp_path)
    b1 = features.build(c1.tables, p.features, c1.quality)
    pd.testing.assert_frame_equal(b1.features, b0.features, rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# spreadsheet errors, percentages, spikes, identifiers, names
# ---------------------------------------------------------------------------------------------
def test_spreadsheet_errors_are_missing_counted_and_never_a_value(tmp_path):
    df = realistic.mall().assign(**{"#VALUE!": "#DIV/0!", "Visits": np.arange(200) % 9})
    df["Age"] = df["Age"].astype(object)
    df.loc[::10, "Age"] = "#N/A"
    c, b = _run(tmp_path, df, name="errors")
    q = c.quality["tables"]["customers"]
    assert q["spreadsheet_errors"]["value"] == {"cells": 200, "values": {"#DIV/0!": 200}}
    assert q["spreadsheet_errors"]["age"]["cells"] == 20
    r = c.quality["roles"]["customers"]
    assert r["value"]["kind"] == "empty" and r["age"]["kind"] != "text"  # Age stays a number
    assert c.quality["value"]["how"] == "unknown"  # a column named #VALUE! is no customer value
    assert b.features["age"].isna().sum() == 20
    assert "value" not in b.features.columns and not any(f.startswith("value=") for f in b.features.columns)
    assert any("spreadsheet error cell" in a["assumed"] for a in _assumed(c)["#VALUE!"])


def test_a_percentage_is_never_the_customer_value(tmp_path):
    rng = np.random.default_rng(3)
    df = pd.DataFrame(
        {
            "Customer": [f"K{i:04d}" for i in range(300)],
            "Online purchases (%)": np.round(rng.uniform(0, 100, 300), 1),
            "Orders": rng.poisson(6, 300),
            "Visits": rng.poisson(12, 300),
        }
    )
    c, _ = _run(tmp_path, df, name="pct")
    assert c.quality["roles"]["customers"]["online_purchases"]["kind"] == "percent"
    assert c.quality["value"]["how"] == "unknown"  # not "the only column named like money"
    # written with a % sign: the same
    signs = df.assign(**{"Online purchases (%)": df["Online purchases (%)"].map("{}%".format)})
    c2, _ = _run(tmp_path, signs, name="p2")
    assert c2.quality["roles"]["customers"]["online_purchases"]["kind"] == "percent"
    assert c2.quality["value"]["how"] == "unknown"


def _income_with_zeros(seed: int = 5) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    n = 400
    income = pd.Series(np.clip(np.round(rng.gamma(6, 10, n)), 15, None))
    unknown = rng.random(n) < 0.25
    df = pd.DataFrame(
        {
            "CustomerNo": np.arange(1, n + 1),
            "Income": income.where(~unknown, 0),
            "Spend": np.round(rng.gamma(2, 300, n), 2),
            "Orders": rng.poisson(5, n) + 1,
            "Visits": rng.poisson(9, n),
        }
    )
    return df, income[~unknown]


def test_zeros_that_mean_unknown_are_flagged_and_not_averaged_in(tmp_path):
    df, known = _income_with_zeros()
    c, b = _run(tmp_path, df, name="zeros")
    r = c.quality["roles"]["customers"]["income"]
    assert r["kind"] == "sentinel" and r["sentinel"] == 0 and r["spike"]["share"] > 0.2
    assert b.features["income"].mean() == pytest.approx(known.mean())  # 0s are unknown, not low incomes
    assert b.features.attrs["labels"]["income=unknown"] == "Income: 0 (unknown)"
    row = _assumed(c)["Income"][0]
    assert row["assumed"] == "a number with 0 = unknown (demographic)"
    assert "roles.numbers: [Income]" in row["change"] and "roles.sentinels: {Income: 0}" in row["change"]
    # the analyst says 0 is a real income: it is kept as it is
    c2, b2 = _run(tmp_path, df, name="real", roles={"numbers": ["Income"]})
    assert c2.quality["roles"]["customers"]["income"]["kind"] == "number"
    assert b2.features["income"].mean() == pytest.approx(df["Income"].mean())
    # the line the row suggests, given: the same reading (unknown), the same numbers, said as given
    c3, b3 = _run(tmp_path, df, name="given", roles={"sentinels": {"Income": 0}})
    r3 = c3.quality["roles"]["customers"]["income"]
    assert r3["how"] == "given" and i18n.say(r3["why"]).startswith("given: 0 means unknown (")
    assert b3.features["income"].mean() == pytest.approx(known.mean())
    assert b3.features.attrs["labels"]["income=unknown"] == "Income: 0 (unknown)"
    # 0 spend or 0 orders is natural (nothing bought): never a spike
    spend = pd.Series([0.0] * 200 + list(range(40, 340)))
    assert roles.spike(spend, roles.columns.natural_bounds("spend", spend)) is None and roles.spike(spend) is not None


def test_real_data_has_no_false_spike():
    """Credit-card zeros (no cash advance, no instalments) and shares at 1 are real values."""
    from conftest import SHARED, skip_or_fail

    path = SHARED / "credit_card" / "cc_general.csv"
    if not path.is_file():
        skip_or_fail(f"credit-card data not found at {path} (see ../shared/data/README.md)")
    df = pd.read_csv(path)
    found = {c: roles.spike(df[c], roles.columns.natural_bounds(c, df[c].dropna())) for c in df.columns[1:]}
    assert {c: s for c, s in found.items() if s} == {}
    # and a quarter set to 0 in any column where 0 is not natural is a spike: tenure, and credit limits
    # (round numbers: a few limits of 50 beside the zeros are no bridge to the rest)
    flagged = []
    for c in df.columns[1:]:
        zeroed = df[c].where(np.random.default_rng(0).random(len(df)) > 0.25, 0)
        if 0 not in roles.columns.natural_bounds(c, zeroed.dropna()):
            assert (roles.spike(zeroed, roles.columns.natural_bounds(c, zeroed.dropna())) or {}).get("value") == 0, c
            flagged.append(c)
    assert {"tenure", "credit_limit"} <= set(flagged)


@pytest.mark.parametrize("name", ["CUST_ID", "Customer ID", "kunden_nr", "شناسه مشتری", "ID"])
def test_an_identifier_in_any_case_is_the_customer_id(tmp_path, name):
    df, _ = _income_with_zeros()
    df = df.drop(columns="CustomerNo")
    df.insert(0, name, [f"C{i:05d}" for i in range(len(df))])
    c, b = _run(tmp_path, df, name="ids")
    assert sorted(b.features["customer_id"]) == sorted(df[name])  # not R000001...
    assert c.quality["labels"]["customers"]["customer_id"] == name
    assert _assumed(c)[name][0]["assumed"] == "the customer id"


def test_names_in_capitals_and_small_rates_read_right():
    assert roles.readable("PURCHASES_FREQUENCY") == "Purchases frequency"
    assert roles.readable("SMS_opt_in") == "SMS opt in"  # acronyms in a mixed-case name stay
    assert (
        personas.profiles._fmt("x", 0.05) != personas.profiles._fmt("x", 0.0)
        and personas.profiles._fmt("x", 0.29) == "0.29"
    )
    assert personas.profiles._fmt("x", 0.05) == "0.050"
    assert personas.profiles._fmt("y", 12.5, {"y": "percent"}) == "12%"


# ---------------------------------------------------------------------------------------------
# outcomes
# ---------------------------------------------------------------------------------------------
def test_outcomes_are_not_clustered_on_and_are_kept_for_the_profiles(tmp_path):
    c, b = _run(tmp_path, realistic.bank(), sep=";", name="bank")
    r = c.quality["roles"]["customers"]
    assert (r["y"]["kind"], r["y"]["outcome"]) == ("outcome", "good")
    assert (r["duration"]["kind"], r["duration"]["outcome"]) == ("outcome", "unknown")  # known after the call
    default = b.features.attrs["default_features"]
    assert "y" not in default and "duration" not in default
    assert b.features.attrs["outcomes"] == {
        "duration": {"label": "Duration", "direction": "unknown", "kind": "number"},
        "y": {"label": "Y", "direction": "good", "kind": "flag"},
    }
    assert b.features["y"].mean() == pytest.approx((realistic.bank()["y"] == "yes").mean())
    churn = realistic.mall().assign(Churn=np.where(np.arange(200) % 4 == 0, "Yes", "No"))
    c2, b2 = _run(tmp_path, churn, name="churn")
    assert c2.quality["roles"]["customers"]["churn"]["outcome"] == "bad"
    assert "churn" not in b2.features.attrs["default_features"] and b2.features["churn"].sum() == 50
    # named in segmentation.features, an outcome is clustered on: declared means declared
    r3 = segmentation.segment(b2.features, config.Segmentation(features=["churn", "age"], k=2, bootstrap=0), 42)
    assert r3.model.preparation.features == ["churn", "age"]


def test_an_outcome_can_be_declared_and_an_undeclared_one_said_to_be_behaviour(tmp_path):
    df = realistic.mall().assign(left_shop=np.arange(200) % 3 == 0)
    c, b = _run(tmp_path, df, name="declared", roles={"outcomes": ["left_shop"]})
    assert c.quality["roles"]["customers"]["left_shop"]["kind"] == "outcome"
    assert "left_shop" in b.features.attrs["outcomes"]
    c2, b2 = _run(tmp_path, realistic.bank(), sep=";", name="flags", roles={"flags": ["y"]})
    assert c2.quality["roles"]["customers"]["y"]["kind"] == "flag" and "y" not in b2.features.attrs["outcomes"]


# ---------------------------------------------------------------------------------------------
# declared means declared
# ---------------------------------------------------------------------------------------------
def test_declared_lenses_are_clustered_exactly(tmp_path):
    spec = {"lenses": {"behavioural": ["Annual Income (k$)", "Spending Score (1-100)"]}}
    c, b = _run(tmp_path, realistic.mall(), name="lens", **spec)
    assert b.features.attrs["default_features"] == ["annual_income_k", "spending_score_1_100"]  # Age not added
    note = next(i18n.said(a) for a in b.features.attrs["assumptions"] if a["subject"] == "features clustered on")
    assert "Age" not in note["assumed"] and "declared" in note["assumed"]


def test_the_assumptions_say_what_segmentation_features_clustered(tmp_path):
    c, b = _run(tmp_path, realistic.mall(), name="given")  # stage 02 would add Age and income to the score
    assert any("also" in i18n.say(a["assumed"]) for a in b.features.attrs["assumptions"])
    r = segmentation.segment(b.features, config.Segmentation(features=["spending_score_1_100"], k=2, bootstrap=0), 42)
    run = RunPaths(tmp_path, "given").ensure()
    stages.save_collected(c, Store(run, "01"))
    stages.save_assumptions("02", b.features.attrs["assumptions"], Store(run, "02"))
    stages.save_assumptions("03", r.assumptions, Store(run, "03"))
    rows = [a for a in stages.load_assumptions(Store(run)) if a["subject"] == "features clustered on"]
    assert [i18n.say(a["assumed"]) for a in rows] == ["as given: Spending Score (1-100)"]


def test_a_given_money_column_with_a_spike_is_kept_and_said(tmp_path):
    df, _ = _income_with_zeros()
    df["Fee"] = np.where(np.arange(len(df)) % 4 == 0, 0.0, 18.4 + np.arange(len(df)) % 97)
    c, b = _run(tmp_path, df, name="fee", roles={"value": ["Fee"]})
    assert c.quality["roles"]["customers"]["fee"]["kind"] == "money"  # as given
    assert b.features["monetary"].eq(0).sum() == 100  # kept: the analyst said it is the value
    row = _assumed(c)["Fee"][0]
    assert row["assumed"] == "money as given; 0 in 25% of rows may mean unknown"


def test_a_card_shows_its_segments_outcomes_beside_all_customers():
    data = pd.DataFrame({"segment": [1, 1, 1, 2, 2], "churn": [1.0, 1.0, 0.0, 0.0, 0.0], "calls": [3, 5, 4, 1, 2]})
    data.attrs["outcomes"] = {
        "churn": {"label": "Churn", "direction": "bad", "kind": "flag"},
        "calls": {"label": "Duration", "direction": "unknown", "kind": "number"},
    }
    assert i18n.say(personas.outcome_text(data, 1)) == "Churn 67% (all customers 40%), Duration 4.0 (all customers 3.0)"
    data.attrs["outcomes"] = {}
    assert personas.outcome_text(data, 1) == ""
