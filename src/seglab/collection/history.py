"""What the data can tell about the customers' history: when it begins, and whose tenure it cannot know.

An export of order lines usually begins long after the business did. A customer first seen in
its first weeks may have bought for years before it: counting tenure from the first purchase *in
the file* calls them new. seglab therefore knows when the history begins and says whose tenure
is only a lower bound.

The rule (``features.lifecycle.lapsed_days`` = L, by default 270 days):

* the history is known to begin with the data when ``source.history_start`` is declared on (or
  after) the data's first day: nobody can have bought before the data, and every tenure is
  known; a customer with a signup date has a known tenure too (it counts from the signup);
* otherwise a customer first seen within L days of the data's first day is *censored*: they may
  have bought before the data began, so their tenure is "at least" the days since they were
  first seen (a lower bound) and, with a ``source.history_start`` declared before the data, "at
  most" the days since that date (an upper bound);
* a customer first seen later than that went at least L days without a purchase since the data
  began: had they bought before, they were a lapsed customer who came back, and seglab counts
  their relationship from their return (a known tenure), as its lifecycle stages do.

Stage 01 records the facts of the history (:func:`facts_of`; ``quality["history"]`` in memory, the
data profile ``profile.json`` on disk) with the evidence (how many customers were first seen in
the data's first weeks against the rate afterwards: a spike of newcomers at the start is the
signature of an export that begins after the business did) and the assumption the reader sees.
Stage 02 computes each customer's tenure bounds (:func:`tenure`) and the lifecycle stages only
where they are known (:func:`seglab.features.lifecycle_stage`); stage 04 names a segment by a
lifecycle stage only when most of its customers are *known* to be in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from seglab import i18n
from seglab.i18n import N_, _
from seglab.registry import BY_NAME

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from seglab.config import Features as FeatureParams
    from seglab.config import Lifecycle, Params

#: Weeks at the start of the data whose newcomers are compared with the weekly rate afterwards.
START_WEEKS = 4
#: A start rate at least this many times the later rate is called a spike of newcomers.
SPIKE = 1.5
#: The YAML line that declares when the history begins.
CHANGE = "source.history_start: {date}"
DAY = pd.Timedelta(days=1)


def _iso(value) -> str | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()


def _day(value) -> pd.Timestamp | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).normalize()


def _until(h: dict) -> i18n.Value:
    """The last day a censored customer can have been first seen (the window's end, or the data's
    last day when the data end first), a date shown in the reader's calendar.
    """
    last = pd.Timestamp(h["censored_until"]) - DAY
    return i18n.as_date(min(last, pd.Timestamp(h["data_end"])) if h.get("data_end") else last)


# --------------------------------------------------------------------------------------------
# the facts of the history (stage 01)
# --------------------------------------------------------------------------------------------
def first_purchases(transactions, params: FeatureParams | None = None) -> tuple[pd.Series, dict]:
    """Each customer's first purchase (a line with a positive quantity) in the data, as a
    Series of timestamps indexed by customer_id, and the data's first and last day
    (``{"start": ..., "end": ...}``, over every line: returns too). Computed on the run's engine,
    so the order lines are read where they lie.
    """
    import ibis

    from seglab import engine

    with engine.opened(params) as (table, _con):
        tx = table("transactions", transactions, ["customer_id", "timestamp", "quantity"])
        span = tx.aggregate(start=tx.timestamp.min(), end=tx.timestamp.max()).to_pyarrow().to_pylist()[0]
        buy = tx.filter(tx.quantity > 0)
        first = (
            buy.group_by(buy.customer_id.cast("string").name("customer_id"))
            .aggregate(first=buy.timestamp.min())
            .order_by(ibis.asc("customer_id"))
            .to_pyarrow()
            .to_pandas()
        )
    series = pd.Series(pd.to_datetime(first["first"]).to_numpy(), index=first["customer_id"].astype(str))
    return series.rename_axis("customer_id"), {"start": _day(span["start"]), "end": _day(span["end"])}


def _spike(first: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> dict:
    """Newcomers per week in the data's first :data:`START_WEEKS` weeks and afterwards."""
    days = (first.dt.normalize() - start) / DAY
    head = START_WEEKS * 7
    later_weeks = ((end - start) / DAY + 1 - head) / 7
    at_start = float((days < head).sum()) / START_WEEKS
    later = float((days >= head).sum()) / later_weeks if later_weeks >= START_WEEKS else None
    return {
        "first_seen_weeks": START_WEEKS,
        "first_seen_start_per_week": round(at_start, 2),
        "first_seen_later_per_week": None if later is None else round(later, 2),
        "first_seen_spike": None if not later else round(at_start / later, 2),
    }


def facts(first: pd.Series, span: dict, declared: date | None, signup: pd.Series | None, lifecycle: Lifecycle) -> dict:
    """The facts of the history of a transactions source (a pure function; one JSON-able dict).

    Parameters
    ----------
    first : Series
        Each customer's first purchase in the data (timestamps), indexed by customer_id.
    span : dict
        The data's first and last day (date-like): ``start`` and ``end``, as :func:`first_purchases`
        gives them.
    declared : date or None
        ``source.history_start``: no customer bought before this day.
    signup : Series or None
        The customers' signup dates indexed by customer_id (NaT: unknown); None without a
        signup column.
    lifecycle : seglab.config.Lifecycle
        ``features.lifecycle``: ``lapsed_days`` is the censoring window.

    Returns
    -------
    dict
        * ``kind``: ``"transactions"``;
        * ``data_start``, ``data_end``: the data's first and last day (ISO dates), ``days``: the
          days they cover (both ends included);
        * ``history_start``: the declared ``source.history_start`` (ISO) or None;
        * ``begins_with_data``: the history is known to begin with the data (``history_start``
          on or after ``data_start``), so nobody is censored;
        * ``history_start_after_data``: ``history_start`` is after the data's first day (taken
          as the data's first day, with an assumption saying so);
        * ``signup_column``: the customers table has signup dates at all; ``with_signup``:
          customers with a purchase and a signup date (their tenure counts from it);
        * ``customers``: customers with a purchase in the data;
        * ``censor_days``: the censoring window (``features.lifecycle.lapsed_days``);
          ``censored_until``: customers first seen before this day (``data_start`` +
          ``censor_days``) may have bought before the data;
        * ``censored``: customers whose tenure is a lower bound (first seen before
          ``censored_until``, no signup date, the history not known to begin with the data);
          ``censored_share``: their share of ``customers``;
        * ``too_short``: the data cover no more than ``censor_days``: without signup dates or a
          declared start, no customer's tenure can be known;
        * ``first_seen_weeks``, ``first_seen_start_per_week``, ``first_seen_later_per_week``,
          ``first_seen_spike``: customers first seen per week in the data's first weeks and
          afterwards (None when the data are too short to compare), and their ratio (the
          evidence: a spike is the signature of an export that begins after the business did).
    """
    start, end = _day(span["start"]), _day(span["end"])
    declared_day = _day(declared)
    begins = declared_day is not None and declared_day >= start
    until = start + pd.Timedelta(days=lifecycle.lapsed_days)
    has_signup = (
        signup.reindex(first.index).notna().to_numpy() if signup is not None else np.zeros(len(first), dtype=bool)
    )
    early = (first.dt.normalize() < until).to_numpy()
    censored = 0 if begins else int((early & ~has_signup).sum())
    n = len(first)
    return {
        "kind": "transactions",
        "data_start": _iso(start),
        "data_end": _iso(end),
        "days": int((end - start) / DAY) + 1,
        "history_start": _iso(declared_day),
        "begins_with_data": bool(begins),
        "history_start_after_data": bool(declared_day is not None and declared_day > start),
        "signup_column": signup is not None,
        "with_signup": int(has_signup.sum()),
        "customers": n,
        "censor_days": lifecycle.lapsed_days,
        "censored_until": _iso(until),
        "censored": censored,
        "censored_share": round(censored / n, 4) if n else 0.0,
        "too_short": bool(until > end),
        **_spike(first, start, end),
    }


#: What a history of too few days cannot show: repeat buying (orders), recency, tenure, the
#: rhythm of purchases and its trend (``features.min_history_days``).
NEED_TIME: tuple[str, ...] = (
    "frequency",
    "recency_days",
    "tenure_days",
    "interpurchase_mean_days",
    "interpurchase_cv",
    "spend_trend",
)


def not_measured(h: dict | None, min_days: int) -> list[str]:
    """The features a history of order lines too short cannot measure (:data:`NEED_TIME`): all of
    them when the data cover fewer than ``min_days`` days, else none (and none for a
    customer-level source, whose columns were measured by whoever exported them).
    """
    if not h or h.get("kind") != "transactions" or h.get("days") is None or h["days"] >= min_days:
        return []
    return list(NEED_TIME)


def short_history_assumption(h: dict, features: list[str], min_days: int) -> dict:
    """The row of *What seglab assumed* for a history too short to measure ``features``."""
    return {
        "stage": "02",
        "subject": N_("history too short"),
        "assumed": i18n.Note.of(
            N_(
                "%(days)s day(s) of order lines (%(start)s to %(end)s) cannot show repeat buying, recency or tenure: "
                "%(features)s not measured; left out of the default segmentation features, persona names and traits"
            ),
            days=h["days"],
            start=i18n.as_date(h["data_start"]),
            end=i18n.as_date(h["data_end"]),
            features=[i18n.as_term(BY_NAME[f].label or f.replace("_", " ")) for f in features],
        ),
        "why": i18n.Note.of(
            N_(
                "on a history shorter than %(min)s days, a customer seen once and a loyal one look alike, and days "
                "since the last purchase are hours"
            ),
            min=min_days,
        ),
        "change": i18n.Note.of(
            N_("features.min_history_days: %(days)s (to measure them anyway), or a longer export"), days=h["days"]
        ),
    }


def customer_level_facts(quality: dict) -> dict:
    """The facts of the history of a customer-level source: tenure comes from a tenure column or
    a signup date (known), or is not in the data; there are no transaction dates to censor.
    """
    behaviour = quality.get("behaviour", {})
    roles = quality.get("roles", {}).get("customers", {})
    if "tenure_days" in behaviour or "tenure_months" in behaviour:
        source = "tenure column"
    elif any(r.get("kind") == "signup" for r in roles.values()):
        source = "signup"
    else:
        source = None
    return {"kind": "customer_level", "tenure_from": source, "censored": 0, "begins_with_data": True}


def facts_of(tables: dict, params: Params, quality: dict) -> dict:
    """The facts of the history of stage 01's tables (what :func:`facts` returns, or
    :func:`customer_level_facts` for a customer-level source).
    """
    if "transactions" not in tables:
        return customer_level_facts(quality)
    given = "customers" in quality.get("tables", {})  # (else stage 01 derived them from the transactions)
    return from_data(tables, params.features, params.source.history_start, given)


def from_data(tables: dict, params: FeatureParams, declared: date | None = None, given: bool = True) -> dict:
    """:func:`facts` of a transactions source computed from its tables (``transactions``, and
    ``customers`` for the signup dates, see :func:`signups`; a DataFrame or the path of a Parquet
    file each). Stage 02 falls back on it when it is given no stage-01 record (nothing declared).
    """
    first, span = first_purchases(tables["transactions"], params)
    if span["start"] is None:
        return {"kind": "transactions", "data_start": None, "customers": 0, "censored": 0, "begins_with_data": True}
    customers = tables.get("customers")
    if customers is not None and not isinstance(customers, pd.DataFrame):
        from seglab import io, schemas

        customers = io.read_table(customers, schemas.CUSTOMERS.name)
    return facts(first, span, declared, signups(customers, given), params.lifecycle)


def signups(customers: pd.DataFrame | None, given: bool = True) -> pd.Series | None:
    """The customers' signup dates *from the source* (NaT: unknown), indexed by customer_id; None
    without any.

    Stage 01 gives a customer it derives from the transactions their first purchase as signup
    date: that says nothing of a purchase before the data. So with ``given`` False (no customers
    table in the source) there is none, and in a table stage 01 completed, only the rows read from
    the source (``source_row``) count.
    """
    if not given or customers is None or "signup_date" not in customers:
        return None
    dates = pd.to_datetime(customers["signup_date"])
    if "source_row" in customers:
        dates = dates.where(customers["source_row"].notna())
    if dates.isna().all():
        return None
    return pd.Series(dates.to_numpy(), index=customers["customer_id"].astype(str))


def _evidence(h: dict) -> str:
    """The newcomers of the first weeks against the rate afterwards, in words."""
    if h.get("first_seen_spike") is None:
        return N_("the data are too short to compare the first weeks with the rest")
    values = {
        "start": i18n.as_number(h["first_seen_start_per_week"]),
        "weeks": i18n.as_number(h["first_seen_weeks"]),
        "later": i18n.as_number(h["first_seen_later_per_week"]),
        "ratio": i18n.as_number(h["first_seen_spike"], 1),
    }
    if h["first_seen_spike"] >= SPIKE:
        return i18n.Note.of(
            N_(
                "%(start)s customers a week first seen in the first %(weeks)s weeks, %(later)s a week afterwards "
                "(%(ratio)s times as many): the data very likely begin after the business did"
            ),
            **values,
        )
    return i18n.Note.of(
        N_(
            "%(start)s customers a week first seen in the first %(weeks)s weeks, %(later)s a week afterwards "
            "(%(ratio)s times): no spike of newcomers at the start, yet earlier buyers cannot be ruled out"
        ),
        **values,
    )


def assumptions(h: dict) -> list[dict]:
    """Stage 01's rows of "What seglab assumed" about the history (each with the line that changes it)."""
    if h.get("kind") != "transactions" or not h.get("data_start"):
        return []
    rows = []
    start = i18n.as_date(h["data_start"])
    if h.get("history_start_after_data"):
        rows.append(
            {
                "stage": "01",
                "subject": N_("history before the data"),
                "assumed": i18n.Note.of(N_("the history begins with the data, on %(start)s"), start=start),
                "why": i18n.Note.of(
                    N_("source.history_start (%(declared)s) is after the first transaction (%(start)s)"),
                    declared=i18n.as_date(h["history_start"]),
                    start=start,
                ),
                "change": CHANGE.format(date=h["data_start"]),
            }
        )
    if not h["censored"]:
        return rows
    values = {
        "n": h["censored"],
        "customers": h["customers"],
        "share": i18n.as_percent(h["censored_share"]),
        "start": start,
        "until": _until(h),
    }
    if h.get("history_start"):
        assumed = i18n.Note.of(
            N_(
                "the tenure of %(n)s of the %(customers)s customers with a purchase (%(share)s), first seen from "
                "%(start)s to %(until)s, is only known to lie between the days since they were first seen and the days "
                "since %(declared)s"
            ),
            **values,
            declared=i18n.as_date(h["history_start"]),
        )
        why = i18n.Note.of(
            N_(
                "source.history_start (%(declared)s) is before the data begin (%(start)s): purchases in between are "
                "not in the data"
            ),
            **values,
            declared=i18n.as_date(h["history_start"]),
        )
    else:
        assumed = i18n.Note.of(
            N_(
                "%(n)s of the %(customers)s customers with a purchase (%(share)s), first seen from %(start)s to "
                "%(until)s, may have bought before: their tenure is only a lower bound"
            ),
            **values,
        )
        why = i18n.Note.of(
            N_(
                "the data begin on %(start)s and nothing says the business began then (no source.history_start"
                "%(signup)s); %(evidence)s"
            ),
            **values,
            signup=i18n.as_term(
                N_(", signup dates for only some customers") if h.get("with_signup") else N_(", no signup date")
            ),
            evidence=i18n.worded(_evidence(h)),
        )
    rows.append(
        {
            "stage": "01",
            "subject": N_("history before the data"),
            "assumed": assumed,
            "why": why,
            "change": i18n.concat(
                CHANGE.format(date=h["data_start"]),
                "  ",
                N_("(if the business began with the data; an earlier date bounds the tenure; or signup dates)"),
            ),
        }
    )
    return rows


def summary(h: dict | None) -> pd.DataFrame:
    """The facts of the history for the 01 report: fact, value."""
    cols = ["fact", "value"]
    if not h or h.get("kind") != "transactions" or not h.get("data_start"):
        return pd.DataFrame(columns=cols)
    rows = [
        (_("the data begin"), i18n.date(h["data_start"])),
        (_("the data end"), i18n.date(h["data_end"])),
        (
            _("the history begins"),
            i18n.date(h["history_start"]) + " (source.history_start)"
            if h.get("history_start")
            else _("not declared (source.history_start)"),
        ),
        (_("customers with a signup date"), i18n.number(h["with_signup"]) if h["signup_column"] else _("none")),
        (_("customers first seen per week"), i18n.say(_evidence(h))),
        (_("customers whose tenure is only a lower bound"), text(h)),
    ]
    return pd.DataFrame(rows, columns=cols)


def text(h: dict | None) -> str:
    """Whose tenure the data cannot tell, in one line (the index's "Data used", the 01 and 02 pages)."""
    if not h or h.get("kind") != "transactions" or not h.get("data_start"):
        return ""
    if h.get("begins_with_data"):
        return _("none: the history begins with the data (source.history_start: %(date)s)") % {
            "date": i18n.date(h["data_start"])
        }
    if not h["censored"]:
        return _("none: every customer first seen before %(until)s has a signup date") % {
            "until": i18n.date(h["censored_until"])
        }
    return _(
        "%(n)s of the %(customers)s customers with a purchase (%(share)s), first seen from %(start)s to %(until)s: "
        "their tenure is only a lower bound"
    ) % {
        "n": i18n.number(h["censored"]),
        "customers": i18n.number(h["customers"]),
        "share": i18n.percent(h["censored_share"]),
        "start": i18n.date(h["data_start"]),
        "until": _until(h).shown(),
    }


# --------------------------------------------------------------------------------------------
# each customer's tenure (stage 02)
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Beginnings:
    """When each customer's relationship may have begun, one value per customer in the same order.

    Attributes
    ----------
    first : array-like of timestamps
        The customer's first purchase in the data up to the cutoff.
    signup : array-like of timestamps or None
        The signup date of the customers table (NaT: unknown), or None without signup dates.
    signed : array-like of bool, optional
        Whether the customer's signup date comes from a customers source (:func:`signups`); a date
        stage 01 derived from the first purchase tells nothing of earlier purchases. None: every
        signup date does.
    """

    first: ArrayLike
    signup: ArrayLike | None = None
    signed: ArrayLike | None = None


def tenure(began: Beginnings, cutoff: pd.Timestamp, h: dict | None, lifecycle: Lifecycle) -> pd.DataFrame:
    """Each customer's tenure at ``cutoff`` with what the data can tell of it (a pure function).

    Parameters
    ----------
    began : Beginnings
        Each customer's first purchase in the data, signup date and where the signup comes from.
    cutoff : Timestamp
        The end of the as-of day.
    h : dict or None
        The facts of the history (:func:`facts`); None or a customer-level record: every tenure
        is known.
    lifecycle : seglab.config.Lifecycle
        ``lapsed_days`` is the censoring window.

    Returns
    -------
    DataFrame
        ``days``: from the signup date or the first purchase, whichever is earlier, to the cutoff
        (the exact tenure where known, else a lower bound); ``known``: 1 where the tenure is
        known, 0 where the customer may have bought before the data; ``most``: the upper bound
        (= ``days`` where known; the days since ``history_start`` when one is declared before the
        data; NaN: unbounded).
    """
    first, signup, signed = pd.Series(pd.to_datetime(np.asarray(began.first))), began.signup, began.signed
    dates = (
        pd.Series(pd.to_datetime(np.asarray(signup))) if signup is not None else pd.Series(pd.NaT, index=first.index)
    )
    begin = first.where(dates.isna() | (dates > first), dates)
    days = (pd.Timestamp(cutoff) - begin).dt.total_seconds() / 86400.0
    if not h or h.get("kind") != "transactions" or not h.get("data_start") or h.get("begins_with_data"):
        known = pd.Series(True, index=first.index)
    else:
        until = pd.Timestamp(h["data_start"]) + pd.Timedelta(days=lifecycle.lapsed_days)
        from_source = dates.notna() if signed is None else pd.Series(np.asarray(signed, dtype=bool)) & dates.notna()
        known = from_source | (first.dt.normalize() >= until)
    bound = np.nan
    if h and h.get("history_start") and not h.get("begins_with_data"):
        bound = (pd.Timestamp(cutoff) - pd.Timestamp(h["history_start"])).total_seconds() / 86400.0
    most = days.where(known, bound)
    return pd.DataFrame({"days": days.to_numpy(), "known": known.astype("int64").to_numpy(), "most": most.to_numpy()})


def lifecycle_record(feats: pd.DataFrame, h: dict | None, params: FeatureParams) -> dict:
    """What stage 02 could tell of the lifecycle (``features_meta.json``: ``lifecycle``):
    ``measured`` (some customer's tenure is known), ``why`` (when not), ``unknown`` (customers
    whose stage is unknown), ``tenure_unknown`` (customers whose tenure is a lower bound), the
    customers, and the data's start and the end of the censoring window.
    """
    if "lifecycle" not in feats:
        return {"measured": False, "why": "no tenure in the data", "unknown": 0, "tenure_unknown": 0}
    n = len(feats)
    known = feats["tenure_known"].astype(bool) if "tenure_known" in feats else feats["tenure_days"].notna()
    h = h or {}
    out = {
        "measured": bool(known.any()) or n == 0,
        "why": None,
        "customers": n,
        "unknown": int((feats["lifecycle"] == "unknown").sum()),
        "tenure_unknown": int((~known).sum()),
        "data_start": h.get("data_start"),
        "censored_until": h.get("censored_until"),
        "history_start": h.get("history_start"),
    }
    if not out["measured"]:
        out["why"] = "censored" if h.get("kind") == "transactions" else "no tenure in the data"
    return out


def _change(h: dict) -> i18n.Value:
    return i18n.concat(
        CHANGE.format(date=h.get("data_start") or "YYYY-MM-DD"),
        "  ",
        N_("(if the business began with the data), or signup dates (source.tables.customers.columns.signup_date)"),
    )


def lifecycle_assumptions(record: dict, h: dict | None, as_of: str | None) -> list[dict]:
    """Stage 02's row of "What seglab assumed" about the lifecycle stages: not measured, or
    unknown for some customers (each with the line that changes it).
    """
    h = h or {}
    if not record.get("tenure_unknown") or h.get("kind") != "transactions":
        return []
    if record["measured"] and not record.get("unknown"):  # every stage known: stage 01's row says the rest
        return []
    values = {
        "n": record["unknown"],
        "share": i18n.as_percent(record["unknown"] / max(record["customers"], 1)),
        "tenure": record["tenure_unknown"],
        "start": i18n.as_date(h["data_start"]),
        "until": _until(h),
        "as_of": i18n.as_date(as_of) if as_of else "",
        "days": h["censor_days"],
    }
    if not record["measured"]:
        assumed = N_("not measured: no customer's tenure is known, so nobody is called new, active or long-term")
        why = i18n.Note.of(
            N_(
                "the data begin on %(start)s and every customer up to %(as_of)s was first seen in the data's first "
                "%(days)s days, with no signup date: each may have bought before"
            ),
            **values,
        )
    else:
        assumed = i18n.Note.of(
            N_(
                "unknown for %(n)s customers (%(share)s): the tenure of %(tenure)s customers first seen from %(start)s "
                "to %(until)s is only a lower bound"
            ),
            **values,
        )
        why = N_(
            "they may have bought before the data began; a stage is given where the known facts decide it (recency, "
            "or a tenure whose bounds fall in one stage)"
        )
    return [{"stage": "02", "subject": N_("lifecycle stage"), "assumed": assumed, "why": why, "change": _change(h)}]


def lifecycle_text(record: dict | None, h: dict | None) -> str:
    """The lifecycle section's lead on the 02 page: what is known, what is not and why."""
    if not record:
        return ""
    h = h or {}
    if record.get("why") == "no tenure in the data":
        return ""  # (the table of stages says there is none)
    if not record.get("tenure_unknown"):
        return _("Every customer's tenure is known: the lifecycle stages below are facts of the data.")
    values = {
        "tenure": i18n.number(record["tenure_unknown"]),
        "share": i18n.percent(record["tenure_unknown"] / max(record["customers"], 1)),
        "start": i18n.date(h.get("data_start")),
        "until": _until(h).shown() if h.get("censored_until") else "",
        "line": i18n.isolate(CHANGE.format(date=h.get("data_start") or "YYYY-MM-DD")),
    }
    if not record["measured"]:
        return (
            _(
                "Lifecycle: not measured. The data begin on %(start)s and every customer was first seen from "
                "%(start)s to %(until)s: each may have bought before, so no one's tenure is known and nobody is "
                "called new, active or long-term (lapsing and lapsed come from recency and stay known). If the "
                "business began with the data, declare %(line)s; signup dates also give the tenure."
            )
            % values
        )
    return (
        _(
            "Tenure unknown for %(tenure)s customers (%(share)s): first seen from %(start)s to %(until)s, they "
            "may have bought before the data began; their tenure is at least the days since, and their stage is "
            "unknown unless recency or the bounds of their tenure decide it. If the business began with the "
            "data, declare %(line)s."
        )
        % values
    )
