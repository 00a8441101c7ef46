import json

import pytest
import yaml

from seglab import config
from seglab.run import pipeline


def test_default_params_load(root):
    p = config.load(root / "notebooks/params/default.yaml")
    assert p.run_name == "default" and p.source.kind == "synthetic" and p.seed == 42


def test_unknown_key_names_the_key_and_suggests(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text("segmentation:\n  k_mn: 3\n")
    with pytest.raises(config.ParamsError) as e:
        config.load(f)
    msg = str(e.value)
    assert str(f) in msg and "segmentation.k_mn" in msg and "Did you mean 'k_min'" in msg


def test_bad_value_names_key_and_value(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text("segmentation:\n  k_min: 6\n  k_max: 3\n")
    with pytest.raises(config.ParamsError, match="k_min .6. must not exceed k_max .3."):
        config.load(f)
    f.write_text("seed: -1\n")
    with pytest.raises(config.ParamsError, match="key 'seed'.*got -1"):
        config.load(f)


def test_unknown_weight_component_is_refused():
    with pytest.raises(config.ParamsError, match="unknown component 'sizee'"):
        config.validate({"prioritization": {"weights": {"attractiveness": {"sizee": 1.0}}}})


def test_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(config.ParamsError, match="not found"):
        config.load(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("seed: [1,\n")
    with pytest.raises(config.ParamsError, match="not valid YAML"):
        config.load(bad)


def test_files_source_needs_transactions_or_customers():
    with pytest.raises(config.ParamsError, match="needs source.tables.transactions, or source.tables.customers alone"):
        config.validate({"source": {"kind": "files", "tables": {}}})
    with pytest.raises(config.ParamsError, match="needs source.tables.transactions"):
        config.validate({"source": {"kind": "files", "tables": {"sessions": {"path": "s.csv"}}}})
    assert config.validate({"source": {"kind": "files", "tables": {"customers": {"path": "c.csv"}}}})


def test_notebook_parameter_cells_match_default_yaml(root):
    """A notebook opened in JupyterLab must run on exactly the defaults of default.yaml."""
    import papermill

    defaults = config.load(root / "notebooks/params/default.yaml").model_dump(mode="json")
    notebooks = sorted((root / "notebooks").glob("0*.ipynb"))
    assert [nb.stem for nb in notebooks] == [name for name, _ in pipeline.STAGES]
    for nb in notebooks:
        declared = papermill.inspect_notebook(str(nb))
        assert declared, f"{nb.name} has no parameters cell"
        cell = next(c for c in json.loads(nb.read_text())["cells"] if "parameters" in c["metadata"].get("tags", []))
        ns: dict = {}
        exec("".join(cell["source"]), ns)  # literal values only
        values = config.validate({k: ns[k] for k in declared}).model_dump(mode="json")
        for k in declared:
            assert json.dumps(values[k], sort_keys=True) == json.dumps(defaults[k], sort_keys=True), f"{nb.name}: {k}"


def test_online_retail_params_valid(root):
    p = config.load(root / "notebooks/params/online_retail.yaml")
    assert p.source.kind == "files" and p.source.tables["transactions"].preset == "online_retail"
    assert yaml.safe_load((root / "notebooks/params/online_retail.yaml").read_text())["run_name"] == "online_retail"


def test_the_engine_has_a_section_of_its_own_and_is_still_read_where_it_was():
    """``engine`` (kind, duckdb, spark) is one section every stage and the features read; the
    engine written under ``features`` (before it had a section) is read as the same, with where to
    move it; given in both places differently, the message names both."""
    new = config.validate({"engine": {"kind": "spark", "spark": {"master": "local[2]"}}})
    old = config.validate({"features": {"engine": "spark", "spark": {"master": "local[2]"}}})
    assert new.engine == old.engine and new.engine.kind == "spark" and new.engine.spark.master == "local[2]"
    assert old.features.engine == old.engine and new.features.engine == new.engine  # what the features compute on
    assert old.moved == [("features.engine", "engine.kind"), ("features.spark", "engine.spark")] and new.moved == []
    assert "engine" not in old.model_dump()["features"]  # nor in the lineage of the features' files
    assert config.validate({}).features.engine.kind == "duckdb" and config.Features().engine.kind == "duckdb"
    with pytest.raises(config.ParamsError, match="features.engine and engine.kind differ"):
        config.validate({"features": {"engine": "spark"}, "engine": {"kind": "duckdb"}})
