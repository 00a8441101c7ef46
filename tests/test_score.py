"""seglab score: chunked scoring with a saved model reproduces training segments exactly."""

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from seglab import features, i18n, segmentation
from seglab.files import artifacts, score
from seglab.run import cli
from seglab.segmentation import lookalike


@pytest.fixture(scope="module")
def trained(synthetic_tables, default_params, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("score")
    quality = {
        "lenses": {
            "customers": {
                c: {"lens": lens}
                for c, lens in [
                    ("age", "demographic"),
                    ("gender", "demographic"),
                    ("income_band", "demographic"),
                    ("city", "geographic"),
                    ("region", "geographic"),
                ]
            }
        }
    }
    built = features.build(synthetic_tables, default_params.features, quality)
    feats = built.features
    params = default_params.segmentation.model_copy(update={"k": 5, "bootstrap": 0})
    result = segmentation.segment(feats, params, default_params.seed)
    artifacts.write_models(tmp / "model", result.model)
    look = lookalike.train(feats, result.segments, built.catalog, default_params.seed)
    artifacts.write_models(tmp / "model", result.model, look.model)
    feats.to_parquet(tmp / "features.parquet")
    return tmp, feats, result, look


@pytest.mark.parametrize(("suffix", "chunk_rows"), [(".parquet", 777), (".csv", 1000)])
def test_scoring_the_training_customers_reproduces_their_segments(trained, suffix, chunk_rows):
    tmp, feats, result, _ = trained
    src = tmp / f"in{suffix}"
    if suffix == ".csv":
        feats.to_csv(src, index=False)
    else:
        src = tmp / "features.parquet"
    out = tmp / f"out{suffix}"
    summary = score.score_file(tmp / "model", src, out, chunk_rows=chunk_rows)
    got = pd.read_parquet(out) if suffix == ".parquet" else pd.read_csv(out, dtype={"customer_id": str})
    assert summary.chunks == -(-len(feats) // chunk_rows) and summary.rows == len(feats)
    said = result.segments.assign(segment_label=result.segments["segment_label"].map(i18n.say))  # (in English)
    pd.testing.assert_frame_equal(got.drop(columns=["assigned_by", "persona"]), said, check_dtype=False)
    assert (got["persona"] == "S" + got["segment"].astype(str)).all()  # before stage 04 names them
    assert (got["assigned_by"] == "behaviour").all()
    assert summary.per_segment == result.segments["segment"].value_counts().sort_index().to_dict()
    assert "lifecycle" in summary.ignored_columns  # other columns of the feature table are reported, not used


def test_missing_feature_and_id_are_clear_errors(trained):
    tmp, feats, _, _ = trained
    bad = tmp / "no_monetary.parquet"
    feats.drop(columns=["monetary", "web_share"]).to_parquet(bad)
    with pytest.raises(
        score.ScoreError,
        match=r"no_monetary.parquet: missing feature\(s\) monetary, web_share; the model was trained on",
    ):
        score.score_file(tmp / "model", bad, tmp / "x.parquet")
    no_id = tmp / "no_id.csv"
    feats.drop(columns=["customer_id"]).to_csv(no_id, index=False)
    with pytest.raises(score.ScoreError, match="no_id.csv: no 'customer_id' column"):
        score.score_file(tmp / "model", no_id, tmp / "x.csv")


def test_text_in_a_numeric_feature_names_the_rows(trained):
    tmp, feats, _, _ = trained
    bad = tmp / "text.csv"
    feats.head(50).assign(monetary=["a lot"] * 50).to_csv(bad, index=False)
    with pytest.raises(score.ScoreError, match="text.csv: rows 1-50"):
        score.score_file(tmp / "model", bad, tmp / "x.csv")


def test_cli_score(trained, capsys):
    tmp, feats, result, _ = trained
    out = tmp / "cli.parquet"
    assert (
        cli.main(
            [
                "score",
                "--model",
                str(tmp / "model"),
                "--input",
                str(tmp / "features.parquet"),
                "--output",
                str(out),
                "--chunk-rows",
                "2000",
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert f"scored {len(feats):,} customers in 3 chunk(s)" in text and "S1:" in text
    assert (pd.read_parquet(out)["segment"].to_numpy() == result.segments["segment"].to_numpy()).all()
    assert (
        cli.main(["score", "--model", str(tmp / "nowhere"), "--input", str(out), "--output", str(tmp / "o.csv")]) == 1
    )
    err = capsys.readouterr().err
    assert err.startswith("seglab score: ") and "no segment model here" in err and err.count("\n") == 1


def test_score_writes_the_labels_and_names_in_the_language_asked(trained, capsys, tmp_path):
    """The model folder keeps each segment's label and persona name as a message id and values:
    `--language fa` writes them in Persian, `--language ar` in Arabic, the default in English;
    the segments are the same."""
    tmp, _feats, result, _ = trained
    model = shutil.copytree(tmp / "model", tmp_path / "model")  # (named by stage 04: a copy)
    (model / "personas.json").write_text(json.dumps({"1": "Loyal customers"}), encoding="utf-8")
    got = {}
    with i18n.using("en"):  # (the command sets this process's reader: put back after it)
        for language in ("en", "fa", "ar"):
            out = tmp_path / f"scored_{language}.parquet"
            args = ["score", "--model", str(model), "--input", str(tmp / "features.parquet"), "--output", str(out)]
            assert cli.main([*args, "--language", language]) == 0
            got[language] = pd.read_parquet(out)
    capsys.readouterr()
    with i18n.using("en"):
        english = result.segments["segment_label"].map(i18n.say)
    assert (got["en"]["segment_label"].to_numpy() == english.to_numpy()).all()
    with i18n.using("fa"):
        assert got["fa"]["persona"][got["fa"]["segment"] == 1].eq(i18n.term("Loyal customers")).all()
    for language in ("fa", "ar"):
        assert (got[language]["segment"] == got["en"]["segment"]).all()
        labels = got[language]["segment_label"]
        assert labels.str.contains("[\u0600-\u06ff]").all() and not labels.str.contains('"id"').any()
    assert got["en"].loc[got["en"]["segment"] == 1, "persona"].eq("Loyal customers").all()


def test_assign_is_the_same_in_any_block(trained):
    tmp, feats, result, _ = trained
    model = artifacts.read_segment_model(tmp / "model")
    order = np.random.default_rng(0).permutation(len(feats))
    shuffled = feats.sort_values("customer_id").iloc[order]
    assert (model.assign(shuffled) == result.segments["segment"].to_numpy()[order]).all()


def test_lookalike_beats_guessing_on_the_synthetic_default(trained):
    _, _, _, look = trained
    # age, income and contact permissions differ by archetype: attributes predict the segment,
    # far from perfectly (behaviour is what separates the segments)
    assert look.accuracy >= look.baseline + 0.15
    # a quarter of the 4,284 customers with a purchase in the model's window (the last year)
    assert look.confusion.to_numpy().sum() == look.n_test == 1071
    assert {"age", "income_band", "email_opt_in", "gender=female"} <= set(look.model.features)
    assert not {"monetary", "frequency", "reachable"} & set(look.model.features)


def test_prospects_without_purchases_are_scored_by_the_lookalike(trained):
    tmp, feats, _, look = trained
    prospects = (
        feats[["customer_id", *look.model.features]].head(300).assign(customer_id=lambda d: "P" + d["customer_id"])
    )
    prospects.to_csv(tmp / "prospects.csv", index=False)
    summary = score.score_file(tmp / "model", tmp / "prospects.csv", tmp / "prospects_out.csv", chunk_rows=100)
    out = pd.read_csv(tmp / "prospects_out.csv", dtype={"customer_id": str})
    assert summary.lookalike == 300 and (out["assigned_by"] == "lookalike").all()
    loaded = artifacts.read_lookalike(tmp / "model")
    assert (out["segment"].to_numpy() == loaded.predict(prospects)).all()
    # rows with every purchase feature empty go to the lookalike; the others keep their segment
    mixed = feats.head(100).copy()
    need = artifacts.read_segment_model(tmp / "model").preparation.features
    mixed.loc[mixed.index[:10], need] = np.nan
    mixed.to_parquet(tmp / "mixed.parquet")
    score.score_file(tmp / "model", tmp / "mixed.parquet", tmp / "mixed_out.parquet")
    got = pd.read_parquet(tmp / "mixed_out.parquet")
    assert got["assigned_by"].tolist() == ["lookalike"] * 10 + ["behaviour"] * 90
    # neither purchase features nor all attributes: a clear error
    prospects.drop(columns=["age"]).to_csv(tmp / "bad.csv", index=False)
    with pytest.raises(score.ScoreError, match=r"neither the purchase features .* \(missing: age\)"):
        score.score_file(tmp / "model", tmp / "bad.csv", tmp / "bad_out.csv")


def test_spark_scoring_gives_the_segments_of_the_local_scorer(trained, tmp_path):
    from conftest import require_spark

    require_spark()
    from seglab.config import Spark

    tmp, feats, result, _ = trained
    dataset = tmp_path / "features"  # a Parquet dataset: a folder of three files
    dataset.mkdir()
    bounds = np.linspace(0, len(feats), 4).astype(int)
    for i in range(3):
        feats.iloc[bounds[i] : bounds[i + 1]].to_parquet(dataset / f"part-{i}.parquet", index=False)
    out = tmp_path / "scored"
    summary = score.score_spark(tmp / "model", dataset, out, Spark(master="local[2]"))
    local = score.score_file(tmp / "model", tmp / "features.parquet", tmp_path / "local.parquet")
    spark = pd.read_parquet(out).sort_values("customer_id").reset_index(drop=True)
    alone = pd.read_parquet(tmp_path / "local.parquet").sort_values("customer_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(spark, alone, check_dtype=False)
    assert summary.per_segment == local.per_segment and summary.rows == len(feats)
    assert not list(tmp_path.glob(".scored.part"))
    # a duplicated customer is one clear message, and no output appears
    doubled = tmp_path / "doubled"
    doubled.mkdir()
    feats.head(5).to_parquet(doubled / "a.parquet", index=False)
    feats.head(1).to_parquet(doubled / "b.parquet", index=False)
    with pytest.raises(score.ScoreError, match="appears more than once"):
        score.score_spark(tmp / "model", doubled, tmp_path / "never", Spark(master="local[2]"))
    assert not (tmp_path / "never").exists()
