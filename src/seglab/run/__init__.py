"""Running: a stage notebook's session (``session``: ``seglab.start``, ``stage.kept``), the runner
of a whole run and of ``seglab report`` (``pipeline``), the one kernel of a run (``kernel``), the
figures the kernel leaves, drawn while it computes (``drawing``), the
README's generated parts (``readme``), the command line (``cli``) and how seglab's errors show in
a notebook (``errors``).

The modules are imported by name (``from seglab.run import pipeline``): the command line starts
the kernel before it loads the rest.
"""

__all__ = ["cli", "drawing", "errors", "kernel", "pipeline", "readme", "session"]
