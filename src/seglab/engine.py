"""The engines the stages compute on: an in-process DuckDB (default) or a Spark session, as Ibis
backends, from the ``engine`` section of the parameters (``engine.kind``, ``engine.duckdb``,
``engine.spark``), which the features' parameters carry (:attr:`seglab.config.Features.engine`).
Stage 01 (order lines cleaned on Spark), the lifecycle facts, stage 02 and ``seglab score`` all
connect here.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

import duckdb
import ibis
import pandas as pd

from seglab import io
from seglab.config import Features as FeatureParams


class FeatureError(ValueError):
    """The features cannot be built as asked; the message says why and what to change."""


Table = pd.DataFrame | str | Path  # a table in memory, or the path of a Parquet file


def _processors() -> int:
    """Processors this process may run on (the container's or affinity limit, not the host's)."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def connect(params: FeatureParams):
    """An Ibis backend for the run's engine (``params.engine``): an in-process DuckDB, or a Spark
    session (``engine.spark.master``; pyspark and Java are needed, ``pip install 'seglab[spark]'``).
    """
    engine = params.engine
    if engine.kind == "duckdb":
        settings = {"threads": 2 * _processors(), **engine.duckdb}
        try:
            return ibis.duckdb.connect(**settings)
        except duckdb.Error as exc:
            raise FeatureError(
                f"engine.duckdb: DuckDB refused the settings {engine.duckdb}: {exc}. "
                "Use settings from DuckDB's configuration reference, e.g. {memory_limit: 8GB, threads: 8}"
            ) from exc
    return ibis.pyspark.connect(spark_session(engine.spark))


def spark_session(spark):
    """The Spark session of ``engine.spark`` (master and settings), started once per process;
    a clear :class:`FeatureError` when pyspark or Java is missing or the master unreachable.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise FeatureError(
            "engine.kind is 'spark' but pyspark is not installed: pip install 'seglab[spark]' "
            "(or set engine.kind: duckdb)"
        ) from exc
    # the Python workers run seglab's code (scoring with mapInPandas): in local mode they use this
    # interpreter; on a cluster, spark.pyspark.python names an environment with seglab installed
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.master(spark.master).appName("seglab")
    settings = {
        "spark.sql.session.timeZone": "UTC",  # timestamps are naive: read and cut them as UTC everywhere
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": "8",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        # pandas writes timestamps in nanoseconds, which Spark cannot read as timestamps: it reads
        # them as numbers (seglab's feature tables carry dates scoring never uses)
        "spark.sql.legacy.parquet.nanosAsLong": "true",
        "spark.sql.warehouse.dir": str(Path(tempfile.gettempdir()) / "seglab-spark-warehouse"),
        **spark.config,
    }
    for key, value in settings.items():
        builder = builder.config(key, value)
    # the JVM writes its start-up lines and log to the standard error it inherits, which in a
    # notebook lands on the page: it inherits a log file instead (named in any error)
    log = Path(tempfile.gettempdir()) / f"seglab-spark-{os.getpid()}.log"
    sys.stderr.flush()
    saved, to_log = os.dup(2), os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(to_log, 2)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # noqa: BLE001 - Java missing or the master unreachable
        tail = log.read_text(errors="replace").strip().splitlines()[-3:] if log.is_file() else []
        raise FeatureError(
            f"cannot start Spark (master {spark.master!r}): {exc}{' | '.join(['', *tail])}. Spark needs Java 17+ "
            f"(Debian: apt-get install default-jre-headless) or set engine.kind: duckdb. Spark's log: {log}"
        ) from exc
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(to_log)
    session.sparkContext.setLogLevel("ERROR")
    return session


def spark_uri(path: Path | str) -> str:
    """A file of the project or a source as Spark reads and writes it: a ``file:`` URI, so that
    Spark uses the file system the driver sees (on a cluster: one every machine mounts at the
    same path), never the cluster's default one (HDFS on YARN) for a path without a scheme.
    """
    return "file://" + str(Path(path).resolve())


def register(con, name: str, table: Table, columns: list[str], tmp: Path):
    """The table as an Ibis table on ``con``: Parquet is read where it lies (DuckDB streams it;
    Spark reads it in parallel); a DataFrame is registered without a copy in DuckDB and passed to
    Spark through a temporary Parquet file.
    """
    if isinstance(table, pd.DataFrame):
        table = table[[c for c in columns if c in table.columns]]
        if con.name == "duckdb":
            con.con.register(name, table)
            return con.table(name)
        table = io.write_parquet(table, tmp / f"{name}.parquet")
    where = str(table) if con.name == "duckdb" else spark_uri(table)
    if Path(table).is_dir() and con.name == "duckdb":  # a Parquet dataset (a folder of files, maybe partitioned)
        where = str(Path(table) / "**" / "*.parquet")
    t = con.read_parquet(where, table_name=f"seglab_{name}")
    return t.select(*[c for c in columns if c in t.columns])


@contextlib.contextmanager
def opened(params: FeatureParams | None = None):
    """The engine of ``params`` (DuckDB by default) opened for one computation: yields ``table(name,
    source, columns)``, which gives a DataFrame or Parquet path as an Ibis table on it
    (:func:`register`), and the connection; temporary files go when it ends.
    """
    params = params or FeatureParams()
    con = connect(params)
    try:
        with tempfile.TemporaryDirectory(prefix="seglab-features-") as tmp:
            yield (lambda name, source, columns: register(con, name, source, columns, Path(tmp))), con
    finally:
        if params.engine.kind == "duckdb":
            con.disconnect()
