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
from seglab.personas import lifetime

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

    customers: (
        pd.DataFrame
    )  # customer_id, p_buy, expected_spend (and p_alive, expected_purchases, clv, clv_low, clv_high)
    quality: dict
    holdout: pd.DataFrame = field(repr=False)  # customer_id, p_buy, bought, expected_spend, spend, naive_spend
    #: BG/NBD and Gamma-Gamma fitted at the as-of date (None: lifetime value not measured)
    lifetime: lifetime.Lifetime | None = field(default=None, repr=False)
    #: what the lifetime value covers: clv_months, discount_rate, seed
    lifetime_terms: dict = field(default_factory=dict)


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


def _fit(x: pd.DataFrame, bought: np.ndarray, spend: np.ndarray, seed: int, what: str = "both"):
    """The boosted trees for buying and for spend (``what``: "both", "buy" or "spend"; None for the other)."""
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
    if not spend.any():
        raise PredictionUnavailable(
            i18n.as_term(
                N_(
                    "no customer spent anything in the training period: nothing to learn; try another "
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
        clf = HistGradientBoostingClassifier(**trees).fit(x, bought) if what != "spend" else None
        reg = HistGradientBoostingRegressor(loss="poisson", **trees).fit(x, spend) if what != "buy" else None
    return clf, reg


#: The models compared on the hold-out, in the order a tie is settled (the simpler first).
MODELS = ("btyd", "gbm", "combined")
#: The BG/NBD and Gamma-Gamma outputs the combined model adds to the features.
BTYD_INPUTS = ("btyd_p_alive", "btyd_purchases", "btyd_spend")


def _lifetimes(tables: dict, params: FeatureParams, dates: list[pd.Timestamp]) -> dict | None:
    """BG/NBD and Gamma-Gamma fitted on the purchase days up to each date; None when the spend
    model cannot be fitted (fewer than two repeat buyers).
    """
    try:
        histories = lifetime.purchase_histories(tables["transactions"], dates, params)
        return {d: lifetime.Lifetime.fit(histories[d]) for d in dates}
    except ValueError as exc:
        if exc.args != (lifetime.TOO_FEW_REPEAT_BUYERS,):
            raise
        return None


def _btyd_frame(lt: lifetime.Lifetime, weeks: float) -> pd.DataFrame:
    """Per customer of ``lt``: P(alive), expected purchases and net spend in the next ``weeks``,
    and the probability of at least one purchase.
    """
    s = lt.summary
    purchases = lt.purchases.expected(s, weeks)
    return pd.DataFrame(
        {
            "customer_id": s.customer_id.astype(str),
            "btyd_p_alive": lt.purchases.p_alive(s),
            "btyd_purchases": purchases,
            "btyd_spend": purchases * lt.per_purchase(),
            "btyd_p_buy": 1.0 - lt.purchases.pmf(s, weeks, kmax=2)[:, 0],
        }
    )


def _with_btyd(feats: pd.DataFrame, btyd: pd.DataFrame) -> pd.DataFrame:
    """``btyd``'s columns aligned on the rows of ``feats`` (NaN for a customer without purchase days)."""
    ids = feats[["customer_id"]].astype({"customer_id": str})
    return ids.merge(btyd, on="customer_id", how="left", validate="one_to_one")


def _scores(name: str, models, x: pd.DataFrame, btyd: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Of model ``name``: buy probability, ranking score and expected spend on the rows of ``x``."""
    if name == "btyd":
        return (
            btyd["btyd_p_buy"].fillna(0).to_numpy(),
            btyd["btyd_purchases"].fillna(0).to_numpy(),
            (btyd["btyd_spend"].fillna(0).to_numpy()),
        )
    clf, reg = models[name]
    if name == "combined":
        x = x.assign(**{c: btyd[c].to_numpy() for c in BTYD_INPUTS})
    with _threads(len(x)):
        p = clf.predict_proba(x)[:, 1]
        return p, p, reg.predict(x)


def _measures(bought: np.ndarray, spend: np.ndarray, p: np.ndarray, score: np.ndarray, s: np.ndarray) -> dict:
    """A model's hold-out quality: AUC, buy rate, spend error, totals and calibration of P(buy)
    (the largest gap between predicted and observed buy rate over tenths of customers by P(buy)).
    """
    from sklearn.metrics import mean_absolute_error, roc_auc_score

    order = np.argsort(p, kind="stable")
    gaps = [abs(p[i].mean() - bought[i].mean()) for i in np.array_split(order, 10) if len(i)]
    return {
        "auc": float(roc_auc_score(bought, score)),
        "buy_rate_predicted": float(p.mean()),
        "calibration_gap": float(max(gaps)),
        "spend_mae": float(mean_absolute_error(spend, s)),
        "spend_total_predicted": float(s.sum()),
        "spend_total_error": float(s.sum() / spend.sum() - 1) if spend.sum() else float("nan"),
    }


def _coverage(lt: lifetime.Lifetime, weeks: float, ids: pd.Series, outcome: tuple, seed: int) -> pd.DataFrame:
    """Per customer of ``ids``: the share of the 80 % intervals of purchases and of spend in the
    hold-out that the outcome fell in (:func:`seglab.personas.lifetime.covered`).
    """
    counts, spend = outcome  # aligned on lt's customers
    s = lt.summary
    out = pd.DataFrame({"customer_id": s.customer_id.astype(str)})
    out["covered_purchases"] = lifetime.covered_counts(lt.purchases.pmf(s, weeks), counts)
    cover = np.empty(len(s.x))
    for rows, _c, draws in lt.draws(weeks, seed):
        cover[rows] = lifetime.covered(draws, spend[rows])
    out["covered_spend"] = cover
    return pd.DataFrame({"customer_id": ids.astype(str)}).merge(out, on="customer_id", how="left")


def _holdout_outcome(lts: dict, valid_at, as_of, after: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Purchase days and net spend in (valid_at, as_of] of the customers of the fit at valid_at."""
    ids = pd.Series(lts[valid_at].summary.customer_id.astype(str))
    before = pd.Series(lts[valid_at].summary.x + 1, index=ids)
    now = pd.Series(lts[as_of].summary.x + 1, index=lts[as_of].summary.customer_id.astype(str))
    counts = (ids.map(now).fillna(0).to_numpy() - before.to_numpy()).clip(0)
    spent = after.set_index("customer_id")["spend"]
    return counts, ids.map(spent).fillna(0.0).to_numpy()


def _history_check(tables: dict, params: FeatureParams, horizon: PredictionParams, current: pd.DataFrame):
    """The dates of the time hold-out (as_of, its first day), or :class:`PredictionUnavailable`."""
    if "transactions" not in tables:
        raise PredictionUnavailable(
            i18n.as_term(
                N_(
                    "a customer-level source has no transaction history to learn from: no next-period prediction, "
                    "and lifetime value not measured"
                )
            )
        )
    h = pd.Timedelta(days=horizon.horizon_days)
    as_of = pd.Timestamp(current.attrs.get("as_of") or feature_building.resolve_as_of(tables["transactions"], params))
    first = feature_building.transaction_day(tables["transactions"], "min", params)
    if (as_of - 2 * h - first).days < horizon.min_history_days:
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
    return as_of, first


def _lifetime_value(lt: lifetime.Lifetime, horizon: PredictionParams, seed: int) -> pd.DataFrame:
    """Per customer: P(alive), expected purchases, lifetime value over ``clv_months`` (discounted)
    and its 80 % interval (draws of the undiscounted spend, scaled by the discounting).
    """
    s = lt.summary
    weeks = lifetime.weeks_in(horizon.clv_months)
    clv, blocks = lt.value_draws(horizon.clv_months, horizon.discount_rate, seed)
    low, high = np.empty(len(clv)), np.empty(len(clv))
    for rows, draws, scale in blocks:
        q = np.quantile(draws, lifetime.INTERVAL, axis=1) * scale
        low[rows], high[rows] = q[0], q[1]
    return pd.DataFrame(
        {
            "customer_id": s.customer_id.astype(str),
            "p_alive": lt.p_alive(),
            "expected_purchases": lt.purchases.expected(s, weeks),
            "clv": clv,
            "clv_low": low,
            "clv_high": high,
        }
    )


def predict(
    tables: dict, params: FeatureParams, horizon: PredictionParams, current: pd.DataFrame, seed: int
) -> Prediction:
    """Buy probability and expected spend of every customer of ``current`` (the run's features
    at its as-of date T) for the next ``horizon.horizon_days``, by the model that validates best
    on (T - H, T] of gradient boosting, BG/NBD with Gamma-Gamma, and both (BG/NBD's outputs as
    inputs of the boosting); and each customer's lifetime value over ``horizon.clv_months``.

    Raises :class:`PredictionUnavailable` when the history is shorter than 2H plus
    ``horizon.min_history_days`` before T - 2H, or when the source has no transactions.
    """
    as_of, first = _history_check(tables, params, horizon, current)
    h = pd.Timedelta(days=horizon.horizon_days)
    train_at, valid_at = as_of - 2 * h, as_of - h
    params = feature_building.fixed_window(params, first, as_of)  # the model's window at every date
    # the history of the current features (what stage 01 found): tenure is censored the same way at every date
    known = {"history": current.attrs["history"]} if current.attrs.get("history") else None
    train_x, valid_x = (b.features for b in feature_building.build_many(tables, params, [train_at, valid_at], known))
    between = outcomes(tables, train_at, valid_at, params)
    train_y = _targets(train_x, between)
    after = outcomes(tables, valid_at, as_of, params)
    valid_y = _targets(valid_x, after)
    naive = _targets(valid_x, between)[1]  # spend of the H days before
    inputs = sorted(set(model_inputs(train_x).columns) & set(model_inputs(current).columns))
    bought_v, spend_v = valid_y
    if bought_v.all() or not bought_v.any():
        raise PredictionUnavailable("every customer did the same in the validation period: the AUC is undefined")

    weeks = horizon.horizon_days / lifetime.WEEK
    lts = _lifetimes(tables, params, [train_at, valid_at, as_of])
    names = MODELS if lts else ("gbm",)
    btyd = {d: _btyd_frame(lt, weeks) for d, lt in lts.items()} if lts else {}
    xt, xv = model_inputs(train_x)[inputs], model_inputs(valid_x)[inputs]
    bt, bv = (_with_btyd(train_x, btyd[train_at]), _with_btyd(valid_x, btyd[valid_at])) if lts else (None, None)
    models = {"gbm": _fit(xt, *train_y, seed)}
    if lts:
        models["combined"] = _fit(xt.assign(**{c: bt[c].to_numpy() for c in BTYD_INPUTS}), *train_y, seed)
    measured, held = {}, {}
    for name in names:
        held[name] = _scores(name, models, xv, bv)
        measured[name] = _measures(bought_v, spend_v, *held[name])
    # buying by the best AUC, spend by the smallest error; a tie (to 3 digits) goes to the simpler model
    buy = max(names, key=lambda n: (round(measured[n]["auc"], 3), -MODELS.index(n)))
    spend = min(names, key=lambda n: (round(measured[n]["spend_mae"], 3), MODELS.index(n)))
    p_valid, s_valid = held[buy][0], held[spend][2]
    quality = {
        "horizon_days": horizon.horizon_days,
        "train_as_of": train_at.date().isoformat(),
        "validation_as_of": valid_at.date().isoformat(),
        "as_of": as_of.date().isoformat(),
        "next_period": f"{(as_of + pd.Timedelta(days=1)).date()} to {(as_of + h).date()}",
        "train_customers": len(train_x),
        "validation_customers": len(valid_x),
        "inputs": len(inputs),
        "model_buy": buy,
        "model_spend": spend,
        "models": measured,
        **{k: measured[buy][k] for k in ("auc", "buy_rate_predicted")},
        **{k: measured[spend][k] for k in ("spend_mae", "spend_total_predicted")},
        "buy_rate_observed": float(bought_v.mean()),
        "spend_mae_naive": float(np.mean(np.abs(spend_v - naive))),
        "spend_total_observed": float(spend_v.sum()),
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
    if lts:
        held_out = _holdout_outcome(lts, valid_at, as_of, after)
        quality["lifetime"] = _lifetime_quality(lts, (valid_at, as_of), held_out[0])
        cover = _coverage(lts[valid_at], weeks, valid_x["customer_id"], held_out, seed)
        holdout[["covered_purchases", "covered_spend"]] = cover[["covered_purchases", "covered_spend"]].to_numpy()
        quality["lifetime"]["coverage_purchases"] = float(np.nanmean(holdout["covered_purchases"]))
        quality["lifetime"]["coverage_spend"] = float(np.nanmean(holdout["covered_spend"]))
    valid = (xv, bv, valid_y)
    if not lts:
        quality["lifetime"] = {"available": False, "why_not": lifetime.TOO_FEW_REPEAT_BUYERS}
    out = pd.DataFrame(
        {
            "customer_id": current["customer_id"].to_numpy(),
            "p_buy": _current(buy, valid, current, inputs, btyd.get(as_of), seed, "buy"),
            "expected_spend": _current(spend, valid, current, inputs, btyd.get(as_of), seed, "spend"),
        }
    )
    if not lts:
        return Prediction(out, quality, holdout)
    out = out.merge(_lifetime_value(lts[as_of], horizon, seed), on="customer_id", how="left", validate="one_to_one")
    terms = {"clv_months": horizon.clv_months, "discount_rate": horizon.discount_rate, "seed": seed}
    quality["lifetime"].update(terms)
    return Prediction(out, quality, holdout, lts[as_of], terms)


def _lifetime_quality(lts: dict, dates: tuple, counts: np.ndarray) -> dict:
    """The fitted parameters at each date's fit used, and BG/NBD's aggregate purchases error on the hold-out."""
    valid_at, as_of = dates
    lt = lts[valid_at]
    expected = lt.purchases.expected(lt.summary, (as_of - valid_at).days / lifetime.WEEK)
    now = lts[as_of]
    return {
        "available": True,
        "bgnbd": {k: getattr(now.purchases, k) for k in ("r", "alpha", "a", "b", "log_likelihood", "customers")},
        "gamma_gamma": {k: getattr(now.spend, k) for k in ("p", "q", "v", "customers", "correlation")},
        "net_share": now.net_share,
        "dropout_per_purchase": now.dropout,
        "p_alive_measured": now.leaving_seen,
        "purchases_observed": float(counts.sum()),
        "purchases_predicted": float(expected.sum()),
        "purchases_total_error": float(expected.sum() / counts.sum() - 1) if counts.sum() else float("nan"),
    }


def _current(name: str, valid: tuple, current: pd.DataFrame, inputs: list, btyd_now, seed: int, what: str):
    """Model ``name``'s buy probability (``what="buy"``) or expected spend (``"spend"``) of the
    customers of ``current`` (the boosting refitted on the hold-out's features and outcomes).
    """
    if name == "btyd":
        b = _with_btyd(current, btyd_now)
        return b["btyd_p_buy" if what == "buy" else "btyd_spend"].fillna(0).to_numpy()
    xv, bv, valid_y = valid
    xc = model_inputs(current)[inputs]
    if name == "combined":
        xv = xv.assign(**{c: bv[c].to_numpy() for c in BTYD_INPUTS})
        bc = _with_btyd(current, btyd_now)
        xc = xc.assign(**{c: bc[c].to_numpy() for c in BTYD_INPUTS})
    clf, reg = _fit(xv, *valid_y, seed, what)
    with _threads(len(xc)):
        return clf.predict_proba(xc)[:, 1] if what == "buy" else reg.predict(xc)


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


def per_segment(pred: Prediction, segments: pd.DataFrame) -> pd.DataFrame:
    """Per segment: customers, mean buy probability, churn risk (1 - mean buy probability: the
    expected share of its customers who will not buy in the next period), expected spend per
    customer and in total, and its share of the total expected spend; with lifetime value, the
    mean P(alive) and the lifetime value per customer with the 80 % interval of that mean
    (:func:`segment_values`). Numbers only: :func:`per_persona` adds the personas' names.
    """
    df = segments[["customer_id", "segment"]].merge(
        pred.customers, on="customer_id", how="inner", validate="one_to_one"
    )
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
    if pred.lifetime is not None:
        out = out.join(segment_values(pred, segments))
    return out.reset_index()


def per_persona(table: pd.DataFrame, names: dict[int, str]) -> pd.DataFrame:
    """:func:`per_segment`'s table with each segment's persona name (in the reader's words)."""
    out = table.copy()
    out.insert(1, "persona", out["segment"].map(names))
    return out


def segment_values(pred: Prediction, segments: pd.DataFrame) -> pd.DataFrame:
    """Per segment (index): mean P(alive), lifetime value per customer and the 80 % interval of
    that mean (the segment's customers' draws added draw by draw, the same seeded draws as each
    customer's interval), over the prediction's ``clv_months``.
    """
    lt, terms = pred.lifetime, pred.lifetime_terms
    ids = pd.Series(lt.summary.customer_id.astype(str))
    seg_of = ids.map(segments.astype({"customer_id": str}).set_index("customer_id")["segment"])
    codes = seg_of.fillna(0).astype(int).to_numpy()
    order = np.unique(codes[codes > 0])
    sums = np.zeros((len(order), lifetime.DRAWS))
    index = {s: i for i, s in enumerate(order)}
    clv, blocks = lt.value_draws(terms["clv_months"], terms["discount_rate"], terms["seed"])
    for rows, draws, scale in blocks:
        block = codes[rows]
        for s_ in np.unique(block[block > 0]):
            sums[index[s_]] += (draws[block == s_] * scale[block == s_][:, None]).sum(axis=0)
    n = pd.Series(codes[codes > 0]).value_counts().reindex(order).to_numpy()
    low, high = np.quantile(sums, lifetime.INTERVAL, axis=1) / n
    p_alive = pd.Series(lt.p_alive()).groupby(codes).mean().reindex(order).to_numpy()
    mean = pd.Series(clv).groupby(codes).mean().reindex(order).to_numpy()
    return pd.DataFrame(
        {
            "p_alive": p_alive,
            "clv_per_customer": mean,
            "clv_low": low,
            "clv_high": high,
            "clv_months": terms["clv_months"],
        },
        index=pd.Index(order, name="segment"),
    )


#: The models' names for readers.
MODEL_NAMES = {
    "btyd": N_("BG/NBD with Gamma-Gamma"),
    "gbm": N_("gradient boosting"),
    "combined": N_("gradient boosting with BG/NBD's outputs"),
}


def models_text(q: dict) -> str:
    """One line: the models compared on the hold-out and which one predicts buying and spend."""
    models = q.get("models") or {}
    if len(models) < 2:
        why = (q.get("lifetime") or {}).get("why_not")
        return i18n._("Gradient boosting only: %(why)s.") % {"why": i18n.say(why)} if why else ""
    compared = i18n.join(
        i18n._("%(model)s AUC %(auc)s, spend error %(mae)s per customer, predicted total spend %(total)s")
        % {
            "model": i18n.term(MODEL_NAMES[name]),
            "auc": i18n.number(m["auc"], 3, grouping=False),
            "mae": i18n.money(m["spend_mae"]),
            "total": (
                i18n._("%(share)s above the actual total")
                if m["spend_total_error"] >= 0
                else i18n._("%(share)s below the actual total")
            )
            % {"share": i18n.percent(abs(m["spend_total_error"]))},
        }
        for name, m in models.items()
    )
    line = i18n._(
        "Compared on the same hold-out: %(compared)s. Buying is predicted by %(buy)s, spend by %(spend)s."
    ) % {
        "compared": compared,
        "buy": i18n.term(MODEL_NAMES[q["model_buy"]]),
        "spend": i18n.term(MODEL_NAMES[q["model_spend"]]),
    }
    life = q.get("lifetime") or {}
    if life.get("available"):
        line += " " + i18n._(
            "On the hold-out, the number of purchases of %(purchases)s of the customers and the spend of %(spend)s of "
            "them fell inside BG/NBD's 80%% interval (it should be 80%% if the intervals are right)."
        ) % {"purchases": i18n.percent(life["coverage_purchases"]), "spend": i18n.percent(life["coverage_spend"])}
        corr = (life.get("gamma_gamma") or {}).get("correlation")
        if corr is not None and np.isfinite(corr):
            line += " " + i18n._(
                "Gamma-Gamma assumes that spend per purchase does not depend on how often a customer buys: their "
                "correlation is %(corr)s (acceptable within ±%(limit)s)."
            ) % {"corr": i18n.number(corr, 2, sign=True, grouping=False), "limit": i18n.number(0.3, 1)}
    return line


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
    } + (("\n\n" + models_text(q)) if models_text(q) else "")
