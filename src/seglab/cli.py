"""Command line: ``seglab run``, ``seglab score``, ``seglab synth``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from seglab import __version__


def _run(args: argparse.Namespace) -> int:
    from seglab import pipeline  # (the parameters module loads once the kernel is starting)

    try:
        pipeline.run(args.params, run_name=args.run)
    except Exception as exc:
        from seglab import config

        if isinstance(exc, config.ParamsError | pipeline.StageFailed | FileNotFoundError):
            print(f"seglab run: {exc}", file=sys.stderr)
            return 1
        raise
    return 0


def _score(args: argparse.Namespace) -> int:
    from seglab import score
    from seglab.segment import SegmentationError

    try:
        summary = score.score_file(args.model, args.input, args.output, args.chunk_rows)
    except (score.ScoreError, SegmentationError, FileNotFoundError) as exc:
        print(f"seglab score: {exc}", file=sys.stderr)
        return 1
    score.report(summary, args.output)
    return 0


def _synth(args: argparse.Namespace) -> int:
    from seglab import synth

    data = synth.generate(args.customers, args.months, args.start, args.seed)
    paths = data.write(args.out)
    if args.customer_level:
        path = args.out / "customer_level.csv"
        synth.customer_level(data, with_id=False).to_csv(path, index=False)
        paths["customer_level"] = path
    for name, path in paths.items():
        print(f"{name:16s} {path}")
    print(f"{data.meta['rows']}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="seglab", description="Customer-segmentation research workbook.")
    parser.add_argument("--version", action="version", version=f"seglab {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="run every stage notebook for a parameters file")
    p.add_argument("--params", default="notebooks/params/default.yaml", help="YAML parameters file")
    p.add_argument("--run", default=None, help="run name (default: run_name in the parameters file)")
    p.set_defaults(func=_run)

    c = sub.add_parser("score", help="assign segments to customers with a saved model (in chunks)")
    c.add_argument("--model", type=Path, required=True, help="model folder (data/processed/<run>/model)")
    c.add_argument("--input", type=Path, required=True, help="feature table: customer_id + the model's features (.parquet or .csv)")
    c.add_argument("--output", type=Path, required=True, help="customer_id, segment, segment_label (.parquet or .csv)")
    c.add_argument("--chunk-rows", type=int, default=100_000, help="rows scored at a time (bounds memory)")
    c.set_defaults(func=_score)

    s = sub.add_parser("synth", help="write a synthetic CRM (customers, transactions, sessions, campaigns, ground truth)")
    s.add_argument("--out", type=Path, required=True, help="output folder")
    s.add_argument("--customers", type=int, default=5000)
    s.add_argument("--months", type=int, default=24)
    s.add_argument("--start", default="2023-01-01")
    s.add_argument("--seed", type=int, default=42)
    s.add_argument("--customer-level", action="store_true",
                   help="also write customer_level.csv: one row per customer, aggregated, without ids")
    s.set_defaults(func=_synth)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
