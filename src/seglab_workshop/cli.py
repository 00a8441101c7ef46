"""``seglab-workshop --out DIR [--instructor | --nbgrader] [--language fa] [--install WHEEL]``: the workshop's
notebooks for learners, or for instructors with the instructor's guide and slides (its answer key
never goes to learners), or nbgrader's source version;
``seglab-workshop --gradebook DIR [--out OUT]``: the gradebook of the checks run in DIR, one CSV
per learner (:mod:`seglab_workshop.gradebook`).
A failure ends in one line, as seglab's commands do (:func:`seglab.run.cli.execute`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from seglab import __version__
from seglab.run import cli
from seglab_workshop import versions
from seglab_workshop.messages import LANGUAGES

__all__ = ["main", "parser"]


def _write(args: argparse.Namespace) -> None:
    if args.gradebook is not None:
        from seglab_workshop import gradebook

        for path in gradebook.export(args.gradebook, args.out, args.language):
            print(path)
        return
    if args.out is None:
        raise cli.CommandError("give --out DIR (the folder for the notebooks), or --gradebook DIR")
    try:
        written = versions.write(
            args.out, learner=not args.instructor, language=args.language, nbgrader=args.nbgrader, install=args.install
        )
    except ValueError as exc:  # a refused --install
        raise cli.CommandError(str(exc)) from None
    for path in written:
        print(path)
    for path in versions.kept_beside(written):
        print(
            f"{path.name.replace('.new.ipynb', '.ipynb')} was already there and differs (edited?): kept as it is; "
            f"the new one is {path.name}"
        )
    if args.instructor:  # the guide holds the answer key: never in the learners' folder
        from seglab_workshop import slides

        print(versions.write_guide(args.out, args.language))
        print(slides.write(args.out, args.language))


def parser() -> argparse.ArgumentParser:
    """The command line of ``seglab-workshop``."""
    p = argparse.ArgumentParser(
        prog="seglab-workshop", description="Write the workshop notebooks for learners (or instructors) and the guide."
    )
    p.add_argument("--version", action="version", version=f"seglab {__version__}")
    p.add_argument("--debug", action="store_true", help="print the full traceback when the command fails")
    p.add_argument(
        "--out",
        type=Path,
        help="folder for the five notebooks (and, with --instructor, guide.html); with --gradebook, for the CSVs",
    )
    p.add_argument(
        "--gradebook",
        type=Path,
        metavar="DIR",
        help="write gradebook-<learner>.csv from the checks run in DIR (exercise, attempts, right, hints shown)",
    )
    p.add_argument(
        "--instructor",
        action="store_true",
        help="the instructor version, with the solutions, guide.html (the answer key) and slides.html",
    )
    p.add_argument(
        "--nbgrader",
        action="store_true",
        help="the source version for nbgrader (solutions between its markers, each check an autograded cell)",
    )
    p.add_argument(
        "--install",
        metavar="WHEEL",
        help="for hosted notebooks (Colab, a JupyterHub): each notebook opens with a cell that installs this where "
        "seglab is missing: a wheel file (copied beside the notebooks; `make dist` builds it), a wheel's address, "
        "or a requirement such as seglab==0.1.0 once released",
    )
    p.add_argument(
        "--language",
        choices=LANGUAGES,
        default="en",
        help="language of the notebooks and checks (of the hints, in the gradebook)",
    )
    p.set_defaults(func=_write)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run ``seglab-workshop``; the exit code."""
    return cli.execute(parser().parse_args(argv), "seglab-workshop")
