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

The modules, lowest first: ``kinds`` (the roles and the words that suggest them), ``readings``
(how values read), ``columns`` (one column's role), ``words`` (what a guess is called and the line
that changes it), ``declared`` (a table's roles, declared then guessed: :func:`infer`).
"""

from __future__ import annotations

from seglab.collection.roles.columns import Inferred, identifier, outcome_direction
from seglab.collection.roles.declared import ColumnFacts, infer
from seglab.collection.roles.kinds import CHANNEL_SYNONYMS, KINDS, MAX_LEVELS, Role, RolesError, readable, resolve
from seglab.collection.roles.readings import (
    DATE_SHAPED,
    DAY_MONTH,
    SPIKE_EDGE,
    SPIKE_EXCESS,
    SPIKE_GAP,
    SPIKE_SHARE,
    YEAR_FIRST,
    date_order,
    parse_dates,
    spike,
    to_datetime,
    to_flag,
)
from seglab.collection.roles.words import IF_A_CODE, KIND_TEXT, OUTCOME_TEXT, SPIKE_IS_REAL, changed_by, channel_value

__all__ = [
    "CHANNEL_SYNONYMS",
    "ColumnFacts",
    "DATE_SHAPED",
    "DAY_MONTH",
    "IF_A_CODE",
    "Inferred",
    "KINDS",
    "KIND_TEXT",
    "MAX_LEVELS",
    "OUTCOME_TEXT",
    "Role",
    "RolesError",
    "SPIKE_EDGE",
    "SPIKE_EXCESS",
    "SPIKE_GAP",
    "SPIKE_IS_REAL",
    "SPIKE_SHARE",
    "YEAR_FIRST",
    "changed_by",
    "channel_value",
    "date_order",
    "identifier",
    "infer",
    "outcome_direction",
    "parse_dates",
    "readable",
    "resolve",
    "spike",
    "to_datetime",
    "to_flag",
]
