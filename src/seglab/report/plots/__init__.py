"""Figures for the reports: one seaborn theme, one colour per segment everywhere.

Every function returns a matplotlib Figure (titled, labelled axes with units);
:func:`save` writes it as PNG under the run's figures folder.

The modules: ``style`` (theme, colours, markers, font, digits), ``drawing`` (saving, deferred
drawing), ``charts`` (stages 01-04), ``matrix`` (stage 05), ``over_time`` (stage 06).
"""

from __future__ import annotations

from seglab.report.plots.charts import (
    confusion,
    correlation_heatmap,
    feature_distributions,
    model_selection,
    prediction_quality,
    profile_heatmap,
    rejected_by_rule,
    segment_map,
    size_and_value,
)
from seglab.report.plots.drawing import draw_deferred, save, write_deferred
from seglab.report.plots.matrix import attractiveness_ranking, boston_chart, place_labels
from seglab.report.plots.over_time import (
    ACTIVE_PER,
    FLOWING,
    PERIOD_ENDING,
    VALUE_PER,
    flow_chart,
    migration_heatmap,
    monitoring_over_time,
    monitoring_over_time_phone,
    to_hex,
)
from seglab.report.plots.style import (
    DEFERRED,
    PALETTE,
    QUADRANT_COLORS,
    SEGMENT_MARKERS,
    THEME_RC,
    Numbers,
    ReaderDigits,
    localize,
    register_fonts,
    segment_color,
    segment_marker,
    theme,
)

__all__ = [
    "ACTIVE_PER",
    "DEFERRED",
    "FLOWING",
    "Numbers",
    "PALETTE",
    "PERIOD_ENDING",
    "QUADRANT_COLORS",
    "ReaderDigits",
    "SEGMENT_MARKERS",
    "THEME_RC",
    "VALUE_PER",
    "attractiveness_ranking",
    "boston_chart",
    "confusion",
    "correlation_heatmap",
    "draw_deferred",
    "feature_distributions",
    "flow_chart",
    "localize",
    "migration_heatmap",
    "model_selection",
    "monitoring_over_time",
    "monitoring_over_time_phone",
    "place_labels",
    "prediction_quality",
    "profile_heatmap",
    "register_fonts",
    "rejected_by_rule",
    "save",
    "segment_color",
    "segment_map",
    "segment_marker",
    "size_and_value",
    "theme",
    "to_hex",
    "write_deferred",
]
