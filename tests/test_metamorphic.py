"""The metamorphic trust suite (issue 28): on samples of real data sets and of the synthetic default,
the same facts written differently must give the same answer (the same segments, ARI 1.0, and the
same persona names), and facts removed must be flagged in "What seglab assumed" and never named with
confidence. Each cell of the table data set x rewrite is one test; the table is printed at the end
of the session (tests/conftest.py) and written to test-output/metamorphic.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import metamorphic as mm
import numpy as np
import pandas as pd
import pytest
from conftest import skip_or_fail
from sklearn.metrics import adjusted_rand_score

from seglab import i18n

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "test-output" / "metamorphic"
#: The answer of each data set as written first (CSV), once per test worker.
_BASE: dict[str, mm.Answer] = {}


def _dataset(name: str, tmp_path_factory) -> tuple[mm.DataSet, mm.Answer]:
    why = mm.available(name)
    if why:
        skip_or_fail(why)
    ds = mm.dataset(name)
    if name not in _BASE:
        folder = tmp_path_factory.mktemp(f"{name}-base")
        _BASE[name] = mm.answer(mm.params(ds, mm._copy(ds), folder), ROOT)
    return ds, _BASE[name]


def _record(dataset: str, rewrite: str, result: str, detail: str = "") -> None:
    """One cell of the suite's table (read by conftest.py at the end of the session)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    key = f"{dataset}__{rewrite}".replace(" ", "_").replace("/", "_").replace(";", "semicolon")
    (RESULTS / f"{key}.json").write_text(
        json.dumps({"dataset": dataset, "rewrite": rewrite, "result": result, "detail": detail})
    )


def _same(base: mm.Answer, got: mm.Answer, ds: mm.DataSet, renamed: bool = False) -> tuple[float, float, int]:
    """ARI of the segments, the share of customers with the same persona name (``renamed``: with
    the columns' original names put back), customers compared."""
    m = base.per_customer.merge(got.per_customer, on="customer_id", suffixes=("", "_r"))
    assert len(m) == len(base.per_customer) == len(got.per_customer), "not the same customers"
    ari = adjusted_rand_score(m["segment"], m["segment_r"])
    labels = set((got.features.attrs.get("labels") or {}).values())
    shown = m["persona_r"].map(lambda n: mm.unrename(n, ds, labels)) if renamed else m["persona_r"]
    names = (m["persona"] == shown).mean()
    return float(ari), float(names), len(m)


CELLS = [(d, r) for d in mm.DATASETS for r in mm.KEEP_FACTS]


@pytest.mark.parametrize(("dataset", "rewrite"), CELLS, ids=[f"{d}-{r}" for d, r in CELLS])
def test_the_same_facts_written_differently_give_the_same_answer(dataset, rewrite, tmp_path, tmp_path_factory):
    ds, base = _dataset(dataset, tmp_path_factory)
    make, how = mm.KEEP_FACTS[rewrite]
    original = (lambda s: s[2:]) if rewrite == "ids with leading zeros" else None
    try:
        got = mm.answer(mm.params(ds, make(ds), tmp_path, how), ROOT, original)
        ari, names, n = _same(base, got, ds, renamed=rewrite == "columns renamed and declared")
        if rewrite == "amounts x 1000" and "monetary" in base.features:  # same segments, amounts scaled
            a = base.features.set_index("customer_id")["monetary"]
            b = got.features.set_index("customer_id")["monetary"].reindex(a.index)
            assert np.allclose(b, a * 1000, equal_nan=True)
        assert ari == 1.0 and names == 1.0, f"ARI {ari:.3f}, same names for {names:.1%} of {n} customers"
    except Exception as exc:
        _record(dataset, rewrite, "FAILED", str(exc)[:200])
        raise
    _record(dataset, rewrite, "same", f"ARI 1.0, same names ({n} customers)")


# ---------------------------------------------------------------------------------------------
# rewrites that remove information: flagged, never named with confidence
# ---------------------------------------------------------------------------------------------
def _customer_frame(ds: mm.DataSet, base: mm.Answer) -> tuple[dict[str, mm.Table], str]:
    """The data set's tables and the table a customer column goes to: its customer table, or a new
    customers table with the customers' ids for a source of order lines only."""
    tables = mm._copy(ds)
    if ds.customer_table in tables and ds.customer_table != "transactions":
        return tables, ds.customer_table
    tx = tables["transactions"]
    ids = pd.Series(tx.frame[tx.id_column].dropna().unique())
    frame = pd.DataFrame({"customer": ids})
    tables["customers"] = mm.Table(frame, {"columns": {"customer_id": "customer"}}, [], "customer")
    return tables, "customers"


def _zeros(ds: mm.DataSet, base: mm.Answer, folder: Path) -> tuple[str, str]:
    """A quarter of a numeric attribute set to 0: read as unknown, said, and no name built on it
    reads as a fact."""
    if ds.numeric_attribute is None:
        return "n/a", "no numeric customer attribute that is not declared (value, tenure)"
    tables = mm._copy(ds)
    t = tables[ds.customer_table]
    col = ds.numeric_attribute
    rng = np.random.default_rng(8)
    t.frame[col] = t.frame[col].where(rng.random(len(t.frame)) > 0.25, 0)
    got = mm.answer(mm.params(ds, tables, folder), ROOT)
    rows = [i18n.said(a) for a in got.assumptions if i18n.say(a["subject"]) == col]
    assert any("= unknown" in a["assumed"] or "may mean unknown" in a["assumed"] for a in rows), rows
    from seglab.collection.roles import readable

    for name in got.names["persona"].map(i18n.say):
        assert readable(col).lower() not in name.lower() or "unknown" in name, name
    return "flagged", f"{col}: '{rows[0]['assumed']}'"


def _percent(ds: mm.DataSet, base: mm.Answer, folder: Path) -> tuple[str, str]:
    """A 0-100 share column added: a percentage, never the customer value."""
    tables, target = _customer_frame(ds, base)
    t = tables[target]
    t.frame["Online share (%)"] = np.round(np.random.default_rng(9).uniform(0, 100, len(t.frame)), 1)
    got = mm.answer(mm.params(ds, tables, folder), ROOT)
    assert got.profile["tables"]["customers"]["columns"]["online_share"]["kind"] == "percentage"
    assert got.quality.get("value") == base.quality.get("value")
    if got.quality.get("customer_level"):
        assert "online_share" not in got.quality["value"]["columns"]
    return "flagged", "a percentage (0..100), not money; the value basis is unchanged"


def _outcome(ds: mm.DataSet, base: mm.Answer, folder: Path) -> tuple[str, str]:
    """An outcome column added: not clustered on, so the same segments; its rate kept per customer."""
    tables, target = _customer_frame(ds, base)
    t = tables[target]
    t.frame["Churned"] = np.where(np.random.default_rng(10).random(len(t.frame)) < 0.3, "Yes", "No")
    got = mm.answer(mm.params(ds, tables, folder), ROOT)
    assert "churned" in got.features.attrs["outcomes"] and "churned" not in got.clustered
    ari, names, _ = _same(base, got, ds)
    assert ari == 1.0 and names == 1.0, f"ARI {ari:.3f}, names {names:.1%}"
    return "flagged", "an outcome: not clustered on (ARI 1.0, same names), shown per segment"


LIFECYCLE_NAMES = {"new_customers": "new", "at_risk": "lapsing", "lapsed": "lapsed"}


def _history_cut(ds: mm.DataSet, base: mm.Answer, folder: Path) -> tuple[str, str]:
    """The order lines cut to their last 120 days: tenure is censored (said), and no segment is named
    by a lifecycle stage that most of its customers are not known to be in."""
    if "transactions" not in ds.tables:
        return "n/a", "a customer-level source: no order lines to cut"
    tables = mm._copy(ds)
    for t in tables.values():
        if t.dates and t.id_column in t.frame and "transactions" in ds.tables:
            when = pd.to_datetime(t.frame[t.dates[0]])
            end = pd.to_datetime(ds.tables["transactions"].frame[ds.tables["transactions"].dates[0]]).max()
            if t is not tables.get("customers"):
                t.frame = t.frame[when > end - pd.Timedelta(days=120)].reset_index(drop=True)
    got = mm.answer(mm.params(ds, tables, folder), ROOT)
    h = got.quality["history"]
    if h["censored"] == 0:  # every customer has a signup date from the source: every tenure is known
        assert h["with_signup"] == h["customers"], h
    else:
        assert any(a["subject"] == "history before the data" for a in got.assumptions)
    stages = got.features.set_index("customer_id")["lifecycle"].astype(str)
    for _, row in got.names.iterrows():
        stage = LIFECYCLE_NAMES.get(row["archetype"])
        if stage:
            members = got.per_customer.loc[got.per_customer["segment"] == row["segment"], "customer_id"]
            share = (stages.reindex(members) == stage).mean()
            assert share >= 0.5, f"{row['persona']}: only {share:.0%} known to be {stage}"
    if h["censored"] == 0:
        return "known", "signup dates give every tenure; no lifecycle name without known stages"
    return "flagged", f"{h['censored']} customers' tenure censored; no lifecycle name without known stages"


def _one_season(ds: mm.DataSet, base: mm.Answer, folder: Path) -> tuple[str, str]:
    """The order lines cut to their last 240 days: the periods growth compares fall in different
    seasons and none a year earlier is there, so the run says that seasons are not separated."""
    from seglab import monitoring

    if "transactions" not in ds.tables:
        return "n/a", "a customer-level source: nothing to follow over time"
    tables = mm._copy(ds)
    end = pd.to_datetime(tables["transactions"].frame[tables["transactions"].dates[0]]).max()
    for name, t in tables.items():
        if name != "customers" and t.dates:
            t.frame = t.frame[pd.to_datetime(t.frame[t.dates[0]]) > end - pd.Timedelta(days=240)].reset_index(drop=True)
    got = mm.answer(mm.params(ds, tables, folder), ROOT)
    p = got.params
    as_of = pd.Timestamp(got.features.attrs["as_of"])
    assigned = monitoring.track(monitoring.Inputs(got.tables, p.features, got.quality, got.model, p.monitoring, as_of))
    summary = monitoring.summarise(assigned, sorted(got.names["segment"]), {}, p.monitoring, p.seed)
    rows = [i18n.said(r) for r in monitoring.assumptions(summary.info)]
    assert summary.info.get("same_season") is False and rows, summary.info
    assert rows[0]["assumed"].startswith("seasons not separated"), rows
    return "flagged", rows[0]["assumed"]


REMOVING = {
    "history cut to its last 120 days": _history_cut,
    "25 % of a numeric attribute set to 0": _zeros,
    "a 0-100 share column added": _percent,
    "an outcome column added": _outcome,
    "one season only": _one_season,
}
LOSSY = [(d, r) for d in mm.DATASETS for r in REMOVING]


@pytest.mark.parametrize(("dataset", "rewrite"), LOSSY, ids=[f"{d}-{r}" for d, r in LOSSY])
def test_facts_removed_are_flagged_and_never_named_with_confidence(dataset, rewrite, tmp_path, tmp_path_factory):
    ds, base = _dataset(dataset, tmp_path_factory)
    try:
        result, detail = REMOVING[rewrite](ds, base, tmp_path)
    except Exception as exc:
        _record(dataset, rewrite, "FAILED", str(exc)[:200])
        raise
    _record(dataset, rewrite, result, detail)
