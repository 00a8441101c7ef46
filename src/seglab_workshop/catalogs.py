"""The workshop's catalog: ``python -m seglab_workshop.catalogs [--check]`` (run by ``make
catalogs``) collects the texts of the workshop's code and notebooks (``notebooks/workshop/W*``)
into ``seglab_workshop/locale/seglab_workshop.pot`` and merges them into the Persian catalog,
with seglab's catalog machinery (:mod:`seglab.i18n.catalogs`).
"""

from __future__ import annotations

import sys
from pathlib import Path

from seglab.i18n import catalogs
from seglab_workshop.messages import DOMAIN, LANGUAGES, LOCALE_DIR

__all__ = ["PROJECT", "main"]

#: ``hint`` and ``right`` (seglab_workshop.feedback) take the message id of a check's feedback
PROJECT = catalogs.Project(
    DOMAIN, Path(__file__).parent, ("notebooks/workshop/W*.ipynb",), LOCALE_DIR, LANGUAGES, keywords=("hint", "right")
)


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check`` check) the workshop's catalogs; the exit code."""
    return catalogs.main(argv, PROJECT)


if __name__ == "__main__":
    sys.exit(main())
