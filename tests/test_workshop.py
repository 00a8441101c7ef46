"""The workshop track (issue 20): checks that recognise typical mistakes, one source for the
learner and instructor versions in English and Persian, the guide's expected answers."""

from __future__ import annotations

import json
import time

import nbformat
import numpy as np
import pandas as pd
import pytest

from seglab import i18n
from seglab_workshop import NOTEBOOKS, answers, check, classroom, versions


@pytest.fixture(scope="module")
def shop():
    import seglab_workshop

    return seglab_workshop.start("W1_lenses", language="en", seed=7)


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


# ---------------------------------------------------------------------------------------------
# W1
# ---------------------------------------------------------------------------------------------
def test_w1_mistakes_get_their_hint(shop):
    right = dict(check.LENSES)
    _says(check.w1_lenses(right), check.RIGHT)
    _says(check.w1_lenses({**right, "email_opt_in": "demographic"}), check.HINT, "whether we can reach them")
    _says(check.w1_lenses({**right, "city": "demographic"}), check.HINT, "Where a customer lives")
    midas = {q: c for q, (_t, c) in check.MIDAS_QUESTIONS.items()}
    _says(check.w1_midas(midas), check.RIGHT)
    swapped = {**midas, "q2": "Definable", "q3": "Identifiable"}
    _says(check.w1_midas(swapped), check.HINT, "Two criteria are swapped")
    _says(check.w1_midas({**midas, "q5": "Measurable"}), check.HINT, "worth it over time")


# ---------------------------------------------------------------------------------------------
# W2
# ---------------------------------------------------------------------------------------------
def _w2(shop):
    customers = classroom.sample_customers(shop)
    lines = shop.transactions[shop.transactions["customer_id"].isin(customers)]
    return customers, lines, lines[lines["quantity"] > 0]


def test_w2_recency_mistakes(shop):
    customers, _lines, buys = _w2(shop)
    last = buys.groupby("customer_id")["timestamp"].max().dt.normalize()
    recency = (shop.as_of.normalize() - last).dt.days
    _says(check.w2_recency(recency, customers), check.RIGHT)
    _says(check.w2_recency(recency + 1, customers), check.HINT, "Off by one day")
    first = buys.groupby("customer_id")["timestamp"].min().dt.normalize()
    _says(check.w2_recency((shop.as_of.normalize() - first).dt.days, customers), check.HINT, "first purchase")
    # seglab's feature agrees with the hand computation (whole days below its fractional value)
    seglab_days = shop.features.set_index("customer_id").loc[customers, "recency_days"]
    assert (np.floor(seglab_days).astype(int) == recency.reindex(customers)).all()


def test_w2_frequency_and_value_mistakes(shop):
    customers, lines, buys = _w2(shop)
    _says(check.w2_frequency(buys.groupby("customer_id")["order_id"].nunique(), customers), check.RIGHT)
    _says(check.w2_frequency(buys.groupby("customer_id").size(), customers), check.HINT, "order lines")
    net = lines["quantity"] * lines["unit_price"] * (1 - lines["discount"].fillna(0))
    value = net.groupby(lines["customer_id"]).sum()
    _says(check.w2_monetary(value, customers), check.RIGHT)
    gross = net[lines["quantity"] > 0].groupby(lines["customer_id"]).sum()
    _says(check.w2_monetary(gross, customers), check.HINT, "gross value")
    plain = (lines["quantity"] * lines["unit_price"]).groupby(lines["customer_id"]).sum()
    _says(check.w2_monetary(plain, customers), check.HINT, "discount")
    seglab_value = shop.features.set_index("customer_id").loc[customers, "monetary"]
    assert np.allclose(seglab_value, value.reindex(customers), atol=0.01)


def test_w2_scaling_mistakes(shop):
    two = shop.features[["frequency", "monetary"]]
    logged = np.log1p(two.clip(lower=0))
    _says(check.w2_scaled((logged - logged.mean()) / logged.std(ddof=0), two), check.RIGHT)
    _says(check.w2_scaled(logged, two), check.HINT, "not on one scale")
    _says(check.w2_scaled((two - two.mean()) / two.std(ddof=0), two), check.HINT, "not logged")


# ---------------------------------------------------------------------------------------------
# W3
# ---------------------------------------------------------------------------------------------
def test_w3_mistakes(shop):
    rng = np.random.default_rng(1)
    points, centroids = rng.normal(size=(6, 2)), rng.normal(size=(3, 2))
    d = ((points[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
    _says(check.w3_assign(d.argmin(axis=1), points, centroids), check.RIGHT)
    _says(check.w3_assign(d.argmax(axis=1), points, centroids), check.HINT, "nearest centroid")
    _says(check.w3_assign(d.argmin(axis=1) + 1, points, centroids), check.HINT, "numbered from 0")
    seg = shop.segmentation
    _says(check.w3_k(seg.model.k), check.RIGHT)
    _says(check.w3_k(2), check.HINT, "smallest k")
    from sklearn.metrics import adjusted_rand_score, rand_score

    labels = seg.segments["segment"].to_numpy()
    truth = shop.planted(seg.segments["customer_id"]).to_numpy()
    _says(check.w3_ari(adjusted_rand_score(truth, labels), labels, truth), check.RIGHT)
    _says(check.w3_ari(rand_score(truth, labels), labels, truth), check.HINT, "plain Rand index")
    assert adjusted_rand_score(truth, labels) > 0.8  # k-means finds most of what was planted


# ---------------------------------------------------------------------------------------------
# W4
# ---------------------------------------------------------------------------------------------
def test_w4_mistakes(shop):
    names = check.planted_names()
    assert sorted(names.values()) == sorted(check.ARCHETYPES)  # the five planted archetypes, one per segment
    _says(check.w4_names(names), check.RIGHT)
    loyal = next(s for s, a in names.items() if a == "loyal")
    impulse = next(s for s, a in names.items() if a == "impulse_shopper")
    swapped = {**names, loyal: "impulse_shopper", impulse: "loyal"}
    _says(check.w4_names(swapped), check.HINT, "order value")
    _says(check.w4_names({**names, loyal: "vip"}), check.HINT, "archetypes' names")
    target = next(s for s, a in names.items() if a == "bargain_hunter")
    f = shop.features
    _says(check.w4_rule((f["discount_share"] > 0.35) & (f["sessions_per_order"] < 8), target), check.RIGHT)
    _says(check.w4_rule(f["discount_share"] > 0.05, target), check.HINT, "other segments")
    _says(check.w4_rule(f["discount_share"] > 0.9, target), check.HINT, "misses much of the segment")


# ---------------------------------------------------------------------------------------------
# W5
# ---------------------------------------------------------------------------------------------
SCORES = pd.DataFrame({"segment": [1, 2, 3], "attractiveness": [0.9, 0.8, 0.2], "ability_to_win": [0.7, 0.1, 0.9]})


def test_w5_mistakes():
    right = {1: "Target", 2: "Convert", 3: "Grow"}
    _says(check.w5_quadrants(right, SCORES), check.RIGHT)
    _says(check.w5_quadrants({1: "Target", 2: "Grow", 3: "Convert"}, SCORES), check.HINT, "axes are swapped")
    plan = pd.DataFrame({"segment": [1, 2, 3], "quadrant": ["Target", "Convert", "Ignore"], "value": [100.0, 50, 80]})
    weights = {"Target": 0.45, "Convert": 0.35, "Grow": 0.2, "Ignore": 0.0}
    share = plan["quadrant"].map(weights) * plan["value"]
    _says(
        check.w5_budget(dict(zip(plan["segment"], 1000 * share / share.sum(), strict=True)), plan, 1000, weights),
        check.RIGHT,
    )
    by_value = dict(zip(plan["segment"], 1000 * plan["value"] / plan["value"].sum(), strict=True))
    _says(check.w5_budget(by_value, plan, 1000, weights), check.HINT, "Ignore segment still gets money")
    _says(check.w5_budget({1: 500, 2: 100, 3: 0}, plan, 1000, weights), check.HINT, "add up to")


def test_hints_speak_persian(shop):
    customers, _lines, buys = _w2(shop)
    with i18n.using("fa"):
        said = check.w2_frequency(buys.groupby("customer_id").size(), customers)
        assert said.status == check.HINT and "سفارش‌های متمایز" in said.message
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

    written = versions.write(tmp_path, learner=learner, language=language)
    mark = "…" if learner else "✔"
    for path in written:
        start = time.perf_counter()
        nb = papermill.execute_notebook(
            str(path), str(path), kernel_name="python3", cwd=str(root), progress_bar=False, log_output=False
        )
        seconds = time.perf_counter() - start
        said = _checks_said(nb)
        assert len(said) >= 2 and all(s.startswith(f"**{mark}") for s in said), (path.name, said)
        assert seconds < 60, (path.name, seconds)


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
        assert answers.markdown(7, language) in text, f"{name}: run make workshop-guide"
    table = answers.expected(7)
    assert table["W3.2 k"] == str(int(classroom.classroom(7).segmentation.model.k))
    assert set(table["W4.1 names"].replace(" ", "").split(",")) == {
        f"S{s}:{a}" for s, a in check.planted_names().items()
    }


def test_the_guide_renders_to_one_page_per_language(tmp_path):
    html = versions.write_guide(tmp_path, "fa").read_text(encoding="utf-8")
    assert '<html lang="fa" dir="rtl">' in html and "@font-face" in html and "<table>" in html
    assert "expected answers: begin" not in html
    assert "Seed 7" in versions.guide_html("en")


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
        [f"{n}.ipynb" for n in NOTEBOOKS] + ["guide.html"]
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
