"""Benchmark: stage 01 on a wide table (thousands of columns), against the same rows with only
the six columns of an order line, measured in the same run.

An export with every attribute of the product or the CRM pasted onto each order line can have
thousands of columns; stage 01 reads, types and profiles each. Per-column work that costs a
constant (a pandas call, a copy of ``DataFrame.attrs``) or that grows with the columns already
there (inserting columns one at a time) made 5,000 columns take 412 s (issue 29).

For each width this script writes N order lines with ``--columns`` columns (six of an order line,
the rest numbers written as text, as a CSV holds them), a customer-level table (an id and the
rest answers written as numbers) and a survey of worded answers ("Agree", "N/A", ...), then
times, in a fresh process each:

1. ``collect.collect`` alone (reading, typing, rules, the profile's facts);
2. the whole stage 01 as ``seglab run`` executes it (notebook, tables, figure, page), in a
   throw-away project folder.

and prints each time with its ratio to the six-column baseline of its kind.

    .venv/bin/python benchmarks/wide.py                          # 1,000 and 5,000 columns
    .venv/bin/python benchmarks/wide.py --columns 5000 --rows 2000

Target (issue 29): 5,000 columns, 2,000 lines: stage 01 under 30 s on 2 idle cores (both kinds).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = {
    "customer_id": "CustomerID",
    "order_id": "InvoiceNo",
    "product_id": "StockCode",
    "quantity": "Quantity",
    "timestamp": "InvoiceDate",
    "unit_price": "UnitPrice",
}


def write_table(path: Path, rows: int, columns: int, kind: str, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    if kind in ("customers", "answers"):
        if kind == "customers":
            values = rng.integers(0, 100, (rows, columns - 1))
        else:
            words = np.array(["Agree", "Disagree", "Neutral", "Strongly agree", "N/A"])
            values = words[rng.integers(0, 5, (rows, columns - 1))]
        df = pd.DataFrame(values, columns=[f"q{i}" for i in range(columns - 1)])
        df.insert(0, "respondent", [f"R{i}" for i in range(rows)])
        df.to_csv(path, index=False)
        return
    df = pd.DataFrame(
        {
            "InvoiceNo": [str(536365 + i // 3) for i in range(rows)],
            "StockCode": rng.integers(10000, 99999, rows).astype(str),
            "Quantity": rng.integers(1, 10, rows),
            "InvoiceDate": pd.date_range("2011-01-01", periods=rows, freq="3h").strftime("%Y-%m-%d %H:%M"),
            "UnitPrice": rng.uniform(1, 20, rows).round(2),
            "CustomerID": rng.integers(12000, 12400, rows),
        }
    )
    extra = columns - df.shape[1]
    if extra > 0:
        more = pd.DataFrame(rng.integers(0, 100, (rows, extra)), columns=[f"attribute_{i}" for i in range(extra)])
        df = pd.concat([df, more], axis=1)
    df.to_csv(path, index=False)


def params(path: Path) -> dict:
    if path.stem.startswith(("customers", "answers")):
        table = {"customers": {"path": str(path), "columns": {"customer_id": "respondent"}}}
    else:
        table = {"transactions": {"path": str(path), "columns": COLUMNS}}
    return {"run_name": "wide", "source": {"kind": "files", "tables": table}}


def _child(path: str) -> dict:
    """Time ``collect.collect`` on the table (run in a fresh process)."""
    from seglab import config  # noqa: F401  (imported before the clock starts)
    from seglab.collection import collect, collect_spark  # noqa: F401

    p = config.validate(params(Path(path)))
    t = time.perf_counter()
    got = collect.collect(p, Path(path).parent, now=pd.Timestamp("2012-06-01"))
    return {"seconds": time.perf_counter() - t, "tables": sorted(got.tables)}


def collect_seconds(path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(path)], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def stage_seconds(tmp: Path, path: Path) -> float:
    """The whole stage 01 as `seglab run` executes it, in a throw-away project folder."""
    project = tmp / f"project_{path.stem}"
    shutil.copytree(ROOT / "notebooks", project / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    f = project / "notebooks" / "params" / "wide.yaml"
    f.write_text(yaml.safe_dump(params(path), sort_keys=False))
    code = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from seglab.run import pipeline\n"
        "t = time.perf_counter()\n"
        "quiet = pipeline.RunOptions(log=lambda m: None, stages=pipeline.STAGES[:1], progress=False)\n"
        "r = pipeline.run(sys.argv[1], root=Path(sys.argv[2]), options=quiet)\n"
        "print(r.stages[0].seconds)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(f), str(project)], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--columns", default="1000,5000", help="widths to measure, comma-separated")
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(_child(args.child)))
        return
    widths = [6] + [int(c) for c in args.columns.split(",")]
    print(f"stage 01 on {args.rows:,} rows; baseline: the same rows with 6 columns")
    print(f"{'table':>10} {'columns':>8} {'collect s':>10} {'ratio':>7} {'stage 01 s':>11} {'ratio':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("lines", "customers", "answers"):
            base = None
            for n in widths:
                path = Path(tmp) / f"{kind}_{n}.csv"
                write_table(path, args.rows, n, kind)
                c = collect_seconds(path)["seconds"]
                s = stage_seconds(Path(tmp), path)
                base = base or (c, s)
                print(f"{kind:>10} {n:>8,} {c:>10.1f} {c / base[0]:>7.1f} {s:>11.1f} {s / base[1]:>7.1f}")
                if n == 5000:
                    verdict = "holds" if s <= 30 else "MISSED"
                    print(f"target: {kind}, 5,000 columns, stage 01 <= 30 s: {verdict} ({s:.1f} s)")


if __name__ == "__main__":
    main()
