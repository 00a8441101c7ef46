"""Run parameters: one YAML file describes a run; it is validated before anything runs.

The top-level keys of the file are also the notebooks' ``parameters`` cells: each
notebook declares the sections it needs with their default values, and the
pipeline injects the run's values for those sections.

Unknown keys and bad values raise :class:`ParamsError` with a message that names
the file, the key path, the problem and (for unknown keys) the closest known key.

The modules, lowest first: ``source`` (the source's parameters), ``sections`` (each stage's and
the report's), ``params`` (a run's parameters and their loading).
"""

from __future__ import annotations

from seglab.config.params import Params, from_notebook, load, notebook_values, validate
from seglab.config.sections import (
    ABILITY_COMPONENTS,
    ATTRACTIVENESS_COMPONENTS,
    ENGINE_MOVED,
    ONLINE_RETAIL_NON_PRODUCT,
    AnalystInput,
    Budget,
    Cleaning,
    Engine,
    Features,
    Lifecycle,
    Midas,
    Monitoring,
    Override,
    Personas,
    Prediction,
    Prioritization,
    Report,
    Segmentation,
    Sensitivity,
    Spark,
    Weights,
)
from seglab.config.source import (
    BEHAVIOUR_ROLES,
    CANONICAL_COLUMNS,
    CANONICAL_TABLES,
    CHANNELS,
    LENSES,
    SECRET_MESSAGE,
    ParamsError,
    Roles,
    Source,
    SyntheticSource,
    TableSource,
)

__all__ = [
    "ABILITY_COMPONENTS",
    "ATTRACTIVENESS_COMPONENTS",
    "AnalystInput",
    "BEHAVIOUR_ROLES",
    "Budget",
    "CANONICAL_COLUMNS",
    "CANONICAL_TABLES",
    "CHANNELS",
    "Cleaning",
    "ENGINE_MOVED",
    "Engine",
    "Features",
    "LENSES",
    "Lifecycle",
    "Midas",
    "Monitoring",
    "ONLINE_RETAIL_NON_PRODUCT",
    "Override",
    "Params",
    "ParamsError",
    "Personas",
    "Prediction",
    "Prioritization",
    "Report",
    "Roles",
    "SECRET_MESSAGE",
    "Segmentation",
    "Sensitivity",
    "Source",
    "Spark",
    "SyntheticSource",
    "TableSource",
    "Weights",
    "from_notebook",
    "load",
    "notebook_values",
    "validate",
]
