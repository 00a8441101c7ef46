"""Shared fixtures: project root, shared real data (skipped with a reason when absent)."""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

# OpenMP threads sleep when idle (before numpy/scikit-learn load their OpenMP runtime): with two
# pytest-xdist workers busy, spinning threads made the scikit-learn fits up to 20x slower
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from seglab import config, synth  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
ONLINE_RETAIL = SHARED / "online_retail" / "online_retail.parquet"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def online_retail_path() -> Path:
    if not ONLINE_RETAIL.is_file():
        pytest.skip(
            f"UCI Online Retail not found at {ONLINE_RETAIL} (see README: Running on the UCI Online Retail data)"
        )
    return ONLINE_RETAIL


@pytest.fixture(scope="session")
def default_params() -> config.Params:
    return config.load(ROOT / "notebooks" / "params" / "default.yaml")


@pytest.fixture(scope="session")
def synthetic() -> synth.SynthData:
    """The default synthetic CRM (5,000 customers, 24 months, seed 42)."""
    return synth.generate()


@pytest.fixture(scope="session")
def synthetic_tables(synthetic) -> dict[str, pd.DataFrame]:
    return {
        "transactions": synthetic.transactions.assign(source_row=range(1, len(synthetic.transactions) + 1)),
        "customers": synthetic.customers,
        "sessions": synthetic.sessions,
        "campaign_events": synthetic.campaign_events,
    }


def skip_or_fail(reason: str):
    """Skip with a reason on a developer machine; in CI (CI=true) a missing prerequisite is a failure."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


def require_spark() -> None:
    """Skip (fail in CI) unless pyspark and Java are there: what every Spark test needs."""
    import shutil

    try:
        import pyspark  # noqa: F401
    except ImportError:
        skip_or_fail("pyspark is not installed (pip install 'seglab[spark]')")
    if shutil.which("java") is None:
        skip_or_fail("Java is not installed (make java, or apt-get install default-jre-headless)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def pg_url(tmp_path_factory):
    """A real PostgreSQL server on loopback for the session (or SEGLAB_TEST_PG_URL when set)."""
    if os.environ.get("SEGLAB_TEST_PG_URL"):
        yield os.environ["SEGLAB_TEST_PG_URL"]
        return
    initdb = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb")) or [shutil.which("initdb")]
    if not initdb or not initdb[-1]:
        skip_or_fail("PostgreSQL server binaries not found (make test installs Debian's postgresql with apt-get)")
    bindir = Path(initdb[-1]).parent
    base = Path(tempfile.mkdtemp(prefix="seglab-pg-"))  # not under pytest's root-only temp folder
    os.chmod(base, 0o755)
    data = base / "data"
    data.mkdir()
    password = secrets.token_hex(12)
    pwfile = base / "pw.txt"
    pwfile.write_text(password)
    as_user: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root
        if shutil.which("runuser") is None or subprocess.run(["id", "postgres"], capture_output=True).returncode:
            skip_or_fail("running as root without a 'postgres' user to start the server as")
        as_user = ["runuser", "-u", "postgres", "--"]
        for p in (data, pwfile):
            shutil.chown(p, "postgres")
    port = _free_port()
    run = lambda *a: subprocess.run([*as_user, *a], capture_output=True, text=True, timeout=120)  # noqa: E731
    res = run(str(bindir / "initdb"), "-D", str(data), "-U", "seglab", "--auth=scram-sha-256", f"--pwfile={pwfile}")
    if res.returncode:
        skip_or_fail(f"initdb failed: {res.stderr[-500:]}")
    res = run(
        str(bindir / "pg_ctl"),
        "-D",
        str(data),
        "-w",
        "-l",
        str(data / "log.txt"),
        "-o",
        f"-p {port} -k {data} -c listen_addresses=127.0.0.1",
        "start",
    )
    if res.returncode:
        skip_or_fail(f"the PostgreSQL server did not start: {res.stderr[-500:]}")
    try:
        yield f"postgresql://seglab:{password}@127.0.0.1:{port}/postgres"
    finally:
        run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop")
        shutil.rmtree(base, ignore_errors=True)


@pytest.hookimpl(tryfirst=True)  # before xdist's own, which puts the groups in the test ids
def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist (`make test` runs the tests on two workers), the Spark tests stay on one
    worker: they share one Spark session (starting a JVM costs ~10 s); so do the metamorphic tests of
    one data set (its first answer is computed once per worker) and the tests of one real data set's
    run, or the runs in three languages (whole runs, 20-60 s each, made once)."""
    for item in items:
        if "spark" in item.name:
            item.add_marker(pytest.mark.xdist_group("spark"))
        elif item.module.__name__ == "test_metamorphic" and hasattr(item, "callspec"):
            item.add_marker(pytest.mark.xdist_group(f"metamorphic-{item.callspec.params['dataset']}"))
        elif item.module.__name__ == "test_realdata" and hasattr(item, "callspec"):
            item.add_marker(pytest.mark.xdist_group(f"realdata-{item.callspec.params['run']}"))
        elif "languages" in getattr(item, "fixturenames", ()):  # (the runs in three languages)
            item.add_marker(pytest.mark.xdist_group("languages"))


def pytest_collection_finish(session):
    """A worker whose grouped tests lost their group stops the session: each of them would make its
    whole runs again on the other worker (pytest 9.2 with pytest-xdist 3.8 did so silently, doubling
    ``make test``'s time; pytest-dev/pytest-xdist#1386)."""
    config = session.config
    if not hasattr(config, "workerinput") or not config.getvalue("loadgroup"):
        return
    lost = [i.nodeid for i in session.items if any(i.iter_markers("xdist_group")) and "@" not in i.nodeid]
    if lost:
        raise pytest.UsageError(
            f"pytest-xdist did not group {len(lost)} tests marked xdist_group (e.g. {lost[0]}): this pytest "
            "and pytest-xdist do not work together; install the versions of uv.lock (make test)"
        )


METAMORPHIC = ROOT / "test-output" / "metamorphic"


def pytest_sessionstart(session):
    """A new session's metamorphic table starts empty (on the controller, not on each worker)."""
    if not hasattr(session.config, "workerinput"):
        shutil.rmtree(METAMORPHIC, ignore_errors=True)


def pytest_terminal_summary(terminalreporter):
    """The metamorphic suite's table: data set x rewrite -> same / flagged / FAILED (n/a where the
    rewrite does not apply), also written to test-output/metamorphic.md."""
    import json

    cells = [json.loads(p.read_text()) for p in sorted(METAMORPHIC.glob("*.json"))] if METAMORPHIC.is_dir() else []
    if not cells:
        return
    import metamorphic

    table = pd.DataFrame(cells).pivot(index="rewrite", columns="dataset", values="result")
    rows = [r for r in metamorphic.REWRITES if r in table.index]
    columns = [d for d in metamorphic.DATASETS if d in table.columns]
    table = table.reindex(index=rows, columns=columns).fillna("–")
    lines = ["| rewrite | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    lines += [f"| {r} | " + " | ".join(table.loc[r]) + " |" for r in rows]
    text = "\n".join(lines)
    (METAMORPHIC.parent / "metamorphic.md").write_text(text + "\n", encoding="utf-8")
    terminalreporter.write_sep("=", "metamorphic trust suite (data set x rewrite)")
    terminalreporter.write_line(text)
