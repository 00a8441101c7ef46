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
``check`` (the exercises' checks), ``versions`` (learner and instructor notebooks, the guide),
``answers`` (the guide's expected answers), ``catalogs`` (``make catalogs``), ``cli``
(``seglab-workshop``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from seglab_workshop.classroom import Classroom

__all__ = ["NOTEBOOKS", "start"]

NOTEBOOKS: tuple[str, ...] = ("W1_lenses", "W2_features", "W3_clustering", "W4_personas", "W5_boston")


def start(notebook: str, language: str = "en", seed: int = 7) -> Classroom:
    """The first call of a workshop notebook: the reader's language and the classroom shop."""
    from seglab import i18n
    from seglab.report import plots
    from seglab_workshop import check
    from seglab_workshop.classroom import classroom

    if notebook not in NOTEBOOKS:
        raise ValueError(f"'{notebook}' is not a workshop notebook; they are {', '.join(NOTEBOOKS)}")
    i18n.use(language)
    plots.theme()
    check.use_seed(seed)  # the checks compare with this shop
    return classroom(seed)
