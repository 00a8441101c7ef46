"""Exports for marketing tools: the per-customer list and the audience files."""

from __future__ import annotations

import numpy as np
import pandas as pd

from seglab import io
from seglab.features import over_indexed
from seglab.files import exports

MATRIX = pd.DataFrame(
    {"segment": [1, 2], "persona": ["Loyal customers", "=HYPERLINK(evil)"], "quadrant": ["Target", "not placed"]}
)
SEGMENTS = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "segment": [1, 1, 2, 2]})


def test_unknown_permissions_stay_empty_and_are_never_a_refusal():
    contacts = pd.DataFrame({"customer_id": ["a", "b", "c"], "email_opt_in": [True, False, None]})  # no sms column
    out = exports.customer_list(SEGMENTS, MATRIX, contacts, None)
    assert list(out.columns) == list(exports.CUSTOMER_COLUMNS)
    assert out["email_allowed"].tolist() == ["yes", "no", "", ""]  # c: missing value, d: not in the table
    assert out["sms_allowed"].tolist() == ["", "", "", ""]  # the data never recorded SMS permission
    assert out["channels_allowed"].tolist() == ["email", "none", "", ""]
    assert out["p_buy_next_period"].isna().all()  # no prediction: empty, not 0
    assert out["quadrant"].tolist() == ["Target", "Target", "", ""]  # a segment the matrix did not place
    both = exports.customer_list(
        SEGMENTS, MATRIX, pd.DataFrame({"customer_id": ["a"], "email_opt_in": [1], "sms_opt_in": [1]}), None
    )
    assert both["channels_allowed"].tolist()[0] == "email;sms"
    assert exports.customer_list(SEGMENTS, MATRIX)["channels_allowed"].eq("").all()


def test_audiences_put_likely_buyers_first_and_neutralise_formulas(tmp_path):
    pred = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "p_buy": [0.2, 0.9, np.nan, 0.5], "expected_spend": 1.0})
    customers = exports.customer_list(SEGMENTS, MATRIX, None, pred)
    files = exports.audiences(customers, MATRIX)
    assert list(files) == ["audience_S1_loyal-customers.csv", "audience_S2_hyperlink-evil.csv"]
    assert files["audience_S1_loyal-customers.csv"]["customer_id"].tolist() == ["b", "a"]
    assert files["audience_S2_hyperlink-evil.csv"]["customer_id"].tolist() == ["d", "c"]  # unknown last
    path = io.write_csv(files["audience_S2_hyperlink-evil.csv"], tmp_path / "x.csv", encoding="utf-8-sig")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\n=HYPERLINK" not in raw and b",=HYPERLINK" not in raw
    assert exports.audience_file(3, "مشتریان وفادار") == "audience_S3.csv"  # no ASCII in the name: by segment
    long = exports.audience_file(4, "Low irregularity of orders, high days between orders")
    assert long == "audience_S4_low-irregularity-of-orders-high-days.csv"  # cut at a word


def test_a_segment_is_described_by_what_sets_it_apart():
    revenue = pd.DataFrame(
        {
            "segment": [1, 1, 1, 2, 2, 2],
            "value": ["Electronics", "Garden", "Toys", "Electronics", "Garden", "Toys"],
            "revenue": [50, 40, 10, 50, 5, 45],
        }
    )
    mix = over_indexed(revenue, n=3)
    s1 = mix[mix["segment"] == 1]
    assert s1["value"].tolist() == ["Garden"] and s1["over"].all()  # 40% against 22.5% overall
    assert round(float(s1["index"].iloc[0]), 2) == round(0.4 / 0.225, 2)
    s2 = mix[mix["segment"] == 2]
    assert s2["value"].tolist() == ["Toys"]
    same = over_indexed(revenue.assign(revenue=[5, 3, 2, 5, 3, 2]), n=2)
    assert not same["over"].any() and same[same["segment"] == 1]["value"].tolist() == ["Electronics", "Garden"]
