"""Small customer tables shaped like public data sets seglab must read right without being told:
a mall's customers (income and a 1-100 spending score), a wholesaler's clients (annual spend per
product group, channel and region stored as codes), a food retailer's marketing table (spend per
category, deal and channel purchase counts, campaign answers, a constant revenue column), and a
bank's marketing calls (no customer id, ``pdays = -1`` for never contacted). Each has planted
groups, so a test can check what seglab finds. Same seed, same table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def mall(n: int = 200, seed: int = 1) -> pd.DataFrame:
    """Mall customers: five groups on (annual income, spending score), as in the well-known data."""
    rng = np.random.default_rng(seed)
    centres = [(25, 20), (25, 80), (55, 50), (90, 15), (90, 85)]  # (income k$, score)
    g = rng.integers(0, 5, n)
    c = np.array(centres)[g]
    return pd.DataFrame(
        {
            "CustomerID": np.arange(1, n + 1),
            "Gender": rng.choice(["Male", "Female"], n),
            "Age": rng.integers(18, 70, n),
            "Annual Income (k$)": np.clip(np.round(c[:, 0] + rng.normal(0, 6, n)), 15, 140).astype(int),
            "Spending Score (1-100)": np.clip(np.round(c[:, 1] + rng.normal(0, 6, n)), 1, 100).astype(int),
        }
    )


def wholesale(n: int = 440, seed: int = 2) -> pd.DataFrame:
    """Wholesale clients: annual spend per product group (monetary units), Channel 1 = hotels and
    restaurants, 2 = retail; Region 1-3. Retailers buy grocery and detergents, hotels fresh food."""
    rng = np.random.default_rng(seed)
    channel = rng.choice([1, 2], n, p=[0.68, 0.32])
    retail = channel == 2
    spend = lambda base, scale: np.round(rng.lognormal(np.log(base), 0.7, n) * scale).astype(int)  # noqa: E731
    return pd.DataFrame(
        {
            "Channel": channel,
            "Region": rng.choice([1, 2, 3], n, p=[0.18, 0.1, 0.72]),
            "Fresh": spend(9000, np.where(retail, 0.6, 1.3)),
            "Milk": spend(3500, np.where(retail, 2.5, 0.7)),
            "Grocery": spend(4500, np.where(retail, 3.0, 0.8)),
            "Frozen": spend(1500, np.where(retail, 0.6, 1.4)),
            "Detergents_Paper": spend(800, np.where(retail, 6.0, 0.5)),
            "Delicassen": spend(900, 1.0),
        }
    )


def marketing(n: int = 600, seed: int = 3) -> pd.DataFrame:
    """A food retailer's customer table (two years): spend per category (Mnt*), purchases per
    channel, deal purchases, web visits, five campaign answers and the last one (Response), two
    constant columns (Z_CostContact = 3, Z_Revenue = 11). Planted: big spenders (wine and meat,
    catalogue and store), deal seekers (many deal purchases, low spend), web browsers (many visits,
    few purchases) and campaign responders."""
    rng = np.random.default_rng(seed)
    group = rng.choice(["big", "deal", "browse", "respond"], n, p=[0.25, 0.3, 0.25, 0.2])
    big, deal, browse, respond = (group == g for g in ("big", "deal", "browse", "respond"))
    amount = lambda mean: np.round(rng.gamma(2.0, mean / 2.0, n)).astype(int)  # noqa: E731
    wines = amount(np.where(big, 900, np.where(respond, 500, 60)))
    meat = amount(np.where(big, 500, np.where(respond, 250, 40)))
    web = rng.poisson(np.where(big, 5, np.where(browse, 2, 4)))
    catalog = rng.poisson(np.where(big, 6, np.where(respond, 3, 0.5)))
    store = rng.poisson(np.where(big, 8, np.where(browse, 2, 4))) + 1
    start = pd.Timestamp("2012-07-30")
    joined = start + pd.to_timedelta(rng.integers(0, 700, n), unit="D")
    accepted = {f"AcceptedCmp{i}": (rng.random(n) < np.where(respond, 0.55, 0.03)).astype(int) for i in range(1, 6)}
    return pd.DataFrame(
        {
            "ID": rng.permutation(np.arange(1000, 1000 + n)),
            "Year_Birth": rng.integers(1945, 1998, n),
            "Education": rng.choice(["Graduation", "PhD", "Master", "Basic", "2n Cycle"], n),
            "Marital_Status": rng.choice(["Married", "Together", "Single", "Divorced", "Widow"], n),
            "Income": np.round(np.where(big | respond, rng.normal(75000, 9000, n), rng.normal(38000, 9000, n))),
            "Kidhome": rng.choice([0, 1, 2], n, p=[0.58, 0.4, 0.02]),
            "Teenhome": rng.choice([0, 1, 2], n, p=[0.52, 0.46, 0.02]),
            "Dt_Customer": joined.strftime("%d-%m-%Y"),
            "Recency": rng.integers(0, 100, n),
            "MntWines": wines,
            "MntFruits": amount(np.where(big, 50, 10)),
            "MntMeatProducts": meat,
            "MntFishProducts": amount(np.where(big, 70, 12)),
            "MntSweetProducts": amount(np.where(big, 50, 10)),
            "MntGoldProds": amount(np.where(big, 60, 20)),
            "NumDealsPurchases": rng.poisson(np.where(deal, 7, 1)),
            "NumWebPurchases": web,
            "NumCatalogPurchases": catalog,
            "NumStorePurchases": store,
            "NumWebVisitsMonth": rng.poisson(np.where(browse, 9, np.where(deal, 6, 3))),
            **accepted,
            "Complain": (rng.random(n) < 0.01).astype(int),
            "Z_CostContact": 3,
            "Z_Revenue": 11,
            "Response": (rng.random(n) < np.where(respond, 0.6, 0.08)).astype(int),
        }
    )


def bank(n: int = 800, seed: int = 4) -> pd.DataFrame:
    """A bank's marketing calls: one row per client, no client id, ``pdays`` = -1 for clients never
    contacted before (most of them), ``y`` = subscribed."""
    rng = np.random.default_rng(seed)
    contacted = rng.random(n) < 0.2
    return pd.DataFrame(
        {
            "age": rng.integers(19, 90, n),
            "job": rng.choice(
                ["admin.", "technician", "services", "management", "retired", "blue-collar", "student"], n
            ),
            "marital": rng.choice(["married", "single", "divorced"], n),
            "education": rng.choice(["primary", "secondary", "tertiary", "unknown"], n),
            "default": rng.choice(["no", "yes"], n, p=[0.98, 0.02]),
            "balance": np.round(rng.gamma(1.2, 1200, n) - 200).astype(int),
            "housing": rng.choice(["yes", "no"], n),
            "loan": rng.choice(["no", "yes"], n, p=[0.85, 0.15]),
            "contact": rng.choice(["cellular", "telephone", "unknown"], n),
            "day": rng.integers(1, 32, n),
            "month": rng.choice(
                ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], n
            ),
            "duration": rng.integers(5, 1500, n),
            "campaign": rng.integers(1, 8, n),
            "pdays": np.where(contacted, rng.integers(30, 400, n), -1),
            "previous": np.where(contacted, rng.integers(1, 6, n), 0),
            "poutcome": np.where(contacted, rng.choice(["failure", "success", "other"], n), "unknown"),
            "y": rng.choice(["no", "yes"], n, p=[0.88, 0.12]),
        }
    )


def write(folder: Path) -> dict[str, Path]:
    """Every table above as its original file format (CSV; the marketing table tab-separated, the
    bank's with semicolons)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, df, sep in (
        ("mall", mall(), ","),
        ("wholesale", wholesale(), ","),
        ("marketing", marketing(), "\t"),
        ("bank", bank(), ";"),
    ):
        path = folder / f"{name}.csv"
        df.to_csv(path, sep=sep, index=False)
        out[name] = path
    return out


def run(tmp_path: Path, df: pd.DataFrame, sep: str = ",", name: str = "t", **spec):
    """Stages 01 and 02 on a customer-level table written as CSV (``spec``: the table's parameters:
    roles, lenses, ...): stage 01's result and stage 02's."""
    from seglab import config, features
    from seglab.collection import collect

    path = tmp_path / f"{name}.csv"
    df.to_csv(path, sep=sep, index=False)
    p = config.validate(
        {"run_name": name, "source": {"kind": "files", "tables": {"customers": {"path": str(path), **spec}}}}
    )
    c = collect.collect(p, tmp_path)
    return c, features.build(c.tables, p.features, c.quality)
