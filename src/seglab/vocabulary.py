"""The method's words, declared once: Boston-matrix quadrants, MIDAS criteria, lifecycle stages."""

from __future__ import annotations

#: Boston-matrix quadrants, from the most to the least attractive action.
QUADRANTS: tuple[str, ...] = ("Target", "Convert", "Grow", "Ignore")
#: A segment that cannot be placed (ability to win not measured).
NOT_PLACED = "Not placed"
#: The MIDAS check of a segment, in the method's order.
MIDAS_CRITERIA: tuple[str, ...] = ("Measurable", "Identifiable", "Definable", "Actionable", "Viable")
#: Lifecycle stages of a customer, from the newest to the lapsed.
LIFECYCLE_STAGES: tuple[str, ...] = ("new", "active", "long_term", "lapsing", "lapsed")
