"""End-to-end: `seglab run` executes every stage notebook into reports/<run>/."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import browser
import numpy as np
import pandas as pd
import pytest
import yaml

from seglab.report import pages, plots
from seglab.run import pipeline

SMALL = {
    "run_name": "small",
    "seed": 3,
    "source": {"kind": "synthetic", "synthetic": {"n_customers": 600, "months": 12}},
    "segmentation": {"k_min": 2, "k_max": 6},
}


def _project(tmp: Path, root: Path, params: dict) -> Path:
    """A throw-away project: the repository's notebooks plus one parameters file."""
    shutil.copytree(root / "notebooks", tmp / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    f = tmp / "notebooks" / "params" / f"{params['run_name']}.yaml"
    f.write_text(yaml.safe_dump(params))
    return f


def _seglab(*args, root: Path) -> subprocess.CompletedProcess:
    env = {**__import__("os").environ, "SEGLAB_ROOT": str(root)}
    return subprocess.run(
        [sys.executable, "-m", "seglab.run.cli", *args], capture_output=True, text=True, env=env, timeout=900
    )


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def small_run(tmp_path_factory, root):
    """One `seglab run --language en,ar` of a small synthetic CRM (computed in English, its pages also
    rendered in Arabic): (project folder, params file, the process result)."""
    tmp = tmp_path_factory.mktemp("small")
    params = _project(tmp, root, SMALL)
    return tmp, params, _seglab("run", "--params", str(params), "--language", "en,ar", root=tmp)


@pytest.mark.slow
@pytest.mark.xdist_group("small_run")
def test_run_writes_every_stage_and_reruns_identically(small_run):
    tmp_path, params, first = small_run
    assert first.returncode == 0, first.stderr[-3000:]
    # progress per stage and cell, and each stage's time at the end
    assert "[03_segmentation] cells:" in first.stderr and "time per stage:" in first.stdout
    assert all(f"  {name}" in first.stdout for name, _ in pipeline.STAGES)
    reports = tmp_path / "reports" / "small"
    for name, _ in pipeline.STAGES:
        assert (reports / f"{name}.ipynb").is_file() and (reports / f"{name}.html").is_file()
    index = (reports / "index.html").read_text()
    assert "Boston matrix" in index and "FAILED" not in index and "data:image/png;base64" in index
    for name, _ in pipeline.STAGES:
        assert f'href="{name}.html"' in index
    processed = tmp_path / "data" / "processed" / "small"
    for f in (
        "features.parquet",
        "feature_catalog.csv",
        "segments.parquet",
        "model_selection.csv",
        "model/model.json",
        "profiles.csv",
        "personas.json",
        "midas.csv",
        "boston_matrix.csv",
        "definable_rules.csv",
        "rule_fidelity.csv",
        "predictions.parquet",
        "prediction_quality.json",
        "boston_sensitivity.csv",
        "period_segments.parquet",
        "monitoring.json",
        "segment_periods.csv",
        "migration.csv",
        "monitoring_flags.csv",
    ):
        assert (processed / f).is_file(), f
    # stage 04's report shows the rules with their fidelity, the MIDAS scorecard and the prediction quality
    html04 = (reports / "04_persona_profiling.html").read_text()
    quality = json.loads((processed / "prediction_quality.json").read_text())
    assert quality["available"] and f"AUC {quality['auc']:.2f}" in html04
    assert "(fidelity " in html04 and "MIDAS scorecard" in html04 and "Measurable" in html04
    assert 'class="persona-card"' in index
    # the answer first: the matrix, what to do with each segment, the personas; then what seglab assumed
    order = [index.index(f'<h2 id="{a}"') for a in ("priorities", "actions", "personas")] + [
        index.index('<details id="assumed">')
    ]
    assert order == sorted(order) and index.index('class="lead"') < order[0], order
    # stage 05 shows the matrix, the sensitivity and the budget; stage 06 the migration and the flow
    html05 = (reports / "05_prioritization.html").read_text()
    assert "How robust is each placement?" in html05 and "kept its quadrant" in html05 and "budget" in html05
    html06 = (reports / "06_monitoring.html").read_text()
    assert "Migration between consecutive periods" in html06 and html06.count("data:image/png;base64") >= 3
    for fig in ("05_boston_matrix.png", "06_segments_over_time.png", "06_migration.png", "06_flow.png"):
        assert (reports / "figures" / fig).is_file(), fig
    # the figures the runner drew after each stage are in the executed notebooks, as the kernel would
    # have shown them: PNG data at the inline size, no placeholder left
    for name, _ in pipeline.STAGES:
        nb = json.loads((reports / f"{name}.ipynb").read_text())
        outputs = [o for c in nb["cells"] for o in c.get("outputs", [])]
        assert not [o for o in outputs if plots.DEFERRED in o.get("metadata", {})], name
        for o in outputs:
            if "image/png" in o.get("data", {}):
                assert o["metadata"]["image/png"]["width"] > 100, name
    # one kernel for all stages, talking over Unix sockets: no warning about unencrypted TCP
    assert "running over TCP" not in first.stderr and "kernel ready in" in first.stdout
    assert (tmp_path / "data" / "interim" / "small" / "quality.json").is_file()
    # code hidden by default in the HTML; report.show_code shows it
    assert "save_segmentation" not in (reports / "03_segmentation.html").read_text()
    shown = pages.render_html(reports / "03_segmentation.ipynb", show_code=True).read_text()
    assert "save_segmentation" in shown
    pages.render_html(reports / "03_segmentation.ipynb", show_code=False)
    before = {
        f: _digest(processed / f)
        for f in (
            "segments.parquet",
            "boston_matrix.csv",
            "model/model.json",
            "predictions.parquet",
            "personas.json",
            "boston_sensitivity.csv",
            "period_segments.parquet",
            "migration.csv",
        )
    }
    exported = {f.name: _digest(f) for f in sorted((reports / "exports").glob("*.csv"))}
    assert "segments.csv" in exported and len(exported) > 2
    # the pages in Arabic too, from the same results: their own folder, the exports' names in both
    assert "seglab report 'small' in ar" in first.stdout
    for name in ["index", *(n for n, _ in pipeline.STAGES)]:
        assert '<html lang="ar" dir="rtl">' in (reports / "ar" / f"{name}.html").read_text(encoding="utf-8"), name
    assert '<html lang="en" dir="ltr">' in index and 'href="ar/index.html"' in index
    exported_rows = pd.read_csv(reports / "exports" / "segments.csv", encoding="utf-8-sig")
    assert list(exported_rows.columns[:4]) == ["customer_id", "segment", "persona", "persona_ar"]
    assert exported_rows["persona_ar"].str.contains("[\u0600-\u06ff]").all()
    assert not exported_rows["persona"].str.contains("[\u0600-\u06ff]").any()
    second = _seglab("run", "--params", str(params), "--language", "en,ar", root=tmp_path)
    assert second.returncode == 0, second.stderr[-3000:]
    assert {f: _digest(processed / f) for f in before} == before
    assert {f.name: _digest(f) for f in sorted((reports / "exports").glob("*.csv"))} == exported


@pytest.mark.slow
@pytest.mark.xdist_group("small_run")
def test_reports_load_cleanly_in_a_browser(small_run, root):
    tmp_path, _, first = small_run
    assert first.returncode == 0, first.stderr[-3000:]
    reports = tmp_path / "reports" / "small"
    pages = ["index.html"] + [f"{name}.html" for name, _ in pipeline.STAGES]
    checks = browser.check_pages(reports, pages, root / "test-output" / "screenshots" / "small")
    assert [p for c in checks for p in c.problems()] == []
    by_page = {c.page: c for c in checks}
    assert by_page["index.html"].images >= 2  # the Boston matrix and the monitoring chart, embedded
    assert by_page["index.html"].links >= len(pipeline.STAGES)
    assert by_page["05_prioritization.html"].images >= 1 and by_page["06_monitoring.html"].images >= 3
    for c in checks:
        assert c.screenshot.stat().st_size > 10_000, c.page  # a page was drawn, not a blank
    # the pages rendered in Arabic (one folder down: their links to the exports and the other language)
    checks = browser.check_pages(reports / "ar", pages, root / "test-output" / "screenshots" / "small-ar")
    assert [p for c in checks for p in c.problems()] == []


@pytest.mark.slow
def test_failing_stage_names_notebook_and_cell_and_keeps_it(tmp_path, root):
    # a transactions file without the columns the mapping names: stage 01 must fail, and nothing after it runs
    (tmp_path / "data" / "raw").mkdir(parents=True)
    (tmp_path / "data" / "raw" / "tx.csv").write_text("who,when,what\nA,2024-01-01,3\n")
    bad = {"run_name": "broken", "source": {"kind": "files", "tables": {"transactions": {"path": "data/raw/tx.csv"}}}}
    params = _project(tmp_path, root, bad)
    res = _seglab("run", "--params", str(params), root=tmp_path)
    assert res.returncode != 0
    assert "stage 01_data_collection failed in cell" in res.stderr and "tx.csv" in res.stderr, res.stderr[-2000:]
    reports = tmp_path / "reports" / "broken"
    assert (reports / "01_data_collection.ipynb").is_file() and (reports / "01_data_collection.html").is_file()
    assert not (reports / "02_feature_building.ipynb").exists()
    index = (reports / "index.html").read_text()
    assert "01_data_collection failed" in index
    # the failed stage's report opens with the error, before any of its content
    page = (reports / "01_data_collection.html").read_text()
    assert "This stage failed." in page and "tx.csv" in page
    body = page[page.index("<body") :]  # (the page title names the stage too)
    assert body.index("This stage failed.") < body.index("01 · Data collection")
    checks = browser.check_pages(
        reports, ["index.html", "01_data_collection.html"], root / "test-output" / "screenshots" / "broken"
    )
    assert [p for c in checks for p in c.problems()] == []


def test_bad_params_file_fails_before_running(tmp_path, root):
    f = tmp_path / "p.yaml"
    f.write_text("segmentation:\n  kk: 3\n")
    res = _seglab("run", "--params", str(f), root=root)
    assert res.returncode == 1 and "segmentation.kk" in res.stderr


def test_synth_command_writes_tables_and_ground_truth(tmp_path, root):
    res = _seglab(
        "synth", "--out", str(tmp_path / "crm"), "--customers", "80", "--months", "4", "--seed", "5", root=root
    )
    assert res.returncode == 0, res.stderr
    import pandas as pd

    for name in ("customers", "transactions", "sessions", "campaign_events", "ground_truth"):
        assert (tmp_path / "crm" / f"{name}.parquet").is_file()
    gt = pd.read_parquet(tmp_path / "crm" / "ground_truth.parquet")
    assert len(gt) == 80 and gt["archetype"].nunique() == 5


@pytest.mark.slow
def test_customer_level_source_runs_every_stage(tmp_path, root):
    from seglab import synth

    data = synth.generate(600, 12, seed=4)
    (tmp_path / "data" / "raw").mkdir(parents=True)
    synth.customer_level(data, with_id=False).to_csv(tmp_path / "data" / "raw" / "agg.csv", index=False)
    params = _project(
        tmp_path,
        root,
        {
            "run_name": "agg",
            "source": {
                "kind": "files",
                "tables": {"customers": {"path": "data/raw/agg.csv", "lenses": {"demographic": ["age", "gender"]}}},
            },
            "segmentation": {"k_min": 2, "k_max": 5},
        },
    )
    res = _seglab("run", "--params", str(params), root=tmp_path)
    assert res.returncode == 0, res.stderr[-3000:]
    reports = tmp_path / "reports" / "agg"
    index = (reports / "index.html").read_text()
    assert "customer level" in index and "Boston matrix" in index
    assert "id made from its row number" in (reports / "01_data_collection.html").read_text()
    html01 = (reports / "01_data_collection.html").read_text()
    assert "guessed from the name" in html01 and "given" in html01  # the lens table is shown
    segs = __import__("pandas").read_parquet(tmp_path / "data" / "processed" / "agg" / "segments.parquet")
    assert len(segs) == 600 and segs["customer_id"].str.match(r"R\d{6}").all()


@pytest.mark.slow
def test_database_secret_never_reaches_reports(tmp_path, root, pg_url, monkeypatch):
    import adbc_driver_postgresql.dbapi as pg
    import pandas as pd
    import pyarrow as pa

    from seglab import synth

    tx = synth.generate(80, 3, seed=1).transactions
    with pg.connect(pg_url) as con, con.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS crm_orders")
        con.commit()
        cur.adbc_ingest("crm_orders", pa.Table.from_pandas(tx, preserve_index=False), mode="create")
        con.commit()
    monkeypatch.setenv("SEGLAB_CRM_URL", pg_url)
    params = {
        "run_name": "db",
        "source": {
            "kind": "files",
            "tables": {
                "transactions": {
                    "format": "postgres",
                    "url_env": "SEGLAB_CRM_URL",
                    "query": "SELECT * FROM crm_orders ORDER BY timestamp, order_id, product_id",
                }
            },
        },
    }
    f = _project(tmp_path, root, params)
    pipeline.run(f, root=tmp_path, options=pipeline.RunOptions(log=lambda _m: None, stages=pipeline.STAGES[:2]))
    password = pg_url.split(":")[2].split("@")[0]
    written = [
        p for p in tmp_path.rglob("*") if p.is_file() and p.suffix in (".ipynb", ".html", ".json", ".csv", ".yaml")
    ]
    assert any(p.name == "01_data_collection.html" for p in written)
    for p in written:
        text = p.read_text(errors="ignore")
        assert password not in text and pg_url not in text, p
    q = __import__("json").loads((tmp_path / "data" / "interim" / "db" / "quality.json").read_text())
    assert q["tables"]["transactions"]["read"] == len(tx)
    assert q["tables"]["transactions"]["source"] == "postgres:query (URL from $SEGLAB_CRM_URL)"
    assert pd.read_parquet(tmp_path / "data" / "interim" / "db" / "transactions.parquet").shape[0] == len(tx)


def _notebook(cells: list[tuple[str, str]]) -> dict:
    import nbformat

    nb = nbformat.v4.new_notebook(
        metadata={"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}}
    )
    for kind, src in cells:
        cell = nbformat.v4.new_code_cell(src) if kind != "markdown" else nbformat.v4.new_markdown_cell(src)
        if kind == "parameters":
            cell.metadata["tags"] = ["parameters"]
        nb.cells.append(cell)
    return nb


def test_stages_share_one_kernel_but_start_from_a_clean_namespace(tmp_path, root):
    """Every stage runs in the run's one kernel (same process), yet sees nothing of the stage before
    it and numbers its cells from 1, as in a kernel of its own."""
    import nbformat

    shutil.copytree(root / "notebooks" / "params", tmp_path / "notebooks" / "params")
    first = [
        ("parameters", "run_name = 'x'"),
        ("code", "leftover = 41\nimport os\nprint('pid', os.getpid())"),
        ("code", "leftover + 1"),
    ]
    second = [
        ("parameters", "run_name = 'x'"),
        (
            "code",
            "import os\nprint('pid', os.getpid())\nassert 'leftover' not in dir(), 'namespace not cleared'\n"
            "assert not [v for v in dir() if v.startswith('_') and v[1:].isdigit()], 'output cache kept'",
        ),
        ("code", "import matplotlib.pyplot as plt\nassert plt.get_fignums() == []"),
    ]
    for name, cells in (("a_first", first), ("b_second", second)):
        nbformat.write(_notebook(cells), tmp_path / "notebooks" / f"{name}.ipynb")
    params = tmp_path / "notebooks" / "params" / "x.yaml"
    params.write_text("run_name: x\n")
    quiet = pipeline.RunOptions(log=lambda _m: None, stages=(("a_first", "A"), ("b_second", "B")), progress=False)
    result = pipeline.run(params, root=tmp_path, options=quiet)
    assert result.ok
    executed = [nbformat.read(tmp_path / "reports" / "x" / f"{n}.ipynb", as_version=4) for n in ("a_first", "b_second")]
    # a cell's printed line may reach the notebook in several stream outputs: read them joined
    printed = [
        "".join(o["text"] for o in c.get("outputs", []) if o.get("name") == "stdout")
        for nb in executed
        for c in nb.cells
    ]
    pids = {pid for text in printed for pid in re.findall(r"pid (\d+)", text)}
    assert len(pids) == 1, printed  # the same kernel process (and it printed in both stages)
    assert sum("pid" in text for text in printed) == 2, printed
    for nb in executed:  # (papermill adds the run's parameters as a cell after the parameters cell)
        counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
        assert counts == [1, 2, 3, 4], counts
    assert executed[0].cells[-1].outputs[0]["data"]["text/plain"] == "42"


def test_setup_cells_load_no_heavy_library(root):
    """Opening a notebook must stay fast: importing what a notebook's setup cell imports loads
    neither scikit-learn nor seaborn nor pandera (they load when first used)."""
    code = (
        "import sys; from seglab import config, paths, report, features, segmentation, personas, prioritization, "
        "monitoring, io; from seglab.files import stages; from seglab.collection import collect; "
        "from seglab.segmentation import lookalike; from seglab.personas import predict; "
        "print(sorted(m for m in ('sklearn', 'seaborn', 'pandera', 'scipy.stats') if m in sys.modules))"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[]"


@pytest.mark.slow
@pytest.mark.xdist_group("small_run")
def test_stage05_growth_is_the_growth_stage06_reports(small_run):
    """Stage 05's growth is the growth stage 06 reports: the growth rate of the share where the
    change is beyond what resampling explains, 0 where it is not."""
    import numpy as np
    import pandas as pd

    from seglab import monitoring

    tmp_path, _, first = small_run
    assert first.returncode == 0, first.stderr[-2000:]
    processed = tmp_path / "data" / "processed" / "small"
    flags = pd.read_csv(processed / "monitoring_flags.csv").set_index("segment")
    matrix = pd.read_csv(processed / "boston_matrix.csv").set_index("segment")
    assert len(flags) >= 2 and flags["growth_rate"].notna().all()
    expected = monitoring.matrix_growth(flags).reindex(matrix.index)
    if "growth_raw" in matrix:
        assert np.allclose(matrix["growth_raw"], expected, rtol=1e-9, atol=0)
    else:  # no segment's share changed beyond what resampling explains: growth ranks nothing
        assert (expected == 0).all()


@pytest.mark.slow
@pytest.mark.xdist_group("small_run")
def test_stage_pages_carry_no_kernel_noise(small_run):
    """The shared kernel numbers each notebook's cells from 1: IPython's history must not
    complain about it inside the reports ("Session/line number was not unique")."""
    tmp_path, _, first = small_run
    assert first.returncode == 0, first.stderr[-2000:]
    for name, _ in pipeline.STAGES:
        page = (tmp_path / "reports" / "small" / f"{name}.html").read_text()
        assert "Session/line number" not in page and "History logging moved" not in page, name
        assert str(tmp_path) not in page, f"{name} shows the machine's project path"


@pytest.mark.slow
@pytest.mark.xdist_group("small_run")
def test_exports_list_every_customer_with_the_reports_persona_and_channels(small_run):
    import pandas as pd

    from seglab.files import exports

    tmp_path, _, first = small_run
    assert first.returncode == 0, first.stderr[-2000:]
    processed, reports = tmp_path / "data" / "processed" / "small", tmp_path / "reports" / "small"
    folder = reports / "exports"
    listed = pd.read_csv(folder / "segments.csv", encoding="utf-8-sig", dtype={"customer_id": str})
    columns = list(exports.CUSTOMER_COLUMNS)  # (the run's further language adds its persona names)
    assert list(listed.columns) == [*columns[:3], "persona_ar", *columns[3:]]
    segs = pd.read_parquet(processed / "segments.parquet")
    assert sorted(listed["customer_id"]) == sorted(segs["customer_id"])  # every segmented customer, once
    matrix = pd.read_csv(processed / "boston_matrix.csv")
    by_segment = listed.drop_duplicates("segment").set_index("segment")
    for _, row in matrix.iterrows():
        assert by_segment.loc[f"S{row['segment']}", "persona"] == row["persona"]
        assert by_segment.loc[f"S{row['segment']}", "quadrant"] == row["quadrant"]
    pred = pd.read_parquet(processed / "predictions.parquet").set_index("customer_id")
    p = listed.set_index("customer_id")["p_buy_next_period"]
    assert np.allclose(p, pred.loc[p.index, "p_buy"].round(3))
    # the synthetic CRM records both permissions: channels are exactly the permissions given
    cust = pd.read_parquet(tmp_path / "data" / "interim" / "small" / "customers.parquet").set_index("customer_id")
    email = listed["customer_id"].map(cust["email_opt_in"]).map({True: "yes", False: "no"})
    assert (listed["email_allowed"] == email).all()
    expected = [
        ";".join(c for c, ok in (("email", e == "yes"), ("sms", s == "yes")) if ok) or "none"
        for e, s in zip(listed["email_allowed"], listed["sms_allowed"], strict=True)
    ]
    assert listed["channels_allowed"].tolist() == expected
    # one audience file per segment, named by its persona, most likely buyers first
    files = sorted(folder.glob("audience_S*.csv"))
    assert len(files) == len(matrix)
    total = 0
    for f in files:
        aud = pd.read_csv(f, encoding="utf-8-sig", dtype={"customer_id": str})
        assert aud["segment"].nunique() == 1 and aud["persona"].nunique() == 1
        assert exports.slug(aud["persona"].iloc[0]) in f.name
        assert aud["p_buy_next_period"].is_monotonic_decreasing
        total += len(aud)
    assert total == len(listed)
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert 'href="exports/segments.csv"' in index and all(f'href="exports/{f.name}"' in index for f in files)
    # seglab score on the run's model gives the same persona names
    out = tmp_path / "scored.csv"
    done = _seglab(
        "score",
        "--model",
        str(processed / "model"),
        "--input",
        str(processed / "features.parquet"),
        "--output",
        str(out),
        root=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    scored = pd.read_csv(out, dtype={"customer_id": str}).set_index("customer_id")
    assert (scored.loc[listed["customer_id"], "persona"].to_numpy() == listed["persona"].to_numpy()).all()


@pytest.mark.slow
@pytest.mark.xdist_group("small_run")
def test_a_run_on_the_cluster_engine_gives_the_same_segments_as_duckdb(small_run, root):
    """engine.kind: spark (Spark local here) cleans the order lines (stage 01) and builds every
    feature table of the run (stage 02, the prediction's and monitoring's dates): the same canonical
    tables, features, segments, predictions, matrix and period assignments as DuckDB."""
    import pandas as pd
    from conftest import require_spark

    require_spark()
    tmp_path, _, first = small_run
    assert first.returncode == 0, first.stderr[-2000:]
    # (the engine as parameters gave it before it had a section of its own: still read, with a note)
    cluster = {**SMALL, "run_name": "small_cluster", "features": {"engine": "spark", "spark": {"master": "local[2]"}}}
    params = tmp_path / "notebooks" / "params" / "small_cluster.yaml"
    params.write_text(yaml.safe_dump(cluster))
    done = _seglab("run", "--params", str(params), root=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    duck, spark = (tmp_path / "data" / "processed" / run for run in ("small", "small_cluster"))
    lines = tmp_path / "data" / "interim" / "small_cluster" / "transactions.parquet"
    assert (
        lines.is_dir() and not (lines.parent / ".transactions.parquet.work").exists()
    )  # written by Spark, work folder gone
    for table in ("transactions.parquet", "customers.parquet", "rejected.parquet"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(lines.parent / table),
            pd.read_parquet(tmp_path / "data" / "interim" / "small" / table),
            obj=table,
            check_dtype=False,
        )
    assert json.loads((spark / "features_meta.json").read_text())["engine"] == "spark"
    assert "features.engine is read as engine.kind: move it there" in done.stdout
    for table in ("features.parquet", "segments.parquet", "predictions.parquet", "period_segments.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(spark / table), pd.read_parquet(duck / table), obj=table)
    for table in ("boston_matrix.csv", "migration.csv", "persona_names.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(spark / table), pd.read_csv(duck / table), obj=table)
    assert "computed by spark" in (tmp_path / "reports" / "small_cluster" / "02_feature_building.html").read_text()
    page01 = (tmp_path / "reports" / "small_cluster" / "01_data_collection.html").read_text()
    assert "Read and cleaned on Spark" in page01
    assert "log4j" not in page01 and "NativeCodeLoader" not in page01  # the JVM's lines go to its log file


def test_seglab_report_names_the_runs_there_are_when_the_run_is_not_one(tmp_path, root):
    """A run name typed wrong gets the project's runs; a run without a complete `seglab run` gets
    what to run."""
    shutil.copytree(root / "notebooks" / "params", tmp_path / "notebooks" / "params")
    (tmp_path / "reports" / "shop_2024").mkdir(parents=True)
    done = _seglab("report", "--run", "shop_2042", "--language", "fa", root=tmp_path)
    assert done.returncode == 1
    assert "no run named 'shop_2042'" in done.stderr and "its runs: shop_2024" in done.stderr, done.stderr
    done = _seglab("report", "--run", "shop_2024", "--language", "fa", root=tmp_path)
    assert done.returncode == 1 and "has no complete `seglab run` to render" in done.stderr, done.stderr
