"""Command line: ``seglab run``, ``seglab report``, ``seglab score``, ``seglab synth``.

Every failure ends in one line, ``seglab <command>: <what, where, and the fix>``, and exit
status 1; the traceback is printed only with ``--debug``.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from seglab import __version__
from seglab.paths import ProjectNotFound


class CommandError(Exception):
    """A failure explained in one line."""


def _os_error(exc: OSError) -> str:
    """An operating-system failure (full disk, read-only folder, name too long) in words."""
    where = exc.filename or "a file"
    fixes = {
        errno.ENOSPC: "the disk is full: free some space (or point the run at another disk) and run again",
        errno.EDQUOT: "the disk quota is used up: free some space and run again",
        errno.EROFS: "the folder is on a read-only file system: run from a copy of the project on a writable disk",
        errno.EACCES: "permission denied: make the folder writable for this user, or run from a copy you own",
        errno.EPERM: "permission denied: make the folder writable for this user, or run from a copy you own",
        errno.ENAMETOOLONG: "the file name is too long: use a shorter run name or path",
        errno.ENOENT: "no such file or folder: check the path",
    }
    fix = fixes.get(exc.errno, "check that the folder exists and is writable")
    return f"{where}: {exc.strerror or exc}; {fix}"


def _run(args: argparse.Namespace) -> None:
    from seglab.run import pipeline  # (the parameters module loads once the kernel is starting)

    try:
        pipeline.run(args.params, run_name=args.run, language=args.language)
    except (pipeline.StageFailed, pipeline.RunInProgress) as exc:
        raise CommandError(str(exc)) from exc
    except ValueError as exc:  # config.ParamsError, a broken parameters file
        raise CommandError(str(exc)) from exc


def _languages(text: str) -> list[str]:
    """``en,fa`` → ``["en", "fa"]``: each of en, fa, ar, once."""
    langs = list(dict.fromkeys(x.strip() for x in text.split(",") if x.strip()))
    wrong = [x for x in langs if x not in ("en", "fa", "ar")]
    if wrong or not langs:
        raise argparse.ArgumentTypeError(f"'{text}': give one or more of en, fa, ar, comma-separated (e.g. en,fa)")
    return langs


def _report(args: argparse.Namespace) -> None:
    from seglab.files import artifacts
    from seglab.run import pipeline

    try:
        pipeline.render(args.run, args.language)
    except (pipeline.StageFailed, pipeline.RunInProgress, artifacts.StaleArtifact, FileNotFoundError) as exc:
        raise CommandError(str(exc)) from exc
    except ValueError as exc:  # a run record whose parameters no longer validate
        raise CommandError(str(exc)) from exc


def _score(args: argparse.Namespace) -> None:
    from seglab import i18n
    from seglab.files import score

    # the persona names and segment labels written (and shown) in this language: the run's by default
    i18n.use(args.language or score.run_language(args.model))
    if args.chunk_rows < 1:
        raise CommandError(f"--chunk-rows must be at least 1, got {args.chunk_rows}")
    try:
        if args.engine == "spark":
            from seglab.config import Spark

            spark = Spark(master=args.spark_master)
            summary = score.score_spark(args.model, args.input, args.output, spark)
        else:
            summary = score.score_file(args.model, Path(args.input), args.output, args.chunk_rows)
    except ValueError as exc:  # ScoreError, SegmentationError, ModelFileError, FeatureError
        raise CommandError(str(exc)) from exc
    score.report(summary, args.output)


def _synth(args: argparse.Namespace) -> None:
    from seglab import io, synth

    try:
        data = synth.generate(args.customers, args.months, args.start, args.seed)
    except ValueError as exc:
        raise CommandError(
            str(exc)
            .replace("n_customers", "--customers")
            .replace("months must", "--months must")
            .replace("start must", "--start must")
        ) from exc
    paths = data.write(args.out)
    if args.customer_level:
        path = args.out / "customer_level.csv"
        io.write_csv(synth.customer_level(data, with_id=False), path)
        paths["customer_level"] = path
    for name, path in paths.items():
        print(f"{name:16s} {path}")
    print(f"{data.meta['rows']}")


def parser() -> argparse.ArgumentParser:
    """The command line: ``seglab run``, ``seglab report``, ``seglab synth``, ``seglab score``."""
    top = argparse.ArgumentParser(prog="seglab", description="Customer-segmentation research workbook.")
    top.add_argument("--version", action="version", version=f"seglab {__version__}")
    top.add_argument("--debug", action="store_true", help="print the full traceback when a command fails")
    sub = top.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="run every stage notebook for a parameters file")
    p.add_argument("--params", default="notebooks/params/default.yaml", help="YAML parameters file")
    p.add_argument("--run", default=None, help="run name (default: run_name in the parameters file)")
    p.add_argument(
        "--language",
        type=lambda t: ",".join(_languages(t)),
        default=None,
        help="language of the reports (default: report.language in the parameters file); several, "
        "comma-separated (en,fa): the run in the first, its pages also rendered in the others, each in its folder",
    )
    p.set_defaults(func=_run)

    r = sub.add_parser("report", help="render an existing run's pages in other languages, without computing anything")
    r.add_argument("--run", required=True, help="the run's name (reports/<run>/)")
    r.add_argument(
        "--language",
        type=_languages,
        required=True,
        help="en, fa or ar, or several comma-separated: the pages go to reports/<run>/<language>/ "
        "(reports/<run>/ for the run's own language)",
    )
    r.set_defaults(func=_report)

    c = sub.add_parser("score", help="assign segments to customers with a saved model (in chunks)")
    c.add_argument("--model", type=Path, required=True, help="model folder (data/processed/<run>/model)")
    c.add_argument(
        "--input",
        required=True,
        help="feature table: customer_id + the model's features (.parquet or .csv; with --engine spark also a "
        "Parquet dataset folder or a table of Spark's catalog)",
    )
    c.add_argument(
        "--output",
        type=Path,
        required=True,
        help="customer_id, segment, persona, segment_label, assigned_by (.parquet or .csv; with --engine spark a "
        "folder)",
    )
    c.add_argument("--chunk-rows", type=int, default=100_000, help="rows scored at a time (bounds memory)")
    c.add_argument(
        "--engine",
        choices=("local", "spark"),
        default="local",
        help="local: this process, in chunks; spark: on a Spark cluster (mapInPandas with the JSON model)",
    )
    c.add_argument("--spark-master", default="local[*]", help="with --engine spark: the master (local[*], yarn, ...)")
    c.add_argument(
        "--language",
        choices=("en", "fa", "ar"),
        default=None,
        help="language of the persona names and segment labels written (en, fa, ar; default: the language of the "
        "run's reports, as in its exports)",
    )
    c.set_defaults(func=_score)

    s = sub.add_parser(
        "synth", help="write a synthetic CRM (customers, transactions, sessions, campaigns, ground truth)"
    )
    s.add_argument("--out", type=Path, required=True, help="output folder")
    s.add_argument("--customers", type=int, default=5000, help="number of customers (50 to 5,000,000)")
    s.add_argument("--months", type=int, default=24, help="months of history (3 to 240)")
    s.add_argument("--start", default="2023-01-01", help="first day of the history (ISO date)")
    s.add_argument("--seed", type=int, default=42)
    s.add_argument(
        "--customer-level",
        action="store_true",
        help="also write customer_level.csv: one row per customer, aggregated, without ids",
    )
    s.set_defaults(func=_synth)
    for sp in (p, c, s):
        sp.add_argument(
            "--debug",
            action="store_true",
            default=argparse.SUPPRESS,
            help="print the full traceback when the command fails",
        )
    return top


def main(argv: list[str] | None = None) -> int:
    """Run the command line; one line per failure (a traceback with ``--debug``); the exit code."""
    args = parser().parse_args(argv)
    return execute(args, f"seglab {args.command}")


def execute(args: argparse.Namespace, prefix: str) -> int:
    """Run a parsed command (``args.func(args)``): every failure ends in one line starting with
    ``prefix`` (a traceback with ``--debug`` or ``SEGLAB_DEBUG=1``); the exit code.
    """
    debug = getattr(args, "debug", False) or os.environ.get("SEGLAB_DEBUG") == "1"
    try:
        with _debug_env(debug):
            args.func(args)
    except KeyboardInterrupt:
        print(f"{prefix}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - every failure ends in one line
        if debug:
            import traceback

            traceback.print_exc()
        if isinstance(exc, CommandError | ProjectNotFound):
            message = str(exc)
        elif isinstance(exc, OSError) and exc.errno is not None:
            message = _os_error(exc)
        else:
            message = (
                f"unexpected error: {type(exc).__name__}: {exc}. This is a seglab bug; "
                "run again with --debug and report the traceback"
            )
        print(f"{prefix}: {_redacted(message)}", file=sys.stderr)
        return 1
    return 0


@contextlib.contextmanager
def _debug_env(debug: bool) -> Iterator[None]:
    """``SEGLAB_DEBUG=1`` while a command runs with ``--debug``: the kernel of ``seglab run`` shows
    seglab's errors in the executed notebooks with their traceback too (:mod:`seglab.run.errors`).
    """
    before = os.environ.get("SEGLAB_DEBUG")
    if debug:
        os.environ["SEGLAB_DEBUG"] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("SEGLAB_DEBUG", None)
        else:
            os.environ["SEGLAB_DEBUG"] = before


def _redacted(message: str) -> str:
    """The message without any password of a connection URL (defence in depth: the modules
    already never put one in a message).
    """
    try:
        from seglab import secret

        return secret.redact(message)
    except Exception:  # noqa: BLE001
        return message


if __name__ == "__main__":
    raise SystemExit(main())
