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
#: The workshop: its own package, on seglab's public names only.
WORKSHOP_SRC = ROOT / "src" / "seglab_workshop"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
#: The workshop's notebooks (teaching: learners write code in them, so some habits differ).
WORKSHOP_NOTEBOOKS = sorted((ROOT / "notebooks" / "workshop").glob("*.ipynb"))

#: The layers, lowest first: a module imports only from its own layer or those below, at the top
#: of the file or inside a function (the names imported for type hints only are free).
LAYERS = (
    # foundation: parameters, files, text, words and numbers for readers, the vocabulary
    (
        "foundation",
        (
            *("config", "schemas", "io", "paths", "text", "secret", "modelfile", "i18n", "lockfile", "runlock"),
            *("vocabulary", "registry"),
        ),
    ),
    # the stages: compute and return data (DataFrames, records); the engines they compute on
    (
        "stage",
        (
            *("collection", "engine", "features", "segmentation", "personas", "prioritization"),
            *("monitoring", "synth"),
        ),
    ),
    # a run's files: the artifact table and store, lineage, exports, scoring, the catalogs
    ("files", ("files",)),
    # for people: tables, cards, pages and figures (reads a run's files, computes nothing upstream)
    ("report", ("report",)),
    # running: a stage's session, the papermill runner, the kernel, the README's generated parts, the
    # command line
    ("run", ("run",)),
    # the entry points: the command line and the package (seglab.start)
    ("entry", ("__init__",)),
    # the workshop track: a package of its own (src/seglab_workshop, its own catalog) on seglab's public API
    ("workshop", ("seglab_workshop",)),
)
RANK = {m: i for i, (_name, mods) in enumerate(LAYERS) for m in mods}


def _module(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module(p): p for root in (SRC, WORKSHOP_SRC) for p in sorted(root.rglob("*.py"))}


def _imports(name: str) -> set[str]:
    """The seglab modules ``name`` imports at run time, at the top or inside a function (not the
    names imported for type hints only, under ``if TYPE_CHECKING:``); relative imports resolved.
    """
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            node.body = []
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            found |= {f"{module}.{a.name}" if f"{module}.{a.name}" in MODULES else module for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    return {m for m in found if m in MODULES and m not in (name, "seglab", "seglab_workshop")}


GRAPH = {m: _imports(m) for m in MODULES}


def _top(module: str) -> str:
    """The layer's key of a module: its folder (or file) under seglab, or the workshop's package."""
    parts = module.split(".")
    if parts[0] != "seglab":
        return parts[0]
    return parts[1] if len(parts) > 1 else "__init__"


def _layer(module: str) -> int:
    return RANK[_top(module)]


def test_every_module_is_in_a_layer():
    tops = {_top(m) for m in MODULES}
    assert not tops - set(RANK), f"put {sorted(tops - set(RANK))} in a layer of LAYERS"


def test_no_module_imports_from_a_higher_layer():
    up = [
        f"{m} ({LAYERS[_layer(m)][0]}) imports {d} ({LAYERS[_layer(d)][0]})"
        for m, deps in GRAPH.items()
        for d in sorted(deps)
        if _layer(d) > _layer(m)
    ]
    assert not up, "imports reaching up a layer:\n" + "\n".join(up)


MAX_MODULE_LINES = 700


def test_no_module_is_over_700_lines():
    """A module longer than this is split by what it does (a package whose modules are listed in
    its docstring, lowest first), never by moving state into long argument lists."""
    long = {
        m: n for m, p in MODULES.items() if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"split these modules (over {MAX_MODULE_LINES} lines): {long}"


def test_every_package_lists_its_public_names():
    """Each package's ``__init__`` says what it offers (``__all__``), and every name it lists is there
    (a submodule's name counts: the package imports it when asked)."""
    import importlib

    folders = {p.parent for root in (SRC, WORKSHOP_SRC) for p in root.rglob("*.py")}
    assert not [f for f in folders if not (f / "__init__.py").exists()], "a folder without __init__.py"
    for name, path in MODULES.items():
        if path.name != "__init__.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        listed = [
            n
            for n in tree.body
            if isinstance(n, ast.Assign) and any(getattr(t, "id", "") == "__all__" for t in n.targets)
        ]
        assert listed, f"{name} lists no __all__"
        package = importlib.import_module(name)
        for public in package.__all__:
            assert (
                hasattr(package, public)
                or (path.parent / f"{public}.py").exists()
                or (path.parent / public / "__init__.py").exists()
            ), f"{name}.__all__ names {public}, which it does not have"


def test_the_imports_have_no_cycle():
    """No module imports, directly or through others, a module that imports it (imports inside
    functions count: they only hide a cycle until the day the import order changes)."""
    state: dict[str, int] = {}  # 1: on the path being walked, 2: done
    path: list[str] = []

    def walk(m: str) -> list[str] | None:
        state[m] = 1
        path.append(m)
        for d in sorted(GRAPH[m]):
            if state.get(d) == 1:
                return [*path[path.index(d) :], d]
            if d not in state and (cycle := walk(d)):
                return cycle
        state[m] = 2
        path.pop()
        return None

    for m in sorted(GRAPH):
        if m not in state and (cycle := walk(m)):
            pytest.fail("an import cycle: " + " -> ".join(cycle))


def _private_names_reached(name: str) -> list[str]:
    """What module ``name`` takes from seglab that is not public: a ``_name``, a name from a
    ``_module``, a name a package's ``__all__`` does not list, an attribute ``seglab_thing._name``."""
    import importlib

    reached = []
    for node in ast.walk(ast.parse(MODULES[name].read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "seglab":
            public = getattr(importlib.import_module(node.module), "__all__", None)
            for a in node.names:
                if a.name.startswith("__") or f"{node.module}.{a.name}" in MODULES:
                    continue  # a dunder (__version__), a submodule (from seglab import i18n)
                private = (a.name.startswith("_") and a.name != "_") or "._" in f".{node.module}"
                if private or (public is not None and a.name not in public):
                    reached.append(f"{name}: from {node.module} import {a.name}")
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            base = node.value
            while isinstance(base, ast.Attribute):
                base = base.value
            if getattr(base, "id", "") != "self":
                reached.append(f"{name}:{node.lineno} .{node.attr}")
    return reached


def test_the_workshop_uses_seglabs_public_names_only():
    """The workshop is a package of its own: it imports from seglab only public names (never a
    ``_private`` one, and from a package only what its ``__all__`` lists), and seglab never imports it."""
    reached = [r for m in MODULES if m.startswith("seglab_workshop") for r in _private_names_reached(m)]
    assert not reached, "the workshop reaches into seglab's private names:\n" + "\n".join(reached)
    into = [f"{m} imports {d}" for m, deps in GRAPH.items() if m.startswith("seglab.") for d in deps if "workshop" in d]
    assert not into, into


def test_the_graph_sees_imports_inside_functions_and_relative_ones():
    """The two tests above are only as good as the graph: it must see a function's import and a
    relative one (``history`` opens the engine inside a function)."""
    assert "seglab.engine" in GRAPH["seglab.collection.history"]
    assert "seglab.collection.rules" in GRAPH["seglab.collection.collect"]
    assert "seglab.report.pages" in GRAPH["seglab.run.pipeline"]


def _cells(nb: Path) -> list[dict]:
    return json.loads(nb.read_text(encoding="utf-8"))["cells"]


@pytest.mark.parametrize("nb", NOTEBOOKS + WORKSHOP_NOTEBOOKS, ids=lambda p: p.stem)
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


def _dotted(node: ast.AST) -> str:
    return f"{_dotted(node.value)}.{node.attr}" if isinstance(node, ast.Attribute) else getattr(node, "id", "?")


def test_a_computation_a_stage_keeps_is_never_called_outside_stage_kept():
    """``seglab report`` renders a page again from what its stage kept: a computation a notebook
    passes to ``stage.kept(name, function, ...)`` is called nowhere else in a stage notebook (it would
    compute again while rendering, or show what was not kept)."""
    kept, called = set(), []
    for nb in NOTEBOOKS:
        for i, cell in enumerate(_cells(nb)):
            if cell["cell_type"] != "code":
                continue
            for node in ast.walk(ast.parse("".join(cell["source"]))):
                if isinstance(node, ast.Call) and _dotted(node.func) == "stage.kept":
                    kept.add(_dotted(node.args[1]))
                elif isinstance(node, ast.Call):
                    called.append((f"{nb.name} cell {i}", _dotted(node.func)))
    assert {"collect.collect", "seglab.segmentation.segment", "predict.attempt", "seglab.monitoring.attempt"} <= kept
    assert [(where, f) for where, f in called if f in kept] == []


@pytest.mark.parametrize("nb", NOTEBOOKS + WORKSHOP_NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_are_committed_without_outputs(nb):
    for i, cell in enumerate(_cells(nb)):
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, f"{nb.name} cell {i} has outputs"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_start_with_seglab_start_and_one_parameters_cell(nb):
    _parameters_then_start(nb, "seglab.start")


def _parameters_then_start(nb: Path, start: str) -> None:
    """The notebook's first code cell is its one parameters cell, the second calls ``start``
    with the notebook's name; no lint rule is switched off in it."""
    cells = [c for c in _cells(nb) if c["cell_type"] == "code"]
    tagged = [c for c in cells if "parameters" in c["metadata"].get("tags", [])]
    assert len(tagged) == 1 and cells[0] is tagged[0], f"{nb.name}: the first code cell must be the parameters cell"
    setup = "".join(cells[1]["source"])
    assert re.search(rf'{re.escape(start)}\(\s*"{nb.stem}"', setup), f"{nb.name}: the second code cell calls {start}"
    assert "noqa" not in "".join("".join(c["source"]) for c in cells), f"{nb.name}: a lint rule switched off"


def test_where_things_live_in_the_readme_lists_every_module_in_its_layer():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Where things live") : text.index("## Development")]
    layer, found = None, {}
    for line in section.splitlines():
        if m := re.match(r"\| \*\*(\w+)\*\*", line):
            layer = m.group(1)
        elif line.startswith("| `"):
            for name in re.findall(r"`(\w+)`", line.split("|")[1]):
                found[name] = layer
    expected = {m: name for name, mods in LAYERS for m in mods if m != "__init__"}
    assert found == expected, {
        m: (found.get(m), expected.get(m)) for m in {*found, *expected} if found.get(m) != expected.get(m)
    }


@pytest.mark.parametrize("nb", WORKSHOP_NOTEBOOKS, ids=lambda p: p.stem)
def test_workshop_notebooks_open_with_words_then_parameters_then_their_start(nb):
    """A workshop notebook opens with the exercise's words, then its one parameters cell, then
    ``seglab_workshop.start("<its name>", ...)``. (An exercise cell may follow a code cell: the
    learner's cell and the check of it are a pair, said in the markdown above the pair.)"""
    assert _cells(nb)[0]["cell_type"] == "markdown", f"{nb.name} opens with code"
    _parameters_then_start(nb, "seglab_workshop.start")


def test_the_pre_commit_hooks_run_ruff_clear_notebooks_and_the_habits():
    """``.pre-commit-config.yaml`` (README "Development"): the checks a commit must pass, with the
    project's environment."""
    import yaml

    hooks = {
        h["id"]: h for r in yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())["repos"] for h in r["hooks"]
    }
    assert hooks["ruff-check"]["entry"].startswith(".venv/bin/ruff check")
    assert hooks["ruff-format"]["entry"].startswith(".venv/bin/ruff format --check")
    assert "--clear-output" in hooks["notebook-outputs"]["entry"]
    assert "tests/test_habits.py" in hooks["habits"]["entry"]
    for h in hooks.values():
        assert (ROOT / h["entry"].split()[0]).name in ("ruff", "jupyter", "python"), h["entry"]


def test_segments_are_written_by_one_helper():
    """``S3`` and ``S3 <persona>`` are made by ``vocabulary.segment_code`` / ``segment_label`` only:
    one place decides how a segment reads (in every language and direction)."""
    made_here = _source_lines(r"""f["']S\{[^:}]+\}""", skip="vocabulary.py")
    assert not made_here, f"segment codes made by hand: {made_here} (use seglab.vocabulary.segment_code/_label)"


def test_a_stage_number_is_read_by_one_function():
    """A stage's number comes from ``artifacts.Stage.number`` / ``artifacts.number_of``, never from
    slicing a name (``name[:2]`` was in 13 places: a stage 10 would have broken each)."""
    sliced = _source_lines(r"\b(name|stem|stage|n)(\.name)?\[:2\]")
    assert not sliced, f"stage numbers sliced from names: {sliced}"


def _source_lines(pattern: str, skip: str = "") -> list[str]:
    """``file:line`` of every line of the package matching ``pattern`` (``skip``: a file name left out)."""
    return [
        f"{p.relative_to(SRC)}:{i}"
        for p in SRC.rglob("*.py")
        if p.name != skip
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(pattern, line)
    ]


#: The most parameters a public function (or a public method of a public class) takes: more travel
#: together as a record (a frozen dataclass, such as ``seglab.monitoring.Inputs``).
MAX_PARAMETERS = 5


def _too_many_parameters(node: ast.AST, path: Path, in_class: bool = False) -> list[str]:
    """``path:line name (n parameters)`` of each public function in ``node`` with more than
    :data:`MAX_PARAMETERS` (``self``/``cls`` not counted; ``*args`` and ``**kwargs`` counted), and
    of the public methods of its public classes.
    """
    found = []
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.ClassDef) and not child.name.startswith("_"):
            found += _too_many_parameters(child, path, in_class=True)
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            if child.name.startswith("_") and child.name != "__init__":
                continue
            a = child.args
            names = [x.arg for x in (*a.posonlyargs, *a.args, *a.kwonlyargs)]
            if in_class and names[:1] in (["self"], ["cls"]):
                names = names[1:]
            n = len(names) + (a.vararg is not None) + (a.kwarg is not None)
            if n > MAX_PARAMETERS:
                found.append(f"{path.relative_to(ROOT)}:{child.lineno} {child.name} ({n} parameters)")
    return found


def test_no_public_function_has_more_than_five_parameters():
    """A public function takes at most five parameters: those that always travel together are one
    record (a stage's inputs: ``monitoring.Inputs``, ``prioritization.Inputs``), and a function used
    only inside its module is private."""
    offenders = [
        where
        for p in sorted(SRC.rglob("*.py"))
        for where in _too_many_parameters(ast.parse(p.read_text(encoding="utf-8")), p)
    ]
    assert not offenders, f"more than {MAX_PARAMETERS} parameters (group them in a record):\n" + "\n".join(offenders)
