"""Benchmark: stage 03 on 1 million customers x 20 features, k from 2 to 10.

seglab's segmentation (preparation, k-means for every k, sampled silhouette, Calinski-Harabasz,
Davies-Bouldin, bootstrap stability, the choice of k, the final assignment) is timed step by
step in its own process, with its peak memory. In the same run, a baseline process does what an
analyst would do by hand with scikit-learn: standardise, then for every k fit KMeans and compute
the sampled silhouette. The ratio says what the extra evidence costs.

    .venv/bin/python benchmarks/segmentation.py                   # 1,000,000 customers
    .venv/bin/python benchmarks/segmentation.py --customers 200000

Targets (issue 5): under 5 minutes and under 4 GB peak memory at 1 million customers.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

FEATURES = 20
K_RANGE = (2, 10)


def generate(n: int, path: Path, seed: int = 11) -> None:
    """n customers in 6 planted groups: 10 skewed money/count-like features and 10 shares."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 6, n)
    centers = rng.normal(0, 1.5, (6, FEATURES))
    x = centers[group] + rng.normal(0, 1, (n, FEATURES))
    cols = {}
    for j in range(FEATURES):
        if j < 10:  # amounts: exp of a normal, like spend and counts
            cols[f"amount_{j:02d}"] = np.round(np.exp(1 + 0.6 * x[:, j]), 2)
        else:  # shares in 0..1
            cols[f"share_{j:02d}"] = 1 / (1 + np.exp(-x[:, j]))
    df = pd.DataFrame({"customer_id": [f"C{i:08d}" for i in range(n)], **cols})
    df["monetary"] = df["amount_00"]
    df.to_parquet(path, index=False)


def _peak_gb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024**2
    return float("nan")


def _seglab(path: str) -> dict:
    from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

    from seglab import config, methods, segment

    steps: dict[str, float] = {}
    t0 = time.perf_counter()
    df = pd.read_parquet(path)
    steps["read"] = time.perf_counter() - t0
    feats = [c for c in df.columns if c.startswith(("amount_", "share_"))]
    p = config.Segmentation(features=feats, k_min=K_RANGE[0], k_max=K_RANGE[1])
    t = time.perf_counter()
    prep = segment.Preparation.fit(df, feats, p.winsor, p.scaling)
    x = prep.transform(df)
    steps["prepare"] = time.perf_counter() - t
    rows = []
    fitted = {}
    for k in range(K_RANGE[0], K_RANGE[1] + 1):
        row = {"k": k}
        t = time.perf_counter()
        fit = fitted[k] = methods.fit(p.method, x, k, 42, p)
        labels = fit.predict(x)
        row["fit"] = time.perf_counter() - t
        t = time.perf_counter()
        row["silhouette"] = silhouette_score(x, labels, sample_size=p.silhouette_sample, random_state=42)
        row["t_silhouette"] = time.perf_counter() - t
        t = time.perf_counter()
        row["calinski_harabasz"] = calinski_harabasz_score(x, labels)
        row["davies_bouldin"] = davies_bouldin_score(x, labels)
        row["inertia"] = methods.within_ss(x, labels, k)
        row["min_share"] = np.bincount(labels, minlength=k).min() / len(x)
        row["t_indices"] = time.perf_counter() - t
        t = time.perf_counter()
        row["stability"], row["stability_sd"] = segment.stability(x, fit, k, p, 42)
        row["t_stability"] = time.perf_counter() - t
        rows.append(row)
        print(
            f"  k = {k:2d}: fit {row['fit']:6.1f} s, silhouette {row['t_silhouette']:5.1f} s, "
            f"CH+DB+inertia {row['t_indices']:5.1f} s, stability {row['t_stability']:5.1f} s",
            file=sys.stderr,
            flush=True,
        )
    table = pd.DataFrame(rows)
    t = time.perf_counter()
    k, _, why = segment.choose_k(table, p.min_segment_share, p.good_margin)
    steps["choose"] = time.perf_counter() - t
    for col in ("fit", "t_silhouette", "t_indices", "t_stability"):
        steps[col.removeprefix("t_")] = float(table[col].sum())
    return {"seconds": time.perf_counter() - t0, "peak_gb": _peak_gb(), "k": k, "steps": steps, "why": why}


def _baseline(path: str) -> dict:
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score
    from sklearn.preprocessing import StandardScaler

    t0 = time.perf_counter()
    df = pd.read_parquet(path)
    x = StandardScaler().fit_transform(df[[c for c in df.columns if c.startswith(("amount_", "share_"))]])
    best = (-2.0, 0)
    for k in range(K_RANGE[0], K_RANGE[1] + 1):
        labels = KMeans(n_clusters=k, n_init=10, random_state=42).fit_predict(x)
        best = max(best, (silhouette_score(x, labels, sample_size=4000, random_state=42), k))
    return {"seconds": time.perf_counter() - t0, "peak_gb": _peak_gb(), "k": best[1]}


def _run(method: str, path: Path) -> dict:
    res = subprocess.run([sys.executable, __file__, "--child", method, str(path)], stdout=subprocess.PIPE, text=True)
    if res.returncode:
        raise SystemExit(f"{method} failed")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--child", nargs=2, metavar=("METHOD", "PARQUET"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        method, path = args.child
        print(json.dumps(_seglab(path) if method == "seglab" else _baseline(path)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "features.parquet"
        t = time.perf_counter()
        generate(args.customers, data)
        print(f"generated {args.customers:,} customers x {FEATURES} features in {time.perf_counter() - t:.1f} s")
        seg = _run("seglab", data)
        base = _run("baseline", data)
    print("seglab steps (s): " + ", ".join(f"{k} {v:.1f}" for k, v in seg["steps"].items()))
    print(f"seglab   {seg['seconds']:7.1f} s   peak {seg['peak_gb']:.2f} GB   chose k = {seg['k']}  ({seg['why']})")
    print(f"baseline {base['seconds']:7.1f} s   peak {base['peak_gb']:.2f} GB   best silhouette at k = {base['k']}")
    print(
        f"ratio seglab / baseline: {seg['seconds'] / base['seconds']:.2f} "
        f"(targets: seglab under 300 s and 4 GB; measured {seg['seconds']:.0f} s, {seg['peak_gb']:.2f} GB)"
    )


if __name__ == "__main__":
    main()
