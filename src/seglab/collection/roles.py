"""What each column of a customer table is: declared in ``source.tables.<table>.roles`` or
inferred, and every inference written down as an assumption the reader sees.

Stage 01 calls :func:`infer` on the customers (and survey) table after cleaning; the result is
kept in ``quality.json`` (``roles``, ``labels``, ``value``, ``assumptions``) and stage 02 builds
the customer features from it. Rules, in order (the first that applies):

* **declared** roles (``roles.value``, ``spend``, ``flags``, ``codes``, ``sentinels``,
  ``signup``, ``dates``, ``ignore``, ``behaviour``, ``channels``) are used as given;
* a column with **no value** or **one value** for every customer carries no information: left out;
* a column whose every value is different and that looks like an identifier is left out;
* **dates** (read as dates, or text that parses as dates for 95 % of the rows) are not features;
  the first one named like a join date (signup, registered, customer since, ...) gives the tenure;
* **two values** that read as yes/no (yes/no, true/false, y/n, 1/0) are a 0/1 flag; two other
  values are one 0/1 column for the rarer value;
* whole numbers with at most 12 values in a column named like a code (type, code, class, group,
  segment, channel, region, zone, category, status, education, level) are **codes**: categories,
  never high or low;
* a whole-number column whose non-negative values are interrupted by one frequent negative
  value (-1, -99, -999) or by 999/9999 is a **sentinel** column (e.g. ``pdays = -1``: never
  contacted): the sentinel becomes a 0/1 flag and the rest stays a number;
* numbers are **money** when the name says so (spend, revenue, sales, amount, value, charges,
  payments, purchases, price, turnover, balance, mnt...), a **share** when they lie in 0..1 and
  the name says rate/share/ratio/frequency/percent, a **score** when the name says score, rating,
  rank or grade or gives a range such as (1-100); a score or a share is never money;
* customer-level behaviour is recognised by name (recency, orders or purchase counts, deals,
  visits, campaign answers, purchases per channel) and mapped to the feature catalog
  (``recency_days``, ``frequency``, ``discount_share``, ``sessions``, campaign response,
  channel shares), so the archetype rules apply to customer-level data too.

The **value basis** (what "customer value" means in every report): ``roles.value`` (summed),
else ``roles.spend`` (summed), else the money columns of the behavioural lens: the one named as a
total; else the one equal to the sum of others; else the sum of a family of spend columns
(``MntWines``, ``MntFruits``, ...); else the only one; else unknown. Income (a demographic),
constant columns, scores and shares are never value. When no column qualifies the value is
**unknown**: the pages say so and no value-based component is used.
"""

from __future__ import annotations

import difflib
import itertools
import os
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from seglab import i18n
from seglab.collection.amounts import count_at_once
from seglab.config import BEHAVIOUR_ROLES, Roles
from seglab.i18n import N_
from seglab.text import SAME_LETTERS

MAX_LEVELS = 12

_YES = {"yes", "y", "true", "t", "1", "1.0", "si", "oui", "ja", "بله", "نعم", "آری"}
_NO = {"no", "n", "false", "f", "0", "0.0", "non", "nein", "خیر", "لا", "نه"}
_CODE_NAME = (
    r"(^|_)(type|code|class|group|segment|channel|region|zone|category|status|education|level|area|cluster|kind"
    r"|tier|grade_code)(_|$)"
)
_MONEY_NAME = (
    r"spend|revenue|sales|amount|monetary|value|turnover|charges?|payments?|purchases$|^purchases|price|"
    r"fee|premium|^mnt|_mnt|mnt_|balance|cash_advance|income_from"
)
_NOT_MONEY_NAME = (
    r"income|salary|wage|limit|score|rating|frequen|rate$|ratio|share|pct|percent|prc|trx|count|num_|^num|quantity"
)
_TOTAL_NAME = r"total|lifetime|overall|sum|all_time|cumulative|ltv|clv"
_SHARE_NAME = r"rate|share|ratio|frequen|pct|percent|prc|proportion"
_SCORE_NAME = r"score|rating|rank|grade|stars|nps|\d+_\d+$"
_ID_NAME = r"(^|_)(id|uuid|key|number|no|nr|nummer|num)$|^id_|identifier|kennung|شناسه|معرف|رقم_|_رقم|کد_مشتری"
#: Outcome columns (known only after the fact: the answer to a campaign, a churn, a call's
#: duration): name pattern -> whether a higher value is good or bad for the business (None: unknown).
_OUTCOME_NAMES = (
    (r"churn|attrition|attrited|^exited$|^left$|^cancell?ed$|defected", "bad"),
    (r"^y$|subscribed|^response$|^responded$|^converted$|^conversion$|^purchased$|^bought$", "good"),
    (r"^target$|^label$|^outcome$|^class$", None),
    (r"^((last_)?(call|contact)_)?duration$", None),  # known only after the call
)
#: Levels of a two-valued outcome that mean "it happened" (churned, attrited, ...), lower case.
_OUTCOME_YES = r"yes|true|churn|attrit|exit|left|cancel|subscri|respon|convert|bought|purchas|^1"
#: Names of a percentage (0..100), in the name as written (not snake_case: "(%)" is lost there).
_PERCENT_LABEL = r"%|percent|pct|prozent|درصد|نسبة|بالمئة"
_SIGNUP_NAME = (
    r"signup|sign_up|join|registr|since|dt_customer|customer_date|first_purchase|start_date|open_date|enrol|created"
)

#: Customer-level behaviour recognised by name: role -> pattern (checked in this order).
_BEHAVIOUR_NAMES = (
    ("recency_days", r"^recen|days_since_last|since_last_purchase|last_purchase_days"),
    ("discount_orders", r"deal|discounted_(purchases|orders)|num_?discount"),
    ("visits", r"visit|sessions?$|num_sessions"),
    ("campaign_responses", r"accepted|^response$|responded|^cmp|_cmp\d|campaign_\d+_(accepted|response)"),
    ("tenure_months", r"^tenure$|tenure_months|months_as_customer|months_on_book"),
    (
        "orders",
        r"^(num_?)?(orders|transactions)$|order_count|total_orders|purchases_trx|num_?purchases$|^purchases_count",
    ),
)
_CHANNEL_COUNT = re.compile(r"^(num_?)?(web|store|catalog|catalogue|app|online|mobile|shop)_?(purchases|orders)$")
_CHANNEL_NAMES = {"online": "web", "mobile": "app", "shop": "store", "catalogue": "catalog"}

#: Channel values (lower case, trimmed) that mean web, store or app in the data, in several languages.
CHANNEL_SYNONYMS = {
    "web": {
        "web",
        "website",
        "online",
        "internet",
        "e-commerce",
        "ecommerce",
        "webshop",
        "web shop",
        "site",
        "وب",
        "سایت",
        "اینترنت",
        "آنلاین",
        "انلاین",
        "ويب",
        "الموقع",
        "موقع",
        "الإنترنت",
        "اونلاين",
        "أونلاين",
    },
    "store": {
        "store",
        "shop",
        "in-store",
        "in store",
        "retail",
        "offline",
        "branch",
        "pos",
        "physical",
        "فروشگاه",
        "شعبه",
        "حضوری",
        "متجر",
        "المتجر",
        "فرع",
        "محل",
    },
    "app": {
        "app",
        "mobile",
        "application",
        "mobile app",
        "ios",
        "android",
        "اپلیکیشن",
        "اپ",
        "برنامه",
        "موبایل",
        "تطبيق",
        "التطبيق",
        "جوال",
        "موبايل",
    },
}


@dataclass
class Role:
    """What one column is."""

    column: str  # the column's name in the table (canonical or snake_case)
    label: str  # the column's name in the source, for readers
    kind: str  # see ``KINDS``
    lens: str
    how: str  # "given" or "guessed"
    why: str  # the evidence, in words
    behaviour: str | None = None  # a role of BEHAVIOUR_ROLES, or "channel:<name>"
    sentinel: float | None = None
    levels: list | None = None  # codes and categories: their levels; binary: the level flagged
    outcome: str | None = None  # outcomes: "good" / "bad" (a higher value is good / bad), "unknown"
    spike: dict | None = None  # a value far more frequent than its neighbours: value, share, gap

    def to_dict(self) -> dict:
        """The role as a dict, without the fields that are not set."""
        return {k: v for k, v in self.__dict__.items() if v is not None}


#: kind -> whether the column gives clustering features
KINDS = {
    "id": False,
    "ignore": False,
    "empty": False,
    "constant": False,
    "date": False,
    "signup": False,
    "text": False,  # text with too many values: shown in profiles (top values), not clustered
    "flag": True,
    "binary": True,
    "code": True,
    "category": True,
    "sentinel": True,
    "outcome": False,  # shown per segment as evidence; clustered only when segmentation.features names it
    "money": True,
    "share": True,
    "percent": True,
    "score": True,
    "count": True,
    "number": True,
}


class RolesError(ValueError):
    """A declared role names a column that is not there, or two roles claim one column."""


def readable(name: str) -> str:
    """A column's name for readers: 'MonthlyCharges' -> 'Monthly charges', 'purchases_trx' ->
    'Purchases trx', 'Annual Income (k$)' as it is; acronyms (ID, SMS) kept, except in a name written
    all in capitals ('PURCHASES_FREQUENCY' -> 'Purchases frequency', 'CUST_ID' -> 'Cust id').
    """
    text = str(name).strip()
    if " " not in text:
        shouting = text.upper() == text  # PURCHASES_FREQUENCY: a name in capitals, not acronyms
        text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", text.replace("_", " "))
        words = text.split()
        text = " ".join(w if (w.isupper() and len(w) > 1 and not shouting) else w.lower() for w in words)
    return text[:1].upper() + text[1:]


def resolve(name: str, columns: list[str], labels: dict[str, str], where: str) -> str:
    """The table column a parameter names: as in the table, in snake_case or by its source name."""
    from seglab.collection.sources import snake

    if name in columns:
        return name
    by_label = {v: k for k, v in labels.items()}
    for candidate in (snake(name), by_label.get(name)):
        if candidate and candidate in columns:
            return candidate
    close = difflib.get_close_matches(name, [*labels.values(), *columns], n=1, cutoff=0.5)
    raise RolesError(
        f"{where}: no column '{name}'"
        + (f"; did you mean '{close[0]}'?" if close else "")
        + f" Columns are {', '.join(labels.get(c, c) for c in columns)}."
    )


def _is_yes_no(values: set) -> bool:
    low = {str(v).strip().lower() for v in values}
    return len(low) == 2 and bool(low & _YES) and bool(low & _NO)


def to_flag(s: pd.Series) -> pd.Series:
    """yes/no, true/false, 1/0 (in several languages) as 1.0/0.0; anything else missing."""
    if pd.api.types.is_bool_dtype(s) or str(s.dtype) == "boolean":
        return s.astype("Float64").astype(float)
    low = s.astype("str").str.strip().str.lower()
    return low.map(lambda v: 1.0 if v in _YES else 0.0 if v in _NO else np.nan).astype(float)


#: A date written year first (ISO 8601 and its kin: 2010-12-01, 2010/12/01, 20101201, with or without
#: a time): it reads one way only, whatever order the other dates of its column are in.
YEAR_FIRST = re.compile(r"^\s*\d{4}(?:[-/.]\d{1,2}[-/.]\d{1,2}|\d{4})(?=$|[T\s])")
#: A date written day and month before the year (04/09/2024, 31-12-11): groups the two first numbers.
DAY_MONTH = re.compile(r"^\s*(\d{1,2})[-/.](\d{1,2})[-/.]\d{2,4}")


def to_datetime(text: pd.Series, dayfirst: bool, utc: bool = False) -> pd.Series:
    """Text to timestamps (unreadable: NaT), ``dayfirst`` applying to day/month texts (04/09/2024)
    only: a year-first date (:data:`YEAR_FIRST`) is read as written, never reordered (pandas with
    ``dayfirst`` reads 2010-12-01 as 12 January).
    """
    text = text.astype("string")
    year_first = text.str.match(YEAR_FIRST).fillna(False).to_numpy(dtype=bool)
    if not dayfirst or not year_first.any():
        return pd.to_datetime(text, errors="coerce", format="mixed", dayfirst=dayfirst, utc=utc)
    if year_first.all():
        return pd.to_datetime(text, errors="coerce", format="mixed", dayfirst=False, utc=utc)
    iso = pd.to_datetime(text[year_first], errors="coerce", format="mixed", dayfirst=False, utc=utc)
    rest = pd.to_datetime(text[~year_first], errors="coerce", format="mixed", dayfirst=True, utc=utc)
    if iso.dtype != rest.dtype and not utc:  # one part with a zone, the other without: compare in UTC
        return to_datetime(text, dayfirst, utc=True)
    return pd.concat([iso, rest]).reindex(text.index)


#: A text written like a date (two separators between numbers: 2012-04-09, 9/4/12, 09.04.2012).
DATE_SHAPED = r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}"


def _dates(s: pd.Series, shaped: int | None = None) -> pd.Series | None:
    """The column as dates when it is dates (or 95 % of its text parses as dates), else None.
    ``shaped``: how many of its values are written like dates (:data:`DATE_SHAPED`), when known.
    """
    if pd.api.types.is_datetime64_any_dtype(s):
        return s
    if pd.api.types.is_numeric_dtype(s):
        return None
    filled = int(s.notna().sum())
    if shaped is None:
        shaped = int(s.dropna().astype(str).str.contains(DATE_SHAPED).sum())
    if not filled or not shaped > 0.95 * filled:
        return None
    order = date_order(s)
    parsed = to_datetime(s, dayfirst=order != "monthfirst")
    return parsed if parsed.notna().sum() >= 0.95 * s.notna().sum() else None


def date_order(s: pd.Series) -> str | None:
    """Whether text dates such as 04-09-2012 are day first ("dayfirst") or month first
    ("monthfirst"), from the values that can only be read one way (a first number above 12 is a
    day); "mixed" when both kinds occur; None when every value reads both ways (or the dates are
    year first).
    """
    if pd.api.types.is_datetime64_any_dtype(s):
        return None
    parts = s.dropna().astype(str).str.extract(DAY_MONTH)
    parts = parts.dropna().astype(int)
    if parts.empty:
        return None
    day_first, month_first = bool((parts[0] > 12).any()), bool((parts[1] > 12).any())
    if day_first and month_first:
        return "mixed"
    return "dayfirst" if day_first else "monthfirst" if month_first else None


def parse_dates(s: pd.Series, dayfirst: bool) -> tuple[pd.Series, str]:
    """Text dates as timestamps, in the order the values themselves show (:func:`date_order`), else
    ``dayfirst``; and what was assumed, in words.
    """
    if pd.api.types.is_datetime64_any_dtype(s):
        return s.astype("datetime64[ns]"), ""
    order = date_order(s)
    if order == "mixed":
        raise RolesError(
            "some dates read only day first (a first number above 12) and others only month first: "
            "the column mixes both orders; fix the export or give the column in roles.ignore"
        )
    first = {"dayfirst": True, "monthfirst": False}.get(order, dayfirst)
    text = s.astype("string").str.strip()
    parsed = to_datetime(text, first).astype("datetime64[ns]")
    how = (
        N_("day first, as values such as 31-01 show")
        if order == "dayfirst"
        else N_("month first, as values such as 01-31 show")
        if order == "monthfirst"
        else (
            N_("day first (cleaning.dayfirst): every value reads both ways")
            if first
            else N_("month first (cleaning.dayfirst): every value reads both ways")
        )
    )
    return parsed, how


def _whole(v: pd.Series | np.ndarray) -> bool:
    a = _values(v)
    return bool(len(a)) and bool(np.all(np.mod(a, 1) == 0))


def _sentinel(v: pd.Series | np.ndarray) -> float | None:
    """A frequent out-of-range marker of a whole-number column: one negative value (-1, -99, -999)
    below otherwise non-negative values, or 999/9999 far above the rest.
    """
    a = _values(v)  # (numpy: thousands of columns each go through here)
    if len(a) < 10 or not np.all(np.mod(a, 1) == 0):
        return None
    neg = a[a < 0]
    if (
        len(neg)
        and np.all(neg == neg[0])
        and neg[0] in (-1, -9, -99, -999, -9999)
        and len(neg) >= 0.02 * len(a)
        and (a >= 0).any()
    ):
        return float(neg[0])
    for marker in (999, 9999, 99999):
        hit = a == marker
        rest = a[~hit]
        if hit.mean() >= 0.02 and len(rest) and rest.max() < marker / 3:
            return float(marker)
    return None


def _values(v: pd.Series | np.ndarray) -> np.ndarray:
    """The known values of a numeric column as floats (of an array: as they are, already known)."""
    return v if isinstance(v, np.ndarray) else v.dropna().to_numpy(dtype=float)


#: A spike: a value held by at least this share of the rows ...
SPIKE_SHARE = 0.05
#: ... at least this many times as often as any of its 5 nearest values ...
SPIKE_EXCESS = 5
#: ... outside the range of the other values, at a distance of at least this many times the
#: typical spacing of the 20 values nearest to it.
SPIKE_GAP = 3
#: ... the gap measured to where the others begin: all but their outermost 2 %.
SPIKE_EDGE = 0.02


def spike(v: pd.Series | np.ndarray, natural: frozenset[float] = frozenset()) -> dict | None:
    """A value far more frequent than its neighbours and apart from the rest (0 for a quarter of the
    customers when the next income is 15): what exports write for "unknown". Only the smallest and
    the largest value can be one (a spike inside the range is a common value). Returns the value,
    its share of the rows, the gap to the nearest other value and the range of the others; None when
    there is no such value. ``natural``: values that are natural bounds of the column (0 for spend
    or a count of behaviour: nothing bought; 0 and 1 for a share): a spike there is not one.
    """
    a = _values(v)
    values, counts = np.unique(a, return_counts=True)  # (numpy: thousands of columns each come here)
    if len(a) < 20 or len(values) < 6:
        return None
    ends = ((values[0], counts[0], values[1:], counts[1:]), (values[-1], counts[-1], values[-2::-1], counts[-2::-1]))
    for x0, c0, near_values, near_counts in ends:
        if c0 < max(10, SPIKE_SHARE * len(a)) or float(x0) in natural:
            continue
        if c0 < SPIKE_EXCESS * int(near_counts[:5].max()):  # not far more frequent than its neighbours
            continue
        spacing = float(np.median(np.abs(np.diff(near_values[:20]))))
        rest = a[a != x0]
        # far from the rest: from where the others begin (all but their outermost 2 %: a few stray
        # values beside a marker, such as credit limits of 50 beside a quarter at 0, are no bridge)
        edge = float(np.quantile(rest, SPIKE_EDGE if x0 < rest.min() else 1 - SPIKE_EDGE))
        gap = float(abs(edge - x0))
        if gap > SPIKE_GAP * spacing:
            return {
                "value": float(x0),
                "share": round(int(c0) / len(a), 4),
                "gap": gap,
                "low": float(rest.min()),
                "high": float(rest.max()),
            }
    return None


def _text_role(v: pd.Series, distinct: int, guess) -> Role:
    """The role of a text column with more than one value: a category, or wide text."""
    if distinct <= MAX_LEVELS:
        return guess(
            "category",
            i18n.Note.of(N_("text with %(n)s values: one 0/1 column per value"), n=distinct),
            levels=sorted(v.astype(str).unique()),
        )
    return guess(
        "text",
        i18n.Note.of(
            N_(
                "text with %(n)s values (more than %(max)s): its most frequent values are shown per segment, it is not "
                "clustered on"
            ),
            n=distinct,
            max=MAX_LEVELS,
        ),
    )


#: Names of amounts and counts of behaviour, where 0 is natural (nothing bought, no visit); not
#: levels such as a price, monthly charges, a limit or an income, where 0 is implausible.
_ZERO_IS_NATURAL = (
    r"spend|sales|revenue|amount|purchases?|payments?|balance|advance|^mnt|_mnt|mnt_|monetary|turnover|orders?|"
    r"count|num|trx|visits?|sessions?|deals?|accepted|recency|days|clicks?|opens?|returns?|qty|quantity|items|"
    r"units|calls?|complain|children|kids?|kidhome|teenhome|dependents"
)


def _natural_bounds(name: str, v: pd.Series | np.ndarray) -> frozenset[float]:
    """The values a column reaches naturally, where a spike is not a marker: 0 for spend or a count
    of behaviour (nothing bought, no visit), 0 and 1 for a share, 0 and 100 for a percentage.
    """
    bounds = {0.0} if re.search(_ZERO_IS_NATURAL, name) else set()
    a = v if isinstance(v, np.ndarray) else v.to_numpy(dtype=float, na_value=np.nan)
    if np.all((a >= 0) & (a <= 1)):
        bounds |= {0.0, 1.0}
    elif np.all((a >= 0) & (a <= 100)) and np.nanmax(a, initial=-np.inf) == 100:
        bounds |= {0.0, 100.0}
    return frozenset(bounds)


def _marker_role(name: str, lens: str, a: np.ndarray, guess) -> Role | None:
    """A number with a marker: a known "never" marker (-1, 999...) or a spike far from the rest
    (read as unknown); None when there is neither. ``a``: the column's known values.
    """
    marker = _sentinel(a)
    if marker is not None:
        share = float((a == marker).mean())
        return guess(
            "sentinel",
            i18n.Note.of(
                N_(
                    "%(marker)s in %(share)s of rows, outside the range of the other values (%(low)s "
                    "to %(high)s): read "
                    "as 'never / not applicable', kept as a 0/1 column beside the number"
                ),
                marker=i18n.as_g(marker),
                share=i18n.as_percent(share),
                low=i18n.as_g(a[a != marker].min()),
                high=i18n.as_g(a[a != marker].max()),
            ),
            sentinel=marker,
        )
    found = spike(a, _natural_bounds(name, a))
    if found is None:
        return None
    return guess(
        "sentinel",
        i18n.Note.of(
            N_(
                "%(value)s in %(share)s of rows, far more often than any value near it and apart from the other values "
                "(%(low)s to %(high)s): read as 'unknown', kept as a 0/1 column beside the number"
            ),
            value=i18n.as_g(found["value"]),
            share=i18n.as_percent(found["share"]),
            low=i18n.as_g(found["low"]),
            high=i18n.as_g(found["high"]),
        ),
        sentinel=found["value"],
        spike=found,
    )


def _numeric_role(name: str, label: str, lens: str, v: pd.Series, distinct: int, guess, written: dict) -> Role:
    """The role of a numeric column that is neither an id nor a flag: a code, a sentinel, a
    score, a percentage, a share, money, a count or a plain number. ``v``: its known values.
    """
    a = v.to_numpy(dtype=float)  # read once (numpy: thousands of columns each come here)
    whole, low, high = _whole(a), a.min(), a.max()
    if whole and distinct <= MAX_LEVELS and re.search(_CODE_NAME, name) and low >= 0:
        return guess(
            "code",
            i18n.Note.of(
                N_("whole numbers with %(n)s values in a column named like a code: categories, never high or low"),
                n=distinct,
            ),
            levels=sorted(v.unique().tolist()),
        )
    marked = _marker_role(name, lens, a, guess)
    if marked is not None:
        return marked
    if re.search(_SCORE_NAME, name) or re.search(r"\(\d+\s*-\s*\d+\)", label):
        return guess(
            "score",
            i18n.Note.of(
                N_("a score (%(low)s to %(high)s): a number, never money"), low=i18n.as_g(low), high=i18n.as_g(high)
            ),
        )
    if (written.get("percent") or re.search(_PERCENT_LABEL, label, re.I)) and low >= 0 and high <= 100:
        return guess(
            "percent",
            N_("values in 0..100 named or written as a percentage: a share, never money")
            if not written.get("percent")
            else i18n.Note.of(
                N_("values written as percentages (e.g. %(example)s): a share, never money"),
                example=written.get("example", ""),
            ),
        )
    if low >= 0 and high <= 1 and re.search(_SHARE_NAME, name):
        return guess("share", N_("values in 0..1 named like a rate or share: a share, never money"))
    named = re.search(_MONEY_NAME, name) or written.get("currency")
    if named and not re.search(_NOT_MONEY_NAME, name) and low >= 0 and lens == "behavioural":
        return guess(
            "money",
            N_("non-negative amounts named like money")
            if not written.get("currency")
            else i18n.Note.of(
                N_("non-negative amounts written with a currency (e.g. %(example)s)"), example=written["example"]
            ),
        )
    if whole and low >= 0:
        return guess("count", N_("whole non-negative numbers: a count or amount"))
    return guess("number", N_("numbers, used as they are"))


def outcome_direction(name: str) -> str | None:
    """Whether a column named ``name`` (snake_case) is an outcome, and which way is good for the
    business: "good", "bad", "unknown"; None when the name is not an outcome's.
    """
    for pattern, direction in _OUTCOME_NAMES:
        if re.search(pattern, name.lower()):
            return direction or "unknown"
    return None


_CUSTOMER_WORDS = r"cust|client|member|user|account|kunde|subscriber|مشتری|عميل|عضو|مشترک"


def identifier(df: pd.DataFrame) -> str | None:
    """The column of a customer table that identifies its customers, when no column is mapped to
    ``customer_id``: named like an identifier in any case or language (``CUST_ID``, ``Customer ID``,
    ``kunden_nr``, ``شناسه مشتری``; snake_case names) and holding a different value in every row
    (at least 95 % of rows filled, at least 20 rows). A name with a customer word wins; None when no
    column qualifies.
    """
    found = []
    for c in df.columns:
        if c == "source_row" or not re.search(_ID_NAME, c.lower()):
            continue
        v = df[c].dropna()
        if len(v) >= 20 and len(v) >= 0.95 * len(df) and v.astype(str).str.strip().nunique() == len(v):
            found.append(c)
    found.sort(key=lambda c: not re.search(_CUSTOMER_WORDS, c.lower()))  # stable: first customer-named column
    return found[0] if found else None


def _outcome_level(v: pd.Series) -> list | None:
    """The level of a two-valued outcome that means "it happened" (yes, churned, attrited...; else the
    rarer one); None for an outcome with more values (a number).
    """
    v = v.dropna()
    if v.nunique() != 2:
        return None
    values = sorted(v.unique(), key=str)
    yes = [x for x in values if re.search(_OUTCOME_YES, str(x).strip().lower())]
    return [yes[0] if len(yes) == 1 else v.value_counts().sort_index().sort_values(kind="mergesort").index[0]]


def _outcome_role(name: str, v: pd.Series, numeric: bool, guess) -> Role | None:
    """An outcome column (churn, a campaign's answer, a call's duration) recognised by its name: known
    only after the fact, so never clustered on (unless segmentation.features names it); None otherwise.
    """
    direction = outcome_direction(name)
    if direction is None:
        return None
    level = _outcome_level(v)
    if level is None and not numeric:
        return None
    why = (
        N_(
            "named like an outcome (known only after the fact): its rate is shown per segment, clustered on only "
            "when segmentation.features names it"
        )
        if level is not None
        else N_(
            "named like an outcome (known only after the fact): its mean is shown per segment, clustered on only "
            "when segmentation.features names it"
        )
    )
    return guess("outcome", why, levels=level, outcome=direction, lens="outcome")


def _date_id_or_outcome(name: str, s: pd.Series, v: pd.Series, numeric: bool, guess, shaped: int | None) -> Role | None:
    """A column of dates, an identifier or an outcome (before anything is read into its values)."""
    if _dates(s, shaped) is not None:
        if re.search(_SIGNUP_NAME, name):
            return guess("signup", N_("dates named like a join date: tenure counts from them"))
        return guess("date", N_("dates: not a feature"))
    if v.nunique() == len(v) and len(v) >= 20 and (re.search(_ID_NAME, name) or not numeric):
        return guess(
            "id",
            N_("a different value in every row and named like an identifier: not a feature")
            if re.search(_ID_NAME, name)
            else N_("text with a different value in every row: not a feature"),
        )
    return _outcome_role(name, v, numeric, guess)


def _column_role(
    col: str, s: pd.Series, label: str, lens: str, table: str, written: dict | None = None, shaped: int | None = None
) -> Role:
    """The inferred role of one column (see the module doc). ``shaped``: how many of its values are
    written like dates, when known.
    """
    name = col.lower()
    v = s.dropna()

    def guess(kind: str, why: str, **kw) -> Role:
        return Role(col, label, kind, kw.pop("lens", lens), "guessed", why, **kw)

    if v.empty:
        return guess("empty", N_("no value in any row"))
    distinct = v.nunique()
    if distinct == 1:
        return guess(
            "constant",
            i18n.Note.of(
                N_("the same value (%(value)s) for every customer: it cannot tell customers apart"), value=v.iloc[0]
            ),
        )
    numeric = pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
    first = _date_id_or_outcome(name, s, v, numeric, guess, shaped)
    if first is not None:
        return first
    if distinct == 2 and (_is_yes_no(set(v.unique())) or pd.api.types.is_bool_dtype(s)):
        return guess("flag", N_("two values that read as yes/no: a 0/1 flag"))
    if distinct == 2 and not numeric:
        rare = v.value_counts().sort_index().sort_values(kind="mergesort").index[0]
        return guess(
            "binary",
            i18n.Note.of(
                N_("two values (%(values)s): one 0/1 column for '%(rare)s'"),
                values=[str(x) for x in sorted(v.unique(), key=str)],
                rare=rare,
            ),
            levels=[rare],
        )
    if not numeric:
        return _text_role(v, distinct, guess)
    return _numeric_role(name, label, lens, v, distinct, guess, written or {})


@dataclass
class Inferred:
    """The roles of a table's columns, its value basis and what was assumed."""

    roles: dict[str, Role]
    value: dict  # {"columns": [...], "how": "given"|"guessed"|"unknown", "why": str}
    spend: list[str]
    behaviour: dict[str, list[str]]  # behaviour role -> columns
    channels: dict[str, str]  # channel -> count column
    assumptions: list[dict]


def _key(table: str, field: str) -> str:
    return f"source.tables.{table}.roles.{field}"


class _Declared:
    """The roles the parameters give (``roles.*`` of a table), checked: a column given two roles
    stops the run.
    """

    def __init__(
        self, df: pd.DataFrame, lenses: dict[str, dict], labels: dict[str, str], table: str, written: dict | None
    ):
        self.df, self.lenses, self.labels = df, lenses, labels
        self.written = written or {}  # column -> how its numbers were written (seglab.collection.amounts.Written)
        self.cols = [c for c in df.columns if c not in ("customer_id", "source_row")]
        self.where = _key(table, "")[:-1]
        self.roles: dict[str, Role] = {}

    def label(self, c: str) -> str:
        return self.labels.get(c, c)

    def res(self, name: str, field: str) -> str:
        return resolve(name, self.cols, self.labels, f"{self.where}.{field}")

    def give(self, c: str, kind: str, why: str, **kw) -> None:
        roles = self.roles
        if c in roles and roles[c].how == "given" and roles[c].kind != kind:
            raise RolesError(f"{self.where}: column '{self.label(c)}' is given two roles ({roles[c].kind} and {kind})")
        lens = kw.pop("lens", None) or self.lenses.get(c, {}).get("lens", "behavioural")
        roles[c] = Role(c, self.label(c), kind, lens, "given", why, **kw)

    def given_sentinel(self, c: str, marker: float) -> None:
        """A declared marker: unknown when it is the spike the data show (as the guess read it),
        else never / not applicable.
        """
        v = pd.to_numeric(self.df[c], errors="coerce")
        found = spike(v, _natural_bounds(c.lower(), v.dropna()))
        if found and found["value"] == marker:
            why = i18n.Note.of(
                N_("given: %(marker)s means unknown (%(share)s of the rows, apart from the other values)"),
                marker=i18n.as_g(marker),
                share=i18n.as_percent(found["share"]),
            )
            self.give(c, "sentinel", why, sentinel=marker, spike=found)
            return
        self.give(
            c,
            "sentinel",
            i18n.Note.of(N_("given: %(marker)s means never / not applicable"), marker=i18n.as_g(marker)),
            sentinel=marker,
        )

    def plain(self, declared: Roles) -> tuple[list[str], list[str]]:
        """Value, spend, flags, codes, sentinels, dates and left-out columns; the value and spend columns."""
        value = [self.res(n, "value") for n in declared.value]
        spend = [self.res(n, "spend") for n in declared.spend]
        for c in value + spend:
            why = N_("given as customer value") if c in value else N_("given as spend per category")
            v = pd.to_numeric(self.df[c], errors="coerce")
            self.give(c, "money", why, lens="behavioural", spike=spike(v, _natural_bounds(c.lower(), v.dropna())))
        for n in declared.flags:
            self.give(self.res(n, "flags"), "flag", N_("given as a yes/no flag"))
        for n in declared.codes:
            c = self.res(n, "codes")
            levels = sorted(self.df[c].dropna().unique().tolist())
            self.give(c, "code", N_("given as a code (categories stored as numbers)"), levels=levels)
        for n, marker in declared.sentinels.items():
            self.given_sentinel(self.res(n, "sentinels"), float(marker))
        if declared.signup:
            self.give(
                self.res(declared.signup, "signup"), "signup", N_("given as the join date: tenure counts from it")
            )
        for n in declared.dates:
            self.give(self.res(n, "dates"), "date", N_("given as a date: not a feature"))
        for n in declared.numbers:
            self.give(self.res(n, "numbers"), "number", N_("given as a plain number: every value is real"))
        for n in declared.outcomes:
            c = self.res(n, "outcomes")
            self.give(
                c,
                "outcome",
                N_("given as an outcome: shown per segment, never clustered unless segmentation.features names it"),
                lens="outcome",
                outcome=outcome_direction(c) or "unknown",
                levels=_outcome_level(self.df[c]),
            )
        for n in declared.ignore:
            self.give(self.res(n, "ignore"), "ignore", N_("left out (roles.ignore)"))
        return value, spend

    def behaviour(self, declared: Roles) -> tuple[dict[str, list[str]], dict[str, str]]:
        """The behaviour and channel columns given; by role, and by channel."""
        behaviour: dict[str, list[str]] = {}
        for role, names in declared.behaviour.items():
            behaviour[role] = [self.res(n, f"behaviour.{role}") for n in ([names] if isinstance(names, str) else names)]
            for c in behaviour[role]:
                if c in self.roles:
                    self.roles[c].behaviour = role
                    continue
                kind = "count" if role != "campaign_responses" else "flag"
                self.give(
                    c,
                    kind,
                    i18n.Note.of(N_("given as %(role)s"), role=i18n.as_term(BEHAVIOUR_ROLES[role])),
                    lens="behavioural",
                    behaviour=role,
                )
        channels = {ch: self.res(n, f"channels.{ch}") for ch, n in declared.channels.items()}
        for ch, c in channels.items():
            self.give(
                c,
                "count",
                i18n.Note.of(N_("given as purchases on the %(channel)s channel"), channel=i18n.as_term(ch)),
                lens="behavioural",
                behaviour=f"channel:{ch}",
            )
        return behaviour, channels

    def guess_the_rest(self, table: str) -> None:
        """The role of every column not given, from its name and values."""
        text = [c for c in self.cols if c not in self.roles and pd.api.types.is_string_dtype(self.df[c])]
        shaped = count_at_once(self.df, text, lambda t: t.str.contains(DATE_SHAPED, regex=True, na=False))
        for c in self.cols:
            if c in self.roles:
                continue
            if c == "signup_date":
                self.roles[c] = Role(
                    c, self.label(c), "signup", "behavioural", "given", N_("the join date (signup_date)")
                )
            elif c in ("email_opt_in", "sms_opt_in"):
                self.roles[c] = Role(
                    c, self.label(c), "flag", "contactability", "given", N_("a contact permission (yes/no)")
                )
            else:
                lens = self.lenses.get(c, {}).get("lens", "behavioural")
                self.roles[c] = _column_role(
                    c, self.df[c], self.label(c), lens, table, self.written.get(c), shaped.get(c)
                )


def _behaviour_role(name: str, r: Role, declared: Roles, behaviour: dict[str, list[str]]) -> str | None:
    """The behaviour a customer-level column is named like (deal purchases, visits, ...), if any."""
    for role, pattern in _BEHAVIOUR_NAMES:
        if role in declared.behaviour or not re.search(pattern, name):
            continue
        if role == "campaign_responses" and r.kind != "flag":
            continue
        if role != "campaign_responses" and r.kind not in ("count", "number", "share"):
            continue
        if role in ("recency_days", "tenure_months", "orders", "visits") and role in behaviour:
            continue  # one column each
        return role
    return None


def _behaviour_by_name(
    roles: dict[str, Role], declared: Roles, behaviour: dict[str, list[str]], channels: dict[str, str]
) -> None:
    """A customer-level source's behaviour recognised by column names (channel purchases,
    deal purchases, visits, ...), added to ``behaviour`` and ``channels``.
    """
    taken = {c for cs in behaviour.values() for c in cs} | set(channels.values())
    for c, r in roles.items():
        if r.how == "given" or c in taken or not KINDS[r.kind] or r.kind in ("code", "category", "binary"):
            continue
        name = c.lower()
        m = _CHANNEL_COUNT.match(name)
        if m and r.kind in ("count", "number") and not declared.channels:
            ch = _CHANNEL_NAMES.get(m.group(2), m.group(2))
            channels.setdefault(ch, c)
            r.behaviour, r.lens = f"channel:{ch}", "behavioural"
            r.why = i18n.Note.of(
                N_("named like purchases on the %(channel)s channel: gives the channel shares"),
                channel=i18n.as_term(ch),
            )
            continue
        role = _behaviour_role(name, r, declared, behaviour)
        if role is not None:
            behaviour.setdefault(role, []).append(c)
            r.behaviour, r.lens = role, "behavioural"
            r.why = i18n.Note.of(N_("named like %(role)s"), role=i18n.as_term(BEHAVIOUR_ROLES.get(role, role)))


def _value_basis(
    df: pd.DataFrame, roles: dict[str, Role], table: str, value: list[str], spend: list[str], customer_level: bool
) -> tuple[dict, list[str]]:
    """What customer value is (given, the sum of the spend, guessed or unknown) and the spend columns."""
    if value:
        info = {"columns": value, "how": "given", "why": "roles.value"}
    elif spend:
        info = {"columns": spend, "how": "given", "why": N_("the sum of roles.spend")}
    else:
        info = _guess_value(df, roles, table)
        if info["how"] == "guessed" and len(info["columns"]) > 1 and info.get("family"):
            spend = list(info["columns"])
    for c in info["columns"]:
        roles[c].kind = "money"
    if not customer_level:
        info = {"columns": [], "how": "transactions", "why": N_("net revenue of the order lines")}
    return info, spend


def _given_spike(r: Role, table: str) -> dict:
    """A column given as money holding a spike far from its other values: kept as given, and said."""
    values = {
        "value": _g(r.spike["value"]),
        "share": i18n.percent(r.spike["share"]),
        "low": _g(r.spike["low"]),
        "high": _g(r.spike["high"]),
    }
    return {
        "stage": "01",
        "subject": r.label,
        "assumed": i18n.Note.of(N_("money as given; %(value)s in %(share)s of rows may mean unknown"), **values),
        "why": i18n.Note.of(
            N_("%(value)s is far more frequent than any value near it and apart from the others (%(low)s to %(high)s)"),
            **values,
        ),
        "change": i18n.Note.of(N_("if %(value)s means unknown, leave those cells empty in the export"), **values),
    }


def _assumptions(roles: dict[str, Role], value_info: dict, table: str, customer_level: bool) -> list[dict]:
    """Every guess with the line that changes it; the customer value first."""
    out = []
    for r in roles.values():
        if r.how == "given":
            if r.spike:  # given as money, with a value that looks like "unknown": said, kept as given
                out.append(_given_spike(r, table))
            continue
        change = _change(r, table)
        if r.behaviour:
            change = (
                f"{_key(table, 'behaviour')}: {{...}}  (name the column of each behaviour yourself)"
                if not r.behaviour.startswith("channel:")
                else f"{_key(table, 'channels')}: {{...}}"
            )
        out.append({"stage": "01", "subject": r.label, "assumed": _kind_text(r), "why": r.why, "change": change})
    if customer_level and value_info["how"] in ("unknown", "guessed"):
        unknown = value_info["how"] == "unknown"
        out.insert(
            0,
            {
                "stage": "01",
                "subject": N_("customer value"),
                "assumed": N_("unknown") if unknown else " + ".join(roles[c].label for c in value_info["columns"]),
                "why": value_info["why"],
                "change": f"{_key(table, 'value')}: "
                + ("[<the column(s) of spend or revenue>]" if unknown else "[...]"),
            },
        )
    return out


def infer(
    df: pd.DataFrame,
    declared: Roles,
    lenses: dict[str, dict],
    labels: dict[str, str],
    table: str,
    customer_level: bool,
    written: dict | None = None,
) -> Inferred:
    """Roles of every column of a customers or survey table (``lenses``: column -> {lens, guessed}
    from :func:`seglab.collection.collect.lens_map`; ``labels``: column -> its name in the source;
    ``written``: column -> how its numbers were written as text, from stage 01's reading).
    """
    given = _Declared(df, lenses, labels, table, written)
    value, spend = given.plain(declared)
    behaviour, channels = given.behaviour(declared)
    given.guess_the_rest(table)
    roles = given.roles
    if customer_level:  # behaviour recognised by name
        _behaviour_by_name(roles, declared, behaviour, channels)
    value_info, spend = _value_basis(df, roles, table, value, spend, customer_level)
    return Inferred(
        roles, value_info, spend, behaviour, channels, _assumptions(roles, value_info, table, customer_level)
    )


#: Per kind of column: the role key that changes the guess, and the line's value and comment
#: (``{col}`` is the column, ``{sentinel}`` its missing-value marker).
_CHANGES = {
    "empty": ("ignore", "[{col}]"),
    "binary": ("ignore", "[{col}]"),
    "category": ("ignore", "[{col}]"),
    "text": ("ignore", "[{col}]"),
    "signup": ("dates", "[{col}]"),
    "date": ("signup", "{col}"),
    "flag": ("codes", "[{col}]"),
    "code": ("behaviour", "{{orders: {col}}}"),
    "sentinel": ("sentinels", "{{{col}: {sentinel:g}}}"),
    "score": ("value", "[{col}]"),
    "percent": ("value", "[{col}]"),
    "money": ("value", "[...]"),
    "outcome": ("numbers", "[{col}]"),
}
IF_A_CODE = N_("(if it is a code)")
#: What each parameter line of :data:`_CHANGES` does, for the reader.
_CHANGE_COMMENTS = {
    "empty": N_("(to leave it out)"),
    "binary": N_("(to leave it out)"),
    "category": N_("(to leave it out)"),
    "text": N_("(to leave it out)"),
    "signup": N_("(if it is not the join date)"),
    "date": N_("(if it is the join date)"),
    "flag": N_("(if it is a category)"),
    "code": N_("(if it is a count, not a code)"),
    "sentinel": N_("(or roles.ignore: [%(col)s])"),
    "score": N_("(only if it is money)"),
    "percent": N_("(only if it is money)"),
    "money": N_("(the columns that are customer value)"),
    "outcome": N_("(if it is behaviour, not an outcome: it is then clustered on)"),
}
#: The line of a spike read as unknown, for a reader who knows the value is real.
SPIKE_IS_REAL = N_(
    "(if %(value)s is a real value; roles.sentinels: {%(col)s: %(value)s} says that it means unknown or never)"
)


def _change(r: Role, table: str) -> i18n.Note | str:
    """The parameter line that changes what was assumed about a column, with what it does (a note)."""
    if r.kind == "constant":
        return N_("nothing to change: it cannot tell customers apart")
    if r.kind == "id":
        return changed_by(f"source.tables.{table}.columns.customer_id: {r.label}", N_("(if it is the customer id)"))
    if r.spike:
        comment = i18n.Note.of(SPIKE_IS_REAL, value=f"{r.spike['value']:g}", col=r.label)
        return changed_by(f"{_key(table, 'numbers')}: [{r.label}]", comment)
    if r.kind == "outcome" and r.levels:
        return changed_by(f"{_key(table, 'flags')}: [{r.label}]", _CHANGE_COMMENTS["outcome"])
    key, line = _CHANGES.get(r.kind, ("codes", "[{col}]"))
    value = line.format(col=r.label, sentinel=r.sentinel if r.sentinel is not None else 0)
    comment = _CHANGE_COMMENTS.get(r.kind, IF_A_CODE)
    return changed_by(
        f"{_key(table, key)}: {value}", i18n.Note.of(comment, col=r.label) if "%(col)s" in comment else comment
    )


def changed_by(line: str, comment) -> i18n.Note:
    """A parameter line and, after it, what it does (a message id or a note) for the reader."""
    return i18n.Note.of(N_("%(line)s  %(comment)s"), line=line, comment=i18n.worded(comment))


def _kind_text(r: Role) -> i18n.Note:
    """What a column was taken to be, with its lens (a note)."""
    if r.kind == "binary":
        base = i18n.Note.of(N_("a 0/1 column for '%(level)s'"), level=(r.levels or [""])[0])
    elif r.kind == "sentinel":
        marker = i18n.as_g(r.sentinel or 0)
        base = i18n.Note.of(
            N_("a number with %(marker)s = unknown") if r.spike else N_("a number with %(marker)s = never"),
            marker=marker,
        )
    elif r.kind == "outcome":
        base = i18n.as_term(OUTCOME_TEXT[r.outcome or "unknown"])
        if r.levels:
            level = i18n.Note.of(N_("('%(level)s' = 1)"), level=r.levels[0])
            base = i18n.Note.of(N_("%(first)s %(second)s"), first=base, second=level)
    else:
        base = i18n.as_term(KIND_TEXT[r.kind])
    if r.behaviour:
        base = (
            i18n.Note.of(N_("purchases on the %(channel)s channel"), channel=i18n.as_term(r.behaviour.split(":")[1]))
            if r.behaviour.startswith("channel:")
            else i18n.as_term(BEHAVIOUR_ROLES.get(r.behaviour, r.behaviour))
        )
    return i18n.Note.of(N_("%(what)s (%(lens)s)"), what=base, lens=i18n.as_term(r.lens))


#: What a column of each kind is taken to be (binary and sentinel columns say their value).
KIND_TEXT = {
    "constant": N_("left out (constant)"),
    "empty": N_("left out (empty)"),
    "id": N_("an identifier, left out"),
    "signup": N_("the join date"),
    "date": N_("a date, not a feature"),
    "flag": N_("a yes/no flag"),
    "category": N_("a category"),
    "text": N_("text, profiled only"),
    "code": N_("a code (category)"),
    "score": N_("a score (not money)"),
    "share": N_("a share 0..1 (not money)"),
    "percent": N_("a percentage 0..100 (not money)"),
    "money": N_("money"),
    "count": N_("a count or amount"),
    "number": N_("a number"),
    "ignore": N_("left out"),
}


#: What an outcome is taken to be, by the way that is good for the business.
OUTCOME_TEXT = {
    "good": N_("an outcome (higher is better), not clustered"),
    "bad": N_("an outcome (higher is worse), not clustered"),
    "unknown": N_("an outcome, not clustered"),
}


def _g(v) -> str:
    """A number as Python's ``:g`` writes it, in the reader's digits."""
    return i18n.digits(f"{float(v):g}")


def _guess_value(df: pd.DataFrame, roles: dict[str, Role], table: str) -> dict:
    money = [c for c, r in roles.items() if r.kind == "money" and r.lens == "behavioural"]
    if not money:
        return {"columns": [], "how": "unknown", "why": _no_value_why(df, roles)}
    totals = [c for c in money if re.search(_TOTAL_NAME, c.lower())]
    if len(totals) == 1:
        return {
            "columns": totals,
            "how": "guessed",
            "why": i18n.Note.of(N_("the money column named as a total (of %(n)s)"), n=len(money)),
        }
    x = df[money].astype(float)
    if len(money) <= 12:
        for c in money:
            others = [o for o in money if o != c]
            for k in range(2, min(4, len(others)) + 1):
                for parts in itertools.combinations(others, k):
                    close = np.isclose(x[c], x[list(parts)].sum(axis=1), rtol=0.01, atol=1.0)
                    if close.mean() >= 0.95 and (x[c] > 0).mean() > 0.05:
                        return {
                            "columns": [c],
                            "how": "guessed",
                            "why": i18n.Note.of(
                                N_("it is the sum of %(parts)s in %(share)s of rows"),
                                parts=" + ".join(roles[p].label for p in parts),
                                share=i18n.as_percent(close.mean()),
                            ),
                        }
    family = _family(money)
    if family:
        return {
            "columns": family,
            "how": "guessed",
            "family": True,
            "why": i18n.Note.of(N_("the sum of %(n)s spend columns of one family (spend per category)"), n=len(family)),
        }
    if len(money) == 1:
        return {"columns": money, "how": "guessed", "why": N_("the only column named like money")}
    return {
        "columns": [],
        "how": "unknown",
        "why": i18n.Note.of(
            N_("several money columns (%(columns)s) and none is their total: say which is customer value"),
            columns=[roles[c].label for c in money],
        ),
    }


def _no_value_why(df: pd.DataFrame, roles: dict[str, Role]) -> str:
    """Why no column is the customer value: none is named like money, or those that are cannot be
    spend (negative values, text, a lens other than behaviour), or they are scores or shares.
    """
    named = [c for c, r in roles.items() if re.search(_MONEY_NAME, c.lower()) and r.kind not in ("money", "constant")]
    scores = [r.label for c, r in roles.items() if r.kind in ("score", "share", "percent") and c not in named]
    reasons = []
    for c in named:
        r = roles[c]
        v = df[c]
        why = (
            N_("not numbers")
            if not pd.api.types.is_numeric_dtype(v)
            else N_("negative values")
            if (v < 0).any()
            else N_("a score or a share")
            if r.kind in ("score", "share", "percent")
            else r.lens
            if r.lens != "behavioural"
            else KIND_TEXT.get(r.kind, r.kind)
        )
        reasons.append(i18n.Note.of(N_("%(first)s (%(second)s)"), first=r.label, second=i18n.as_term(why)))
    out = (
        i18n.Note.of(N_("the columns named like money cannot be customer spend: %(columns)s"), columns=reasons)
        if reasons
        else N_("no column is named like spend, revenue, sales, amount, value or charges")
    )
    if scores:
        more = i18n.Note.of(N_("(%(columns)s are scores or shares, not money)"), columns=scores)
        out = i18n.Note.of(N_("%(first)s %(second)s"), first=i18n.worded(out), second=more)
    return out


def _family(columns: list[str]) -> list[str]:
    """Columns sharing a name prefix of 3+ letters (mnt_wines, mnt_fruits; spend_toys, spend_garden), at least 2."""
    if len(columns) < 2:
        return []
    groups: dict[str, list[str]] = {}
    for c in columns:
        m = re.match(r"([a-z]{3,}?)(_|(?=[a-z]))", c.lower())
        head = c.lower().split("_")[0] if "_" in c else c.lower()[:3]
        groups.setdefault(m.group(1) if m and "_" not in c else head, []).append(c)
    best = max(groups.values(), key=len)
    prefix = os.path.commonprefix(best)
    return best if len(best) >= 2 and len(prefix) >= 3 else []


def channel_value(value: str, mapping: dict[str, str]) -> str | None:
    """Web / store / app (or a name given in ``mapping``) for a channel value as written in the data;
    None when it is neither mapped nor a known synonym.
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip()
    if text in mapping:
        return mapping[text]
    low = text.lower()
    for k, v in mapping.items():
        if k.strip().lower() == low:
            return v
    low = low.translate(SAME_LETTERS)  # (whatever cleaning.letters wrote)
    for channel, words in CHANNEL_SYNONYMS.items():
        if low in {w.translate(SAME_LETTERS) for w in words}:
            return channel
    return None
