"""The run's files: one table (:data:`ARTIFACTS`) naming every file a run writes, the stage that
writes it, the stages that read it and its schema, and the store (:class:`Store`) every stage
reads and writes through.

Lineage: each file a stage writes is recorded in ``data/processed/<run>/lineage.json`` with its
SHA-256, the parameters of the stage that wrote it and the files (by hash) that stage had read.
A stage that would read a file made with other parameters than its own, or made from an earlier
version of one of its inputs (a stage upstream ran again since), stops with
:class:`StaleArtifact`, naming the stage to rerun. So a notebook run by hand in JupyterLab can
never mix the results of two executions silently.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from seglab import io
from seglab.i18n import N_

if TYPE_CHECKING:
    from seglab.config import Params
    from seglab.paths import RunPaths


class Stage(NamedTuple):
    """A stage of a run: its notebook's name (``03_segmentation``) and title."""

    name: str
    title: str

    @property
    def number(self) -> str:
        """The stage's number, as artifacts and pages name it: ``03``."""
        return number_of(self.name)


def number_of(name: str) -> str:
    """The stage number a notebook's or figure's name starts with: ``03`` of ``03_segmentation``
    or of ``03_elbow``.
    """
    return name.split("_", 1)[0]


#: The stages of a run, in order.
STAGES: tuple[Stage, ...] = (
    Stage("01_data_collection", N_("Data collection")),
    Stage("02_feature_building", N_("Feature building")),
    Stage("03_segmentation", N_("Segmentation")),
    Stage("04_persona_profiling", N_("Persona profiling")),
    Stage("05_prioritization", N_("Prioritisation (Boston matrix)")),
    Stage("06_monitoring", N_("Monitoring over time")),
)
STAGE_NAMES = {s.number: s.name for s in STAGES}
#: Readers that are not stage notebooks: the index page and ``seglab score``.
INDEX, SCORE = "index", "score"


@dataclass(frozen=True)
class Artifact:
    """One file of a run.

    Parameters
    ----------
    name : str
        What stages call it.
    path : str
        Where it lives: ``interim/…``, ``processed/…`` (``model/…`` is ``processed/model/…``),
        ``figures/…`` or ``reports/…``, inside the run's folders.
    stage : str
        The stage that writes it (``"01"`` … ``"06"``), or ``"run"`` (``seglab run``).
    readers : tuple of str
        The stages (and :data:`INDEX`, :data:`SCORE`) that read it.
    kind : str
        ``table`` (Parquet, checked against ``schema``), ``csv``, ``json``, ``model`` (JSON that
        loads without executing code), ``figure`` (PNG), ``page`` (HTML or a notebook), ``kept``
        (a pickle of what a page shows, :meth:`seglab.session.Session.kept`).
    schema : str, optional
        The :mod:`seglab.schemas` name of a table or CSV, or the :mod:`seglab.modelfile` class
        of a model.
    optional : bool
        Written only when the data allow (the stage records why not).
    about : str
        What it holds, for people.
    """

    name: str
    path: str
    stage: str
    readers: tuple[str, ...]
    kind: str
    schema: str | None = None
    optional: bool = False
    about: str = ""

    @property
    def file(self) -> str:
        """The file's name, without its folder."""
        return self.path.rsplit("/", 1)[-1]


_SPARK_FOLDER = "; on Spark (`engine.kind: spark`, a Parquet source) a folder of Parquet files of that name"
_DOWNSTREAM = ("02", "04", "05", "06")  # the stages that compute features from the canonical tables
ARTIFACTS: tuple[Artifact, ...] = (
    # 01 data collection
    Artifact(
        "transactions",
        "interim/transactions.parquet",
        "01",
        _DOWNSTREAM,
        "table",
        "transactions",
        True,
        about=(
            "canonical order lines, validated with pandera; `source_row` = row number in the source; the `outlier` "
            "flag" + _SPARK_FOLDER
        ),
    ),
    Artifact(
        "customers",
        "interim/customers.parquet",
        "01",
        _DOWNSTREAM,
        "table",
        "customers",
        True,
        about=(
            "canonical customer table (one row per customer, its attributes); `source_row` = row number in the source"
        ),
    ),
    Artifact(
        "survey",
        "interim/survey.parquet",
        "01",
        _DOWNSTREAM,
        "table",
        "survey",
        True,
        about="canonical survey answers (one row per customer)",
    ),
    Artifact(
        "sessions",
        "interim/sessions.parquet",
        "01",
        _DOWNSTREAM,
        "table",
        "sessions",
        True,
        about="canonical web/app visits" + _SPARK_FOLDER,
    ),
    Artifact(
        "campaign_events",
        "interim/campaign_events.parquet",
        "01",
        _DOWNSTREAM,
        "table",
        "campaign_events",
        True,
        about="canonical campaign messages: sent, opened, clicked, converted" + _SPARK_FOLDER,
    ),
    Artifact(
        "rejected",
        "interim/rejected.parquet",
        "01",
        (),
        "table",
        "rejected",
        about=(
            "every rejected row: table, source file, row number (`source_row`), for a text file the "
            "line it starts on (`source_line`), rule, reason, original values (JSON; a malformed line: "
            "its text)"
        ),
    ),
    Artifact(
        "quality",
        "interim/quality.json",
        "01",
        (*_DOWNSTREAM, INDEX),
        "json",
        about=(
            "per table: source, format, encoding, separator, rows read, kept, rejected by rule (read = "
            "kept + rejected), revenue per bucket, cancellations, outliers; the lens and role of each "
            "customer column, their names in the source, the value basis; every assumption (subject, assumed, "
            "why, the line that changes it); notes (those of reading the files as a message id and its values, "
            "made into sentences where shown, in the reader's language)"
        ),
    ),
    Artifact(
        "profile",
        "interim/profile.json",
        "01",
        ("02", "04", "05", "06", INDEX),
        "json",
        about=(
            "the data profile: per table and column its kind (money, percentage, share, score, count, code, "
            "identifier, date, text, flag, category, number with a marker, outcome), how it was decided (given, "
            "mapped, guessed) and the evidence, numbers written as text, spreadsheet errors, spikes read as "
            "unknown; the outcome columns; the facts of the history (`history`: when the data begin, "
            "`source.history_start`, signup dates, the customers who may have bought before the data)"
        ),
    ),
    # 02 feature building
    Artifact(
        "features",
        "processed/features.parquet",
        "02",
        ("03", "04", "05", "06"),
        "table",
        "features",
        about=(
            "one row per customer with a purchase in the window up to `as_of`: the [feature "
            "catalog](#feature-catalog) and the encoded customer/survey columns"
        ),
    ),
    Artifact(
        "features_meta",
        "processed/features_meta.json",
        "02",
        ("03", "04", "05", "06", INDEX),
        "json",
        about=(
            "as_of, window start, engine, value basis, default features, each feature's label and role, "
            "stage 02's assumptions, the history it used and what it could tell of the lifecycle (`lifecycle`: "
            "measured or not, customers of unknown stage or tenure)"
        ),
    ),
    Artifact(
        "feature_catalog",
        "processed/feature_catalog.csv",
        "02",
        ("03",),
        "csv",
        about="feature, lens, description, unit, available, why not",
    ),
    Artifact(
        "customers_without_features",
        "processed/customers_without_features.csv",
        "02",
        (),
        "csv",
        about=(
            "customers with no feature row and why (only returns, no purchase in the window, first "
            "transaction after `as_of`, no transaction at all)"
        ),
    ),
    Artifact(
        "assumptions_02",
        "processed/assumptions_02.json",
        "02",
        (INDEX,),
        "json",
        about="what feature building decided without being told (features clustered on, roles of columns)",
    ),
    # 03 segmentation
    Artifact(
        "segments",
        "processed/segments.parquet",
        "03",
        ("04", "05"),
        "table",
        "segments",
        about="customer_id, segment (1 = highest value per customer), segment_label",
    ),
    Artifact(
        "model_selection",
        "processed/model_selection.csv",
        "03",
        (),
        "csv",
        about=(
            "per k: inertia, silhouette, Calinski-Harabasz, Davies-Bouldin, stability (mean and sd of "
            "bootstrap ARI), smallest segment share, scaled indices, consensus, best-per-index flags, "
            "elbow, eligible, good, chosen"
        ),
    ),
    Artifact(
        "segment_model",
        "model/model.json",
        "03",
        ("04", "05", "06", INDEX, SCORE),
        "model",
        "SegmentModelFile",
        about=(
            "the fitted model (features, preparation and how it was fitted, centroids, labels, the k "
            "decision, versions) as JSON: no pickle; `seglab score` uses it"
        ),
    ),
    Artifact(
        "lookalike_model",
        "model/lookalike.json",
        "03",
        (SCORE,),
        "model",
        "LookalikeFile",
        True,
        about="the lookalike model (attributes, their fill and scaling, coefficients) as JSON",
    ),
    Artifact(
        "lookalike_quality",
        "processed/lookalike_quality.json",
        "03",
        (),
        "json",
        optional=True,
        about=(
            "the lookalike model's held-out accuracy, no-skill baseline, test size, attributes, "
            "confusion matrix (or why there is no model)"
        ),
    ),
    Artifact(
        "assumptions_03",
        "processed/assumptions_03.json",
        "03",
        (INDEX,),
        "json",
        about="what segmentation decided without being told (constant features left out, thin behaviour)",
    ),
    # 04 persona profiling
    Artifact(
        "profiles",
        "processed/profiles.csv",
        "04",
        ("05",),
        "csv",
        about=(
            "per segment: size, shares, value per customer, feature means and indexes (100 = average), lifecycle mix"
        ),
    ),
    Artifact(
        "persona_names",
        "processed/persona_names.csv",
        "04",
        ("05", "06"),
        "csv",
        about="per segment: persona name, archetype, score and confidence",
    ),
    Artifact(
        "persona_labels",
        "model/personas.json",
        "04",
        (SCORE,),
        "json",
        about="persona name per segment beside the model, for `seglab score`",
    ),
    Artifact(
        "personas",
        "processed/personas.json",
        "04",
        (INDEX,),
        "json",
        about=(
            "the persona cards (traits, channel and best time, contact plan, message, offer, top "
            "categories, next-period forecast, MIDAS)"
        ),
    ),
    Artifact(
        "midas",
        "processed/midas.csv",
        "04",
        (INDEX,),
        "csv",
        about="per segment and criterion: pass / warn / fail and the evidence",
    ),
    Artifact(
        "definable_rules",
        "processed/definable_rules.csv",
        "04",
        (),
        "csv",
        about=(
            "each segment's plain-language if-then rules (one per tree leaf: customers, precision, "
            "share of the segment covered)"
        ),
    ),
    Artifact(
        "rule_fidelity",
        "processed/rule_fidelity.csv",
        "04",
        (),
        "csv",
        about="each segment's tree: precision, recall and fidelity (F1)",
    ),
    Artifact(
        "predictions",
        "processed/predictions.parquet",
        "04",
        ("05",),
        "table",
        "predictions",
        True,
        about=(
            "per customer: segment, `p_buy` (probability of buying in the next `horizon_days`), "
            "`expected_spend` (net, currency)"
        ),
    ),
    Artifact(
        "prediction_quality",
        "processed/prediction_quality.json",
        "04",
        ("05", INDEX),
        "json",
        about=(
            "training / validation / as-of dates, hold-out AUC, buy rates, spend error against the "
            'naive "same as last period" forecast (or `available: false` and why)'
        ),
    ),
    # 05 prioritisation
    Artifact(
        "boston_matrix",
        "processed/boston_matrix.csv",
        "05",
        (INDEX,),
        "csv",
        "boston_matrix",
        about=(
            "per segment: customers and their share, raw and scaled components, the facts behind each component "
            "in their units (`<component>_fact`), attractiveness, ability to win, computed quadrant, quadrant, "
            "override reason, analyst reason, action, what decided it, budget, budget share and its basis"
        ),
    ),
    Artifact(
        "segments_export",
        "reports/exports/segments.csv",
        "05",
        (INDEX,),
        "csv",
        about=(
            "one row per segmented customer for CRM and e-mail tools: customer_id, segment, persona, quadrant, "
            "next-period buying probability and spend, e-mail / SMS permission and the channels allowed "
            "([columns](#exports-for-crm-and-e-mail-tools)); beside it one `audience_S<n>_<persona>.csv` per "
            "segment with the same columns, most likely buyers first"
        ),
    ),
    Artifact(
        "exports",
        "processed/exports.json",
        "05",
        (INDEX,),
        "json",
        about="the audience files of `reports/<run>/exports/`: segment, persona, quadrant, customers and how "
        "many allow e-mail, SMS or neither",
    ),
    Artifact(
        "boston_sensitivity",
        "processed/boston_sensitivity.csv",
        "05",
        (INDEX,),
        "csv",
        about=(
            "per segment: computed quadrant, share of the perturbed-weight draws in each quadrant, stay "
            "share, the quadrant it goes to most often otherwise, fragile and why (`fragile_reasons`: JSON, each "
            "reason an id and its numbers: `weights`, `ignore_share`, `one_component`, `decides`)"
        ),
    ),
    Artifact(
        "boston_basis",
        "processed/boston_basis.json",
        "05",
        (INDEX,),
        "json",
        about=(
            "what the matrix rests on: the components of each axis measured and weighted, whether attractiveness "
            "is size alone (the ranking is then by size) and the lines or data that would add information, the "
            "outcome columns (direction, whether in attractiveness) and the line that puts them there"
        ),
    ),
    Artifact(
        "outcome_rates",
        "processed/outcome_rates.csv",
        "05",
        (INDEX,),
        "csv",
        optional=True,
        about=(
            "per outcome column (churn, response, subscribed, ...: never clustered on) and segment: its rate (a "
            "flag's share of 1s, a number's mean) over the customers whose value is known, and the base rate of "
            "all segmented customers; its direction and where the direction came from"
        ),
    ),
    Artifact(
        "assumptions_05",
        "processed/assumptions_05.json",
        "05",
        (INDEX,),
        "json",
        about=("what prioritisation decided without being told (neutral judgement calls, unmeasured components)"),
    ),
    # 06 monitoring
    Artifact(
        "period_segments",
        "processed/period_segments.parquet",
        "06",
        (),
        "table",
        "period_segments",
        True,
        about=(
            "every period's active customers: period end, customer, segment by the frozen model, net "
            "value in the period"
        ),
    ),
    Artifact(
        "monitoring",
        "processed/monitoring.json",
        "06",
        (INDEX,),
        "json",
        about="the periods tracked, the window, the periods growth compares (year over year or consecutive, the "
        "same season or not), or `available: false` and why (e.g. a customer-level source)",
    ),
    Artifact(
        "segment_periods",
        "processed/segment_periods.csv",
        "06",
        (),
        "csv",
        optional=True,
        about="per period and segment: active customers, net value, their shares of the period",
    ),
    Artifact(
        "migration",
        "processed/migration.csv",
        "06",
        (),
        "csv",
        optional=True,
        about=(
            "per pair of consecutive periods: from segment (or `not active`) → to segment (or `not "
            'active`), customers, share of the "from" group'
        ),
    ),
    Artifact(
        "monitoring_flags",
        "processed/monitoring_flags.csv",
        "06",
        (INDEX,),
        "csv",
        optional=True,
        about=(
            "per segment, over the periods growth compares: mean active customers and their change, share of "
            "the active customers and its change with the resampling interval, growth rate (of the share), trend "
            "(growing / stable / shrinking / unknown), share that stays, moves, is not active next period"
        ),
    ),
    Artifact(
        "assumptions_06",
        "processed/assumptions_06.json",
        "06",
        (INDEX,),
        "json",
        about="what monitoring could not separate or measure (seasons, growth unknown), with the line that changes it",
    ),
    # figures (reports/<run>/figures/ for seglab run; one folder per execution by hand)
    *(
        Artifact(f"{n}", f"figures/{n}.png", number_of(n), readers, "figure", optional=True, about=about)
        for n, readers, about in (
            ("01_rejected_by_rule", (), "rejected rows per table and rule"),
            ("02_distributions", (), "distribution of each feature"),
            ("02_correlations", (), "correlations between features"),
            ("03_model_selection", (), "every index against k"),
            ("03_segment_map", (), "2-D map of the customers by segment"),
            ("03_lookalike_confusion", (), "the lookalike model's confusion matrix"),
            ("04_profile_heatmap", (), "segment profiles as a heat map"),
            ("04_size_value", (), "size and value of each segment"),
            ("04_prediction", (), "prediction quality"),
            ("05_boston_matrix", (INDEX,), "the Boston matrix (or the ranking by attractiveness)"),
            ("06_segments_over_time", (INDEX,), "segment sizes per period"),
            ("06_migration", (), "migration between segments"),
            ("06_flow", (), "flow of customers period to period"),
        )
    ),
    # what each stage's page shows, for rendering it again in another language without computing
    *(
        Artifact(
            f"kept_{s.number}",
            f"interim/kept/{s.number}.pickle",
            s.number,
            (),
            "kept",
            optional=True,
            about=f"{s.title}: the results its page shows (Python pickle, written by `seglab run`), "
            "read by `seglab report --language` to render the page in another language without computing; "
            "refused when the stage ran again since, or by other versions of seglab and its libraries",
        )
        for s in STAGES
    ),
    Artifact(
        "run_record",
        "interim/kept/run.json",
        "run",
        (),
        "json",
        about="the run's last complete `seglab run`: its parameters (which hold no secrets), parameters file "
        "and each stage's time, which `seglab report` renders the pages with",
    ),
    # seglab run
    Artifact(
        "lineage",
        "processed/lineage.json",
        "all",
        (),
        "json",
        about="each file's SHA-256, the parameters of the stage that wrote it, the files (by hash) it was made "
        "from and the versions of seglab and its key libraries that made it (`software`); a stage refuses to "
        "read a file made with other parameters or from an earlier upstream result",
    ),
    Artifact(
        "index",
        "reports/index.html",
        "run",
        (),
        "page",
        about="the run at a glance, linking every stage; while a run is in progress (or after one was killed) it "
        "says the run is incomplete and shows no result; a file that is stale or made with other "
        "parameters than the run's is left out, and the page says so",
    ),
    *(
        Artifact(
            f"page_{s.number}", f"reports/{s.name}.html", "run", (), "page", about=f"{s.title}: the stage's report"
        )
        for s in STAGES
    ),
    *(
        Artifact(
            f"notebook_{s.number}",
            f"reports/{s.name}.ipynb",
            "run",
            (),
            "page",
            about=f"{s.title}: the executed notebook",
        )
        for s in STAGES
    ),
)
BY_NAME: dict[str, Artifact] = {a.name: a for a in ARTIFACTS}


class StaleArtifact(RuntimeError):
    """A stage would read a file made with other parameters, or from an earlier version of its
    own inputs; the message names the file, why, and the stage to rerun.
    """


def written_by(stage: str) -> list[Artifact]:
    """The artifacts a stage (``"01"`` … ``"06"``) writes, in table order."""
    return [a for a in ARTIFACTS if a.stage == stage]


def read_by(stage: str) -> list[Artifact]:
    """The artifacts a stage reads, in table order."""
    return [a for a in ARTIFACTS if stage in a.readers]


def location(a: Artifact, run: RunPaths, figures: Path | None = None) -> Path:
    """Where artifact ``a`` of ``run`` lives (``figures``: the folder of this execution's figures)."""
    head, rest = a.path.split("/", 1)
    base = {
        "interim": run.interim,
        "processed": run.processed,
        "model": run.model,
        "reports": run.pages if a.kind == "page" else run.reports,  # the exports: one folder per run
        "figures": figures or run.figures,
    }[head]
    return base / rest


def shown(a: Artifact) -> str:
    """The artifact's file as the reports name it: ``segments.parquet``, ``model/model.json``."""
    return a.path.split("/", 1)[1] if a.path.startswith(("interim/", "processed/", "figures/")) else a.path


# --------------------------------------------------------------------------------------------
# hashing
_HASHES: dict[Path, tuple[int, int, str]] = {}


def digest(path: Path) -> str:
    """SHA-256 of a file (of a Parquet dataset folder: of its files' names and digests, in
    order); remembered while its size and modification time stay the same.
    """
    if path.is_dir():
        h = hashlib.sha256()
        for part in io.parquet_files(path):
            h.update(f"{part.relative_to(path)} {digest(part)}\n".encode())
        return h.hexdigest()
    st = path.stat()
    known = _HASHES.get(path)
    if known and known[:2] == (st.st_size, st.st_mtime_ns):
        return known[2]
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    _HASHES[path] = (st.st_size, st.st_mtime_ns, h.hexdigest())
    return h.hexdigest()


def _first_difference(old: Any, new: Any, where: str) -> str | None:
    """``section.key: old -> new`` for the first value that differs, None when equal."""
    if isinstance(old, dict) and isinstance(new, dict):
        for k in sorted(set(old) | set(new), key=str):
            d = _first_difference(old.get(k), new.get(k), f"{where}.{k}")
            if d:
                return d
        return None
    if old != new:
        return f"{where} = {json.dumps(old, default=str)[:80]} there, {json.dumps(new, default=str)[:80]} here"
    return None


# --------------------------------------------------------------------------------------------
class Store:
    """A stage's reads and writes of one run's files, through :data:`ARTIFACTS`, with lineage.

    Parameters
    ----------
    run : RunPaths
        The run's folders.
    stage : str, optional
        ``"01"`` … ``"06"``, :data:`INDEX` or :data:`SCORE`; None: a reader outside a stage (tests,
        tools), which may read anything.
    params : Params, optional
        The run's parameters; with ``sections``, what the stage's files record and what the files
        it reads must have been made with.
    sections : iterable of str
        The parameters the stage declares (its notebook's ``parameters`` cell: ``seed`` and
        sections such as ``segmentation``; ``run_name`` is the run itself).
    figures : Path, optional
        The folder of this execution's figures (default: ``reports/<run>/figures``).
    check : bool
        Check the lineage of every file read (the index page reads what is there and checks
        for itself).
    read_only : bool
        Write nothing (a stage's page rendered again in another language, :mod:`seglab.session`):
        :meth:`save` and :meth:`absent` leave every file and the lineage as they are.
    """

    def __init__(
        self,
        run: RunPaths,
        stage: str | None = None,
        params: Params | None = None,
        sections: Iterable[str] = (),
        figures: Path | None = None,
        check: bool = True,
        read_only: bool = False,
    ):
        self.run = run
        self.stage = stage
        self.figures = figures or run.figures
        self.check = check
        self.read_only = read_only
        dumped = params.model_dump(mode="json") if params is not None else {}
        self.params = {s: dumped[s] for s in sections if s in dumped}
        self.inputs: dict[str, str] = {}  # what this stage has read: name -> sha256
        self._lineage_file = location(BY_NAME["lineage"], run)

    # ---- the table
    def artifact(self, name: str, writing: bool = False) -> Artifact:
        """The table's entry for ``name``, checked: only its stage writes it, only its readers read it."""
        a = BY_NAME.get(name)
        if a is None:
            raise KeyError(f"'{name}' is not a file of a run (seglab.artifacts.ARTIFACTS)")
        if writing and self.stage not in (a.stage, None):
            raise PermissionError(
                f"{name} is written by stage {a.stage}, not by {self.stage} (seglab.artifacts.ARTIFACTS)"
            )
        if not writing and self.stage is not None and self.stage != a.stage and self.stage not in a.readers:
            raise PermissionError(
                f"stage {self.stage} does not read {name}: add it to the readers of "
                f"'{name}' in seglab.artifacts.ARTIFACTS"
            )
        return a

    def path(self, name: str) -> Path:
        """Where ``name`` lives (for engines that read a table where it lies); checked like a read."""
        a = self.artifact(name)
        p = location(a, self.run, self.figures)
        if self.check and a.kind != "figure" and p.exists():
            self._verify(a, p)
        return p

    def exists(self, name: str) -> bool:
        """Whether the file of ``name`` is there (whatever its lineage)."""
        return location(self.artifact(name), self.run, self.figures).exists()

    def scratch(self, name: str) -> Path:
        """A work folder beside the file of ``name`` (Spark writes a table there, which
        :meth:`save` then moves into place in one rename); emptied.
        """
        p = location(self.artifact(name, writing=True), self.run, self.figures)
        work = p.with_name(f".{p.name}.work")
        if not self.read_only:
            shutil.rmtree(work, ignore_errors=True)
        return work

    def figure(self, name: str) -> Path:
        """The PNG path of this stage's figure ``name`` (declared in :data:`ARTIFACTS`)."""
        a = self.artifact(name, writing=True)
        if a.kind != "figure":
            raise KeyError(f"'{name}' is not a figure")
        return location(a, self.run, self.figures)

    # ---- lineage
    def lineage(self) -> dict[str, dict]:
        """The run's lineage record: artifact name -> hash, stage, parameters and inputs."""
        f = self._lineage_file
        if not f.is_file():
            return {}
        try:
            return json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def _record(self, a: Artifact, entry: dict) -> None:
        book = self.lineage()
        from seglab.lockfile import key_versions

        book[a.name] = {
            "stage": a.stage,
            "params": self.params,
            "inputs": dict(sorted(self.inputs.items())),
            "software": key_versions(),
            **entry,
        }
        io.write_json(book, self._lineage_file)

    def _verify(self, a: Artifact, p: Path | None) -> None:
        """Raise :class:`StaleArtifact` when ``a`` may not be used by this stage (see module doc);
        otherwise note it as an input of what this stage writes.
        """
        book = self.lineage()
        entry = book.get(a.name)
        writer = STAGE_NAMES.get(a.stage, a.stage)
        rerun = f"rerun {writer}, then the stages after it"
        if entry is None:
            raise StaleArtifact(
                f"{location(a, self.run, self.figures)}: seglab has no record of how it was made "
                f"(an older seglab, or copied by hand): {rerun}"
            )
        if p is not None:
            sha = digest(p)
            if sha != entry.get("sha256"):
                raise StaleArtifact(f"{p}: changed after {writer} wrote it: {rerun}")
        else:
            sha = entry.get("sha256", "absent")
        self._check_chain(a.name, book, set(), rerun)
        self.inputs[a.name] = sha

    def _check_chain(self, name: str, book: dict, seen: set[str], rerun: str) -> None:
        if name in seen:
            return
        seen.add(name)
        entry = book[name]
        what = shown(BY_NAME[name])
        for section, value in entry.get("params", {}).items():
            if section in self.params:
                diff = _first_difference(value, self.params[section], section)
                if diff:
                    raise StaleArtifact(
                        f"{what} was made with other parameters ({diff}): {rerun} with this "
                        "notebook's parameters (or give this notebook the parameters of that run)"
                    )
        for upstream, sha in entry.get("inputs", {}).items():
            now = book.get(upstream)
            if now is None or now.get("sha256", "absent") != sha:
                maker = STAGE_NAMES.get(BY_NAME[upstream].stage, BY_NAME[upstream].stage)
                raise StaleArtifact(
                    f"{what} was made from an earlier {shown(BY_NAME[upstream])} ({maker} has run again since): {rerun}"
                )
            self._check_chain(upstream, book, seen, rerun)

    # ---- reading
    def load(self, name: str, **kwargs) -> Any:
        """Read ``name`` (validated against its schema); None for an optional file its stage did
        not write. Raises FileNotFoundError naming the stage to run, or :class:`StaleArtifact`.
        """
        a = self.artifact(name)
        p = location(a, self.run, self.figures)
        if not p.exists():
            entry = self.lineage().get(name) if self.check else None
            if a.optional and (entry is not None or not self.check):
                if self.check:
                    self._verify(a, None)
                return None
            raise FileNotFoundError(f"{p}: missing; run {STAGE_NAMES.get(a.stage, a.stage)} first")
        if self.check:
            self._verify(a, p)
        return read(a, p, **kwargs)

    # ---- writing
    def save(self, name: str, obj: Any, **kwargs) -> Path:
        """Write ``name`` completely or not at all, and record its lineage."""
        a = self.artifact(name, writing=True)
        p = location(a, self.run, self.figures)
        if self.read_only and a.kind != "figure":
            return p
        write(a, obj, p, **kwargs)
        if a.kind != "figure":
            self._record(a, {"sha256": digest(p)})
        return p

    def absent(self, name: str) -> None:
        """``name`` (optional) is not written by this execution: an earlier one's file goes."""
        a = self.artifact(name, writing=True)
        if not a.optional:
            raise ValueError(f"{name} is not optional")
        if self.read_only:
            return
        p = location(a, self.run, self.figures)
        if p.is_dir():  # a Parquet dataset folder (stage 01 on Spark)
            shutil.rmtree(p)
        p.unlink(missing_ok=True)
        self._record(a, {"sha256": "absent"})


def read(a: Artifact, p: Path, **kwargs) -> Any:
    """Read the file of artifact ``a`` at ``p`` by its kind."""
    if a.kind == "table":
        return io.read_table(p, a.schema)
    if a.kind == "csv":
        return io.read_csv(p, **kwargs)
    if a.kind == "json":
        return io.read_json(p)
    if a.kind == "model":
        from seglab import modelfile

        return modelfile.load_json(p, getattr(modelfile, a.schema))
    if a.kind == "kept":  # seglab's own file, its SHA-256 checked against the lineage before this
        return pickle.loads(p.read_bytes())  # noqa: S301
    raise TypeError(f"{a.name}: a {a.kind} is not read through the store")


def write(a: Artifact, obj: Any, p: Path, **kwargs) -> Path:
    """Write ``obj`` as artifact ``a`` at ``p`` by its kind (atomically)."""
    if a.kind == "table" and isinstance(obj, Path):  # a Parquet dataset folder Spark wrote (validated there)
        return io.place_folder(obj, p)
    if a.kind == "table":
        return io.write_table(obj, p, a.schema, kwargs.get("metadata"))
    if a.kind == "csv":
        if a.schema:
            from seglab import schemas

            io.validate(io.notes_as_json(obj), schemas.BY_NAME[a.schema], str(p))
        return io.write_csv(obj, p, **kwargs)
    if a.kind == "json":  # a text is written as it is (already JSON)
        return io.write_text(obj, p) if isinstance(obj, str) else io.write_json(obj, p)
    if a.kind == "model":
        return io.write_text(obj if isinstance(obj, str) else json.dumps(obj, indent=1) + "\n", p)
    if a.kind == "kept":
        return io.atomic(p, lambda tmp: tmp.write_bytes(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)))
    raise TypeError(f"{a.name}: a {a.kind} is not written through the store")


# --------------------------------------------------------------------------------------------
# a model folder (data/processed/<run>/model, or any copy of it given to seglab score)
def model_file(name: str, folder: Path) -> Path:
    """The file of model artifact ``name`` (``segment_model``, ``lookalike_model``,
    ``persona_labels``) in a model folder.
    """
    a = BY_NAME[name]
    if not a.path.startswith("model/"):
        raise KeyError(f"{name} is not in the model folder")
    return Path(folder) / a.file


def write_models(folder: Path, model: Any, lookalike: Any = None) -> None:
    """Write a segment model (and its lookalike model) into a model folder."""
    io.write_text(model.to_text(), model_file("segment_model", folder))
    if lookalike is not None:
        io.write_text(lookalike.to_text(), model_file("lookalike_model", folder))


def read_segment_model(folder: Path) -> Any:
    """The segment model of a model folder (checked by :mod:`seglab.modelfile`)."""
    from seglab.segmentation import SegmentModel

    p = model_file("segment_model", folder)
    if not p.is_file():
        raise FileNotFoundError(f"{p}: no segment model here; run stage 03 first")
    return SegmentModel.from_dict(read(BY_NAME["segment_model"], p))


def read_lookalike(folder: Path) -> Any:
    """The lookalike model of a model folder, or None when there is none."""
    from seglab.segmentation.lookalike import Lookalike

    p = model_file("lookalike_model", folder)
    return Lookalike.from_dict(read(BY_NAME["lookalike_model"], p)) if p.is_file() else None


def reset_figures(folder: Path) -> Path:
    """Empty a folder of figures: it holds one execution's figures, never two."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def hand_figures(run: RunPaths, stage_name: str) -> Path:
    """Where a notebook run by hand (not by ``seglab run``) puts its figures: a folder of its own
    per stage, emptied each time the notebook starts.
    """
    return run.reports / "by_hand" / stage_name / "figures"


def under_seglab_run() -> bool:
    """True in a stage executed by ``seglab run``."""
    from seglab.paths import FIGURE_QUEUE_ENV

    return bool(os.environ.get(FIGURE_QUEUE_ENV))
