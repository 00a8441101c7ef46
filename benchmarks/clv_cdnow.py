"""Benchmark: lifetime value against the published CDNOW results (issue 33).

(a) **paper-fit**: BG/NBD and Gamma-Gamma on the 2,357-customer sample of Fader, Hardie & Lee (2005,
    *Marketing Science* 24(2)), 39-week calibration to 1997-09-30, next to the published figures;
(b) **holdouts**: on that sample's 39/39-week split, BG/NBD's AUC of "buys in the hold-out" (ranked by
    expected purchases) and its aggregate errors (the boosted trees need 2 x 39 weeks plus history
    before the calibration end, which the 78 weeks of data do not have: n/a); on the whole cohort
    (23,570 customers), seglab's own 26-week time hold-out as stage 04 runs it: BG/NBD, gradient
    boosting and the two combined, each model's AUC and aggregate errors, the 80 % intervals'
    coverage overall and per segment (the segments of ``data/processed/cdnow/`` when ``seglab run
    --params notebooks/params/cdnow.yaml`` has run, else the lifecycle stages);
(c) **scale**: fitting both models and scoring (P(alive), 12-month value and its 80 % interval)
    1 million customers drawn from the paper's model.

Lines a script can read::

    paper-fit r 0.2426 alpha 4.4137 a 0.7929 b 2.4258 ll -9582.43
    holdout-39w auc btyd 0.xxx gbm n/a combined n/a
    holdout-26w auc btyd 0.xxx gbm 0.xxx combined 0.xxx chosen xxx

Needs ``../shared/data/cdnow/`` (both files).

    .venv/bin/python benchmarks/clv_cdnow.py
    .venv/bin/python benchmarks/clv_cdnow.py --customers 200000   # (c) at another size
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
CDNOW = ROOT.parent / "shared" / "data" / "cdnow"
PAPER = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426, "ll": -9582.4}
PAPER_GG = {"p": 6.25, "q": 3.74, "v": 15.44}


def _elog() -> pd.DataFrame:
    sys.path.insert(0, str(ROOT / "tests"))
    from test_lifetime import elog_transactions  # the order lines the tests read from the same file

    return elog_transactions(CDNOW / "cdnowElog.csv")


def paper_fit() -> None:
    from sklearn.metrics import roc_auc_score

    from seglab.personas import lifetime

    tx = _elog()
    end = pd.Timestamp("1997-09-30")
    t = time.perf_counter()
    h = lifetime.purchase_histories(tx, [end, tx["timestamp"].max()])
    lt = lifetime.Lifetime.fit(h[end])
    secs = time.perf_counter() - t
    bg, gg = lt.purchases, lt.spend
    print("(a) BG/NBD on the 2,357-customer sample, 39 weeks to 1997-09-30 (published in brackets)")
    print(
        f"paper-fit r {bg.r:.4f} alpha {bg.alpha:.4f} a {bg.a:.4f} b {bg.b:.4f} ll {bg.log_likelihood:.2f}"
        f"   [r {PAPER['r']} alpha {PAPER['alpha']} a {PAPER['a']} b {PAPER['b']} ll {PAPER['ll']}]"
    )
    worst = max(abs(getattr(bg, k) / PAPER[k] - 1) for k in ("r", "alpha", "a", "b"))
    print(
        f"  largest parameter gap {worst:.2%} (target <= 1 %); "
        f"ll gap {abs(bg.log_likelihood - PAPER['ll']):.2f} (<= 0.5)"
    )
    print(
        f"  Gamma-Gamma p {gg.p:.3f} q {gg.q:.3f} v {gg.v:.3f}  "
        f"[p {PAPER_GG['p']} q {PAPER_GG['q']} v {PAPER_GG['v']}]; "
        f"correlation of purchases and spend per purchase {gg.correlation:.3f}; fitted in {secs:.2f} s"
    )
    last = tx["timestamp"].max().normalize()
    weeks = (last - end).days / lifetime.WEEK
    s = lt.summary
    expected = bg.expected(s, weeks)
    now = pd.Series(h[last]["days"].to_numpy(), index=h[last]["customer_id"])
    counts = pd.Series(s.customer_id).map(now).to_numpy() - (s.x + 1)
    auc = roc_auc_score(counts > 0, expected)
    print(
        f"holdout-39w auc btyd {auc:.3f} gbm n/a combined n/a   (purchases {expected.sum():,.0f} predicted, "
        f"{counts.sum():,.0f} observed: {expected.sum() / counts.sum() - 1:+.1%}; the boosted trees need 2 x 39 "
        "weeks plus history before 1997-09-30)"
    )


def cohort() -> None:
    from seglab import config
    from seglab import features as feature_building
    from seglab.collection import collect
    from seglab.personas import predict

    p = config.load(ROOT / "notebooks/params/cdnow.yaml")
    t = time.perf_counter()
    c = collect.collect(p, ROOT)
    feats = feature_building.build(c.tables, p.features, c.quality).features
    horizon = p.prediction.model_copy(update={"horizon_days": 182})
    t1 = time.perf_counter()
    pred = predict.predict(c.tables, p.features, horizon, feats, p.seed)
    t2 = time.perf_counter()
    q = pred.quality
    m = q["models"]
    print(
        f"\n(b) the whole cohort ({len(feats):,} customers), seglab's 26-week hold-out "
        f"(features at {q['validation_as_of']}, outcomes to {q['as_of']}; reference AUC for BG/NBD 0.799)"
    )
    print(f"  {'model':<10}{'AUC':>7}{'buy rate':>10}{'calib. gap':>11}{'spend MAE':>11}{'spend total':>13}")
    for name, v in m.items():
        print(
            f"  {name:<10}{v['auc']:>7.3f}{v['buy_rate_predicted']:>10.3f}{v['calibration_gap']:>11.3f}"
            f"{v['spend_mae']:>11.2f}{v['spend_total_error']:>+13.1%}"
        )
    life = q["lifetime"]
    print(
        f"  observed buy rate {q['buy_rate_observed']:.3f}; purchases {life['purchases_predicted']:,.0f} predicted, "
        f"{life['purchases_observed']:,.0f} observed ({life['purchases_total_error']:+.1%}); chosen: buying "
        f"{q['model_buy']}, spend {q['model_spend']}"
    )
    print(
        f"holdout-26w auc btyd {m['btyd']['auc']:.3f} gbm {m['gbm']['auc']:.3f} combined {m['combined']['auc']:.3f} "
        f"chosen {q['model_buy']}"
    )
    print(
        f"  80 % interval coverage: purchases {life['coverage_purchases']:.1%}, spend {life['coverage_spend']:.1%} "
        "(target 75-85 %)"
    )
    seg_file = ROOT / "data" / "processed" / "cdnow" / "segments.parquet"
    if seg_file.is_file():
        groups = pd.read_parquet(seg_file)[["customer_id", "segment"]].astype({"customer_id": str})
        label = "segment of data/processed/cdnow"
    else:
        groups = feats[["customer_id", "lifecycle"]].rename(columns={"lifecycle": "segment"})
        label = "lifecycle stage (no cdnow run: seglab run --params notebooks/params/cdnow.yaml)"
    held = pred.holdout.astype({"customer_id": str}).merge(groups.astype({"customer_id": str}), on="customer_id")
    per = held.groupby("segment", observed=True).agg(
        customers=("customer_id", "size"),
        purchases=("covered_purchases", "mean"),
        spend=("covered_spend", "mean"),
    )
    print(f"  coverage per {label}:")
    for seg, row in per.iterrows():
        print(
            f"    {seg!s:<12}{int(row['customers']):>8,} customers  "
            f"purchases {row['purchases']:.1%}  spend {row['spend']:.1%}"
        )
    print(
        f"  collect + features {t1 - t:.1f} s, the three models fitted and validated + lifetime value {t2 - t1:.1f} s"
    )


def scale(n: int) -> None:
    from seglab.personas import lifetime

    rng = np.random.default_rng(5)
    bg = lifetime.BetaGeo(PAPER["r"], PAPER["alpha"], PAPER["a"], PAPER["b"], 0.0, 0, True)
    T = rng.uniform(27, 39, n)
    lam = rng.gamma(bg.r, 1 / bg.alpha, n)
    # repeat purchases: K in (0, T] at rate lambda, cut at the G-th after which the customer drops out;
    # the last one is the x-th of K uniform times in (0, T]
    k = rng.poisson(lam * T)
    x = np.minimum(k, rng.geometric(rng.beta(bg.a, bg.b, n))).astype(float)
    t_x = np.where(x > 0, T * rng.beta(np.maximum(x, 1), np.maximum(k - x + 1, 1)), 0.0)
    m = np.where(x > 0, rng.gamma(6.25 * np.maximum(x, 1), 1 / rng.gamma(3.74, 1 / 15.44, n)) / np.maximum(x, 1), 0.0)
    s = lifetime.Summary(np.arange(n).astype(str), x, t_x, T, m)
    t = time.perf_counter()
    lt = lifetime.Lifetime(lifetime.BetaGeo.fit(s), lifetime.GammaGamma.fit(s), s, 1.0)
    fit = time.perf_counter() - t
    t = time.perf_counter()
    p_alive = lt.purchases.p_alive(s)
    value = lt.value(12, 0.1)
    low = np.empty(n)
    for rows, _c, draws in lt.draws(lifetime.weeks_in(12), 1):
        low[rows] = np.quantile(draws, 0.1, axis=1)
    score = time.perf_counter() - t
    print(
        f"\n(c) {n:,} customers: fitting BG/NBD + Gamma-Gamma {fit:.1f} s (r {lt.purchases.r:.3f} for {bg.r}), "
        f"scoring P(alive), 12-month value and its 80 % interval ({lifetime.DRAWS} draws each) {score:.1f} s; "
        f"mean P(alive) {p_alive.mean():.3f}, value {value.mean():.2f}"
    )
    print(f"scale {n} customers fit {fit:.1f} s score {score:.1f} s")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--customers", type=int, default=1_000_000, help="customers for (c)")
    args = ap.parse_args()
    if not (CDNOW / "cdnowElog.csv").is_file() or not (CDNOW / "CDNOW_master.txt").is_file():
        sys.exit(f"CDNOW files not found in {CDNOW}")
    paper_fit()
    cohort()
    scale(args.customers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
