"""Monitoring: periods, sizes, growth flags and migration on hand-built tables."""

import pandas as pd
import pytest

from seglab import config, monitoring


def test_periods_count_back_from_as_of_and_are_complete():
    ends = monitoring.period_ends(pd.Timestamp("2023-01-01"), pd.Timestamp("2024-12-31"), "quarter")
    assert [e.date().isoformat() for e in ends] == [
        "2023-03-31",
        "2023-06-30",
        "2023-09-30",
        "2023-12-31",
        "2024-03-31",
        "2024-06-30",
        "2024-09-30",
        "2024-12-31",
    ]
    # a history starting mid-period: the incomplete first period is left out
    ends = monitoring.period_ends(pd.Timestamp("2024-02-15"), pd.Timestamp("2024-12-31"), "quarter")
    assert ends[0].date().isoformat() == "2024-06-30" and len(ends) == 3
    assert monitoring.period_ends(pd.Timestamp("2024-12-01"), pd.Timestamp("2024-12-31"), "quarter") == []
    assert len(monitoring.period_ends(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31"), "month")) == 12


def _assigned():
    # period 1: a, b in segment 1, c in 2; period 2: a stays, b moves to 2, c inactive, d new in 2;
    # period 3: a, b, d in 2, e new in 2
    rows = [
        ("2024-03-31", "a", 1, 10.0),
        ("2024-03-31", "b", 1, 20.0),
        ("2024-03-31", "c", 2, 5.0),
        ("2024-06-30", "a", 1, 10.0),
        ("2024-06-30", "b", 2, 7.0),
        ("2024-06-30", "d", 2, 3.0),
        ("2024-09-30", "a", 2, 1.0),
        ("2024-09-30", "b", 2, 2.0),
        ("2024-09-30", "d", 2, 3.0),
        ("2024-09-30", "e", 2, 4.0),
    ]
    df = pd.DataFrame(rows, columns=["period_end", "customer_id", "segment", "value"])
    return df.assign(period_end=pd.to_datetime(df["period_end"]))


def test_sizes_per_period_include_empty_segments():
    s = monitoring.sizes(_assigned(), [1, 2, 3]).set_index(["period_end", "segment"])
    assert s.loc[(pd.Timestamp("2024-03-31"), 1), "customers"] == 2
    assert s.loc[(pd.Timestamp("2024-03-31"), 1), "value"] == 30.0
    assert s.loc[(pd.Timestamp("2024-09-30"), 2), "customer_share"] == 1.0
    assert s.loc[(pd.Timestamp("2024-06-30"), 3), "customers"] == 0  # a segment nobody is in: a zero row


def test_migration_counts_moves_joins_and_exits():
    mig = monitoring.migration(_assigned())
    first = mig[mig["from_period"] == pd.Timestamp("2024-03-31").date()].set_index(["from_segment", "to_segment"])
    assert first.loc[("1", "1"), "customers"] == 1  # a stays
    assert first.loc[("1", "2"), "customers"] == 1  # b moves
    assert first.loc[("2", "not active"), "customers"] == 1  # c stops buying
    assert first.loc[("not active", "2"), "customers"] == 1  # d joins
    assert first.loc[("1", "1"), "share_of_from"] == 0.5
    counts, shares = monitoring.migration_matrix(mig)
    assert list(counts.index) == ["1", "2", "not active"] == list(counts.columns)
    assert counts.loc["1", "2"] == 2 and counts.loc["not active", "2"] == 2  # summed over both period pairs
    assert counts.loc["not active", "not active"] == 0
    assert shares.loc["2", "2"] == pytest.approx(2 / 3)  # from segment 2: c leaves, b and d stay (period 2 to 3)
    ret = monitoring.retention(mig).set_index("segment")
    assert ret.loc[1, "stay"] == pytest.approx(1 / 3) and ret.loc[1, "moves"] == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    ("rate", "expected"),
    [(0.5, "growing"), (0.2, "stable"), (-0.2, "stable"), (-0.21, "shrinking"), (float("nan"), "unknown")],
)
def test_growth_flags_at_the_thresholds(rate, expected):
    assert monitoring.flags(pd.Series([rate], index=[1]), config.Monitoring())[1] == expected


def test_growth_compares_the_last_window_with_the_one_before():
    s = monitoring.sizes(_assigned(), [1, 2])
    g, how = monitoring.growth(s, months=3, period="quarter")
    # one quarter vs the quarter before: segment 2 from 2 (b, d) to 4 active customers; segment 1 from 1 to 0
    assert g[2] == pytest.approx(1.0) and g[1] == pytest.approx(-1.0)
    assert "last 1 quarter (to" in how  # one period: singular
    only_one = monitoring.sizes(_assigned().query("period_end == '2024-03-31'"), [1, 2])
    assert monitoring.growth(only_one, 6, "quarter")[0].isna().all()


def test_the_matrix_growth_is_stage06s_and_one_run_tracks_once(synthetic_tables, default_params, tmp_path, monkeypatch):
    """Stage 05's growth comes from the same tracking stage 06 shows; in one process (a run's
    kernel) the second stage gets it without computing it again, unless an input changed."""
    from seglab import features, segment

    params = default_params
    built = features.build(synthetic_tables, params.features)
    seg = segment.segment(built.features, params.segmentation.model_copy(update={"k": 4, "bootstrap": 0}), params.seed)
    as_of = built.features.attrs["as_of"]
    files = {}
    for name, df in synthetic_tables.items():
        files[name] = tmp_path / f"{name}.parquet"
        df.to_parquet(files[name])
    calls = []
    real = monitoring.track
    monkeypatch.setattr(monitoring, "track", lambda *a, **k: calls.append(1) or real(*a, **k))
    rate, how, window = monitoring.growth_for_matrix(files, params.features, None, seg.model, params.monitoring, as_of)
    full, why = monitoring.attempt(files, params.features, None, seg.model, params.monitoring, as_of)
    assert full is not None, why
    assert len(calls) == 1  # stage 06 reused stage 05's tracking
    expected, expected_how = monitoring.segment_growth(full, [1, 2, 3, 4], params.monitoring)
    assert rate.equals(expected) and how == expected_how and window == full.attrs["window_days"]
    pd.read_parquet(files["transactions"]).head(-1).to_parquet(files["transactions"])  # an input changed
    monitoring.attempt(files, params.features, None, seg.model, params.monitoring, as_of)
    assert len(calls) == 2
