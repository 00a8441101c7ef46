"""A small Persian order-line export, written twice: as UTF-8 (Persian digits, ٫ decimals,
Persian ی/ک) and as Windows-1256 (what an older Persian Windows system exports: ASCII digits,
Arabic ي/ك, since cp1256 has neither Persian digits nor the Persian ی). Dates are Jalali; the
channel, category and country values are Persian words.
"""

from __future__ import annotations

from pathlib import Path

import jdatetime
import pandas as pd

from seglab import synth

CATEGORIES = {
    "Apparel": "پوشاک",
    "Home": "خانه و آشپزخانه",
    "Kids": "کودک",
    "Books": "کتاب",
    "Electronics": "الکترونیکی",
    "Sports": "ورزشی",
    "Beauty": "آرایشی",
    "Grocery": "خواربار",
    "Outdoor": "فضای باز",
    "Pet": "حیوانات خانگی",
}
CHANNELS = {"web": "وب", "store": "فروشگاه", "app": "اپلیکیشن"}
COUNTRIES = ("ایران", "ترکیه", "امارات", "کویت")
COLUMNS = {
    "customer_id": "شناسه مشتری",
    "order_id": "شماره سفارش",
    "timestamp": "تاریخ",
    "quantity": "تعداد",
    "unit_price": "قیمت واحد",
    "category": "دسته",
    "channel": "کانال",
    "country": "کشور",
}
PERSIAN_DIGITS = str.maketrans("0123456789.", "۰۱۲۳۴۵۶۷۸۹٫")
ARABIC_KEYBOARD = str.maketrans({"ی": "ي", "ک": "ك"})


def orders(n_customers: int = 300, months: int = 12, seed: int = 7) -> pd.DataFrame:
    """The order lines with Persian values and Jalali dates (ASCII digits)."""
    data = synth.generate(n_customers, months, "2023-03-21", seed)  # 1 Farvardin 1402
    tx = data.transactions
    ids = sorted(tx["customer_id"].unique())
    country = {c: COUNTRIES[i % len(COUNTRIES)] for i, c in enumerate(ids)}
    return pd.DataFrame(
        {
            COLUMNS["customer_id"]: tx["customer_id"].str.slice(1).astype(int).astype(str),
            COLUMNS["order_id"]: tx["order_id"].str.slice(1),  # (a return: ...-R)
            COLUMNS["timestamp"]: [
                jdatetime.datetime.fromgregorian(datetime=t.to_pydatetime()).strftime("%Y/%m/%d %H:%M")
                for t in tx["timestamp"]
            ],
            COLUMNS["quantity"]: tx["quantity"].astype(str),
            COLUMNS["unit_price"]: tx["unit_price"].map(lambda v: f"{v:.2f}"),
            COLUMNS["category"]: tx["category"].map(CATEGORIES),
            COLUMNS["channel"]: tx["channel"].map(CHANNELS),
            COLUMNS["country"]: tx["customer_id"].map(country),
        }
    )


def write(folder: Path) -> dict[str, Path]:
    """The same orders as ``orders_utf8.csv`` (Persian digits and letters) and
    ``orders_cp1256.csv`` (ASCII digits, Arabic ي/ك, Windows-1256 bytes).
    """
    df = orders()
    folder.mkdir(parents=True, exist_ok=True)
    utf8 = folder / "orders_utf8.csv"
    persian = df.copy()
    for c in (COLUMNS["customer_id"], COLUMNS["order_id"], COLUMNS["timestamp"], COLUMNS["quantity"]):
        persian[c] = persian[c].str.translate(PERSIAN_DIGITS)
    persian[COLUMNS["unit_price"]] = persian[COLUMNS["unit_price"]].str.translate(PERSIAN_DIGITS)
    utf8.write_text(persian.to_csv(index=False), encoding="utf-8")
    cp1256 = folder / "orders_cp1256.csv"
    arabic = df.map(lambda v: v.translate(ARABIC_KEYBOARD))
    arabic.columns = [c.translate(ARABIC_KEYBOARD) for c in df.columns]
    cp1256.write_bytes(arabic.to_csv(index=False).encode("cp1256"))
    return {"utf8": utf8, "cp1256": cp1256}


def params(path: Path, run_name: str, arabic_keyboard: bool = False) -> dict:
    """Parameters reading one of the two files: Persian column names, Jalali calendar."""
    names = {k: (v.translate(ARABIC_KEYBOARD) if arabic_keyboard else v) for k, v in COLUMNS.items()}
    return {
        "run_name": run_name,
        "seed": 5,
        "source": {
            "kind": "files",
            "tables": {
                "transactions": {
                    "path": str(path),
                    "columns": names,
                    "customer_columns": ["country"],
                }
            },
        },
        "cleaning": {"calendar": "jalali"},
        "segmentation": {"k_min": 2, "k_max": 5},
        "report": {"language": "fa", "currency": "IRR"},
    }
