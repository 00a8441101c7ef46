"""Benchmark: stage 01 (reading and cleaning the order lines) on one machine (pandas) and on
Spark (``engine.kind: spark``, local mode), with time and peak memory of each.

Generates N order lines as a Parquet dataset folder (the generator of ``benchmarks/scale.py``),
then runs :func:`seglab.collection.collect.collect` on it in a fresh process per engine, sampling the
memory of the whole process tree (Spark's JVM included) every 0.2 s, and checks that both give
the same quality record (rows read, kept, rejected by rule, revenue, customers, dates).

    .venv/bin/python benchmarks/collect.py                       # 10 million lines, both engines
    .venv/bin/python benchmarks/collect.py --rows 50000000 --engines spark
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from scale import PeakMemory, generate  # noqa: E402  (the same data as the scale benchmark)


def _child(engine: str, data: str, work: str) -> dict:
    import pandas as pd

    from seglab import config
    from seglab.collection import collect

    params = config.validate(
        {
            "run_name": f"bench01_{engine}",
            "source": {"kind": "files", "tables": {"transactions": {"path": data}}},
            "engine": {
                "kind": engine,
                "spark": {"master": "local[*]", "config": {"spark.driver.memory": "4g"}},
            },
        }
    )
    peak = PeakMemory()
    t = time.perf_counter()
    got = collect.collect(params, Path(work), now=pd.Timestamp("2025-01-01"), work=Path(work) / f"work_{engine}")
    seconds = time.perf_counter() - t
    q = got.quality["tables"]["transactions"]
    q = {k: v for k, v in q.items() if k != "source"}
    return {"seconds": seconds, "peak_gb": peak.stop(), "quality": q, "customers": len(got.tables["customers"])}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--engines", default="duckdb,spark", help="duckdb (= pandas on one machine), spark, or both")
    ap.add_argument("--child", nargs=3, metavar=("ENGINE", "DATA", "WORK"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(_child(*args.child), default=str))
        return
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "transactions"
        t = time.perf_counter()
        generate(args.rows, data)
        size = sum(f.stat().st_size for f in data.glob("*.parquet")) / 1024**3
        print(f"generated {args.rows:,} order lines in {time.perf_counter() - t:.0f} s ({size:.2f} GB of Parquet)")
        results = {}
        for engine in args.engines.split(","):
            done = subprocess.run(
                [sys.executable, __file__, "--child", engine, str(data), tmp], stdout=subprocess.PIPE, text=True
            )
            if done.returncode:
                why = "killed: out of memory?" if done.returncode < 0 else "error"
                print(f"{engine:6s} failed (exit {done.returncode}: {why})")
                continue
            results[engine] = r = json.loads(done.stdout.strip().splitlines()[-1])
            q = r["quality"]
            print(
                f"{'pandas' if engine == 'duckdb' else 'spark':6s} {r['seconds']:6.0f} s  peak {r['peak_gb']:5.2f} GB  "
                f"read {q['read']:,}  kept {q['kept']:,}  rejected {q['rejected']:,}  customers {r['customers']:,}"
            )
    if len(results) == 2:
        a, b = (results[e] for e in ("duckdb", "spark"))
        print(
            f"same quality record on both engines: {a['quality'] == b['quality'] and a['customers'] == b['customers']}"
        )
        time_ratio, memory_ratio = b["seconds"] / a["seconds"], b["peak_gb"] / a["peak_gb"]
        print(f"ratios spark / pandas: time {time_ratio:.1f}, peak memory {memory_ratio:.2f}")


if __name__ == "__main__":
    main()
