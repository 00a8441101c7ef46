"""The method's words, declared once: Boston-matrix quadrants, MIDAS criteria, lifecycle stages."""

from __future__ import annotations

from seglab.i18n import N_

#: Boston-matrix quadrants, from the most to the least attractive action.
QUADRANTS: tuple[str, ...] = (N_("Target"), N_("Convert"), N_("Grow"), N_("Ignore"))
#: A segment that cannot be placed (ability to win not measured).
NOT_PLACED = N_("Not placed")
#: The MIDAS check of a segment, in the method's order.
MIDAS_CRITERIA: tuple[str, ...] = (
    N_("Measurable"),
    N_("Identifiable"),
    N_("Definable"),
    N_("Actionable"),
    N_("Viable"),
)
#: Lifecycle stages of a customer, from the newest to the lapsed.
#: "unknown": the data cannot tell (a tenure that is only a lower bound, see seglab.collection.history).
LIFECYCLE_STAGES: tuple[str, ...] = ("new", "active", "long_term", "lapsing", "lapsed", "unknown")
#: A MIDAS result.
RESULTS: tuple[str, ...] = (N_("pass"), N_("warn"), N_("fail"))
#: A segment's trend over time.
TRENDS: tuple[str, ...] = (N_("growing"), N_("stable"), N_("shrinking"), N_("unknown"))
#: How clearly a segment matches its persona's archetype ("descriptive": it matches none and is
#: named after its two strongest traits).
CONFIDENCE: tuple[str, ...] = (N_("high"), N_("medium"), N_("low"), N_("descriptive"))
#: Lifecycle stages as readers see them.
LIFECYCLE_LABELS: tuple[str, ...] = (
    N_("new"),
    N_("active"),
    N_("long term"),
    N_("lapsing"),
    N_("lapsed"),
    N_("unknown"),
)
#: The segmentation lenses (domain.md) and the other groups of columns, as readers see them.
LENSES: tuple[str, ...] = (
    N_("behavioural"),
    N_("demographic"),
    N_("geographic"),
    N_("psychographic"),
    N_("firmographic"),
    N_("contactability"),
    N_("behaviour"),
    N_("outcome"),
)
#: The canonical tables (stage 01), as readers see them.
TABLES: tuple[str, ...] = (N_("transactions"), N_("customers"), N_("sessions"), N_("campaign_events"), N_("survey"))
#: The sales channels.
CHANNELS: tuple[str, ...] = (N_("web"), N_("store"), N_("app"))
#: Yes and no as the tables show them.
BOOLEANS: tuple[str, ...] = (N_("True"), N_("False"))
#: The clustering methods (segmentation.method).
METHODS: tuple[str, ...] = (
    N_("kmeans"),
    N_("minibatch_kmeans"),
    N_("gmm"),
    N_("ward"),
    N_("kprototypes"),
    N_("rfm"),
)
#: The clustering methods as a reader calls them (the pages never show ``kmeans``).
METHOD_NAMES: dict[str, str] = {
    "kmeans": N_("k-means clustering"),
    "minibatch_kmeans": N_("mini-batch k-means clustering"),
    "gmm": N_("a Gaussian mixture model"),
    "ward": N_("Ward's hierarchical clustering"),
    "kprototypes": N_("k-prototypes clustering"),
    "rfm": N_("RFM scores (recency, frequency, money)"),
}
#: What a column of a customer table is (stage 01 roles, stage 02 catalog).
KINDS: tuple[str, ...] = (
    N_("flag"),
    N_("binary"),
    N_("category"),
    N_("code"),
    N_("count"),
    N_("number"),
    N_("money"),
    N_("share"),
    N_("score"),
    N_("ordinal"),
    N_("sentinel"),
    N_("text"),
    N_("id"),
    N_("date"),
    N_("signup"),
    N_("constant"),
    N_("empty"),
    N_("ignore"),
)
#: Words the tables show as values: the kind of a purchase mix, the row of all customers.
TABLE_WORDS: tuple[str, ...] = (N_("channel"), N_("all"))

#: The columns of the growth table of stage 06, per segment (``monitoring_flags.csv``): mean active
#: customers per period before and after and their change, the share of the active customers before
#: and after, its change and the resampling interval of the change, the growth rate (of the share)
#: and the trend.
GROWTH_COLUMNS: tuple[str, ...] = (
    "customers_base",
    "customers_recent",
    "customers_change",
    "share_base",
    "share_recent",
    "share_change",
    "share_change_low",
    "share_change_high",
    "growth_rate",
    "trend",
)


def method_name(method: str) -> str:
    """A clustering method as a reader calls it (``k-means clustering``, not ``kmeans``), in the
    reader's language.
    """
    from seglab import i18n

    return i18n._(METHOD_NAMES[method]) if method in METHOD_NAMES else i18n.term(method)


def segment_code(number) -> str:
    """A segment as the method writes it: ``S1``, ``S2``, ... (``number``: its number, from 1).
    Every page, table, figure and file writes segments through here (and :func:`segment_label`).
    """
    return f"S{number}"


def segment_label(number, name: str = "") -> str:
    """A segment with its persona's name in the reader's language (``S3 Loyal big spenders``); the
    code alone when it has no name.
    """
    from seglab import i18n

    shown = i18n.term(name) if name else ""
    return f"{segment_code(number)} {shown}" if shown else segment_code(number)
