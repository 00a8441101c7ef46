"""A customer-level source (one row per customer, no order lines): its columns read as features by
their role, and the note when few of them describe behaviour.
"""

from __future__ import annotations

import pandas as pd

from seglab import i18n
from seglab.config import Features as FeatureParams
from seglab.engine import FeatureError
from seglab.features.attributes import encode_attributes
from seglab.features.table import CATALOG_COLUMNS, describe_features, lifecycle_attrs, lifecycle_stage, outcomes
from seglab.i18n import N_
from seglab.registry import BY_NAME
from seglab.vocabulary import LIFECYCLE_STAGES

#: Days per month, for tenures given in months.
DAYS_PER_MONTH = 30.4375
#: Fewer usable behavioural features than this, and a customer-level source also clusters on the
#: numeric columns of its other lenses (with a note saying so).
MIN_BEHAVIOUR_FEATURES = 3
#: Kinds of column clustered on by default (categories and codes describe the segments instead).
_CLUSTERED_KINDS = ("money", "count", "number", "score", "share", "sentinel", "flag", "ordinal", "behaviour")


def _sum(frame: pd.DataFrame) -> pd.Series:
    return frame.astype(float).sum(axis=1, min_count=1)


class _Behaviour:
    """The catalog features of a customer-level source, one group at a time (see
    :func:`_customer_behaviour`).
    """

    def __init__(self, customers: pd.DataFrame, quality: dict):
        from seglab.collection import roles as roles_mod

        self.customers, self.quality = customers, quality
        self.labels = {c: roles_mod.readable(n) for c, n in quality.get("labels", {}).get("customers", {}).items()}
        self.out: dict[str, pd.Series] = {}
        self.rows: list[dict] = []
        self.notes: list[dict] = []
        self.value: list[str] = []  # the columns of the customer value
        self.orders: list[str] = []  # the columns of the purchase count

    def lab(self, cols: list[str]) -> str:
        from seglab.collection import roles as roles_mod

        return " + ".join(self.labels.get(c, roles_mod.readable(c)) for c in cols)

    def add(self, name: str, values: pd.Series, source: str, columns: list[str], **row) -> None:
        """A catalog feature from ``columns`` of the customer table (``source``: them in words)."""
        f = BY_NAME.get(name)
        self.out[name] = values.astype(float).reset_index(drop=True)
        self.rows.append(
            {
                "feature": name,
                "lens": "behavioural",
                "description": i18n.Note.of(
                    N_("%(description)s: from %(source)s"),
                    description=i18n.as_term(f.description) if f else name,
                    source=source,
                ),
                "unit": f.unit if f else "",
                "available": True,
                "why_not": "",
                "role": "behaviour",
                "label": f.label if f else name.replace("_", " "),
                "default": True,
                "columns": list(columns),
                **row,
            }
        )

    def tenure(self, behaviour: dict, params: FeatureParams) -> None:
        """Tenure in days: a tenure column (days or months), else from the signup date."""
        c = self.customers
        if "tenure_days" in behaviour:
            cols = behaviour["tenure_days"][:1]
            self.add("tenure_days", c[cols[0]], self.lab(cols), cols)
            return
        if "tenure_months" in behaviour:
            months = behaviour["tenure_months"]
            self.add(
                "tenure_days",
                c[months[0]].astype(float) * DAYS_PER_MONTH,
                f"{self.lab(months)} (months x {DAYS_PER_MONTH})",
                months[:1],
            )
            return
        signup = [col for col, r in self.quality.get("roles", {}).get("customers", {}).items() if r["kind"] == "signup"]
        if not signup:
            return
        dates = pd.to_datetime(c[signup[0]])
        as_of = pd.Timestamp(params.as_of) if params.as_of else dates.max().normalize()
        label = self.labels.get(signup[0], signup[0])
        if params.as_of is None:
            self.notes.append(
                {
                    "stage": "02",
                    "subject": N_("as of"),
                    "assumed": i18n.Note.of(
                        N_("%(date)s (the latest %(column)s)"), date=i18n.as_date(as_of), column=label
                    ),
                    "why": N_("a customer-level source has no transaction dates: tenure counts to the last join date"),
                    "change": "features.as_of: <the date the table was exported>",
                }
            )
        self.add(
            "tenure_days",
            (as_of + pd.Timedelta(days=1) - dates).dt.total_seconds() / 86400.0,
            f"{label} to {as_of.date()}",
            signup[:1],
        )

    def per_order(self, behaviour: dict, freq: pd.Series | None) -> None:
        """Deal purchases, visits and campaign answers, per order where the orders are known."""
        from seglab.collection import roles as roles_mod

        c = self.customers
        if "discount_orders" in behaviour:
            d = _sum(c[behaviour["discount_orders"]])
            share = d if d.dropna().between(0, 1).all() or freq is None else d / freq.where(freq > 0)
            source = self.lab(behaviour["discount_orders"]) + ("" if freq is None else " / orders")
            self.add(
                "discount_share",
                share.clip(0, 1),
                source,
                behaviour["discount_orders"] + (self.orders if freq is not None else []),
                description="share of purchases made with a discount or deal: from " + source,
            )
        if "visits" in behaviour:
            visits = _sum(c[behaviour["visits"]])
            self.add("sessions", visits, self.lab(behaviour["visits"]), behaviour["visits"])
            if freq is not None:
                self.add(
                    "sessions_per_order",
                    visits / freq.where(freq > 0),
                    f"{self.lab(behaviour['visits'])} / orders",
                    behaviour["visits"] + self.orders,
                )
        if "campaign_responses" in behaviour:
            answers = pd.concat([roles_mod.to_flag(c[col]) for col in behaviour["campaign_responses"]], axis=1)
            source = f"the mean of {self.lab(behaviour['campaign_responses'])}"
            self.add(
                "campaign_conversion_rate",
                answers.mean(axis=1),
                source,
                behaviour["campaign_responses"],
                description="share of campaigns the customer accepted or answered: from " + source,
            )

    def mixes(self, channels: dict, spend: list[str]) -> None:
        """Channel shares, order value, and the category mix of the spend columns."""
        c = self.customers
        if channels:
            counts = c[list(channels.values())].astype(float)
            total = counts.sum(axis=1)
            for ch, col in channels.items():
                self.add(
                    f"{ch}_share",
                    counts[col] / total.where(total > 0),
                    f"{self.labels.get(col, col)} / all purchases",
                    list(channels.values()),
                )
        if "monetary" in self.out and "frequency" in self.out:
            freq = self.out["frequency"]
            self.add(
                "avg_order_value",
                self.out["monetary"] / freq.where(freq > 0),
                "customer value / orders",
                self.value + self.orders,
            )
        if len(spend) >= 2:
            amounts = c[spend].astype(float).clip(lower=0)
            total = amounts.sum(axis=1)
            self.add(
                "top_category_share",
                amounts.max(axis=1) / total.where(total > 0),
                f"the largest of {self.lab(spend)}",
                spend,
            )
            self.add(
                "category_breadth",
                (amounts > 0).sum(axis=1).where(amounts.notna().any(axis=1)),
                f"{self.lab(spend)} above 0",
                spend,
            )


def _customer_behaviour(
    customers: pd.DataFrame, quality: dict, params: FeatureParams
) -> tuple[dict, list[dict], list[dict]]:
    """The catalog features a customer-level source gives through its column roles (stage 01's
    ``value``, ``spend``, ``behaviour`` and ``channels``): features, catalog rows, assumptions.
    """
    b = _Behaviour(customers, quality)
    behaviour, channels = quality.get("behaviour", {}), quality.get("channels", {})
    b.value = list(quality.get("value", {}).get("columns") or [])
    if b.value:
        b.add("monetary", _sum(customers[b.value]), b.lab(b.value), b.value, unit="money", label="customer value")
    b.orders = list(behaviour.get("orders") or list(channels.values()))
    if b.orders:
        b.add("frequency", _sum(customers[b.orders]), b.lab(b.orders), b.orders)
    if "recency_days" in behaviour:
        cols = behaviour["recency_days"][:1]
        b.add("recency_days", customers[cols[0]], b.lab(cols), cols)
    b.tenure(behaviour, params)
    b.per_order(behaviour, b.out.get("frequency"))
    b.mixes(channels, quality.get("spend", []))
    return b.out, b.rows, b.notes


#: The lenses whose numbers and yes/no columns are clustered on by default (domain.md: the others
#: describe the segments).
CLUSTERING_LENSES = ("behavioural", "psychographic", "firmographic")


def _thin_note(numeric: list[dict], doing: list[str], extra: list[dict]) -> dict:
    """The assumption of clustering on other lenses' numbers when behaviour gives too few features."""
    return {
        "stage": "02",
        "topic": "clustered_features",
        "subject": N_("features clustered on"),
        "assumed": i18n.Note.of(
            N_("also %(features)s (%(lenses)s)"),
            features=[i18n.as_term(r["label"]) for r in extra],
            lenses=[i18n.as_term(lens) for lens in sorted({r["lens"] for r in extra})],
        ),
        "why": i18n.Note.of(
            N_("behaviour gives only %(n)s usable feature(s) (%(features)s): fewer than %(min)s")
            if doing
            else N_("behaviour gives only %(n)s usable feature(s): fewer than %(min)s"),
            n=len(doing),
            features=[i18n.as_term(r["label"]) for r in numeric if r["feature"] in doing],
            min=MIN_BEHAVIOUR_FEATURES,
        ),
        "change": "segmentation.features: [...]  (or declare columns as behavioural in source.tables.customers.lenses)",
    }


def _declared_note(doing: list[str], numeric: list[dict]) -> dict:
    """What is clustered on when the parameters declare the clustering lenses: exactly those columns."""
    return {
        "stage": "02",
        "topic": "clustered_features",
        "subject": N_("features clustered on"),
        "assumed": i18n.Note.of(
            N_("exactly the columns of the declared lenses: %(features)s"),
            features=[i18n.as_term(r["label"]) for r in numeric if r["feature"] in doing],
        ),
        "why": N_("source.tables.customers.lenses declares the behavioural, psychographic or firmographic columns"),
        "change": "segmentation.features: [...]  (or change source.tables.customers.lenses)",
    }


def _default_customer_features(
    feats: pd.DataFrame, rows: list[dict], declared: frozenset[str] | None = None
) -> tuple[list[str], list[dict]]:
    """What a customer-level source clusters on by default: the numeric and yes/no features of the
    behavioural, psychographic and firmographic lenses (categories and codes describe segments);
    with fewer than MIN_BEHAVIOUR_FEATURES of them, also the numeric columns of the other lenses.
    ``declared``: the columns the parameters put in those lenses (``source.tables.<t>.lenses``);
    when there are any, exactly the features made from them are clustered on, nothing added.
    """
    usable = [r for r in rows if r["available"] and r["feature"] in feats and feats[r["feature"]].nunique() > 1]
    numeric = [r for r in usable if r.get("role", "number") in _CLUSTERED_KINDS]
    if declared:
        doing = [r["feature"] for r in numeric if r.get("columns") and set(r["columns"]) <= declared]
        notes = [_declared_note(doing, numeric)]
    else:
        doing = [r["feature"] for r in numeric if r["lens"] in CLUSTERING_LENSES]
        notes = []
        extra = [
            r
            for r in numeric
            if r["feature"] not in doing and r.get("role") != "flag" and r["lens"] not in ("contactability",)
        ]
        if len(doing) < MIN_BEHAVIOUR_FEATURES and extra:
            notes.append(_thin_note(numeric, doing, extra))
            doing += [r["feature"] for r in extra]
    if len(doing) < 2:
        have = ", ".join(r["label"] for r in usable) or "none"
        raise FeatureError(
            f"a customer-level source needs at least 2 columns that vary to segment on; usable here: {have}. "
            "Add behaviour columns (spend, purchase counts, visits, recency) or name the features to use in "
            "segmentation.features"
        )
    for r in rows:
        r["default"] = r["feature"] in doing
    return doing, notes


def build_customer_level(
    tables: dict[str, pd.DataFrame], quality: dict, params: FeatureParams
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Features of a customer-level source (one row per customer, already aggregated).

    The columns are encoded by role (:func:`encode_attributes`); the behaviour they hold (customer
    value, purchase counts, recency, tenure, deals, visits, campaign answers, purchases per channel,
    spend per category) becomes the catalog's features (``monetary``, ``frequency``,
    ``recency_days``, ``tenure_days``, ``discount_share``, ``sessions``,
    ``campaign_conversion_rate``, channel shares, ``top_category_share``...), so that profiles,
    persona rules and the Boston matrix read them as for transactions. Without a value basis
    there is no ``monetary``: the value is unknown, not 0.
    """
    customers = tables["customers"].sort_values("customer_id", kind="mergesort").reset_index(drop=True)
    ids = customers["customer_id"].astype(str)
    attrs, rows = encode_attributes(tables, quality, params, ids)
    derived, drows, notes = _customer_behaviour(customers, quality, params)
    feats = pd.concat([pd.DataFrame({"customer_id": ids}), pd.DataFrame(derived), attrs], axis=1)
    rows = drows + rows
    if "tenure_days" in feats:  # from a tenure column or a signup date: known where given
        feats["tenure_known"] = feats["tenure_days"].notna().astype("int64")
        feats["lifecycle"] = lifecycle_stage(feats, params)
    if {"email_opt_in", "sms_opt_in"} & set(feats.columns):
        feats["reachable"] = feats.reindex(columns=["email_opt_in", "sms_opt_in"]).fillna(0).max(axis=1)
        rows.append(
            {
                "feature": "reachable",
                "lens": "contactability",
                "description": BY_NAME["reachable"].description,
                "unit": "flag 0/1",
                "available": True,
                "why_not": "",
                "role": "flag",
                "label": BY_NAME["reachable"].label,
                "default": False,
            }
        )
    lenses = quality.get("lenses", {})
    declared = frozenset(
        c if t == "customers" else f"survey_{c}"
        for t in ("customers", "survey")
        for c, lens in lenses.get(t, {}).items()
        if not lens.get("guessed", True) and lens["lens"] in CLUSTERING_LENSES
    )
    default, more = _default_customer_features(feats, rows, declared)
    feats.attrs["outcomes"] = outcomes(rows)
    value = quality.get("value", {})
    feats.attrs["as_of"] = None
    feats.attrs["customer_level"] = True
    feats.attrs["default_features"] = default
    feats.attrs["value_basis"] = (
        " + ".join(quality.get("labels", {}).get("customers", {}).get(c, c) for c in value["columns"])
        if value.get("columns")
        else None
    )
    cat = pd.DataFrame(rows, columns=CATALOG_COLUMNS)
    lifecycle_attrs(feats, quality.get("history"), params)
    feats.attrs["assumptions"] = i18n.neutral(notes + more) + feats.attrs["assumptions"]
    describe_features(feats, cat)
    return feats, cat


def lifecycle_counts(features: pd.DataFrame) -> pd.DataFrame | None:
    """Customers per lifecycle stage with their share (None without purchase history)."""
    if "lifecycle" not in features:
        return None
    counts = features["lifecycle"].value_counts().reindex(LIFECYCLE_STAGES, fill_value=0)
    out = counts.rename_axis("lifecycle stage").reset_index(name="customers")
    out["share"] = out["customers"] / len(features)
    return out
