"""The run's files: one table (seglab.files.artifacts.ARTIFACTS), a store every stage goes through,
lineage that stops a stage from reading stale results, and figures that never mix executions."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pandas as pd
import pytest
import yaml
from test_pipeline import SMALL, _project, _seglab

from seglab import config
from seglab.files import artifacts
from seglab.files.artifacts import ARTIFACTS, StaleArtifact, Store
from seglab.paths import RunPaths
from seglab.run import readme

ROOT = Path(__file__).resolve().parents[1]


def _params(**changes) -> config.Params:
    return config.validate({"run_name": "t", **changes})


def _stores(tmp_path: Path, **changes):
    run = RunPaths(tmp_path, "t").ensure()
    p = _params(**changes)
    return run, {s: Store(run, s, p, sections=["seed", "features", "segmentation"]) for s in ("02", "03", "04", "05")}


def _features() -> pd.DataFrame:
    return pd.DataFrame({"customer_id": ["a", "b"], "monetary": [1.0, 2.0]})


# --- the table ----------------------------------------------------------------------------------
def test_every_artifact_is_declared_once_with_a_known_writer_and_readers():
    names = [a.name for a in ARTIFACTS]
    assert len(names) == len(set(names))
    paths = [a.path for a in ARTIFACTS]
    assert len(paths) == len(set(paths))
    stages_ = {*artifacts.STAGE_NAMES, "run", "all"}
    readers = {*artifacts.STAGE_NAMES, artifacts.INDEX, artifacts.SCORE}
    for a in ARTIFACTS:
        assert a.stage in stages_, a
        assert set(a.readers) <= readers, a
        assert all(r > a.stage for r in a.readers if r in artifacts.STAGE_NAMES), f"{a.name} is read upstream"
        if a.kind == "table":
            from seglab import schemas

            assert a.schema in schemas.BY_NAME, a


def test_the_readme_outputs_reference_is_the_table(root):
    assert readme.outputs_markdown() in (root / "README.md").read_text(encoding="utf-8"), "run: make readme"


def test_each_notebook_opening_cell_says_what_the_table_says_it_reads_and_writes():
    for stage in artifacts.STAGES:
        nb = json.loads((ROOT / "notebooks" / f"{stage.name}.ipynb").read_text())
        opening = "".join(nb["cells"][0]["source"])
        assert readme.describe(stage.number) in opening, f"{stage.name}: the opening cell does not match ARTIFACTS"


def test_every_figure_a_notebook_draws_is_declared_and_every_declared_one_is_drawn():
    import re

    drawn = set()
    for name in artifacts.STAGE_NAMES.values():
        text = (ROOT / "notebooks" / f"{name}.ipynb").read_text()
        found = set(re.findall(r'stage\.figure\(\\"(\w+)\\"\)', text))
        # saved with its phone version (plots.save(..., phone=...)): <name>_phone is drawn beside it
        found |= {f"{f}_phone" for f in re.findall(r'stage\.figure\(\\"(\w+)\\"\), phone=', text)}
        assert all(artifacts.number_of(f) == artifacts.number_of(name) for f in found), (name, found)
        drawn |= found
    assert drawn == {a.name for a in ARTIFACTS if a.kind == "figure"}


def test_no_stage_module_or_notebook_builds_a_run_path_itself():
    """File names live in the table: notebooks and stage modules never join a run folder and a name."""
    import re

    for nb in (ROOT / "notebooks").glob("*.ipynb"):
        text = nb.read_text()
        assert not re.search(r"run\.(figures|processed|interim|model|reports)\b", text), nb.name
    for module in (
        "collection",
        "features",
        "segmentation",
        "personas",
        "prioritization",
        "monitoring",
    ):
        where = ROOT / "src" / "seglab" / module
        for path in sorted(where.glob("*.py")) if where.is_dir() else [where.with_suffix(".py")]:
            text = path.read_text()
            assert not re.search(r"processed|interim|reports|figures /|model\.json|\.png", text), path.name


# --- the store ------------------------------------------------------------------------------------
def test_a_saved_file_loads_back_and_records_its_inputs_and_parameters(tmp_path):
    run, s = _stores(tmp_path)
    s["02"].save("features", _features())
    df = s["03"].load("features")
    assert list(df["customer_id"]) == ["a", "b"]
    s["03"].save("segments", pd.DataFrame({"customer_id": ["a", "b"], "segment": [1, 2], "segment_label": ["x", "y"]}))
    book = json.loads((run.processed / "lineage.json").read_text())
    sha = hashlib.sha256((run.processed / "features.parquet").read_bytes()).hexdigest()
    assert book["features"]["sha256"] == sha and book["features"]["stage"] == "02"
    assert book["segments"]["inputs"] == {"features": sha}
    assert book["segments"]["params"]["segmentation"]["k_max"] == 8


def test_reading_a_file_made_from_an_earlier_upstream_result_stops_naming_the_stage_to_rerun(tmp_path):
    run, s = _stores(tmp_path)
    s["02"].save("features", _features())
    s["03"].load("features")
    s["03"].save("segments", pd.DataFrame({"customer_id": ["a", "b"], "segment": [1, 2], "segment_label": ["x", "y"]}))
    changed = _features().assign(monetary=[5.0, 6.0])
    _, again = _stores(tmp_path)
    again["02"].save("features", changed)  # stage 02 ran again: the segments are of the old features
    with pytest.raises(
        StaleArtifact,
        match=r"segments.parquet was made from an earlier features.parquet "
        r"\(02_feature_building has run again since\): rerun 03_segmentation",
    ):
        Store(run, "04", _params(), sections=["seed"]).load("segments")


def test_the_same_result_written_again_is_not_stale(tmp_path):
    run, s = _stores(tmp_path)
    s["02"].save("features", _features())
    s["03"].load("features")
    s["03"].save("segments", pd.DataFrame({"customer_id": ["a"], "segment": [1], "segment_label": ["x"]}))
    _, again = _stores(tmp_path)
    again["02"].save("features", _features())  # a rerun with the same result: same hash
    assert len(Store(run, "04", _params(), sections=["seed"]).load("segments")) == 1


def test_a_page_rendered_again_reads_tables_by_their_hash_without_checking_their_schema(tmp_path, monkeypatch):
    # seglab report: the bytes are those the stage validated when it wrote them, which the lineage's
    # sha256 vouches for; a stage computing still checks every table it reads
    from seglab import io

    run, s = _stores(tmp_path)
    s["02"].save("features", _features())
    checked = []
    real = io.validate
    monkeypatch.setattr(io, "validate", lambda df, schema, where: checked.append(where) or real(df, schema, where))
    page = Store(run, "03", _params(), sections=["seed"], options=artifacts.StoreOptions(read_only=True))
    assert page.load("features").equals(_features())
    assert checked == []
    Store(run, "03", _params(), sections=["seed"]).load("features")
    assert len(checked) == 1
    path = artifacts.location(artifacts.BY_NAME["features"], run)
    _features().assign(monetary=[9.0, 9.0]).to_parquet(path, index=False)  # changed by hand: refused
    with pytest.raises(StaleArtifact, match="changed after"):
        page.load("features")


def test_reading_a_file_made_with_other_parameters_names_the_parameter(tmp_path):
    run, s = _stores(tmp_path)
    s["02"].save("features", _features())
    other = Store(run, "03", _params(features={"window_days": 90}), sections=["seed", "features"])
    with pytest.raises(
        StaleArtifact,
        match=r"features.parquet was made with other parameters \(features.window_days "
        r"= null there, 90 here\): rerun 02_feature_building",
    ):
        other.load("features")
    # a section the reading stage does not declare is not compared
    assert len(Store(run, "03", _params(features={"window_days": 90}), sections=["seed"]).load("features")) == 2


def test_a_file_changed_outside_seglab_or_without_a_record_is_refused(tmp_path):
    run, s = _stores(tmp_path)
    s["02"].save("features", _features())
    pd.DataFrame({"customer_id": ["z"], "monetary": [9.0]}).to_parquet(run.processed / "features.parquet")
    with pytest.raises(StaleArtifact, match="changed after 02_feature_building wrote it"):
        Store(run, "03").load("features")
    (run.processed / "lineage.json").unlink()
    with pytest.raises(StaleArtifact, match="no record of how it was made"):
        Store(run, "03").load("features")


def test_the_table_decides_who_writes_and_who_reads(tmp_path):
    run, s = _stores(tmp_path)
    with pytest.raises(PermissionError, match="features is written by stage 02, not by 03"):
        s["03"].save("features", _features())
    s["02"].save("features", _features())
    with pytest.raises(PermissionError, match="stage 02 does not read segments"):
        s["02"].load("segments")
    with pytest.raises(KeyError, match="not a file of a run"):
        s["02"].load("featurs")


def test_an_optional_file_not_written_reads_as_none_and_an_earlier_one_goes(tmp_path):
    run, s = _stores(tmp_path)
    s["04"].save(
        "predictions", pd.DataFrame({"customer_id": ["a"], "segment": [1], "p_buy": [0.5], "expected_spend": [1.0]})
    )
    assert s["05"].load("predictions") is not None
    s["04"].absent("predictions")
    assert not (run.processed / "predictions.parquet").exists()
    assert Store(run, "05").load("predictions") is None
    with pytest.raises(FileNotFoundError, match="run 04_persona_profiling first"):
        Store(run, "05").load("profiles")


# --- by hand in JupyterLab, as an analyst would ----------------------------------------------------
def _by_hand(project: Path, name: str, params: config.Params, **changes):
    """Execute a stage notebook as JupyterLab would (its own kernel, no seglab run)."""
    import papermill

    nb = project / "notebooks" / f"{name}.ipynb"
    values = config.notebook_values(params, list(papermill.inspect_notebook(str(nb))))
    for key, value in changes.items():
        values[key] = {**values[key], **value}
    os.environ["SEGLAB_ROOT"] = str(project)
    try:
        papermill.execute_notebook(
            str(nb),
            str(project / f"{name}.by_hand.ipynb"),
            parameters=values,
            kernel_name="python3",
            progress_bar=False,
            cwd=str(project / "notebooks"),
        )
    finally:
        os.environ.pop("SEGLAB_ROOT", None)


def _figures(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.png"))}


@pytest.mark.slow
def test_a_stale_rerun_by_hand_stops_with_a_clear_message_and_figures_never_mix(tmp_path, root):
    from papermill.exceptions import PapermillExecutionError

    small = {**SMALL, "run_name": "hand"}
    params_file = _project(tmp_path, root, small)
    first = _seglab("run", "--params", str(params_file), root=tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    params = config.load(params_file)
    run = RunPaths(tmp_path, "hand")
    figures = _figures(run.figures)
    assert set(figures) == {a.file for a in ARTIFACTS if a.kind == "figure"}  # this run drew every figure
    k_first = json.loads((run.model / "model.json").read_text())["k"]
    k = 4 if k_first != 4 else 3

    # 03 rerun by hand with another k: the run's figures stay as they were; its own folder holds 03's only
    _by_hand(tmp_path, "03_segmentation", params, segmentation={"k": k})
    assert _figures(run.figures) == figures
    hand = artifacts.hand_figures(run, "03_segmentation")
    assert set(_figures(hand)) == {"03_segment_map.png", "03_lookalike_confusion.png"}

    # 06 without 04: the persona names are of the old segments
    with pytest.raises(PapermillExecutionError) as stale:
        _by_hand(tmp_path, "06_monitoring", params)
    assert stale.value.ename == "StaleArtifact"
    assert (
        "persona_names.csv was made from an earlier model/model.json (03_segmentation has run again since): "
        "rerun 04_persona_profiling, then the stages after it"
    ) in stale.value.evalue

    # 04 rerun, then 06 without 05 (the scenario of the issue): 06 tracks the k segments itself
    _by_hand(tmp_path, "04_persona_profiling", params)
    _by_hand(tmp_path, "06_monitoring", params)
    flags = pd.read_csv(run.processed / "monitoring_flags.csv")
    names = pd.read_csv(run.processed / "persona_names.csv")
    assert list(flags["segment"]) == list(range(1, k + 1))
    assert list(flags["persona"]) == list(names["persona"])
    tracked = pd.read_parquet(run.processed / "period_segments.parquet")
    assert tracked["segment"].max() == k

    # 05 with another as-of date than stage 02's: refused, naming the parameter
    with pytest.raises(PapermillExecutionError) as other:
        _by_hand(tmp_path, "05_prioritization", params, features={"window_days": 120})
    assert (
        "features.parquet was made with other parameters (features.window_days = null there, 120 here)"
        in other.value.evalue
        and "rerun 02_feature_building" in other.value.evalue
    )

    # a second seglab run that fails at stage 02 leaves no figure of the first
    broken = yaml.safe_load(params_file.read_text())
    broken["features"] = {"as_of": "1990-01-01"}
    params_file.write_text(yaml.safe_dump(broken))
    second = _seglab("run", "--params", str(params_file), root=tmp_path)
    assert second.returncode == 1 and "02_feature_building failed" in second.stderr, second.stderr[-2000:]
    assert set(_figures(run.figures)) == {"01_rejected_by_rule.png"}
    index = (run.reports / "index.html").read_text()
    assert "Stage 02_feature_building failed" in index
    # and the index shows no result of the earlier run's stages (they are stale now)
    assert 'class="persona-card"' not in index and "Left out of this page" in index
