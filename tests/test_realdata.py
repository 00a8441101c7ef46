"""Whole runs on real public data (../shared/data): Online Retail, CDNOW, Telco churn and the
credit-card customers. Each asserts what must never happen on data seglab has not seen before:
a guess not shown, money made of a constant or a score, a code called high or low, a lifecycle
name without its majority, a Boston matrix collapsed on the threshold, a budget that favours a
lower quadrant, growth measured on windows of different length. Skipped without the data on a
developer machine; required in CI."""

from __future__ import annotations

import json
import re

import browser
import pandas as pd
import pytest
import yaml
from conftest import SHARED, skip_or_fail
from test_pipeline import _project, _seglab

from seglab import i18n, prioritization
from seglab.run import pipeline

pytestmark = [pytest.mark.slow, pytest.mark.realdata]

DATA = {
    "online_retail": SHARED / "online_retail" / "online_retail.parquet",
    "cdnow": SHARED / "cdnow" / "CDNOW_master.txt",
    "telco": SHARED / "telco_churn" / "WA_Fn-UseC_-Telco-Customer-Churn.csv",
    "credit_card": SHARED / "credit_card" / "cc_general.csv",
}
LIFECYCLE = {"new_customers": "lifecycle_new", "at_risk": "lifecycle_lapsing", "lapsed": "lifecycle_lapsed"}


def _run(name: str, root, tmp_path_factory):
    if not DATA[name].is_file():
        skip_or_fail(f"{DATA[name]} not found (../shared/data/README.md)")
    params = yaml.safe_load((root / "notebooks" / "params" / f"{name}.yaml").read_text())
    table = "transactions" if "transactions" in params["source"]["tables"] else "customers"
    params["source"]["tables"][table]["path"] = str(DATA[name])
    tmp = tmp_path_factory.mktemp(name)
    res = _seglab("run", "--params", str(_project(tmp, root, params)), root=tmp)
    assert res.returncode == 0, res.stderr[-3000:]
    return tmp, params["run_name"]


class Run:
    def __init__(self, folder, run):
        self.folder, self.run = folder, run
        self.processed = folder / "data" / "processed" / run
        self.reports = folder / "reports" / run
        self.quality = json.loads((folder / "data" / "interim" / run / "quality.json").read_text())
        self.meta = json.loads((self.processed / "features_meta.json").read_text())
        self.boston = pd.read_csv(self.processed / "boston_matrix.csv")
        self.profiles = pd.read_csv(self.processed / "profiles.csv")
        self.names = pd.read_csv(self.processed / "persona_names.csv")
        self.cards = json.loads((self.processed / "personas.json").read_text())
        self.index = (self.reports / "index.html").read_text()


#: Each data set's run, made once per test worker (its tests stay on one worker: conftest).
_RUNS: dict[str, Run] = {}


@pytest.fixture(scope="module", params=list(DATA))
def run(request, root, tmp_path_factory):
    if request.param not in _RUNS:  # (pytest may set a parameter up again after another's tests)
        _RUNS[request.param] = Run(*_run(request.param, root, tmp_path_factory))
    return _RUNS[request.param]


def test_every_guess_is_listed_with_the_line_that_changes_it(run):
    assert "What seglab assumed" in run.index
    said = {a["subject"] for a in run.quality["assumptions"]}
    for table, roles in run.quality.get("roles", {}).items():
        labels = run.quality["labels"].get(table, {})
        for col, role in roles.items():
            if role["how"] == "guessed":
                assert labels.get(col, col) in said, (table, col)
    for a in run.quality["assumptions"]:
        assert a["change"] and a["why"], a
        assert a["subject"] in run.index or a["subject"].replace("'", "&#39;") in run.index


def test_no_value_from_a_constant_a_score_or_a_share(run):
    roles = run.quality.get("roles", {}).get("customers", {})
    for col in run.quality.get("value", {}).get("columns", []):
        assert roles[col]["kind"] == "money", (col, roles[col])
    if run.quality.get("customer_level") and not run.quality["value"]["columns"]:
        assert all(c.get("revenue_share") is None for c in run.cards)  # "value unknown", never 0


def test_no_code_or_category_is_called_high_or_low(run):
    kinds = run.meta.get("kinds") or {}
    labels = run.meta.get("labels") or {}
    indicator = [labels.get(f, f) for f, k in kinds.items() if "=" in f or k in ("flag", "binary", "category", "code")]
    said = [*run.names["persona"], *(t for c in run.cards for t in c["traits"])]  # as the reader reads them
    text = " ".join(map(i18n.say, said))
    for label in indicator:
        assert not re.search(rf"\b(high|low) {re.escape(label)}\b", text, re.I), label


def test_no_lifecycle_name_without_its_majority(run):
    prof = run.profiles.set_index("segment")
    for _, r in run.names.iterrows():
        if r["archetype"] in LIFECYCLE:
            assert prof.loc[r["segment"], LIFECYCLE[r["archetype"]]] >= 0.5, r


def test_ability_to_win_is_never_a_constant_on_the_threshold(run):
    ability = run.boston["ability_to_win"]
    if ability.isna().all():
        assert (run.boston["quadrant"] == prioritization.NOT_PLACED).all()
        assert "Ability to win is not measured" in run.index and "analyst_inputs:" in run.index
    else:
        assert ability.notna().all() and ability.nunique() > 1


def test_budget_is_monotone(run):
    order = {q: i for i, q in enumerate((*prioritization.QUADRANTS, prioritization.NOT_PLACED))}
    b = run.boston
    for _, i in b.iterrows():
        for _, j in b.iterrows():
            same_kind = i["quadrant"] != prioritization.NOT_PLACED and j["quadrant"] != prioritization.NOT_PLACED
            if same_kind and j["basis_value"] >= i["basis_value"] and order[j["quadrant"]] <= order[i["quadrant"]]:
                assert j["budget"] >= i["budget"] - 1e-6, (i.to_dict(), j.to_dict())
    assert b["budget"].sum() == pytest.approx(100_000)
    assert b["budget_how"].str.len().gt(0).all()


def test_growth_uses_windows_of_the_same_length(run):
    mon = json.loads((run.processed / "monitoring.json").read_text())
    if run.quality.get("customer_level"):
        assert not mon["available"]
        return
    if not mon["available"]:
        return
    w = mon["window_days"]
    first = pd.Timestamp(run.quality["tables"]["transactions"]["date_min"]).normalize()
    assert all(pd.Timestamp(e) - pd.Timedelta(days=w - 1) >= first for e in mon["periods"])
    flags = pd.read_csv(run.processed / "monitoring_flags.csv")
    if len(mon["periods"]) < 2:
        assert (flags["trend"] == "unknown").all() and "Growth is unknown" in run.index


def test_pages_load_cleanly_and_show_no_machine_path(run, root):
    assert str(run.folder) not in run.index  # the data-used line is relative to the project
    for name, _ in pipeline.STAGES:
        page = (run.reports / f"{name}.html").read_text()
        assert "PosixPath(" not in page, name
    pages = ["index.html"] + [f"{name}.html" for name, _ in pipeline.STAGES]
    checks = browser.check_pages(run.reports, pages, root / "test-output" / "screenshots" / run.run)
    assert [p for c in checks for p in c.problems()] == []


def test_what_each_data_set_gives(run):
    """The facts a marketer would check first, per data set."""
    if run.run == "online_retail":
        assert "541,909" in run.index
        assert run.meta["value_basis"].startswith("net revenue of the order lines")
        assert "country" in run.quality["roles"]["customers"]  # 37 countries: profiled, not dropped
        names = run.names.set_index("segment")["persona"]
        # a wholesaler's customers order hundreds of units: no impulse shoppers; the segment of huge orders
        # with many returns is the bulk buyers
        assert "Impulse shoppers" not in set(names)
        returns = run.profiles.set_index("segment")["return_share"]
        assert names[returns.idxmax()] == "Bulk buyers"
        # a year of orders: the Christmas quarter against the one before, every segment up 40 % or
        # more in customers with the whole base, no share moving beyond resampling, and the seasons
        # said not to be separated (on the index, in the 06 page and in What seglab assumed)
        growth = json.loads((run.processed / "monitoring.json").read_text())["growth"]
        assert growth["recent"] == ["2011-12-09"] and growth["base"] == ["2011-09-09"]
        assert not growth["year_over_year"] and not growth["same_season"]
        flags = pd.read_csv(run.processed / "monitoring_flags.csv")
        assert (flags["customers_change"] > 0.4).all() and (flags["trend"] == "stable").all()
        assert "Seasons are not separated" in run.index
        assert "Seasons are not separated" in (run.reports / "06_monitoring.html").read_text()
        season = json.loads((run.processed / "assumptions_06.json").read_text())
        assert [a["subject"] for a in season] == ["growth over time"] and season[0]["subject"] in run.index
        assert run.meta["window_days"] == 282  # the model's window, the one monitoring uses
    elif run.run == "cdnow":
        assert run.quality["tables"]["transactions"]["read"] == 69659
    elif run.run == "telco":
        assert run.quality["value"] == {"columns": ["monthly_charges"], "how": "given", "why": "roles.value"}
        assert "tenure_days" in run.meta["default_features"] and "monthly_charges" not in run.meta["default_features"]
        assert any(n == "New customers" for n in run.names["persona"])  # month-to-month newcomers
    elif run.run == "credit_card":
        assert run.quality["value"]["columns"] == ["purchases"]  # the sum of one-off and instalment purchases
        roles = run.quality["roles"]["customers"]
        assert roles["purchases_frequency"]["kind"] == "share" and roles["tenure"]["behaviour"] == "tenure_months"
