"""The predictive principle: for each customer, the probability of buying in the next period and
the expected spend in it, with a time hold-out that shows how good the prediction is.

Method (documented in the README, "How it works"):

* the period is ``prediction.horizon_days`` (H) long; the run's as-of date is T;
* **validation**: models are fitted on the features at T - 2H with what each customer did in
  (T - 2H, T - H] as the target, then predict from the features at T - H what customers did in
  (T - H, T], which the models never saw: the AUC of the buy probability, the mean absolute
  error of the expected spend, and the same error for the naive forecast "the same spend as in
  the last H days" are measured there;
* **prediction**: the same models are refitted on the features at T - H with (T - H, T] as the
  target and applied to the run's features at T: the next period is (T, T + H].

The features at the earlier dates are built by the same definitions (:func:`seglab.features.build_many`)
with ``as_of`` moved back, so nothing after each date is used. Buying = at least one purchase line
in the period; spend = net revenue of the period (returns subtracted), floored at 0.

Models: scikit-learn's histogram gradient boosting (classifier for buying; Poisson regressor for
spend, a non-negative amount with many zeros), seeded, without early stopping, so the same data
and seed give the same predictions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from seglab import features as feature_building
from seglab import i18n
from seglab.config import Features as FeatureParams
from seglab.config import Prediction as PredictionParams
from seglab.i18n import N_

#: Columns of the feature table that are not model inputs.
NOT_INPUTS = ("customer_id", "first_purchase", "last_purchase", "segment", "segment_label")


class PredictionUnavailable(ValueError):
    """The data cannot support the time hold-out (no transactions, or too short a history; its
    argument: why, a note said where shown).
    """

    def __str__(self) -> str:
        """Why, in the reader's language."""
        return i18n.say(self.args[0]) if self.args else ""


@dataclass
class Prediction:
    """Per-customer predictions for the next period and the hold-out quality."""

    customers: pd.DataFrame  # customer_id, p_buy, expected_spend
    quality: dict
    holdout: pd.DataFrame = field(repr=False)  # customer_id, p_buy, bought, expected_spend, spend, naive_spend


def model_inputs(feats: pd.DataFrame) -> pd.DataFrame:
    """The numeric model inputs of a feature table (lifecycle as its stage number, flags as 0/1)."""
    x = feats.drop(columns=[c for c in NOT_INPUTS if c in feats.columns])
    if "lifecycle" in x:
        x["lifecycle"] = x["lifecycle"].cat.codes.replace(-1, np.nan) if hasattr(x["lifecycle"], "cat") else np.nan
    x = x.select_dtypes(include=["number", "bool"]).astype("float64")
    return x.reindex(sorted(x.columns), axis=1)


def outcomes(
    tables: dict, after: pd.Timestamp, until: pd.Timestamp, params: FeatureParams | None = None
) -> pd.DataFrame:
    """What each customer who bought in the period (after, until] (days; both ends are dates) did:
    customer_id, bought (always true here), spend (net revenue, floored at 0).
    """
    act = feature_building.period_activity(tables["transactions"], [(after, until)], params)
    act = act[act["bought"]]
    return pd.DataFrame(
        {
            "customer_id": act["customer_id"].to_numpy(),
            "bought": act["bought"].to_numpy(),
            "spend": act["value"].clip(lower=0).to_numpy(),
        }
    )


def _targets(feats: pd.DataFrame, after: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    joined = feats[["customer_id"]].merge(after, on="customer_id", how="left")
    return joined["bought"].fillna(False).to_numpy(dtype=bool), joined["spend"].fillna(0.0).to_numpy(dtype=float)


#: Below this many customers the boosted trees run on one thread: with OpenMP threads that sleep
#: when idle (OMP_WAIT_POLICY=PASSIVE, set by seglab run), waking a second thread for each of
#: the many small parallel steps cost more than it saved (2 cores: 5.5x slower at 5,000
#: customers, 2.3x at 50,000, even at 200,000). The result is the same on any number of threads.
ONE_THREAD_BELOW = 500_000


def _threads(n: int):
    """A context limiting OpenMP to one thread for ``n`` customers below :data:`ONE_THREAD_BELOW`."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(1 if n < ONE_THREAD_BELOW else None, user_api="openmp")


def _fit(x: pd.DataFrame, bought: np.ndarray, spend: np.ndarray, seed: int):
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    if bought.all() or not bought.any():
        raise PredictionUnavailable(
            i18n.as_term(
                N_(
                    "every customer bought in the training period: nothing to learn; try another "
                    "prediction.horizon_days"
                )
                if bought.all()
                else N_(
                    "every customer did not buy in the training period: nothing to learn; try another "
                    "prediction.horizon_days"
                )
            )
        )
    with _threads(len(x)):
        trees = {
            "max_iter": 100,
            "learning_rate": 0.1,
            "max_leaf_nodes": 15,
            "l2_regularization": 1.0,
            "early_stopping": False,
            "random_state": seed,
        }
        clf = HistGradientBoostingClassifier(**trees).fit(x, bought)
        reg = HistGradientBoostingRegressor(loss="poisson", **trees).fit(x, spend)
    return clf, reg


def predict(
    tables: dict, params: FeatureParams, horizon: PredictionParams, current: pd.DataFrame, seed: int
) -> Prediction:
    """Buy probability and expected spend of every customer of ``current`` (the run's features
    at its as-of date T) for the next ``horizon.horizon_days``; validated on (T - H, T].

    Raises :class:`PredictionUnavailable` when the history is shorter than 2H plus
    ``horizon.min_history_days`` before T - 2H, or when the source has no transactions.
    """
    if "transactions" not in tables:
        raise PredictionUnavailable(
            i18n.as_term(N_("a customer-level source has no transaction history to learn from"))
        )
    h = pd.Timedelta(days=horizon.horizon_days)
    as_of = pd.Timestamp(current.attrs.get("as_of") or feature_building.resolve_as_of(tables["transactions"], params))
    first = feature_building.transaction_day(tables["transactions"], "min", params)
    train_at, valid_at = as_of - 2 * h, as_of - h
    if (train_at - first).days < horizon.min_history_days:
        raise PredictionUnavailable(
            i18n.Note.of(
                N_(
                    "the history (%(first)s to %(last)s, %(days)s days) is too short for a "
                    "%(horizon)s-day horizon: the "
                    "time hold-out needs 2 x %(horizon)s days plus %(min)s days of history before them; lower "
                    "prediction.horizon_days"
                ),
                first=i18n.as_date(first),
                last=i18n.as_date(as_of),
                days=(as_of - first).days,
                horizon=horizon.horizon_days,
                min=horizon.min_history_days,
            )
        )
    params = feature_building.fixed_window(params, first, as_of)  # the model's window at every date
    # the history of the current features (what stage 01 found): tenure is censored the same way at every date
    known = {"history": current.attrs["history"]} if current.attrs.get("history") else None
    train_x, valid_x = (b.features for b in feature_building.build_many(tables, params, [train_at, valid_at], known))
    between = outcomes(tables, train_at, valid_at, params)
    train_y = _targets(train_x, between)
    valid_y = _targets(valid_x, outcomes(tables, valid_at, as_of, params))
    naive = _targets(valid_x, between)[1]  # spend of the H days before
    inputs = sorted(set(model_inputs(train_x).columns) & set(model_inputs(current).columns))

    from sklearn.metrics import mean_absolute_error, roc_auc_score

    clf, reg = _fit(model_inputs(train_x)[inputs], *train_y, seed)
    xv = model_inputs(valid_x)[inputs]
    with _threads(len(xv)):
        p_valid, s_valid = clf.predict_proba(xv)[:, 1], reg.predict(xv)
    bought_v, spend_v = valid_y
    if bought_v.all() or not bought_v.any():
        raise PredictionUnavailable("every customer did the same in the validation period: the AUC is undefined")
    quality = {
        "horizon_days": horizon.horizon_days,
        "train_as_of": train_at.date().isoformat(),
        "validation_as_of": valid_at.date().isoformat(),
        "as_of": as_of.date().isoformat(),
        "next_period": f"{(as_of + pd.Timedelta(days=1)).date()} to {(as_of + h).date()}",
        "train_customers": len(train_x),
        "validation_customers": len(valid_x),
        "inputs": len(inputs),
        "auc": float(roc_auc_score(bought_v, p_valid)),
        "buy_rate_observed": float(bought_v.mean()),
        "buy_rate_predicted": float(p_valid.mean()),
        "spend_mae": float(mean_absolute_error(spend_v, s_valid)),
        "spend_mae_naive": float(mean_absolute_error(spend_v, naive)),
        "spend_total_observed": float(spend_v.sum()),
        "spend_total_predicted": float(s_valid.sum()),
    }
    holdout = pd.DataFrame(
        {
            "customer_id": valid_x["customer_id"],
            "p_buy": p_valid,
            "bought": bought_v,
            "expected_spend": s_valid,
            "spend": spend_v,
            "naive_spend": naive,
        }
    )

    clf, reg = _fit(model_inputs(valid_x)[inputs], *valid_y, seed)
    xc = model_inputs(current)[inputs]
    with _threads(len(xc)):
        out = pd.DataFrame(
            {
                "customer_id": current["customer_id"].to_numpy(),
                "p_buy": clf.predict_proba(xc)[:, 1],
                "expected_spend": reg.predict(xc),
            }
        )
    return Prediction(out, quality, holdout)


def attempt(
    tables: dict, params: FeatureParams, horizon: PredictionParams, current: pd.DataFrame, seed: int
) -> tuple[Prediction | None, str]:
    """:func:`predict`, or None and the reason when it is switched off or the data cannot support it."""
    if not horizon.enabled:
        return None, "prediction.enabled is false in the parameters"
    try:
        return predict(tables, params, horizon, current, seed), ""
    except PredictionUnavailable as exc:
        return None, exc.args[0]  # (a note: said where shown)


def per_persona(pred: pd.DataFrame, segments: pd.DataFrame, names: dict[int, str]) -> pd.DataFrame:
    """Per segment: customers, mean buy probability, churn risk (1 - mean buy probability: the
    expected share of its customers who will not buy in the next period), expected spend per
    customer and in total, and its share of the total expected spend.
    """
    df = segments[["customer_id", "segment"]].merge(pred, on="customer_id", how="inner", validate="one_to_one")
    g = df.groupby("segment")
    out = pd.DataFrame(
        {
            "customers": g.size(),
            "buy_probability": g["p_buy"].mean(),
            "churn_risk": 1 - g["p_buy"].mean(),
            "expected_spend_per_customer": g["expected_spend"].mean(),
            "expected_spend": g["expected_spend"].sum(),
        }
    )
    out["expected_spend_share"] = out["expected_spend"] / out["expected_spend"].sum()
    out = out.reset_index()
    out.insert(1, "persona", out["segment"].map(names))
    return out


def quality_text(q: dict) -> str:
    """The hold-out quality in words, for the notebook and the report."""
    better = 1 - q["spend_mae"] / q["spend_mae_naive"] if q["spend_mae_naive"] else np.nan
    if np.isnan(better):
        verdict = i18n._("the naive forecast has no error to compare with")
    elif better > 0:
        verdict = i18n._("%(share)s better than the naive forecast") % {"share": i18n.percent(better)}
    else:
        verdict = i18n._(
            "%(share)s worse than the naive forecast, so the budget and the Boston matrix use the observed value "
            "instead"
        ) % {"share": i18n.percent(-better)}
    return i18n._(
        "Trained on the features at %(train)s and what customers did in the next %(days)s days, then tested on the "
        "following period (features at %(valid)s, outcomes to %(as_of)s), which the models never saw. Buying: AUC "
        "%(auc)s (0.5 = a coin toss, 1 = perfect); %(observed)s of customers bought, %(predicted)s predicted on "
        'average. Spend: mean absolute error %(mae)s per customer against %(naive)s for "same as the last %(days)s '
        'days" (%(verdict)s); total %(total)s predicted for %(total_observed)s observed.'
    ) % {
        "train": i18n.date(q["train_as_of"]),
        "days": i18n.number(q["horizon_days"]),
        "valid": i18n.date(q["validation_as_of"]),
        "as_of": i18n.date(q["as_of"]),
        "auc": i18n.number(q["auc"], 2, grouping=False),
        "observed": i18n.percent(q["buy_rate_observed"]),
        "predicted": i18n.percent(q["buy_rate_predicted"]),
        "mae": i18n.money(q["spend_mae"]),
        "naive": i18n.money(q["spend_mae_naive"]),
        "verdict": verdict,
        "total": i18n.money(q["spend_total_predicted"]),
        "total_observed": i18n.money(q["spend_total_observed"]),
    }
