"""Benchmark: stage 03 on 1 million customers x 20 features, k from 2 to 10.

Three processes on the same generated data, each timed with its peak memory:

- **seglab** (``segmentation.selection_sample`` at its default, 100,000): ``segmentation.segment`` as
  stage 03 runs it: preparation, every k fitted and judged (silhouette, Calinski-Harabasz,
  Davies-Bouldin, bootstrap stability, segment shares) on a seeded sample, the chosen k fitted on
  every customer from the sample's solution, every customer assigned;
- **full selection** (``selection_sample: null``): the same with every k fitted and judged on all
  customers, the reference the sample must agree with (same k);
- **baseline**: what an analyst would do by hand with scikit-learn: standardise, then for every k
  fit KMeans and compute the sampled silhouette.

    .venv/bin/python benchmarks/segmentation.py                   # 1,000,000 customers
    .venv/bin/python benchmarks/segmentation.py --customers 200000

Targets: issue 34, seglab at most 0.25x the baseline measured in the same run, with the same k as
the full selection; issue 21, at most 45 s at 1 million customers; issue 5, under 5 minutes and
4 GB peak memory.
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


def _seglab(path: str, sample: int | None) -> dict:
    from seglab import config, i18n, segmentation

    t0 = time.perf_counter()
    df = pd.read_parquet(path)
    read = time.perf_counter() - t0
    feats = [c for c in df.columns if c.startswith(("amount_", "share_"))]
    p = config.Segmentation(features=feats, k_min=K_RANGE[0], k_max=K_RANGE[1], selection_sample=sample)
    fitted_at: list[float] = []
    t = time.perf_counter()
    result = segmentation.segment(df, p, 42, progress=lambda k: fitted_at.append(time.perf_counter()))
    total = time.perf_counter() - t0
    sweep = (fitted_at[-1] - fitted_at[0]) * len(fitted_at) / max(len(fitted_at) - 1, 1) if fitted_at else 0.0
    steps = {"read": read, "prepare": fitted_at[0] - t if fitted_at else 0.0, "k sweep": sweep}
    steps["final fit + assign"] = total - read - steps["prepare"] - sweep
    sizes = np.bincount(result.segments["segment"].to_numpy())[1:]
    return {
        "seconds": total,
        "peak_gb": _peak_gb(),
        "k": int(result.model.k),
        "steps": steps,
        "why": i18n.say(result.explanation),
        "sizes": sizes.tolist(),
    }


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
        if method == "baseline":
            print(json.dumps(_baseline(path)))
        else:
            print(json.dumps(_seglab(path, None if method == "full" else 100_000)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "features.parquet"
        t = time.perf_counter()
        generate(args.customers, data)
        print(f"generated {args.customers:,} customers x {FEATURES} features in {time.perf_counter() - t:.1f} s")
        seg = _run("seglab", data)
        full = _run("full", data)
        base = _run("baseline", data)
    print("seglab steps (s): " + ", ".join(f"{k} {v:.1f}" for k, v in seg["steps"].items()))
    print(f"seglab (k chosen on 100,000)        {seg['seconds']:7.1f} s  peak {seg['peak_gb']:.2f} GB  k = {seg['k']}")
    print(
        f"full selection (every customer)     {full['seconds']:7.1f} s  peak {full['peak_gb']:.2f} GB  k = {full['k']}"
    )
    print(
        f"baseline (KMeans + silhouette)      {base['seconds']:7.1f} s  peak {base['peak_gb']:.2f} GB  k = {base['k']}"
    )
    print(f"why (sample): {seg['why']}")
    print(f"why (full):   {full['why']}")
    print(f"segment sizes (sample / full): {seg['sizes']} / {full['sizes']}")
    print(
        f"ratios: seglab / full {seg['seconds'] / full['seconds']:.2f}, seglab / baseline "
        f"{seg['seconds'] / base['seconds']:.2f}; same k as the full selection: {seg['k'] == full['k']} "
        f"(targets: seglab / baseline <= 0.25 and <= 45 s with the same k; measured {seg['seconds']:.0f} s)"
    )


if __name__ == "__main__":
    main()
