from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seglab import config, synth
from seglab.collection import collect


def test_deterministic_by_seed():
    a, b = synth.generate(300, 6, seed=7), synth.generate(300, 6, seed=7)
    for name in (*synth.SynthData.TABLES, "ground_truth"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    c = synth.generate(300, 6, seed=8)
    assert not a.transactions.equals(c.transactions)


def test_canonical_tables_and_sizes(synthetic):
    assert len(synthetic.customers) == 5000
    assert {"customer_id", "order_id", "timestamp", "quantity", "unit_price", "discount", "category", "channel"} <= set(
        synthetic.transactions.columns
    )
    assert set(synthetic.transactions["channel"]) == {"web", "store", "app"}
    assert (synthetic.transactions["quantity"] < 0).any(), "returns are planted"
    assert {"converted"} <= set(synthetic.sessions.columns)
    assert {"opened", "clicked", "converted"} <= set(synthetic.campaign_events.columns)
    # every customer bought at least once; the history spans 24 months
    assert synthetic.transactions["customer_id"].nunique() == 5000
    t = synthetic.transactions["timestamp"]
    assert t.min() >= pd.Timestamp("2023-01-01") and t.max() < pd.Timestamp("2025-01-01")


def test_archetypes_are_recognisable(synthetic):
    tx = synthetic.transactions.merge(synthetic.ground_truth, on="customer_id")
    buy = tx[tx["quantity"] > 0]
    disc = buy.assign(d=buy["discount"] > 0).groupby("archetype")["d"].mean()
    assert disc.idxmax() == "bargain_hunter" and disc["bargain_hunter"] > 0.8
    s = synthetic.sessions.merge(synthetic.ground_truth, on="customer_id")
    conv = s.groupby("archetype")["converted"].mean()
    orders = buy.groupby("archetype")["order_id"].nunique()
    visits_per_order = s.groupby("archetype").size() / orders
    assert conv.idxmin() == "wandering" and visits_per_order.idxmax() == "wandering"
    assert (orders / synthetic.ground_truth["archetype"].value_counts()).idxmax() == "loyal"
    store = buy.assign(st=buy["channel"] == "store").groupby("archetype")["st"].mean()
    assert store.idxmax() == "need_based"
    aov = (
        buy.assign(v=buy["quantity"] * buy["unit_price"])
        .groupby(["archetype", "order_id"])["v"]
        .sum()
        .groupby("archetype")
        .mean()
    )
    assert aov.idxmax() == "impulse_shopper"


def test_new_and_long_term_customers_planted(synthetic):
    lc = synthetic.ground_truth["lifecycle"].value_counts(normalize=True)
    assert lc["new"] > 0.03 and lc["long_term"] > 0.3


def test_growth_differs_by_archetype(synthetic):
    """The planted growing archetype gains active customers faster than the shrinking one."""
    tx = synthetic.transactions.merge(synthetic.ground_truth, on="customer_id")
    tx = tx[tx["quantity"] > 0]
    first = tx[tx["timestamp"] < "2023-07-01"].groupby("archetype")["customer_id"].nunique()
    last = tx[tx["timestamp"] >= "2024-07-01"].groupby("archetype")["customer_id"].nunique()
    ratio = last / first
    assert synthetic.meta["planted_growing"] == ["bargain_hunter"]
    assert synthetic.meta["planted_shrinking"] == ["impulse_shopper"]
    assert ratio["bargain_hunter"] > 1.5 and ratio["impulse_shopper"] < 1.0


def test_ground_truth_never_read_by_pipeline(tmp_path, default_params):
    specs = collect.source_tables(
        config.Params(source={"kind": "synthetic", "synthetic": {"n_customers": 60, "months": 3}}), tmp_path
    )
    assert "ground_truth" not in specs
    assert not any("ground_truth" in Path(s.path).name for s in specs.values())


def test_rejects_too_small():
    with pytest.raises(ValueError, match="at least 50"):
        synth.generate(10)
    assert np.isfinite(synth.generate(50, 3).transactions["unit_price"]).all()
