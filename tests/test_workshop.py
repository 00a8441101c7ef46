"""The workshop track (issue 20): checks that recognise typical mistakes, one source for the
learner and instructor versions in English and Persian, the guide's expected answers."""

from __future__ import annotations

import json
import time

import nbformat
import pandas as pd
import pytest

from seglab import i18n
from seglab_workshop import NOTEBOOKS, SEED, answers, check, classroom, versions


@pytest.fixture(scope="module")
def shop():
    import seglab_workshop

    return seglab_workshop.start("W1_lenses", language="en", seed=SEED, gradebook=None)


def _says(feedback, status: str, text: str = "") -> None:
    assert feedback.status == status, str(feedback)
    assert text in feedback.message, str(feedback)


def test_an_exercise_not_answered_says_so_without_raising(shop):
    for fn, args in (
        (check.w1_lenses, ()),
        (check.w2_recency, (["C000018"],)),
        (check.w3_k, ()),
        (check.w4_names, ()),
        (check.w5_budget, (pd.DataFrame(), 1, {})),
    ):
        _says(fn(None, *args), check.MISSING, "Not answered yet")


def _w2(shop):
    customers = classroom.sample_customers(shop)
    lines = shop.transactions[shop.transactions["customer_id"].isin(customers)]
    return customers, lines, lines[lines["quantity"] > 0]


def test_hints_speak_persian(shop):
    customers, _lines, buys = _w2(shop)
    with i18n.using("fa"):
        said = check.w2_frequency(buys.groupby("customer_id").size(), customers)
        assert said.status == check.HINT and "سفارش‌های یکتا" in said.message
        assert str(check.w1_lenses(None)).startswith("… هنوز پاسخ نداده‌اید")


# ---------------------------------------------------------------------------------------------
# one source, two versions, two languages
# ---------------------------------------------------------------------------------------------
def _source(root, stem):
    return json.loads((root / "notebooks" / "workshop" / f"{stem}.ipynb").read_text(encoding="utf-8"))


def test_learner_and_instructor_versions_come_from_one_source(root):
    for stem in NOTEBOOKS:
        nb = _source(root, stem)
        tags = [c.get("metadata", {}).get("tags", []) for c in nb["cells"]]
        n_solutions, n_exercises = sum("solution" in t for t in tags), sum("exercise" in t for t in tags)
        assert n_solutions == n_exercises >= 2, stem
        learner, teacher = versions.version(nb, stem, True), versions.version(nb, stem, False, "fa")
        assert not any("solution" in c.get("metadata", {}).get("tags", []) for c in learner["cells"])
        assert not any("exercise" in c.get("metadata", {}).get("tags", []) for c in teacher["cells"])
        assert len(learner["cells"]) == len(teacher["cells"]) == len(nb["cells"]) - n_solutions
        # the Persian version: translated narrative, the language parameter set, the same code
        first = teacher["cells"][0]["source"]
        assert first.startswith(f'<div dir="rtl">\n\n# {stem[:2]} · ') and "**هدف‌ها.**" in first
        assert 'language: str = "fa"' in teacher["cells"][1]["source"]


#: The exercises, as the checks name them in the gradebook.
EXERCISES = ["W1.1", "W1.2", "W2.1", "W2.2", "W2.3", "W2.4", "W2.5", "W3.1", "W3.2", "W3.3", "W4.1", "W4.2", "W4.3"]
EXERCISES += ["W5.1", "W5.2", "W5.3", "W5.4"]


def _checks_said(nb) -> list[str]:
    said = []
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.startswith("check.w"):
            said += [o["data"]["text/markdown"] for o in cell.outputs if "text/markdown" in o.get("data", {})]
    return said


@pytest.mark.slow
@pytest.mark.parametrize(("learner", "language"), [(True, "en"), (False, "fa")])
def test_workshop_notebooks_run_in_every_version_and_language(tmp_path, root, learner, language):
    """Each of the five notebooks runs top to bottom in under 60 s; in the learner version every
    check says "not answered yet", in the instructor version every check says right (the English
    instructor version is the source itself, run by nbval; the Persian learner version is the
    English one with another language parameter: next test)."""
    import papermill

    from seglab_workshop import gradebook

    written = versions.write(tmp_path, learner=learner, language=language)
    mark = "…" if learner else "✔"
    for path in written:
        start = time.perf_counter()
        nb = papermill.execute_notebook(
            str(path), str(path), kernel_name="python3", cwd=str(tmp_path), progress_bar=False, log_output=False
        )
        seconds = time.perf_counter() - start
        said = _checks_said(nb)
        assert len(said) >= 2 and all(f"**{mark}" in s for s in said), (path.name, said)
        assert seconds < 60, (path.name, seconds)
    # every check run went to the gradebook of the folder the notebooks ran in
    attempts = gradebook.read(tmp_path)
    assert sorted(attempts["exercise"]) == sorted(f"{e}" for e in EXERCISES)
    assert set(attempts["status"]) == {check.MISSING if learner else check.RIGHT}


def test_the_persian_learner_notebooks_are_the_english_ones_with_language_fa(tmp_path):
    """What the learner runs is the same code in both languages (only the parameter differs), so the
    Persian learner version runs wherever the English one and the Persian instructor version do."""
    english = versions.write(tmp_path / "en", learner=True, language="en")
    persian = versions.write(tmp_path / "fa", learner=True, language="fa")
    for en, fa in zip(english, persian, strict=True):
        code = [[c.source for c in nbformat.read(p, as_version=4).cells if c.cell_type == "code"] for p in (en, fa)]
        differ = [(a, b) for a, b in zip(*code, strict=True) if a != b]
        assert len(differ) == 1, (en.name, differ)
        assert differ[0][1] == differ[0][0].replace('language: str = "en"', 'language: str = "fa"'), en.name


def test_guides_give_the_answers_the_notebooks_compute(root):
    for language, name in versions.GUIDES.items():
        text = (root / "notebooks" / "workshop" / name).read_text(encoding="utf-8")
        assert answers.markdown(SEED, language) in text, f"{name}: run make workshop-guide"
    table = answers.expected(SEED)
    assert table["W3.2 k"] == str(int(classroom.classroom(SEED).segmentation.model.k))
    assert set(table["W4.1 names"].replace(" ", "").split(",")) == {
        f"S{s}:{a}" for s, a in answers.segment_names(SEED).items()
    }


def test_the_guide_renders_to_one_page_per_language(tmp_path):
    html = versions.write_guide(tmp_path, "fa").read_text(encoding="utf-8")
    assert '<html lang="fa" dir="rtl">' in html and "@font-face" in html and "<table>" in html
    assert "expected answers: begin" not in html
    assert f"Seed {SEED}" in versions.guide_html("en")


def test_seglab_workshop_writes_the_notebooks_and_the_guide_and_seglab_has_no_workshop_command(tmp_path, capsys):
    """The workshop has its own command (its own package); seglab's command line no longer has one.
    The learners' folder gets the notebooks only: the guide, with its answer key, goes with the
    instructor's version."""
    from seglab.run import cli as seglab_cli
    from seglab_workshop import cli

    assert cli.main(["--out", str(tmp_path / "room"), "--language", "fa"]) == 0
    written = sorted(p.name for p in (tmp_path / "room").iterdir())
    assert written == sorted(f"{n}.ipynb" for n in NOTEBOOKS)
    assert cli.main(["--out", str(tmp_path / "teacher"), "--instructor"]) == 0
    assert sorted(p.name for p in (tmp_path / "teacher").iterdir()) == sorted(
        [f"{n}.ipynb" for n in NOTEBOOKS] + ["guide.html", "slides.html"]
    )
    first = json.loads((tmp_path / "room" / "W1_lenses.ipynb").read_text(encoding="utf-8"))["cells"][0]["source"]
    assert '<div dir="rtl">' in first  # the Persian version: narrative from the workshop's own catalog
    capsys.readouterr()
    (tmp_path / "a_file").write_text("")
    assert cli.main(["--out", str(tmp_path / "a_file" / "x")]) == 1  # a file where a folder goes: one line
    assert capsys.readouterr().err.startswith("seglab-workshop: ")
    with pytest.raises(SystemExit):
        seglab_cli.parser().parse_args(["workshop", "--out", str(tmp_path)])


def test_a_second_seglab_workshop_never_overwrites_a_notebook_a_learner_edited(tmp_path, capsys):
    """Writing the room again keeps every notebook that differs from the one it would write (a
    learner's work): the new one goes beside it (<name>.new.ipynb) and the command says so;
    unchanged notebooks stay as they are, with nothing beside them."""
    from seglab_workshop import cli

    room = tmp_path / "room"
    assert cli.main(["--out", str(room)]) == 0
    edited = room / f"{NOTEBOOKS[0]}.ipynb"
    nb = json.loads(edited.read_text(encoding="utf-8"))
    nb["cells"].append(
        {
            "cell_type": "code",
            "id": "mine",
            "metadata": {},
            "execution_count": None,
            "outputs": [],
            "source": "answer = 42  # my work",
        }
    )
    edited.write_text(json.dumps(nb), encoding="utf-8")
    mine = edited.read_bytes()
    others = {n: (room / f"{n}.ipynb").read_bytes() for n in NOTEBOOKS[1:]}
    capsys.readouterr()
    assert cli.main(["--out", str(room)]) == 0
    said = capsys.readouterr().out
    assert edited.read_bytes() == mine  # the learner's work is there, as it was
    assert (room / f"{NOTEBOOKS[0]}.new.ipynb").is_file() and f"{NOTEBOOKS[0]}.new.ipynb" in said
    assert all((room / f"{n}.ipynb").read_bytes() == b for n, b in others.items())
    assert sorted(p.name for p in room.iterdir()) == sorted(
        [f"{n}.ipynb" for n in NOTEBOOKS] + [f"{NOTEBOOKS[0]}.new.ipynb"]
    )
    # the instructor's version written over the learners' folder: kept too, never mixed in
    assert cli.main(["--out", str(room), "--instructor"]) == 0
    assert edited.read_bytes() == mine and "answer = 42" not in (room / f"{NOTEBOOKS[1]}.ipynb").read_text()


def _solution_lines(root) -> list[str]:
    """Each line of the solution cells that says something (not a blank, an import or a bracket)."""
    lines = []
    for stem in NOTEBOOKS:
        for cell in _source(root, stem)["cells"]:
            if "solution" in cell.get("metadata", {}).get("tags", []):
                for line in "".join(cell["source"]).splitlines():
                    line = line.strip()
                    if len(line) > 8 and not line.startswith(("import ", "from ", "#")) and line not in ("}", ")"):
                        lines.append(line)
    return lines


def _answer_spellings(table: dict[str, str]) -> list[str]:
    """The expected answers as a solution would write them in code: each ``key: value`` pair of a
    mapping answer (quoted as Python writes it), each list of numbers, the k and the index.
    """
    out = []
    for exercise, answer in table.items():
        if exercise == "W2 customers":  # the customers are shown to learners: not an answer
            continue
        if ": " in answer:
            for pair in answer.split(", "):
                key, value = pair.split(": ", 1)
                key = key.lstrip("S")
                out += [f'"{key}": "{value}"', f'{key}: "{value}"', f"'{key}': '{value}'"]
        elif ";" in answer:
            numbers = [v.strip().replace(",", "") for v in answer.split(";")]
            out += [", ".join(numbers), ",".join(numbers)]
        elif "," in answer:
            out += [answer, answer.replace(" ", ""), f"[{answer}]"]
        else:
            out += [f"= {answer}\n", f"={answer}\n", f"= {answer} "]
    return out


@pytest.mark.parametrize("language", ["en", "fa"])
def test_the_learner_folder_holds_no_solution_and_no_answer_key(tmp_path, root, language):
    """The learners' folder (what `make workshop` writes to workshop/) has the notebooks only: no
    line of any solution, no expected answer written as code, no import of the answer key's
    module, no guide; the instructor's folder has the solutions and the guide."""
    from seglab_workshop import cli

    assert cli.main(["--out", str(tmp_path / "room"), "--language", language]) == 0
    files = sorted((tmp_path / "room").rglob("*"))
    assert [p.name for p in files] == sorted(f"{n}.ipynb" for n in NOTEBOOKS)
    text = "\n".join(
        "".join(c["source"]) + "\n" for p in files for c in json.loads(p.read_text(encoding="utf-8"))["cells"]
    )
    leaked = [line for line in _solution_lines(root) if line in text]
    assert not leaked, leaked
    answers_written = [a for a in _answer_spellings(answers.expected(SEED)) if a in text]
    assert not answers_written, answers_written
    for key_module in ("seglab_workshop.answers", "import answers", "answers.", "planted_names", "LENS_KEY"):
        assert key_module not in text, key_module
    assert cli.main(["--out", str(tmp_path / "teacher"), "--instructor", "--language", language]) == 0
    teacher = "\n".join(p.read_text(encoding="utf-8") for p in (tmp_path / "teacher").glob("*.ipynb"))
    assert all(line.replace('"', '\\"') in teacher for line in _solution_lines(root))
    assert (tmp_path / "teacher" / "guide.html").is_file()


def test_the_slides_are_the_opener_and_the_notebooks_cells_in_each_language(root):
    """One deck per language: the opener, then each notebook's title, exercises and discussion
    prompts as its learners read them, then the wrap-up; the Persian deck right to left, with no
    English text of the opener left and the same slides."""
    from seglab_workshop import slides

    en, fa = slides.deck("en"), slides.deck("fa")
    cells = [t for stem in NOTEBOOKS for t in slides.notebook_slides(root / "notebooks" / "workshop", stem, "en")]
    assert en.count("<section") == fa.count("<section") == len(slides.OPENER) + len(cells) + 1
    for stem in NOTEBOOKS:
        assert f"<h1>{stem[:2]} · " in en and f"<h1>{stem[:2]} · " in fa
    assert en.count("Exercise") >= 13 and "Discuss." in en
    assert '<html lang="fa" dir="rtl">' in fa and "@font-face" in fa and "<script" not in fa + en
    for text in slides.OPENER:
        heading = text.splitlines()[0].lstrip("# ")
        assert heading in en and heading not in fa, heading


def test_the_nbgrader_version_marks_solutions_and_autograded_checks(tmp_path):
    """`seglab-workshop --nbgrader` writes nbgrader's source version: each solution between its
    markers (nbgrader's learner version replaces them), each check an autograded, locked test cell
    of one point that raises unless the answer is right (Feedback.require)."""
    import re

    from seglab_workshop import cli

    assert cli.main(["--out", str(tmp_path), "--nbgrader"]) == 0
    graded, solutions = [], 0
    for path in sorted(tmp_path.glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            meta = cell.get("metadata", {}).get("nbgrader")
            source = "".join(cell["source"])
            assert "exercise" not in cell.get("metadata", {}).get("tags", [])
            if meta and meta["solution"]:
                solutions += 1
                assert source.startswith("### BEGIN SOLUTION\n") and source.endswith("\n### END SOLUTION")
            elif meta and meta["grade"]:
                graded.append(meta["grade_id"])
                assert meta["points"] == 1 and meta["locked"] and source.endswith(".require()")
    assert solutions == len(graded) == len(EXERCISES) and len(set(graded)) == len(EXERCISES)
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+", g) for g in graded)
    with pytest.raises(AssertionError, match="Not answered yet"):
        check.w3_k(None).require()
    assert check.w1_lenses(
        dict(zip(check.LENS_COLUMNS, ["demographic"] * 3 + ["geographic"] * 2 + ["contactability"] * 2, strict=True))
    ).require()


def test_the_persian_data_tables_name_the_columns_as_code_writes_them():
    """A Persian learner writes `lines["timestamp"]` on a table whose header reads «زمان»: the
    workshop's data tables give each column's code name under its header (escaped like the rest)."""
    import re

    from seglab.report import styled

    df = pd.DataFrame({"timestamp": [pd.Timestamp("2024-01-02")], "unit_price": [2.5], "<b>x": [1]})
    with i18n.using("fa"):
        headers = re.findall(r"<th[^>]*>(.*?)</th>", styled(df, as_is=True, code_names=True).to_html())
        plain = re.findall(r"<th[^>]*>(.*?)</th>", styled(df, as_is=True).to_html())
    assert headers[0].endswith('<br><code dir="ltr">timestamp</code>') and headers[0].startswith(plain[0])
    assert headers[1].endswith('<code dir="ltr">unit_price</code>') and "<b>" not in "".join(headers)
    assert "code" not in "".join(plain)


def test_the_install_cell_installs_the_wheel_only_where_seglab_is_missing(tmp_path):
    """``--install``: every notebook opens (after its title) with a cell that runs ``%pip install``
    of the wheel only when ``seglab_workshop`` cannot be imported, as IPython reads it; a wheel file
    is copied beside the notebooks (a kernel runs in the notebook's folder); anything a shell or
    IPython would expand is refused."""
    from IPython.core.inputtransformer2 import TransformerManager

    from seglab_workshop import cli

    wheel = tmp_path / "seglab-0.1.0-py3-none-any.whl"
    wheel.write_bytes(b"PK")
    assert cli.main(["--out", str(tmp_path / "room"), "--install", str(wheel), "--language", "fa"]) == 0
    assert (tmp_path / "room" / wheel.name).read_bytes() == b"PK"
    for stem in NOTEBOOKS:
        cells = json.loads((tmp_path / "room" / f"{stem}.ipynb").read_text(encoding="utf-8"))["cells"]
        assert cells[0]["cell_type"] == "markdown" and cells[1]["metadata"]["tags"] == ["install"]
        python = TransformerManager().transform_cell(cells[1]["source"])
        assert (
            'if importlib.util.find_spec("seglab_workshop") is None:\n'
            f"    get_ipython().run_line_magic('pip', 'install --quiet \"{wheel.name}\"')\n"
            "    importlib.invalidate_caches()\n"
            '    if importlib.util.find_spec("seglab_workshop") is None:'
        ) in python and "restart the kernel" in python
    for spec in ('x"; rm -rf ~', "seglab $(id)", "{os.system('id')}", "a;b"):
        with pytest.raises(ValueError, match="--install"):
            versions.install_cell(spec)
    assert (
        "https://example.org/seglab-0.1.0-py3-none-any.whl"
        in versions.install_cell("https://example.org/seglab-0.1.0-py3-none-any.whl")["source"]
    )


@pytest.mark.slow
def test_the_workshop_runs_from_the_wheel_outside_a_clone(tmp_path, root):
    """Where seglab is installed from its wheel with no clone (a hosted notebook): the wheel holds
    no source notebook, no guide and no expected answer written out, and a learner notebook written
    in the clone runs with the classroom shop generated in the user's cache folder (nothing read
    from a clone)."""
    import os
    import shutil
    import subprocess
    import sys
    import zipfile

    from seglab_workshop import cli

    uv = root / ".venv" / ".uv" / "bin" / "uv"
    if not uv.is_file():
        uv = shutil.which("uv")
        if uv is None:
            pytest.skip("uv (which `make dist` builds the wheel with) is not installed: run `make test`")
    shutil.rmtree(root / "build", ignore_errors=True)  # (setuptools keeps files of earlier builds there)
    built = subprocess.run(
        [str(uv), "build", "--wheel", "--quiet", "--out-dir", str(tmp_path / "dist"), str(root)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("seglab-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        text = "\n".join(z.read(n).decode("utf-8", "replace") for n in names if n.endswith((".py", ".md", ".ipynb")))
    assert not [n for n in names if n.startswith("seglab_workshop/") and n.endswith((".ipynb", ".md"))], names
    # no expected answer written out (the instructor's module computes them, as in a clone: the guide says so)
    assert not [a for a in _answer_spellings(answers.expected(SEED)) if a in text]
    assert "seglab_workshop/check.py" in names and "seglab_workshop/classroom.py" in names
    zipfile.ZipFile(wheel).extractall(tmp_path / "site")
    hosted = tmp_path / "hosted"
    assert cli.main(["--out", str(hosted), "--install", str(wheel)]) == 0  # written in the clone
    env = {k: v for k, v in os.environ.items() if k not in ("SEGLAB_ROOT", "SEGLAB_WORKSHOP_HOME")}
    env.update(PYTHONPATH=str(tmp_path / "site"), XDG_CACHE_HOME=str(tmp_path / "cache"))
    script = (
        "import seglab, seglab_workshop, papermill\n"
        f"assert seglab_workshop.__file__.startswith({str(tmp_path / 'site')!r}), seglab_workshop.__file__\n"
        f"assert seglab.__file__.startswith({str(tmp_path / 'site')!r}), seglab.__file__\n"
        "papermill.execute_notebook('W1_lenses.ipynb', 'W1_lenses.ipynb', cwd='.', kernel_name='python3',\n"
        "                           progress_bar=False)\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", script], cwd=hosted, env=env, capture_output=True, text=True, check=False
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert (hosted / wheel.name).is_file()
    said = _checks_said(nbformat.read(hosted / "W1_lenses.ipynb", as_version=4))
    assert said and all("**…" in s for s in said), said  # the learner version: not answered yet
    assert list((tmp_path / "cache" / "seglab-workshop" / "data" / "raw").glob(f"synthetic_seed{SEED}_*"))


def test_a_command_run_outside_a_project_or_with_a_refused_install_says_why_in_one_line(tmp_path, capsys, monkeypatch):
    """No project where one is needed, or an --install refused: one line saying why and what to do,
    never "a seglab bug"."""
    from seglab.run import cli as seglab_cli
    from seglab_workshop import cli

    assert cli.main(["--out", str(tmp_path / "room"), "--install", "seglab; rm -rf ~"]) == 1
    said = capsys.readouterr().err
    assert said.startswith("seglab-workshop: --install") and "bug" not in said
    monkeypatch.setenv("SEGLAB_ROOT", str(tmp_path))  # a folder that is no seglab project
    assert seglab_cli.main(["report", "--run", "default", "--language", "fa"]) == 1
    said = capsys.readouterr().err
    assert f"SEGLAB_ROOT={tmp_path} is not a seglab project" in said and "bug" not in said
    assert cli.main(["--out", str(tmp_path / "room")]) == 1  # (as where the wheel is installed, no clone)
    said = capsys.readouterr().err
    assert "notebooks/workshop of a seglab clone" in said and "bug" not in said
