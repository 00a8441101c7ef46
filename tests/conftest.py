"""Shared fixtures: project root, shared real data (skipped with a reason when absent)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from seglab import config, synth

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
ONLINE_RETAIL = SHARED / "online_retail" / "online_retail.parquet"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def online_retail_path() -> Path:
    if not ONLINE_RETAIL.is_file():
        pytest.skip(f"UCI Online Retail not found at {ONLINE_RETAIL} (see README: Running on the UCI Online Retail data)")
    return ONLINE_RETAIL


@pytest.fixture(scope="session")
def default_params() -> config.Params:
    return config.load(ROOT / "notebooks" / "params" / "default.yaml")


@pytest.fixture(scope="session")
def synthetic() -> synth.SynthData:
    """The default synthetic CRM (5,000 customers, 24 months, seed 42)."""
    return synth.generate()


@pytest.fixture(scope="session")
def synthetic_tables(synthetic) -> dict[str, pd.DataFrame]:
    return {
        "transactions": synthetic.transactions.assign(source_row=range(1, len(synthetic.transactions) + 1)),
        "customers": synthetic.customers,
        "sessions": synthetic.sessions,
        "campaign_events": synthetic.campaign_events,
    }
