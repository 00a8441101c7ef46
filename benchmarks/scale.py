"""Benchmark: past one machine's memory. Features and scoring of 50 million order lines, with
DuckDB under a memory limit (out of core) and with Spark in local mode.

Generates N order lines (about 20 per customer: 50 million lines, 2.5 million customers) as a
Parquet dataset (a folder of files, written by DuckDB without holding them in memory), then, each
in its own process, timed step by step with the peak memory of the whole process tree (Spark's
JVM included, sampled every 0.2 s):

- **duckdb**: stage 02's feature build (``features.build``) on the folder with
  ``features.duckdb: {memory_limit: <limit>}``, DuckDB spilling to disk beyond it; the segment
  model fitted on a seeded sample (``segmentation.selection_sample``); every customer scored in
  chunks (``seglab score``);
- **spark**: the same feature build with ``features.engine: spark`` (``local[*]``), the same
  model, every customer scored on Spark (``seglab score --engine spark``: ``mapInPandas`` with
  the JSON model).

It checks that the two engines give the same segments for every customer.

    .venv/bin/python benchmarks/scale.py                        # 50 million lines
    .venv/bin/python benchmarks/scale.py --rows 5000000 --memory-limit 1GB
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

DAYS = 730


def generate(rows: int, folder: Path, per_thread: bool = True) -> None:
    """Order lines with DuckDB straight to a Parquet folder (``per_thread``: a file per thread; else
    one file at ``folder``): 1 to 5 lines per order, 20 lines per customer on average, two years,
    5 % returns, 30 % discounted, 8 categories, 3 channels."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    con.execute(
        f"""
        COPY (
          SELECT
            'C' || lpad(CAST(hash(i // 3, 1) % {max(rows // 20, 1)} AS VARCHAR), 8, '0') AS customer_id,
            'O' || lpad(CAST(i // 3 AS VARCHAR), 10, '0') AS order_id,
            TIMESTAMP '2023-01-01' + to_seconds(CAST(hash(i // 3, 2) % ({DAYS} * 86400) AS BIGINT)) AS timestamp,
            CAST((1 + hash(i, 3) % 4) * CASE WHEN hash(i, 4) % 20 = 0 THEN -1 ELSE 1 END AS DOUBLE) AS quantity,
            CAST(round(exp(2.5 + 0.6 * ((hash(i, 5) % 1000) / 1000.0 - 0.5) * 3), 2) AS DOUBLE) AS unit_price,
            CAST(CASE WHEN hash(i, 6) % 10 < 3 THEN 0.2 ELSE 0.0 END AS DOUBLE) AS discount,
            'P' || lpad(CAST(hash(i, 7) % 20000 AS VARCHAR), 5, '0') AS product_id,
            ['Apparel','Beauty','Books','Electronics','Grocery','Home','Kids','Outdoor']
              [1 + CAST(hash(i, 8) % 8 AS BIGINT)] AS category,
            ['web','store','app'][1 + CAST(hash(i // 3, 9) % 3 AS BIGINT)] AS channel
          FROM range({rows}) t(i)
        ) TO '{folder}' (FORMAT parquet, PER_THREAD_OUTPUT {str(per_thread).lower()}, ROW_GROUP_SIZE 1000000)
        """
    )


class PeakMemory:
    """The peak resident memory of this process and all its descendants (Spark's JVM too)."""

    def __init__(self, interval: float = 0.2):
        self.peak = 0
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    @staticmethod
    def _tree_rss() -> int:
        children: dict[int, list[int]] = {}
        rss: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                ppid, pages = int(stat[1]), int(stat[21])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
            rss[int(entry)] = pages * os.sysconf("SC_PAGE_SIZE")
        total, todo = 0, [os.getpid()]
        while todo:
            pid = todo.pop()
            total += rss.get(pid, 0)
            todo += children.get(pid, [])
        return total

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._tree_rss())
            time.sleep(self.interval)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return max(self.peak, self._tree_rss()) / 1024**3


def _features(data: Path, engine: str, memory_limit: str, tmp: Path):
    from seglab import config, features

    if engine == "duckdb":
        duckdb = {"memory_limit": memory_limit, "temp_directory": str(tmp / "spill")}
        params = config.Features().on(config.Engine(duckdb=duckdb))
    else:
        spark = {"master": "local[*]", "config": {"spark.driver.memory": "6g"}}
        params = config.Features().on(config.Engine(kind="spark", spark=spark))
    return features.build({"transactions": data}, params).features


def _child(engine: str, data: str, work: str, memory_limit: str) -> dict:
    from seglab import config, segmentation
    from seglab.files import artifacts, score

    data_path, tmp = Path(data), Path(work)
    peak = PeakMemory()
    steps: dict[str, float] = {}
    t0 = time.perf_counter()
    feats = _features(data_path, engine, memory_limit, tmp)
    steps["features"] = time.perf_counter() - t0
    feats_file = tmp / f"features_{engine}.parquet"
    feats.to_parquet(feats_file, index=False)
    t = time.perf_counter()
    model_dir = tmp / "model"
    if engine == "duckdb":  # one model for both engines: fitted once, on DuckDB's features
        p = config.Segmentation(k=6, bootstrap=0, features=["recency_days", "frequency", "monetary", "avg_order_value"])
        sample = feats.sample(n=min(len(feats), 200_000), random_state=42)
        result = segmentation.segment(sample, p, 42)
        artifacts.write_models(model_dir, result.model)
    steps["model (200,000 sample)"] = time.perf_counter() - t
    n = len(feats)
    del feats
    t = time.perf_counter()
    out = tmp / f"scored_{engine}"
    if engine == "duckdb":
        summary = score.score_file(model_dir, feats_file, out.with_suffix(".parquet"), chunk_rows=500_000)
    else:
        from seglab.config import Spark

        dataset = tmp / "features_dataset"
        dataset.mkdir(exist_ok=True)
        os.replace(feats_file, dataset / "part-0.parquet")
        summary = score.score_spark(model_dir, dataset, out, Spark(master="local[*]"))
    steps["score"] = time.perf_counter() - t
    return {
        "seconds": time.perf_counter() - t0,
        "peak_gb": peak.stop(),
        "customers": n,
        "steps": steps,
        "per_segment": summary.per_segment,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=50_000_000)
    ap.add_argument("--memory-limit", default="2GB", help="DuckDB's memory_limit (default 2GB)")
    ap.add_argument("--child", nargs=3, metavar=("ENGINE", "DATA", "WORK"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(_child(*args.child, args.memory_limit)))
        return
    with tempfile.TemporaryDirectory(dir=os.environ.get("SEGLAB_BENCH_DIR")) as tmp:
        data = Path(tmp) / "transactions"
        t = time.perf_counter()
        generate(args.rows, data)
        size = sum(f.stat().st_size for f in data.glob("*.parquet")) / 1024**3
        files = len(list(data.glob("*.parquet")))
        print(f"generated {args.rows:,} order lines in {time.perf_counter() - t:.0f} s ({files} files, {size:.2f} GB)")
        results = {}
        for engine in ("duckdb", "spark"):
            cmd = [sys.executable, __file__, "--child", engine, str(data), tmp, "--memory-limit", args.memory_limit]
            done = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
            if done.returncode:
                raise SystemExit(f"{engine} failed")
            results[engine] = r = json.loads(done.stdout.strip().splitlines()[-1])
            steps = ", ".join(f"{k} {v:.0f} s" for k, v in r["steps"].items())
            print(
                f"{engine:6s} {r['seconds']:6.0f} s  peak {r['peak_gb']:.2f} GB  {r['customers']:,} customers ({steps})"
            )
        import pandas as pd

        a = pd.read_parquet(Path(tmp) / "scored_duckdb.parquet").sort_values("customer_id").reset_index(drop=True)
        b = pd.read_parquet(Path(tmp) / "scored_spark").sort_values("customer_id").reset_index(drop=True)
        same = (
            len(a) == len(b) and (a["customer_id"] == b["customer_id"]).all() and (a["segment"] == b["segment"]).all()
        )
    print(f"DuckDB memory_limit {args.memory_limit}; same segment for every customer on both engines: {bool(same)}")
    print(f"ratio spark / duckdb: {results['spark']['seconds'] / results['duckdb']['seconds']:.1f}")


if __name__ == "__main__":
    main()
