"""The roles a column can have, the words of column names that suggest them, and where a role is
declared.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

MAX_LEVELS = 12

YES_WORDS = {"yes", "y", "true", "t", "1", "1.0", "si", "oui", "ja", "بله", "نعم", "آری"}
NO_WORDS = {"no", "n", "false", "f", "0", "0.0", "non", "nein", "خیر", "لا", "نه"}
CODE_NAME = (
    r"(^|_)(type|code|class|group|segment|channel|region|zone|category|status|education|level|area|cluster|kind"
    r"|tier|grade_code)(_|$)"
)
MONEY_NAME = (
    r"spend|revenue|sales|amount|monetary|value|turnover|charges?|payments?|purchases$|^purchases|price|"
    r"fee|premium|^mnt|_mnt|mnt_|balance|cash_advance|income_from"
)
NOT_MONEY_NAME = (
    r"income|salary|wage|limit|score|rating|frequen|rate$|ratio|share|pct|percent|prc|trx|count|num_|^num|quantity"
)
TOTAL_NAME = r"total|lifetime|overall|sum|all_time|cumulative|ltv|clv"
SHARE_NAME = r"rate|share|ratio|frequen|pct|percent|prc|proportion"
SCORE_NAME = r"score|rating|rank|grade|stars|nps|\d+_\d+$"
ID_NAME = r"(^|_)(id|uuid|key|number|no|nr|nummer|num)$|^id_|identifier|kennung|شناسه|معرف|رقم_|_رقم|کد_مشتری"
#: Outcome columns (known only after the fact: the answer to a campaign, a churn, a call's
#: duration): name pattern -> whether a higher value is good or bad for the business (None: unknown).
OUTCOME_NAMES = (
    (r"churn|attrition|attrited|^exited$|^left$|^cancell?ed$|defected", "bad"),
    (r"^y$|subscribed|^response$|^responded$|^converted$|^conversion$|^purchased$|^bought$", "good"),
    (r"^target$|^label$|^outcome$|^class$", None),
    (r"^((last_)?(call|contact)_)?duration$", None),  # known only after the call
)
#: Levels of a two-valued outcome that mean "it happened" (churned, attrited, ...), lower case.
OUTCOME_YES = r"yes|true|churn|attrit|exit|left|cancel|subscri|respon|convert|bought|purchas|^1"
#: Names of a percentage (0..100), in the name as written (not snake_case: "(%)" is lost there).
PERCENT_LABEL = r"%|percent|pct|prozent|درصد|نسبة|بالمئة"
SIGNUP_NAME = (
    r"signup|sign_up|join|registr|since|dt_customer|customer_date|first_purchase|start_date|open_date|enrol|created"
)

#: Customer-level behaviour recognised by name: role -> pattern (checked in this order).
BEHAVIOUR_NAMES = (
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
CHANNEL_COUNT = re.compile(r"^(num_?)?(web|store|catalog|catalogue|app|online|mobile|shop)_?(purchases|orders)$")
CHANNEL_NAMES = {"online": "web", "mobile": "app", "shop": "store", "catalogue": "catalog"}

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


def role_key(table: str, field: str) -> str:
    """The parameter line that declares a column's role (``source.tables.<table>.roles.<field>``)."""
    return f"source.tables.{table}.roles.{field}"
