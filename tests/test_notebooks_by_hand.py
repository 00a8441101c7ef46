"""A stage notebook run by hand in JupyterLab (issue 31, point 8): seglab's own errors read as one
paragraph, a bug keeps its traceback, and every ``None`` of a parameters cell says what it means."""

from __future__ import annotations

import io
import json
import re
import tokenize
from pathlib import Path

import nbformat
import pytest

from seglab.run import errors, pipeline

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("0*.ipynb"))
ANSI = re.compile(r"\x1b\[[0-9;]*m")
#: a frame of seglab's own code in a traceback (IPython names each frame's file)
SEGLAB_FRAME = re.compile(r"src/seglab/|site-packages/seglab/")


def _error(cell) -> tuple[str, str, str]:
    """The cell's error: its name, message and the text shown (the traceback's lines, no colours)."""
    [out] = [o for o in cell.outputs if o.output_type == "error"]
    return out.ename, out.evalue, ANSI.sub("", "\n".join(out.traceback))


def _kernel_env(monkeypatch) -> None:
    """The kernel as an analyst's: no ``SEGLAB_DEBUG``, not under ``seglab run``."""
    from seglab.paths import FIGURE_QUEUE_ENV

    monkeypatch.delenv(errors.DEBUG_ENV, raising=False)
    monkeypatch.delenv(FIGURE_QUEUE_ENV, raising=False)


CELLS = {
    "syntax before": "x = (1,",
    # the parameters of 03 with k = 1: seglab.start raises ParamsError four frames deep in seglab
    "bad parameter": 'import seglab\nseglab.start("03_segmentation", run_name="default", segmentation={"k": 1})',
    "traceback on request": "%tb",
    "stale": (
        "from seglab.files.artifacts import StaleArtifact\n"
        "raise StaleArtifact('segments was made from an earlier features (02_feature_building has run again "
        "since): rerun 03_segmentation, then the stages after it')"
    ),
    "missing": "seglab.io.read_json('nowhere.json')",
    "bug": "import json\njson.loads('{')",
    "os missing": "open('nowhere.json')",
    "syntax after": "x = (1,",
    "debug": f"%env {errors.DEBUG_ENV}=1\nseglab.io.read_json('nowhere.json')",
}


@pytest.fixture(scope="module")
def by_hand(tmp_path_factory) -> dict:
    """The cells of :data:`CELLS` executed in a kernel, each to its end (errors allowed), by name."""
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in CELLS.values()]
    with pytest.MonkeyPatch.context() as mp:
        _kernel_env(mp)
        folder = tmp_path_factory.mktemp("by_hand")
        NotebookClient(
            nb, allow_errors=True, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
        ).execute()
    return dict(zip(CELLS, nb.cells, strict=True))


@pytest.mark.parametrize("name", ["bad parameter", "stale", "missing"])
def test_seglabs_error_in_a_notebook_is_one_paragraph_message_first(by_hand, name):
    """Issue 31: a stale input arrived as a 35-line traceback of four seglab frames, the useful
    sentence last. Now: the message first, then how to see the traceback; no frame."""
    ename, evalue, shown = _error(by_hand[name])
    lines = shown.splitlines()
    assert lines[0] == evalue.splitlines()[0], shown  # the message first
    assert "Traceback" not in shown and not SEGLAB_FRAME.search(shown) and "File " not in shown, shown
    assert len(lines) <= len(evalue.splitlines()) + 1 <= 5, shown
    assert f"({ename}, raised by seglab" in lines[-1] and "%tb" in lines[-1] and "SEGLAB_DEBUG=1" in lines[-1]
    if name == "bad parameter":
        assert ename == "ParamsError" and "segmentation.k" in evalue
    if name == "missing":
        assert ename == "FileNotFoundError" and evalue == "nowhere.json: missing; run the stage that writes it first"


def test_the_traceback_of_seglabs_error_on_request(by_hand):
    """``%tb`` in the next cell shows the whole traceback of the error just shown short."""
    ename, _, shown = _error(by_hand["traceback on request"])
    assert ename == "ParamsError" and "Traceback" in shown and "seglab/config/params.py" in shown


@pytest.mark.parametrize("name", ["bug", "os missing"])
def test_a_bug_keeps_its_full_traceback(by_hand, name):
    """Any other error (a bug, the operating system's missing file) shows as IPython shows it."""
    ename, _, shown = _error(by_hand[name])
    assert "Traceback" in shown and "raised by seglab" not in shown
    if name == "bug":
        assert ename == "JSONDecodeError" and "json/decoder.py" in shown  # the frames down to the raise
    else:
        assert ename == "FileNotFoundError" and "open('nowhere.json')" in shown


def test_a_cell_that_does_not_parse_shows_as_without_the_handler(by_hand):
    def shown(name):
        return re.sub(r"In\[\d+\]|\d+\.py", "", _error(by_hand[name])[2])

    assert shown("syntax after") == shown("syntax before") and "SyntaxError" in shown("syntax after")


def test_seglab_debug_shows_seglabs_errors_with_their_traceback(by_hand):
    """``SEGLAB_DEBUG=1`` (as ``seglab --debug``), read when the error comes: the full traceback."""
    ename, _, shown = _error(by_hand["debug"])
    assert ename == "FileNotFoundError" and "Traceback" in shown and "seglab/io.py" in shown


def test_a_run_still_stops_at_seglabs_error_and_says_it_in_one_line(tmp_path, monkeypatch):
    """Under ``seglab run`` (papermill, the shared kernel) the cell still fails: papermill raises
    with the error's name and message, the run's line is as before, and the executed notebook
    shows the paragraph, pointing at ``seglab --debug run``."""
    import papermill

    from seglab.paths import FIGURE_QUEUE_ENV
    from seglab.run import kernel

    _kernel_env(monkeypatch)
    monkeypatch.setenv(FIGURE_QUEUE_ENV, str(tmp_path / "queue"))  # what seglab run sets for its kernel
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import seglab"),
        nbformat.v4.new_code_cell('seglab.start("03_segmentation", run_name="default", segmentation={"k": 1})'),
        nbformat.v4.new_code_cell("print('not reached')"),
    ]
    nbformat.write(nb, tmp_path / "in.ipynb")
    kernel.register_engine()
    with kernel.SharedKernel(tmp_path, imports=()) as shared:
        with pytest.raises(papermill.PapermillExecutionError) as failed:
            papermill.execute_notebook(
                str(tmp_path / "in.ipynb"),
                str(tmp_path / "out.ipynb"),
                kernel_name="python3",
                engine_name=kernel.ENGINE,
                kernel=shared,
                progress_bar=False,
            )
    message = pipeline._failure_message("03_segmentation", failed.value)
    assert message.startswith("stage 03_segmentation failed in cell 2: ParamsError: notebook parameters: invalid")
    assert "segmentation.k" in message and "\n" not in message
    cells = [c for c in nbformat.read(tmp_path / "out.ipynb", as_version=4).cells if c.cell_type == "code"]
    ename, _, shown = _error(cells[1])
    assert ename == "ParamsError" and "Traceback" not in shown and "seglab --debug run" in shown
    assert cells[2].outputs == []


def test_what_is_seglabs_error():
    from seglab.config import ParamsError
    from seglab.files.artifacts import StaleArtifact

    assert errors.is_seglab_error(ParamsError("x")) and errors.is_seglab_error(StaleArtifact("x"))
    assert not errors.is_seglab_error(ValueError("x")) and not errors.is_seglab_error(FileNotFoundError("x"))


def test_seglab_start_shows_seglabs_errors_short_from_its_first_line(monkeypatch):
    """The handler is in place before the parameters are checked (a bad parameter is seglab's too)."""
    import seglab
    from seglab.config import ParamsError

    calls = []
    monkeypatch.setattr(errors, "install", lambda: calls.append(1))
    with pytest.raises(ParamsError):
        seglab.start("03_segmentation", run_name="default", segmentation={"k": 1})
    assert calls == [1]


def _nones_without_a_word(source: str) -> list[str]:
    """The lines of a parameters cell giving a ``None`` with no comment saying what None means, on
    the line or just above it."""
    lines = source.splitlines()
    comments = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            comments[tok.start[0]] = tok.string
    bad = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.NAME and tok.string == "None":
            row, said = tok.start[0], [comments.get(tok.start[0], "")]
            above = row - 1
            while above in comments and lines[above - 1].lstrip().startswith("#"):
                said.append(comments[above])
                above -= 1
            if not any(re.search(r"\bNone\b", c) for c in said):
                bad.append(lines[row - 1].strip())
    return bad


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_none_of_a_parameters_cell_says_what_none_means(nb):
    """Issue 31: 03's cell showed ``"k": None,`` with no word that None means "seglab chooses k"."""
    [cell] = [c for c in json.loads(nb.read_text())["cells"] if "parameters" in c["metadata"].get("tags", [])]
    assert _nones_without_a_word("".join(cell["source"])) == [], nb.name


def test_the_check_of_nones_reads_comments_on_the_line_or_above():
    assert _nones_without_a_word('x: dict = {\n    "k": None,\n}\n') == ['"k": None,']
    assert _nones_without_a_word('x: dict = {"k": None}  # k: the count\n') == ['x: dict = {"k": None}  # k: the count']
    assert _nones_without_a_word('x: dict = {\n    "k": None,  # None: seglab chooses k\n}\n') == []
    assert _nones_without_a_word("# k: None = seglab chooses\nk: int | None = None\n") == []
