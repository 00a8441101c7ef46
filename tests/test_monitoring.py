"""Monitoring: periods, sizes, growth flags and migration on hand-built tables."""

import re
import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seglab import config, i18n, monitoring


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
    ("rate", "low", "high", "expected"),
    [
        (0.5, 0.01, 0.05, "growing"),
        (0.5, -0.01, 0.05, "stable"),  # beyond the threshold, but resampling explains it
        (0.2, 0.01, 0.05, "stable"),  # beyond what resampling explains, but not beyond the threshold
        (-0.21, -0.05, -0.01, "shrinking"),
        (-0.21, -0.05, 0.01, "stable"),
        (float("nan"), float("nan"), float("nan"), "unknown"),
    ],
)
def test_growth_flags_need_the_threshold_and_the_interval(rate, low, high, expected):
    table = pd.DataFrame({"growth_rate": [rate], "share_change_low": [low], "share_change_high": [high]}, index=[1])
    assert monitoring.flags(table, config.Monitoring())[1] == expected


def test_growth_compares_the_last_window_with_the_one_before():
    s = monitoring.sizes(_assigned(), [1, 2])
    g = monitoring.growth(s, config.Monitoring(growth_window_months=3), seed=0)
    t = g.table
    # the last quarter against the one before: segment 2 from 2 of 3 active customers (b, d) to 4 of 4
    assert t.loc[2, "customers_change"] == pytest.approx(1.0) and t.loc[1, "customers_change"] == pytest.approx(-1.0)
    assert t.loc[2, "share_base"] == pytest.approx(2 / 3) and t.loc[2, "share_recent"] == pytest.approx(1.0)
    assert t.loc[2, "growth_rate"] == pytest.approx(0.5) and t.loc[1, "growth_rate"] == pytest.approx(-1.0)
    assert g.info["recent"] == ["2024-09-30"] and g.info["base"] == ["2024-06-30"]
    assert not g.info["year_over_year"] and not g.info["same_season"]
    assert "last quarter (to 2024-09-30) with the quarter before (to 2024-06-30)" in monitoring.comparison_text(g.info)
    first = _assigned()[lambda d: d["period_end"] == pd.Timestamp("2024-03-31")]
    one = monitoring.growth(monitoring.sizes(first, [1, 2]), config.Monitoring(), seed=0)
    assert len(one.table) == 2 and one.table["growth_rate"].isna().all() and (one.table["trend"] == "unknown").all()
    assert monitoring.comparison_text(one.info).startswith("Growth is unknown: only 1 period")


# ---------------------------------------------------------------------------------------------
# growth separates movement, the base and the season
# ---------------------------------------------------------------------------------------------
def _tracked(counts: dict[str, list[int]], first: str, window: int | None = None) -> pd.DataFrame:
    """Each period's active customers, ``counts[period_end][i]`` of them in segment i + 1, as
    :func:`seglab.monitoring.track` returns them (its attributes included).
    """
    parts = []
    for end, per_segment in counts.items():
        seg = np.repeat(np.arange(1, len(per_segment) + 1), per_segment)
        ids = [f"{end}/{i}" for i in range(len(seg))]
        parts.append(pd.DataFrame({"period_end": pd.Timestamp(end), "customer_id": ids, "segment": seg, "value": 1.0}))
    out = pd.concat(parts, ignore_index=True)
    ends = sorted(pd.Timestamp(e) for e in counts)
    out.attrs.update(periods=ends, first=pd.Timestamp(first), as_of=ends[-1], window_days=window)
    return out


NAMES = {1: "A", 2: "B", 3: "C", 4: "D"}


def test_a_seasonal_rise_of_the_whole_base_is_not_growth_and_says_seasons_are_not_separated():
    """A year of data: every segment doubles in the Christmas quarter, their shares do not move.
    (Before: every segment "growing", +100 %.)"""
    even = [400, 300, 200, 100]
    tracked = _tracked(
        {"2011-06-09": even, "2011-09-09": even, "2011-12-09": [2 * n for n in even]}, first="2010-12-01", window=282
    )
    s = monitoring.summarise(tracked, [1, 2, 3, 4], NAMES, config.Monitoring(), seed=42)
    t = s.trend.set_index("segment")
    assert (t["trend"] == "stable").all(), t
    assert t["customers_change"].to_numpy() == pytest.approx([1.0] * 4)  # every segment doubled in customers
    assert t["share_change"].to_numpy() == pytest.approx([0.0] * 4)  # and none moved
    assert s.info["active_base"] == [1000.0, 2000.0]
    assert "1,000, then 2,000 (+100%)" in monitoring.base_text(s.info)
    # less than two years: the quarters compared are different seasons, and the page says so
    assert not s.info["year_over_year"] and not s.info["same_season"]
    caveat = monitoring.season_caveat(s.info)
    assert caveat.startswith("Seasons are not separated") and "374 days from 2010-12-01" in caveat
    assert "data from 2009-12-10" in caveat
    assert caveat in monitoring.trend_text(s)
    (row,) = map(i18n.said, monitoring.assumptions(s.info))
    assert row["stage"] == "06" and row["subject"] == "growth over time"
    assert row["assumed"].startswith("seasons not separated") and row["change"].startswith("(needs data: two years")


def test_a_real_shift_of_share_is_growth_whatever_the_base_does():
    """Segment 1 gains share while the whole base shrinks (its customers fall by 10 %). (Before:
    segment 1 "stable", -10 % customers.)"""
    tracked = _tracked({"2024-06-30": [200, 800], "2024-09-30": [180, 420]}, first="2023-07-01", window=365)
    s = monitoring.summarise(tracked, [1, 2], NAMES, config.Monitoring(), seed=42)
    t = s.trend.set_index("segment")
    assert t.loc[1, "customers_change"] == pytest.approx(-0.1)
    assert t.loc[1, "share_base"] == pytest.approx(0.2) and t.loc[1, "share_recent"] == pytest.approx(0.3)
    assert t.loc[1, "growth_rate"] == pytest.approx(0.5) and t.loc[1, "trend"] == "growing"
    assert t.loc[1, "share_change_low"] > 0
    assert monitoring.matrix_growth(t)[1] == pytest.approx(0.5)  # the Boston matrix takes the real change
    # segment 2's share fell for real (the interval is below 0) but by 12.5 %, less than the threshold
    assert t.loc[2, "growth_rate"] == pytest.approx(-0.125) and t.loc[2, "share_change_high"] < 0
    assert t.loc[2, "trend"] == "stable"
    text = monitoring.trend_text(s)
    assert "**S1 A** is **growing**: share of the active customers 20.0%, then 30.0% (+50%;" in text
    assert "active customers -10%" in text


def test_a_shift_that_resampling_explains_is_not_flagged_but_shown():
    """The same +30 % of share from 20 customers a period is within the noise of who happened to buy."""
    tracked = _tracked({"2024-06-30": [10, 10], "2024-09-30": [13, 7]}, first="2023-07-01", window=365)
    s = monitoring.summarise(tracked, [1, 2], NAMES, config.Monitoring(), seed=42)
    t = s.trend.set_index("segment")
    assert t.loc[1, "growth_rate"] == pytest.approx(0.3) and (t["trend"] == "stable").all()
    assert t.loc[1, "share_change_low"] < 0 < t.loc[1, "share_change_high"]
    assert monitoring.within_noise(t.loc[1].to_dict(), s.info)
    assert "**S1 A** is not flagged: the change is within what resampling explains" in monitoring.trend_text(s)
    # nor does the Boston matrix rank segments on it: growth 0 for both, so growth ranks nothing
    from seglab import prioritization

    matrix = monitoring.matrix_growth(t)
    assert matrix.tolist() == [0.0, 0.0]
    profile = pd.DataFrame(
        {"segment": [1, 2], "customer_share": [0.5, 0.5], "revenue": [1.0, 2.0], "value_per_customer": [1.0, 2.0]}
    )
    raw, notes = prioritization.raw_components(profile, matrix)
    assert "growth" not in raw and any("beyond what resampling explains" in n for n in notes)


def test_with_two_years_growth_compares_the_same_season_a_year_earlier():
    """Nine quarters of a shop whose segment 2 (gift buyers) takes half of every Christmas quarter:
    the same quarters a year apart compare equal, so nothing grows; the quarter before would have
    made segment 2 "growing"."""
    usual, christmas = [700, 300], [1000, 1000]
    ends = pd.date_range("2022-12-31", "2024-12-31", freq="QE")
    counts = {e.date().isoformat(): christmas if e.month == 12 else usual for e in ends}
    tracked = _tracked(counts, first="2022-01-01", window=365)
    s = monitoring.summarise(tracked, [1, 2], NAMES, config.Monitoring(), seed=42)
    assert s.info["year_over_year"] and s.info["same_season"]
    assert s.info["recent"] == ["2024-09-30", "2024-12-31"] and s.info["base"] == ["2023-09-30", "2023-12-31"]
    assert (s.trend["trend"] == "stable").all() and s.trend["share_change"].abs().max() < 1e-12
    assert "with the same 2 quarters a year earlier (to 2023-12-31)" in monitoring.comparison_text(s.info)
    assert monitoring.season_caveat(s.info) == "" and monitoring.assumptions(s.info) == []
    consecutive = monitoring.Comparison(
        (pd.Timestamp("2024-12-31"),), (pd.Timestamp("2024-09-30"),), year_over_year=False
    )
    wide = monitoring.sizes(tracked, [1, 2]).pivot(index="period_end", columns="segment", values="customers")
    shifted = monitoring.share_change(wide, consecutive, config.Monitoring(), seed=42)
    assert monitoring.flags(shifted, config.Monitoring())[2] == "growing"  # what quarter on quarter would say


@pytest.mark.parametrize(
    ("n_periods", "period", "months", "recent", "base", "yoy", "same"),
    [
        (3, "quarter", 6, 1, 1, False, False),  # a short history: the quarter before
        (4, "quarter", 6, 2, 2, False, False),
        (5, "quarter", 6, 1, 1, True, True),  # the quarter a year back is tracked: year over year
        (12, "month", 6, 6, 6, False, False),  # one year of months: the 6 months before
        (13, "month", 6, 1, 1, True, True),
        (8, "quarter", 12, 4, 4, True, True),  # whole years
    ],
)
def test_which_periods_growth_compares(n_periods, period, months, recent, base, yoy, same):
    step = 3 if period == "quarter" else 1
    ends = [pd.Timestamp("2024-12-31") - pd.DateOffset(months=step * i) for i in range(n_periods)]
    c = monitoring.compare(ends, months, period)
    assert (len(c.recent), len(c.base), c.year_over_year, c.same_season) == (recent, base, yoy, same)
    assert c.recent[-1] == pd.Timestamp("2024-12-31") and max(c.base) < min(c.recent)
    if yoy:
        assert [p - pd.DateOffset(months=12) for p in c.recent] == list(c.base)
    assert monitoring.compare(ends[:1], months, period) is None


def test_an_unknown_growth_stays_unknown_never_0():
    """A segment with nobody active in either period has no growth (not 0), in monitoring and in
    the Boston matrix; one that appears from nothing gets the largest growth recorded."""
    from seglab import prioritization

    tracked = _tracked({"2024-06-30": [500, 500, 0, 0], "2024-09-30": [500, 400, 100, 0]}, first="2023-07-01")
    s = monitoring.summarise(tracked, [1, 2, 3, 4], NAMES, config.Monitoring(), seed=42)
    t = s.trend.set_index("segment")
    assert pd.isna(t.loc[4, "growth_rate"]) and t.loc[4, "trend"] == "unknown"
    assert t.loc[3, "growth_rate"] == monitoring.GROWTH_CAP and t.loc[3, "trend"] == "growing"
    profile = pd.DataFrame(
        {
            "segment": [1, 2, 3, 4],
            "customer_share": [0.4, 0.3, 0.2, 0.1],
            "revenue": [4.0, 3.0, 2.0, 1.0],
            "value_per_customer": [1.0, 1.0, 1.0, 1.0],
        }
    )
    raw, notes = prioritization.raw_components(profile, t["growth_rate"])
    assert pd.isna(raw.loc[4, "growth"]) and raw.loc[1, "growth"] == pytest.approx(0.0)
    assert any(n.startswith("growth: unknown for S4") for n in notes)
    raw, notes = prioritization.raw_components(profile, pd.Series(float("nan"), index=[1, 2, 3, 4]))
    assert "growth" not in raw and any(n.startswith("growth: not measured") for n in notes)


def test_the_interval_is_seeded_agrees_with_the_two_proportion_test_and_costs_nothing_per_customer():
    params = config.Monitoring()
    cmp = monitoring.Comparison((pd.Timestamp("2024-09-30"),), (pd.Timestamp("2024-06-30"),), year_over_year=False)
    wide = pd.DataFrame(
        [[500, 500], [550, 450]], index=[pd.Timestamp("2024-06-30"), pd.Timestamp("2024-09-30")], columns=[1, 2]
    )
    a, b = (monitoring.share_change(wide, cmp, params, seed=7) for _ in range(2))
    pd.testing.assert_frame_equal(a, b)  # same seed, same interval
    # the two-proportion standard error of a change from 50 % to 55 % with 1,000 customers each
    se = np.sqrt(0.5 * 0.5 / 1000 + 0.55 * 0.45 / 1000)
    half_width = (a.loc[1, "share_change_high"] - a.loc[1, "share_change_low"]) / 2
    assert half_width == pytest.approx(1.96 * se, rel=0.1)
    huge = wide * 1_000_000  # a billion customers per period: the draws are per segment, not per customer
    started = time.perf_counter()
    monitoring.share_change(huge, cmp, params, seed=7)
    assert time.perf_counter() - started < 2.0


def test_the_matrix_growth_is_stage06s_and_one_run_tracks_once(synthetic_tables, default_params, tmp_path, monkeypatch):
    """Stage 05's growth comes from the same tracking stage 06 shows; in one process (a run's
    kernel) the second stage gets it without computing it again, unless an input changed."""
    from seglab import features, segmentation

    params = default_params
    built = features.build(synthetic_tables, params.features)
    seg = segmentation.segment(
        built.features, params.segmentation.model_copy(update={"k": 4, "bootstrap": 0}), params.seed
    )
    as_of = built.features.attrs["as_of"]
    files = {}
    for name, df in synthetic_tables.items():
        files[name] = tmp_path / f"{name}.parquet"
        df.to_parquet(files[name])
    calls = []
    real = monitoring.track
    monkeypatch.setattr(monitoring.tracking, "track", lambda *a, **k: calls.append(1) or real(*a, **k))
    inputs = monitoring.Inputs(files, params.features, None, seg.model, params.monitoring, as_of)
    rate, info, window = monitoring.growth_for_matrix(inputs, params.seed)
    full, why = monitoring.attempt(inputs)
    assert full is not None, why
    assert len(calls) == 1  # stage 06 reused stage 05's tracking
    expected = monitoring.summarise(full, [1, 2, 3, 4], {}, params.monitoring, params.seed)
    matrix = monitoring.matrix_growth(expected.trend.set_index("segment"))
    assert rate.to_numpy() == pytest.approx(matrix.to_numpy(), nan_ok=True)
    how = monitoring.growth_text(info)
    assert how.startswith(monitoring.comparison_text(expected.info)) and window == full.attrs["window_days"]
    pd.read_parquet(files["transactions"]).head(-1).to_parquet(files["transactions"])  # an input changed
    monitoring.attempt(inputs)
    assert len(calls) == 2


# ---------------------------------------------------------------------------------------------
# one window for the model and monitoring
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("history_days", "given", "expected"),
    [
        (731, None, 365),  # two years: a year, every season once
        (374, None, 282),  # a year of Online Retail: a quarter (92 days) left before the window
        (184, None, 92),
        (183, None, None),  # under two quarters: all of it
        (731, 30, 30),
        (731, "all", None),
    ],
)
def test_the_window_the_model_and_monitoring_share(history_days, given, expected):
    from seglab import features

    first, as_of = pd.Timestamp("2022-01-01"), pd.Timestamp("2022-01-01") + pd.Timedelta(days=history_days - 1)
    assert features.resolve_window(first, as_of, config.Features(window_days=given)) == expected


def test_monitoring_window_days_is_gone_and_says_where_the_window_is_set():
    assert config.validate({"monitoring": {"window_days": None}}).monitoring == config.Monitoring()  # older files
    with pytest.raises(config.ParamsError, match=r"set features.window_days: 180 instead"):
        config.validate({"monitoring": {"window_days": 180}})
    assert config.validate({"features": {"window_days": "all"}}).features.window_days == "all"
    for bad in (0, "some", True, 1.5):
        with pytest.raises(config.ParamsError, match=r"features.window_days.*a number of days \(1 or more\), all"):
            config.validate({"features": {"window_days": bad}})


def _agreement(tables: dict, params: config.Params, k: int, quality: dict | None = None) -> dict:
    """Stage 02-03 as a run does them, then monitoring's last period (which ends at the model's
    date): how many of its customers the model has, and how many get the model's segment.
    """
    from seglab import features, segmentation

    built = features.build(tables, params.features, quality)
    seg = segmentation.segment(built.features, params.segmentation.model_copy(update={"k": k, "bootstrap": 0}), 42)
    as_of = pd.Timestamp(built.features.attrs["as_of"])
    tracked = monitoring.track(monitoring.Inputs(tables, params.features, quality, seg.model, params.monitoring, as_of))
    last = tracked[tracked["period_end"] == as_of]
    both = last.merge(seg.segments, on="customer_id", suffixes=("_monitoring", "_model"))
    return {
        "active": len(last),
        "in_model": len(both),
        "same": int((both["segment_monitoring"] == both["segment_model"]).sum()),
        "segments": both["segment_model"].nunique(),
        "window": tracked.attrs["window_days"],
        "built": built,
    }


@pytest.mark.parametrize("window", [None, "all"])
def test_at_the_models_date_monitoring_gives_every_customer_the_models_segment(
    synthetic_tables, default_params, window
):
    """The synthetic default (24 months): before, the model used all history and monitoring the
    last 365 days, and they disagreed on customers at the model's own date."""
    params = default_params.model_copy(
        update={"features": default_params.features.model_copy(update={"window_days": window})}
    )
    got = _agreement(synthetic_tables, params, k=5)
    assert got["active"] > 1000 and got["segments"] == 5
    assert got["in_model"] == got["active"]  # every customer monitoring assigns there is one of the model's
    assert got["same"] == got["active"], got  # 100 %
    assert got["window"] == (365 if window is None else 731)
    rows = got["built"].features.attrs["assumptions"]
    assert [r["subject"] for r in rows] == (["window of behaviour"] if window is None else [])


@pytest.mark.slow
@pytest.mark.realdata
def test_at_the_models_date_monitoring_agrees_with_the_model_on_online_retail(online_retail_path, tmp_path):
    """Online Retail (374 days): before, 82 % agreement (the model on 374 days, monitoring on 187)."""
    from seglab.collection import collect

    params = config.validate(
        {
            "run_name": "t",
            "source": {
                "kind": "files",
                "tables": {
                    "transactions": {
                        "path": str(online_retail_path),
                        "preset": "online_retail",
                        "customer_columns": ["country"],
                    }
                },
            },
        }
    )
    c = collect.collect(params, tmp_path, now=pd.Timestamp("2026-01-01"))
    got = _agreement(c.tables, params, k=4, quality=c.quality)
    assert got["active"] > 2000 and got["in_model"] == got["active"]
    assert got["same"] == got["active"], {k: v for k, v in got.items() if k != "built"}
    assert got["window"] == 282


@pytest.mark.parametrize("history_days", [40, 70, 100, 130, 183, 200, 300])
@pytest.mark.parametrize("period", ["quarter", "month"])
def test_the_line_that_leaves_two_periods_does_and_stages_02_and_06_say_the_same(history_days, period):
    """On a history of one period, the line stage 06 suggests (and stage 02, for quarters) leaves two
    periods with a whole window each; never a window half the history that still leaves one."""
    from seglab import features

    first = pd.Timestamp("2011-09-01")
    as_of = first + pd.Timedelta(days=history_days - 1)
    line = i18n.say(monitoring.words._one_period_change({"first": first, "as_of": as_of, "period": period}))
    window = re.search(r"features.window_days: (\d+)", line)
    months = "month" if "monitoring.period: month" in line else period
    w = int(window.group(1)) if window else (as_of - first).days + 1
    ends = [e for e in monitoring.period_ends(first, as_of, months) if e - pd.Timedelta(days=w - 1) >= first]
    if not window:
        assert line == "(needs data: two whole months of history)" and history_days < 62
        return
    assert len(ends) >= 2, (line, ends)
    assert w >= features.MIN_TWO_PERIOD_WINDOW
    if period == "quarter":
        assert line == i18n.say(features.two_periods_change(first, as_of))  # the row of stage 02


# --- calendar-aligned periods (issue 31, point 3) ---------------------------------------------
def _jalali(day):
    import jdatetime

    return jdatetime.date.fromgregorian(date=pd.Timestamp(day).date())


@pytest.mark.parametrize(("period", "months"), [("quarter", 3), ("month", 1)])
def test_jalali_periods_start_on_the_first_of_a_season_or_month_and_end_the_day_before_the_next(period, months):
    """Reported: Persian periods were Gregorian quarters named after Jalali seasons, ending 9-12 days
    into the next season. Over four Jalali years (1403 has a 30 Esfand), every whole period is one
    season (or month) of the Jalali calendar, to the day (jdatetime's conversion)."""
    p = monitoring.calendar_periods("2022-01-10", "2025-11-30", period, "jalali")
    whole = p[p["whole"]]
    assert len(whole) == (14 if period == "quarter" else 46)  # spring 1401 .. summer 1404; Bahman 1400 .. Aban 1404
    for start, end in zip(whole["start"], whole["end"], strict=True):
        js, je, after = _jalali(start), _jalali(end), _jalali(end + pd.Timedelta(days=1))
        assert js.day == 1 and (js.month - 1) % months == 0, (start, js)  # 1 Farvardin, 1 Tir, 1 Mehr, 1 Dey
        assert after.day == 1 and (after.month - 1) % months == 0, (end, je)  # the next one starts the day after
        assert (je.year, (je.month - 1) // months) == (js.year, (js.month - 1) // months)  # one season, one year
    autumn = whole[whole["start"] == pd.Timestamp("2023-09-23")]  # 1 Mehr 1402
    assert autumn["end"].tolist() == [pd.Timestamp("2023-12-21")] or period == "month"  # 30 Azar 1402
    winter = p[p["start"] == pd.Timestamp("2024-12-21")]  # 1 Dey 1403 .. 30 Esfand 1403 (a leap year)
    assert period == "month" or winter["end"].tolist() == [pd.Timestamp("2025-03-20")]


@pytest.mark.parametrize("period", ["quarter", "month"])
def test_gregorian_periods_are_calendar_quarters_or_months(period):
    p = monitoring.calendar_periods("2023-02-15", "2024-11-20", period, "gregorian")
    freq = "Q" if period == "quarter" else "M"
    for start, end, whole in p.itertuples(index=False):
        cal = pd.Period(start, freq)
        assert whole == (start == cal.start_time and end == cal.end_time.normalize())
        assert pd.Period(end, freq) == cal  # clipped ones too: one calendar period each
    whole = p[p["whole"]]
    if period == "quarter":
        assert [e.date().isoformat() for e in whole["end"]] == [
            "2023-06-30",
            "2023-09-30",
            "2023-12-31",
            "2024-03-31",
            "2024-06-30",
            "2024-09-30",
        ]
    assert monitoring.period_ends("2023-02-15", "2024-11-20", period, "gregorian") == list(whole["end"])


@settings(max_examples=150, deadline=None)
@given(
    first=st.dates(min_value=pd.Timestamp("2015-01-01").date(), max_value=pd.Timestamp("2030-12-31").date()),
    days=st.integers(0, 1200),
    period=st.sampled_from(["month", "quarter"]),
    calendar=st.sampled_from(["as_of", "gregorian", "jalali"]),
    seed=st.integers(0, 2**16),
)
def test_the_periods_hold_every_transaction_day_exactly_once(first, days, period, calendar, seed):
    """No row silently dropped: the periods of the history (whole ones and the clipped ones at its
    ends, which the page says) hold each day, and so each transaction, exactly once."""
    first = pd.Timestamp(first)
    last = first + pd.Timedelta(days=days)
    p = monitoring.calendar_periods(first, last, period, calendar)
    assert p["start"].iloc[0] == first and p["end"].iloc[-1] == last
    assert (p["start"] <= p["end"]).all()
    assert (p["start"].iloc[1:].to_numpy() == (p["end"].iloc[:-1] + pd.Timedelta(days=1)).to_numpy()).all()
    rng = np.random.default_rng(seed)
    stamps = first + pd.to_timedelta(rng.integers(0, (days + 1) * 86400, size=200), unit="s")
    day = stamps.normalize()
    held = sum(((day >= s) & (day <= e)).astype(int) for s, e in zip(p["start"], p["end"], strict=True))
    assert (np.asarray(held) == 1).all()
    # the whole ones are whole: a clipped period is only at either end of the history
    assert p["whole"].iloc[1:-1].all()


def test_the_calendar_of_the_periods_is_a_parameter_of_the_run_never_the_readers_language():
    """Numbers apart from words: auto follows the source's calendar (cleaning.calendar), not the
    language or calendar of the pages, so a run's periods are the same in every language."""

    def cal(source: str = "gregorian", periods: str = "auto", **report) -> str:
        p = {"cleaning": {"calendar": source}, "monitoring": {"calendar": periods}, "report": report}
        return monitoring.period_calendar(config.validate(p))

    assert cal() == cal(language="fa") == cal(language="fa", calendar="jalali") == cal(language="ar") == "as_of"
    assert cal("jalali") == cal("jalali", language="en") == cal("jalali", language="fa") == "jalali"
    assert cal("jalali", "as_of") == "as_of" and cal(periods="gregorian", language="fa") == "gregorian"
    assert cal(periods="jalali", language="en") == "jalali"
    # in stages 05 and 06 (no cleaning section): the calendar stage 01 read the source's dates in
    run = config.validate({"report": {"language": "en"}})
    assert monitoring.period_calendar(run, {"calendar": "jalali"}) == "jalali"
    assert (
        monitoring.period_calendar(run, {"calendar": "gregorian"}) == monitoring.period_calendar(run, None) == "as_of"
    )
    with pytest.raises(config.ParamsError, match="monitoring.calendar"):
        config.validate({"monitoring": {"calendar": "persian"}})


def test_period_labels_name_a_season_only_when_it_is_exactly_that_season():
    from seglab.report.plots.over_time import _period_labels

    jalali_ends = monitoring.period_ends("2023-03-21", "2024-03-19", "quarter", "jalali")
    with i18n.using("fa"):
        assert _period_labels(jalali_ends, "quarter", "jalali") == [
            "بهار ۱۴۰۲",
            "تابستان ۱۴۰۲",
            "پاییز ۱۴۰۲",
            "زمستان ۱۴۰۲",
        ]
        month_ends = monitoring.period_ends("2023-09-23", "2023-11-21", "month", "jalali")
        assert _period_labels(month_ends, "month", "jalali") == ["مهر ۱۴۰۲", "آبان ۱۴۰۲"]
        # periods counted back from an as-of date are not seasons: their last day, never «پاییز ۱۴۰۲ / ۱۰ دی»
        assert _period_labels([pd.Timestamp("2023-12-31")], "quarter", "as_of") == ["۱۰ دی ۱۴۰۲"]
    with i18n.using("en"):  # the same run read in English: the same periods, by their last day
        assert _period_labels(jalali_ends, "quarter", "jalali") == [
            "2023-06-21",
            "2023-09-22",
            "2023-12-21",
            "2024-03-19",
        ]


class _OneSegment:
    """A frozen model that puts everyone in segment 1 (what is tested here is the periods)."""

    def assign(self, rows: pd.DataFrame) -> pd.Series:
        return pd.Series(1, index=rows.index)


def test_jalali_monitoring_tracks_whole_seasons_and_says_the_days_after_the_last(synthetic_tables, default_params):
    from seglab import features

    params = default_params.model_copy(
        update={"monitoring": default_params.monitoring.model_copy(update={"calendar": "auto"})}
    )
    tx = synthetic_tables["transactions"]
    who = synthetic_tables["customers"]["customer_id"].iloc[:400]  # a few hundred customers: fast
    tables = {
        "transactions": tx[tx["customer_id"].isin(who)],
        "customers": synthetic_tables["customers"][synthetic_tables["customers"]["customer_id"].isin(who)],
    }
    as_of = pd.Timestamp("2024-12-31")  # the synthetic history's last day (Gregorian quarter end, 11 Dey 1403)
    inputs = monitoring.Inputs(tables, params.features, None, _OneSegment(), params.monitoring, as_of, "jalali")
    tracked = monitoring.track(inputs)
    ends = sorted(tracked["period_end"].unique())
    # whole Jalali seasons with a whole year of behaviour before their end: winter 1402 .. autumn 1403
    assert [pd.Timestamp(e).date().isoformat() for e in ends] == [
        "2024-03-19",
        "2024-06-20",
        "2024-09-21",
        "2024-12-20",
    ]
    assert tracked.attrs["calendar"] == "jalali" and tracked.attrs["calendar_auto"]
    # each period's value is the net value of its own days: 1 Dey 1402 .. 29 Esfand 1402 for the first
    act = features.period_activity(
        tables["transactions"], [(pd.Timestamp("2023-12-21"), pd.Timestamp("2024-03-19"))], params.features
    )
    first = tracked[tracked["period_end"] == ends[0]]
    assert first["value"].sum() == pytest.approx(act.loc[act["bought"], "value"].sum())
    info = monitoring.history(tracked)
    assert info["calendar"] == "jalali"
    with i18n.using("fa"):
        text = monitoring.periods_text(tracked, "quarter")
        assert "monitoring.calendar: jalali" in text and "۱۱" in text  # 1 to 11 Dey 1403: in no period yet
        (row,) = [i18n.said(r) for r in monitoring.assumptions({**info, "period": "quarter"})]
        assert row["change"] == "monitoring.calendar: as_of"
    with i18n.using("en"):
        assert "The 11 days after 2024-12-20 up to the as-of date are in no period yet." in monitoring.periods_text(
            tracked, "quarter"
        )


def test_a_persian_reader_of_periods_counted_back_from_the_as_of_date_gets_the_line_for_seasons():
    attrs = {"calendar": "as_of", "periods": [pd.Timestamp("2023-12-31")], "as_of": pd.Timestamp("2023-12-31")}
    with i18n.using("fa"):
        assert "monitoring.calendar: jalali" in monitoring.calendar_text(attrs, "quarter")
    with i18n.using("en"):
        assert monitoring.calendar_text(attrs, "quarter") == ""


@pytest.mark.parametrize("history_days", [40, 70, 100, 130, 183, 200, 300])
@pytest.mark.parametrize("calendar", ["gregorian", "jalali"])
def test_the_line_that_leaves_two_calendar_periods_does(history_days, calendar):
    """With calendar periods, the line stage 06 suggests on a history of one period leaves two whole
    periods of that calendar with a whole window each (or, too short for that, periods counted back)."""
    first = pd.Timestamp("2011-09-01")
    as_of = first + pd.Timedelta(days=history_days - 1)
    info = {"first": first, "as_of": as_of, "period": "quarter", "calendar": calendar}
    line = i18n.say(monitoring.words._one_period_change(info))
    if line.startswith(("(needs data", "monitoring.calendar: as_of")):
        assert history_days <= 70, line
        return
    w = int(re.search(r"features.window_days: (\d+)", line).group(1))
    months = "month" if "monitoring.period: month" in line else "quarter"
    ends = [e for e in monitoring.period_ends(first, as_of, months, calendar) if e - pd.Timedelta(days=w - 1) >= first]
    assert len(ends) >= 2, (line, ends)
