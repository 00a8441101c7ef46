"""How seglab's own errors show in a notebook: one paragraph, the message first, no traceback.

seglab's errors explain themselves: a file made with other parameters names the stage to run
again (:class:`~seglab.files.artifacts.StaleArtifact`), a bad parameter names the key
(:class:`~seglab.config.ParamsError`), a bad input names the file and column. In a notebook,
IPython printed them under a traceback of seglab's own frames, the useful sentence last.
:func:`install` (called by :func:`seglab.start`) registers an IPython exception handler that
shows such an error as its message and one line saying how to see the traceback; any other
exception (a bug) keeps its full traceback, as before.

The cell still fails: the kernel answers the cell with the error's name and message, so
papermill stops the run and ``seglab run`` reports the stage with the message, as before.
The full traceback, on request: ``%tb`` (or ``%debug``) in the next cell, or every time with
``SEGLAB_DEBUG=1`` (``%env SEGLAB_DEBUG=1`` in the notebook, read when an error comes), as with
``seglab --debug``, which sets it for the kernel of a run.
"""

from __future__ import annotations

import os
import sys
from types import TracebackType
from typing import Any

#: ``SEGLAB_DEBUG=1``: every error with its full traceback (the command line's ``--debug``).
DEBUG_ENV = "SEGLAB_DEBUG"


def debugging() -> bool:
    """True when full tracebacks are asked for (``SEGLAB_DEBUG=1``)."""
    return os.environ.get(DEBUG_ENV) == "1"


def _of_seglab(module: str) -> bool:
    return module == "seglab" or module.startswith("seglab.")


def is_seglab_error(exc: BaseException, tb: TracebackType | None = None) -> bool:
    """True for an error seglab raised to explain a problem to the analyst: an exception of a
    class seglab defines (or of a subclass of one), or a ``FileNotFoundError`` seglab raised with
    a message of its own (a file missing, with the stage to run), not one from the operating system.
    """
    if any(_of_seglab(getattr(c, "__module__", "") or "") for c in type(exc).__mro__):
        return True
    if isinstance(exc, FileNotFoundError) and exc.errno is None and tb is not None:
        while tb.tb_next is not None:
            tb = tb.tb_next
        return _of_seglab(tb.tb_frame.f_globals.get("__name__", ""))
    return False


def paragraph(exc: BaseException) -> str:
    """The error as a notebook shows it: its message, then how to see its traceback."""
    from seglab import i18n
    from seglab.files.artifacts import under_seglab_run

    message = str(exc).strip() or type(exc).__name__
    if under_seglab_run():  # the executed notebook of a run: the kernel is gone when it is read
        hint = i18n._("(%(error)s, raised by seglab; its full traceback: run again with %(debug)s)") % {
            "error": type(exc).__name__,
            "debug": "seglab --debug run",
        }
    else:
        hint = i18n._(
            "(%(error)s, raised by seglab; its full traceback: %(tb)s in the next cell, or for every error %(debug)s)"
        ) % {"error": type(exc).__name__, "tb": "%tb", "debug": f"%env {DEBUG_ENV}=1"}
    return f"{message}\n{hint}"


def _as_ipython_would(shell: Any, exc: tuple, tb_offset: int | None) -> None:
    """Show the error as IPython does without a handler: a cell that does not parse (its traceback
    starts where IPython parses the cell, not in ``run_code``) as a syntax error, else in full.
    """
    tb = exc[2]
    if tb is not None and tb.tb_frame.f_code.co_name != "run_code":
        shell.showsyntaxerror()
    else:
        shell.showtraceback(exc, tb_offset=tb_offset, running_compiled_code=True)


def _show(shell: Any, etype: type, value: BaseException, tb: TracebackType | None, tb_offset: int | None = None):
    """The IPython handler (``set_custom_exc``): a seglab error as :func:`paragraph`; anything
    else, or with ``SEGLAB_DEBUG=1`` or ``%pdb`` on, as IPython shows it.
    """
    if debugging() or getattr(shell, "call_pdb", False) or not is_seglab_error(value, tb):
        _as_ipython_would(shell, (etype, value, tb), tb_offset)
        return None
    try:
        stb = [paragraph(value)]
    except Exception:  # noqa: BLE001 - the error shows in full rather than not at all
        _as_ipython_would(shell, (etype, value, tb), tb_offset)
        return None
    # where %tb and %debug find the last error (IPython sets them on its own path, not on this one)
    sys.last_type, sys.last_value, sys.last_traceback = etype, value, tb
    if sys.version_info >= (3, 12):
        sys.last_exc = value
    # shown as IPython shows a traceback: in a kernel, an error output with the error's name and
    # message, which papermill and ``seglab run`` read
    shell._showtraceback(etype, value, stb)
    return stb


def install() -> None:
    """Show seglab's errors as one paragraph in the IPython shell or kernel this runs in (nothing
    outside IPython). Every exception goes to the handler, which decides by the error (seglab's
    errors are defined across the stages' modules, imported only when a notebook uses them).
    """
    ipython = sys.modules.get("IPython")  # (never imported here: outside IPython there is nothing to do)
    get_ipython = getattr(ipython, "get_ipython", None)
    shell = get_ipython() if get_ipython is not None else None
    if shell is not None and hasattr(shell, "set_custom_exc"):
        shell.set_custom_exc((Exception,), _show)


__all__ = ["DEBUG_ENV", "debugging", "install", "is_seglab_error", "paragraph"]
