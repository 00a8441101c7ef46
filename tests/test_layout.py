"""Pages for phones, paper and right-to-left readers (issue 31, points 4 and 6): code, paths and
parameter lines read left to right on Persian and Arabic pages and are never broken mid-word; the
Boston matrix and the trends are drawn for phones too; tables keep their key column in view on a
phone and every column on A4; the prediction chart's ticks and labels do not collide.

The pages are rendered from the templates with a small context (no run: seconds, not minutes) and
opened in Chromium (tests/browser.py).
"""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

from seglab import i18n
from seglab.report import pages, plots

matplotlib.use("Agg")

#: The CSS width of A4 paper less the pages' margins (@page: 12 mm each side), at 96 px per inch.
A4_CONTENT = round((210 - 24) / 25.4 * 96)
#: A parameter line with a right-to-left value (reported reordered and broken mid-word).
YAML_LINE = "personas.names: {1: پرسونای وفادار}"


def _png(width: float, height: float) -> str:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(width, height))
    ax.plot([0, 1], [0, 1])
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=60)
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _index(folder: Path, language: str) -> Path:
    """An index page with a source one folder above the project (``../x.csv``), a parameter line
    with a Persian value, the Boston matrix and the trends (each with a phone version), the
    priorities and a MIDAS table wider than a phone."""
    from markupsafe import Markup

    from seglab import report

    quality = {
        "tables": {
            "transactions": {
                "source": str(folder / "x.csv"),
                "date_min": "2024-01-01",
                "date_max": "2024-12-31",
                "customers": 1200,
                "read": 52000,
                "kept": 51000,
                "rejected": 1000,
            }
        }
    }
    with i18n.using(language, "EUR"):
        facts = pages._data_facts(quality, folder / "project")
        long = "Attractive: €8,403 per customer (best of 5); €5,024,745 net value, 50% of all (best of 5). " * 2
        ctx = {
            "run_name": "layout",
            "seed": 1,
            "provenance": {"footer_html": Markup("Run layout"), "software": "pandas 2.3.1 · numpy 2.4.6"},
            "nav": [],
            "stages": [{"number": "01", "title": "Data collection", "link": None, "status": "done", "failed": False}],
            "data": [(k, v) for k, v in facts.items()],
            "assumptions": [
                {"subject": "persona name", "assumed": "Loyal", "why": "the rule", "change": YAML_LINE + "  (a note)"}
            ],
            "boston": {
                "placed": True,
                "rows": [
                    {
                        "segment": f"S{s}",
                        "persona": "Loyal customers",
                        "quadrant": "Target",
                        "action": "Core customers: protect them from competitors and keep serving them well.",
                        "decided_by": long,
                        "budget": "€53,662",
                        "budget_how": "Target weight 0.45 x 973,872 predicted next-period spend",
                        "override": "",
                        "fragile": [],
                    }
                    for s in range(1, 6)
                ],
                "chart": _png(10, 8),
                "chart_phone": _png(4.6, 7),
                "chart_alt": "Boston matrix",
                "budget_text": "Budget €100,000.",
                "size_only": [],
                "outcome_notes": [],
                "outcomes": None,
                "notes": [],
                "template": "",
            },
            "midas": {
                "criteria": ["Measurable", "Identifiable", "Definable", "Actionable", "Viable"],
                "rows": [
                    {
                        "segment": f"S{s}",
                        "persona": "Need-based customers",
                        "cells": [
                            {
                                "result": "pass",
                                "evidence": "1,154 customers (26.9%), net value €250,208",
                                "color": "#1b9e77",
                            }
                        ]
                        * 5,
                    }
                    for s in range(1, 6)
                ],
            },
            "trend": {
                "moving": [],
                "noise": [],
                "unknown": "",
                "comparison": "Growth compares the last quarter with the same quarter a year earlier.",
                "base": "",
                "caveat": "",
                "rule": "",
                "window": "",
                "chart": _png(13, 10),
                "chart_phone": _png(4.3, 16.5),
            },
        }
        html = report.render_index(ctx)
    out = folder / language / "index.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    return out


def _stage_page(folder: Path, language: str) -> Path:
    """A stage's page with a path in its markdown, a YAML block, a printed path and a table of
    twelve columns whose last holds a parameter line."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    from seglab.report import styled

    with i18n.using(language, "EUR"):
        table = pd.DataFrame(
            {
                "segment": [1, 2, 3],
                "persona": ["Loyal customers", "Bargain hunters", "Need-based customers"],
                **{f"measure_{i}": [1234.5 * i, 2.5, 3.25] for i in range(9)},
                "change": [YAML_LINE + "  (a note)"] * 3,
            }
        )
        html = styled(table).to_html()
        nb = new_notebook(
            cells=[
                new_markdown_cell("Reads `../x.csv` and writes `reports/<run>/index.html`.", id="md-1"),
                new_markdown_cell(f"```yaml\n{YAML_LINE}\nsource:\n  path: ../x.csv\n```", id="md-2"),
                new_code_cell(
                    "",
                    outputs=[
                        new_output("stream", name="stdout", text="خواندن ../x.csv و نوشتن reports/layout/figures\n"),
                        new_output("display_data", data={"text/html": html, "text/plain": "table"}),
                    ],
                ),
            ]
        )
        executed = folder / language / "01_data_collection.ipynb"
        executed.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(executed))
        return pages.render_html(
            executed, show_code=False, footer={"footer_html": "Run layout", "software": "pandas 2.3.1"}
        )


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, dict[str, Path]]:
    folder = tmp_path_factory.mktemp("layout")
    return {
        language: {"index": _index(folder, language), "stage": _stage_page(folder, language)}
        for language in ("en", "fa", "ar")
    }


# ---------------------------------------------------------------------------------------------
# point 4: bidi
# ---------------------------------------------------------------------------------------------
def test_paths_are_isolated_left_to_right_in_printed_text():
    text = "خواندن ../x.csv و نوشتن data/*/layout/، reports/layout/figures و a.json؛ خرید/فروش"
    shown = pages.ltr_paths(text)
    for path in ("../x.csv", "data/*/layout/", "reports/layout/figures", "a.json"):
        assert f"\u2066{path}\u2069" in shown, path
    assert "خرید/فروش" in shown and "\u2066خرید" not in shown  # a Persian word with a slash is no path


def test_a_parameter_line_in_a_table_is_code():
    with i18n.using("fa"):
        html = plots_free_styled(pd.DataFrame({"subject": ["x"], "change": [YAML_LINE + "  (a note)"]}))
    assert f'<code dir="ltr">{YAML_LINE}</code> <bdi>(a note)</bdi>' in html


def plots_free_styled(df: pd.DataFrame) -> str:
    from seglab.report import styled

    return styled(df).to_html()


@pytest.mark.parametrize("language", ["fa", "ar"])
@pytest.mark.parametrize("kind", ["index", "stage"])
def test_paths_and_code_read_left_to_right_on_right_to_left_pages(rendered, language, kind):
    """Chromium draws ../x.csv and the parameter line in their order (the boxes of their
    characters advance left to right), every code element computes left to right in an isolate,
    and no word of code is broken over two lines, at 1300 and 400 px."""
    import browser

    for width in (1300, 400):
        bidi = browser.layout_check(rendered[language][kind], width)["bidi"]
        assert "../x.csv" in bidi["tokens"], bidi["tokens"]
        assert bidi["reversed"] == [], (width, bidi["reversed"])
        assert bidi["not_isolated"] == [], (width, bidi["not_isolated"])
        assert bidi["broken"] == [], (width, bidi["broken"])


# ---------------------------------------------------------------------------------------------
# point 6: phone and print
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("language", ["en", "fa"])
def test_a_phone_gets_the_phone_figures_and_tables_keep_their_key_column(rendered, language):
    import browser

    phone = browser.layout_check(rendered[language]["index"], 400)
    figures = [i for i in phone["images"] if i["in_picture"]]
    assert len(figures) == 2 and all(i["phone"] for i in figures), phone["images"]
    assert phone["overflow"] <= 1
    wide = [t for t in phone["tables"] if t["wide"]]
    assert wide, phone["tables"]  # (the MIDAS table is wider than a phone: it scrolls)
    assert all(t["key_in_view"] for t in wide), wide
    desk = browser.layout_check(rendered[language]["index"], 1300)
    assert not any(i["phone"] for i in desk["images"])
    stage = browser.layout_check(rendered[language]["stage"], 400)
    assert [t for t in stage["tables"] if t["wide"]] and all(t["key_in_view"] for t in stage["tables"])


@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize("kind", ["index", "stage"])
def test_printed_on_a4_every_column_is_on_the_page(rendered, language, kind, tmp_path):
    import browser

    pdf = tmp_path / f"{kind}.pdf"
    paper = browser.layout_check(rendered[language][kind], A4_CONTENT, print_media=True, pdf=pdf)
    assert paper["tables"], paper
    assert [t for t in paper["tables"] if t["wide"] or not t["fits_page"]] == []
    assert paper["overflow"] <= 1
    assert pdf.read_bytes()[:5] == b"%PDF-"
    pdf_text = pdf.read_bytes()
    assert b"/MediaBox [0 0 594.9" in pdf_text or b"/MediaBox [0 0 595" in pdf_text  # A4: 595 x 842 pt


# ---------------------------------------------------------------------------------------------
# the figures drawn for phones, and the prediction chart
# ---------------------------------------------------------------------------------------------
def _matrix() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "segment": [1, 2, 3, 4, 5],
            "persona": ["Impulse shoppers", "Loyal customers", "Bargain hunters", "Need-based", "Wandering"],
            "ability_to_win": [0.38, 0.98, 0.8, 0.33, 0.36],
            "attractiveness": [0.66, 0.6, 0.49, 0.34, 0.36],
            "revenue": [5e6, 3.9e6, 8.7e5, 2.5e5, 8.3e4],
            "basis_value": [5e6, 3.9e6, 8.7e5, 2.5e5, 8.3e4],
        }
    )


def _sizes() -> pd.DataFrame:
    periods = pd.date_range("2023-12-31", periods=5, freq="QE")
    return pd.DataFrame(
        [
            {"period_end": p, "segment": s, "customers": 100 * s + i, "customer_share": 0.1 * s, "value": 1e5 * s}
            for i, p in enumerate(periods)
            for s in (1, 2, 3)
        ]
    )


def _font_pixels(fig, dpi: float, shown_width: float) -> float:
    """The smallest text of ``fig`` in CSS pixels when its PNG is shown ``shown_width`` px wide."""
    fig.canvas.draw()
    sizes = [t.get_fontsize() for t in fig.findobj(matplotlib.text.Text) if t.get_text().strip() and t.get_visible()]
    png_width = fig.get_window_extent().width * dpi / fig.dpi
    return min(sizes) * dpi / 72 * shown_width / png_width


@pytest.mark.parametrize("language", ["en", "fa"])
def test_the_phone_versions_are_narrow_tall_and_readable_at_400_px(language):
    import matplotlib.pyplot as plt

    with i18n.using(language, "EUR"):
        plots.theme()
        for wide, phone in (
            (plots.boston_chart(_matrix(), 0.5, [1]), plots.boston_chart(_matrix(), 0.5, [1], phone=True)),
            (
                plots.monitoring_over_time(_sizes(), {1: "a", 2: "b", 3: "c"}, {1: "growing"}, "quarter"),
                plots.monitoring_over_time_phone(_sizes(), {1: "a", 2: "b", 3: "c"}, {1: "growing"}, "quarter"),
            ),
        ):
            w, h = phone.get_size_inches()
            assert h > w and w < 5, (w, h)  # taller than wide: one panel a row
            # on a phone (368 px for the figure) its smallest text is about 10 px or more,
            # where the page's version would be 5 px
            assert _font_pixels(phone, 120, 368) >= 9.5
            assert _font_pixels(wide, 120, 368) < 6
            plt.close(wide)
            plt.close(phone)


def test_save_writes_the_phone_version_beside_and_the_page_picks_it_on_a_phone(tmp_path):
    import matplotlib.pyplot as plt

    from seglab.report.plots import drawing

    path = tmp_path / "05_boston_matrix.png"
    plots.save(plt.figure(figsize=(6, 4)), path, phone=plt.figure(figsize=(3, 5)))
    assert path.is_file() and drawing.phone_path(path) == tmp_path / "05_boston_matrix_phone.png"
    assert drawing.phone_path(path).is_file()
    bundle = drawing._picture(path.read_bytes(), drawing.phone_path(path).read_bytes(), 1.0)
    assert re.match(
        r'<picture><source media="\(max-width: 600px\)" srcset="data:image/png;base64,', bundle["text/html"]
    )
    assert bundle["image/png"] == base64.b64encode(path.read_bytes()).decode("ascii")


@pytest.mark.parametrize("language", ["en", "fa", "ar"])
def test_the_prediction_chart_has_few_ticks_and_its_labels_outside_the_bars(language):
    """Stage 04's chart: expected spend in the millions wrote …800,0001,000,000… on its axis and
    its labels started inside the bars in Persian and Arabic."""
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(0)
    holdout = pd.DataFrame({"p_buy": rng.random(200)})
    holdout["bought"] = rng.random(200) < holdout["p_buy"]
    per = pd.DataFrame(
        {
            "segment": [1, 2, 3],
            "persona": ["Impulse shoppers", "Loyal customers", "Bargain hunters"],
            "expected_spend": [929925.0, 61234.0, 1973872.0],
            "churn_risk": [0.4, 0.39, 0.72],
        }
    )
    with i18n.using(language, "EUR"):
        plots.theme()
        fig = plots.localize(plots.prediction_quality(holdout, per, 0.89))
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        ax = fig.axes[2]
        ticks = [
            t
            for t in ax.get_xticklabels()
            if t.get_text() and ax.get_xlim()[0] <= t.get_position()[0] <= ax.get_xlim()[1]
        ]
        assert 2 <= len(ticks) <= 4, [t.get_text() for t in ticks]
        boxes = [t.get_window_extent(renderer) for t in ticks]
        assert all(a.x1 < b.x0 for a, b in zip(boxes, boxes[1:], strict=False)), [
            t.get_text() for t in ticks
        ]  # no overlap
        # written short: 1.2M, ۱٫۲ میلیون (not 1,200,000)
        assert all(len(re.findall(r"\d", t.get_text())) <= 3 for t in ticks), [t.get_text() for t in ticks]
        bars = [p.get_window_extent(renderer) for p in ax.patches]
        labels = [t.get_window_extent(renderer) for t in ax.texts]
        assert len(labels) == len(per)
        for bar, label in zip(bars, labels, strict=True):
            assert label.x0 >= bar.x1, (bar, label)  # starts after the bar's end
            assert label.x1 <= ax.get_window_extent(renderer).x1  # and ends inside the axes
        plt.close(fig)
