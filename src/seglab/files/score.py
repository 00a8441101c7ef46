"""``seglab score``: assign segments to new customers with a saved model, in chunks.

The input is a feature table (one row per customer: ``customer_id`` and the model's features,
as stage 02 writes them), in Parquet or CSV. It is read and scored ``chunk_rows`` rows at a
time and the output written as it goes, so memory stays bounded whatever the number of rows.
Scoring the training customers reproduces their segments exactly: it is the same transform
and nearest-centroid rule that stage 03 used to write them.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from seglab import i18n, io
from seglab.files import artifacts, exports
from seglab.segmentation import SegmentationError, SegmentModel
from seglab.segmentation.lookalike import Lookalike
from seglab.vocabulary import segment_code, segment_label

#: Columns of the input that are never features.
ID = "customer_id"


class ScoreError(ValueError):
    """The input cannot be scored with this model; the message names the file, columns and fix."""


@dataclass
class ScoreSummary:
    """What ``seglab score`` did: rows, chunks, customers per segment, columns ignored."""

    rows: int = 0
    chunks: int = 0
    per_segment: dict[int, int] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    lookalike: int = 0  # rows placed by the lookalike model
    notes: list[str] = field(default_factory=list)  # what the input does not say
    personas: dict[int, object] = field(default_factory=dict)  # stage 04's name of each segment, as kept


def _columns(path: Path) -> list[str]:
    if path.suffix.lower() == ".parquet":
        return pq.read_schema(path).names
    with path.open("rb") as f:
        return pacsv.open_csv(f).schema.names


def _built_of(path: Path) -> dict | None:
    """How the input's features were built (the schema metadata stage 02 writes in
    features.parquet); None when the input does not say (a CSV, a table from elsewhere).
    """
    from seglab import io
    from seglab.segmentation import BUILT_WITH

    files = io.parquet_files(path) if path.is_dir() or path.suffix.lower() == ".parquet" else []
    try:
        meta = pq.read_schema(files[0]).metadata or {} if files else {}
        got = json.loads(meta[BUILT_WITH.encode()]) if BUILT_WITH.encode() in meta else None
    except (OSError, ValueError, pa.ArrowException):
        return None
    return got if isinstance(got, dict) else None


def _window(built: dict) -> str:
    if built.get("customer_level"):
        return "the columns of a customer-level table"
    days = built.get("window_days")
    return f"{days:,} days of behaviour" if days else "all history"


def check_built(model: SegmentModel, path: Path, model_dir: Path) -> list[str]:
    """Refuse features built with another window of behaviour than the model's training features
    (:func:`seglab.segmentation.built_with`), naming the parameter to use; the note to show when the
    input does not say how it was built. A model saved before seglab recorded it: nothing to check.
    """
    want = model.built_with
    if not want:
        return []
    got = _built_of(path)
    window = want.get("window_days") or "all"
    if got is None:
        return [
            f"{path} does not say how its features were built: the model expects {_window(want)} up to the "
            f"customers' as-of date (stage 02 with features.window_days: {window}); scores of features built "
            "otherwise are not comparable"
        ]
    if (got.get("window_days"), bool(got.get("customer_level"))) != (want.get("window_days"), want["customer_level"]):
        raise ScoreError(
            f"{path}: features built from {_window(got)} up to {got.get('as_of')}; the model in {model_dir} was "
            f"trained on {_window(want)} up to {want.get('as_of')}: a customer's numbers would not mean what the "
            f"segments mean. Build the features again with features.window_days: {window} (stage 02) and score them"
        )
    return []


def _chunks(path: Path, columns: list[str], chunk_rows: int) -> Iterator[pd.DataFrame]:
    """The input, ``chunk_rows`` rows at a time; a read error names the input (it is read while the
    output is written: :func:`seglab.io.atomic` would name the output).
    """
    try:
        if path.suffix.lower() == ".parquet":
            for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk_rows, columns=columns):
                yield batch.to_pandas()
        else:
            yield from pd.read_csv(path, usecols=columns, dtype={ID: str}, chunksize=chunk_rows)
    except OSError as exc:
        if exc.filename:
            raise
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc


def check_columns(model: SegmentModel, columns: list[str], where: str) -> list[str]:
    """Raise ScoreError when the input lacks ``customer_id`` or a model feature; return the
    columns the model does not use (they are ignored).
    """
    need = model.preparation.features
    if ID not in columns:
        raise ScoreError(
            f"{where}: no '{ID}' column; the input needs one row per customer with '{ID}' "
            f"and the model's features: {', '.join(need)}"
        )
    missing = [f for f in need if f not in columns]
    if missing:
        raise ScoreError(
            f"{where}: missing feature(s) {', '.join(missing)}; the model was trained on {', '.join(need)}. "
            "Build the features with stage 02 (same parameters as the training run) or add these columns."
        )
    return [c for c in columns if c != ID and c not in need]


def _use_lookalike(model: SegmentModel, look: Lookalike | None, columns: list[str], where: str) -> bool:
    """True when the input has no purchase features but the attributes the lookalike model needs."""
    need = model.preparation.features if model.rfm is None else list(rfm_features())
    if look is None or any(f in columns for f in need):
        return False
    if ID in columns and all(f in columns for f in look.features):
        return True
    missing = [f for f in look.features if f not in columns]
    raise ScoreError(
        f"{where}: neither the purchase features ({', '.join(need)}) nor all the customer attributes "
        f"of the lookalike model (missing: {', '.join(missing)}) are in the input"
    )


def kept_personas(model_dir: Path) -> dict[int, object]:
    """Stage 04's persona name of each segment, as written beside the model (English words or a
    note: the same in every language); empty before stage 04 has run.
    """
    f = artifacts.model_file("persona_labels", model_dir)
    return {int(s): n for s, n in json.loads(f.read_text(encoding="utf-8")).items()} if f.is_file() else {}


def persona_names(model_dir: Path, k: int) -> np.ndarray:
    """The persona name of each segment (stage 04's, written beside the model) in the reader's
    language, as the exports write it, or "S<n>" before stage 04 has run.
    """
    names = kept_personas(model_dir)
    return np.asarray([i18n.say(names.get(s, segment_code(s))) for s in range(1, k + 1)], dtype=object)


def run_language(model_dir: Path) -> str:
    """The language the reports of the model's run were written in (``report.language`` in the
    run's record, ``data/interim/<run>/kept/run.json``, for ``data/processed/<run>/model``): the
    language of the persona names in the run's exports. English for a model folder outside a run
    (copied elsewhere) or a run without a complete ``seglab run``.
    """
    from seglab.paths import RunPaths

    model_dir = Path(model_dir).resolve()
    try:
        run = RunPaths(model_dir.parents[3], model_dir.parent.name)
        if run.model != model_dir:
            return "en"
        record = json.loads(artifacts.location(artifacts.BY_NAME["run_record"], run).read_text(encoding="utf-8"))
        language = record["params"]["report"]["language"]
    except (IndexError, OSError, ValueError, KeyError, TypeError):
        return "en"
    return language if language in i18n.LANGUAGES else "en"


def segment_labels(model: SegmentModel) -> list[str]:
    """Each segment's descriptive label in the reader's language (``seglab score --language``)."""
    return [i18n.say(label) for label in model.labels]


def _check_paths(input_path: Path, output_path: Path, chunk_rows: int) -> None:
    """One clear message for an input or output ``seglab score`` cannot use."""
    if not input_path.is_file():
        raise ScoreError(f"{input_path}: no such file")
    if chunk_rows < 1:
        raise ScoreError(f"--chunk-rows must be at least 1, got {chunk_rows}")
    if output_path.resolve() == input_path.resolve():
        raise ScoreError(f"{output_path}: the output is the input file; write the segments to another file")
    if output_path.suffix.lower() not in (".parquet", ".csv"):
        raise ScoreError(f"{output_path}: the output must end in .parquet or .csv")
    if input_path.suffix.lower() == ".csv" and not input_path.read_text(encoding="utf-8", errors="replace").strip():
        raise ScoreError(f"{input_path}: the file is empty; give a table with a header line ({ID} and the features)")


def _plan(
    model: SegmentModel, look: Lookalike | None, columns: list[str], where: str
) -> tuple[bool, list[str], ScoreSummary]:
    """Whether the input (with ``columns``) is scored by the lookalike model (prospects), the
    columns to read, and a summary naming the columns left unread.
    """
    if _use_lookalike(model, look, columns, where):
        read = [ID, *look.features]
        return True, read, ScoreSummary(ignored_columns=[c for c in columns if c not in read])
    ignored = check_columns(model, columns, where)
    need = model.preparation.features if model.rfm is None else list(rfm_features())
    extra = [f for f in (look.features if look else []) if f in columns and f not in need]
    read = [ID, *need, *(extra if look and len(extra) == len(look.features) else [])]
    return False, read, ScoreSummary(ignored_columns=[c for c in ignored if c not in read])


OUTPUT_SCHEMA = pa.schema(
    [
        (ID, pa.string()),
        ("segment", pa.int64()),
        ("persona", pa.string()),
        ("segment_label", pa.string()),
        ("assigned_by", pa.string()),
    ]
)


def _write(frames: Iterator[pd.DataFrame], path: Path) -> None:
    """Write the scored rows as they come (bounded memory) to ``path``, which appears whole or not
    at all (:func:`seglab.io.atomic`): Parquet with the segment's number (as stage 03's
    ``segments.parquet``), or CSV in the exports' format (:mod:`seglab.files.exports`: UTF-8 with
    a byte-order mark, CRLF, every text that would start a formula neutralised, segments written
    ``S1``, ``S2``, ...).
    """
    if path.suffix.lower() == ".csv":
        coded = (f.assign(segment=f["segment"].map(segment_code)) for f in frames)
        io.write_csv_parts(coded, path, OUTPUT_SCHEMA.names, encoding=exports.ENCODING)
        return

    def parquet(tmp: Path) -> None:
        with pq.ParquetWriter(tmp, OUTPUT_SCHEMA) as writer:
            for out in frames:
                writer.write_table(pa.Table.from_pandas(out, schema=OUTPUT_SCHEMA, preserve_index=False))

    io.atomic(path, parquet)


def score_file(model_dir: Path, input_path: Path, output_path: Path, chunk_rows: int = 100_000) -> ScoreSummary:
    """Score ``input_path`` with the model in ``model_dir`` and write ``customer_id, segment,
    persona, segment_label, assigned_by`` to ``output_path`` (Parquet, or CSV by its suffix, in
    the exports' format: :func:`_write`); ``persona`` is the name the reports use, in the reader's
    language (``seglab score``: the run's, :func:`run_language`).

    ``assigned_by`` is ``behaviour`` (the segment model on purchase features) or ``lookalike``:
    an input with customer attributes but no purchase features (prospects) is scored by the
    lookalike model saved beside the segment model, and so are rows whose purchase features
    are all empty.
    """
    model_dir, input_path, output_path = Path(model_dir), Path(input_path), Path(output_path)
    _check_paths(input_path, output_path, chunk_rows)
    model = artifacts.read_segment_model(model_dir)
    look = artifacts.read_lookalike(model_dir)
    prospects, read, summary = _plan(model, look, _columns(input_path), str(input_path))
    summary.notes = [] if prospects else check_built(model, input_path, model_dir)
    summary.personas = kept_personas(model_dir)
    labels = np.asarray(segment_labels(model), dtype=object)
    names = persona_names(model_dir, model.k)
    counts = np.zeros(model.k + 1, dtype=np.int64)
    seen: set[str] = set()

    def scored() -> Iterator[pd.DataFrame]:
        for chunk in _chunks(input_path, read, chunk_rows):
            where = f"{input_path}: rows {summary.rows + 1}-{summary.rows + len(chunk)}"
            _check_chunk(chunk, read, seen, where)
            try:
                seg, how = _assign(model, look, chunk, prospects)
            except (SegmentationError, ValueError, TypeError) as exc:
                raise ScoreError(f"{where}: {exc}") from exc
            summary.lookalike += int((how == "lookalike").sum())
            counts[:] += np.bincount(seg, minlength=model.k + 1)
            summary.rows += len(chunk)
            summary.chunks += 1
            yield pd.DataFrame(
                {
                    ID: chunk[ID].astype(str),
                    "segment": seg.astype("int64"),
                    "persona": names[seg - 1],
                    "segment_label": labels[seg - 1],
                    "assigned_by": how,
                }
            )

    _write(scored(), output_path)
    summary.per_segment = {s: int(counts[s]) for s in range(1, model.k + 1)}
    return summary


def score_spark(model_dir: Path, source: str | Path, output_path: Path, spark=None) -> ScoreSummary:
    """Score on Spark: ``source`` (a Parquet file, a Parquet dataset folder, or the name of a table
    in Spark's catalog) with the model in ``model_dir``, written as a Parquet dataset (a folder)
    at ``output_path`` with the columns of :func:`score_file`.

    The models travel to the executors as their JSON (no pickle of fitted objects) and every
    partition is scored by the same code as :func:`score_file` (``mapInPandas``), so the segments
    are the ones a single machine gives. The folder is written beside the output and renamed when
    complete (it appears whole, or not at all). ``spark``: ``engine.spark`` (master, settings).
    """
    import shutil

    from seglab.config import Spark
    from seglab.engine import spark_session, spark_uri

    model_dir, output_path = Path(model_dir), Path(output_path)
    if output_path.suffix.lower() == ".csv":
        raise ScoreError(f"{output_path}: Spark writes a Parquet dataset (a folder); give a folder name")
    model = artifacts.read_segment_model(model_dir)
    look = artifacts.read_lookalike(model_dir)
    # the executors rebuild the models from their JSON (checked here by the readers above)
    model_json = json.loads(artifacts.model_file("segment_model", model_dir).read_text(encoding="utf-8"))
    look_file = artifacts.model_file("lookalike_model", model_dir)
    look_json = json.loads(look_file.read_text(encoding="utf-8")) if look is not None else None
    session = spark_session(spark or Spark())
    where = Path(source)
    frame = session.read.parquet(spark_uri(where)) if where.exists() else session.table(str(source))
    prospects, read, summary = _plan(model, look, list(frame.columns), str(source))
    summary.notes = [] if prospects else check_built(model, where, model_dir)
    from pyspark.sql import functions as F

    twice = frame.groupBy(ID).count().filter(F.col("count") > 1).limit(1).collect()
    if twice:
        raise ScoreError(f"{source}: {ID} {twice[0][ID]!r} appears more than once; give each customer one row")
    names, labels = persona_names(model_dir, model.k).tolist(), segment_labels(model)
    summary.personas = kept_personas(model_dir)

    def score_partition(batches):  # runs on the executors
        from seglab.segmentation import SegmentModel
        from seglab.segmentation.lookalike import Lookalike

        m = SegmentModel.from_dict(model_json)
        lk = Lookalike.from_dict(look_json) if look_json is not None else None
        for chunk in batches:
            _check_chunk(chunk, read, set(), f"{source}: a partition")
            seg, how = _assign(m, lk, chunk, prospects)
            yield pd.DataFrame(
                {
                    ID: chunk[ID].astype(str),
                    "segment": seg.astype("int64"),
                    "persona": np.asarray(names, dtype=object)[seg - 1],
                    "segment_label": np.asarray(labels, dtype=object)[seg - 1],
                    "assigned_by": how,
                }
            )

    schema = "customer_id string, segment long, persona string, segment_label string, assigned_by string"
    part = output_path.with_name(f".{output_path.name}.part")
    shutil.rmtree(part, ignore_errors=True)
    try:
        frame.select(*read).mapInPandas(score_partition, schema).write.mode("overwrite").parquet(spark_uri(part))
    except Exception as exc:  # noqa: BLE001 - a ScoreError raised on an executor comes back wrapped
        shutil.rmtree(part, ignore_errors=True)
        text = str(exc)
        ours = re.findall(r"(?:ScoreError|SegmentationError|ValueError|TypeError): (.+)", text)
        found = ours[-1].strip() if ours else f"{source}: Spark could not score it: {text.strip().splitlines()[0]}"
        raise ScoreError(found) from None
    if output_path.exists():
        shutil.rmtree(output_path) if output_path.is_dir() else output_path.unlink()
    part.replace(output_path)
    scored = session.read.parquet(spark_uri(output_path))
    counts: dict[int, int] = {}
    for r in scored.groupBy("segment", "assigned_by").count().collect():
        counts[int(r["segment"])] = counts.get(int(r["segment"]), 0) + int(r["count"])
        summary.lookalike += int(r["count"]) if r["assigned_by"] == "lookalike" else 0
    summary.per_segment = {s: counts.get(s, 0) for s in range(1, model.k + 1)}
    summary.rows = sum(counts.values())
    summary.chunks = scored.rdd.getNumPartitions()
    return summary


def _check_chunk(chunk: pd.DataFrame, columns: list[str], seen: set[str], where: str) -> None:
    """Every row needs an id, each id once, and features that are numbers (empty is allowed: it is
    filled as in training), never infinite.
    """
    ids = chunk[ID]
    if ids.isna().any():
        row = int(np.flatnonzero(ids.isna().to_numpy())[0])
        raise ScoreError(
            f"{where}: {int(ids.isna().sum())} row(s) without a {ID} (first: row {row + 1} of the chunk); "
            "every customer needs an id"
        )
    text = ids.astype(str)
    dup = text[text.duplicated() | text.isin(seen)]
    if len(dup):
        raise ScoreError(f"{where}: {ID} {dup.iloc[0]!r} appears more than once; give each customer one row")
    seen.update(text)
    for c in columns:
        if c == ID or c not in chunk:
            continue
        v = pd.to_numeric(chunk[c], errors="coerce")
        bad = chunk[c].notna() & v.isna()
        if bad.any():
            raise ScoreError(f"{where}: column {c!r} holds {chunk.loc[bad, c].iloc[0]!r}, not a number")
        inf = np.isinf(v.to_numpy(dtype=float))
        if inf.any():
            raise ScoreError(
                f"{where}: column {c!r} holds {v[inf].iloc[0]} (not finite) for {ID} "
                f"{ids[inf].iloc[0]!r}; fix the input (a division by zero upstream?)"
            )


def _assign(
    model: SegmentModel, look: Lookalike | None, chunk: pd.DataFrame, prospects: bool
) -> tuple[np.ndarray, np.ndarray]:
    if prospects:
        return look.predict(chunk), np.full(len(chunk), "lookalike", dtype=object)
    need = model.preparation.features if model.rfm is None else list(rfm_features())
    empty = chunk[need].isna().all(axis=1).to_numpy()
    seg = model.assign(chunk)
    how = np.full(len(chunk), "behaviour", dtype=object)
    if look is not None and empty.any() and all(f in chunk.columns for f in look.features):
        seg[empty] = look.predict(chunk[empty])
        how[empty] = "lookalike"
    return seg, how


def rfm_features() -> tuple[str, ...]:
    """The features an RFM model needs."""
    from seglab.segmentation.rfm import FEATURES

    return FEATURES


def report(summary: ScoreSummary, output_path: Path, stream=None) -> None:
    """Say what ``seglab score`` did, a line per fact: each segment with its persona name (in the
    language of the names written) and its customers.
    """
    stream = stream or sys.stdout
    print(f"scored {summary.rows:,} customers in {summary.chunks} chunk(s) -> {output_path}", file=stream)
    if summary.lookalike:
        print(
            f"  {summary.lookalike:,} of them by the lookalike model (customer attributes, no purchase features)",
            file=stream,
        )
    for s, n in summary.per_segment.items():
        share = n / summary.rows if summary.rows else 0.0
        print(f"  {segment_label(s, summary.personas.get(s, ''))}: {n:,} ({share:.1%})", file=stream)
    for note in summary.notes:
        print(f"  note: {note}", file=stream)
    if summary.ignored_columns:
        print(
            f"  {len(summary.ignored_columns)} column(s) the model does not use were ignored: "
            f"{', '.join(summary.ignored_columns[:12])}{' ...' if len(summary.ignored_columns) > 12 else ''}",
            file=stream,
        )
