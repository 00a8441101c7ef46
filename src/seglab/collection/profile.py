"""Stage 01's data profile: what each column of the data is and what was found in it, so that the
later stages know what the data can tell before they name, rank or budget anything.

For every column of every table (after mapping): its **kind** (money, percentage or share,
score, count, code, identifier, date, text, flag, category, a number with a marker, an outcome,
...), whether the kind was given by the parameters, mapped to a canonical column or guessed, the
**evidence**, and the **findings**: numbers written as text (currency, decimal mark), spreadsheet
error cells read as missing, a spike read as unknown, an outcome's direction. The profile is the
run's artifact ``profile`` (``profile.json``), written by stage 01 and read by stages 02 to
06 and the index: the outcomes it lists are never clustered on unless named, and the history it
records (``history``: when the data begin and end, what is censored) decides what lifecycle and
growth can say.
"""

from __future__ import annotations

import pandas as pd

from seglab.i18n import N_

#: The kind of each canonical column of the event tables (the others are read by their values).
CANONICAL_KINDS = {
    "customer_id": "identifier",
    "order_id": "identifier",
    "session_id": "identifier",
    "campaign_id": "code",
    "product_id": "code",
    "timestamp": "date",
    "sent_at": "date",
    "quantity": "count",
    "unit_price": "money",
    "discount": "share",
    "category": "category",
    "channel": "category",
    "country": "category",
    "city": "category",
    "region": "category",
    "description": "text",
    "converted": "flag",
    "opened": "flag",
    "clicked": "flag",
    "outlier": "flag",
}
#: A role's kind (seglab.collection.roles) as the profile names it.
ROLE_KINDS = {
    "id": "identifier",
    "signup": "date",
    "binary": "flag",
    "sentinel": "number with a marker",
    "ignore": "left out",
}
#: How a column's kind was decided, as readers see it.
HOW_NAMES = (N_("given"), N_("mapped"), N_("guessed"))
#: The profile's kinds, as readers see them.
KIND_NAMES = (
    N_("money"),
    N_("percentage"),
    N_("share"),
    N_("score"),
    N_("count"),
    N_("code"),
    N_("identifier"),
    N_("date"),
    N_("text"),
    N_("flag"),
    N_("category"),
    N_("number"),
    N_("number with a marker"),
    N_("outcome"),
    N_("constant"),
    N_("empty"),
    N_("left out"),
)


def _event_columns(frame, labels: dict[str, str]) -> dict[str, dict]:
    """The columns of an event table (transactions, sessions, campaign events; in memory or a Parquet
    file or folder Spark wrote): canonical ones by their mapping, the others by their values.
    """
    if isinstance(frame, pd.DataFrame):
        columns = list(frame.columns)
    else:
        import pyarrow.dataset as ds

        columns = list(ds.dataset(str(frame), format="parquet").schema.names) if frame is not None else []
    out = {}
    for c in columns:
        if c == "source_row":
            continue
        if c in CANONICAL_KINDS:
            kind, how = CANONICAL_KINDS[c], "mapped"
        elif isinstance(frame, pd.DataFrame) and pd.api.types.is_numeric_dtype(frame[c]):
            kind, how = "number", "guessed"
        else:
            kind, how = "text", "guessed"
        out[c] = {"label": labels.get(c, c), "kind": kind, "how": how}
    return out


def _role_columns(roles: dict[str, dict], labels: dict[str, str]) -> dict[str, dict]:
    """The columns of a customers or survey table, from their roles (seglab.collection.roles)."""
    out = {}
    for c, r in roles.items():
        entry = {
            "label": labels.get(c, r.get("label", c)),
            "kind": ROLE_KINDS.get(r["kind"], r["kind"]),
            "how": r.get("how", "guessed"),
            "evidence": r.get("why", ""),
            "lens": r.get("lens"),
        }
        if r["kind"] == "percent":
            entry["kind"] = "percentage"
        for key in ("spike", "outcome", "behaviour"):
            if r.get(key):
                entry[key] = r[key]
        out[c] = entry
    return out


def build(tables: dict, quality: dict, labels: dict[str, dict[str, str]]) -> dict:
    """The profile of stage 01's tables (``tables``: the canonical tables, DataFrames or paths;
    ``quality``: stage 01's record, with each table's roles, numbers written as text and
    spreadsheet errors; ``labels``: table -> column -> its name in the source). JSON-able.
    """
    out: dict = {"tables": {}, "outcomes": {}}
    for table, entry in quality.get("tables", {}).items():
        names = labels.get(table, {})
        if table in quality.get("roles", {}):
            columns = _role_columns(quality["roles"][table], names)
        else:
            columns = _event_columns(tables.get(table), names)
        for c, found in (entry.get("written") or {}).items():
            columns.setdefault(c, {"label": names.get(c, c), "kind": "number", "how": "guessed"})["written"] = found
        for c, found in (entry.get("spreadsheet_errors") or {}).items():
            if c in columns:
                columns[c]["spreadsheet_errors"] = found
        out["tables"][table] = {"rows": entry.get("kept"), "columns": columns}
        out["outcomes"].update(
            {
                c: {"table": table, "label": e["label"], "direction": e["outcome"]}
                for c, e in columns.items()
                if e.get("outcome")
            }
        )
    if quality.get("history") is not None:
        out["history"] = quality["history"]
    return out


def table(profile: dict) -> pd.DataFrame:
    """The profile for readers: one row per column with its table, kind, how it was decided and
    what was found (the words are made at display time).
    """
    rows = []
    for table_name, t in profile.get("tables", {}).items():
        for e in t["columns"].values():
            rows.append(
                {
                    "table": table_name,
                    "column": e["label"],
                    "kind": e["kind"],
                    "how": e["how"],
                    "evidence": e.get("evidence", ""),
                    "written_as_text": (e.get("written") or {}).get("formatted", 0),
                    "spreadsheet_errors": (e.get("spreadsheet_errors") or {}).get("cells", 0),
                }
            )
    out = pd.DataFrame(
        rows, columns=["table", "column", "kind", "how", "evidence", "written_as_text", "spreadsheet_errors"]
    )
    return out.drop(columns=[c for c in ("written_as_text", "spreadsheet_errors") if not out[c].any()])
