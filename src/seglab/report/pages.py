"""The pages of a run: each stage's HTML report (from its executed notebook) and the index
page, ``reports/<run>/index.html``. Both come from Jinja templates (``templates/``) with
autoescaping; this module gathers what they show from the run's files (through
:class:`seglab.files.artifacts.Store`) and computes nothing.
"""

from __future__ import annotations

import base64
import os
import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from seglab import i18n
from seglab.collection import history
from seglab.files import artifacts
from seglab.files.artifacts import STAGES
from seglab.i18n import N_, _
from seglab.report.stage_pages import lead_line
from seglab.text import CSP, ltr_code
from seglab.vocabulary import GROWTH_COLUMNS, MIDAS_CRITERIA, NOT_PLACED, QUADRANTS, method_name, segment_code

if TYPE_CHECKING:
    from seglab import config
    from seglab.paths import RunPaths
    from seglab.run.pipeline import RunResult

TEMPLATES = Path(__file__).parent / "templates"


def render_html(
    executed: Path,
    show_code: bool,
    error: str | None = None,
    run_name: str | None = None,
    footer: dict | None = None,
) -> Path:
    """Render an executed notebook to a self-contained HTML file beside it (images embedded, no
    script from the network), in the reader's language: the notebook's narrative (markdown
    cells) translated cell by cell from the catalogs, ``lang`` and ``dir`` on the page, the
    font embedded for Persian and Arabic. ``error``: the failure of this stage, shown at the top.
    """
    import nbformat

    from seglab.report import stage_pages

    exporter = _exporter(show_code)
    reader = i18n.reader()
    exporter.language_code = reader.language
    nb = nbformat.read(executed, as_version=4)
    stem = executed.stem
    if not show_code:  # (the set-up cell and the cell that narrates it say nothing to a reader)
        stage_pages.without_setup(nb.cells, run_name or executed.parent.name)
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.get("id"):
            cell.source = i18n.pgettext(i18n.notebook_context(stem, cell.id), cell.source)
        if reader.rtl:  # printed text shows right to left: its paths in left-to-right isolates
            for out in cell.get("outputs", []):
                if out.get("output_type") == "stream":
                    out["text"] = ltr_paths(out["text"])
    stage_pages.opening(nb.cells, (footer or {}).get("finding", ""))
    title = dict(STAGES).get(stem)
    if title:
        nb.metadata["title"] = _("%(number)s · %(stage)s · seglab") % {
            "number": i18n.digits(artifacts.number_of(stem)),
            "stage": i18n.term(title),
        }
    # the template shows the failure at the top (escaped), from the notebook's metadata
    nb.metadata["seglab_error"] = error or ""
    nb.metadata["seglab_page"] = {
        **i18n.page_context(),
        "failed": _("This stage failed."),
        "failed_more": _(
            "The cell that failed and its traceback are shown further down; the cells after it did not run."
        ),
        "message_in_english": _("seglab's message, in English (it names the file, column or parameter to fix):"),
        "back": _("← The run's summary (index)"),
        "sep": _(" · "),  # between the footer's parts (in Persian and Arabic a dash: «·» reads as a zero)
        "csp": CSP,
        **(footer or provenance(run_name or executed.parent.name)),
    }
    body, _resources = exporter.from_notebook_node(nb)
    if reader.rtl:  # the lab template writes <html lang="..."> only
        body = body.replace(f'<html lang="{reader.language}">', f'<html lang="{reader.language}" dir="rtl">', 1)
    from seglab import io

    return io.write_text(body, executed.with_suffix(".html"))


#: A path, a file name or a glob in text (ASCII: a Persian word with a slash is no path).
_PATH = re.compile(
    r"(?<![A-Za-z0-9_*.<>/-])(?:\.{1,2}/|/)?[A-Za-z0-9_*.<>-]+(?:/[A-Za-z0-9_*.<>-]*)+"
    r"|(?<![A-Za-z0-9_*.<>/-])[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.(?:csv|parquet|json|ya?ml|png|ipynb|html|xlsx?|txt)\b"
)
#: Left-to-right isolate and its end (Unicode bidirectional algorithm).
LRI, PDI = "\u2066", "\u2069"


def ltr_paths(text: str) -> str:
    """``text`` with each path or file name in a left-to-right isolate: on a right-to-left page
    ``../x.csv`` stays ``../x.csv`` (not ``x.csv/..``) wherever it sits in a Persian sentence.
    """
    return _PATH.sub(lambda m: f"{LRI}{m.group(0)}{PDI}", text)


_local = threading.local()


def _exporter(show_code: bool):
    """The HTML exporter (nbconvert) of the pages, one per thread (its template is compiled once)."""
    made = _local.__dict__.setdefault("exporters", {})
    if show_code not in made:
        from nbconvert import HTMLExporter

        made[show_code] = HTMLExporter(
            exclude_input=not show_code,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            template_name="lab",
            extra_template_paths=[str(TEMPLATES)],
            template_file="seglab_report.html.j2",
        )
    return made[show_code]


def _now():
    import datetime as dt

    return dt.datetime.now()


def provenance(run_name: str, params_file: str | Path | None = None, as_of=None) -> dict:
    """What every page's footer says: the run, its parameters file, the data's as-of date, when
    and by which seglab it was made (``footer_html``, escaped), and the versions of the libraries that made the
    numbers, as locked in uv.lock (``software``).

    ``params_file`` is shown relative to the project (never the machine's absolute path).
    """
    from html import escape

    from seglab import __version__, lockfile

    now = _now()
    facts = {
        "run": escape(run_name),
        # the file and the versions are code: written as they are, left to right in every language
        "params": ltr_code(escape(_shown_path(params_file))) if params_file else "?",
        # the machine's clock, with its zone (UTC on a server): left to right as written
        "when": escape(f"{i18n.date(now.date())} {i18n.digits(now.strftime('%H:%M'))}")
        + f' <bdi dir="ltr">{escape(now.astimezone().tzname() or "")}</bdi>',
        # the product and its version are code: "seglab 0.1.0" as written, one left-to-right piece
        "seglab": f'<bdi dir="ltr">seglab {escape(__version__)}</bdi>',
    }
    if as_of is not None:
        facts["as_of"] = escape(i18n.date(as_of))
        text = _("Run “%(run)s” · parameters %(params)s · data as of %(as_of)s · made %(when)s by %(seglab)s")
    else:
        text = _("Run “%(run)s” · parameters %(params)s · made %(when)s by %(seglab)s")
    libs = {k: v for k, v in lockfile.key_versions().items() if k != "seglab"}
    return {
        "footer_html": escape(text) % facts,
        "software": " · ".join(f"{name} {version}" for name, version in libs.items()),
    }


def _shown_path(path: str | Path) -> str:
    """A file as the reader should see it: relative to the project when inside it, else its name."""
    from seglab.paths import project_root

    p = Path(path).expanduser().resolve()
    try:
        return p.relative_to(project_root()).as_posix()
    except (ValueError, FileNotFoundError):
        return p.name


def data_as_of(paths: RunPaths):
    """The as-of date of the run's features (``features_meta.json``), or None before stage 02."""
    f = artifacts.location(artifacts.BY_NAME["features_meta"], paths)
    try:
        import json

        return json.loads(f.read_text(encoding="utf-8")).get("as_of")
    except (OSError, ValueError):
        return None


def _source_shown(source: str, root: Path) -> str:
    """A source path as the parameters file gives it: relative to the project, never the machine's."""
    try:
        shown = os.path.relpath(os.path.normpath(source), root)
    except ValueError:
        shown = os.path.basename(source)
    if shown.startswith(".." + os.sep + ".." + os.sep) or os.path.isabs(shown):
        shown = os.path.basename(source)
    return shown


#: The rows of "Data used", in the reader's language where shown.
FACT_LABELS = {
    "source": N_("source"),
    "customer rows read": N_("customer rows read"),
    "customers kept": N_("customers kept"),
    "rows rejected": N_("rows rejected"),
    "period": N_("period"),
    "customers": N_("customers"),
    "rows read": N_("rows read"),
    "rows kept": N_("rows kept"),
    "customer value": N_("customer value"),
    "currency": N_("currency"),
    "history": N_("customers who may have bought before the data"),
}


def _data_facts(quality: dict, root: Path) -> dict[str, str]:
    """The data a run used, in words: source, period, customers, rows read, kept, rejected."""
    tx = quality["tables"].get("transactions")
    from markupsafe import Markup, escape

    # a path reads left to right in every language (../x.csv, never x.csv/.. on a Persian page)
    path = _source_shown(tx["source"] if tx else quality["tables"]["customers"]["source"], root)
    # (a long path may wrap after a slash or an underscore, never inside a word)
    parts = re.split(r"(?<=[/_])", path)
    shown = Markup('<bdi class="ltr" dir="ltr">%s</bdi>') % Markup("<wbr>").join(parts)
    if not tx:
        cu = quality["tables"]["customers"]
        return {
            "source": escape(_("%(file)s (customer level: one row per customer)")) % {"file": shown},
            "customer rows read": i18n.number(cu["read"]),
            "customers kept": i18n.number(cu["kept"]),
            "rows rejected": i18n.number(cu["rejected"]),
        }
    return {
        "source": shown,
        "period": _("%(start)s to %(end)s") % {"start": i18n.date(tx["date_min"]), "end": i18n.date(tx["date_max"])},
        "customers": i18n.number(tx["customers"]),
        "n_customers": int(tx["customers"]),
        "rows read": i18n.number(tx["read"]),
        "rows kept": i18n.number(tx["kept"]),
        "rows rejected": _("%(rows)s (%(share)s; every one listed with its reason in the data collection report)")
        % {"rows": i18n.number(tx["rejected"]), "share": i18n.percent(tx["rejected"] / max(tx["read"], 1), 1)},
        **({"history": said} if (said := history.text(quality.get("history"))) else {}),
    }


def _segmentation_facts(model: dict, meta: dict | None) -> dict[str, str]:
    """k, why, the method and the features clustered on, in words, from ``model.json``."""
    labels = (meta or {}).get("labels") or {}
    used = model.get("preparation", {}).get("features", [])
    return {
        "k": str(model["k"]),
        "k_text": i18n.ngettext("%(k)s segment", "%(k)s segments", int(model["k"])) % {"k": i18n.number(model["k"])},
        "why": i18n.term(model["selection"]),
        "method": method_name(model.get("method", "kmeans")),
        "features": i18n.join(i18n.term(labels.get(f) or f.replace("_", " ")) for f in used),
    }


#: What the index shows: key in the headline -> artifact (JSON as it is, tables as records).
_JSON_FACTS = (
    ("features_meta", "features_meta"),
    ("personas", "personas"),
    ("prediction", "prediction_quality"),
    ("monitoring", "monitoring"),
    ("exports", "exports"),
    ("boston_basis", "boston_basis"),
)
_TABLE_FACTS = (
    ("boston", "boston_matrix"),
    ("sensitivity", "boston_sensitivity"),
    ("outcome_rates", "outcome_rates"),
    ("midas", "midas"),
    ("trend", "monitoring_flags"),
)


class _Reader:
    """The index's reads: a file that is stale, damaged or made with other parameters than the
    run's is left out (None), and ``left_out`` says why.
    """

    def __init__(self, paths: RunPaths, params: config.Params):
        sections = [k for k in params.model_dump(mode="json") if k != "run_name"]
        self.store = artifacts.Store(paths, artifacts.INDEX, params, sections=sections)
        self.left_out: list[str] = []

    def get(self, name: str, **kwargs):
        from seglab import modelfile

        if not self.store.exists(name):
            return None
        try:
            return self.store.load(name, **kwargs)
        except (artifacts.StaleArtifact, modelfile.ModelFileError, ValueError, OSError) as exc:
            self.left_out.append(f"{artifacts.shown(artifacts.BY_NAME[name])}: {exc}")
            return None

    def assumptions(self) -> list[dict]:
        from seglab.files import stages

        try:
            rows = stages.load_assumptions(self.store)
        except (artifacts.StaleArtifact, ValueError, OSError) as exc:
            self.left_out.append(f"assumptions: {exc}")
            return []
        fields = ("subject", "assumed", "why", "change")  # in the reader's words
        return [{**r, **{k: i18n.say(r[k]) for k in fields if k in r}} for r in rows]


def headline(paths: RunPaths, params: config.Params) -> dict:
    """The run's headline facts, read from the run's files that exist and are current: a file
    that is stale, damaged, or made with other parameters than this run's (an earlier run's,
    when this one stopped before rewriting it) is left out, and ``out["left_out"]`` says why.
    """
    read = _Reader(paths, params)
    out: dict = {}
    quality = read.get("quality")
    if quality is not None:
        profile = read.get("profile") or {}
        quality = {**quality, **({"history": profile["history"]} if profile.get("history") else {})}
        out["quality"], out["data"] = quality, _data_facts(quality, paths.root)
    for key, name in _JSON_FACTS:
        if (value := read.get(name)) is not None:
            out[key] = value
    for key, name in _TABLE_FACTS:
        if (table := read.get(name, keep_default_na=False)) is not None:
            out[key] = table.to_dict("records")
    model = read.get("segment_model")  # a damaged model leaves the segmentation out (stage 03 says why)
    if model is not None:
        out["segmentation"] = _segmentation_facts(model, out.get("features_meta"))
    out["assumptions"] = read.assumptions()
    out["left_out"] = read.left_out
    return out


def read_run(paths: RunPaths, params: config.Params) -> _Reader:
    """The run's files as the index reads them: a file that is stale, damaged or made with other
    parameters than the run's reads as None (the findings of the stage pages are read so:
    :func:`seglab.report.stage_pages.finding`).
    """
    return _Reader(paths, params)


def _png(path: Path) -> str | None:
    """A PNG as a data URI (the index is one self-contained file)."""
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii") if path.is_file() else None


def write_index(
    paths: RunPaths,
    params: config.Params,
    result: RunResult,
    running: str | None = None,
    params_file: str | Path | None = None,
) -> Path:
    """Write reports/<run>/index.html from templates/index.html.j2: the run at a glance (what was
    assumed, data, personas, priorities, MIDAS, monitoring), linking every stage's report, in the
    reader's language (``report.language``).

    ``running`` (the start time): the page written when a run starts, which says the run is in
    progress and shows no result, since the files may still be an earlier run's; a complete
    run replaces it. A run that was killed leaves this page, so it says so.
    """
    from seglab import __version__, io, report

    ctx: dict = {"run_name": params.run_name, "seed": i18n.digits(str(params.seed)), "version": __version__}
    ctx["provenance"] = provenance(params.run_name, params_file, None if running else data_as_of(paths))
    index = artifacts.location(artifacts.BY_NAME["index"], paths)
    # the earlier run's pages and exports, set aside when this run started (seglab.run.pipeline.set_aside)
    ctx["aside"] = (paths.reports / "previous-run" / "moved.json").is_file()
    ctx["languages"] = other_languages(paths, params)
    if running:
        ctx.update(
            running=running,
            nav=[],
            stages=[
                {
                    "number": i18n.digits(artifacts.number_of(name)),
                    "title": i18n.term(title),
                    "link": None,
                    "status": _("not finished"),
                    "failed": False,
                }
                for name, title in STAGES
            ],
        )
        return io.write_text(report.render_index(ctx), index)
    import pandas as pd

    from seglab.report import plots

    h = headline(paths, params)
    failed = next((s for s in result.stages if not s.ok), None)
    ctx["failed"] = {"name": failed.name, "error": failed.error} if failed else None
    ctx["assumptions"] = h.get("assumptions", [])
    ctx["attention"] = [
        {"index": i, "subject": a["subject"]} for i, a in enumerate(ctx["assumptions"], 1) if a.get("attention")
    ]
    ctx["assumed_line"] = _assumed_line(len(ctx["assumptions"]), len(ctx["attention"]))
    ctx["data"] = [(_(FACT_LABELS[k]), v) for k, v in h["data"].items() if k in FACT_LABELS] if "data" in h else []
    meta = h.get("features_meta") or {}
    ctx["value_basis"] = (
        i18n.term(meta["value_basis"])
        if meta.get("value_basis")
        else _("unknown: no column measures it (see What seglab assumed)")
    )
    ctx["currency_note"] = (
        "" if params.report.currency else _("Amounts carry no currency unit: report.currency is not set.")
    )
    if "data" in h:
        ctx["data"].append((_(FACT_LABELS["customer value"]), ctx["value_basis"]))
        ctx["data"].append((_(FACT_LABELS["currency"]), i18n.currency_name() or _("not set (report.currency)")))
    ctx["segmentation"] = h.get("segmentation")
    colors = {s: plots.to_hex(plots.segment_color(s)) for s in range(1, 41)}
    ctx["cards"] = report.cards_html(h["personas"], colors, h.get("midas")) if "personas" in h else None
    pq = h.get("prediction") or {}
    ctx["prediction"] = (
        {
            "next_period": _("%(start)s to %(end)s")
            % {
                "start": i18n.date(pd.Timestamp(pq["as_of"]) + pd.Timedelta(days=1)),
                "end": i18n.date(pd.Timestamp(pq["as_of"]) + pd.Timedelta(days=int(pq["horizon_days"]))),
            },
            "horizon_days": i18n.number(pq["horizon_days"]),
            "auc": i18n.number(pq["auc"], 2),
        }
        if pq.get("available")
        else None
    )
    ctx["lead"] = lead_line(h)
    if "boston" in h:
        ctx["boston"] = _boston_context(h, paths)
    if "midas" in h:
        ctx["midas"] = _midas_context(h["midas"])
    if "trend" in h:
        ctx["trend"] = _trend_context(h, paths)
    if "exports" in h and (paths.reports / "exports" / h["exports"]["segments"]).is_file():
        from seglab.files import exports

        ctx["exports"] = {
            "folder": paths.exports_link,
            "segments": paths.exports_link + h["exports"]["segments"],
            "table": exports.summary_table(h["exports"]["audiences"]).to_dict("split"),
        }
    ctx["stages"] = [_stage_row(name, title, result, paths) for name, title in STAGES]
    sections = [  # the answer first: priorities, personas, actions; then what it rests on
        ("priorities", N_("Priorities"), ctx.get("boston")),
        ("actions", N_("What to do"), ctx.get("boston")),
        ("personas", N_("Personas"), ctx["cards"]),
        ("assumed", N_("Assumptions"), ctx["assumptions"]),
        ("data", N_("Data"), ctx["data"]),
        ("exports", N_("Exports"), ctx.get("exports")),
        ("midas", N_("MIDAS"), ctx.get("midas")),
        ("trend", N_("Over time"), ctx.get("trend")),
        ("stages", N_("Stage reports"), True),
    ]
    ctx["nav"] = [(anchor, _(title)) for anchor, title, present in sections if present]
    ctx["left_out"] = h["left_out"]
    return io.write_text(report.render_index(ctx), index)


def _assumed_line(assumed: int, attention: int) -> str:
    """The index's one line on the assumptions: how many, and how many need the reader's decision."""
    said = i18n.ngettext("seglab assumed %(n)s thing", "seglab assumed %(n)s things", assumed) % {
        "n": i18n.number(assumed)
    }
    if not attention:
        return _("%(assumed)s; none needs your attention.") % {"assumed": said}
    return i18n.ngettext(
        "%(assumed)s; %(n)s needs your attention", "%(assumed)s; %(n)s need your attention", attention
    ) % {"assumed": said, "n": i18n.number(attention)}


#: Each language's own name, as its readers write it (the link to the pages in it).
AUTONYMS = {"en": "English", "fa": "فارسی", "ar": "العربية"}


def other_languages(paths: RunPaths, params: config.Params) -> list[dict]:
    """The run's pages in its other languages (``report.languages``, ``seglab report --language``)
    that exist: each language's name in that language and the link to its index, from this page.
    """
    here = paths.language or params.report.language
    up = "../" if paths.language else ""
    top = _language_of(paths.reports)  # the language of the run's own pages (reports/<run>/)
    out = []
    for lang in i18n.LANGUAGES:
        if lang == here:
            continue
        if has_pages(paths.reports / lang):
            out.append({"lang": lang, "name": AUTONYMS[lang], "link": f"{up}{lang}/index.html"})
        elif paths.language and lang == top:
            out.append({"lang": lang, "name": AUTONYMS[lang], "link": "../index.html"})
    return out


def has_pages(folder: Path) -> bool:
    """Whether ``folder`` holds a language's pages of a run (its stage 01 page: the index is
    written last, once every language's pages are there).
    """
    return (folder / f"{STAGES[0][0]}.html").is_file()


def _language_of(folder: Path) -> str | None:
    """The language of the index page in ``folder`` (its ``<html lang>``)."""
    try:
        head = (folder / "index.html").read_text(encoding="utf-8")[:400]
    except OSError:
        return None
    found = re.search(r'<html lang="([a-z]{2})"', head)
    return found.group(1) if found else None


def _stage_row(name: str, title: str, result: RunResult, paths: RunPaths) -> dict:
    """A row of the index's table of stage reports: link and status."""
    done = next((s for s in result.stages if s.name == name), None)
    page = artifacts.location(artifacts.BY_NAME[f"page_{artifacts.number_of(name)}"], paths)
    if done is None:
        status = _("not run") if not page.is_file() else _("from an earlier run")
    else:
        status = _("done in %(seconds)s s") % {"seconds": i18n.number(done.seconds, 1)} if done.ok else done.error
    return {
        "number": i18n.digits(artifacts.number_of(name)),
        "title": i18n.term(title),
        "link": f"{name}.html" if page.is_file() else None,
        "status": status,
        "failed": done is not None and not done.ok,
    }


def _fragile_reasons(r: dict) -> list[str]:
    """Why a placement is fragile, in the reader's language (an older file without the reasons:
    its stay share against the rule it was flagged by).
    """
    from seglab import prioritization

    if r.get("fragile_reasons"):
        return prioritization.fragility_text(r["fragile_reasons"])
    return [
        _("kept its quadrant in %(share)s of the weight changes") % {"share": i18n.percent(float(r["stay_share"]), 1)}
    ]


def _boston_context(h: dict, paths: RunPaths) -> dict:
    from seglab import prioritization

    fragile = {int(r["segment"]): r for r in h.get("sensitivity", []) if str(r["fragile"]) == "True"}
    rows = []
    order = (*QUADRANTS, NOT_PLACED)
    placed = all(r["quadrant"] != NOT_PLACED for r in h["boston"])
    key = (
        (lambda r: (order.index(r["quadrant"]), int(r["segment"])))
        if placed
        else (lambda r: (-float(r["attractiveness"]), int(r["segment"])))
    )
    for r in sorted(h["boston"], key=key):
        f = fragile.get(int(r["segment"]))
        rows.append(
            {
                "segment": segment_code(r["segment"]),
                "persona": i18n.term(r["persona"]),
                "quadrant": i18n.term(r["quadrant"]),
                "action": i18n.term(r["action"]),
                "decided_by": i18n.term(r.get("decided_by", "")),
                "budget": i18n.money(float(r["budget"])) if r.get("budget", "") != "" else "–",
                "budget_how": i18n.term(r.get("budget_how", "")),
                "override": r.get("override_reason", ""),
                "fragile": _fragile_reasons(f) if f else [],
            }
        )
    import pandas as pd

    bm = pd.DataFrame(h["boston"])
    missing = [c for c in prioritization.ABILITY_INPUTS if bm[c].astype(str).eq("").all()] if not placed else []
    bm.attrs["unmeasured_inputs"] = missing
    total = sum(float(r["budget"]) for r in h["boston"] if r.get("budget", "") != "")
    basis = h["boston"][0].get("budget_basis", "value") if h["boston"] else "value"
    how = (
        _("Budget %(total)s: each segment's share follows its quadrant weight times its %(basis)s.")
        if placed
        else _("Budget %(total)s: each segment's share follows its attractiveness times its %(basis)s.")
    )
    rests = prioritization.basis_text(h.get("boston_basis") or {})
    rates = h.get("outcome_rates")
    outcomes = (
        prioritization.outcome_table(pd.DataFrame(rates), bm[["segment", "persona"]]).to_dict("split")
        if rates
        else None
    )
    return {
        "placed": placed,
        "rows": rows,
        "size_only": [b for b in rests if b["kind"] == "size_only"],
        "outcome_notes": [b for b in rests if b["kind"] == "outcome"],
        "outcomes": outcomes,
        "chart": _png(artifacts.location(artifacts.BY_NAME["05_boston_matrix"], paths)),
        "chart_phone": _png(artifacts.location(artifacts.BY_NAME["05_boston_matrix_phone"], paths)) if placed else None,
        "chart_alt": _("Boston matrix of the segments") if placed else _("Segments ranked by attractiveness"),
        "template": prioritization.analyst_template(bm) if not placed else "",
        "budget_text": how % {"total": i18n.money(total), "basis": i18n.term(basis)},
        "notes": [],
    }


def _midas_context(rows: list[dict]) -> dict:
    from seglab import report

    criteria = list(MIDAS_CRITERIA)
    by = {(int(r["segment"]), r["criterion"]): r for r in rows}
    out = []
    for s in sorted({int(r["segment"]) for r in rows}):
        persona = next((r["persona"] for r in rows if int(r["segment"]) == s), "")
        cells = []
        for c in criteria:
            r = by.get((s, c))
            cells.append(
                {
                    "result": i18n.term(r["result"]),
                    "evidence": i18n.term(r["evidence"]),
                    "color": report.RESULT_COLORS.get(r["result"], "#999"),
                }
                if r
                else None
            )
        out.append({"segment": segment_code(s), "persona": i18n.term(persona), "cells": cells})
    return {"criteria": [i18n.term(c) for c in criteria], "rows": out}


#: The numbers of a row of ``monitoring_flags.csv`` (read as text, so that an empty cell stays unknown).
_TREND_NUMBERS = tuple(c for c in GROWTH_COLUMNS if c != "trend")


def _trend_row(r: dict) -> dict:
    """A row of ``monitoring_flags.csv`` with its numbers as floats (NaN where unknown)."""
    return {**r, **{k: float(r[k]) if str(r.get(k, "")).strip() else float("nan") for k in _TREND_NUMBERS if k in r}}


def _trend_context(h: dict, paths: RunPaths) -> dict:
    from markupsafe import Markup, escape

    from seglab import monitoring

    mon = h.get("monitoring") or {}
    info = mon.get("growth") or {"compared": False, "unknown": "one_period", "periods": len(mon.get("periods", []))}
    rows = [_trend_row(r) for r in h["trend"]]
    shown = info.get("compared") and not info.get("unknown")

    def line(r: dict, head: str) -> dict:
        return {
            "segment": segment_code(r["segment"]),
            "persona": i18n.term(r["persona"]),
            "text": Markup(head) + " " + escape(monitoring.change_text(r, info)),
        }

    moving = [
        line(r, Markup(escape(_("is %(trend)s:"))) % {"trend": Markup("<b>%s</b>") % i18n.term(r["trend"])})
        for r in rows
        if shown and r["trend"] in ("growing", "shrinking")
    ]
    noise = [
        line(r, escape(_("is not flagged: the change is within what resampling explains:")))
        for r in rows
        if shown and monitoring.within_noise(r, info)
    ]
    w = mon.get("window_days")
    window = (
        _(
            "Each period's active customers are assigned from their last %(days)s days of behaviour, the model's own "
            "window, the same for every period: a change is movement between segments, not a longer history."
        )
        % {"days": i18n.number(w)}
        if w
        else ""
    )
    return {
        "moving": moving,
        "noise": noise,
        "unknown": "" if shown else monitoring.unknown_text(info),
        "comparison": monitoring.comparison_text(info) if shown else "",
        "base": monitoring.base_text(info),
        "caveat": monitoring.season_caveat(info),
        "rule": monitoring.rule_text(info),
        "window": window,
        "chart": _png(artifacts.location(artifacts.BY_NAME["06_segments_over_time"], paths)),
        "chart_phone": _png(artifacts.location(artifacts.BY_NAME["06_segments_over_time_phone"], paths)),
    }
