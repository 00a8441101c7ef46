"""The bad-input catalogue (README, "Bad, broken and hostile input"): every row of its table is a
test here. Hostile text never runs in a page, secrets never appear, no row or file is lost or
half-written, every failure is one ``seglab ...:`` line."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seglab import config, features, i18n, text
from seglab import io as sio
from seglab.collection import amounts, collect, rules, sources
from seglab.config import ParamsError
from seglab.files import artifacts
from seglab.run import cli, pipeline

CANON = {"customer_id": "cust", "order_id": "order", "timestamp": "date", "quantity": "qty", "unit_price": "price"}
NOW = pd.Timestamp("2026-11-30")


def _params(tables: dict, **sections) -> config.Params:
    return config.validate({"run_name": "t", "source": {"kind": "files", "tables": tables}, **sections})


def _tx(path, **kw) -> dict:
    return {"transactions": {"path": str(path), "columns": CANON, **kw}}


def _write(tmp_path: Path, name: str, data: str | bytes, encoding: str = "utf-8") -> Path:
    f = tmp_path / name
    f.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return f


def _collect(params: config.Params, tmp_path: Path) -> collect.Collected:
    return collect.collect(params, tmp_path, now=NOW)


def _lines(n: int) -> list[str]:
    """A header and n order lines: cust,order,date,qty,price,desc."""
    return ["cust,order,date,qty,price,desc"] + [
        f"{i % 40 + 1},O{i},2024-01-{i % 28 + 1:02d},1,2.5,item {i}" for i in range(1, n + 1)
    ]


# ---------------------------------------------------------------------------------------------
# nothing lost: stray quotes, broken lines, blank lines
# ---------------------------------------------------------------------------------------------
def test_stray_quote_loses_no_line_and_names_its_line(tmp_path):
    lines = _lines(2999)  # 3,000 lines with the header
    lines[100] = '41,O100,2024-01-05,1,2.5,"Widget, large'  # line 101: a quote that never closes
    lines[120] = '1,O120,2024-01-05,1,2.5,Pizza 12"'  # line 121: the next quote in the file
    f = _write(tmp_path, "stray.csv", "\n".join(lines) + "\n")
    assert len(pd.read_csv(f)) == 2999 - 20  # what a plain CSV reader does: one row from lines 101 to 121
    c = _collect(_params(_tx(f, keep_other_columns=True)), tmp_path)
    q = c.quality["tables"]["transactions"]
    assert q["read"] == 2999 == q["kept"] + q["rejected"]
    bad = c.rejected[c.rejected["rule"] == "malformed_line"]
    assert bad["source_line"].tolist() == [101] and bad["source_row"].tolist() == [100]
    assert json.loads(bad["values"].iloc[0]) == {"line": lines[100]}
    kept = c.tables["transactions"]
    assert not kept["desc"].str.contains("\n").any() and kept["desc"].str.len().max() < 20
    assert (kept["order_id"] == "O101").sum() == 1  # the line after the stray quote is a row of its own
    assert any("lines 101" in n for n in map(i18n.say, c.notes))


def test_quoted_value_over_several_lines_is_one_row_at_its_first_line(tmp_path):
    lines = _lines(5)
    lines[3] = '3,O3,2024-01-04,1,2.5,"a note\nwritten on two lines"'
    f = _write(tmp_path, "multi.csv", "\n".join(lines) + "\n\n")
    c = _collect(_params(_tx(f, keep_other_columns=True)), tmp_path)
    kept = c.tables["transactions"]
    assert c.quality["tables"]["transactions"]["read"] == 5 == len(kept)
    assert kept.loc[kept["order_id"] == "O3", "desc"].item() == "a note\nwritten on two lines"
    assert any("running over several lines" in n for n in map(i18n.say, c.notes))


def test_line_with_too_many_fields_is_rejected_with_its_line(tmp_path):
    lines = _lines(6)
    lines[4] += ",extra,fields"
    c = _collect(_params(_tx(_write(tmp_path, "wide.csv", "\n".join(lines)))), tmp_path)
    bad = c.rejected[c.rejected["rule"] == "malformed_line"]
    assert bad["source_line"].tolist() == [5] and "8 fields where the header has 6" in i18n.say(bad["reason"].item())
    assert c.quality["tables"]["transactions"]["kept"] == 5


# ---------------------------------------------------------------------------------------------
# stage 01 accepts only what later stages can compute on
# ---------------------------------------------------------------------------------------------
def test_a_first_line_with_one_field_too_many_shifts_no_other_row(tmp_path):
    """Found by the fuzz test below: when the first data line had one field more than the header,
    pandas took the first column as an index and every row shifted one column (customer ids became
    order ids) without a word. Now that line alone is rejected, at its line."""
    lines = _lines(12)
    lines[1] = "," + lines[1]
    c = _collect(_params(_tx(_write(tmp_path, "shifted.csv", "\n".join(lines)))), tmp_path)
    assert c.rejected.set_index("source_line").loc[2, "rule"] == "malformed_line"
    kept = c.tables["transactions"]
    assert kept["order_id"].tolist() == [f"O{i}" for i in range(2, 13)]
    assert kept["customer_id"].tolist() == [str(i % 40 + 1) for i in range(2, 13)]


def test_a_table_of_thousands_of_columns_is_read_column_by_column_as_one_column_is(tmp_path, monkeypatch):
    """5,000 columns took 412 s in stage 01: pandas deep-copied the column names kept in
    ``DataFrame.attrs`` into every Series taken from the table, and columns were inserted one at a
    time. Now no dictionary rides on the frames of stage 01 and text columns are read many at a
    time (``benchmarks/wide.py`` times 5,000 columns). Read many at a time, each column must still
    read as it does alone: forced here into chunks of a few columns."""
    import pandas.core.generic as generic

    copies = []
    real = generic.deepcopy
    monkeypatch.setattr(generic, "deepcopy", lambda x, *a: copies.append(1) or real(x, *a))
    monkeypatch.setattr(amounts, "CELLS", 50)
    odd = {"digits": "۱۲", "float": "7.0", "error": "#N/A", "blank": " ", "fa": "كتاب", "text": " a b "}
    wide = ",".join(f"a{i}" for i in range(300))
    lines = [f"cust,order,date,qty,price,{','.join(odd)},{wide}"] + [
        f"{i % 7 + 1},O{i},2024-01-{i % 28 + 1:02d},1,2.5,{','.join(odd.values())},"
        + ",".join(str(i * j) for j in range(300))
        for i in range(1, 21)
    ]
    c = _collect(_params(_tx(_write(tmp_path, "wide.csv", "\n".join(lines)), keep_other_columns=True)), tmp_path)
    kept = c.tables["transactions"]
    assert len(copies) < 100, f"{len(copies)} deep copies of DataFrame.attrs for 300 columns"
    assert kept["a299"].tolist() == [str(i * 299) for i in range(1, 21)]
    row = kept.iloc[0]
    assert (row["digits"], row["float"], row["text"]) == ("12", "7", "a b")
    assert pd.isna(row["error"]) and pd.isna(row["blank"])
    assert c.quality["tables"]["transactions"]["spreadsheet_errors"]["error"]["cells"] == 20
    with pytest.raises(sources.SourceError) as missing:  # the message lists 40 columns, not 311
        _collect(_params(_tx(tmp_path / "wide.csv", columns={**CANON, "product_id": "a12x"})), tmp_path)
    assert "a27, a28, ... and 271 more. The closest column is 'a12'." in str(missing.value)


def test_a_wide_customer_table_types_each_column_as_it_would_alone(tmp_path, monkeypatch):
    """Customer tables of thousands of columns are typed many columns at a time (numbers cast by
    Arrow, a column of words never parsed): each column must come out as read alone. Chunks of
    a few columns here, and every kind of column: plain numbers, numbers with thousands marks,
    Persian digits, an infinite value, words, numbers with one word in 40 (still numbers) and
    with one in 10 (text)."""
    monkeypatch.setattr(amounts, "CELLS", 70)
    n = 40
    cols = {
        "plain": [str(i) for i in range(n)],
        "thousands": [f"{1000 + i:,}.5" for i in range(n)],
        "persian": ["۱۲"] * n,
        "infinite": ["1e400"] + [str(i) for i in range(1, n)],
        "words": ["Agree", "Disagree"] * (n // 2),
        "one_word": ["n/a"] + [str(i) for i in range(1, n)],
        "many_words": ["n/a" if i % 10 == 0 else str(i) for i in range(n)],
    }
    lines = ["id," + ",".join(cols)] + [f"C{i}," + ",".join(f'"{v[i]}"' for v in cols.values()) for i in range(n)]
    path = _write(tmp_path, "wide_customers.csv", "\n".join(lines))
    c = _collect(_params({"customers": {"path": str(path), "columns": {"customer_id": "id"}}}), tmp_path)
    t = c.tables["customers"].set_index("customer_id")
    assert t["plain"].tolist() == [float(i) for i in range(n)]
    assert t.loc["C3", "thousands"] == 1003.5 and t.loc["C0", "persian"] == 12.0
    assert pd.isna(t.loc["C0", "infinite"]) and t.loc["C1", "infinite"] == 1.0
    assert t["words"].tolist()[:2] == ["Agree", "Disagree"]
    assert pd.isna(t.loc["C0", "one_word"]) and t.loc["C7", "one_word"] == 7.0
    assert t.loc["C0", "many_words"] == "n/a" and t.loc["C7", "many_words"] == "7"
    assert any("column infinite: 1 infinite value(s)" in note for note in map(i18n.say, c.notes))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    columns=st.lists(
        st.lists(st.one_of(st.none(), st.sampled_from(["", " a", "Agree", "#N/A", "۱۲", "3.5", "x/1/2"]), st.text()),
            min_size=1, max_size=12),
        min_size=1, max_size=6,
    ),
    cells=st.integers(1, 40),
)  # fmt: skip
def test_text_columns_read_many_at_a_time_by_their_distinct_values_read_as_each_alone(columns, cells, monkeypatch):
    """A short table's text columns are read many at a time, each distinct value once (a survey's
    5,000 columns of five answers each are 25,000 values, not 10 million): each row must still get
    exactly what the function gives its value, and the counts what the rows hold, for any text,
    missing values included, in batches of any size."""
    monkeypatch.setattr(amounts, "CELLS", cells)
    n = max(map(len, columns))
    frame = pd.DataFrame({f"c{j}": pd.Series(c + [None] * (n - len(c)), dtype="str") for j, c in enumerate(columns)})
    cols = list(frame.columns)

    def fn(t: pd.Series) -> pd.DataFrame:
        return pd.DataFrame({"strip": t.str.strip(), "digit": t.str.contains(r"\d", regex=True, na=False)})

    together = amounts.columns_at_once(frame, cols, fn)
    counts = amounts.count_at_once(frame, cols, lambda t: t.str.contains(r"\d", regex=True, na=False))
    for c in cols:
        alone = fn(frame[c])
        pd.testing.assert_frame_equal(together[c], alone)
        assert counts[c] == int(alone["digit"].sum())


def test_a_decimal_comma_given_in_the_parameters_applies_to_every_column(tmp_path):
    """Found while batching issue 29's wide tables: with cleaning.decimal_mark: ",", a price
    column whose every value looks plain (1.234, 2.500) was read with a decimal point (1.234)
    unless some other value of it was formatted: the parameter was ignored, silently."""
    lines = ["cust,order,date,qty,price"] + [
        f"{i},O{i},2024-01-0{i},1,{p}" for i, p in enumerate(["1.234", "2.500", "7"], 1)
    ]
    c = _collect(
        _params(_tx(_write(tmp_path, "comma.csv", "\n".join(lines))), cleaning={"decimal_mark": ","}), tmp_path
    )
    assert c.tables["transactions"]["unit_price"].tolist() == [1234.0, 2500.0, 7.0]
    assert _collect(_params(_tx(tmp_path / "comma.csv")), tmp_path).tables["transactions"]["unit_price"].tolist() == [
        1.234, 2.5, 7.0
    ]  # fmt: skip


def test_a_row_written_again_with_persian_digits_or_arabic_letters_is_an_exact_duplicate(tmp_path):
    """Duplicates were found on the text as written, so a row exported once with Latin and once
    with Persian digits (or ي for ی, a space after a value) was kept twice and its revenue counted
    twice, without a word. Now rows are compared once written one way, with a note."""
    data = (
        "cust,order,date,qty,price,desc\n"
        "12,O1,2024-01-02,2,2.5,کتاب\n"
        "۱۲,O۱,۲۰۲۴-۰۱-۰۲,۲,۲٫۵,كتاب\n"
        "12 ,O1,2024-01-02,2,2.5,کتاب \n"
        "12,O1,2024-01-02,2,2.5,کتاب\n"
        "13,O2,2024-01-03,1,2,کتاب\n"
    )
    c = _collect(_params(_tx(_write(tmp_path, "twice.csv", data))), tmp_path)
    q = c.quality["tables"]["transactions"]
    assert q["rejected_by_rule"] == {"exact_duplicate": 3} and q["revenue_kept"] == 7.0
    assert [n for n in map(i18n.say, c.notes) if "once written one way" in n] == [
        f"{tmp_path / 'twice.csv'}: 2 row(s) repeat an earlier row once written one way (Persian and Arabic "
        "digits, letters and decimal marks; spaces around values), e.g. row 2: rejected as exact_duplicate, "
        "like rows repeated as written."
    ]
    kept = _collect(_params(_tx(tmp_path / "twice.csv"), cleaning={"drop_exact_duplicates": False}), tmp_path)
    assert kept.quality["tables"]["transactions"]["kept"] == 5
    assert not [n for n in map(i18n.say, kept.notes) if "once written one way" in n]


@pytest.mark.parametrize("value", ["inf", "-inf", "1e400", "Infinity", "NaN"])
def test_non_finite_numbers_are_bad_numbers(tmp_path, value):
    lines = _lines(4)
    lines[2] = f"2,O2,2024-01-03,{value},2.5,x"
    lines[3] = f"3,O3,2024-01-04,1,{value},x"
    c = _collect(_params(_tx(_write(tmp_path, "inf.csv", "\n".join(lines)))), tmp_path)
    assert c.rejected.set_index("source_line")["rule"].to_dict() == {3: "bad_number", 4: "bad_number"}
    assert np.isfinite(c.tables["transactions"][["quantity", "unit_price"]].to_numpy()).all()


def test_a_barcode_pasted_into_quantity_is_out_of_range_in_stage_01_and_stage_02_runs(tmp_path):
    """Issue 29: 8712345678906 in Quantity passed stage 01 (flagged as an outlier) and stage 02
    failed on DuckDB's DOUBLE to INT64 cast (revenue in integer millionths overflows)."""
    lines = _lines(30)
    lines[5] = "5,O5,2024-01-06,8712345678906,2.5,item 5"
    lines[9] = "9,O9,2024-01-10,1,999999999999999,item 9"
    c = _collect(_params(_tx(_write(tmp_path, "big.csv", "\n".join(lines)))), tmp_path)
    rejected = c.rejected.set_index("source_line")
    assert rejected.loc[6, "rule"] == "out_of_range" and "8712345678906" in rejected.loc[6, "values"]
    assert rejected.loc[10, "rule"] == "out_of_range"
    built = features.build(c.tables, config.Features(), c.quality)
    assert len(built.features) > 0 and built.features["monetary"].max() < 1e6


def test_a_one_day_history_says_what_it_cannot_measure_and_names_no_loyal_segment(tmp_path):
    """Every order line on one day: stage 04 called segments "Loyal customers" (more orders that
    day) and showed days since the last purchase in hours as a trait, with no word that one day
    cannot show loyalty, recency or tenure. Now those features are not measured: said in the
    assumptions with the parameter, left out of the default features, names and traits."""
    from seglab import personas, segmentation

    lines = ["cust,order,date,qty,price"] + [
        f"{c},O{c}_{k},2024-03-05 {9 + k}:00,1,{5 + c % 3}" for c in range(1, 41) for k in range(1 + (c <= 10) * 5)
    ]
    c = _collect(_params(_tx(_write(tmp_path, "oneday.csv", "\n".join(lines)))), tmp_path)
    built = features.build(c.tables, config.Features(), c.quality)
    f = built.features
    assert f.attrs["not_measured"] == [
        "frequency", "recency_days", "tenure_days", "interpurchase_mean_days", "interpurchase_cv", "spend_trend"
    ]  # fmt: skip
    row = next(a for a in f.attrs["assumptions"] if a["subject"] == "history too short")
    assert i18n.say(row["assumed"]).startswith(
        "1 day(s) of order lines (2024-03-05 to 2024-03-05) cannot show repeat buying"
    )
    assert i18n.say(row["change"]).startswith("features.min_history_days: 1")
    use, _absent = segmentation.select_features(f, None)
    assert "frequency" not in use and use
    # ten customers with six orders that day: on a real history they would be the loyal segment
    data = f.assign(segment=np.where(f["frequency"] > 1, 1, 2))
    cols = personas.profile_columns(data)
    assert not set(cols) & set(f.attrs["not_measured"])
    z = personas.z_profile(data, ["frequency", *cols])  # even with orders among the profiled features
    prof = personas.profile(f, data[["customer_id", "segment"]])
    named = personas.name_personas(z, config.Personas(), prof, unmeasured=f.attrs["not_measured"])
    assert "loyal" not in set(named["archetype"].dropna())
    assert "loyal" in set(personas.name_personas(z, config.Personas(), prof)["archetype"].dropna())
    longer = features.build(c.tables, config.Features(min_history_days=1), c.quality).features
    assert longer.attrs["not_measured"] == []


def test_tex_in_a_persona_name_is_drawn_as_text(tmp_path):
    """Issue 29: a persona rule named '$\\undefinedcmd$ fans' crashed stage 04 in matplotlib's
    mathtext parser; names and values are drawn as the text they are."""
    from seglab.report import plots

    plots.theme()
    names = {1: r"$\undefinedcmd$ fans", 2: "$5 and $10 buyers", 3: r"x^2_{y}"}
    z = pd.DataFrame({"frequency": [1.0, -0.5, 0.2], "monetary": [0.3, 0.1, -1.0]}, index=[1, 2, 3])
    fig = plots.profile_heatmap(z, names, {"frequency": "Orders", "monetary": "Spend"})
    fig.savefig(tmp_path / "f.png")  # drawn: mathtext would raise ParseFatalException here
    shown = [t.get_text() for t in fig.axes[0].get_yticklabels() + fig.axes[0].get_xticklabels()]
    assert any(r"$\undefinedcmd$ fans" in t for t in shown), shown


@pytest.mark.parametrize("value", ["http://evil.example/login", "see https://evil.example/x?a=1 now", "ftp://x.y/z"])
def test_a_url_from_data_is_text_in_markdown_and_html_never_a_link(value):
    """Issue 29: a customer-typed URL became a clickable link in pages 03-06 (Markdown autolinks)."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    shown = markdown2html_mistune(text.esc(value))
    assert "<a" not in shown and "href" not in shown
    assert html_text(shown) == value


def html_text(fragment: str) -> str:
    import html as h
    import re

    return h.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def test_infinite_attribute_is_unknown_with_a_note(tmp_path):
    cust = _write(tmp_path, "c.csv", "cust,score\n1,3\n2,inf\n3,4\n")
    c = _collect(
        _params(
            {
                **_tx(_write(tmp_path, "t.csv", "\n".join(_lines(3)))),
                "customers": {"path": str(cust), "columns": {"customer_id": "cust"}},
            }
        ),
        tmp_path,
    )
    score = c.tables["customers"].set_index("customer_id")["score"]
    assert score[["1", "2", "3"]].tolist()[::2] == [3.0, 4.0] and np.isnan(score["2"])
    assert any("column score: 1 infinite value(s) (e.g. row 2" in n for n in map(i18n.say, c.notes))


def test_zoned_timestamps_are_converted_to_the_run_zone(tmp_path):
    lines = _lines(3)
    lines[1] = "1,O1,2024-03-01T10:00:00Z,1,2.5,x"
    lines[2] = "2,O2,2024-03-01T10:00:00+03:30,1,2.5,x"
    lines[3] = "3,O3,2024-03-01 10:00:00,1,2.5,x"
    f = _write(tmp_path, "tz.csv", "\n".join(lines))
    c = _collect(_params(_tx(f)), tmp_path)
    ts = c.tables["transactions"].set_index("order_id")["timestamp"]
    assert ts.to_dict() == {
        "O1": pd.Timestamp("2024-03-01 10:00"),
        "O2": pd.Timestamp("2024-03-01 06:30"),
        "O3": pd.Timestamp("2024-03-01 10:00"),
    }
    assert any(
        "2 timestamp(s) carry a time zone" in n and "converted to UTC" in n and "the 1 without a zone" in n
        for n in map(i18n.say, c.notes)
    )
    tehran = _collect(_params(_tx(f), cleaning={"timezone": "Asia/Tehran"}), tmp_path)
    assert tehran.tables["transactions"].set_index("order_id")["timestamp"]["O1"] == pd.Timestamp("2024-03-01 13:30")
    with pytest.raises(ParamsError, match="cleaning.timezone': .*not a time zone name"):
        _params(_tx(f), cleaning={"timezone": "Mars/Olympus"})


def test_implausible_dates_are_rejected_by_their_rule(tmp_path):
    lines = _lines(6)
    lines[1] = "1,O1,1850-02-01,1,2.5,x"
    lines[2] = "2,O2,0099-01-01,1,2.5,x"
    lines[3] = "3,O3,2999-01-01,1,2.5,x"
    lines[4] = "4,O4,someday,1,2.5,x"
    f = _write(tmp_path, "dates.csv", "\n".join(lines))
    rules = _collect(_params(_tx(f)), tmp_path).rejected.set_index("source_line")["rule"].to_dict()
    assert rules == {2: "early_timestamp", 3: "early_timestamp", 4: "future_timestamp", 5: "bad_timestamp"}
    later = _collect(_params(_tx(f), cleaning={"min_date": "2024-01-07"}), tmp_path).rejected.set_index("source_line")
    assert later["rule"].to_dict()[6] == "early_timestamp" and 7 not in later.index  # 2024-01-06 < min_date <= 01-07


def test_one_column_mixing_day_first_and_month_first_is_an_error_naming_rows(tmp_path):
    lines = ["cust,order,date,qty,price", "1,A,25/03/2024,1,2", "2,B,04/09/2024,1,2", "3,C,03/26/2024,1,2"]
    with pytest.raises(
        sources.SourceError,
        match=r"day first \(row 1: '25/03/2024'\) and others month first "
        r"\(row 3: '03/26/2024'\).*YYYY-MM-DD",
    ):
        _collect(_params(_tx(_write(tmp_path, "dm.csv", "\n".join(lines)))), tmp_path)


def test_day_first_dates_are_read_day_first_with_a_note(tmp_path):
    lines = ["cust,order,date,qty,price", "1,A,25/03/2024,1,2", "2,B,04/09/2024,1,2"]
    c = _collect(_params(_tx(_write(tmp_path, "d.csv", "\n".join(lines)))), tmp_path)
    assert c.tables["transactions"]["timestamp"].tolist() == [pd.Timestamp("2024-03-25"), pd.Timestamp("2024-09-04")]
    assert any("dates read day first, as values such as '25/03/2024' show" in n for n in map(i18n.say, c.notes))


def test_one_day_first_date_never_reorders_the_iso_dates_of_its_column(tmp_path, online_retail_path):
    """Issue 29: one '31/12/2011 10:00' among Online Retail's ISO timestamps made stage 01 read the
    whole column day first (2010-12-01 became 12 January). Now only the day/month text is read day
    first; every ISO date keeps its date, and a note counts each way the column is written."""
    lines = pd.read_parquet(online_retail_path).head(3000)
    lines = lines[lines["CustomerID"].notna()].reset_index(drop=True)
    written = lines["InvoiceDate"].dt.strftime("%Y-%m-%d %H:%M")
    written.iloc[7] = "31/12/2011 10:00"
    f = tmp_path / "or.csv"
    lines.assign(InvoiceDate=written).to_csv(f, index=False)
    got = _collect(_params({"transactions": {"path": str(f), "preset": "online_retail"}}), tmp_path)
    when = got.tables["transactions"]["timestamp"]
    assert written.iloc[0] == "2010-12-01 08:26" and when.min() == pd.Timestamp("2010-12-01 08:26")
    # the first 3,000 lines are of December 2010: so is every kept line but the one written day first
    assert (when == pd.Timestamp("2011-12-31 10:00")).sum() == 1
    assert when[when != pd.Timestamp("2011-12-31 10:00")].between("2010-12-01", "2010-12-31").all()
    note = next(n for n in map(i18n.say, got.notes) if "the dates are written two ways" in n)
    n_iso = len(lines) - 1
    assert f"{n_iso:,} year first (e.g. '2010-12-01 08:26'), read as written; 1 day and month" in note


ISO_FORMS = ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d", "%Y%m%d", "%Y/%m/%d %H:%M:%S"]


@settings(max_examples=80, deadline=None)
@given(
    when=st.datetimes(
        min_value=pd.Timestamp("1990-01-01").to_pydatetime(), max_value=pd.Timestamp("2040-12-31").to_pydatetime()
    ),
    form=st.sampled_from(ISO_FORMS),
    others=st.lists(
        st.sampled_from(["31/12/2011 10:00", "04/09/2012", "13.01.2020", "01/02/03", "not a date", "", "12/25/2019"]),
        max_size=4,
    ),
    dayfirst=st.booleans(),
)
def test_an_iso_timestamp_reads_as_written_whatever_else_its_column_holds(when, form, others, dayfirst):
    """Property: whatever day/month texts (or junk) share the column and whatever cleaning.dayfirst
    says, an ISO timestamp is read as the moment it writes."""
    value = when.strftime(form)
    column = pd.Series([value, *others], dtype="object")
    try:
        got = rules.parse_time(column, config.Cleaning(dayfirst=dayfirst), [], "f")
    except rules.DateOrderError:  # day first and month first texts together: refused, never guessed
        return
    assert got.iloc[0] == pd.Timestamp(pd.Timestamp(when).strftime(form.replace("T", " ")))


def test_as_of_outside_the_data_is_a_clear_error():
    tx = pd.DataFrame(
        {
            "customer_id": ["1", "2"],
            "order_id": ["A", "B"],
            "quantity": [1.0, 1.0],
            "unit_price": [2.0, 3.0],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-02-01"]),
        }
    )
    with pytest.raises(
        features.FeatureError,
        match=r"features.as_of is 2023-06-01, before the first transaction in the "
        r"data \(2024-01-01 to 2024-02-01\).*between 2024-01-01 and",
    ):
        features.resolve_as_of(tx, config.Features(as_of="2023-06-01"))
    with pytest.raises(features.FeatureError, match="more than 365 days after the last transaction"):
        features.resolve_as_of(tx, config.Features(as_of="2026-01-01"))
    assert features.resolve_as_of(tx, config.Features(as_of="2024-02-10")) == pd.Timestamp("2024-02-10")


# ---------------------------------------------------------------------------------------------
# files that are not what they claim; encodings; headers
# ---------------------------------------------------------------------------------------------
def _xlsx_bytes(tmp_path: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
    return buf.getvalue()


@pytest.mark.parametrize(
    "kind, data, message",
    [
        (
            "zip",
            None,
            r"this is a ZIP archive \(an \.xlsx or \.ods workbook is one\), "
            r"not a text \(CSV\) file; if it is a workbook, set format: excel",
        ),
        ("parquet", b"PAR1" + b"\x00" * 64, r"this is a Parquet file, not a text \(CSV\) file; set format: parquet"),
        ("binary", b"cust,order\x00\x01\x02\x00\xff" * 40, r"binary data \(NUL bytes\), not a text \(CSV\) file"),
        ("gzip", b"\x1f\x8b\x08\x00" + b"\x00" * 40, r"this is a gzip archive.*unzip it"),
    ],
)
def test_a_file_that_is_not_text_is_named_for_what_it_is(tmp_path, kind, data, message):
    f = _write(tmp_path, f"{kind}.csv", data if data is not None else _xlsx_bytes(tmp_path))
    with pytest.raises(sources.SourceError, match=rf"{kind}\.csv: {message}") as exc:
        _collect(_params(_tx(f)), tmp_path)
    assert len(str(exc.value)) < 300  # no dump of garbage as "columns found"


@pytest.mark.parametrize("encoding, detected", [("utf-16", "utf-16"), ("utf-16-le", "utf-16-le")])
def test_utf16_is_read(tmp_path, encoding, detected):
    f = _write(tmp_path, "u16.csv", "cust,order,date,qty,price,city\n1,A,2024-01-02,1,2,Tehran تهران\n", encoding)
    c = _collect(_params(_tx(f, keep_other_columns=True)), tmp_path)
    assert c.quality["tables"]["transactions"]["encoding"] == detected
    assert c.tables["transactions"]["city"].tolist() == ["Tehran تهران"]


def test_mixed_utf8_and_latin1_lines_are_read_each_in_its_encoding_with_a_note(tmp_path):
    head = b"cust,order,date,qty,price,city\n"
    data = head + "1,A,2024-01-02,1,2,Zürich\n".encode() + "2,B,2024-01-03,1,2,Düsseldorf\n".encode("cp1252")
    c = _collect(_params(_tx(_write(tmp_path, "mixed.csv", data), keep_other_columns=True)), tmp_path)
    assert c.tables["transactions"]["city"].tolist() == ["Zürich", "Düsseldorf"]
    assert c.quality["tables"]["transactions"]["encoding"].startswith("mixed (UTF-8, 1 line(s) ")
    assert any("mixes encodings" in n and "1 line(s) are not (lines 3)" in n for n in map(i18n.say, c.notes))


@pytest.mark.parametrize("engine", ["fast", "line by line"])
def test_a_second_export_appended_with_its_bom_and_header_is_read_as_rows_with_a_note(tmp_path, engine):
    """Issue 29: a second export appended to the first (its byte-order mark, its header) had its
    header rejected as bad_timestamp without a word, and a BOM before a value made a separate
    order ('\\ufeff557287'). Now inner BOMs are removed and a line repeating the header is not a
    row (rejected as malformed_line, named in a note), on pandas' reader and line by line."""
    second = [line.replace(",O", ",P") for line in _lines(3)]
    if engine == "line by line":  # a stray quote sends the whole file to the line reader
        second[2] = second[2].replace("item", '"item')
    data = "\ufeff" + "\n".join(_lines(6)) + "\n\ufeff" + "\n".join(second) + "\n"
    c = _collect(_params(_tx(_write(tmp_path, "appended.csv", data))), tmp_path)
    q = c.quality["tables"]["transactions"]
    assert q["read"] == 10 and q["rejected_by_rule"] == {"malformed_line": 1 + (engine != "fast")}
    header = c.rejected.set_index("source_line").loc[8]
    assert header["rule"] == "malformed_line" and i18n.say(header["reason"]).startswith("the header line again")
    kept = c.tables["transactions"]["order_id"].tolist()
    assert kept[:7] == ["O1", "O2", "O3", "O4", "O5", "O6", "P1"] and all("\ufeff" not in o for o in kept)
    said = [i18n.say(n) for n in c.notes]
    assert any("byte-order mark(s) (U+FEFF) inside the file removed" in n for n in said)
    assert any("1 line(s) repeat the header (lines 8; a second export appended to the first?)" in n for n in said)


def test_a_files_notes_are_kept_as_ids_and_values_and_said_in_the_readers_language(tmp_path):
    """Issue 30: the notes of reading a file (blank lines, an appended export's mark and header)
    were English sentences made where the file was read, so a Persian page showed English and
    quality.json held sentences. Now the data hold the message id and its values, the same in
    every language, and the sentence is made where it is shown, with the reader's digits."""
    data = "\ufeff" + "\n".join(_lines(6)) + "\n\n\ufeff" + "\n".join(_lines(3)) + "\n"
    c = _collect(_params(_tx(_write(tmp_path, "twice.csv", data))), tmp_path)
    blank = next(n for n in c.quality["notes"] if "blank line(s) skipped" in n["id"])
    assert blank == {
        "id": "%(where)s: %(n)s blank line(s) skipped.",
        "values": {"n": 1, "where": blank["values"]["where"]},
    }
    json.dumps(c.quality["notes"])  # (written as it is to quality.json)
    header = next(n for n in c.quality["notes"] if "repeat the header" in n["id"])
    assert header["values"]["lines"] == [9] and header["values"]["n"] == 1
    with i18n.using("fa"):
        shown = i18n.say(header)
    assert "۹" in shown and "repeat the header" not in shown, shown
    assert i18n.say(header) == i18n.say(next(n for n in c.notes if isinstance(n, i18n.Note) and n.id == header["id"]))


def test_a_customer_tables_notes_are_data_in_quality_json(tmp_path):
    """The notes of a customer table (the source is customer-level; an infinite value read as
    unknown) are stored as message ids and values, never as sentences of one language."""
    path = _write(
        tmp_path, "people.csv", "id,score\n" + "".join(f"C{i},{'1e400' if i == 2 else i}\n" for i in range(30))
    )
    c = _collect(_params({"customers": {"path": str(path), "columns": {"customer_id": "id"}}}), tmp_path)
    ids = [n["id"] for n in c.quality["notes"]]
    assert any(i.startswith("Customer-level source") for i in ids)
    infinite = next(n for n in c.quality["notes"] if "infinite value(s)" in n["id"])
    assert infinite["values"] | {"where": ""} == {"where": "", "column": "score", "n": 1, "row": 3, "value": "'1e400'"}


def test_duplicate_column_names(tmp_path):
    used = "cust,order,date,qty,price,price\n1,A,2024-01-02,1,2,3\n"
    with pytest.raises(sources.SourceError, match=r"header names column 'price' 2 times \(columns 5, 6\).*cannot tell"):
        _collect(_params(_tx(_write(tmp_path, "dup.csv", used))), tmp_path)
    unused = "cust,order,date,qty,price,note,note\n1,A,2024-01-02,1,2,x,y\n"
    c = _collect(_params(_tx(_write(tmp_path, "dup2.csv", unused), keep_other_columns=True)), tmp_path)
    said = [i18n.say(n) for n in c.notes]
    assert any("names column 'note' 2 times (columns 6, 7); the later ones are read as 'note.1'" in n for n in said)


# ---------------------------------------------------------------------------------------------
# customer ids
# ---------------------------------------------------------------------------------------------
def test_id_matching_rules():
    ids = pd.Series(["123", " 123 ", "123.0", "۱۲۳", "00123", "AB1", "ab1"])
    assert rules.as_text(ids, is_id=True).tolist() == ["123", "123", "123", "123", "00123", "AB1", "ab1"]
    assert rules.as_text(pd.Series([17850.0, np.nan]), is_id=True).tolist()[0] == "17850"


def test_ids_that_barely_match_give_a_warning_with_examples(tmp_path):
    tx = "cust,order,date,qty,price\n" + "".join(f"{i},O{i},2024-01-02,1,2\n" for i in range(1, 21))
    cust = "cust,city\n" + "".join(f"{i:05d},X\n" for i in range(1, 21))
    c = _collect(
        _params(
            {
                **_tx(_write(tmp_path, "t.csv", tx)),
                "customers": {"path": str(_write(tmp_path, "c.csv", cust)), "columns": {"customer_id": "cust"}},
            }
        ),
        tmp_path,
    )
    warning = next(n for n in map(i18n.say, c.notes) if n.startswith("Customer ids barely match"))
    assert "0 of the 20 customer ids of transactions are in customers" in warning
    assert "'1', '2', '3'" in warning and "'00001', '00002', '00003'" in warning
    assert "leading zeros" in warning and "Matching rules:" in warning
    assert any(a["subject"] == "customer ids" for a in c.quality["assumptions"])


# ---------------------------------------------------------------------------------------------
# parameters
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["..", ".", "...", "a/b", "-x", "x" * 65, "", "ab c"])
def test_run_names_are_plain_names(name):
    with pytest.raises(ParamsError, match=r"run_name': .*a run name is 1 to 64 letters"):
        config.validate({"run_name": name})


def test_params_not_utf8_names_file_line_and_fix(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_bytes("run_name: a\nreport:\n  title: caf\xe9\n".encode("latin-1"))
    with pytest.raises(
        ParamsError, match=r"p\.yaml: not UTF-8 text \(byte 0xe9 on line 3\); save the parameters file as UTF-8"
    ):
        config.load(f)


def test_password_url_anywhere_in_params_is_refused_without_echo():
    secret = "postgresql://crm:S3cr%t@pw@db.example.com/shop"
    for where in (
        {"query": f"SELECT * FROM dblink('{secret}', 'x')", "url_env": "X", "format": "postgres"},
        {"path": secret},
        {"table": secret, "format": "duckdb", "path": "x.duckdb"},
    ):
        with pytest.raises(ParamsError) as exc:
            _params({"transactions": where})
        assert "with a password" in str(exc.value)
        assert "S3cr" not in str(exc.value) and "pw@db" not in str(exc.value)


@pytest.mark.parametrize(
    "where",
    [
        {"query": "SELECT * FROM dblink('host=db.example.com password=S3cr9tpw dbname=shop', 'x')"},
        {"query": "SELECT 1 -- postgresql://:S3cr9tpw@db.example.com/shop"},  # a URL without a user
        {"path": "postgresql://crm@db.example.com/shop?sslmode=require&password=S3cr9tpw"},
        {"path": 'postgresql://crm:S3c r9"tpw@db.example.com/shop'},  # a space and a quote in it
        {"table": "host=db.example.com user=crm password='S3c r9tpw'"},
    ],
)
def test_a_password_in_any_form_is_refused_in_params_without_echo(where):
    """Issue 29: a password in the query string, a key=value connection string (also inside SQL), a
    URL without a user or with a quote or a space: refused, with url_env and .pgpass as the fix."""
    with pytest.raises(ParamsError) as exc:
        _params({"transactions": {"url_env": "X", "format": "postgres", **where}})
    message = str(exc.value)
    assert "with a password" in message and "url_env" in message and ".pgpass" in message
    assert "S3c" not in message and "r9" not in message


def test_a_password_anywhere_in_params_is_refused_naming_the_key():
    with pytest.raises(ParamsError, match=r"key 'report\.currency': looks like .* with a password") as exc:
        config.validate({"report": {"currency": "host=h password=S3cr9tpw"}})
    assert "S3cr9tpw" not in str(exc.value)
    with pytest.raises(ParamsError, match=r"key 'personas\.rules': looks like"):
        config.validate({"personas": {"rules": {"postgresql://:pw@h/db": {"frequency": 1.0}}}})
    config.validate({"report": {"currency": "EUR"}, "source": {"kind": "synthetic"}})  # nothing else refused


def test_a_key_given_twice_or_nesting_without_end_is_refused_with_the_file_and_line(tmp_path):
    """Issue 29: a second run_name silently won; a file nested 100,000 deep was called a seglab bug."""
    twice = _write(tmp_path, "twice.yaml", "run_name: first\nseed: 1\nrun_name: second\n")
    with pytest.raises(ParamsError, match=r"twice\.yaml: .*key 'run_name' is given twice \(lines 1 and 3\)"):
        config.load(twice)
    deep = _write(tmp_path, "deep.yaml", "x: " + "[" * 100_000 + "]" * 100_000 + "\n")
    with pytest.raises(ParamsError, match=r"deep\.yaml: nested too deeply to be parameters"):
        config.load(deep)
    merged = _write(tmp_path, "anchors.yaml", "base: &b {k: 3}\nsegmentation:\n  <<: *b\n  k_max: 6\n")
    with pytest.raises(ParamsError, match=r"key 'base' is not a known parameter"):  # anchors still read
        config.load(merged)


def test_a_fifo_is_not_a_regular_file_for_params_or_a_source(tmp_path):
    fifo = tmp_path / "lines.csv"
    os.mkfifo(fifo)
    with pytest.raises(ParamsError, match=r"lines\.csv: not a regular file"):
        config.load(fifo)
    with pytest.raises(sources.SourceError, match=r"lines\.csv: not a regular file \(a FIFO, device or socket\)"):
        _collect(_params(_tx(fifo)), tmp_path)


def test_nested_unknown_key_lists_the_known_keys():
    with pytest.raises(
        ParamsError,
        match=r"key 'source.tables.transactions.pathh' is not a known parameter. "
        r"Did you mean 'path'\? Known keys here: .*path",
    ):
        _params({"transactions": {"pathh": "x.csv"}})


def test_k_is_bounded():
    with pytest.raises(ParamsError, match="segmentation.k_max"):
        config.validate({"segmentation": {"k_max": 300000}})


# ---------------------------------------------------------------------------------------------
# secrets in messages
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("password", ["p%ss@w:rd", "a%zz@b", "100%@@x"])
def test_driver_messages_lose_every_piece_of_the_password(password):
    url = f"postgresql://crm:{password}@db.example.com:5432/shop"
    # what drivers print: the URL, the token libpq could not decode, the part after an unencoded '@'
    raw = (
        f'connection to "{url}" failed; invalid percent-encoded token: "{password.split("@")[0]}"; '
        f'could not translate host name "{password.split("@", 1)[-1]}@db.example.com"'
    )
    clean = sources.redact(raw, url)
    for piece in {password, password.split("@")[0], password.split("@", 1)[-1]}:
        if len(piece) >= 4:
            assert piece not in clean, clean
    assert clean.startswith("connection to ") and "invalid percent-encoded token" in clean


# ---------------------------------------------------------------------------------------------
# spreadsheets: formula injection
# ---------------------------------------------------------------------------------------------
def test_csv_cells_that_start_a_formula_are_neutralised_and_read_back_exactly(tmp_path):
    values = [
        '=HYPERLINK("http://x")',
        "+1",
        "-2",
        "@SUM(A1)",
        "\tx",
        "\rx",
        "'=already",
        "''=two",
        "plain",
        "a=b",
        "'x",
    ]
    df = pd.DataFrame({"customer_id": values, "n": range(len(values)), "=col": values})
    path = sio.write_csv(df, tmp_path / "x.csv")
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    for cell in [c for row in rows for c in row]:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert rows[0] == ["customer_id", "n", "'=col"] and rows[1][0] == '\'=HYPERLINK("http://x")'
    back = sio.read_csv(path, dtype={"customer_id": str, "=col": str}, keep_default_na=False)
    assert back["customer_id"].tolist() == values and back.columns.tolist() == ["customer_id", "n", "=col"]
    assert text.csv_cell(-2.5) == -2.5  # numbers are not text


def test_a_file_is_written_completely_or_not_at_all(tmp_path):
    target = sio.write_text("old", tmp_path / "f.txt")

    def broken(tmp: Path) -> None:
        tmp.write_text("half")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError):
        sio.atomic(target, broken)
    assert target.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["f.txt"]


def test_a_full_disk_inside_a_stage_names_the_file_being_written(tmp_path, monkeypatch):
    """Issue 29: a full disk inside a stage failed with "OSError: [Errno 28] No space left on
    device" naming no file (pyarrow's and pandas' writers do not say). Now every file seglab
    writes names itself in the error."""
    import pyarrow.parquet as pq

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pq, "write_table", full)
    target = tmp_path / "data" / "features.parquet"
    with pytest.raises(OSError) as exc:
        sio.write_parquet(pd.DataFrame({"a": [1]}), target)
    assert exc.value.errno == errno.ENOSPC and exc.value.filename == str(target)
    assert str(target) in pipeline._failure_message("02_feature_building", exc.value)
    assert not list(target.parent.iterdir())  # and nothing half-written


def test_a_table_written_by_spark_replaces_a_file_and_a_file_replaces_it(tmp_path):
    """Stage 01 on Spark writes a folder where a local run wrote a file, and the other way round:
    either replaces the other whole, with nothing left beside."""
    import pandas as pd

    table = tmp_path / "transactions.parquet"
    sio.write_parquet(pd.DataFrame({"a": [1]}), table)
    folder = tmp_path / "work" / "transactions.parquet"
    folder.mkdir(parents=True)
    pd.DataFrame({"a": [2, 3]}).to_parquet(folder / "part-00000.parquet")
    sio.place_folder(folder, table)
    assert table.is_dir() and pd.read_parquet(table)["a"].tolist() == [2, 3]
    sio.write_parquet(pd.DataFrame({"a": [4]}), table)
    assert table.is_file() and pd.read_parquet(table)["a"].tolist() == [4]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["transactions.parquet", "work"]


# ---------------------------------------------------------------------------------------------
# command line: one line per failure
# ---------------------------------------------------------------------------------------------
def _one_line(capsys, prefix: str) -> str:
    err = capsys.readouterr().err
    assert err.startswith(prefix) and err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize(
    "args, message",
    [
        (["--customers", "0"], "--customers must be at least 50"),
        (["--months", "1"], "--months must be between 3 and 240"),
        (["--start", "yesterday"], "--start must be a date such as 2023-01-01"),
    ],
)
def test_synth_argument_errors(tmp_path, capsys, args, message):
    assert cli.main(["synth", "--out", str(tmp_path / "o"), *args]) == 1
    assert message in _one_line(capsys, "seglab synth: ")


def test_os_errors_are_one_line_with_the_fix(monkeypatch, capsys):
    for code, fix in (
        (errno.ENOSPC, "the disk is full"),
        (errno.EROFS, "read-only file system"),
        (errno.EACCES, "permission denied"),
        (errno.ENAMETOOLONG, "file name is too long"),
    ):

        def boom(*_a, code=code, **_k):
            raise OSError(code, os.strerror(code), "/x/reports/r/index.html")

        monkeypatch.setattr(pipeline, "run", boom)
        assert cli.main(["run", "--params", "p.yaml"]) == 1
        assert fix in _one_line(capsys, "seglab run: /x/reports/r/index.html: ")


def test_unexpected_errors_are_one_line_unless_debug(monkeypatch, capsys):
    monkeypatch.setattr(pipeline, "run", lambda *a, **k: 1 / 0)
    assert cli.main(["run"]) == 1
    assert "unexpected error: ZeroDivisionError" in _one_line(capsys, "seglab run: ")
    assert cli.main(["--debug", "run"]) == 1
    assert "Traceback" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------
# models validated on load
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    from seglab import features as fb
    from seglab import segmentation, synth

    tmp = tmp_path_factory.mktemp("model")
    data = synth.generate(300, 6, seed=2)
    feats = fb.build({"transactions": data.transactions, "customers": data.customers}, config.Features()).features
    result = segmentation.segment(feats, config.Segmentation(k=3, bootstrap=0), seed=1)
    artifacts.write_models(tmp / "model", result.model)
    feats.to_parquet(tmp / "features.parquet")
    return tmp


def _tamper(model_dir: Path, tmp_path: Path, change=None, raw: str | None = None) -> Path:
    d = tmp_path / "model"
    d.mkdir()
    m = json.loads((model_dir / "model" / "model.json").read_text())
    if change:
        change(m)
    (d / "model.json").write_text(raw if raw is not None else json.dumps(m))
    return d


TAMPERED = {
    "NaN centroid": (lambda m: m["assignment"]["centers"][0].__setitem__(0, float("nan")), "centers holds nan"),
    "zero scale": (lambda m: m["preparation"]["scale"].__setitem__(0, 0.0), "scale holds a value <= 0"),
    "unknown method": (
        lambda m: m["assignment"].__setitem__("method", "dbscan"),
        "assignment.method: Input should be 'kmeans'",
    ),
    "missing labels": (lambda m: m.pop("labels"), "labels: Field required"),
    "k unequal to the centroids": (lambda m: m.__setitem__("k", 2), "labels: 3 for k = 2"),
    "wrong type": (lambda m: m.__setitem__("features", "recency"), "features: Input should be a valid list"),
    "300,000 centroids": (
        lambda m: m["assignment"].__setitem__("centers", m["assignment"]["centers"] * 100_000),
        "k = 3 but 300000 centroids",
    ),
    "text in a centroid": (lambda m: m["assignment"]["centers"][1].__setitem__(0, "x"), "assignment.centers.1.0"),
    "unknown format": (lambda m: m.__setitem__("format", "other/9"), "format: Input should be"),
}


def _score(model: Path, features: Path, out: Path) -> int:
    """``seglab score`` on the command line; its exit code."""
    return cli.main(["score", "--model", str(model), "--input", str(features), "--output", str(out)])


@pytest.mark.parametrize("case", list(TAMPERED))
def test_tampered_model_is_refused_with_file_and_fault(model_dir, tmp_path, capsys, case):
    change, fault = TAMPERED[case]
    d = _tamper(model_dir, tmp_path, change)
    assert _score(d, model_dir / "features.parquet", tmp_path / "out.csv") == 1
    err = _one_line(capsys, f"seglab score: {d / 'model.json'}: ")
    assert fault in err and "rebuild it with seglab run" in err
    assert not (tmp_path / "out.csv").exists()


def test_truncated_model_is_refused(model_dir, tmp_path, capsys):
    whole = (model_dir / "model" / "model.json").read_text()
    d = _tamper(model_dir, tmp_path, raw=whole[: len(whole) // 2])
    assert _score(d, model_dir / "features.parquet", tmp_path / "out.csv") == 1
    assert "not a readable model file" in _one_line(capsys, "seglab score: ")


def test_score_input_problems(model_dir, tmp_path, capsys):
    model, feats = model_dir / "model", model_dir / "features.parquet"
    before = feats.read_bytes()
    assert cli.main(["score", "--model", str(model), "--input", str(feats), "--output", str(feats)]) == 1
    assert "the output is the input file" in _one_line(capsys, "seglab score: ") and feats.read_bytes() == before
    assert (
        cli.main(
            [
                "score",
                "--model",
                str(model),
                "--input",
                str(feats),
                "--output",
                str(tmp_path / "o.csv"),
                "--chunk-rows",
                "0",
            ]
        )
        == 1
    )
    assert "--chunk-rows must be at least 1" in _one_line(capsys, "seglab score: ")
    empty = _write(tmp_path, "empty.csv", "")
    assert cli.main(["score", "--model", str(model), "--input", str(empty), "--output", str(tmp_path / "o.csv")]) == 1
    assert "empty" in _one_line(capsys, "seglab score: ")
    df = pd.read_parquet(feats).head(20)
    for name, bad, fault in (
        ("nullid", df.assign(customer_id=[None] + df["customer_id"].tolist()[1:]), "1 row(s) without a customer_id"),
        (
            "dupid",
            df.assign(customer_id=[df["customer_id"].iloc[1]] + df["customer_id"].tolist()[1:]),
            "appears more than once",
        ),
        ("inf", df.assign(monetary=[np.inf] + df["monetary"].tolist()[1:]), "(not finite)"),
    ):
        path = tmp_path / f"{name}.parquet"
        bad.to_parquet(path)
        assert (
            cli.main(["score", "--model", str(model), "--input", str(path), "--output", str(tmp_path / "o.csv")]) == 1
        )
        assert fault in _one_line(capsys, "seglab score: ")
    assert not (tmp_path / "o.csv").exists()


def test_score_refuses_features_built_over_another_window_than_the_models(model_dir, tmp_path, capsys):
    """Issue 29: seglab score could not tell features built with another window: the model
    recorded no window or as-of date, and 90 days of spend were read as a year's. Now the model
    records how its features were built, stage 02 writes it in features.parquet, and score
    refuses a different window naming the parameter (and notes an input that does not say)."""
    from seglab import features as fb
    from seglab import segmentation, synth

    model = model_dir / "model"
    built = json.loads((model / "model.json").read_text())["built_with"]
    assert built == {"window_days": None, "as_of": built["as_of"], "customer_level": False} and built["as_of"]
    data = synth.generate(300, 6, seed=2)
    tables = {"transactions": data.transactions, "customers": data.customers}
    same = fb.build(tables, config.Features()).features
    sio.write_parquet(same, tmp_path / "same.parquet", segmentation.built_metadata(same))
    assert _score(model, tmp_path / "same.parquet", tmp_path / "same.csv") == 0
    assert "note:" not in capsys.readouterr().out
    short = fb.build(tables, config.Features(window_days=30)).features
    sio.write_parquet(short, tmp_path / "short.parquet", segmentation.built_metadata(short))
    assert _score(model, tmp_path / "short.parquet", tmp_path / "short.csv") == 1
    message = _one_line(capsys, "seglab score: ")
    assert "features built from 30 days of behaviour up to" in message
    assert f"was trained on all history up to {built['as_of']}" in message  # 6 months: all of it
    assert "Build the features again with features.window_days: all (stage 02)" in message
    assert not (tmp_path / "short.csv").exists()
    assert _score(model, model_dir / "features.parquet", tmp_path / "unsaid.csv") == 0  # written by pandas
    assert "does not say how its features were built" in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# one run per name
# ---------------------------------------------------------------------------------------------
def test_run_lock_is_exclusive_and_released_when_its_process_dies(tmp_path):
    with pipeline.RunLock(tmp_path, "r"):
        with pytest.raises(pipeline.RunInProgress, match=r"run 'r' is already in progress \(process \d+, started"):
            pipeline.RunLock(tmp_path, "r").__enter__()
        with pipeline.RunLock(tmp_path, "other"):
            pass  # another name runs alongside
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; "
            "from seglab.run.pipeline import RunLock; RunLock(Path(sys.argv[1]), 'r').__enter__(); "
            "print('locked', flush=True); time.sleep(60)",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "locked"
    with pytest.raises(pipeline.RunInProgress):
        pipeline.RunLock(tmp_path, "r").__enter__()
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    with pipeline.RunLock(tmp_path, "r"):
        pass


def test_a_notebook_run_by_hand_shares_the_run_lock_with_seglab_run(tmp_path, monkeypatch):
    """Issue 29: a stage run by hand in JupyterLab ignored the run lock: during a `seglab run` of
    the same name both wrote, both exited 0, and the run's index left results out as stale. Now
    a kernel running a stage holds the run's lock shared (other kernels of the analyst may too)
    until it ends; seglab run takes it alone."""
    import seglab
    from seglab.run import session

    (tmp_path / "notebooks" / "params").mkdir(parents=True)
    (tmp_path / "notebooks" / "params" / "default.yaml").write_text("run_name: default\n")
    monkeypatch.setenv("SEGLAB_ROOT", str(tmp_path))
    monkeypatch.setattr(session, "_HELD", {})
    with pipeline.RunLock(tmp_path, "r"):  # seglab run is running 'r'
        with pytest.raises(pipeline.RunInProgress, match=r"run 'r' is already in progress \(process \d+"):
            seglab.start("03_segmentation", run_name="r")
    seglab.start("03_segmentation", run_name="r")  # by hand, once the run is over
    seglab.start("04_persona_profiling", run_name="r")  # the same kernel, the next stage
    by_hand = r"a notebook run by hand, process \d+.*shut that notebook's kernel"
    with pytest.raises(pipeline.RunInProgress, match=by_hand):
        pipeline.RunLock(tmp_path, "r").__enter__()  # seglab run while the kernel has 'r' open
    held = session._HELD.pop((tmp_path, "r"))
    held.__exit__(None, None, None)  # the kernel ends
    with pipeline.RunLock(tmp_path, "r"):
        pass


def test_a_new_run_sets_the_earlier_runs_pages_and_exports_aside_and_drops_them_when_complete(tmp_path):
    """Issue 29: after a kill (or a failing stage) the earlier run's pages 04 to 06 and exports/
    stayed beside the new run's, unmarked. Now a run moves them into previous-run/ when it starts
    (only the pages of the stages and the exports its lineage lists: a file of the user's stays)
    and removes them when it completes."""
    run = pipeline.run_paths("r", tmp_path)
    for name, _title in artifacts.STAGES:
        (run.reports / f"{name}.html").write_text(f"earlier {name}")
        (run.reports / f"{name}.ipynb").write_text("{}")
    exports = run.reports / "exports"
    exports.mkdir()
    for name in ("segments.csv", "audience_S1_a.csv", "audience_S9_mine.csv", "notes.txt"):
        (exports / name).write_text(name)
    sio.write_json({"audiences": [{"file": "audience_S1_a.csv"}, {"file": "../../x"}], "segments": "segments.csv"},
                   run.processed / "exports.json")  # fmt: skip
    moved = pipeline.set_aside(run)
    aside = run.reports / pipeline.PREVIOUS
    assert len(moved) == 14 and (aside / "05_prioritization.html").read_text() == "earlier 05_prioritization"
    assert not list(run.reports.glob("0*"))
    assert sorted(p.name for p in exports.iterdir()) == ["audience_S9_mine.csv", "notes.txt"]
    assert sorted(p.name for p in (aside / "exports").iterdir()) == ["audience_S1_a.csv", "segments.csv"]
    (aside / "mine.txt").write_text("the analyst's own")
    pipeline.drop_aside(run)  # the run completed
    assert sorted(p.name for p in aside.iterdir()) == ["mine.txt"]


def test_the_temporary_folders_of_a_killed_run_are_removed_by_the_next(tmp_path, monkeypatch):
    """Issue 29: runs killed with kill -9 left seglab-kernel-* and seglab-figures-* folders in the
    system's temporary folder for ever. Their names now carry the process id; the next run removes
    those whose process is gone."""
    import tempfile

    from seglab import runlock

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = int(gone.stdout)
    for name in (f"seglab-kernel-{dead}-abc", f"seglab-figures-{dead}-x1", f"seglab-01-{dead}-q"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "kernel.json").write_text("{}")
    mine = runlock.temp_folder("figures")
    other = tmp_path / "seglab-notes"
    other.mkdir()
    removed = runlock.remove_orphans()
    assert sorted(p.name for p in removed) == sorted(
        [f"seglab-kernel-{dead}-abc", f"seglab-figures-{dead}-x1", f"seglab-01-{dead}-q"]
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([mine.name, "seglab-notes"])


def test_a_run_whose_kernel_cannot_start_leaves_no_unfinished_marker(tmp_path, root, monkeypatch):
    """Issue 29: a failure before the stages started left the "did not finish" marker, and the
    next run said the previous one had been interrupted. The marker is now written once the
    kernel is ready, when the run begins replacing files."""
    import shutil

    from seglab.run import kernel

    shutil.copytree(root / "notebooks", tmp_path / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    f = tmp_path / "notebooks" / "params" / "nostart.yaml"
    f.write_text("run_name: nostart\n")

    class Dead:
        def __init__(self, *_a, **_k):
            pass

        def wait_ready(self):
            raise kernel.KernelError("the kernel died while importing the stage modules")

        def shutdown(self):
            pass

    monkeypatch.setattr(kernel, "SharedKernel", Dead)
    with pytest.raises(kernel.KernelError):
        pipeline.run(f, root=tmp_path, options=pipeline.RunOptions(log=lambda m: None, progress=False))
    assert not (tmp_path / "data" / "processed" / "nostart" / pipeline.UNFINISHED_FILE).exists()
    assert not (tmp_path / "reports" / "nostart" / "index.html").exists()


def test_a_lock_file_that_is_a_link_is_refused_and_its_target_untouched(tmp_path):
    """Issue 29: data/processed/.<run>.lock as a link to any writable file truncated that file."""
    victim = tmp_path / "outside" / "notes.txt"
    victim.parent.mkdir()
    victim.write_text("an analyst's notes")
    (tmp_path / "data" / "processed").mkdir(parents=True)
    (tmp_path / "data" / "processed" / ".r.lock").symlink_to(victim)
    with pytest.raises(pipeline.UnsafePath, match=r"\.r\.lock is a symbolic link.*never writes"):
        pipeline.RunLock(tmp_path, "r").__enter__()
    assert victim.read_text() == "an analyst's notes"
    fifo = tmp_path / "data" / "processed" / ".f.lock"
    os.mkfifo(fifo)
    with pytest.raises(pipeline.UnsafePath, match=r"\.f\.lock is not a plain file"):
        pipeline.RunLock(tmp_path, "f").__enter__()


@pytest.mark.parametrize("folder", ["reports/r", "data/processed/r", "data/interim/r", "reports/r/exports", "reports"])
def test_a_run_folder_that_is_a_link_is_refused_before_anything_is_written(tmp_path, folder):
    """Issue 29: a symlinked reports/<run> made seglab write 33 files outside the project, remove the
    target's figures/ and delete audience files it did not write."""
    from seglab.paths import RunPaths, UnsafePath

    target = tmp_path / "elsewhere"
    (target / "figures").mkdir(parents=True)
    (target / "figures" / "keep.png").write_bytes(b"png")
    (target / "audience_S9_theirs.csv").write_text("a,b\n")
    link = tmp_path / "project" / folder
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target, target_is_directory=True)
    with pytest.raises(UnsafePath, match=rf"{folder} is a symbolic link \(to .*elsewhere\): seglab never writes"):
        RunPaths(tmp_path / "project", "r").ensure()
    assert sorted(p.name for p in target.rglob("*")) == ["audience_S9_theirs.csv", "figures", "keep.png"]


def test_stage_05_deletes_only_the_audience_files_its_lineage_says_it_wrote(tmp_path):
    from seglab.files import exports
    from seglab.files.artifacts import Store
    from seglab.paths import RunPaths

    run = RunPaths(tmp_path, "r").ensure()
    folder = run.reports / "exports"
    folder.mkdir()
    (folder / "audience_S7_mine.csv").write_text("x\n")  # an earlier execution's, listed in exports.json
    (folder / "audience_S8_theirs.csv").write_text("y\n")  # a user's file, never listed
    (run.processed / "exports.json").write_text(json.dumps({"audiences": [{"file": "audience_S7_mine.csv"}]}))
    segments = pd.DataFrame({"customer_id": ["a", "b"], "segment": [1, 2]})
    matrix = pd.DataFrame({"segment": [1, 2], "persona": ["P1", "P2"], "quadrant": ["Target", "Grow"]})
    exports.write(Store(run, "05", options=artifacts.StoreOptions(check=False)), exports.Inputs(segments, matrix))
    names = sorted(p.name for p in folder.iterdir())
    assert "audience_S7_mine.csv" not in names and "audience_S8_theirs.csv" in names
    assert any(n.startswith("audience_S1_") for n in names)


# ---------------------------------------------------------------------------------------------
# property: random and mutated CSV bytes through stage 01
# ---------------------------------------------------------------------------------------------
BASE = "\n".join(_lines(12)).encode()
MUTATIONS = st.lists(
    st.tuples(
        st.integers(0, len(BASE)),
        st.sampled_from(
            [
                b'"',
                b"\n",
                b",",
                b"\r\n",
                b"\x00",
                b"\xe9",
                "é".encode(),
                b'""',
                b"\n\n",
                b"inf",
                b"=cmd",
                b";",
                b"\t",
                b"'",
            ]
        ),
    ),
    max_size=8,
)


def _mutate(base: bytes, edits) -> bytes:
    out = bytearray(base)
    for at, piece in sorted(edits, reverse=True):
        out[at:at] = piece
    return bytes(out)


def _loose(record: str, sep: str) -> list[str] | None:
    """A record as a lenient CSV reader (pandas) reads it."""
    try:
        rows = list(csv.reader([record], delimiter=sep, quotechar='"'))
    except csv.Error:
        return None
    return rows[0] if len(rows) == 1 else None


def test_a_header_broken_by_a_line_break_leaves_no_time_and_every_row_is_accounted_for(tmp_path):
    """Found by the property test below: a line break inside the header (byte 25) leaves the
    timestamp column without a single value; stage 01 rejected nothing and crashed instead."""
    f = tmp_path / "broken_header.csv"
    f.write_bytes(_mutate(BASE, [(25, b"\n")]))
    try:
        c = collect.collect(_params(_tx(f, keep_other_columns=True)), tmp_path, now=NOW)
    except sources.SourceError as exc:  # a clear message is fine too
        assert "Traceback" not in str(exc)
        return
    q = c.quality["tables"]["transactions"]
    assert q["read"] == q["kept"] + q["rejected"] and q["read"] > 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(MUTATIONS.map(lambda e: _mutate(BASE, e)), st.binary(max_size=300)))
def test_stage01_accounts_for_every_line_of_any_csv_bytes(tmp_path, data):
    f = tmp_path / "fuzz.csv"
    f.write_bytes(data)
    try:
        c = collect.collect(_params(_tx(f, keep_other_columns=True)), tmp_path, now=NOW)
    except sources.SourceError as exc:
        assert str(exc).strip() and "Traceback" not in str(exc)
        return
    q = c.quality["tables"]["transactions"]
    assert q["read"] == q["kept"] + q["rejected"] == len(c.tables["transactions"]) + len(c.rejected)
    loaded = sources.read(config.TableSource(path=str(f), columns=CANON), "transactions", tmp_path)
    text_, _, _ = sources.decode(data, "auto", f)
    lines = text_.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    rows = loaded.frame.astype(object).where(loaded.frame.notna(), "")
    sep = {"TAB": "\t"}.get(loaded.info["separator"], loaded.info["separator"])
    for k, start in enumerate(loaded.lines):
        if k in loaded.raw_lines:  # a malformed line: its text, at its line
            assert loaded.raw_lines[k] == lines[start - 1]
            continue
        want = [str(v) for v in rows.iloc[k]]
        # the row is the record that starts at its line (over one or more lines)
        got = [sources.delimited._fields("\n".join(lines[start - 1 : start - 1 + m]), sep, '"') for m in range(1, 202)]
        got += [_loose("\n".join(lines[start - 1 : start - 1 + m]), sep) for m in range(1, 202)]
        assert any(g is not None and g + [""] * (len(want) - len(g)) == want for g in got), (k, start, want)
    kept_rows = set(c.tables["transactions"]["source_row"]) | set(c.rejected["source_row"])
    assert kept_rows == set(range(1, len(loaded.frame) + 1))
    line_of = dict(zip(range(1, len(loaded.lines) + 1), loaded.lines.tolist(), strict=True))
    assert c.rejected["source_line"].tolist() == [line_of[r] for r in c.rejected["source_row"]]


# ---------------------------------------------------------------------------------------------
# end to end: a run made from hostile data, opened in a browser
# ---------------------------------------------------------------------------------------------
PAYLOADS = [
    "<script>alert('xss-script')</script>",
    "<img src=x onerror=alert('xss-img') id=pwn-img>",
    "<svg onload=alert('xss-svg') id=pwn-svg>",
    "**bold** [link](javascript:alert('xss-md'))",
    '"><b id=pwn-attr>x</b>',
    '=HYPERLINK("http://evil.example")',
    "{{7*7}}",
    "http://evil.example/login",  # a bare URL: shown as text, never a link (issue 29)
]


def _hostile_project(tmp: Path, root: Path) -> Path:
    import shutil

    from seglab import synth

    data = synth.generate(300, 12, seed=5)
    tx, cu = data.transactions.copy(), data.customers.copy()
    rng = np.random.default_rng(0)
    tx["category"] = np.where(rng.random(len(tx)) < 0.3, rng.choice(PAYLOADS, len(tx)), tx["category"])
    tx["channel"] = np.where(rng.random(len(tx)) < 0.05, PAYLOADS[1], tx["channel"])
    cu["city"] = rng.choice(PAYLOADS + ["Tehran", "Shiraz"], len(cu))
    cu["region"] = rng.choice([PAYLOADS[0], PAYLOADS[2], "North"], len(cu))
    evil = {
        cid: f"={cid}+1" if i % 3 == 0 else f"@{cid}" if i % 3 == 1 else f"-{cid}"
        for i, cid in enumerate(cu["customer_id"].head(30))
    }
    tx["customer_id"] = tx["customer_id"].replace(evil)
    cu["customer_id"] = cu["customer_id"].replace(evil)
    raw = tmp / "data" / "raw"
    raw.mkdir(parents=True)
    tx.to_csv(raw / "tx.csv", index=False)
    cu.to_csv(raw / "cu.csv", index=False)
    shutil.copytree(root / "notebooks", tmp / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    rules = {
        PAYLOADS[0]: {"monetary": 1.0},
        PAYLOADS[1]: {"frequency": 1.0},
        PAYLOADS[3]: {"recency_days": -1.0},
        f"fans of {PAYLOADS[7]}": {"discount_share": 1.0},
    }
    params = {
        "run_name": "hostile",
        "seed": 1,
        "source": {
            "kind": "files",
            "tables": {"transactions": {"path": "data/raw/tx.csv"}, "customers": {"path": "data/raw/cu.csv"}},
        },
        "segmentation": {"k_min": 3, "k_max": 4},
        "personas": {"rules": rules},
        "prioritization": {
            "overrides": [{"segment": 1, "quadrant": "Grow", "reason": PAYLOADS[2]}],
            "analyst_inputs": {2: {"competition": 0.3, "reason": PAYLOADS[4]}},
        },
    }
    f = tmp / "notebooks" / "params" / "hostile.yaml"
    f.write_text(yaml.safe_dump(params, allow_unicode=True))
    return f


@pytest.mark.slow
def test_hostile_data_run_shows_text_and_runs_nothing(tmp_path, root):
    import browser

    params = _hostile_project(tmp_path, root)
    env = {**os.environ, "SEGLAB_ROOT": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "seglab.run.cli", "run", "--params", str(params)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    reports = tmp_path / "reports" / "hostile"
    pages = sorted(p.name for p in reports.glob("*.html"))
    assert len(pages) == 7
    for name in pages:
        page = (reports / name).read_text(encoding="utf-8")
        assert "Content-Security-Policy" in page and "script-src" not in page.split("Content-Security-Policy")[1][:200]
    found = browser.hostile_check(reports, pages, tmp_path / "shots")
    assert found["dialogs"] == [], found["dialogs"]
    assert found["injected"] == [], found["injected"]
    shown = "\n".join(found["text"].values())
    assert "<script>alert('xss-script')</script>" in shown  # shown as text
    assert "<img src=x onerror=alert('xss-img') id=pwn-img>" in shown
    assert "http://evil.example/login" in shown  # the URL as text; INJECTED_JS finds any link to it
    # every CSV written: no cell starts a formula; the Parquet files keep the raw ids
    written = [*(tmp_path / "data" / "interim").rglob("*.csv"), *(tmp_path / "data" / "processed").rglob("*.csv")]
    assert len(written) >= 10
    for path in written:
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    if cell.startswith(("=", "+", "-", "@", "\t", "\r")):
                        float(cell)  # only a number may start with - or +
    segs = pd.read_parquet(tmp_path / "data" / "processed" / "hostile" / "segments.parquet")
    assert segs["customer_id"].str.startswith("=").any() and segs["customer_id"].str.startswith("@").any()


# ---------------------------------------------------------------------------------------------
# end to end: a second run of the same name; a run killed mid-way
# ---------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_second_run_stops_at_once_and_a_killed_run_is_marked_incomplete(tmp_path, root):
    import shutil

    shutil.copytree(root / "notebooks", tmp_path / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    f = tmp_path / "notebooks" / "params" / "twice.yaml"
    f.write_text(
        yaml.safe_dump(
            {
                "run_name": "twice",
                "seed": 2,
                "segmentation": {"k_min": 2, "k_max": 4},
                "source": {"kind": "synthetic", "synthetic": {"n_customers": 300, "months": 12}},
            }
        )
    )
    earlier = tmp_path / "reports" / "twice"  # an earlier complete run's page and exports
    (earlier / "exports").mkdir(parents=True)
    (earlier / "05_prioritization.html").write_text("an earlier run's page")
    (earlier / "exports" / "segments.csv").write_text("customer_id,segment\n1,1\n")
    lineage = tmp_path / "data" / "processed" / "twice" / "exports.json"
    sio.write_json({"audiences": [], "segments": "segments.csv"}, lineage)
    env = {**os.environ, "SEGLAB_ROOT": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    first = subprocess.Popen(
        [sys.executable, "-m", "seglab.run.cli", "run", "--params", str(f)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        seen = []
        for line in first.stdout:
            seen.append(line)
            if "[03_segmentation] running" in line:
                break
        assert any("[03_segmentation] running" in s for s in seen), seen
        os.killpg(first.pid, signal.SIGSTOP)  # held mid-run (a busy machine could otherwise finish it first)
        t = time.perf_counter()
        second = subprocess.run(
            [sys.executable, "-m", "seglab.run.cli", "run", "--params", str(f)],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        took = time.perf_counter() - t
        assert second.returncode == 1
        assert second.stderr.startswith("seglab run: run 'twice' is already in progress (process ")
        # at once: while the first is still running (not after it), in seconds even on a busy machine
        assert second.stderr.count("\n") == 1 and first.poll() is None and took < 60
        index = tmp_path / "reports" / "twice" / "index.html"
        assert "This run is incomplete" in index.read_text(encoding="utf-8")
    finally:
        os.killpg(first.pid, signal.SIGKILL)  # kill -9, the kernel with it
        first.wait()
    page = (tmp_path / "reports" / "twice" / "index.html").read_text(encoding="utf-8")
    assert "This run is incomplete" in page and "interrupted" in page
    # the earlier run's pages of the stages this run never reached are set aside, not left as its own
    reports = tmp_path / "reports" / "twice"
    assert not (reports / "05_prioritization.html").exists() and not (reports / "exports" / "segments.csv").exists()
    assert (reports / "previous-run" / "05_prioritization.html").read_text() == "an earlier run's page"
    assert (reports / "previous-run" / "exports" / "segments.csv").is_file() and "previous-run/" in page
    import nbformat

    for nb in (tmp_path / "reports" / "twice").glob("*.ipynb"):  # never a half-written notebook
        nbformat.read(nb, as_version=4)
    assert (tmp_path / "data" / "processed" / "twice" / pipeline.UNFINISHED_FILE).is_file()
    with pipeline.RunLock(tmp_path, "twice"):  # the lock went with the process
        pass


# ---------------------------------------------------------------------------------------------
# end to end: a database password with '%' and '@'
# ---------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_no_form_of_a_database_password_reaches_any_file_of_a_run(tmp_path, root, pg_url, monkeypatch):
    """Issue 29: the password in a URL's query string, in a key=value connection string, in a URL
    without a user or holding a space and a quote, in PGPASSWORD: a run reads with each (or fails
    with a message), and no file under reports/ or data/ nor any message holds the password."""
    import shutil

    import adbc_driver_postgresql.dbapi as pg
    import pyarrow as pa

    from seglab import synth

    with pg.connect(pg_url) as con, con.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS crm_lines")
        con.commit()
        tx = synth.generate(60, 3, seed=2).transactions
        cur.adbc_ingest("crm_lines", pa.Table.from_pandas(tx, preserve_index=False), mode="create")
        con.commit()
    password = pg_url.split(":")[2].split("@")[0]
    host = pg_url.split("@")[1]  # 127.0.0.1:port/postgres
    address, port = host.split("/")[0].split(":")
    wrong = 'Wr0ng p%w"d'
    forms = {  # run name -> (URL or connection string, PGPASSWORD, should it read)
        "query": (f"postgresql://seglab@{host}?password={password}", None, True),
        "conninfo": (f"host={address} port={port} user=seglab password='{password}' dbname=postgres", None, True),
        "pgpassword": (f"postgresql://seglab@{host}", password, True),
        "query_wrong": (
            f"postgresql://seglab@{host}?password={wrong.replace(' ', '%20').replace('%w', '%25w')}",
            None,
            False,
        ),
        "no_user": (f"postgresql://:{wrong.replace(' ', '%20').replace('%w', '%25w')}@{host}", None, False),
        "pgpassword_wrong": (f"postgresql://seglab@{host}", wrong, False),
        # libpq quotes a token it cannot decode: 'invalid percent-encoded token: "Wr0ng%zz"'
        "query_raw_percent": (f"postgresql://seglab@{host}?password=Wr0ng%zz", None, False),
    }
    secrets = [password, wrong, wrong.replace(" ", "%20"), "Wr0ng", 'p%w"d']
    through_a_run = ("query", "query_raw_percent")  # whole stage-01 runs (kernel, notebook, page); the rest in process
    for run, (url, env_password, reads) in forms.items():
        monkeypatch.setenv("SEGLAB_CRM_URL", url)
        if env_password:
            monkeypatch.setenv("PGPASSWORD", env_password)
        else:
            monkeypatch.delenv("PGPASSWORD", raising=False)
        table = {"format": "postgres", "url_env": "SEGLAB_CRM_URL", "query": "SELECT * FROM crm_lines"}
        params = {"run_name": run, "source": {"kind": "files", "tables": {"transactions": table}}}
        said = ""
        if run in through_a_run:
            if not (tmp_path / "notebooks").is_dir():
                shutil.copytree(root / "notebooks", tmp_path / "notebooks", ignore=shutil.ignore_patterns(".ipynb_*"))
            f = tmp_path / "notebooks" / "params" / f"{run}.yaml"
            f.write_text(yaml.safe_dump(params))
            try:
                quiet = pipeline.RunOptions(log=lambda _m: None, stages=pipeline.STAGES[:1])
                pipeline.run(f, root=tmp_path, options=quiet)
            except pipeline.StageFailed as exc:
                said = str(exc)
            assert (tmp_path / "reports" / run / "01_data_collection.html").is_file()
        else:
            try:
                got = collect.collect(config.validate(params), tmp_path)
                assert len(got.tables["transactions"]) > 0
            except collect.SourceError as exc:
                said = str(exc)
        assert bool(said) != reads, (run, said[-500:])
        assert not any(s in said for s in secrets), (run, said)
    monkeypatch.delenv("PGPASSWORD", raising=False)
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p.parts[len(tmp_path.parts)] in ("reports", "data")]
    assert len(written) > 10
    for p in written:
        data = p.read_bytes()
        for s in secrets:
            assert s.encode() not in data, (p, s)


@pytest.mark.slow
def test_password_with_percent_and_at_appears_nowhere(tmp_path, root, pg_url):
    import secrets
    import shutil
    from urllib.parse import quote

    import adbc_driver_postgresql.dbapi as pg
    import pyarrow as pa

    from seglab import synth

    tail = secrets.token_hex(8)
    password = f"p%zz@w:rd{tail}"
    tx = synth.generate(80, 3, seed=1).transactions
    with pg.connect(pg_url) as con, con.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS hostile_orders")
        cur.execute("DROP ROLE IF EXISTS hostile")
        cur.execute(f"CREATE ROLE hostile LOGIN PASSWORD '{password}'")
        con.commit()
        cur.adbc_ingest("hostile_orders", pa.Table.from_pandas(tx, preserve_index=False), mode="create")
        cur.execute("GRANT SELECT ON hostile_orders TO hostile")
        con.commit()
    host = pg_url.rsplit("@", 1)[1]
    shutil.copytree(root / "notebooks", tmp_path / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    f = tmp_path / "notebooks" / "params" / "db.yaml"
    f.write_text(
        yaml.safe_dump(
            {
                "run_name": "db",
                "source": {
                    "kind": "files",
                    "tables": {
                        "transactions": {
                            "format": "postgres",
                            "url_env": "SEGLAB_CRM_URL",
                            "query": "SELECT * FROM hostile_orders ORDER BY 2, 3, 4",
                        }
                    },
                },
            }
        )
    )
    pieces = [password, quote(password, safe=""), "p%zz", f"w:rd{tail}", f"rd{tail}", tail]
    env = {**os.environ, "SEGLAB_ROOT": str(tmp_path)}

    def leaks(*texts: str) -> list[str]:
        written = [
            p
            for p in tmp_path.rglob("*")
            if p.is_file() and p.suffix in (".ipynb", ".html", ".json", ".csv", ".yaml", ".txt", ".parquet")
        ]
        found = [f"{p}: {s}" for p in written for s in pieces if s in p.read_bytes().decode("utf-8", "replace")]
        return found + [f"message: {s}" for t in texts for s in pieces if s in t]

    # written as is, the URL is invalid (the '%' is not an escape): the run stops at stage 01
    bad = subprocess.run(
        [sys.executable, "-m", "seglab.run.cli", "run", "--params", str(f)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**env, "SEGLAB_CRM_URL": f"postgresql://hostile:{password}@{host}"},
    )
    assert bad.returncode == 1 and bad.stderr.strip().splitlines()[-1].startswith(
        "seglab run: stage 01_data_collection failed"
    )
    assert leaks(bad.stdout, bad.stderr) == []
    assert "This stage failed" in (tmp_path / "reports" / "db" / "01_data_collection.html").read_text(encoding="utf-8")
    # percent-encoded, it connects, and the run goes on
    good = subprocess.run(
        [sys.executable, "-m", "seglab.run.cli", "run", "--params", str(f)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**env, "SEGLAB_CRM_URL": f"postgresql://hostile:{quote(password, safe='')}@{host}"},
    )
    assert good.returncode == 0, good.stderr[-2000:]
    assert pd.read_parquet(tmp_path / "data" / "interim" / "db" / "transactions.parquet").shape[0] == len(tx)
    assert leaks(good.stdout, good.stderr) == []


@pytest.mark.slow
def test_a_full_disk_ends_in_one_line_and_leaves_no_half_written_notebook(tmp_path, root, monkeypatch, capsys):
    import shutil

    import papermill.execute

    shutil.copytree(root / "notebooks", tmp_path / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    f = tmp_path / "notebooks" / "params" / "full.yaml"
    f.write_text(
        yaml.safe_dump(
            {"run_name": "full", "source": {"kind": "synthetic", "synthetic": {"n_customers": 200, "months": 6}}}
        )
    )
    real = papermill.execute.write_ipynb

    def write(nb, path, *a, **k):  # the disk fills up while stage 02's notebook is written
        if "02_feature_building" in str(path):
            Path(path).write_text('{"cells": [')
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(nb, path, *a, **k)

    monkeypatch.setattr(papermill.execute, "write_ipynb", write)
    monkeypatch.setenv("SEGLAB_ROOT", str(tmp_path))
    assert cli.main(["run", "--params", str(f)]) == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err == (
        f"seglab run: {tmp_path / 'reports' / 'full' / '.02_feature_building.partial.ipynb'}: No space left "
        "on device; the disk is full: free some space (or point the run at another disk) and run again"
    )
    reports = tmp_path / "reports" / "full"
    assert sorted(p.name for p in reports.glob("*.ipynb")) == ["01_data_collection.ipynb"]
    assert not list(reports.glob(".*"))  # no temporary file left
    assert "This run is incomplete" in (reports / "index.html").read_text(encoding="utf-8")


def test_the_workshop_guide_carries_the_reports_content_security_policy(tmp_path):
    """Issue 29: the workshop's guide.html (Markdown from the repository, opened by teachers and
    mailed to students) had no Content-Security-Policy, unlike every report page."""
    from seglab.text import CSP
    from seglab_workshop import slides, versions

    for language in ("en", "fa"):
        for page in (versions.write_guide(tmp_path / language, language), slides.write(tmp_path / language, language)):
            text = page.read_text(encoding="utf-8")
            assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in text.replace("&#39;", "'"), page
    assert "script-src" not in CSP and "default-src 'none'" in CSP


def test_every_row_of_the_readme_catalogue_names_a_test(root):
    import re

    readme = (root / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Bad, broken and hostile input", 1)[1].split("\n\n**", 1)[0]
    rows = [r for r in table.splitlines() if r.startswith("| ") and not r.startswith("| input")]
    defined = set(re.findall(r"^def (test_\w+)", Path(__file__).read_text(encoding="utf-8"), re.M))
    assert len(rows) >= 30
    for row in rows:
        named = re.findall(r"`(test_\w+)`", row.rsplit("|", 2)[1])
        assert named or "the same test" in row, row
        assert set(named) <= defined, set(named) - defined
