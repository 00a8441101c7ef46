"""The workshop track: five teaching notebooks (``notebooks/workshop/``) on a small synthetic shop,
with exercises checked as the learner answers them (:mod:`seglab_workshop.check`).

A workshop notebook starts with ``shop = seglab_workshop.start("W2_features", language=...)``:
the classroom shop (:class:`seglab_workshop.classroom.Classroom`: 1,000 customers, one year,
the planted archetypes known) and the reader's language for the checks' messages and figures.
``seglab-workshop --out DIR`` writes the learner (or, with ``--instructor``, the instructor)
version of the notebooks in English or Persian (:mod:`seglab_workshop.versions`).

A package of its own, on seglab's public names only, with its own message catalog
(``locale/``, gettext domain ``seglab_workshop``). Its modules, lowest first: ``messages`` (its
texts in the reader's language), ``classroom`` (the shop), ``steps`` (k-means step by step),
``answers_in`` (answers in any shape, read), ``check`` (the exercises' checks, which never raise
and keep no answer in plain text), ``gradebook`` (each check run, recorded; one CSV per learner),
``versions`` (learner and instructor notebooks, the guide),
``answers`` (the guide's expected answers), ``catalogs`` (``make catalogs``), ``cli``
(``seglab-workshop``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

# Idle OpenMP threads sleep instead of spinning (set before scikit-learn loads its OpenMP runtime):
# on a shared two-core machine a spinning k-means fit is several times slower with the other core
# busy (a classmate's kernel); `make test` sets the same for the test suite.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

if TYPE_CHECKING:
    from seglab_workshop.classroom import Classroom

__all__ = ["NOTEBOOKS", "SEED", "source", "start"]

#: The classroom shop's seed, the notebooks' default: chosen (``seglab_workshop.classroom``'s
#: note) so that W3's indices disagree and stability decides k, and W5 has fragile placements
#: that a weight change moves.
SEED = 8

NOTEBOOKS: tuple[str, ...] = ("W1_lenses", "W2_features", "W3_clustering", "W4_personas", "W5_boston")


def source() -> Path:
    """The notebooks' source (with their solutions) and the instructor's guides: ``notebooks/workshop``
    of a seglab clone. The wheel never carries them (learners install it: ``seglab-workshop
    --install``), so the rooms are written in a clone.
    """
    from seglab.paths import ProjectNotFound, project_root

    try:
        return project_root() / "notebooks" / "workshop"
    except ProjectNotFound as exc:
        raise ProjectNotFound(
            "seglab-workshop writes the notebooks from notebooks/workshop of a seglab clone (the package "
            "carries no solution): run it in a clone; the learners then need only the wheel (--install)"
        ) from exc


def start(notebook: str, language: str = "en", seed: int = SEED, gradebook: Path | str | None = ".") -> Classroom:
    """The first call of a workshop notebook: the reader's language and the classroom shop.

    Each check the notebook runs is recorded in ``gradebook``'s attempts (the folder the notebook
    runs in by default; None records nothing): :mod:`seglab_workshop.gradebook`.
    """
    from seglab import i18n
    from seglab.report import plots
    from seglab_workshop import check
    from seglab_workshop.classroom import classroom

    if notebook not in NOTEBOOKS:
        raise ValueError(f"'{notebook}' is not a workshop notebook; they are {', '.join(NOTEBOOKS)}")
    i18n.use(language)
    plots.theme()
    # the checks compare with this shop, and record what they say
    check.use_seed(seed, gradebook=None if gradebook is None else Path(gradebook).resolve(), notebook=notebook)
    return classroom(seed)
