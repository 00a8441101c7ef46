"""Benchmark: seglab's feature building (Ibis on DuckDB) vs an idiomatic pandas groupby implementation.

Generates N synthetic order lines (about 20 per customer) as Parquet once, then times each
method in its own process (so peak memory is per method), from the Parquet file to the
feature table in memory, and prints both times, the ratio and each peak RSS. seglab reads the
Parquet file where it lies, as stage 02 reads stage 01's output; pandas reads it into a
DataFrame first, as an analyst would. It also checks that the two agree on every common feature.

    .venv/bin/python benchmarks/features.py                 # 10 million rows (~500k customers)
    .venv/bin/python benchmarks/features.py --rows 1000000  # quicker
    .venv/bin/python benchmarks/features.py --repeat 3      # each method 3 times, the fastest kept

Targets (issue 4): seglab at least 5x faster than pandas; peak memory under 3 GB at 10M rows.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from seglab import io

CATEGORIES = np.array(["Apparel", "Beauty", "Books", "Electronics", "Grocery", "Home", "Kids", "Outdoor"])
CHANNELS = np.array(["web", "store", "app"])


def generate(rows: int, path: Path, seed: int = 7) -> None:
    """Order lines: ~20 lines per customer, 1-6 lines per order, 2 years, 5 % returns."""
    rng = np.random.default_rng(seed)
    n_orders = rows // 3
    order_customer = rng.integers(0, max(rows // 20, 1), n_orders)
    order_time = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 730 * 86400, n_orders), unit="s")
    lines = rng.integers(1, 6, n_orders)
    lines = np.minimum(lines, rows - np.concatenate([[0], np.cumsum(lines)[:-1]]).clip(max=rows))
    owner = np.repeat(np.arange(n_orders), lines)[:rows]
    m = len(owner)
    qty = rng.integers(1, 5, m).astype(float)
    qty[rng.random(m) < 0.05] *= -1
    df = pd.DataFrame(
        {
            "customer_id": pd.array([f"C{c:07d}" for c in order_customer], dtype="str")[owner],
            "order_id": pd.array([f"O{o:09d}" for o in range(n_orders)], dtype="str")[owner],
            "timestamp": order_time.to_numpy()[owner],
            "quantity": qty,
            "unit_price": np.round(rng.lognormal(2.5, 0.6, m), 2),
            "discount": np.where(rng.random(m) < 0.3, rng.choice([0.1, 0.2, 0.5], m), 0.0),
            "product_id": pd.array([f"P{p:05d}" for p in rng.integers(0, 20000, m)], dtype="str"),
            "category": CATEGORIES[rng.integers(0, len(CATEGORIES), m)],
            "channel": CHANNELS[rng.integers(0, 3, n_orders)][owner],
        }
    )
    df["source_row"] = np.arange(1, m + 1)
    io.write_parquet(df, path)  # as stage 01 writes the canonical transactions that stage 02 reads


def pandas_features(tx: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """The transaction features of seglab.features, in idiomatic pandas (named aggregations, sort/diff)."""
    cutoff = as_of + pd.Timedelta(days=1)
    tx = tx[tx["timestamp"] < cutoff].copy()
    tx["revenue"] = tx["quantity"] * tx["unit_price"] * (1 - tx["discount"])
    buy = tx[tx["quantity"] > 0]
    orders = (
        buy.groupby(["customer_id", "order_id"], sort=False)
        .agg(ts=("timestamp", "min"), channel=("channel", "first"))
        .reset_index()
    )
    orders = orders.sort_values(["customer_id", "ts", "order_id"])
    orders["gap"] = orders.groupby("customer_id")["ts"].diff().dt.total_seconds() / 86400
    orders["hour"] = orders["ts"].dt.hour
    orders["weekday"] = orders["ts"].dt.dayofweek
    for c in ("web", "store", "app"):
        orders[c] = (orders["channel"] == c).astype(float)
    o = orders.groupby("customer_id").agg(
        frequency=("order_id", "size"),
        first_ts=("ts", "min"),
        last_ts=("ts", "max"),
        web_share=("web", "mean"),
        store_share=("store", "mean"),
        app_share=("app", "mean"),
        gap_mean=("gap", "mean"),
        gap_n=("gap", "count"),
    )
    o["gap_std"] = orders.groupby("customer_id")["gap"].std(ddof=0)  # vectorised; no per-group lambda
    for slot in ("hour", "weekday"):  # the most frequent, ties: the earliest
        o[f"preferred_{slot}"] = (
            orders.groupby(["customer_id", slot])
            .size()
            .reset_index(name="n")
            .sort_values(["customer_id", "n", slot], ascending=[True, False, True])
            .drop_duplicates("customer_id")
            .set_index("customer_id")[slot]
        )
    tx["pos_rev"] = tx["revenue"].where(tx["quantity"] > 0, 0.0)
    tx["neg_rev"] = -tx["revenue"].where(tx["quantity"] < 0, 0.0)
    tx["units"] = tx["quantity"].where(tx["quantity"] > 0, 0.0)
    tx["disc_rev"] = tx["pos_rev"].where(tx["discount"] > 0, 0.0)
    lines = tx.groupby("customer_id").agg(
        gross=("pos_rev", "sum"), returned=("neg_rev", "sum"), units=("units", "sum"), discounted=("disc_rev", "sum")
    )
    lines["product_breadth"] = buy.groupby("customer_id")["product_id"].nunique()
    lines["category_breadth"] = buy.groupby("customer_id")["category"].nunique()
    lines["top_cat"] = buy.groupby(["customer_id", "category"])["revenue"].sum().groupby("customer_id").max()
    b = buy.join(o[["first_ts"]], on="customer_id")
    mid = b["first_ts"] + (cutoff - b["first_ts"]) / 2  # the customer's span: first purchase to as_of
    b["late"] = b["revenue"].where(b["timestamp"] >= mid, 0.0)
    b["early"] = b["revenue"].where(b["timestamp"] < mid, 0.0)
    halves = b.groupby("customer_id")[["late", "early"]].sum()
    f = o.join(lines, how="inner").join(halves)
    out = pd.DataFrame(index=f.index)
    out["recency_days"] = (cutoff - f["last_ts"]).dt.total_seconds() / 86400
    out["frequency"] = f["frequency"]
    out["monetary"] = f["gross"] - f["returned"]
    out["avg_order_value"] = f["gross"] / f["frequency"]
    out["avg_basket_size"] = f["units"] / f["frequency"]
    out["interpurchase_mean_days"] = f["gap_mean"]
    out["interpurchase_cv"] = (f["gap_std"] / f["gap_mean"]).where((f["gap_n"] >= 2) & (f["gap_mean"] > 0))
    tot = f["late"] + f["early"]
    out["spend_trend"] = ((f["late"] - f["early"]) / tot).where((tot > 0) & (f["frequency"] > 1), 0.0)
    out["discount_share"] = (f["discounted"] / f["gross"]).where(f["gross"] > 0, 0.0)
    out["return_share"] = (f["returned"] / f["gross"]).where(f["gross"] > 0, 0.0)
    out["product_breadth"] = f["product_breadth"]
    out["category_breadth"] = f["category_breadth"]
    out["top_category_share"] = f["top_cat"] / f["gross"]
    out[["web_share", "store_share", "app_share"]] = f[["web_share", "store_share", "app_share"]]
    out["preferred_hour"] = f["preferred_hour"]
    out["preferred_weekday"] = f["preferred_weekday"]
    return out.reset_index().sort_values("customer_id").reset_index(drop=True)


def _peak_rss_gb() -> float:
    """Peak resident memory of this process: VmHWM, which starts afresh at exec (getrusage's
    ru_maxrss is carried over from the parent on Linux, so it would count the data generator)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024**2
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # not Linux


def _child(method: str, path: str, out: str) -> None:
    # Each method's libraries are imported before the clock starts, including those its library
    # would import on first use (ibis its DuckDB backend, pandas pyarrow's Parquet reader): the
    # times are of the work, not of Python's imports.
    if method == "seglab":
        import ibis.backends.duckdb  # noqa: F401

        from seglab import config, features

        def run() -> pd.DataFrame:
            # as_of: the last day; the whole history, as the pandas implementation computes it
            return features.build({"transactions": Path(path)}, config.Features(window_days="all")).features
    else:
        import pyarrow.parquet  # noqa: F401

        def run() -> pd.DataFrame:
            tx = pd.read_parquet(path)
            return pandas_features(tx, tx["timestamp"].max().normalize())

    start = time.perf_counter()
    feats = run()
    secs = time.perf_counter() - start
    feats.to_parquet(out, index=False)
    peak_gb = _peak_rss_gb()
    print(json.dumps({"seconds": secs, "peak_gb": peak_gb, "customers": len(feats)}))


def _run(method: str, path: Path, out: Path) -> dict:
    res = subprocess.run(
        [sys.executable, __file__, "--child", method, str(path), str(out)], capture_output=True, text=True
    )
    if res.returncode:
        raise SystemExit(f"{method} failed:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run each method this many times, alternating, and keep the fastest (machines are noisy)",
    )
    ap.add_argument("--child", nargs=3, metavar=("METHOD", "PARQUET", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(*args.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = tmp / "tx.parquet"
        t = time.perf_counter()
        generate(args.rows, data)
        print(f"generated {args.rows:,} order lines in {time.perf_counter() - t:.1f} s")
        runs: dict[str, list[dict]] = {"seglab": [], "pandas": []}
        for _ in range(max(args.repeat, 1)):
            for m in runs:
                runs[m].append(_run(m, data, tmp / f"{m}.parquet"))
        if args.repeat > 1:
            for m, rs in runs.items():
                times = ", ".join(f"{r['seconds']:.2f}" for r in rs)
                print(f"{m:7s} runs: {times} s")
        res = {m: min(rs, key=lambda r: r["seconds"]) for m, rs in runs.items()}
        a, b = pd.read_parquet(tmp / "seglab.parquet"), pd.read_parquet(tmp / "pandas.parquet")
        common = [c for c in b.columns if c in a.columns and c != "customer_id"]
        assert list(a["customer_id"]) == list(b["customer_id"]), "the two methods disagree on the customers"
        worst = max(float(np.nanmax(np.abs(a[c].to_numpy(float) - b[c].to_numpy(float)))) for c in common)
        for m, r in res.items():
            print(f"{m:7s} {r['seconds']:8.2f} s   peak {r['peak_gb']:.2f} GB   {r['customers']:,} customers")
        print(
            f"ratio pandas / seglab: {res['pandas']['seconds'] / res['seglab']['seconds']:.1f}x (target >= 5x); "
            f"seglab peak {res['seglab']['peak_gb']:.2f} GB (target < 3 GB)"
        )
        print(f"largest difference over {len(common)} common features: {worst:.2e}")


if __name__ == "__main__":
    main()
