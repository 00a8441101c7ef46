"""Stage 01, data collection: read the sources, map columns, clean, account for every row.

Every input row ends either in a canonical table or in ``rejected`` with the rule
that rejected it; :func:`quality_report` checks read = kept + rejected per table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from seglab import i18n, synth
from seglab.collection import amounts, history, rules, sources
from seglab.collection import profile as profile_mod
from seglab.collection import roles as roles_mod
from seglab.collection.amounts import to_number  # noqa: F401  (the number reading of every table)
from seglab.collection.quality import check_accounting, id_overlap_warning, lens_map
from seglab.collection.sources import Loaded, SourceError  # noqa: F401  (re-exported: the stage's errors)
from seglab.config import Cleaning, Params, TableSource
from seglab.i18n import N_


@dataclass
class Collected:
    """The result of stage 01."""

    tables: dict[str, pd.DataFrame]
    rejected: pd.DataFrame
    quality: dict
    notes: list[str] = field(default_factory=list)
    profile: dict = field(default_factory=dict)  # what each column is and what was found (seglab.collection.profile)

    def for_page(self) -> Collected:
        """What stage 01 keeps for rendering its page again in another language
        (:meth:`seglab.run.session.Session.kept`): its records, without the tables and the rejected rows,
        which the page reads from their files (``stages.load_rejected``).
        """
        return replace(self, tables={}, rejected=self.rejected.iloc[:0])


# --------------------------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------------------------
def synthetic_folder(params: Params, root: Path) -> Path:
    """Where the embedded synthetic CRM of these parameters is generated (``data/raw/synthetic_*``)."""
    s = params.source.synthetic
    return root / "data" / "raw" / f"synthetic_seed{params.seed}_n{s.n_customers}_m{s.months}_{s.start:%Y%m%d}"


def ensure_synthetic(params: Params, root: Path) -> Path:
    """Write the synthetic CRM of these parameters under data/raw (once) and return its folder."""
    folder = synthetic_folder(params, root)
    meta = folder / "synth_meta.json"
    current = (
        meta.is_file()
        and json.loads(meta.read_text(encoding="utf-8")).get("generator_version") == synth.GENERATOR_VERSION
    )
    if not current or not all((folder / f"{t}.parquet").is_file() for t in (*synth.SynthData.TABLES, "ground_truth")):
        s = params.source.synthetic
        synth.generate(s.n_customers, s.months, s.start.isoformat(), params.seed).write(folder)
    return folder


def source_tables(params: Params, root: Path) -> dict[str, TableSource]:
    """The table sources of a run (the synthetic source is a set of Parquet files)."""
    if params.source.kind == "synthetic":
        folder = ensure_synthetic(params, root)
        return {t: TableSource(path=str(folder / f"{t}.parquet")) for t in synth.SynthData.TABLES}
    return params.source.tables


# --------------------------------------------------------------------------------------------
# cleaning
# --------------------------------------------------------------------------------------------


def _unified(
    mapped: pd.DataFrame, labels: dict[str, str], given: str, table: str
) -> tuple[pd.DataFrame, dict[str, str], list[dict], str]:
    """A table's text values and column names with its letters written one way (``cleaning.letters``),
    the assumption saying so when values changed, and the letters chosen.
    """
    letters = given if given != "auto" else ("persian" if rules.has_persian_letters(mapped) else "as_is")
    if letters != "as_is":  # the columns' names as readers see them, written the same way
        labels = {c: str(n).translate(rules.LETTERS[letters]) for c, n in labels.items()}
    mapped, changed = rules.unify_letters(mapped, letters, lambda c: labels.get(c, c))
    return mapped, labels, [rules.letters_assumption(changed, letters, given, table)] if changed else [], letters


def _rewritten_duplicates(rewritten: pd.Series, where: str, cleaning: Cleaning) -> list[str]:
    if not (cleaning.drop_exact_duplicates and rewritten.any()):
        return []
    return [rules.rewritten_duplicates_note(where, int(rewritten.sum()), int(rewritten.to_numpy().argmax()) + 1)]


def _rejected_rows(loaded: Loaded, rows: pd.DataFrame, rule: pd.Series) -> pd.DataFrame:
    """The rejected table's rows: where they came from (the row of the source table, and for a
    text file the line it starts on), why, and their original values (a malformed line: its text).
    """
    if rows.empty:
        return pd.DataFrame(columns=rules.REJECTED_COLUMNS)
    at = rows["source_row"].to_numpy() - 1
    values = rules.row_values(loaded.frame.iloc[at])
    reason = rule.map(lambda r: rules.RULE_TEXT.get(r, r)).to_numpy(dtype=object)  # (said where shown)
    if loaded.malformed is not None:
        for k, pos in enumerate(at):
            if pos in loaded.raw_lines:
                values[k] = json.dumps({"line": loaded.raw_lines[pos][:500]}, ensure_ascii=False)
                reason[k] = i18n.Note.of(
                    N_("%(problem)s; the line's text is in values"), problem=loaded.malformed.iloc[pos]
                ).as_text()
    return pd.DataFrame(
        {
            "table": loaded.table,
            "source": loaded.source,
            "source_row": rows["source_row"].to_numpy(),
            "source_line": (
                pd.array(loaded.lines[at], dtype="Int64")
                if loaded.lines is not None
                else pd.array([pd.NA] * len(at), dtype="Int64")
            ),
            "rule": rule.to_numpy(),
            "reason": reason,
            "values": values,
        }
    )


def clean_transactions(
    df: pd.DataFrame, raw_dup: pd.Series, context: rules.RowContext
) -> tuple[pd.DataFrame, pd.Series, dict]:
    """Apply the transaction cleaning rules (``context``: the cleaning parameters, the run date,
    the notes and where the rows come from, :class:`seglab.collection.rules.RowContext`).

    Returns the typed table (all rows), the rule per row (NA = kept) and counters.
    Cancellations (order id starting with the cancellation prefix, or negative
    quantity) are kept as returns: their negative quantity nets against purchases.
    Extreme lines are flagged in the ``outlier`` column (rejected only with drop_outliers).
    """
    cleaning = context.cleaning
    out, s, by_id, written = rules.transaction_rules(df, raw_dup, context)
    size = rules.line_size(out)
    q1, q3 = size[s.kept].quantile([0.25, 0.75]) if s.kept.any() else (0.0, 0.0)
    threshold = rules.outlier_threshold(q1, q3, cleaning)
    out["outlier"] = s.kept & (size > threshold)
    if cleaning.drop_outliers:
        s.reject(out["outlier"], "outlier")
    counters = {
        "cancellation_rows": int(by_id.sum()),
        "cancellation_rows_kept": int((by_id & s.kept).sum()),
        "return_rows_kept": int(((out["quantity"] < 0) & s.kept).sum()),
        "exact_duplicate_rows": int(raw_dup.sum()),
        "rows_without_customer_id": int(out["customer_id"].isna().sum()),
        "distinct_customer_ids_read": int(out["customer_id"].nunique()),
        "outlier_rows_flagged": int(out["outlier"].sum()),
        "outlier_threshold_revenue": round(float(np.expm1(threshold)), 2),
    }
    if written:  # how the numbers were written (stage 01 says so)
        counters["written"] = written
    return out, s.rule, counters


def clean_customers(
    df: pd.DataFrame, cleaning: Cleaning, notes: list[str] | None = None, where: str = "customers"
) -> tuple[pd.DataFrame, pd.Series, dict]:
    """Clean a customers or survey table: one row per customer id (later duplicates rejected);
    text trimmed; numbers written as text (with Persian/Arabic digits) converted; infinite
    numbers and sign-up dates before ``cleaning.min_date`` read as unknown, with a note.
    Returns the typed rows, the rule rejecting each and how numbers written as text were written.
    """
    notes = notes if notes is not None else []
    out = pd.DataFrame(index=df.index)
    out["customer_id"] = rules.as_text(df["customer_id"], is_id=True)
    if "signup_date" in df:
        out["signup_date"] = rules.parse_time(df["signup_date"], cleaning, notes, f"{where}, column signup_date")
        early = out["signup_date"] < pd.Timestamp(cleaning.min_date)
        if early.any():
            notes.append(
                i18n.Note.of(
                    N_(
                        "%(where)s, column signup_date: %(n)s date(s) before %(min)s "
                        "(cleaning.min_date; e.g. row %(row)s) "
                        "read as unknown."
                    ),
                    where=where,
                    n=int(early.sum()),
                    min=i18n.as_date(cleaning.min_date),
                    row=int(early.idxmax()) + 1,
                )
            )
            out.loc[early, "signup_date"] = pd.NaT
    for col in ("email_opt_in", "sms_opt_in"):
        if col in df:
            out[col] = rules.parse_bool(df[col])
    written: dict[str, dict] = {}
    decimal = cleaning.decimal_mark
    more = {}  # joined once: inserting thousands of columns one by one is quadratic in pandas
    cols = [c for c in df.columns if c not in out and c != "source_row"]
    # text columns read many at a time (a survey export can have thousands)
    texts = [c for c in cols if not amounts.never_text(df[c])]
    as_text = amounts.columns_at_once(df, texts, rules.as_text)
    numbers = amounts.read_numbers_many(df, texts, decimal, least=MOSTLY_NUMBERS)
    for col in cols:
        v = df[col]
        if pd.api.types.is_bool_dtype(v) or pd.api.types.is_datetime64_any_dtype(v):
            more[col] = v
            continue
        typed, how, infinite = _customer_column(v, numbers.get(col), as_text.get(col), decimal)
        if how is not None and how.formatted:
            written[col] = how.to_dict()
        if how is not None and infinite.any():
            notes.append(
                i18n.Note.of(
                    N_(
                        "%(where)s, column %(column)s: %(n)s infinite value(s) (e.g. row %(row)s: %(value)s) read as "
                        "unknown."
                    ),
                    where=where,
                    column=col,
                    n=int(infinite.sum()),
                    row=int(infinite.idxmax()) + 1,
                    value=repr(str(v[infinite].iloc[0])),
                )
            )
        more[col] = typed
    more["source_row"] = df["source_row"]
    out = pd.concat([out, pd.DataFrame(more, index=out.index)], axis=1)
    s = rules.Sorter(out.index)
    s.reject(out["customer_id"].isna(), "missing_customer_id")
    s.reject(out["customer_id"].duplicated() & out["customer_id"].notna(), "duplicate_customer_id")
    return out, s.rule, written


#: A text column of a customers table is read as numbers when at least this share of its filled
#: values are numbers (the rest read as unknown).
MOSTLY_NUMBERS = 0.95


def _customer_column(v: pd.Series, number, text: pd.Series | None, decimal: str):
    """One column of a customers table typed: its numbers when (nearly) all its values are numbers,
    else its text; how the numbers were written (None: read as text) and which were infinite.
    ``number``, ``text``: the column already read (:func:`seglab.collection.amounts.read_numbers_many`) when
    it is text.
    """
    if pd.api.types.is_numeric_dtype(v):
        num, how = (v, amounts.Written()) if pd.api.types.is_integer_dtype(v) else amounts.read_numbers(v, decimal)
        return num, how, _infinite(v.astype(float))
    if number is None:  # words: too few values hold a digit to be mostly numbers
        return text, None, pd.Series(False, index=v.index)
    num, how, infinite = number
    if infinite is None:  # a column with other text than plain numbers, read alone
        infinite = _infinite(pd.to_numeric(rules.trimmed(v), errors="coerce"))
    filled = int(text.notna().to_numpy().sum())
    numbers = int((num.notna().to_numpy() | infinite.to_numpy()).sum())
    return (num, how, infinite) if filled > 0 and numbers >= MOSTLY_NUMBERS * filled else (text, None, infinite)


def _infinite(numbers: pd.Series) -> pd.Series:
    return pd.Series(np.isinf(numbers.to_numpy(dtype=float, na_value=np.nan)), index=numbers.index)


# --------------------------------------------------------------------------------------------
# the stage
# --------------------------------------------------------------------------------------------


@dataclass
class _Table:
    """One source table after stage 01: its kept rows, rejected rows, quality entry and what was
    noted and assumed on the way.
    """

    kept: pd.DataFrame
    rejected: pd.DataFrame
    entry: dict
    labels: dict[str, str]
    notes: list[str]
    assumptions: list[dict]


def _collect_table(table: str, spec: TableSource, run: rules.Run, customer_level: bool) -> _Table:
    """Read, map and clean one source table, accounting for every row."""
    params = run.params
    here = None  # why events are cleaned here although engine.kind is spark
    if table in rules.TIME_COLUMN:
        from seglab.collection import collect_spark

        here = collect_spark.on_spark(params, spec, run.root, table)
        if here == "":
            return _Table(*collect_spark.collect_events(table, spec, run))
    loaded = sources.read(spec, table, run.root)
    mapped, labels = sources.apply_mapping(loaded, spec, rules.REQUIRED[table])
    mapped, labels, unified, letters = _unified(mapped, labels, params.cleaning.letters, table)
    notes, assumptions = rules.customer_ids(mapped, loaded, spec, customer_level, labels)
    raw_dup, rewritten = rules.exact_duplicates(loaded.frame, letters)
    mapped, errors = rules.without_spreadsheet_errors(mapped)
    try:
        typed, rule, counters = _clean(table, mapped, raw_dup, loaded, run)
    except rules.DateOrderError as exc:
        raise SourceError(f"{exc} (table '{table}')") from None
    written = counters.pop("written", {})
    assumptions += unified + rules.read_as_written(loaded.source, labels, errors, written, params.cleaning)
    if table == "transactions":
        assumptions += rules.normalise_channels(typed, spec.roles.channel_values, loaded.source)
        if params.cleaning.calendar == "gregorian" and rules.looks_jalali(mapped["timestamp"]):
            notes.append(rules.jalali_hint(loaded.source))
    notes += _rewritten_duplicates(rewritten, loaded.source, params.cleaning)
    if loaded.malformed is not None and loaded.malformed.notna().any():  # lines that are not rows
        rule = rule.mask(loaded.malformed.notna().to_numpy(), "malformed_line")
    kept_mask = rule.isna()
    kept = typed.loc[kept_mask].reset_index(drop=True)
    entry = {
        "source": loaded.source,
        **{k: v for k, v in loaded.info.items() if v is not None},
        "read": int(len(typed)),
        "kept": int(kept_mask.sum()),
        "rejected": int((~kept_mask).sum()),
        "rejected_by_rule": {k: int(v) for k, v in rule[~kept_mask].value_counts().sort_index().items()},
        **counters,
    }
    if table == "transactions":
        entry.update(_revenue_buckets(typed, rule, kept))
    entry.update({k: v for k, v in (("spreadsheet_errors", errors), ("written", written)) if v})
    if entry["kept"] == 0:
        message = _all_rejected_message(loaded, entry, typed, rule)
        if (
            table == "transactions"
            and params.cleaning.calendar == "gregorian"
            and rules.looks_jalali(mapped["timestamp"])
        ):
            message += " " + i18n.say(rules.jalali_hint(loaded.source))  # the likely cause, said where the run stops
        raise SourceError(message)
    rejected = _rejected_rows(loaded, typed.loc[~kept_mask], rule[~kept_mask])
    return _Table(kept, rejected, entry, labels, notes + loaded.notes + ([here] if here else []), assumptions)


def _other_id_warnings(tables: dict[str, pd.DataFrame], quality: dict, notes: list[str]) -> None:
    """A warning (note and quality record) for each table whose ids are mostly not customers'."""
    for t in ("survey", "sessions", "campaign_events"):
        if t not in tables:
            continue
        ids = tables[t]["customer_id"] if isinstance(tables[t], pd.DataFrame) else tables[t].customer_ids()
        warning = id_overlap_warning(
            ids,
            tables["customers"]["customer_id"],
            t,
            "the customers",
            f"Rows of {t} whose id is not a customer's are not used. ",
        )
        if warning:
            notes.append(warning)
            quality.setdefault("id_warnings", []).append(warning)


def _role_dates(table: str, frame: pd.DataFrame, found, params: Params, where: str) -> None:
    """Text columns whose role is a date, read as dates (the order of day and month an assumption)."""
    for c, r in found.roles.items():
        if r.kind not in ("signup", "date") or pd.api.types.is_datetime64_any_dtype(frame[c]):
            continue
        try:
            frame[c], how = roles_mod.parse_dates(frame[c], params.cleaning.dayfirst)
        except roles_mod.RolesError as exc:
            raise SourceError(f"{where}: column '{r.label}': {exc}") from None
        found.assumptions.append(
            {
                "stage": "01",
                "subject": r.label,
                "assumed": i18n.Note.of(N_("dates read %(how)s"), how=i18n.as_term(how)),
                "why": N_("text dates"),
                "change": "cleaning.dayfirst: true | false",
            }
        )


def _roles(tables: dict, specs: dict, quality: dict, params: Params, customer_level: bool) -> list[dict]:
    """The role of every customer and survey column (declared or inferred), in ``quality``; the
    assumptions made.
    """
    assumptions: list[dict] = []
    quality["roles"] = {}
    for table in ("customers", "survey"):
        if table not in tables:
            continue
        spec = specs.get(table) or TableSource(path="(derived)")
        own = customer_level and table == "customers"
        try:
            facts = roles_mod.ColumnFacts(
                quality["lenses"][table],
                quality["labels"].get(table, {}),
                quality["tables"].get(table, {}).get("written"),
            )
            found = roles_mod.infer(tables[table], spec.roles, facts, table, own)
        except roles_mod.RolesError as exc:
            raise SourceError(str(exc)) from None
        quality["roles"][table] = {c: r.to_dict() for c, r in found.roles.items()}
        _role_dates(table, tables[table], found, params, specs[table].path if table in specs else table)
        assumptions += found.assumptions
        if own:
            quality.update(value=found.value, spend=found.spend, behaviour=found.behaviour, channels=found.channels)
    return assumptions


def collect(params: Params, root: Path, now: pd.Timestamp | None = None, work: Path | None = None) -> Collected:
    """Run stage 01: read every source table, clean it, and account for every row. ``work``: a
    folder for Spark's files (``engine.kind: spark``; default: a temporary folder), on the
    file system of the run's data, so that the written order lines move into place in one rename.
    """
    now = now or pd.Timestamp.now().normalize()
    if work is None and params.engine.kind == "spark":
        from seglab.runlock import temp_folder

        work = temp_folder("01")
    specs = source_tables(params, root)
    customer_level = "transactions" not in specs
    quality: dict = {"source_kind": params.source.kind, "customer_level": customer_level, "tables": {}}
    tables: dict[str, pd.DataFrame] = {}
    rejected_parts: list[pd.DataFrame] = []
    labels: dict[str, dict[str, str]] = {}
    notes: list[str] = []
    assumptions: list[dict] = []
    run = rules.Run(params, root, now, work)
    for table in ("transactions", "customers", "survey", "sessions", "campaign_events"):
        if table in specs:
            done = _collect_table(table, specs[table], run, customer_level)
            tables[table], labels[table], quality["tables"][table] = done.kept, done.labels, done.entry
            rejected_parts.append(done.rejected)
            notes += done.notes
            assumptions += done.assumptions
    on_spark = [t for t in rules.TIME_COLUMN if t in tables and not isinstance(tables[t], pd.DataFrame)]
    if customer_level:
        notes.append(
            i18n.Note.of(
                N_(
                    "Customer-level source: one row per customer with already-aggregated columns; no transactions, so "
                    "features are the customer table's columns."
                )
            )
        )
    else:
        _link_customers(tables, specs, quality, notes)
        _other_id_warnings(tables, quality, notes)
    for t in rules.TIME_COLUMN:  # events cleaned on Spark: written now, as Parquet dataset folders
        if t in tables and not isinstance(tables[t], (pd.DataFrame, Path)):
            tables[t] = tables[t].write()
    if on_spark:
        notes.append(
            i18n.Note.of(
                N_(
                    "Read and cleaned on Spark (engine.kind: spark, master %(master)s), by the "
                    "rules of a run on one "
                    "machine and with the same results: %(tables)s."
                ),
                tables=[i18n.as_term(t.replace("_", " ")) for t in on_spark],
                master=params.engine.spark.master,
            )
        )
    rejected = pd.concat(rejected_parts, ignore_index=True) if rejected_parts else pd.DataFrame()
    rejected = rejected.astype({"source_row": "int64"}) if len(rejected) else rejected
    if "transactions" in labels and "customers" in tables:  # customer columns taken from the transactions
        labels.setdefault("customers", {}).update(
            {c: labels["transactions"].get(c, c) for c in tables["customers"].columns if c in labels["transactions"]}
        )
    quality["lenses"] = lens_map(tables, specs, labels)
    quality["labels"] = {
        t: {c: n for c, n in labels.get(t, {}).items() if c in tables[t].columns}
        for t in ("customers", "survey")
        if t in tables
    }
    assumptions += _roles(tables, specs, quality, params, customer_level)
    for warning in quality.get("id_warnings", []):
        assumptions.append(
            {
                "stage": "01",
                "subject": N_("customer ids"),
                "assumed": warning.split(" (")[0],
                "why": warning.split(". ", 1)[-1] if ". " in warning else warning,
                "change": N_("make the ids identical in both files"),
            }
        )
    quality["history"] = history.facts_of(tables, params, quality)  # when the customers' history begins
    quality["calendar"] = params.cleaning.calendar  # of the source's dates (monitoring.calendar: auto follows it)
    assumptions += history.assumptions(quality["history"])
    quality["assumptions"] = assumptions
    quality["notes"] = [n.to_dict() if isinstance(n, i18n.Note) else n for n in notes]  # (as data: id and values)
    check_accounting(quality)
    return Collected(tables, rejected, quality, notes, profile_mod.build(tables, quality, labels))


def _clean(
    table: str, mapped: pd.DataFrame, raw_dup: pd.Series, loaded: Loaded, run: rules.Run
) -> tuple[pd.DataFrame, pd.Series, dict]:
    """The cleaning of one table: the typed rows, the rule that rejects each (NA = kept), counters."""
    cleaning = run.params.cleaning
    context = rules.RowContext(cleaning, run.now, loaded.notes, loaded.source)
    if table == "transactions":
        return clean_transactions(mapped, raw_dup, context)
    if table in ("customers", "survey"):
        out, rule, written = clean_customers(mapped, cleaning, loaded.notes, loaded.source)
        return out, rule, {"written": written} if written else {}
    return (*rules.clean_events(mapped, table, raw_dup, context), {})


def _revenue_buckets(typed: pd.DataFrame, rule: pd.Series, kept: pd.DataFrame) -> dict:
    rev = rules.line_revenue(typed)
    kept_mask = rule.isna()
    total = float(rev[rev > 0].sum())
    no_id = float(rev[(typed["customer_id"].isna()) & (rev > 0)].sum())
    return {
        "revenue_kept": round(float(rev[kept_mask].sum()), 2),
        "revenue_rejected_by_rule": {
            k: round(float(v), 2) for k, v in rev[~kept_mask].groupby(rule[~kept_mask]).sum().sort_index().items()
        },
        "revenue_share_without_customer_id": round(no_id / total, 4) if total else 0.0,
        "customers": int(kept["customer_id"].nunique()),
        "date_min": str(kept["timestamp"].min()) if len(kept) else None,
        "date_max": str(kept["timestamp"].max()) if len(kept) else None,
    }


def _all_rejected_message(loaded: Loaded, entry: dict, typed: pd.DataFrame, rule: pd.Series) -> str:
    top = max(entry["rejected_by_rule"], key=entry["rejected_by_rule"].get)
    column = {
        "missing_customer_id": "customer_id",
        "bad_timestamp": "timestamp",
        "bad_number": "quantity/unit_price",
        "out_of_range": "quantity/unit_price",
        "zero_price": "unit_price",
        "negative_price": "unit_price",
        "zero_quantity": "quantity",
    }.get(top)
    example = loaded.frame.iloc[int(typed.loc[rule == top, "source_row"].iloc[0]) - 1].to_dict()
    where = f" (canonical column {column})" if column else ""
    return (
        f"{loaded.source}: all {entry['read']} rows of table '{loaded.table}' were rejected "
        f"(by rule: {entry['rejected_by_rule']}). Most by '{top}'{where}: {rules.RULE_TEXT.get(top, top)}; "
        f"first such row: {example}. Check the column mapping and the cleaning parameters."
    )


def _link_customers(tables: dict, specs: dict, quality: dict, notes: list[str]) -> None:
    """Customers of a transactional run: derived from transactions when absent, completed otherwise
    (order lines cleaned on Spark: computed there, then the lines are written).
    """
    tx = tables["transactions"]
    local = isinstance(tx, pd.DataFrame)
    if not local:
        from seglab.collection import collect_spark
    columns = tx.columns if local else tx.frame.columns
    customer_cols = [c for c in specs["transactions"].customer_columns if c in columns]

    def derive(cols: list[str]) -> pd.DataFrame:
        return (
            rules.customers_from_transactions(tx, cols)
            if local
            else collect_spark.customers_from_transactions(tx.frame, cols)
        )

    if "customers" not in tables:
        tables["customers"] = derive(customer_cols)
        notes.append(
            i18n.Note.of(
                N_(
                    "No customers table was given: customers are the distinct customer ids of the "
                    "transactions, with the "
                    "first purchase as signup date and %(columns)s taken from the transactions."
                ),
                columns=customer_cols,
            )
            if customer_cols
            else N_(
                "No customers table was given: customers are the distinct customer ids of the transactions, with the "
                "first purchase as signup date."
            )
        )
    else:
        firsts = derive([])  # every customer of the transactions, by id, with the first purchase
        known = tables["customers"]["customer_id"]
        missing = firsts["customer_id"][~firsts["customer_id"].isin(known)]
        warning = id_overlap_warning(
            tx["customer_id"] if local else tx.customer_ids(),  # (in order of appearance: the examples)
            known,
            "transactions",
            "customers",
            "Customers of the transactions missing from the customers table are kept, with unknown attributes. ",
        )
        if warning:
            notes.append(warning)
            quality.setdefault("id_warnings", []).append(warning)
        if len(missing):
            add = firsts[firsts["customer_id"].isin(missing)].reset_index(drop=True)
            tables["customers"] = pd.concat([tables["customers"], add], ignore_index=True)
            notes.append(
                i18n.Note.of(
                    N_(
                        "%(n)s customers appear in transactions but not in the customers table; added with unknown "
                        "attributes."
                    ),
                    n=len(missing),
                )
            )
        quality["tables"]["customers"]["added_from_transactions"] = len(missing)
    tables["transactions"] = tx.drop(columns=customer_cols) if local else tx.write(drop=tuple(customer_cols))
