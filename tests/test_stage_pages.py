"""Issue 31 (points 5 and 7): the answer first, and stage pages as short reports. Fast tests of
the pieces (no run): a stage page's opening, what stage 01 says of ordered text, the action table
and the rules a reader sees, and statistics in plain words."""

from __future__ import annotations

import nbformat
import numpy as np
import pandas as pd

from seglab import config, i18n
from seglab import prioritization as pr
from seglab.collection.roles.columns import column_role
from seglab.features.attributes import encode_attributes
from seglab.personas import rules_markdown
from seglab.report import stage_pages
from seglab.report.pages import _assumed_line
from seglab.segmentation.model import ks_text
from seglab.vocabulary import method_name

OPENING = (
    "# 02 · Feature building\n\nOne row per customer.\n\n"
    "**Reads** `features.parquet` (stage 01). **Writes** in `data/processed/<run>/`: `x.csv`; figures `y.png`."
)


def _cells():
    return [
        nbformat.v4.new_markdown_cell(OPENING),
        nbformat.v4.new_code_cell("run_name = 'default'"),
        nbformat.v4.new_markdown_cell("Validate the parameters and find the run's folders."),
        nbformat.v4.new_code_cell(
            "stage = seglab.start('02_feature_building')",
            outputs=[
                nbformat.v4.new_output(
                    "stream",
                    name="stdout",
                    text="features.x is read as features.y: move it there\n"
                    "run 'one': reading and writing data/*/one/, figures in reports/one/figures\n",
                )
            ],
        ),
        nbformat.v4.new_markdown_cell("## Build the features"),
    ]


def test_a_stage_page_opens_with_its_finding_and_folds_its_files():
    cells = _cells()
    stage_pages.opening(cells, "4,284 customers described by features <as of> 2024-12-31.")
    first = cells[0].source.split("\n\n")
    assert first[0] == "# 02 · Feature building"  # the title, then the finding (escaped), then the rest
    assert first[1].startswith('<p class="seglab-finding"') and "&lt;as of&gt;" in first[1]
    assert first[3].startswith('<details class="seglab-files"><summary>Files read and written</summary>')
    assert first[5] == "</details>" and "**Reads**" in first[4]


def test_a_page_without_code_says_nothing_of_the_set_up_cell_but_its_warnings():
    cells = _cells()
    stage_pages.without_setup(cells, "one")
    assert not any("Validate the parameters" in c.source for c in cells)
    [start] = [c for c in cells if "seglab.start(" in c.source]
    assert start.outputs[0]["text"] == "features.x is read as features.y: move it there\n"
    quiet = _cells()
    quiet[3].outputs[0]["text"] = "run 'one': reading and writing data/*/one/, figures in reports/one/figures\n"
    stage_pages.without_setup(quiet, "one")
    assert [c for c in quiet if c.cell_type == "code"] == []  # no empty block left (nor the parameters')


def test_stage_01_says_what_stage_02_does_with_ordered_text():
    """income_band (low, middle, high) is one column coded 0, 1, 2 in stage 02: stage 01's
    assumption says so (one decision: seglab.collection.roles.columns.ordinal_levels), never "one 0/1
    column per value"; a text without a known order keeps the one-hot sentence."""
    customers = pd.DataFrame(
        {
            "customer_id": ["1", "2", "3", "4"],
            "income_band": ["low", "middle", "high", "low"],
            "city": ["Leeds", "York", "Bath", "Leeds"],
        }
    )
    said = {c: i18n.say(column_role(customers[c], c, "demographic").why) for c in ("income_band", "city")}
    assert said["income_band"] == "text with 3 values in a known order: one column coded 0 low < 1 middle < 2 high"
    assert said["city"] == "text with 3 values: one 0/1 column per value"
    _, rows = encode_attributes({"customers": customers}, {}, config.Features(), customers["customer_id"])
    kinds = {r["feature"]: r.get("role") for r in rows}
    assert kinds["income_band"] == "ordinal" and "city=Leeds" in kinds  # as stage 01 said


def test_the_action_table_shows_an_analysts_reason_only_where_one_was_given():
    bm = pd.DataFrame(
        {
            "segment": [1, 2],
            "persona": ["a", "b"],
            "attractiveness": [0.7, 0.2],
            "ability_to_win": [0.8, 0.1],
            "quadrant": ["Target", "Ignore"],
            "action": ["x", "y"],
            "decided_by": ["", ""],
            "budget": [1.0, 0.0],
            "budget_share": [1.0, 0.0],
            "budget_how": ["", ""],
            "override_reason": ["", ""],
            "analyst_reason": ["", "our new brand"],
        }
    )
    table = pr.action_table(bm)
    assert "override_reason" not in table and table["analyst_reason"].tolist() == ["", "our new brand"]


def test_rules_that_pick_out_a_handful_of_a_segment_are_counted_not_listed():
    rules = pd.DataFrame(
        {
            "segment": [1, 1, 1],
            "rule": ["orders at least 6", "orders 2", "orders 3"],
            "customers": [950, 2, 3],
            "precision": [1.0, 1.0, 1.0],
            "covers": [0.95, 0.002, 0.003],
        }
    )
    text = rules_markdown(rules, pd.DataFrame({"segment": [1], "fidelity": [0.97]}), {1: "Loyal customers"})
    assert "IF orders at least 6 THEN S1" in text and "selects 2 customers" not in text
    assert "- 2 more rules each cover under 5% of S1: not shown (they are in definable_rules.csv)" in text


def test_statistics_and_methods_read_in_plain_words():
    assert i18n.say(ks_text([7, 8])) == "7, 8" and i18n.say(ks_text(np.array([8]))) == "8"  # never [8]
    assert method_name("kmeans") == "k-means clustering" and method_name("gmm") == "a Gaussian mixture model"
    assert _assumed_line(14, 2) == "seglab assumed 14 things; 2 need your attention"
    assert _assumed_line(1, 0) == "seglab assumed 1 thing; none needs your attention."
