import math

import numpy as np
import pandas as pd
import pytest

from seglab import config, features

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
    cols = ["customer_id", "order_id", "timestamp", "product_id", "category", "quantity", "unit_price", "discount", "channel"]
    tx = pd.DataFrame(TX + list(extra), columns=cols)
    tx["timestamp"] = pd.to_datetime(tx["timestamp"], format="mixed")
    tx["quantity"] = tx["quantity"].astype(float)
    sessions = pd.DataFrame(
        {"customer_id": ["A", "A", "A", "A"] + (["A", "B"] if extra else []),
         "timestamp": pd.to_datetime(["2024-01-01 09:50", "2024-01-05 00:00", "2024-01-31 09:55", "2024-02-20 00:00"]
                                     + (["2024-02-15 00:00", "2024-02-28 00:00"] if extra else []), format="mixed"),
         "converted": [True, False, True, False] + ([True, True] if extra else [])}
    )
    campaigns = pd.DataFrame(
        {"customer_id": ["A", "A"] + (["B"] if extra else []), "campaign_id": ["c1", "c2"] + (["c3"] if extra else []),
         "sent_at": pd.to_datetime(["2024-01-03", "2024-02-01"] + (["2024-02-20"] if extra else [])),
         "opened": [True, False] + ([True] if extra else []), "clicked": [True, False] + ([True] if extra else []),
         "converted": [False, False] + ([True] if extra else [])}
    )
    customers = pd.DataFrame({"customer_id": ["A", "B", "C"], "signup_date": pd.to_datetime(["2023-12-01", None, None]),
                              "email_opt_in": [True, False, True], "sms_opt_in": [False, False, False]})
    return {"transactions": tx, "sessions": sessions, "campaign_events": campaigns, "customers": customers}


@pytest.fixture
def built():
    f, cat = features.build(_tables(), config.Features(as_of=AS_OF))
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
    assert a["tenure_days"] == pytest.approx(72.0)  # signup 2023-12-01 -> end of 2024-02-10
    assert b["tenure_days"] == pytest.approx(5 + 15 / 24)  # no signup date: first purchase
    assert a["reachable"] == 1 and b["reachable"] == 0
    assert a["lifecycle"] == "new" and b["lifecycle"] == "new"


def test_no_leakage_after_as_of(built):
    f, _ = built
    g, _ = features.build(_tables(LATE_TX), config.Features(as_of=AS_OF))
    pd.testing.assert_frame_equal(f.reset_index(), g, check_like=False)


def test_absent_sources_are_left_out_with_reason():
    t = _tables()
    t["transactions"] = t["transactions"].drop(columns=["category", "channel"]).assign(discount=0.0)
    del t["sessions"], t["campaign_events"]
    f, cat = features.build(t, config.Features(as_of=AS_OF))
    for gone in ("category_breadth", "web_share", "discount_share", "sessions_per_order", "campaign_open_rate"):
        assert gone not in f
        assert "needs" in cat.set_index("feature").loc[gone, "why_not"]
    assert {"frequency", "monetary", "recency_days"} <= set(f.columns)


def test_default_as_of_is_last_transaction_date():
    f, _ = features.build(_tables(), config.Features())
    assert f.attrs["as_of"] == "2024-02-05"


def test_lifecycle_thresholds():
    df = pd.DataFrame({"recency_days": [10, 130, 300, 10, 10], "tenure_days": [30, 500, 500, 400, 200]})
    stage = features.lifecycle_stage(df, config.Features())
    assert list(stage) == ["new", "lapsing", "lapsed", "long_term", "active"]
    assert np.all(pd.notna(stage))


def test_customers_without_features_are_accounted_for(built):
    f, _ = built
    t = _tables(LATE_TX)
    t["transactions"] = pd.concat([t["transactions"], pd.DataFrame(
        [{"customer_id": "D", "order_id": "R1", "timestamp": pd.Timestamp("2024-01-20"), "product_id": "P1",
          "category": "X", "quantity": -1.0, "unit_price": 10.0, "discount": 0.0, "channel": "web"}])], ignore_index=True)
    t["customers"] = pd.concat([t["customers"], pd.DataFrame({"customer_id": ["D", "E"]})], ignore_index=True)
    g, _ = features.build(t, config.Features(as_of=AS_OF))
    why = features.customers_without_features(t, g).set_index("customer_id")["reason"]
    assert why.to_dict() == {"C": "first purchase after as_of", "D": "only returns or cancellations up to as_of",
                             "E": "no transaction at all"}


def test_preferred_hour_ties_break_to_the_earliest():
    t = _tables()
    t["transactions"] = t["transactions"][t["transactions"]["customer_id"] == "A"]  # orders at 10:00 x3
    extra = pd.DataFrame([("A", "O5", "2024-02-01 08:00", "P1", "X", 1, 10.0, 0.0, "web"),
                          ("A", "O6", "2024-02-02 08:30", "P1", "X", 1, 10.0, 0.0, "web"),
                          ("A", "O7", "2024-02-03 08:45", "P1", "X", 1, 10.0, 0.0, "web")],
                         columns=t["transactions"].columns)
    extra["timestamp"] = pd.to_datetime(extra["timestamp"])
    t["transactions"] = pd.concat([t["transactions"], extra], ignore_index=True)
    f, _ = features.build(t, config.Features(as_of=AS_OF))
    assert f["preferred_hour"].item() == 8  # 3 orders at 8h and 3 at 10h: the earliest wins
