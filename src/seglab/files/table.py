"""The table of a run's files (:data:`ARTIFACTS`): every file a run writes, the stage that writes
it, the stages that read it, its kind and schema, and where it lies.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from seglab.i18n import N_

if TYPE_CHECKING:
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
        (a pickle of what a page shows, :meth:`seglab.run.session.Session.kept`).
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
        (INDEX,),  # (the finding line of the 02 page)
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
        (INDEX,),  # (the finding line of the 03 page)
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
            "`expected_spend` (net, currency); with lifetime value, `p_alive`, `expected_purchases` and "
            "`clv` over `clv_months` with its 80 % interval `clv_low`, `clv_high`"
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
            'naive "same as last period" forecast, each model\'s measures (`models`), the models chosen for '
            "buying and spend, BG/NBD and Gamma-Gamma parameters and interval coverage (`lifetime`) (or "
            "`available: false` and why)"
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
            ("05_boston_matrix_phone", (INDEX,), "the Boston matrix drawn for phones (pages up to 600 px wide)"),
            ("06_segments_over_time", (INDEX,), "segment sizes per period"),
            ("06_segments_over_time_phone", (INDEX,), "segment sizes per period, stacked for phones"),
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
