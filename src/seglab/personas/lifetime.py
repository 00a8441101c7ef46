"""Customer lifetime value: how many purchases a customer will still make, whether they are still
a customer at all (P(alive)), what they will spend, and the 80 % interval of each.

Method (Fader, Hardie & Lee 2005, "Counting your customers the easy way", *Marketing Science*
24(2); and "RFM and CLV", *Journal of Marketing Research* 42(4)):

* **BG/NBD** for purchases: while alive, a customer buys at a rate lambda (Gamma(r, alpha) across
  customers); after each purchase they drop out with probability p (Beta(a, b) across customers);
* **Gamma-Gamma** for spend per purchase: each purchase's value is Gamma(p, nu), with nu
  Gamma(q, gamma) across customers; it assumes a customer's spend per purchase does not depend on
  how often they buy (the correlation between the two is shown);
* both fitted by **maximum likelihood** on the published closed-form likelihoods (SciPy), on the
  customers' purchase days up to the end of the calibration period: ``x`` repeat purchase days,
  ``t_x`` the last purchase and ``T`` the end, in weeks after the first purchase day (several
  orders on one day are one purchase, as in the paper). On the paper's 2,357 CDNOW customers this
  gives r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, log-likelihood -9,582.4, as published
  (``benchmarks/clv_cdnow.py``);
* the **predictive distribution** of a customer's purchases in the next ``t`` weeks is exact (a
  negative binomial count cut by a beta-geometric dropout, given the customer's history);
  intervals of spend and lifetime value come from seeded draws of that distribution and of the
  customer's spend per purchase;
* **lifetime value** over ``months``: the expected purchases of each month times the expected
  spend per purchase, discounted at ``discount_rate`` a year, times the share of revenue the
  history kept after returns (``net_share``).

pymc-marketing's ``clv`` module fits the same models as a posterior; measured here (2 cores) it
adds 264 MB to the environment and takes 12 s to import and 26 s for a first MAP fit (2.6 s once
compiled), against a default run of about 20 s, and its default priors move a from 0.793 to 0.706
on the paper's sample: so the closed-form likelihoods are fitted here with SciPy.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize
from scipy import special as sp

from seglab.config import Features as FeatureParams
from seglab.engine import Table, opened
from seglab.features.customer import DAYS_PER_MONTH
from seglab.features.definitions import from_micro, line_revenue
from seglab.i18n import N_

#: Why there is no lifetime value when the spend model has too little to learn from (a message id).
TOO_FEW_REPEAT_BUYERS = N_(
    "lifetime value not measured: fewer than two customers bought on a second day with a positive spend, "
    "so the spend per purchase cannot be modelled"
)
#: Below this mean chance of leaving after a purchase (one in 200 purchases) the history shows
#: almost no customer leaving (a short history: a year of UCI Online Retail gives 1 in 3,600), so
#: P(alive) is not measured rather than shown as 100 % for everyone. CDNOW: 1 in 5.
DROPOUT_FLOOR = 0.005
#: The model's unit of time, in days (the paper's).
WEEK = 7.0
#: The interval shown around every forecast: from the 10th to the 90th percentile.
INTERVAL = (0.10, 0.90)
#: Draws per customer behind the intervals of spend and lifetime value (their 10th and 90th
#: percentiles move by about 2 % of the interval's width between seeds).
DRAWS = 200
#: Customers per block of draws (bounded memory at any number of customers).
BLOCK = 20_000


def weeks_in(months: float) -> float:
    """``months`` in the model's unit of time (weeks), at 365.25 / 12 days a month."""
    return months * DAYS_PER_MONTH / WEEK


def purchase_history(transactions: Table, end: pd.Timestamp, params: FeatureParams | None = None) -> pd.DataFrame:
    """Each customer's purchase days up to ``end`` (that day included), from purchase lines
    (positive quantity): customer_id, first and last (purchase days), days (distinct purchase days),
    repeat_value (revenue of the purchase days after the first), first_value (of the first purchase
    day), and in ``attrs["net_share"]`` the
    revenue kept after returns over purchase revenue up to ``end`` (1 without returns).
    """
    return purchase_histories(transactions, [end], params)[pd.Timestamp(end).normalize()]


def purchase_histories(
    transactions: Table, ends: list[pd.Timestamp], params: FeatureParams | None = None
) -> dict[pd.Timestamp, pd.DataFrame]:
    """:func:`purchase_history` at each of ``ends`` from one pass over the order lines (keys: the
    ends as days).
    """
    ends = sorted({pd.Timestamp(e).normalize() for e in ends})
    cutoffs = [e + pd.Timedelta(days=1) for e in ends]
    with opened(params) as (table, _con):
        tx = table("transactions", transactions, ["customer_id", "timestamp", "quantity", "unit_price", "discount"])
        if "discount" not in tx.columns:
            tx = tx.mutate(discount=0.0)
        tx = tx.filter(tx.timestamp < cutoffs[-1])
        tx = tx.mutate(line=line_revenue(tx))
        totals = tx.aggregate(
            **{f"net{k}": tx.line.sum(where=tx.timestamp < c) for k, c in enumerate(cutoffs)},
            **{f"gross{k}": tx.line.sum(where=(tx.timestamp < c) & (tx.quantity > 0)) for k, c in enumerate(cutoffs)},
        )
        totals = totals.to_pyarrow().to_pylist()[0]
        buy = tx.filter(tx.quantity > 0)
        buy = buy.mutate(customer_id=buy.customer_id.cast("string"), day=buy.timestamp.truncate("D"))
        daily = buy.group_by(["customer_id", "day"]).aggregate(value=buy.line.sum())
        first = daily.group_by("customer_id").aggregate(first=daily.day.min())
        d = daily.inner_join(first, "customer_id")
        aggs = {"first": d.first.min()}
        for k, c in enumerate(cutoffs):
            upto = d.day < c
            aggs[f"last{k}"] = d.day.max(where=upto)
            aggs[f"days{k}"] = d.day.count(where=upto)
            aggs[f"repeat{k}"] = from_micro(d.value.sum(where=upto & (d.day > d.first)))
        aggs["first_value"] = from_micro(d.value.sum(where=d.day == d.first))
        wide = d.group_by("customer_id").aggregate(**aggs).order_by("customer_id").to_pyarrow().to_pandas()
    wide["first"] = pd.to_datetime(wide["first"]).dt.normalize()
    out = {}
    for k, end in enumerate(ends):
        rows = wide[wide[f"days{k}"] > 0]
        h = pd.DataFrame(
            {
                "customer_id": rows["customer_id"].to_numpy(),
                "first": rows["first"].to_numpy(),
                "last": pd.to_datetime(rows[f"last{k}"]).dt.normalize().to_numpy(),
                "days": rows[f"days{k}"].astype("int64").to_numpy(),
                "repeat_value": rows[f"repeat{k}"].fillna(0.0).astype("float64").to_numpy(),
                "first_value": rows["first_value"].fillna(0.0).astype("float64").to_numpy(),
            }
        )
        gross, net = totals[f"gross{k}"] or 0, totals[f"net{k}"] or 0
        h.attrs["net_share"] = float(min(max(net / gross, 0.0), 1.0)) if gross > 0 else 1.0
        h.attrs["end"] = end
        out[end] = h
    return out


@dataclass(frozen=True)
class Summary:
    """Per customer, in weeks after the first purchase day: x repeat purchase days, t_x the last
    purchase, T the end of the calibration period; m the mean value of the repeat purchases;
    first_value the value of the first purchase day (None: not known).
    """

    customer_id: np.ndarray
    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    m: np.ndarray
    first_value: np.ndarray | None = None

    @classmethod
    def of(cls, history: pd.DataFrame, end: pd.Timestamp | None = None) -> Summary:
        """From :func:`purchase_history` (``end`` defaults to the history's own)."""
        end = pd.Timestamp(end if end is not None else history.attrs["end"]).normalize()
        x = (history["days"].to_numpy() - 1).astype("float64")
        with np.errstate(divide="ignore", invalid="ignore"):
            m = np.where(x > 0, history["repeat_value"].to_numpy() / np.maximum(x, 1), 0.0)
        return cls(
            customer_id=history["customer_id"].to_numpy(),
            x=x,
            t_x=((history["last"] - history["first"]).dt.days.to_numpy() / WEEK).astype("float64"),
            T=((end - history["first"]).dt.days.to_numpy() / WEEK).astype("float64"),
            m=m.astype("float64"),
            first_value=history["first_value"].to_numpy(dtype="float64") if "first_value" in history else None,
        )


def _fit(negative_ll, start: np.ndarray) -> tuple[np.ndarray, float, bool]:
    """Minimise on log parameters (all positive); the parameters, the log-likelihood, converged."""
    res = optimize.minimize(negative_ll, start, method="L-BFGS-B", options={"maxiter": 500})
    if not res.success:  # a second start from the first's end: L-BFGS may stop on a flat stretch
        res = optimize.minimize(negative_ll, res.x, method="Nelder-Mead", options={"maxiter": 4000, "xatol": 1e-8})
    return np.exp(res.x), -float(res.fun), bool(res.success)


@dataclass(frozen=True)
class BetaGeo:
    """A fitted BG/NBD model (time in weeks)."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    customers: int
    converged: bool

    @staticmethod
    def log_likelihood_of(params, x, t_x, T) -> np.ndarray:
        """Each customer's log-likelihood under ``params`` = (r, alpha, a, b) (Fader, Hardie & Lee
        2005, equation 6).
        """
        r, alpha, a, b = params
        a1 = sp.gammaln(r + x) - sp.gammaln(r) + r * np.log(alpha)
        a2 = sp.betaln(a, b + x) - sp.betaln(a, b)
        a3 = -(r + x) * np.log(alpha + T)
        with np.errstate(divide="ignore"):
            a4 = np.where(
                x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + t_x), -np.inf
            )
        return a1 + a2 + np.logaddexp(a3, a4)

    @classmethod
    def fit(cls, s: Summary) -> BetaGeo:
        """Maximum likelihood on the customers of ``s`` (identical histories counted once, weighted)."""
        keys, weights = np.unique(np.column_stack([s.x, s.t_x, s.T]), axis=0, return_counts=True)
        x, t_x, T = keys.T

        def nll(log_params):
            return -float(weights @ cls.log_likelihood_of(np.exp(log_params), x, t_x, T))

        (r, alpha, a, b), ll, ok = _fit(nll, np.log([0.5, max(float(np.mean(s.T)), 1.0), 1.0, 1.0]))
        return cls(float(r), float(alpha), float(a), float(b), ll, len(s.x), ok)

    def _odds_dead(self, s: Summary) -> np.ndarray:
        ratio = (self.alpha + s.T) / (self.alpha + s.t_x)
        with np.errstate(over="ignore"):
            return np.where(s.x > 0, self.a / np.maximum(self.b + s.x - 1, 1e-12) * ratio ** (self.r + s.x), 0.0)

    def p_alive(self, s: Summary) -> np.ndarray:
        """P(the customer has not dropped out at T)."""
        return 1.0 / (1.0 + self._odds_dead(s))

    def expected(self, s: Summary, t: float) -> np.ndarray:
        """Expected purchases in (T, T + t] (t in weeks) given each customer's history (equation 10)."""
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        x, T = s.x, s.T
        z = t / (alpha + T + t)
        head = (a + b + x - 1) / (a - 1)
        tail = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * sp.hyp2f1(r + x, b + x, a + b + x - 1, z)
        return np.maximum(head * tail / (1.0 + self._odds_dead(s)), 0.0)

    def pmf(self, s: Summary, t: float, kmax: int = 60) -> np.ndarray:
        """P(k purchases in (T, T + t]) for k = 0..kmax-1 (rows: customers), exact: alive at T with
        P(alive); then lambda ~ Gamma(r + x, alpha + T) and p ~ Beta(a, b + x), independent; the
        count is min(K, G) with K ~ Poisson(lambda t) purchases and G ~ Geometric(p) the purchase
        after which the customer drops out. The last column holds the rest of the mass.
        """
        k = np.arange(kmax, dtype="float64")[None, :]
        rp, ap, bx = (self.r + s.x)[:, None], (self.alpha + s.T)[:, None], (self.b + s.x)[:, None]
        q = t / (ap + t)
        nb = np.exp(sp.gammaln(rp + k) - sp.gammaln(rp) - sp.gammaln(k + 1) + rp * np.log1p(-q) + k * np.log(q))
        more = np.clip(1.0 - np.cumsum(nb, axis=1), 0.0, None)  # P(K > k)
        km1 = np.maximum(k - 1, 0)
        base = sp.betaln(self.a, bx)
        stays = np.exp(sp.betaln(self.a, bx + km1) - base)  # E[(1 - p)^(k-1)]
        drops = np.exp(sp.betaln(self.a + 1, bx + km1) - base)  # E[p (1 - p)^(k-1)]
        out = nb * stays + more * drops
        out[:, 0] = nb[:, 0]
        alive = self.p_alive(s)[:, None]
        out *= alive
        out[:, 0] += 1.0 - alive[:, 0]
        out[:, -1] += np.clip(1.0 - out.sum(axis=1), 0.0, None)
        return out

    def draw(self, s: Summary, t: float, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` draws of each customer's purchases in (T, T + t] (rows: customers)."""
        shape = (len(s.x), n)
        alive = rng.random(shape) < self.p_alive(s)[:, None]
        lam = rng.gamma((self.r + s.x)[:, None], 1.0 / (self.alpha + s.T)[:, None], size=shape)
        p = rng.beta(self.a, (self.b + s.x)[:, None], size=shape)
        bought = rng.poisson(lam * t)
        drop = rng.geometric(np.clip(p, 1e-12, 1.0))
        return np.where(alive, np.minimum(bought, drop), 0)


@dataclass(frozen=True)
class GammaGamma:
    """A fitted Gamma-Gamma model of spend per purchase, with the check of its assumption."""

    p: float
    q: float
    v: float
    log_likelihood: float
    customers: int
    converged: bool
    #: Pearson correlation of purchases and spend per purchase among repeat buyers (the model
    #: assumes none; above ~0.3 its spend forecasts lean towards the population mean wrongly)
    correlation: float

    @staticmethod
    def log_likelihood_of(params, x, m) -> np.ndarray:
        """Each repeat buyer's log-likelihood of x purchases of mean value m (Fader, Hardie & Lee 2005b)."""
        p, q, v = params
        px = p * x
        return (
            sp.gammaln(px + q)
            - sp.gammaln(px)
            - sp.gammaln(q)
            + q * np.log(v)
            + (px - 1) * np.log(m)
            + px * np.log(x)
            - (px + q) * np.log(v + m * x)
        )

    @classmethod
    def fit(cls, s: Summary) -> GammaGamma:
        """Maximum likelihood on the repeat buyers of ``s`` with a positive mean spend."""
        keep = (s.x > 0) & (s.m > 0)
        x, m = s.x[keep], s.m[keep]
        if len(x) < 2:
            raise ValueError(TOO_FEW_REPEAT_BUYERS)

        def nll(log_params):
            return -float(np.sum(cls.log_likelihood_of(np.exp(log_params), x, m)))

        scale = float(np.mean(m))
        (p, q, v), ll, ok = _fit(nll, np.log([1.0, 2.0, scale]))
        corr = float(np.corrcoef(x, m)[0, 1]) if np.ptp(x) > 0 and np.ptp(m) > 0 else float("nan")
        return cls(float(p), float(q), float(v), ll, int(keep.sum()), ok, corr)

    def evidence(self, s: Summary) -> tuple[np.ndarray, np.ndarray]:
        """What each customer's spend per purchase is learnt from: the number of purchases and
        their mean value. The repeat purchases (the model's own data) when there are any with a
        value; else nothing (0, 0: the population's mean, as in the paper), unless that mean does
        not exist (q <= 1, a heavy tail of big spenders): then the first purchase.
        """
        repeat = (s.x > 0) & (s.m > 0)
        first = s.first_value if s.first_value is not None and self.q <= 1 else np.zeros(len(s.x))
        once = ~repeat & (first > 0)
        return np.where(repeat, s.x, np.where(once, 1.0, 0.0)), np.where(repeat, s.m, np.where(once, first, 0.0))

    def expected(self, s: Summary) -> np.ndarray:
        """Expected spend per purchase of each customer: their own mean shrunk towards the
        population's (:meth:`evidence`); the population's mean p v / (q - 1) for a customer with
        no purchase value, NaN when q <= 1 (the population mean does not exist: a heavy tail).
        """
        n, mean = self.evidence(s)
        with np.errstate(divide="ignore", invalid="ignore"):
            own = self.p * (self.v + mean * n) / (self.p * n + self.q - 1)
        return np.where(self.p * n + self.q > 1, own, np.nan)

    def draw_spend(self, s: Summary, counts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Draws of the total spend of ``counts`` purchases (same shape: customers x draws)."""
        n, mean = self.evidence(s)
        shape_nu = (self.q + self.p * n)[:, None]
        rate_nu = (self.v + mean * n)[:, None]
        nu = rng.gamma(np.broadcast_to(shape_nu, counts.shape), 1.0 / rate_nu)
        spend = rng.gamma(np.maximum(counts, 1) * self.p, 1.0 / nu)
        return np.where(counts > 0, spend, 0.0)


def covered(draws: np.ndarray, actual: np.ndarray, interval: tuple[float, float] = INTERVAL) -> np.ndarray:
    """Each customer's share of the interval's probability that the actual outcome falls in: the
    outcome's place in its predictive distribution is spread over [P(below), P(at or below)]
    (the non-randomised PIT of Czado, Gneiting & Held 2009), so a customer with a 95 % chance of
    buying nothing who buys nothing counts as covered for the part of that 95 % inside the 10-90 %
    band, not wholly: ties at zero do not inflate the coverage of counts and of spend.
    """
    a = actual[:, None]
    lo, hi = (draws < a).mean(axis=1), (draws <= a).mean(axis=1)
    return _overlap(lo, hi, interval)


def _overlap(lo: np.ndarray, hi: np.ndarray, interval: tuple[float, float]) -> np.ndarray:
    low, high = interval
    width = hi - lo
    inside = np.clip(np.minimum(hi, high) - np.maximum(lo, low), 0.0, None)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(width > 0, inside / np.where(width > 0, width, 1.0), ((lo >= low) & (lo <= high)).astype(float))


def covered_counts(pmf: np.ndarray, actual: np.ndarray, interval: tuple[float, float] = INTERVAL) -> np.ndarray:
    """:func:`covered` for purchase counts from their exact distribution (:meth:`BetaGeo.pmf`)."""
    cdf = np.cumsum(pmf, axis=1)
    k = np.clip(actual.astype(int), 0, pmf.shape[1] - 1)
    rows = np.arange(len(k))
    hi = cdf[rows, k]
    lo = hi - pmf[rows, k]
    return _overlap(lo, hi, interval)


@dataclass(frozen=True)
class Lifetime:
    """BG/NBD and Gamma-Gamma fitted on the customers' purchase days up to one date."""

    purchases: BetaGeo
    spend: GammaGamma
    summary: Summary
    net_share: float

    @classmethod
    def fit(cls, history: pd.DataFrame) -> Lifetime:
        """Both models on :func:`purchase_history`."""
        s = Summary.of(history)
        return cls(BetaGeo.fit(s), GammaGamma.fit(s), s, float(history.attrs.get("net_share", 1.0)))

    @property
    def dropout(self) -> float:
        """The mean chance of leaving after a purchase, a / (a + b)."""
        return self.purchases.a / (self.purchases.a + self.purchases.b)

    @property
    def leaving_seen(self) -> bool:
        """Whether the history shows customers leaving (:data:`DROPOUT_FLOOR`): below it the fit
        cannot tell a customer who left from one who buys rarely, and P(alive) is near 1 for all.
        """
        return self.dropout >= DROPOUT_FLOOR

    def p_alive(self) -> np.ndarray:
        """P(alive) of each customer; NaN when :attr:`leaving_seen` is false (not measured)."""
        return self.purchases.p_alive(self.summary) if self.leaving_seen else np.full(len(self.summary.x), np.nan)

    def per_purchase(self) -> np.ndarray:
        """Expected net spend per purchase of each customer."""
        return self.spend.expected(self.summary) * self.net_share

    def value(self, months: float, discount_rate: float = 0.0) -> np.ndarray:
        """Expected net spend in the next ``months``, each month discounted at ``discount_rate`` a
        year (0: not discounted); a fraction of a month counts as its share of the last month.
        """
        return self._values(months, discount_rate)[0]

    def _values(self, months: float, discount_rate: float) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`value` discounted at ``discount_rate`` and not discounted, from one pass over the
        months (each month's expected purchases, equation 10, computed once for both).
        """
        monthly = (1 + discount_rate) ** (1 / 12) - 1
        total, plain = np.zeros(len(self.summary.x)), np.zeros(len(self.summary.x))
        before = np.zeros(len(self.summary.x))
        per_month = weeks_in(1)
        for i in range(1, int(np.ceil(months)) + 1):
            upto = self.purchases.expected(self.summary, min(i, months) * per_month)
            total += (upto - before) / (1 + monthly) ** i
            plain += upto - before
            before = upto
        return total * self.per_purchase(), plain * self.per_purchase()

    def value_draws(self, months: float, discount_rate: float, seed: int) -> tuple[np.ndarray, Iterator[tuple]]:
        """The lifetime value over ``months`` (:meth:`value`, discounted) and the seeded draws behind
        its interval, per block of customers: (row slice, draws of the undiscounted net spend, each
        customer's discounting factor, lifetime value / undiscounted value).
        """
        clv, plain = self._values(months, discount_rate)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(plain > 0, clv / plain, 1.0)
        return clv, ((rows, draws, scale[rows]) for rows, _c, draws in self.draws(weeks_in(months), seed))

    def draws(self, weeks: float, seed: int, n: int = DRAWS) -> Iterator[tuple]:
        """Seeded draws of purchases and net spend in the next ``weeks``, per block of customers:
        (row slice, purchases, spend), each customers x ``n``.
        """
        rng = np.random.default_rng(seed)
        total = len(self.summary.x)
        for start in range(0, total, BLOCK):
            block = slice(start, min(start + BLOCK, total))
            s = _take(self.summary, block)
            counts = self.purchases.draw(s, weeks, rng, n)
            yield block, counts, self.spend.draw_spend(s, counts, rng) * self.net_share


def _take(s: Summary, rows: slice) -> Summary:
    first = s.first_value[rows] if s.first_value is not None else None
    return Summary(s.customer_id[rows], s.x[rows], s.t_x[rows], s.T[rows], s.m[rows], first)
