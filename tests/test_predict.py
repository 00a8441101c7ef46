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
    assert set(pred.holdout.columns) == {"customer_id", "p_buy", "bought", "expected_spend", "spend", "naive_spend"}


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
