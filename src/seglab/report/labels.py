"""Readable column headers for the tables in the reports, in the reader's language.

A table's column keeps its name in the data files (``value_per_customer``); where a reader sees
it, :func:`header` gives a label: the feature registry's label for a feature, a label declared
here for the columns of seglab's tables, ``gender = female`` for an encoded attribute, and the
name with spaces for anything else. Every label is a catalog entry (:mod:`seglab.i18n`).
"""

from __future__ import annotations

import re
from functools import cache

from seglab import i18n
from seglab.i18n import N_, _
from seglab.prioritization import COMPONENT_LABELS
from seglab.vocabulary import segment_label

#: Labels of the columns of seglab's tables (features take theirs from the registry, the
#: Boston-matrix components theirs from :data:`seglab.prioritization.COMPONENT_LABELS`).
HEADERS: dict[str, str] = {
    **COMPONENT_LABELS,
    "segment": N_("segment"),
    "segment_label": N_("segment label"),
    "persona": N_("persona"),
    "archetype": N_("archetype"),
    "confidence": N_("name match"),
    "criterion": N_("criterion"),
    "result": N_("result"),
    "evidence": N_("evidence"),
    "quadrant": N_("quadrant"),
    "computed_quadrant": N_("computed quadrant"),
    "override_reason": N_("override reason"),
    "analyst_reason": N_("analyst's reason"),
    "action": N_("what to do"),
    "decided_by": N_("what decided it"),
    "attractiveness": N_("attractiveness"),
    "ability_to_win": N_("ability to win"),
    "growth_rate": N_("growth rate of the share"),
    "customers_base": N_("active customers before (per period)"),
    "customers_recent": N_("active customers now (per period)"),
    "customers_change": N_("change in active customers"),
    "share_base": N_("share of the active customers before"),
    "share_recent": N_("share of the active customers now"),
    "share_change": N_("change of share (points)"),
    "share_change_low": N_("interval from (points)"),
    "share_change_high": N_("interval to (points)"),
    "share_change_interval": N_("interval of the change (points)"),
    "budget": N_("budget"),
    "budget_share": N_("budget share"),
    "budget_how": N_("how the budget was set"),
    "stay_share": N_("kept its quadrant"),
    "else_most_often": N_("otherwise most often"),
    "fragile": N_("fragile"),
    "axis": N_("axis"),
    "component": N_("component"),
    "weight": N_("weight"),
    "share of axis": N_("share of axis"),
    "customers": N_("customers"),
    "share": N_("share"),
    "base_share": N_("share of all customers"),
    "index": N_("index (× average)"),
    "over": N_("sets them apart"),
    "revenue": N_("revenue"),
    "buy_probability": N_("chance to buy"),
    "churn": N_("churn"),
    "churn_risk": N_("churn risk"),
    "expected_spend": N_("expected spend"),
    "expected_spend_per_customer": N_("expected spend per customer"),
    "expected_spend_share": N_("share of expected spend"),
    "p_alive": N_("still customers"),
    "clv_per_customer": N_("lifetime value per customer"),
    "clv_low": N_("lifetime value, low end of the average's interval"),
    "clv_high": N_("lifetime value, high end of the average's interval"),
    "k": N_("number of segments (k)"),
    "silhouette": N_("silhouette"),
    "calinski_harabasz": N_("Calinski-Harabasz"),
    "davies_bouldin": N_("Davies-Bouldin"),
    "stability": N_("stability"),
    "stability_sd": N_("stability (SD)"),
    "consensus": N_("votes"),
    "chosen": N_("chosen"),
    "feature": N_("feature"),
    "feature_a": N_("feature A"),
    "feature_b": N_("feature B"),
    "spearman": N_("Spearman correlation"),
    "lens": N_("lens"),
    "description": N_("description"),
    "unit": N_("unit"),
    "default": N_("used by default"),
    "label": N_("label"),
    "role": N_("role"),
    "column": N_("column"),
    "kind": N_("kind"),
    "written_as_text": N_("numbers written as text"),
    "spreadsheet_errors": N_("spreadsheet errors"),
    "table": N_("table"),
    "reason": N_("reason"),
    "rule": N_("rule"),
    "rows": N_("rows"),
    "read": N_("rows read"),
    "kept": N_("rows kept"),
    "kept share": N_("kept"),
    "rejected": N_("rows rejected"),
    "source_row": N_("row in the file"),
    "missing": N_("missing"),
    "min": N_("minimum"),
    "max": N_("maximum"),
    "mean": N_("mean"),
    "median": N_("median"),
    "skew": N_("skew"),
    "values": N_("values"),
    "measure": N_("measure"),
    "mix_kind": N_("category or channel"),
    "mix_value": N_("which one"),
    "value": N_("value"),
    "score": N_("score"),
    "runner_up": N_("runner-up"),
    "margin": N_("margin"),
    "effect_size": N_("effect size"),
    "segment_mean": N_("segment mean"),
    "rest_mean": N_("mean of the others"),
    "trend": N_("trend"),
    "period_end": N_("period ending"),
    "moves": N_("customers moving"),
    "stay": N_("stayed"),
    "not_active_next": N_("not active next period"),
    "available": N_("available"),
    "good": N_("good"),
    "how": N_("how"),
    "why": N_("why"),
    "why_not": N_("why not"),
    "subject": N_("about"),
    "assumed": N_("assumed"),
    "change": N_("to change it"),
    "fact": N_("fact"),
    "min_share": N_("minimum share"),
    "lifecycle stage": N_("lifecycle stage"),
    "email_opt_in": N_("e-mail allowed"),
    "order_id": N_("order"),
    "timestamp": N_("time"),
    "quantity": N_("quantity"),
    "unit_price": N_("unit price"),
    "discount": N_("discount"),
    "product_id": N_("product"),
    "category": N_("category"),
    "channel": N_("channel"),
    "signup_date": N_("joined on"),
    "outlier": N_("outlier"),
    "sms_opt_in": N_("SMS allowed"),
}
#: Prefixes of columns made from a word of the method (``share_Target``, ``lifecycle_new``).
PREFIXED = {
    "share_": N_("share %(what)s"),
    "lifecycle_": N_("lifecycle: %(what)s"),
}
_PERSONA_COLUMN = re.compile(r"^S(\d+) (.+)$")


@cache
def _feature_labels() -> dict[str, str]:
    from seglab.registry import CATALOG

    return {f.name: f.label for f in CATALOG if f.label}


def header(column) -> str:
    """The label a reader sees for ``column``, in the reader's language."""
    if not isinstance(column, str):
        return i18n.digits(str(column))
    if column in HEADERS:
        return _(HEADERS[column])
    if column in _feature_labels():
        return i18n.term(_feature_labels()[column])
    for prefix, template in PREFIXED.items():
        if column.startswith(prefix):
            return _(template) % {"what": i18n.term(column[len(prefix) :].replace("_", " "))}
    m = _PERSONA_COLUMN.match(column)
    if m:
        return segment_label(m.group(1), m.group(2))
    if "=" in column:  # an encoded attribute: its column, then its value from the data as it is
        name, value = column.split("=", 1)
        return f"{header(name)} = {i18n.data_word(value)}"
    return i18n.term(column.replace("_", " "))
