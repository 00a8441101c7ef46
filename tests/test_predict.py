"""Prediction: outcomes of a period by hand, the time hold-out dates, unavailable cases."""

import pandas as pd
import pytest

from seglab import config, i18n
from seglab.personas import predict


def _tx(rows):
    df = pd.DataFrame(rows, columns=["customer_id", "order_id", "timestamp", "quantity", "unit_price"])
    df["timestamp"] = pd.to_datetime(df["timestamp"])
    return df


def test_outcomes_count_only_the_period_and_net_returns():
    tx = _tx(
        [
            ("a", "1", "2024-01-10 10:00", 2, 10.0),  # before the period
            ("a", "2", "2024-02-01 00:00", 1, 30.0),  # first moment of the period: in
            ("a", "3", "2024-02-05 12:00", -1, 30.0),  # a return in the period: subtracted
            ("b", "4", "2024-02-29 23:59", 3, 5.0),  # last minute of the period: in
            ("c", "5", "2024-03-01 00:00", 1, 99.0),  # after the period: out
            ("d", "6", "2024-02-10 09:00", -2, 4.0),  # only a return: did not buy
        ]
    )
    out = predict.outcomes({"transactions": tx}, pd.Timestamp("2024-01-31"), pd.Timestamp("2024-02-29")).set_index(
        "customer_id"
    )
    assert out.loc["a", "bought"] and out.loc["a", "spend"] == 0.0  # 30 bought, 30 returned
    assert out.loc["b", "bought"] and out.loc["b", "spend"] == 15.0
    assert "c" not in out.index and "d" not in out.index


def _history(days: int) -> pd.DataFrame:
    rows = []
    for i, day in enumerate(pd.date_range("2024-01-01", periods=days, freq="D")):
        for c in range(20):
            if (i + c) % (c + 2) == 0 and (c < 12 or i < 40 + 8 * c):  # c12..c19 stop buying one after another
                rows.append((f"c{c:02d}", f"{i}-{c}", day + pd.Timedelta(hours=10), 1 + c % 3, 10.0 + c))
    return _tx(rows)


def test_short_history_is_a_clear_error():
    tx = _history(150)  # 2 x 90 days do not fit
    feats = pd.DataFrame({"customer_id": ["c00"]})
    p = config.Prediction(horizon_days=90)
    with pytest.raises(
        predict.PredictionUnavailable, match="too short for a 90-day horizon.*lower prediction.horizon_days"
    ):
        predict.predict({"transactions": tx}, config.Features(), p, feats, 1)
    pred, why = predict.attempt({"transactions": tx}, config.Features(), p, feats, 1)
    assert pred is None and "too short" in i18n.say(why)
    pred, why = predict.attempt({"customers": pd.DataFrame()}, config.Features(), p, feats, 1)
    assert pred is None and "customer-level" in i18n.say(why)
    pred, why = predict.attempt({"transactions": tx}, config.Features(), config.Prediction(enabled=False), feats, 1)
    assert pred is None and "enabled is false" in why


def test_dates_of_the_holdout_follow_the_horizon():
    from seglab import features

    tx = _history(200)
    feats = features.build({"transactions": tx}, config.Features()).features
    pred = predict.predict({"transactions": tx}, config.Features(), config.Prediction(horizon_days=30), feats, 1)
    q = pred.quality
    assert q["as_of"] == tx["timestamp"].max().date().isoformat() == "2024-07-17"  # the last day with an order
    assert (q["validation_as_of"], q["train_as_of"]) == ("2024-06-17", "2024-05-18")  # 30 and 60 days before
    assert q["next_period"] == "2024-07-18 to 2024-08-16"
    assert set(pred.holdout.columns) == {
        *("customer_id", "p_buy", "bought", "expected_spend", "spend", "naive_spend"),
        *("covered_purchases", "covered_spend"),  # the share of each 80 % interval the outcome fell in
    }


def test_predictions_do_not_depend_on_the_number_of_threads(synthetic_tables, default_params, monkeypatch):
    """The boosted trees run on one thread for small data (faster); the predictions must be the
    very same numbers as with the library's own thread count."""
    from seglab import features

    feats = features.build(synthetic_tables, default_params.features).features
    args = (synthetic_tables, default_params.features, default_params.prediction, feats, default_params.seed)
    one = predict.predict(*args)
    monkeypatch.setattr(predict, "ONE_THREAD_BELOW", 0)  # every fit with the default threads
    many = predict.predict(*args)
    pd.testing.assert_frame_equal(one.customers, many.customers, check_exact=True)
    pd.testing.assert_frame_equal(one.holdout, many.holdout, check_exact=True)
    assert one.quality == many.quality


def test_the_model_that_validates_best_drives_each_prediction(synthetic_tables, default_params):
    """Three models on the same hold-out; buying by the best AUC, spend by the smallest error;
    every customer gets a lifetime value with its interval."""
    from seglab import features

    feats = features.build(synthetic_tables, default_params.features).features
    pred = predict.predict(synthetic_tables, default_params.features, default_params.prediction, feats, 3)
    q = pred.quality
    assert set(q["models"]) == {"btyd", "gbm", "combined"}
    aucs = {m: v["auc"] for m, v in q["models"].items()}
    errors = {m: v["spend_mae"] for m, v in q["models"].items()}
    assert round(aucs[q["model_buy"]], 3) == round(max(aucs.values()), 3) and q["auc"] == aucs[q["model_buy"]]
    assert round(errors[q["model_spend"]], 3) == round(min(errors.values()), 3)
    assert q["spend_mae"] == errors[q["model_spend"]]
    assert all(0.5 < a < 1 for a in aucs.values())
    life = q["lifetime"]
    assert life["available"] and 0.6 < life["coverage_purchases"] < 0.95 and 0.6 < life["coverage_spend"] < 0.95
    text = predict.models_text(q)  # the one line the page shows: models, choice, coverage, Gamma-Gamma's check
    assert "Buying is predicted by" in text and "correlation is" in text
    c = pred.customers
    assert c["customer_id"].tolist() == feats["customer_id"].tolist()
    assert c[["p_alive", "clv", "clv_low", "clv_high"]].notna().all().all()
    assert (c["clv_low"] <= c["clv_high"]).all() and (c["clv"] >= 0).all() and c["p_alive"].between(0, 1).all()
    # the 12-month value of the customers together lies inside the sum of their intervals
    assert c["clv_low"].sum() < c["clv"].sum() < c["clv_high"].sum()


def test_too_few_repeat_buyers_say_lifetime_value_is_not_measured(synthetic_tables, default_params, monkeypatch):
    import numpy as np

    from seglab import features
    from seglab.personas import lifetime

    one = lifetime.Summary(
        np.array(["a", "b"]), np.array([2.0, 0.0]), np.array([5.0, 0.0]), np.array([9.0, 9.0]), np.array([10.0, 0.0])
    )
    with pytest.raises(ValueError) as e:
        lifetime.GammaGamma.fit(one)  # one repeat buyer with a spend
    assert e.value.args == (lifetime.TOO_FEW_REPEAT_BUYERS,)
    fit = lifetime.GammaGamma.fit
    monkeypatch.setattr(lifetime.GammaGamma, "fit", lambda s: fit(one))  # as if the data had only that one
    feats = features.build(synthetic_tables, default_params.features).features
    pred = predict.predict(synthetic_tables, default_params.features, default_params.prediction, feats, 1)
    assert pred.quality["lifetime"] == {"available": False, "why_not": lifetime.TOO_FEW_REPEAT_BUYERS}
    assert set(pred.quality["models"]) == {"gbm"} and pred.quality["model_buy"] == pred.quality["model_spend"] == "gbm"
    assert "clv" not in pred.customers and pred.customers["p_buy"].notna().all()
