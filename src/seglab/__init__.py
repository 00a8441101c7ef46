"""seglab: customer segmentation from raw customer data to a prioritised list of segments.

``import seglab`` is cheap: the modules load when first used (``seglab.segmentation`` imports
scikit-learn then). A stage notebook starts with :func:`start`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from seglab.run.session import Session

__version__ = "0.1.0"
__all__ = ["start", "__version__"]


def start(stage: str, **parameters: Any) -> Session:
    """Begin a stage notebook: validate its parameters, find the run's folders, open its store.

    Parameters
    ----------
    stage : str
        The notebook's name, e.g. ``"03_segmentation"``.
    **parameters
        The values of the notebook's ``parameters`` cell (``run_name``, ``seed``, its sections).

    Returns
    -------
    Session
        ``params`` (validated), ``run`` (the folders), ``store`` (every read and write) and
        ``figure(name)`` (where a figure goes).
    """
    from seglab.run.session import start as _start

    return _start(stage, **parameters)


def __getattr__(name: str) -> Any:
    """``seglab.segmentation`` and the other modules, imported when first used."""
    if name.startswith("_"):
        raise AttributeError(name)
    try:
        return importlib.import_module(f"seglab.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"seglab.{name}":
            raise
        raise AttributeError(f"module 'seglab' has no attribute '{name}'") from None
