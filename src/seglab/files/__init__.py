"""A run's files: the table of every file a run writes (``table``), the store every stage reads and
writes through, with lineage and hashing (``artifacts``), each stage's results put in the store
and read back (``stages``), stage 05's exports (``exports``), new customers scored with a run's
model (``score``) and the timing probes (``probes``).

The modules are imported by name (``from seglab.files import artifacts, stages``).
"""

__all__ = ["artifacts", "exports", "probes", "score", "stages", "table"]
