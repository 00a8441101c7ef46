import json

import pandas as pd
import pytest

from seglab import config
from seglab.collection import collect
from seglab.files import stages
from seglab.files.artifacts import Store
from seglab.paths import RunPaths

HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
ROWS = [
    "536365,85123A,WHITE HEART ,6,2010-12-01 08:26,2.55,17850,United Kingdom",  # kept
    "536365,85123A,WHITE HEART ,6,2010-12-01 08:26,2.55,17850,United Kingdom",  # exact duplicate
    "536366,22633,HAND WARMER,6,2010-12-01 08:28,1.85,,United Kingdom",  # no customer id
    "536367,84879,BIRD ORNAMENT,32,notadate,1.69,13047,United Kingdom",  # bad date
    "536368,22960,JAM MAKING SET,abc,2010-12-01 08:34,4.25,13047,United Kingdom",  # bad number
    "536369,21756,BATH BUILDING,0,2010-12-01 08:35,5.95,13047,United Kingdom",  # zero quantity
    "536370,22728,ALARM CLOCK,24,2010-12-01 08:45,-3.75,12583,France",  # negative price
    "536370,POST,POSTAGE,3,2010-12-01 08:45,18,12583,France",  # non-product code
    "C536379,85123A,WHITE HEART,-1,2010-12-01 09:41,2.55,17850,United Kingdom",  # cancellation: kept as return
    "536371,22086,PAPER CHAIN,12,2099-01-01 10:00,2.95,13047,United Kingdom",  # future date
]


def _params(path, **table):
    return config.validate(
        {
            "run_name": "t",
            "source": {
                "kind": "files",
                "tables": {
                    "transactions": {
                        "path": str(path),
                        "preset": "online_retail",
                        "customer_columns": ["country"],
                        **table,
                    }
                },
            },
        }
    )


@pytest.fixture
def messy_csv(tmp_path):
    f = tmp_path / "messy.csv"
    f.write_text(HEADER + "\n".join(ROWS) + "\n", encoding="utf-8")
    return f


def test_every_row_kept_or_rejected_with_its_rule(messy_csv, tmp_path):
    c = collect.collect(_params(messy_csv), tmp_path, now=pd.Timestamp("2024-01-01"))
    q = c.quality["tables"]["transactions"]
    assert (q["read"], q["kept"], q["rejected"]) == (10, 2, 8)
    assert q["rejected_by_rule"] == {
        "bad_number": 1,
        "bad_timestamp": 1,
        "exact_duplicate": 1,
        "future_timestamp": 1,
        "missing_customer_id": 1,
        "negative_price": 1,
        "non_product_code": 1,
        "zero_quantity": 1,
    }
    rej = c.rejected.set_index("source_row")
    assert rej.loc[2, "rule"] == "exact_duplicate" and rej.loc[8, "rule"] == "non_product_code"
    assert json.loads(rej.loc[5, "values"])["Quantity"] == "abc"  # original values kept
    tx = c.tables["transactions"]
    assert sorted(tx["source_row"]) == [1, 9]
    assert tx.set_index("source_row").loc[9, "quantity"] == -1  # the cancellation nets as a return
    assert q["cancellation_rows"] == 1 and q["cancellation_rows_kept"] == 1
    assert tx["description"].iloc[0] == "WHITE HEART"  # text trimmed
    # customers derived from transactions, country moved there
    cust = c.tables["customers"].set_index("customer_id")
    assert cust.loc["17850", "country"] == "United Kingdom" and "country" not in tx


def test_all_rejected_is_a_clear_error(tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text(HEADER + ROWS[2] + "\n" + ROWS[5] + "\n")
    with pytest.raises(collect.SourceError, match=r"all 2 rows of table 'transactions' were rejected"):
        collect.collect(_params(f), tmp_path)


def test_missing_mapped_column_names_file_column_and_closest(tmp_path, messy_csv):
    p = _params(messy_csv, columns={"customer_id": "CustomerId"})
    with pytest.raises(collect.SourceError) as e:
        collect.collect(p, tmp_path)
    msg = str(e.value)
    assert str(messy_csv) in msg and "'CustomerId'" in msg and "Columns found: InvoiceNo" in msg
    assert "closest column is 'CustomerID'" in msg and "source.tables.transactions.columns.customer_id" in msg


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "file not found"),
        ("", "the file is empty"),
        (HEADER, "no data rows"),
    ],
)
def test_bad_files(tmp_path, content, expected):
    f = tmp_path / "x.csv"
    if content is not None:
        f.write_text(content)
    with pytest.raises(collect.SourceError, match=expected):
        collect.collect(_params(f), tmp_path)


def test_saved_tables_validate_and_reload(messy_csv, tmp_path):
    c = collect.collect(_params(messy_csv), tmp_path, now=pd.Timestamp("2024-01-01"))
    run = RunPaths(tmp_path, "t").ensure()
    stages.save_collected(c, Store(run, "01"))
    tables = stages.load_canonical(Store(run))
    assert len(tables["transactions"]) == 2 and len(tables["customers"]) == 1
    q = json.loads((run.interim / "quality.json").read_text())
    assert q["tables"]["transactions"]["read"] == 10


@pytest.mark.realdata
def test_online_retail_published_figures(online_retail_path, root):
    p = config.load(root / "notebooks/params/online_retail.yaml")
    c = collect.collect(p, root)
    q = c.quality["tables"]["transactions"]
    assert q["read"] == 541_909
    assert q["read"] == q["kept"] + q["rejected"]
    assert q["rows_without_customer_id"] == 135_080
    assert q["distinct_customer_ids_read"] == 4_372
    assert q["cancellation_rows"] == 9_288
    assert q["exact_duplicate_rows"] == 5_268
    assert q["rejected_by_rule"]["exact_duplicate"] == 5_268
    assert len(c.rejected) == q["rejected"]
    assert q["date_min"].startswith("2010-12-01") and q["date_max"].startswith("2011-12-09")
