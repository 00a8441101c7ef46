"""Benchmark: the whole path, `seglab run` end to end on synthetic order lines of growing size.

For each size (default 1, 20 and 50 million order lines: about 20 lines per customer, two years,
returns, discounts, categories and channels, generated seeded by DuckDB as one Parquet file; see
``scale.generate``) this script runs ``seglab run`` as a user types it, in a throw-away project
folder (the repository's notebooks, the default parameters with the file as the source), and
prints each stage's time (from the run's record) and the peak resident memory of the whole
process tree (the runner, its kernel and drawing process, sampled every 0.2 s), then one line per
size for a script to read::

    full-path <lines> lines <customers> customers <seconds> s peak <GB> GB

    .venv/bin/python benchmarks/full_path.py                          # 1, 20 and 50 million lines
    .venv/bin/python benchmarks/full_path.py --lines 1000000          # one size

Targets (issue 34), on this 2-core, 24 GB machine: 1 million lines <= 30 s; 50 million lines
(2.5 million customers) <= 240 s and <= 6 GB.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq
import yaml
from scale import PeakMemory, generate

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {1_000_000: (30.0, None), 50_000_000: (240.0, 6.0)}


def _project(tmp: Path, data: Path, lines: int) -> tuple[Path, str]:
    """A project folder running the default parameters on ``data``; its params file and run name."""
    shutil.copytree(ROOT / "notebooks", tmp / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    params = yaml.safe_load((ROOT / "notebooks" / "params" / "default.yaml").read_text())
    name = f"full_path_{lines}"
    params["run_name"] = name
    params["source"] = {"kind": "files", "tables": {"transactions": {"path": str(data)}}}
    f = tmp / "notebooks" / "params" / f"{name}.yaml"
    f.write_text(yaml.safe_dump(params, sort_keys=False))
    return f, name


def run_once(lines: int, work: Path) -> dict:
    """Generate ``lines`` order lines, run ``seglab run`` on them; seconds, peak GB, stages, customers."""
    from seglab.paths import RunPaths
    from seglab.run.pipeline import read_record

    data = work / "order_lines.parquet"
    t = time.perf_counter()
    generate(lines, data, per_thread=False)
    made = time.perf_counter() - t
    params_file, name = _project(work, data, lines)
    seglab = Path(sys.executable).with_name("seglab")
    peak = PeakMemory()
    t = time.perf_counter()
    res = subprocess.run(
        [str(seglab), "run", "--params", str(params_file)],
        env={**os.environ, "SEGLAB_ROOT": str(work)},
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - t
    gb = peak.stop()
    if res.returncode:
        sys.exit(f"seglab run on {lines:,} lines failed:\n{res.stderr[-3000:]}")
    record = read_record(RunPaths(work, name))
    customers = pq.ParquetFile(work / "data" / "processed" / name / "segments.parquet").metadata.num_rows
    return {"generated": made, "seconds": seconds, "peak_gb": gb, "stages": record["stages"], "customers": customers}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, nargs="+", default=[1_000_000, 20_000_000, 50_000_000])
    args = ap.parse_args()
    summary = []
    for lines in args.lines:
        with tempfile.TemporaryDirectory() as tmp:
            r = run_once(lines, Path(tmp))
        print(f"{lines:,} order lines (generated in {r['generated']:.1f} s): seglab run {r['seconds']:.1f} s")
        for s in r["stages"]:
            print(f"  {s['name']:<24} {s['seconds']:7.1f} s")
        target = TARGETS.get(lines)
        if target:
            secs, gb = target
            held = r["seconds"] <= secs and (gb is None or r["peak_gb"] <= gb)
            limit = f"<= {secs:.0f} s" + (f" and <= {gb:.0f} GB" if gb else "")
            print(f"  target {limit}: {'held' if held else 'MISSED'}")
        summary.append(
            f"full-path {lines} lines {r['customers']} customers {r['seconds']:.1f} s peak {r['peak_gb']:.2f} GB"
        )
    print("\n".join(summary))


if __name__ == "__main__":
    main()
