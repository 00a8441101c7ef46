"""Timing probes for ``benchmarks/run_overhead.py``: seconds spent importing modules and drawing
figures inside a kernel. Installed only when a benchmark asks for them (``pipeline.run(...,
options=pipeline.RunOptions(probes=True))``); a normal run never loads this module.

Imports are timed at the outermost level only (an import that triggers others counts once);
figures are the time spent in the public functions of :mod:`seglab.report.plots` (building a figure
and writing its PNG), also counted at the outermost call.
"""

from __future__ import annotations

import functools
import importlib._bootstrap as _bootstrap
import sys
import time
import types

_totals = {"imports": 0.0, "figures": 0.0}
_state = {"importing": False, "drawing": False, "installed": False}


def _timed_import(original):
    @functools.wraps(original)
    def find_and_load(name, import_):
        if _state["importing"]:
            return original(name, import_)
        _state["importing"] = True
        start = time.perf_counter()
        try:
            module = original(name, import_)
        finally:
            _totals["imports"] += time.perf_counter() - start
            _state["importing"] = False
        if name == "seglab.report.plots":
            _wrap_plots(module)
        return module

    return find_and_load


def _timed_figure(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if _state["drawing"]:
            return fn(*args, **kwargs)
        _state["drawing"] = True
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            _totals["figures"] += time.perf_counter() - start
            _state["drawing"] = False

    return wrapper


def _wrap_plots(module: types.ModuleType) -> None:
    for name, fn in list(vars(module).items()):
        if (
            not name.startswith("_")
            and isinstance(fn, types.FunctionType)
            and fn.__module__ == module.__name__
            and not getattr(fn, "_seglab_probe", False)
        ):
            wrapped = _timed_figure(fn)
            wrapped._seglab_probe = True
            setattr(module, name, wrapped)


def install() -> None:
    """Start timing imports and figures in this process (idempotent)."""
    if _state["installed"]:
        return
    _bootstrap._find_and_load = _timed_import(_bootstrap._find_and_load)
    if "seglab.report.plots" in sys.modules:
        _wrap_plots(sys.modules["seglab.report.plots"])
    _state["installed"] = True


def totals() -> dict[str, float]:
    """Seconds spent importing and drawing since :func:`install`."""
    return dict(_totals)
