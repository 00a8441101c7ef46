"""Lifetime value: BG/NBD and Gamma-Gamma against the published CDNOW fit, against simulations of
the model itself, and the same facts written differently giving the same answer.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seglab.personas import lifetime

ELOG = Path(__file__).resolve().parents[2] / "shared" / "data" / "cdnow" / "cdnowElog.csv"
#: Fader, Hardie & Lee (2005), Marketing Science 24(2), table 1: the 2,357-customer sample, 39 weeks.
PAPER = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PAPER_LL = -9582.4
#: Fader, Hardie & Lee (2005), "RFM and CLV", Journal of Marketing Research 42(4): the same sample.
PAPER_GG = {"p": 6.25, "q": 3.74, "v": 15.44}


def elog_transactions(path: Path = ELOG) -> pd.DataFrame:
    """The CDNOW sample's event log as order lines (one per row; ``benchmarks/clv_cdnow.py`` reads it so too)."""
    e = pd.read_csv(path)
    return pd.DataFrame(
        {
            "customer_id": e["sampleid"].astype(str),
            "order_id": np.arange(len(e)).astype(str),
            "timestamp": pd.to_datetime(e["date"].astype(str)),
            "quantity": e["cds"].astype(float),
            "unit_price": e["sales"] / e["cds"],
        }
    )


def _elog_transactions() -> pd.DataFrame:
    if not ELOG.is_file():
        from conftest import skip_or_fail

        skip_or_fail(f"the CDNOW sample of the BG/NBD paper is not at {ELOG}")
    return elog_transactions()


@pytest.mark.realdata
def test_the_published_cdnow_fit_is_reproduced():
    lt = lifetime.Lifetime.fit(lifetime.purchase_history(_elog_transactions(), pd.Timestamp("1997-09-30")))
    bg = lt.purchases
    assert bg.customers == 2357 and bg.converged
    for name, published in PAPER.items():
        assert getattr(bg, name) == pytest.approx(published, rel=0.01), name
    assert bg.log_likelihood == pytest.approx(PAPER_LL, abs=0.5)
    for name, published in PAPER_GG.items():
        assert getattr(lt.spend, name) == pytest.approx(published, rel=0.01), name
    assert lt.spend.customers == 946  # repeat buyers in the calibration period
    assert abs(lt.spend.correlation) < 0.3  # the independence the model assumes holds here


def _simulate(n: int, params: dict, weeks: float, seed: int) -> pd.DataFrame:
    """Order lines of ``n`` customers drawn from BG/NBD and Gamma-Gamma: a first purchase in the
    first 12 weeks after 2020-01-06, then purchases at rate lambda, each repeat purchase followed
    by dropping out with probability p, up to ``weeks``.
    """
    rng = np.random.default_rng(seed)
    lam = rng.gamma(params["r"], 1 / params["alpha"], n)
    p = rng.beta(params["a"], params["b"], n)
    nu = rng.gamma(params["q"], 1 / params["v"], n)
    rows = []
    for i in range(n):
        t = float(rng.integers(0, 84)) / 7
        while t <= weeks:
            rows.append((f"c{i:05d}", t, rng.gamma(params["p"], 1 / nu[i])))
            t += rng.exponential(1 / lam[i])
            if t <= weeks and rng.random() < p[i] and len(rows) > 1 and rows[-2][0] == rows[-1][0]:
                break
    df = pd.DataFrame(rows, columns=["customer_id", "week", "unit_price"])
    df["timestamp"] = pd.Timestamp("2020-01-06") + pd.to_timedelta((df.pop("week") * 7).round(3), unit="D")
    df["order_id"] = np.arange(len(df)).astype(str)
    df["quantity"] = 1.0
    return df


def _draws_from(lt: lifetime.Lifetime, weeks: float, seed: int):
    counts, spend = [], []
    for _rows, c, s in lt.draws(weeks, seed, n=1):
        counts.append(c[:, 0])
        spend.append(s[:, 0])
    return np.concatenate(counts), np.concatenate(spend)


def test_exact_distribution_agrees_with_draws_and_expectation():
    bg = lifetime.BetaGeo(0.243, 4.414, 0.793, 2.426, 0.0, 0, True)
    s = lifetime.Summary(
        customer_id=np.array(["a", "b", "c", "d"]),
        x=np.array([0.0, 1.0, 5.0, 12.0]),
        t_x=np.array([0.0, 10.0, 30.0, 38.0]),
        T=np.array([39.0, 39.0, 39.0, 39.0]),
        m=np.array([0.0, 20.0, 30.0, 40.0]),
    )
    pmf = bg.pmf(s, 39.0, kmax=200)
    assert np.allclose(pmf.sum(axis=1), 1.0)
    # the mean of the exact distribution is the paper's closed-form expectation (equation 10)
    assert np.allclose((pmf * np.arange(200)).sum(axis=1), bg.expected(s, 39.0), rtol=1e-6)
    # and 20,000 draws of each customer land on it
    draws = bg.draw(s, 39.0, np.random.default_rng(3), 20_000)
    for k in range(4):
        assert (draws == k).mean(axis=1) == pytest.approx(pmf[:, k], abs=0.01)
    # a customer who bought recently is more likely alive than one with the same purchases long ago
    late = lifetime.Summary(s.customer_id[:1], np.array([5.0]), np.array([38.0]), np.array([39.0]), np.array([1.0]))
    early = lifetime.Summary(s.customer_id[:1], np.array([5.0]), np.array([5.0]), np.array([39.0]), np.array([1.0]))
    assert bg.p_alive(late)[0] > 0.8 > 0.3 > bg.p_alive(early)[0]
    assert bg.p_alive(s)[0] == 1.0  # no repeat purchase: cannot have dropped out under BG/NBD


def test_coverage_of_draws_from_the_model_itself_is_eighty_percent():
    """Outcomes drawn from the model's own predictive distribution fall in its 80 % bands 80 % of
    the time (the ties at zero spread, not counted as covered); a too narrow model does not."""
    bg = lifetime.BetaGeo(0.5, 5.0, 0.8, 2.5, 0.0, 0, True)
    gg = lifetime.GammaGamma(6.0, 4.0, 15.0, 0.0, 0, True, 0.0)
    rng = np.random.default_rng(11)
    n = 4000
    x = rng.integers(0, 8, n).astype(float)
    s = lifetime.Summary(np.arange(n).astype(str), x, x * 3.0, np.full(n, 39.0), np.where(x > 0, 25.0, 0.0))
    lt = lifetime.Lifetime(bg, gg, s, 1.0)
    actual_counts, actual_spend = _draws_from(lt, 26.0, seed=5)
    counts_cover = lifetime.covered_counts(bg.pmf(s, 26.0), actual_counts).mean()
    (_rows, _c, spend_draws), *_ = list(lt.draws(26.0, seed=6, n=400))
    spend_cover = lifetime.covered(spend_draws, actual_spend[: len(spend_draws)]).mean()
    assert counts_cover == pytest.approx(0.80, abs=0.02)
    assert spend_cover == pytest.approx(0.80, abs=0.02)
    # the interval of a model that ignores dropping out (everyone alive, buying more) covers less
    eager = lifetime.BetaGeo(5.0, 5.0, 0.01, 1000.0, 0.0, 0, True)
    assert lifetime.covered_counts(eager.pmf(s, 26.0), actual_counts).mean() < 0.6


def _orders(rows) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["customer_id", "order_id", "timestamp", "quantity", "unit_price"])
    df["timestamp"] = pd.to_datetime(df["timestamp"])
    return df


def test_purchase_days_by_hand():
    tx = _orders(
        [
            ("a", "1", "2024-01-01 09:00", 1, 10.0),
            ("a", "2", "2024-01-01 17:00", 2, 5.0),  # same day: one purchase of 20
            ("a", "3", "2024-01-15 10:00", 1, 30.0),
            ("a", "4", "2024-01-20 10:00", -1, 30.0),  # a return: not a purchase day; net share
            ("a", "5", "2024-02-01 10:00", 1, 99.0),  # after the end: not seen
            ("b", "6", "2024-01-29 23:59", 3, 4.0),  # the last minute of the end day: in
        ]
    )
    h = lifetime.purchase_history(tx, pd.Timestamp("2024-01-29")).set_index("customer_id")
    assert h.loc["a", "days"] == 2 and h.loc["a", "repeat_value"] == 30.0
    assert h.loc["a", "first"] == pd.Timestamp("2024-01-01") and h.loc["a", "last"] == pd.Timestamp("2024-01-15")
    assert h.loc["b", "days"] == 1 and h.loc["b", "repeat_value"] == 0.0
    assert h.attrs["net_share"] == pytest.approx((20 + 30 + 12 - 30) / (20 + 30 + 12))
    s = lifetime.Summary.of(h.reset_index())
    assert list(s.x) == [1.0, 0.0] and list(s.t_x) == [2.0, 0.0] and list(s.T) == [4.0, 0.0]
    # several ends from one pass give what each end gives alone
    both = lifetime.purchase_histories(tx, [pd.Timestamp("2024-01-10"), pd.Timestamp("2024-01-29")])
    alone = lifetime.purchase_history(tx, pd.Timestamp("2024-01-10"))
    pd.testing.assert_frame_equal(both[pd.Timestamp("2024-01-10")], alone)
    assert list(alone["customer_id"]) == ["a"]  # b had not bought yet


@pytest.fixture(scope="module")
def simulated():
    params = {"r": 0.6, "alpha": 6.0, "a": 0.8, "b": 2.5, "p": 6.0, "q": 4.0, "v": 15.0}
    return params, _simulate(3000, params, 52.0, seed=7)


def test_the_model_recovers_the_parameters_it_was_drawn_from(simulated):
    params, tx = simulated
    lt = lifetime.Lifetime.fit(lifetime.purchase_history(tx, pd.Timestamp("2020-01-06") + pd.Timedelta(weeks=52)))
    assert lt.purchases.r == pytest.approx(params["r"], rel=0.25)
    assert lt.purchases.alpha == pytest.approx(params["alpha"], rel=0.3)
    # Gamma-Gamma's mean spend per purchase p v / (q - 1) is what it identifies best
    assert lt.spend.p * lt.spend.v / (lt.spend.q - 1) == pytest.approx(params["p"] * params["v"] / 3, rel=0.1)


def test_same_facts_written_differently_give_the_same_value(simulated):
    """Lines split in two, the whole calendar moved by 100 days, customers renamed: the same
    lifetime values (same order of customers: by their ids, which keep their order)."""
    _params, tx = simulated
    end = pd.Timestamp("2020-01-06") + pd.Timedelta(weeks=52)
    base = lifetime.Lifetime.fit(lifetime.purchase_history(tx, end))
    split = pd.concat([tx.assign(quantity=0.5), tx.assign(quantity=0.5, order_id=tx["order_id"] + "b")])
    moved = tx.assign(timestamp=tx["timestamp"] + pd.Timedelta(days=100))
    renamed = tx.assign(customer_id="id-" + tx["customer_id"])
    for other, at in ((split, end), (moved, end + pd.Timedelta(days=100)), (renamed, end)):
        lt = lifetime.Lifetime.fit(lifetime.purchase_history(other, at))
        assert lt.purchases.r == pytest.approx(base.purchases.r, rel=1e-6)
        # (money in whole millionths per line: a split line may move a mean by a millionth)
        assert np.allclose(lt.value(12, 0.1), base.value(12, 0.1), rtol=1e-4)


def test_discounting_and_months():
    bg = lifetime.BetaGeo(0.5, 5.0, 0.8, 2.5, 0.0, 0, True)
    gg = lifetime.GammaGamma(6.0, 4.0, 15.0, 0.0, 0, True, 0.0)
    s = lifetime.Summary(
        np.array(["a", "b"]), np.array([3.0, 0.0]), np.array([30.0, 0.0]), np.array([39.0, 39.0]), np.array([20.0, 0.0])
    )
    lt = lifetime.Lifetime(bg, gg, s, 0.9)
    weeks = 12 * lifetime.DAYS_PER_MONTH / lifetime.WEEK
    plain = lt.value(12)
    assert np.allclose(plain, bg.expected(s, weeks) * gg.expected(s) * 0.9)  # undiscounted: purchases x spend
    discounted = lt.value(12, 0.10)
    assert np.all(discounted < plain) and np.all(discounted > plain / 1.10)  # each month at most a year away
    assert np.all(lt.value(24, 0.1) > discounted)
    # a customer without a repeat purchase gets the population's spend per purchase
    assert gg.expected(s)[1] == pytest.approx(6.0 * 15.0 / 3.0)


@pytest.mark.realdata
def test_cdnow_cohort_holdout_matches_the_reference(root):
    """seglab's own 26-week hold-out on the whole CDNOW cohort: BG/NBD ranks buyers as the
    independent reference does (AUC 0.799), totals within 3 %, 80 % intervals cover 75-85 %."""
    from seglab import config
    from seglab import features as feature_building
    from seglab.collection import collect
    from seglab.personas import predict

    p = config.load(root / "notebooks/params/cdnow.yaml")
    if not (root / p.source.tables["transactions"].path).resolve().is_file():
        from conftest import skip_or_fail

        skip_or_fail("CDNOW_master.txt is not in ../shared/data/cdnow")
    c = collect.collect(p, root)
    feats = feature_building.build(c.tables, p.features, c.quality).features
    horizon = p.prediction.model_copy(update={"horizon_days": 182})
    q = predict.predict(c.tables, p.features, horizon, feats, p.seed).quality
    btyd = q["models"]["btyd"]
    assert btyd["auc"] == pytest.approx(0.799, abs=0.005)
    assert abs(btyd["spend_total_error"]) < 0.03 and abs(q["lifetime"]["purchases_total_error"]) < 0.03
    assert 0.75 < q["lifetime"]["coverage_purchases"] < 0.85 and 0.75 < q["lifetime"]["coverage_spend"] < 0.85
    assert q["lifetime"]["purchases_observed"] == 12_320  # purchase days of the cohort in 1998's first half


def test_p_alive_is_not_measured_when_the_history_shows_no_one_leaving():
    s = lifetime.Summary(
        np.array(["a", "b"]), np.array([3.0, 0.0]), np.array([5.0, 0.0]), np.array([39.0, 39.0]), np.array([20.0, 0.0])
    )
    gg = lifetime.GammaGamma(6.0, 4.0, 15.0, 0.0, 0, True, 0.0)
    staying = lifetime.Lifetime(
        lifetime.BetaGeo(0.8, 10.0, 0.0066, 23.5, 0.0, 0, True), gg, s, 1.0
    )  # Online Retail's fit
    assert not staying.leaving_seen and np.isnan(staying.p_alive()).all()
    assert np.isfinite(staying.value(12)).all()  # the values stand
    leaving = lifetime.Lifetime(lifetime.BetaGeo(0.243, 4.414, 0.793, 2.426, 0.0, 0, True), gg, s, 1.0)  # CDNOW's
    assert leaving.leaving_seen and leaving.p_alive()[0] < 0.5 and leaving.p_alive()[1] == 1.0
