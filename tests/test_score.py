"""seglab score: chunked scoring with a saved model reproduces training segments exactly."""

import numpy as np
import pandas as pd
import pytest

from seglab import cli, features, score, segment


@pytest.fixture(scope="module")
def trained(synthetic_tables, default_params, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("score")
    feats = features.build(synthetic_tables, default_params.features).features
    params = default_params.segmentation.model_copy(update={"k": 5, "bootstrap": 0})
    result = segment.segment(feats, params, default_params.seed)
    result.model.save(tmp / "model")
    feats.to_parquet(tmp / "features.parquet")
    return tmp, feats, result


@pytest.mark.parametrize(("suffix", "chunk_rows"), [(".parquet", 777), (".csv", 1000)])
def test_scoring_the_training_customers_reproduces_their_segments(trained, suffix, chunk_rows):
    tmp, feats, result = trained
    src = tmp / f"in{suffix}"
    if suffix == ".csv":
        feats.to_csv(src, index=False)
    else:
        src = tmp / "features.parquet"
    out = tmp / f"out{suffix}"
    summary = score.score_file(tmp / "model", src, out, chunk_rows=chunk_rows)
    got = pd.read_parquet(out) if suffix == ".parquet" else pd.read_csv(out, dtype={"customer_id": str})
    assert summary.chunks == -(-len(feats) // chunk_rows) and summary.rows == len(feats)
    pd.testing.assert_frame_equal(got, result.segments, check_dtype=False)
    assert summary.per_segment == result.segments["segment"].value_counts().sort_index().to_dict()
    assert "lifecycle" in summary.ignored_columns  # other columns of the feature table are reported, not used


def test_missing_feature_and_id_are_clear_errors(trained):
    tmp, feats, _ = trained
    bad = tmp / "no_monetary.parquet"
    feats.drop(columns=["monetary", "web_share"]).to_parquet(bad)
    with pytest.raises(score.ScoreError, match=r"no_monetary.parquet: missing feature\(s\) monetary, web_share; the model was trained on"):
        score.score_file(tmp / "model", bad, tmp / "x.parquet")
    no_id = tmp / "no_id.csv"
    feats.drop(columns=["customer_id"]).to_csv(no_id, index=False)
    with pytest.raises(score.ScoreError, match="no_id.csv: no 'customer_id' column"):
        score.score_file(tmp / "model", no_id, tmp / "x.csv")


def test_text_in_a_numeric_feature_names_the_rows(trained):
    tmp, feats, _ = trained
    bad = tmp / "text.csv"
    feats.head(50).assign(monetary=["a lot"] * 50).to_csv(bad, index=False)
    with pytest.raises(score.ScoreError, match="text.csv: rows 1-50"):
        score.score_file(tmp / "model", bad, tmp / "x.csv")


def test_cli_score(trained, capsys):
    tmp, feats, result = trained
    out = tmp / "cli.parquet"
    assert cli.main(["score", "--model", str(tmp / "model"), "--input", str(tmp / "features.parquet"),
                     "--output", str(out), "--chunk-rows", "2000"]) == 0
    text = capsys.readouterr().out
    assert f"scored {len(feats):,} customers in 3 chunk(s)" in text and "S1:" in text
    assert (pd.read_parquet(out)["segment"].to_numpy() == result.segments["segment"].to_numpy()).all()
    assert cli.main(["score", "--model", str(tmp / "nowhere"), "--input", str(out), "--output", str(out)]) == 1
    assert "no segment model here" in capsys.readouterr().err


def test_assign_is_the_same_in_any_block(trained):
    tmp, feats, result = trained
    model = segment.SegmentModel.load(tmp / "model")
    order = np.random.default_rng(0).permutation(len(feats))
    shuffled = feats.sort_values("customer_id").iloc[order]
    assert (model.assign(shuffled) == result.segments["segment"].to_numpy()[order]).all()
