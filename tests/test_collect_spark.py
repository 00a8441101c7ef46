"""Stage 01 on Spark (``engine.kind: spark``) gives what it gives on one machine: the same
canonical tables, the same rejected rows with the same rules and values, the same quality
record, notes and assumptions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import require_spark

from seglab import config, i18n, io
from seglab.collection import collect, rules, sources

NOW = pd.Timestamp("2024-07-01")
#: The canonical columns of the messy order lines (:func:`_messy`).
COLUMNS = {
    "customer_id": "Customer",
    "order_id": "Invoice",
    "timestamp": "When",
    "quantity": "Qty",
    "unit_price": "Price",
}


def _params(tables: dict, engine: str, **cleaning) -> config.Params:
    return config.validate(
        {
            "run_name": f"spark01_{engine}",
            "source": {"kind": "files", "tables": tables},
            "cleaning": cleaning,
            "engine": {"kind": engine, "spark": {"master": "local[2]"}},
        }
    )


def _messy(n: int = 600, seed: int = 3) -> pd.DataFrame:
    """Order lines with what real exports hold: day-first text dates, Persian digits, Arabic
    letters in Persian words, channel words, a nullable integer column, duplicates, cancellations,
    zero prices, a missing id, dates that are not dates, one enormous line.
    """
    rng = np.random.default_rng(seed)
    day = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 170, n), unit="D")
    dates = [f"{d.day:02d}/{d.month:02d}/{d.year} {h:02d}:15" for d, h in zip(day, rng.integers(8, 20, n), strict=True)]
    df = pd.DataFrame(
        {
            "Customer": [f"C{v:03d}" for v in rng.integers(1, 80, n)],
            "Invoice": [f"{'C' if r < 0.04 else ''}{1000 + i // 3}" for i, r in enumerate(rng.random(n))],
            "When": dates,
            "Qty": rng.integers(1, 6, n).astype(str),
            "Price": np.round(rng.uniform(0, 40, n), 2),
            "Item": [f"P{v}" for v in rng.integers(1, 50, n)],
            "Category": rng.choice(["كتاب", "کتاب", "پوشاک", "لوازم خانگي"], n),
            "Channel": rng.choice(["online", "وب", "فروشگاه", "kiosk"], n),
            "Points": pd.array(rng.integers(0, 100, n), dtype="Int64"),
        }
    )
    df.loc[::37, "Points"] = pd.NA
    df.loc[5, "Customer"] = None
    df.loc[9, "When"] = "not a date"
    df.loc[11, "When"] = "31/12/2099 10:00"  # future
    df.loc[13, "Qty"] = "۳"  # Persian digit
    df.loc[17, "Price"] = 0.0
    df.loc[19, "Qty"] = "250000"  # an enormous line (outlier)
    df.loc[23, "Item"] = "POST"
    df.loc[n] = df.loc[3]  # duplicates, in another file of the folder
    df.loc[n + 1] = df.loc[4]
    again = df.loc[8].copy()  # a duplicate written another way (Persian digits, Arabic letters, a space)
    again["Qty"] = str(again["Qty"]).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    again["Category"], again["Item"] = "كتاب", f"{again['Item']} "
    df.loc[8, "Category"] = "کتاب"  # (row 8: in the same region= folder as row n + 2)
    df.loc[n + 2] = again
    return df


def _folder(df: pd.DataFrame, root: Path) -> Path:
    """The lines as a Parquet dataset partitioned by region (``region=…/``), several files each."""
    folder = root / "lines"
    region = np.where(np.arange(len(df)) % 3 == 0, "north", "south")
    for r in ("north", "south"):
        part = df[region == r]
        (folder / f"region={r}").mkdir(parents=True)
        for k, chunk in enumerate(np.array_split(np.arange(len(part)), 3)):
            part.iloc[chunk].to_parquet(folder / f"region={r}" / f"part-{k}.parquet", index=False)
    return folder


def _events(n: int = 300, seed: int = 4) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Web sessions with text times, some carrying a zone (…Z), and campaign messages whose send
    times are instants (a time zone in the Parquet file).
    """
    rng = np.random.default_rng(seed)
    at = pd.Timestamp("2024-02-01") + pd.to_timedelta(rng.integers(0, 120 * 24 * 60, n), unit="min")
    sessions = pd.DataFrame(
        {
            "customer_id": [f"C{v:03d}" for v in rng.integers(1, 90, n)],
            "timestamp": [t.strftime("%Y-%m-%dT%H:%M:%S") + ("Z" if k % 4 == 0 else "") for k, t in enumerate(at)],
            "converted": rng.choice(["yes", "no", "بله"], n),
            "channel": rng.choice(["web", "app"], n),
        }
    )
    sessions.loc[7, "timestamp"] = "soon"
    sessions.loc[n] = sessions.loc[2]
    events = pd.DataFrame(
        {
            "customer_id": [f"C{v:03d}" for v in rng.integers(1, 90, n)],
            "campaign_id": rng.choice([101, 102, 103], n),
            "sent_at": at.tz_localize("UTC"),
            "opened": rng.random(n) < 0.4,
            "clicked": rng.random(n) < 0.1,
            "converted": rng.random(n) < 0.05,
        }
    )
    events.loc[3, "customer_id"] = None
    return sessions, events


def _same(local: collect.Collected, spark: collect.Collected, tmp: Path) -> None:
    """Every output of stage 01 equal (the local tables compared as written and read back)."""
    for table, kept in local.tables.items():
        if table not in rules.TIME_COLUMN:
            continue
        io.write_parquet(kept, tmp / f"local_{table}.parquet")
        tx_local = pd.read_parquet(tmp / f"local_{table}.parquet")
        tx_spark = pd.read_parquet(spark.tables[table])
        assert list(tx_spark.columns) == list(tx_local.columns), table
        pd.testing.assert_frame_equal(tx_spark, tx_local, check_dtype=False, obj=table)
        # the same types, except that a nullable integer column reads back as float (Spark's files
        # do not carry pandas' own metadata): same values
        types = lambda df: [str(t).replace("Int64", "float64") for t in df.dtypes]  # noqa: E731
        assert types(tx_spark) == types(tx_local), table
    pd.testing.assert_frame_equal(spark.rejected, local.rejected, check_dtype=False)
    pd.testing.assert_frame_equal(
        spark.tables["customers"].reset_index(drop=True), local.tables["customers"].reset_index(drop=True)
    )
    as_json = lambda q: json.loads(json.dumps({**q, "notes": None}, default=str, sort_keys=True))  # noqa: E731
    assert as_json(spark.quality) == as_json(local.quality)
    assert spark.notes[:-1] == local.notes and "Read and cleaned on Spark" in i18n.say(spark.notes[-1])


def test_stage_01_on_spark_equals_the_local_run_on_messy_partitioned_lines(tmp_path):
    require_spark()
    lines = _folder(_messy(), tmp_path)
    customers = tmp_path / "customers.csv"
    pd.DataFrame({"customer_id": [f"C{v:03d}" for v in range(1, 70)], "city": "تهران"}).to_csv(customers, index=False)
    tables = {
        "transactions": {
            "path": str(lines),
            "columns": {**COLUMNS, "product_id": "Item", "category": "Category", "channel": "Channel"},
        },
        "customers": {"path": str(customers)},
        "sessions": {"path": str(tmp_path / "sessions.parquet")},
        "campaign_events": {"path": str(tmp_path / "events")},
    }
    sessions, events = _events()
    sessions.to_parquet(tmp_path / "sessions.parquet", index=False)
    (tmp_path / "events").mkdir()
    events.iloc[:150].to_parquet(tmp_path / "events" / "a.parquet", index=False)
    events.iloc[150:].to_parquet(tmp_path / "events" / "b.parquet", index=False)
    cleaning = {"drop_outliers": True, "non_product_codes": ["POST"], "timezone": "Asia/Tehran"}
    local = collect.collect(_params(tables, "duckdb", **cleaning), tmp_path, now=NOW)
    spark = collect.collect(_params(tables, "spark", **cleaning), tmp_path, now=NOW, work=tmp_path / "work")
    _same(local, spark, tmp_path)

    # what this data set exercises, so that equality means something
    q = spark.quality["tables"]["transactions"]
    assert q["read"] == 603 and q["exact_duplicate_rows"] == 3
    assert any("1 row(s) repeat an earlier row once written one way" in n for n in map(i18n.say, local.notes))
    assert {"exact_duplicate", "missing_customer_id", "bad_timestamp", "future_timestamp", "zero_price"} <= set(
        q["rejected_by_rule"]
    )
    assert q["rejected_by_rule"].get("outlier") == 1 and q["cancellation_rows"] > 0
    assert spark.quality["tables"]["customers"]["added_from_transactions"] > 0
    assumed = " ".join(i18n.say(a["assumed"]) for a in spark.quality["assumptions"])
    assert "read with Persian" in assumed and "the web channel" in assumed
    assert any("day first" in n for n in map(i18n.say, spark.notes))
    assert spark.quality["tables"]["sessions"]["rejected_by_rule"] == {"bad_timestamp": 1, "exact_duplicate": 1}
    assert spark.quality["tables"]["campaign_events"]["rejected_by_rule"] == {"missing_customer_id": 1}
    assert any("carry a time zone" in n and "Asia/Tehran" in n for n in map(i18n.say, spark.notes))
    assert all(isinstance(spark.tables[t], Path) for t in rules.TIME_COLUMN)
    tx = pd.read_parquet(spark.tables["transactions"])
    assert tx["timestamp"].min() >= pd.Timestamp("2024-01-01") and tx["points"].isna().any()
    assert set(tx["category"]) == {"کتاب", "پوشاک", "لوازم خانگی"}  # one way of writing the letters
    assert sorted(p.name for p in spark.tables["transactions"].iterdir())[0] == "part-00000.parquet"
    outlier = spark.rejected[spark.rejected["rule"] == "outlier"]
    assert json.loads(outlier["values"].iloc[0])["Qty"] == "250000"


def test_stage_01_on_spark_stops_on_dates_written_both_ways(tmp_path):
    require_spark()
    df = _messy(60)
    df.loc[0, "When"], df.loc[1, "When"] = "13/02/2024 10:00", "02/13/2024 10:00"
    folder = tmp_path / "lines"
    folder.mkdir()
    df.to_parquet(folder / "a.parquet", index=False)
    tables = {
        "transactions": {
            "path": str(folder),
            "columns": COLUMNS,
        }
    }
    with pytest.raises(sources.SourceError, match=r"day first \(row 1: '13/02/2024 10:00'.*month first \(row 2"):
        collect.collect(_params(tables, "spark"), tmp_path, now=NOW)


def test_stage_01_on_spark_stops_on_a_source_without_rows(tmp_path):
    require_spark()
    _messy(10).iloc[:0].to_parquet(tmp_path / "empty.parquet", index=False)
    tables = {"transactions": {"path": str(tmp_path / "empty.parquet"), "columns": COLUMNS}}
    with pytest.raises(sources.SourceError, match=r"empty.parquet: no data rows in table 'transactions'"):
        collect.collect(_params(tables, "spark"), tmp_path, now=NOW, work=tmp_path / "work")


def test_a_csv_source_is_cleaned_here_and_the_report_says_why(tmp_path):
    f = tmp_path / "lines.csv"
    _messy(40).to_csv(f, index=False)
    tables = {
        "transactions": {
            "path": str(f),
            "columns": COLUMNS,
        }
    }
    got = collect.collect(_params(tables, "spark"), tmp_path, now=NOW)
    assert isinstance(got.tables["transactions"], pd.DataFrame)
    assert any(
        "cleaned on this machine" in n and "convert the source to Parquet" in n for n in map(i18n.say, got.notes)
    )


@pytest.mark.realdata
def test_stage_01_on_spark_equals_the_local_run_on_online_retail(online_retail_path, tmp_path):
    """On every tenth invoice of the whole year (53k lines: cancellations, lines without a customer,
    zero prices and the year's seasons, as in the full file; the full file took three minutes of
    the suite for the same comparison)."""
    require_spark()
    lines = pd.read_parquet(online_retail_path)
    lines = lines[lines["InvoiceNo"].str[-1] == "3"]
    sample = tmp_path / "online_retail_tenth.parquet"
    lines.to_parquet(sample, index=False)
    tables = {"transactions": {"path": str(sample), "preset": "online_retail", "customer_columns": ["country"]}}
    local = collect.collect(_params(tables, "duckdb"), tmp_path, now=NOW)
    spark = collect.collect(_params(tables, "spark"), tmp_path, now=NOW, work=tmp_path / "work")
    _same(local, spark, tmp_path)
    rejected = spark.quality["tables"]["transactions"]["rejected"]
    assert 0.15 * len(lines) < rejected < 0.4 * len(lines), (rejected, len(lines))


def test_money_written_as_text_and_spreadsheet_errors_read_on_spark_as_on_one_machine(tmp_path):
    """The decimal mark decided on the whole column (a partition holding only '1.234' reads it as a
    thousand, as the whole column shows decimal commas), spreadsheet errors read as missing and
    counted, the same rows, record and assumptions."""
    require_spark()
    df = _messy(120, seed=5)
    df["Price"] = [
        f"€ {v:,.2f}".replace(",", " ").replace(".", ",")
        for v in np.round(np.random.default_rng(1).uniform(1, 3000, len(df)), 2)
    ]
    df.loc[::7, "Price"] = "1.234"  # reads both ways: a thousand, since the column shows decimal commas
    df.loc[::11, "Category"] = "#N/A"
    df.loc[3, "Qty"] = "#VALUE!"
    lines = _folder(df, tmp_path)
    tables = {"transactions": {"path": str(lines), "columns": {**COLUMNS, "category": "Category"}}}
    local = collect.collect(_params(tables, "duckdb"), tmp_path, now=NOW)
    spark = collect.collect(_params(tables, "spark"), tmp_path, now=NOW, work=tmp_path / "work")
    _same(local, spark, tmp_path)
    q = spark.quality["tables"]["transactions"]
    assert q["written"]["unit_price"]["decimal"] == "," and q["written"]["unit_price"]["currency"] == "€"
    assert q["spreadsheet_errors"]["category"]["cells"] == len(df.loc[::11]) and "quantity" in q["spreadsheet_errors"]
    assert (pd.read_parquet(spark.tables["transactions"])["unit_price"] == 1234.0).sum() > 0
