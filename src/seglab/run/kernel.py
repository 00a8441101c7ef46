"""One IPython kernel for all the stages of a run.

Starting a kernel and importing the analysis stack in it cost about 4 s; a kernel per stage
paid them six times. :class:`SharedKernel` starts one kernel, imports what the stages use
while the runner gets ready, and executes every stage notebook in it through papermill (the
``seglab-shared-kernel`` engine). Before each notebook the kernel's namespace is cleared
(``%reset -f``, figures closed, execution counter back to 1), so each notebook starts clean
and numbers its cells from 1, as in a kernel of its own; only imported modules are kept.

The kernel talks to the runner over Unix sockets (IPC transport) in a private temporary
folder, not over TCP.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

from seglab.runlock import temp_folder

#: What a run imports in the kernel, loaded while the runner gets ready (the floor of
#: ``benchmarks/run_overhead.py`` imports the same list).
RUN_IMPORTS = (
    "seglab.collection.collect",
    "seglab.features",
    "seglab.segmentation",
    "seglab.segmentation.lookalike",
    "seglab.personas",
    "seglab.personas.predict",
    "seglab.prioritization",
    "seglab.monitoring",
    "seglab.files.stages",
    "seglab.run.session",
    "seglab.features.attributes",
    "seglab.report.plots",
    "seglab.report",
    "IPython.display",
    # what the stages load on first use: table checks, DuckDB's Ibis backend and SQL dialect,
    # the scikit-learn and SciPy parts the stages call, Arrow datasets, the inline figure
    # backend, seaborn's heatmaps
    "pandera.pandas",
    "seglab.schemas",
    "ibis.backends.duckdb",
    "sqlglot.dialects.duckdb",
    "sklearn.cluster",
    "sklearn.metrics",
    "sklearn.decomposition",
    "sklearn.linear_model",
    "sklearn.model_selection",
    "sklearn.ensemble",
    "sklearn.tree",
    "scipy.optimize",
    "pyarrow.dataset",
    "matplotlib_inline.backend_inline",
    "seaborn",
)

#: What ``seglab report`` imports in the kernel: the stages' pages read what the stages kept and
#: never cluster, predict or query an engine, and read tables without checking their schemas again
#: (:meth:`seglab.files.artifacts.Store.load`), so scikit-learn's estimators, DuckDB's Ibis backend
#: and pandera (1 s of the kernel's start on this machine) stay out; a page that needs one imports it.
RENDER_IMPORTS = tuple(
    m
    for m in RUN_IMPORTS
    if m
    not in {
        "ibis.backends.duckdb",
        "sqlglot.dialects.duckdb",
        "sklearn.cluster",
        "sklearn.ensemble",
        "sklearn.tree",
        "pandera.pandas",
        "seglab.schemas",
    }
)

ENGINE = "seglab-shared-kernel"

#: Run in the kernel before each notebook (binds no name in the notebook's namespace).
RESET = "__import__('seglab.run.kernel').run.kernel.reset_namespace()\n"


def reset_namespace() -> None:
    """Run in the shared kernel before each notebook: the namespace as in a new kernel (every
    variable gone, no figure left open, cells numbered from 1); imported modules stay loaded.

    IPython's own reset, without the full garbage collection it runs when it empties its output
    cache (0.25 s per stage): what the previous notebook left is freed by reference counting, and
    cycles by Python's collector as usual.
    """
    import sys

    from IPython import get_ipython

    ip = get_ipython()
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    hook = ip.displayhook
    full = hook.do_full_cache
    hook.do_full_cache = False  # reset() then skips hook.flush() and its gc.collect()
    try:
        # clears the input and output history and every variable; a new history session, since
        # cells are numbered from 1 again (the same session would repeat its line numbers and
        # IPython would print "Session/line number was not unique" into the stage's page)
        ip.reset(new_session=True)
    finally:
        hook.do_full_cache = full
    for name in ("_", "__", "___"):  # the hook's own references to the last outputs
        setattr(hook, name, "")
    ip.execution_count = 1


class KernelError(RuntimeError):
    """The kernel did not start or stopped answering."""


class SharedKernel:
    """A kernel started once and used for every stage notebook of a run.

    Parameters
    ----------
    cwd : Path
        Working folder of the kernel (the project root).
    imports : tuple of str
        Modules imported in the kernel as soon as it is up (see :data:`RUN_IMPORTS`).
    probes : bool
        Install the timing probes of :mod:`seglab.files.probes` in the kernel (benchmarks).
    """

    def __init__(self, cwd: Path, imports: tuple[str, ...] = RUN_IMPORTS, probes: bool = False):
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        self._run_sync = run_sync
        self._folder = temp_folder("kernel")
        start = time.perf_counter()
        self.km = AsyncKernelManager(
            kernel_name="python3", transport="ipc", connection_file=str(self._folder / "kernel.json")
        )
        self.km.ip = str(self._folder / "ipc")
        try:
            run_sync(self.km.start_kernel)(cwd=str(cwd), env=dict(os.environ))
        except Exception as exc:
            shutil.rmtree(self._folder, ignore_errors=True)
            raise KernelError(f"the Python kernel did not start: {exc}") from exc
        self.kc = self.km.blocking_client()  # the runner's own channel to the kernel (papermill makes its own)
        self.kc.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
        self.start_seconds = time.perf_counter() - start  # the process is started; it gets ready below
        code = ""
        if probes:
            code += "import seglab.files.probes as _p\n_p.install()\ndel _p\n"
        if imports:
            code += "\n".join(f"import {m}" for m in imports) + "\n"
        self._warmup = self.kc.execute(code, silent=True, store_history=False) if code else None
        self._started_at = start
        self.ready_seconds: float | None = None
        self._notebook_client = None  # papermill's channels, made once (see notebook_client)
        self._stopping = False
        self._closer: threading.Thread | None = None  # the thread closing the kernel (request_stop)

    def wait_ready(self, timeout: float = 120) -> float:
        """Wait until the kernel answers and has imported :data:`RUN_IMPORTS`; the seconds since
        :meth:`__init__` began (kernel start and imports).
        """
        if self.ready_seconds is None:
            self._reply(self._warmup, timeout) if self._warmup else None
            self.ready_seconds = time.perf_counter() - self._started_at
        return self.ready_seconds

    def _reply(self, msg_id: str, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise KernelError(f"the kernel did not answer within {timeout:.0f} s")
            try:
                msg = self.kc.get_shell_msg(timeout=min(left, 5))
            except Exception:  # noqa: BLE001 - queue.Empty: check the kernel is alive and wait on
                if not self._run_sync(self.km.is_alive)():
                    raise KernelError("the kernel died while importing the stage modules") from None
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                content = msg["content"]
                if content.get("status") == "error":
                    raise KernelError(f"{content.get('ename')}: {content.get('evalue')}")
                return content

    def notebook_client(self):
        """The client papermill executes notebooks with, made and connected once per run (a new
        one per notebook waited up to 0.4 s for the kernel's first messages).
        """
        if self._notebook_client is None:
            kc = self.km.client()
            kc.start_channels()
            self._run_sync(kc.wait_for_ready)(timeout=120)
            kc.allow_stdin = False
            self._notebook_client = kc
        return self._notebook_client

    def evaluate(self, expression: str, timeout: float = 60) -> str:
        """The text repr of ``expression`` evaluated in the kernel (used to read the probes)."""
        self.wait_ready()
        msg_id = self.kc.execute("", silent=True, store_history=False, user_expressions={"v": expression})
        value = self._reply(msg_id, timeout)["user_expressions"]["v"]
        if value.get("status") != "ok":
            raise KernelError(f"{value.get('ename')}: {value.get('evalue')}")
        return value["data"]["text/plain"]

    def request_stop(self) -> None:
        """Ask the kernel to exit, without waiting: it winds down, and its channels close, in a
        thread while the runner renders the last page and writes the index (closing them took
        0.4-1.0 s at the end of every run); :meth:`shutdown` then only waits for that thread.
        """
        if not self._stopping:
            self._stopping = True
            try:
                self._run_sync(self.km.request_shutdown)()
            except Exception:  # noqa: BLE001 - already gone
                pass
            self._closer = threading.Thread(target=self._close, name="seglab-kernel-stop", daemon=True)
            self._closer.start()

    def shutdown(self) -> None:
        """Stop the kernel (politely, then by force after 5 s) and remove its socket folder."""
        if self._closer is not None:
            self._closer.join()
            return
        self._close()

    def _close(self) -> None:
        try:
            for kc in (self._notebook_client, self.kc):
                if kc is not None:
                    kc.stop_channels()
            if self._stopping:
                self._run_sync(self.km.finish_shutdown)(waittime=5)
                self._run_sync(self.km.cleanup_resources)()
            else:
                # a kernel that never got ready (the run stopped before its first stage: bad
                # parameters, a run already in progress) has nothing to finish: killed at once,
                # so it prints no traceback of its interrupted imports
                self._run_sync(self.km.shutdown_kernel)(now=self.ready_seconds is None)
        except Exception:  # noqa: BLE001 - already gone
            pass
        finally:
            shutil.rmtree(self._folder, ignore_errors=True)

    def __enter__(self) -> SharedKernel:
        """The kernel, shut down when the block ends."""
        return self

    def __exit__(self, *exc) -> None:
        """Shut the kernel down."""
        self.shutdown()


def register_engine() -> None:
    """Make the ``seglab-shared-kernel`` papermill engine available (idempotent)."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines

    if ENGINE in papermill_engines._engines:
        return

    class _Client(PapermillNotebookClient):
        def papermill_execute_cells(self):
            reply = self.wait_for_reply(self.kc.execute(RESET, silent=True, store_history=False))
            if reply is None or reply["content"].get("status") != "ok":
                raise KernelError("the shared kernel could not clear its namespace before the notebook")
            super().papermill_execute_cells()

    class _Engine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(
            cls,
            nb_man,
            kernel_name,
            log_output=False,
            stdout_file=None,
            stderr_file=None,
            start_timeout=60,
            execution_timeout=None,
            kernel: SharedKernel | None = None,
            **kwargs,
        ):
            if kernel is None:
                raise TypeError(f"the {ENGINE} engine needs kernel=SharedKernel(...)")
            kernel.wait_ready()
            client = _Client(
                nb_man,
                km=kernel.km,
                timeout=execution_timeout,
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
            )
            client.kc = kernel.notebook_client()  # the client does not own it: it stays open for the next stage
            return client.execute()

    papermill_engines.register(ENGINE, _Engine)
