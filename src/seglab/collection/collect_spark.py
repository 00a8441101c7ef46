"""Stage 01 on Spark: the order lines, sessions and campaign events of a Parquet source (a file
or a dataset folder) cleaned where they lie, with ``engine.kind: spark``.

Customer and survey tables (one row per customer) are cleaned on the driver by
:mod:`seglab.collection.collect`; so are tables of events whose source is not Parquet (a note says so).

The result is the one :mod:`seglab.collection.collect` gives on one machine (same kept rows, rejected rows,
counts and notes), reached in three steps:

1. **Decisions about whole columns, on the driver, from Spark aggregates**: the row number of
   every line (the files in path order, ``_metadata.row_index`` within a file), exact duplicates
   (a window over every column), the letters (are there Persian letters anywhere?), and the
   timestamps: each *distinct* text is read once by :func:`seglab.rules.parse_time`, which
   decides day-first or month-first from all of them, and joined back.
2. **The row rules per partition** (``mapInPandas``): the same
   :func:`~seglab.rules.transaction_rules` (:func:`~seglab.rules.clean_events`) the local run
   applies, with those decisions frozen, and the kept rows checked against the table's schema.
3. **What needs every row, in Spark**: the outlier quartiles (exact ``percentile``, the local
   run's linear interpolation), the counts of the quality record, the channel values, the
   customers derived from the order lines. The kept rows are written as a Parquet dataset
   folder (sorted by ``source_row``, files ``part-00000.parquet`` …), which stage 02 and the
   later stages read where it lies; rejected rows (usually few) and customers (one row per
   customer) come to the driver.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pandas as pd

from seglab import i18n, io, schemas
from seglab.collection import amounts, rules, sources
from seglab.config import Params, TableSource
from seglab.engine import spark_uri
from seglab.i18n import N_
from seglab.paths import resolve

ROW, DUP, TS, TEXT = "__seglab_row", "__seglab_dup", "__seglab_ts", "__seglab_text"
RULE, SIZE, REV, BY_ID, VALUES = "__seglab_rule", "__seglab_size", "__seglab_rev", "__seglab_by_id", "__seglab_values"
INTERNAL = (RULE, SIZE, REV, BY_ID, VALUES, DUP)
TRANSACTION_TYPES = {
    "customer_id": "string",
    "order_id": "string",
    "timestamp": "timestamp_ntz",
    "quantity": "double",
    "unit_price": "double",
    "discount": "double",
    "product_id": "string",
    "category": "string",
    "channel": "string",
}
EVENT_FLAGS, EVENT_IDS = ("converted", "opened", "clicked"), ("channel", "campaign_id", "session_id")


def canonical_types(table: str, names: dict[str, str]) -> dict[str, str]:
    """The canonical columns of a cleaned table, in the order the local cleaning writes them, with
    their Spark types.
    """
    if table == "transactions":
        return TRANSACTION_TYPES
    return {
        "customer_id": "string",
        rules.TIME_COLUMN[table]: "timestamp_ntz",
        **{c: "boolean" for c in EVENT_FLAGS if c in names},
        **{c: "string" for c in EVENT_IDS if c in names},
    }


def on_spark(params: Params, spec: TableSource, root: Path, table: str = "transactions") -> str | None:
    """Why a table of events (transactions, sessions, campaign events) is cleaned on this machine
    although ``engine.kind`` is spark (a note for the reader), or "" when Spark cleans it;
    None without Spark.
    """
    if params.engine.kind != "spark":
        return None
    path = resolve(spec.path, root) if spec.path else None
    fmt = sources.detect_format(spec, path) if path is not None or spec.format != "auto" else "postgres"
    if fmt != "parquet":
        return i18n.Note.of(
            N_(
                "%(source)s (table %(table)s): read and cleaned on this machine: with engine.kind: spark, stage 01 "
                "runs on Spark for Parquet sources (a file or a folder of files); convert the source "
                "to Parquet to clean "
                "it on the cluster."
            ),
            source=str(path or f"postgres:{spec.table or 'query'}"),
            table=table,
        )
    if spec.preset and sources.PRESETS[spec.preset].derive:
        return i18n.Note.of(
            N_("%(source)s (table %(table)s): read and cleaned on this machine (preset %(preset)s)."),
            source=str(path),
            table=table,
            preset=spec.preset,
        )
    return ""


@dataclass
class SparkTable:
    """The kept rows of a table of events cleaned on Spark, before they are written."""

    table: str
    frame: object  # pyspark.sql.DataFrame
    work: Path

    def customer_ids(self) -> pd.Series:
        """The distinct customer ids in order of first appearance (one per customer: on the driver)."""
        from pyspark.sql import functions as F

        first = self.frame.groupBy("customer_id").agg(F.min("source_row").alias("first")).orderBy("first")
        return first.toPandas()["customer_id"]

    def write(self, drop: tuple[str, ...] = ()) -> Path:
        """The kept rows as a Parquet dataset folder in source order (:func:`write_lines`)."""
        return write_lines(self.frame.drop(*drop).orderBy("source_row"), self.work, self.table)


# --------------------------------------------------------------------------------------------
# 1. reading, row numbers, duplicates
# --------------------------------------------------------------------------------------------
def _local_path(uri: str) -> str:
    return unquote(uri.removeprefix("file://").removeprefix("file:"))


def _read(session, path: Path):
    """The source with its columns as the local reader names them and ``ROW`` (1-based, in the
    order ``pandas.read_parquet`` reads: files by path, rows within a file); Parquet's nanosecond
    times (which Spark reads as numbers) as times. Also the time zone of each column of instants
    (Spark hands them to Python as UTC wall-clock times; each partition puts their zone back).
    """
    import pyarrow as pa
    import pyarrow.dataset as ds
    from pyspark.sql import functions as F

    session.conf.set("spark.sql.sources.partitionColumnTypeInference.enabled", "false")  # key=value: text, as Arrow
    raw = session.read.parquet(spark_uri(path))
    arrow = ds.dataset(str(path), format="parquet", partitioning="hive" if path.is_dir() else None).schema
    with_meta = raw.select(
        "*", F.col("_metadata.file_path").alias("__file"), F.col("_metadata.row_index").alias("__index")
    )
    sizes = with_meta.groupBy("__file").count().toPandas()
    sizes = sizes.assign(key=sizes["__file"].map(_local_path)).sort_values("key", kind="mergesort")
    sizes["__offset"] = sizes["count"].cumsum() - sizes["count"]
    if sizes.empty:  # no row at all (the caller stops)
        return raw, list(raw.columns), {}, 0
    offsets = session.createDataFrame(sizes[["__file", "__offset"]])
    df = with_meta.join(F.broadcast(offsets), "__file").withColumn(
        ROW, (F.col("__offset") + F.col("__index") + 1).cast("long")
    )
    names = {c: c.strip() for c in raw.columns}
    cols, zones = [], {}
    for c in raw.columns:
        col = F.col(f"`{c}`")
        kind = arrow.field(c).type if c in arrow.names else None
        if kind is not None and pa.types.is_timestamp(kind):
            if kind.unit == "ns":  # read by Spark as a number of nanoseconds
                col = F.timestamp_micros(F.floor(col / 1000))
            if kind.tz is None:
                col = col.cast("timestamp_ntz")
            else:
                zones[names[c]] = kind.tz
        cols.append(col.alias(names[c]))
    return df.select(*cols, ROW), [names[c] for c in raw.columns], zones, int(sizes["count"].sum())


def _with_duplicates(df, columns: list[str], letters: str, drop: bool, source: str, notes: list[str]):
    """``DUP``: the row repeats an earlier one in every column once its text is written one way
    (:func:`seglab.rules.exact_duplicates`); with the note of the rows that repeat another only
    once so written (counted by a second window only when some text is written another way).
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    text = {c for c, t in df.dtypes if t == "string" and c in columns}
    frm, to = rules.one_way(letters)
    spaces = f"[{rules.SPACES}]"
    normal = {c: F.translate(F.regexp_replace(F.col(f"`{c}`"), f"^{spaces}+|{spaces}+$", ""), frm, to) for c in text}
    keys = [normal.get(c, F.col(f"`{c}`")) for c in columns]
    df = df.withColumn(DUP, F.row_number().over(Window.partitionBy(*keys).orderBy(ROW)) > 1)
    if not (drop and text):
        return df
    changed = any(df.agg(*[F.max((F.col(f"`{c}`") != normal[c]).cast("int")) for c in text]).first())
    if changed:
        as_written = Window.partitionBy(*[F.col(f"`{c}`") for c in columns]).orderBy(ROW)
        found = (
            df.withColumn("__seglab_as_written", F.row_number().over(as_written) > 1)
            .where(F.col(DUP) & ~F.col("__seglab_as_written"))
            .agg(F.count("*").alias("n"), F.min(ROW).alias("first"))
            .first()
        )
        if found["n"]:
            notes.insert(0, rules.rewritten_duplicates_note(source, int(found["n"]), int(found["first"])))
    return df


# --------------------------------------------------------------------------------------------
# 2. decisions about whole columns
# --------------------------------------------------------------------------------------------
def _mapping(df, spec: TableSource, source: str, table: str):
    """Canonical column -> source column, from the first rows (the mapping errors of a local run)."""
    sample = df.limit(200).drop(ROW).toPandas()
    loaded = sources.Loaded(table, source, sample, {"format": "parquet"})
    return sources.apply_mapping(loaded, spec, rules.REQUIRED[table])[1]


def _letters(df, names: dict[str, str], given: str, table: str, labels: dict[str, str]):
    """``cleaning.letters`` decided from every text value (auto: Persian letters anywhere), the
    columns' labels written that way, and the assumption saying how many distinct values changed.
    """
    from pyspark.sql import functions as F

    text = [c for c, n in names.items() if dict(df.dtypes).get(n) == "string"]
    letters = given
    if given == "auto":
        hits = [F.max(F.col(f"`{names[c]}`").rlike("[پچژگیک]").cast("int")) for c in text]
        letters = "persian" if text and any(v for v in df.agg(*hits).first()) else "as_is"
    if letters == "as_is":
        return letters, labels, []
    labels = {c: str(n).translate(rules.LETTERS[letters]) for c, n in labels.items()}
    if not text:
        return letters, labels, []
    pattern = rules.LETTER_CHARS[letters]
    counts = df.agg(
        *[F.countDistinct(F.when(F.col(f"`{names[c]}`").rlike(pattern), F.col(f"`{names[c]}`"))) for c in text]
    ).first()
    changed = {labels.get(c, c): int(n) for c, n in zip(text, counts, strict=True) if n}
    return letters, labels, [rules.letters_assumption(changed, letters, given, table)] if changed else []


def _spreadsheet_errors(df, names: dict[str, str]) -> dict[str, dict]:
    """Per mapped column, the spreadsheet error texts its source column holds (``#VALUE!``...): how
    many cells and which, as :func:`seglab.rules.without_spreadsheet_errors` counts them.
    """
    from pyspark.sql import functions as F

    text = [c for c, n in names.items() if dict(df.dtypes).get(n) == "string"]
    if not text:
        return {}
    errors = list(amounts.SPREADSHEET_ERRORS)
    upper = {c: F.upper(F.trim(F.col(f"`{names[c]}`"))) for c in text}
    hits = df.agg(*[F.count(F.when(upper[c].isin(errors), 1)).alias(c) for c in text]).first()
    found = {}
    for c in text:
        if hits[c]:
            values = df.where(upper[c].isin(errors)).groupBy(upper[c].alias("v")).count().toPandas()
            counts = dict(zip(values["v"].astype(str), values["count"].astype(int), strict=True))
            found[c] = {"cells": int(hits[c]), "values": rules.by_count(counts)}
    return found


def _numbers_written(df, names: dict[str, str], cleaning) -> tuple[dict[str, str | None], dict[str, dict]]:
    """How the order lines' quantity and unit price are written, decided on the whole column: the
    distinct texts a plain parser cannot read (with their rows, in the order they first occur) read
    once by :func:`seglab.collection.amounts.decide`. Returns each column's decimal mark (frozen for every
    partition) and the record of the columns with numbers written as text.
    """
    from pyspark.sql import functions as F

    decimals, written = {}, {}
    errors = list(amounts.SPREADSHEET_ERRORS)
    for c in ("quantity", "unit_price"):
        if dict(df.dtypes).get(names.get(c)) != "string":
            continue
        t = F.trim(F.col(f"`{names[c]}`"))
        filled = t.isNotNull() & (t != "") & ~F.upper(t).isin(errors)
        odd = (
            df.where(filled & ~t.rlike(f"^{amounts.PLAIN}$"))
            .groupBy(t.alias("text"))
            .agg(F.count("*").alias("rows"), F.min(ROW).alias("first"))
            .toPandas()
            .sort_values("first", kind="mergesort")
        )
        if odd.empty:
            continue
        point = df.where(filled & t.rlike(f"^{amounts.PLAIN}$") & t.rlike(f"^{amounts.POINT}$")).limit(1).count() > 0
        _values, how = amounts.decide(list(odd["text"]), [int(n) for n in odd["rows"]], point, cleaning.decimal_mark)
        decimals[c] = how.decimal
        if how.formatted:
            written[c] = how.to_dict()
    return decimals, written


def _times(session, df, column: str, cleaning, notes: list[str], where: str, table: str, canonical: str):
    """Text timestamps: each distinct text read once (with the row counts the notes give, its
    first row for the messages), joined back as ``TS``; other types are read per partition.
    Also whether the dates look Jalali.
    """
    from pyspark.sql import functions as F

    if dict(df.dtypes)[column] != "string":
        return df, False, False
    distinct = (
        df.where(F.col(f"`{column}`").isNotNull())
        .groupBy(F.col(f"`{column}`").alias("text"))
        .agg(F.count("*").alias("rows"), F.min(ROW).alias("first"))
        .toPandas()
        .sort_values("first", kind="mergesort")
    )
    values = pd.Series(distinct["text"].to_numpy(), index=distinct["first"].to_numpy() - 1, dtype="str")
    weights = pd.Series(distinct["rows"].to_numpy(), index=values.index)
    try:
        parsed = rules.parse_time(values, cleaning, notes, f"{where}, column {canonical}", weights=weights)
    except rules.DateOrderError as exc:
        raise sources.SourceError(f"{exc} (table '{table}')") from None
    table = pd.DataFrame({"text": values.to_numpy(), TS: parsed.to_numpy()})
    schema = f"text string, {TS} timestamp_ntz"
    times = session.createDataFrame(table, schema=schema) if len(table) else session.createDataFrame([], schema)
    times = times.withColumnRenamed("text", TEXT)
    joined = df.join(
        F.broadcast(times) if len(table) < 1_000_000 else times, F.col(f"`{column}`") == F.col(TEXT), "left"
    )
    return joined.drop(TEXT), True, rules.looks_jalali(values)


# --------------------------------------------------------------------------------------------
# 3. the row rules per partition
# --------------------------------------------------------------------------------------------
def _local_dtypes(path: Path) -> dict:
    """The pandas types a local run reads the source's columns with (pandas' own metadata in the
    files restores nullable integers such as Int64), for the columns that need them.
    """
    import pyarrow.dataset as ds

    head = ds.dataset(str(path), format="parquet", partitioning="hive" if path.is_dir() else None).head(1).to_pandas()
    return {
        str(c).strip(): t
        for c, t in head.dtypes.items()
        if isinstance(t, pd.api.extensions.ExtensionDtype)
        and not isinstance(t, (pd.CategoricalDtype, pd.DatetimeTZDtype))
    }


def _out_schema(df, names: dict[str, str], canonical: dict[str, str], extras: list[str], local: dict) -> str:
    """The typed table's Spark types: the canonical columns' fixed ones; another column keeps its
    type as pandas reads it (an integer or yes/no column with empty values becomes a number or
    text, as in a local run), text otherwise.
    """
    from pyspark.sql import functions as F

    types = dict(df.dtypes)
    nullable = [c for c in extras if types[names[c]] in ("tinyint", "smallint", "int", "bigint", "boolean")]
    nulls = df.agg(*[F.count(F.when(F.col(f"`{names[c]}`").isNull(), 1)) for c in nullable]).first() if nullable else []
    has_null = dict(zip(nullable, nulls or [], strict=True))
    fields = [f"`{c}` {t}" for c, t in canonical.items()]
    for c in extras:
        t = types[names[c]]
        nullable_type = names[c] in local  # Int64, boolean: empty values keep the type
        if t in ("tinyint", "smallint", "int", "bigint"):
            t = "double" if has_null[c] and not nullable_type else t
        elif t == "boolean":
            t = "string" if has_null[c] and not nullable_type else t
        elif t not in ("float", "double", "timestamp_ntz", "timestamp"):
            t = "string"
        fields.append(f"`{c}` {t}")
    fields += ["source_row bigint", f"{RULE} string", f"{SIZE} double", f"{REV} double", f"{BY_ID} boolean"]
    return ", ".join([*fields, f"{VALUES} string", f"{DUP} boolean"])


def _rows(table: str, spec: TableSource, source: str, cleaning, now, frozen: dict, columns: list[str]):
    """The function each partition runs: the local run's row rules on a chunk of the source (the
    kept rows checked against the table's schema, as a local run checks them when writing).
    ``frozen``: the decisions about whole columns (letters, times read, local types, values for all).
    """
    where = f"{source} (stage 01 on Spark)"
    schema = schemas.BY_NAME[table]

    def run(batches):
        for raw in batches:
            raw = raw.reset_index(drop=True)
            row = raw.pop(ROW).to_numpy("int64")
            dup = raw.pop(DUP).astype(bool)
            times = raw.pop(TS) if frozen["timed"] else None
            for c, t in frozen["local"].items():  # the types a local run reads (Int64 stays Int64, not float)
                if c in raw and raw[c].dtype != t:
                    raw[c] = raw[c].astype(t)
            for c, zone in frozen["zones"].items():  # instants in their zone, as a local run reads them
                raw[c] = raw[c].dt.tz_localize("UTC").dt.tz_convert(zone)
            mapped, _names = sources.apply_mapping(sources.Loaded(table, source, raw), spec, rules.REQUIRED[table])
            mapped["source_row"] = row
            mapped, _changed = rules.unify_letters(mapped, frozen["letters"], str)
            mapped, _errors = rules.without_spreadsheet_errors(mapped)
            if table == "transactions":
                context = rules.RowContext(cleaning, now, times=times)
                out, s, by_id, _written = rules.transaction_rules(mapped, dup, context, frozen["decimals"])
                rule, size, rev = s.rule, rules.line_size(out), rules.line_revenue(out)
            else:
                context = rules.RowContext(cleaning, now, where=where, times=times)
                out, rule = rules.clean_events(mapped, table, dup, context)
                by_id, size, rev = pd.Series(False, index=out.index), 0.0, 0.0
            io.validate(out.loc[rule.isna().to_numpy()], schema, where)
            out[RULE] = rule.astype("string")
            out[SIZE], out[REV], out[BY_ID] = size, rev, by_id.astype(bool)
            show = rule.notna().to_numpy() | frozen["values_for_all"]
            out[VALUES] = None
            if show.any():
                out.loc[show, VALUES] = rules.row_values(raw.loc[show])
            out[DUP] = dup
            yield out[columns]

    return run


# --------------------------------------------------------------------------------------------
# the table
# --------------------------------------------------------------------------------------------
def collect_events(table: str, spec: TableSource, run: rules.Run):
    """Stage 01's transactions, sessions or campaign events on Spark: the kept rows (a
    :class:`SparkTable`), the rejected rows, the quality entry, the column labels, notes and
    assumptions (what :func:`seglab.collection.collect.collect` gives on one machine). Spark's
    files go to ``run.work / table``.
    """
    from pyspark.sql import functions as F

    from seglab.engine import spark_session

    params, root, now, work = run.params, run.root, run.now, run.work / table
    session = spark_session(params.engine.spark)
    cleaning = params.cleaning
    path = resolve(spec.path, root)
    source = str(path)
    if not path.exists():
        raise sources.SourceError(
            f"{path}: file not found for table '{table}'. Check source.tables.{table}.path "
            "(relative paths start at the project root)."
        )
    notes: list[str] = []
    df, raw_columns, zones, n = _read(session, path)
    if n == 0:
        raise sources.SourceError(
            f"{source}: no data rows in table '{table}'. Point source.tables.{table} at a source with rows."
        )
    names = _mapping(df, spec, source, table)
    letters, labels, assumptions = _letters(df, names, cleaning.letters, table, dict(names))
    errors = _spreadsheet_errors(df, names)
    decimals, written = _numbers_written(df, names, cleaning) if table == "transactions" else ({}, {})
    assumptions += rules.read_as_written(source, labels, errors, written, cleaning)
    time_col = rules.TIME_COLUMN[table]
    df, timed, jalali = _times(session, df, names[time_col], cleaning, notes, source, table, time_col)
    canonical = canonical_types(table, names)
    extras = [c for c in names if c not in canonical]
    local = _local_dtypes(path)
    schema = _out_schema(df, names, canonical, extras, local)
    # (last: each decision above is one scan, without this shuffle)
    df = _with_duplicates(df, raw_columns, letters, cleaning.drop_exact_duplicates, source, notes)
    columns = [*canonical, *extras, "source_row", RULE, SIZE, REV, BY_ID, VALUES, DUP]
    frozen = {
        "letters": letters,
        "timed": timed,
        "local": local,
        "zones": zones,
        "values_for_all": cleaning.drop_outliers,
        "decimals": decimals,
    }
    if names[time_col] in zones:  # (the note a local run's parse_time writes)
        notes.append(
            i18n.Note.of(
                N_(
                    "%(where)s: timestamps carry the time zone %(zone)s; converted to %(timezone)s (cleaning.timezone)."
                ),
                where=f"{source}, column {time_col}",
                zone=str(zones[names[time_col]]),
                timezone=cleaning.timezone,
            )
        )
    work.mkdir(parents=True, exist_ok=True)
    first = work / "rows.parquet"
    df.mapInPandas(_rows(table, spec, source, cleaning, now, frozen, columns), schema=schema).write.mode(
        "overwrite"
    ).parquet(spark_uri(first))
    rows = session.read.parquet(spark_uri(first))

    rows, threshold = _outliers(rows, cleaning) if table == "transactions" else (rows, None)
    kept = F.col(RULE).isNull()

    entry = _entry(rows, kept, threshold, source)
    entry.update({k: v for k, v in (("spreadsheet_errors", errors), ("written", written)) if v})
    if entry["kept"] == 0:
        message = _all_rejected(rows, entry, source, table)
        if table == "transactions" and cleaning.calendar == "gregorian" and jalali:
            message += " " + i18n.say(rules.jalali_hint(source))
        raise sources.SourceError(message)
    rejected = _rejected(rows, source, table)

    assumptions = rules.id_by_name(spec, table, labels) + assumptions
    lines = rows.where(kept).drop(*INTERNAL)
    if table == "transactions":
        lines, plan = _channels(rows, lines, spec)
        assumptions += plan
        if cleaning.calendar == "gregorian" and jalali:
            notes.insert(0, rules.jalali_hint(source))
    return SparkTable(table, lines, work), rejected, entry, labels, notes, assumptions


def _outliers(rows, cleaning):
    """The order lines with the ``outlier`` flag: kept lines whose size is above the quartiles of
    the kept lines' sizes (exact ``percentile``: the local run's linear interpolation), rejected
    with ``cleaning.drop_outliers``; and the threshold.
    """
    from pyspark.sql import functions as F

    kept = F.col(RULE).isNull()
    q = rows.where(kept).agg(F.expr(f"percentile({SIZE}, array(0.25, 0.75))")).first()[0]
    q1, q3 = q if q else (0.0, 0.0)
    threshold = rules.outlier_threshold(q1, q3, cleaning)
    rows = rows.withColumn("outlier", kept & (F.col(SIZE) > F.lit(threshold)))
    if cleaning.drop_outliers:
        rows = rows.withColumn(RULE, F.when(F.col("outlier"), F.lit("outlier")).otherwise(F.col(RULE)))
    return rows, threshold


def _channels(rows, lines, spec: TableSource):
    """The kept lines with channel values read as web / store / app, and the assumptions made
    (:func:`seglab.rules.channel_plan`, from the lines of each value).
    """
    from pyspark.sql import functions as F

    channels = rows.where(F.col("channel").isNotNull()).groupBy("channel").count().toPandas()
    if not len(channels):
        return lines, []
    plan, renamed = rules.channel_plan(channels.set_index("channel")["count"], spec.roles.channel_values)
    return (lines.replace(renamed, subset=["channel"]) if renamed else lines), plan


def _entry(rows, kept, threshold: float | None, source: str) -> dict:
    """The quality entry of a table (as :func:`seglab.collection.collect.collect` writes it); for the
    transactions (``threshold`` given) with the counters and revenue of the local cleaning.
    """
    from pyspark.sql import functions as F

    money = F.col(REV).cast("decimal(38,10)")  # (sums of decimals: exact, in any order)
    counts = [F.count("*").alias("read"), F.count(F.when(kept, 1)).alias("kept")]
    if threshold is not None:
        counts += [
            F.count(F.when(F.col(BY_ID), 1)).alias("cancellation_rows"),
            F.count(F.when(F.col(BY_ID) & kept, 1)).alias("cancellation_rows_kept"),
            F.count(F.when((F.col("quantity") < 0) & kept, 1)).alias("return_rows_kept"),
            F.count(F.when(F.col(DUP), 1)).alias("exact_duplicate_rows"),
            F.count(F.when(F.col("customer_id").isNull(), 1)).alias("rows_without_customer_id"),
            F.countDistinct("customer_id").alias("distinct_customer_ids_read"),
            F.count(F.when(F.col("outlier"), 1)).alias("outlier_rows_flagged"),
            F.sum(F.when(kept, money)).alias("revenue_kept"),
            F.sum(F.when(F.col(REV) > 0, money)).alias("positive"),
            F.sum(F.when((F.col(REV) > 0) & F.col("customer_id").isNull(), money)).alias("no_id"),
            F.countDistinct(F.when(kept, F.col("customer_id"))).alias("customers"),
            F.min(F.when(kept, F.col("timestamp"))).alias("date_min"),
            F.max(F.when(kept, F.col("timestamp"))).alias("date_max"),
        ]
    a = rows.agg(*counts).first()
    groups = rows.where(~kept).groupBy(RULE).agg(F.count("*").alias("n"), F.sum(money).alias("rev")).toPandas()
    groups = groups.sort_values(RULE)
    entry = {
        "source": source,
        "format": "parquet",
        "read": int(a["read"]),
        "kept": int(a["kept"]),
        "rejected": int(a["read"] - a["kept"]),
        "rejected_by_rule": {r: int(n) for r, n in zip(groups[RULE], groups["n"], strict=True)},
    }
    if threshold is None:
        return entry
    total, no_id = float(a["positive"] or 0), float(a["no_id"] or 0)
    return {
        **entry,
        **{
            k: int(a[k])
            for k in (
                "cancellation_rows",
                "cancellation_rows_kept",
                "return_rows_kept",
                "exact_duplicate_rows",
                "rows_without_customer_id",
                "distinct_customer_ids_read",
                "outlier_rows_flagged",
            )
        },
        "outlier_threshold_revenue": round(float(np.expm1(threshold)), 2),
        "revenue_kept": round(float(a["revenue_kept"] or 0), 2),
        "revenue_rejected_by_rule": {r: round(float(v), 2) for r, v in zip(groups[RULE], groups["rev"], strict=True)},
        "revenue_share_without_customer_id": round(no_id / total, 4) if total else 0.0,
        "customers": int(a["customers"]),
        "date_min": str(pd.Timestamp(a["date_min"])) if a["date_min"] is not None else None,
        "date_max": str(pd.Timestamp(a["date_max"])) if a["date_max"] is not None else None,
    }


def _rejected(rows, source: str, table: str) -> pd.DataFrame:
    """The rejected rows (on the driver, in source order), as a local run lists them."""
    from pyspark.sql import functions as F

    got = rows.where(F.col(RULE).isNotNull()).select("source_row", RULE, VALUES).orderBy("source_row").toPandas()
    if got.empty:
        return pd.DataFrame(columns=rules.REJECTED_COLUMNS)
    return pd.DataFrame(
        {
            "table": table,
            "source": source,
            "source_row": got["source_row"].to_numpy("int64"),
            "source_line": pd.array([pd.NA] * len(got), dtype="Int64"),
            "rule": got[RULE].to_numpy(dtype=object),
            "reason": got[RULE].map(lambda r: rules.RULE_TEXT.get(r, r)).to_numpy(object),  # (said where shown)
            "values": got[VALUES].to_numpy(dtype=object),
        }
    )


def _all_rejected(rows, entry: dict, source: str, table: str) -> str:
    import json

    from pyspark.sql import functions as F

    top = max(entry["rejected_by_rule"], key=entry["rejected_by_rule"].get)
    first = rows.where(F.col(RULE) == top).orderBy("source_row").select(VALUES).first()[0]
    example = json.loads(first) if first else {}
    return (
        f"{source}: all {entry['read']} rows of table '{table}' were rejected "
        f"(by rule: {entry['rejected_by_rule']}). Most by '{top}': {rules.RULE_TEXT.get(top, top)}; "
        f"first such row: {example}. Check the column mapping and the cleaning parameters."
    )


# --------------------------------------------------------------------------------------------
# customers and the written table
# --------------------------------------------------------------------------------------------
def customers_from_transactions(lines, columns: list[str]) -> pd.DataFrame:
    """:func:`seglab.rules.customers_from_transactions` in Spark: first purchase as signup date,
    each customer column's most frequent value (ties: the value seen first).
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    out = lines.groupBy("customer_id").agg(F.min("timestamp").alias("signup_date"))
    for col in columns:
        counts = (
            lines.where(F.col(col).isNotNull())
            .groupBy("customer_id", col)
            .agg(F.count("*").alias("n"), F.min("source_row").alias("first"))
        )
        best = Window.partitionBy("customer_id").orderBy(F.col("n").desc(), F.col("first"))
        top = counts.withColumn("k", F.row_number().over(best)).where("k = 1").select("customer_id", col)
        out = out.join(top, "customer_id", "left")
    got = out.orderBy("customer_id").toPandas()
    got["signup_date"] = got["signup_date"].astype("datetime64[ns]")
    return got


def write_lines(lines, work: Path, table: str) -> Path:
    """The kept rows as a Parquet dataset folder ``<work>/<table>.parquet``, files named
    ``part-00000.parquet`` … in row order (the same bytes on every run); the work files removed.
    """
    folder = work / f"{table}.parquet"
    lines.write.mode("overwrite").option("compression", "snappy").parquet(spark_uri(folder))
    shutil.rmtree(work / "rows.parquet", ignore_errors=True)
    parts = sorted(folder.glob("part-*.parquet"))
    for extra in [p for p in folder.iterdir() if p not in parts]:
        extra.unlink()
    for k, p in enumerate(parts):
        p.rename(folder / f"part-{k:05d}.parquet")
    return folder
