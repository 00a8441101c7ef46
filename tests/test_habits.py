"""Habits that keep the code easy to change: layers that import only downward, notebooks that
narrate and call seglab, no stored outputs. Each test names what broke the rule."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "seglab"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

#: Stage modules compute and return data: they import neither the run layer nor the report layer.
STAGE_MODULES = (
    "collect",
    "collect_spark",
    "history",
    "features",
    "attributes",
    "segment",
    "personas",
    "predict",
    "prioritize",
    "monitoring",
    "lookalike",
    "rfm",
    "methods",
    "roles",
    "amounts",
    "profile",
    "sources",
    "synth",
    "registry",
    "vocabulary",
)
#: The run layer: files, lineage, the papermill runner, the CLI, scoring, exports.
RUN_LAYER = ("artifacts", "stages", "session", "pipeline", "kernel", "cli", "score", "probes", "catalogs", "exports")
#: The report layer (the package seglab.report): tables, cards, pages and figures for people.
REPORT_LAYER = ("report",)
#: The workshop track (teaching notebooks' helpers): it uses the stages and the report layer.
WORKSHOP_LAYER = ("workshop",)


def _imports(path: Path) -> set[str]:
    """Every seglab module ``path`` imports at run time, at the top or inside a function (not
    the names imported for type hints only, under ``if TYPE_CHECKING:``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            node.body = []
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("seglab"):
            parts = node.module.split(".")
            if len(parts) == 1:
                found |= {alias.name for alias in node.names}
            else:
                found.add(parts[1])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("seglab.")}
    return found


@pytest.mark.parametrize("module", STAGE_MODULES)
def test_stage_modules_import_neither_the_run_nor_the_report_layer(module):
    upward = _imports(SRC / f"{module}.py") & {*RUN_LAYER, *REPORT_LAYER, *WORKSHOP_LAYER}
    assert not upward, f"seglab.{module} imports {sorted(upward)}: a stage module computes and returns data"


def test_the_layers_cover_every_module():
    modules = {p.stem for p in SRC.glob("*.py")} | {p.name for p in SRC.iterdir() if (p / "__init__.py").is_file()}
    foundation = {
        *("__init__", "config", "schemas", "io", "paths", "text", "secret", "modelfile", "i18n", "lockfile"),
        "runlock",  # the run lock and temporary folders: a stage module (01 on Spark) makes one
    }
    assert modules == {*STAGE_MODULES, *RUN_LAYER, *REPORT_LAYER, *WORKSHOP_LAYER, *foundation}, (
        "put the new module in a layer"
    )


def test_the_report_layer_computes_nothing_upstream():
    for module in ("report/__init__.py", "report/pages.py", "report/plots.py"):
        bad = _imports(SRC / module) & {"pipeline", "kernel", "cli"}
        assert not bad, f"{module} imports {sorted(bad)}"


def _cells(nb: Path) -> list[dict]:
    return json.loads(nb.read_text(encoding="utf-8"))["cells"]


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_define_nothing(nb):
    for i, cell in enumerate(_cells(nb)):
        if cell["cell_type"] != "code":
            continue
        tree = ast.parse("".join(cell["source"]))
        for node in ast.walk(tree):
            assert not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda), (
                f"{nb.name} cell {i}: a {type(node).__name__} (logic lives in src/seglab)"
            )


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_code_cell_follows_a_markdown_cell_saying_why(nb):
    cells = _cells(nb)
    assert cells[0]["cell_type"] == "markdown", f"{nb.name} opens with code"
    for i, (before, cell) in enumerate(zip(cells, cells[1:], strict=False), start=1):
        if cell["cell_type"] == "code" and "parameters" not in cell["metadata"].get("tags", []):
            assert before["cell_type"] == "markdown", f"{nb.name} cell {i}: code after code, with no word on why"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_are_committed_without_outputs(nb):
    for i, cell in enumerate(_cells(nb)):
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, f"{nb.name} cell {i} has outputs"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_start_with_seglab_start_and_one_parameters_cell(nb):
    cells = [c for c in _cells(nb) if c["cell_type"] == "code"]
    tagged = [c for c in cells if "parameters" in c["metadata"].get("tags", [])]
    assert len(tagged) == 1 and cells[0] is tagged[0], f"{nb.name}: the first code cell must be the parameters cell"
    setup = "".join(cells[1]["source"])
    assert re.search(rf'seglab\.start\(\s*"{nb.stem}"', setup), f"{nb.name}: the second code cell starts the stage"
    assert "noqa" not in "".join("".join(c["source"]) for c in cells), f"{nb.name}: a lint rule switched off"
