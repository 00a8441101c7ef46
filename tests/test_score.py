"""seglab score: chunked scoring with a saved model reproduces training segments exactly."""

import json
import shutil
from io import StringIO

import numpy as np
import pandas as pd
import pytest
import test_i18n

from seglab import features, i18n, segmentation
from seglab import io as sio
from seglab.files import artifacts, exports, score
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


def _read_scored(path) -> pd.DataFrame:
    """A CSV `seglab score` wrote (the exports' format: segments S1, S2, ...), its segments back to
    their numbers to compare with stage 03's."""
    got = pd.read_csv(path, encoding="utf-8-sig", dtype={"customer_id": str})
    assert got["segment"].str.fullmatch(r"S[1-9][0-9]*").all()
    return got.assign(segment=got["segment"].str[1:].astype(int))


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
    got = pd.read_parquet(out) if suffix == ".parquet" else _read_scored(out)
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
    out = _read_scored(tmp / "prospects_out.csv")
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


#: Persona names of the catalog (stage 04's, kept in English beside the model).
NAMES = {
    "1": "Loyal customers",
    "2": "Bulk buyers",
    "3": "Bargain hunters",
    "4": "At-risk customers",
    "5": "Lapsed customers",
}


def _named_model(tmp, folder):
    """A copy of the trained model in ``folder`` with stage 04's persona names beside it."""
    model = shutil.copytree(tmp / "model", folder)
    (model / "personas.json").write_text(json.dumps(NAMES), encoding="utf-8")
    return model


def test_the_score_csv_is_written_in_the_exports_format(trained, tmp_path):
    """Issue 31 (9): the score CSV had no byte-order mark, LF line ends and segment `3` where the
    exports (stage 05) write `S3`. Now it is written by the exports' writer: UTF-8 with a BOM (once,
    whatever the chunks), CRLF, a formula-like id neutralised, segments and persona names as
    segments.csv writes them."""
    tmp, feats, result, _ = trained
    model = _named_model(tmp, tmp_path / "model")
    src = feats.head(60).assign(customer_id=lambda d: ["=HYPERLINK(1)", *d["customer_id"].iloc[1:]])
    src.to_parquet(tmp_path / "in.parquet")
    out = tmp_path / "scored.csv"
    with i18n.using("fa"):
        score.score_file(model, tmp_path / "in.parquet", out, chunk_rows=25)
        matrix = pd.DataFrame({"segment": range(1, 6), "persona": list(NAMES.values()), "quadrant": "Target"})
        segments = pd.DataFrame({"customer_id": src["customer_id"], "segment": result.segments["segment"].head(60)})
        listed = exports.customer_list(segments, matrix)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfcustomer_id,segment,persona,segment_label,assigned_by\r\n")
    assert raw.count(b"\xef\xbb\xbf") == 1 and raw.count(b"\n") == raw.count(b"\r\n") == 61
    got = pd.read_csv(out, encoding="utf-8-sig", dtype={"customer_id": str})
    assert got["customer_id"].iloc[0] == "'=HYPERLINK(1)"  # (as every seglab CSV: not a formula)
    assert got["segment"].tolist() == ["S" + str(n) for n in result.segments["segment"].head(60)]
    sio.write_csv(listed[["customer_id", "segment", "persona"]], tmp_path / "export.csv", encoding=exports.ENCODING)
    written = pd.read_csv(tmp_path / "export.csv", encoding="utf-8-sig", dtype={"customer_id": str})
    pd.testing.assert_frame_equal(got[["customer_id", "segment", "persona"]], written)
    assert got["persona"].str.contains("[\u0600-\u06ff]").all()


def _project_run(root, model, language: str | None):
    """The model in a run's folder (data/processed/one/model) whose record says the reports were
    written in ``language`` (None: no complete `seglab run`, no record)."""
    folder = shutil.copytree(model, root / "data" / "processed" / "one" / "model")
    if language:
        record = root / "data" / "interim" / "one" / "kept" / "run.json"
        record.parent.mkdir(parents=True)
        record.write_text(json.dumps({"params": {"report": {"language": language}}, "stages": []}), encoding="utf-8")
    return folder


@pytest.mark.parametrize("language", ["fa", "ar"])
def test_score_writes_the_persona_names_in_the_runs_language(trained, tmp_path, capsys, language):
    """Issue 31 (9): `seglab score` on the model of a Persian or Arabic run wrote English persona
    names (its --language defaulted to English) beside the run's exports in Persian or Arabic. Now
    it writes them in the language of the run's reports, and says each segment's name and size;
    --language still chooses, and a model folder outside a run is scored in English."""
    tmp, feats, _, _ = trained
    model = _project_run(tmp_path / "project", _named_model(tmp, tmp_path / "model"), language)
    args = ["score", "--model", str(model), "--input", str(tmp / "features.parquet")]
    with i18n.using("en"):  # (the command sets this process's reader: put back after it)
        assert cli.main([*args, "--output", str(tmp_path / "run.csv")]) == 0
        said = capsys.readouterr().out
        assert cli.main([*args, "--output", str(tmp_path / "en.csv"), "--language", "en"]) == 0
        capsys.readouterr()
        assert cli.main([*args[:2], str(tmp_path / "model"), *args[3:], "--output", str(tmp_path / "x.csv")]) == 0
        capsys.readouterr()
    got, english, outside = (_read_scored(tmp_path / f) for f in ("run.csv", "en.csv", "x.csv"))
    with i18n.using(language):
        names = {int(s): i18n.term(n) for s, n in NAMES.items()}
    assert (got["persona"] == got["segment"].map(names)).all() and got["persona"].str.contains("[\u0600-\u06ff]").all()
    assert got["segment_label"].str.contains("[\u0600-\u06ff]").all()
    assert (english["persona"] == english["segment"].map({int(s): n for s, n in NAMES.items()})).all()
    assert outside["persona"].tolist() == english["persona"].tolist()
    for s, n in got["segment"].value_counts().items():
        assert f"  S{s} {names[s]}: {n:,} (" in said


def test_the_terminal_summary_names_each_segments_persona(trained, tmp_path):
    """Issue 31 (9): the summary listed the customers per segment without the persona names."""
    tmp, _, result, _ = trained
    model = _named_model(tmp, tmp_path / "model")
    out = tmp_path / "scored.parquet"
    with i18n.using("en"):
        summary = score.score_file(model, tmp / "features.parquet", out)
        text = StringIO()
        score.report(summary, out, text)
    counts = result.segments["segment"].value_counts()
    for s, name in NAMES.items():
        assert f"  S{s} {name}: {counts[int(s)]:,} (" in text.getvalue()


#: The small synthetic run made in English, Persian and Arabic (test_i18n; made once per test worker).
languages = test_i18n.languages


@pytest.mark.slow
@pytest.mark.parametrize("language", ["en", "fa", "ar"])
def test_score_after_a_run_writes_the_persona_names_of_its_exports(languages, tmp_path, capsys, language):
    """Issue 31 (9): after a run in Persian or Arabic, `seglab score` on its model writes each
    customer's segment and persona name as that run's exports (segments.csv) do, in the run's
    language, and its summary names each segment's persona."""
    run = languages[language]
    for name, data in run["data"].items():  # the run's data/processed/one/ and data/interim/one/
        layer, rest = name.split("/", 1)
        f = tmp_path / "data" / layer / "one" / rest
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(data)
    processed, out = tmp_path / "data" / "processed" / "one", tmp_path / "scored.csv"
    args = ["score", "--model", str(processed / "model"), "--input", str(processed / "features.parquet")]
    with i18n.using("en"):  # (the command sets this process's reader: put back after it)
        assert cli.main([*args, "--output", str(out)]) == 0
    said = capsys.readouterr().out
    read = {"encoding": "utf-8-sig", "dtype": {"customer_id": str}}
    listed = pd.read_csv(run["reports"] / "exports" / "segments.csv", **read).set_index("customer_id")
    got = pd.read_csv(out, **read).set_index("customer_id").loc[listed.index]
    assert got["segment"].tolist() == listed["segment"].tolist()
    assert got["persona"].tolist() == listed["persona"].tolist()
    assert got["persona"].str.contains("[\u0600-\u06ff]").all() == (language != "en")
    for code, persona in listed.groupby("segment")["persona"].first().items():
        assert f"  {code} {persona}: " in said
