"""Stage 01, data collection: sources read (``sources``, with amounts written as text read by
``amounts``), each column's role (``roles``), the cleaning rules (``rules``) that the cleaning on
one machine (``collect``) and on Spark (``collect_spark``) both follow, the data profile every
later stage reads (``profile``) and what the history can tell (``history``, read by stage 02 too).

The modules are imported by name (``from seglab.collection import collect``); the package itself
imports none of them, so that reading one source does not load Spark's cleaning.
"""

__all__ = ["amounts", "collect", "collect_spark", "history", "profile", "roles", "rules", "sources"]
