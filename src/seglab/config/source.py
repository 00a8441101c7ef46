"""The parameters of the source: the synthetic data or the files and databases to read, each
table's columns, the roles of a customer table's columns, the history's start.
"""

from __future__ import annotations

import difflib
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from seglab import secret
from seglab.i18n import N_


class ParamsError(ValueError):
    """A parameters file or notebook parameter is invalid; the message says where and how to fix it."""


class Strict(BaseModel):
    """A parameter section: an unknown key is an error, defaults are validated too."""

    model_config = ConfigDict(extra="forbid", validate_default=True)


# --------------------------------------------------------------------------------------------
# source
# --------------------------------------------------------------------------------------------
class SyntheticSource(Strict):
    """``source.synthetic``: the embedded synthetic CRM."""

    n_customers: int = Field(5000, ge=50, description="number of synthetic customers")
    months: int = Field(24, ge=3, le=120, description="months of history")
    start: date = Field(date(2023, 1, 1), description="first day of the history")


CANONICAL_TABLES = ("transactions", "customers", "sessions", "campaign_events", "survey")
LENSES = ("demographic", "geographic", "psychographic", "behavioural", "firmographic", "contactability")
SECRET_MESSAGE = secret.MESSAGE


#: Canonical columns of each table, the names ``columns`` maps to (other columns keep their own
#: names in snake_case, or take a new one through ``rename``).
CANONICAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "transactions": (
        "customer_id",
        "order_id",
        "timestamp",
        "quantity",
        "unit_price",
        "product_id",
        "category",
        "discount",
        "channel",
        "description",
        "country",
        "city",
        "region",
    ),
    "customers": ("customer_id", "signup_date", "email_opt_in", "sms_opt_in"),
    "sessions": ("customer_id", "timestamp", "converted", "channel", "session_id"),
    "campaign_events": ("customer_id", "campaign_id", "sent_at", "opened", "clicked", "converted", "channel"),
    "survey": ("customer_id",),
}
#: What a customer-level column can be declared to measure (``roles.behaviour``).
BEHAVIOUR_ROLES = {
    "orders": N_("number of purchases (orders); several columns are summed"),
    "recency_days": N_("days since the last purchase"),
    "tenure_days": N_("days as a customer"),
    "tenure_months": N_("months as a customer"),
    "discount_orders": N_("purchases made with a discount or deal (a count, or a share of purchases when 0..1)"),
    "visits": N_("visits of the web shop or app (a count)"),
    "campaign_responses": N_("0/1 answers to campaigns (accepted, responded); several columns are averaged"),
}
CHANNELS = ("web", "store", "app")


def _as_list(v):
    return [v] if isinstance(v, str) else v


class Roles(Strict):
    """What the columns of a table are (names as in the source file or in snake_case)."""

    value: list[str] = Field(default_factory=list, description="customer value in money: a column, or a list summed")
    spend: list[str] = Field(
        default_factory=list,
        description="spend per category (money); summed into the value when `value` is not given; each column's "
        "share of the customer's spend becomes a feature",
    )
    flags: list[str] = Field(default_factory=list, description="yes/no or 0/1 columns")
    codes: list[str] = Field(
        default_factory=list, description="categories stored as numbers (a code is never high or low)"
    )
    sentinels: dict[str, float] = Field(
        default_factory=dict, description="column -> the value that means never / not applicable (e.g. pdays: -1)"
    )
    numbers: list[str] = Field(
        default_factory=list,
        description="plain numbers: every value is real (no value read as a marker for never or unknown)",
    )
    outcomes: list[str] = Field(
        default_factory=list,
        description="outcomes known only after the fact (churn, a campaign's answer, a call's duration): shown per "
        "segment, never clustered unless segmentation.features names them",
    )
    signup: str | None = Field(None, description="the date the customer joined (tenure counts from it)")
    dates: list[str] = Field(default_factory=list, description="other date columns (read as dates, not clustered)")
    ignore: list[str] = Field(default_factory=list, description="columns left out of features and profiles")
    behaviour: dict[str, str | list[str]] = Field(
        default_factory=dict,
        description="customer-level behaviour: " + "; ".join(f"{k}: {v}" for k, v in BEHAVIOUR_ROLES.items()),
    )
    channels: dict[str, str] = Field(
        default_factory=dict,
        description="customer-level: channel (web, store, app or your own name) -> column counting its purchases",
    )
    channel_values: dict[str, str] = Field(
        default_factory=dict,
        description="transactions: channel value as written in the data -> web, store, app (or another name), "
        "in any language, e.g. {وب: web, فروشگاه: store, online: web}",
    )

    @field_validator("value", "spend", "flags", "codes", "numbers", "outcomes", "dates", "ignore", mode="before")
    @classmethod
    def _one_or_many(cls, v):
        return _as_list(v)

    @field_validator("behaviour")
    @classmethod
    def _known_behaviour(cls, v: dict) -> dict:
        for key in v:
            if key not in BEHAVIOUR_ROLES:
                close = difflib.get_close_matches(key, list(BEHAVIOUR_ROLES), n=1)
                raise ValueError(
                    f"unknown behaviour role '{key}'"
                    + (f" (did you mean '{close[0]}'?)" if close else "")
                    + f"; roles are {', '.join(BEHAVIOUR_ROLES)}"
                )
        return v

    def named(self) -> list[str]:
        """Every column these roles name (as written)."""
        out = [
            *self.value,
            *self.spend,
            *self.flags,
            *self.codes,
            *self.sentinels,
            *self.numbers,
            *self.outcomes,
            *self.dates,
            *self.ignore,
            *self.channels.values(),
        ]
        out += [self.signup] if self.signup else []
        for cols in self.behaviour.values():
            out += _as_list(cols)
        return out


class TableSource(Strict):
    """``source.tables.<table>``: one source table, its format, columns and roles."""

    path: str | None = Field(None, description="file path, relative to the project root or absolute")
    format: Literal["auto", "csv", "tsv", "whitespace", "parquet", "excel", "duckdb", "postgres"] = Field(
        "auto", description="auto = from the file extension"
    )
    preset: Literal["online_retail", "cdnow"] | None = Field(
        None, description="column names (and reading options) of a known public export"
    )
    columns: dict[str, str] = Field(
        default_factory=dict, description="canonical column -> column name in the source (canonical names only)"
    )
    rename: dict[str, str] = Field(
        default_factory=dict, description="new name -> column name in the source, for columns that are not canonical"
    )
    roles: Roles = Field(default_factory=Roles, description="what the columns are (README: Customer-level data)")
    customer_columns: list[str] = Field(
        default_factory=list,
        description="canonical columns of this table that describe the customer (moved to `customers`)",
    )
    keep_other_columns: bool = Field(True, description="keep unmapped columns (in snake_case)")
    csv_sep: str = Field("auto", description="CSV separator; auto = sniffed from the file")
    encoding: str = Field("auto", description="text encoding; auto = UTF-8 (with or without BOM), else detected")
    quotechar: str = Field('"', min_length=1, max_length=1)
    sheet: str | int = Field(0, description="Excel sheet: name or 0-based index")
    table: str | None = Field(None, description="duckdb/postgres: table name")
    query: str | None = Field(None, description="duckdb/postgres: SQL query (instead of table)")
    url_env: str | None = Field(
        None,
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="postgres: NAME of the environment variable holding the connection URL (never the URL)",
    )
    lenses: dict[str, list[str]] = Field(
        default_factory=dict, description="customer-level sources: lens -> columns (missing: guessed)"
    )
    value_column: str | None = Field(None, description="the same as roles.value with one column (kept for older files)")

    @field_validator("path", "query", "table")
    @classmethod
    def _no_secrets(cls, v: str | None) -> str | None:
        if v and secret.looks_secret(v.strip()):
            raise ValueError(SECRET_MESSAGE)
        return v

    @field_validator("lenses")
    @classmethod
    def _known_lenses(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        for lens in v:
            if lens not in LENSES:
                raise ValueError(f"unknown lens '{lens}'; lenses are {', '.join(LENSES)}")
        return v

    @model_validator(mode="after")
    def _value_alias(self) -> TableSource:
        if self.value_column:
            if self.roles.value and self.roles.value != [self.value_column]:
                raise ValueError("value_column and roles.value disagree: give only roles.value")
            self.roles.value = [self.value_column]
        return self

    @model_validator(mode="after")
    def _where(self) -> TableSource:
        if self.format in ("duckdb", "postgres") and not (self.table or self.query):
            raise ValueError(f"format {self.format} needs `table` or `query`")
        if self.format == "postgres":
            if not self.url_env:
                raise ValueError("format postgres needs url_env: the name of the environment variable holding the URL")
        elif not self.path:
            raise ValueError("`path` is required (except for format postgres)")
        return self


class Source(Strict):
    """``source``: synthetic data or the analyst's tables."""

    kind: Literal["synthetic", "files"] = "synthetic"
    synthetic: SyntheticSource = Field(default_factory=SyntheticSource)
    tables: dict[str, TableSource] = Field(default_factory=dict)
    history_start: date | None = Field(
        None,
        description="the day the customers' history begins: no customer in the data bought before it (when the "
        "business began, or the data's first day for an export that holds every purchase); null: unknown, so "
        "customers first seen within features.lifecycle.lapsed_days of the data's start may have bought before "
        "and their tenure is only a lower bound",
    )

    @field_validator("tables")
    @classmethod
    def _known_tables(cls, v: dict[str, TableSource]) -> dict[str, TableSource]:
        for name, spec in v.items():
            if name not in CANONICAL_TABLES:
                raise ValueError(f"unknown table '{name}'; tables are {', '.join(CANONICAL_TABLES)}")
            known = CANONICAL_COLUMNS[name]
            for key in spec.columns:
                if key not in known:
                    close = difflib.get_close_matches(key, known, n=1, cutoff=0.5)
                    hint = f"did you mean '{close[0]}'? " if close else ""
                    raise ValueError(
                        f"tables.{name}.columns: '{key}' is not a canonical column of {name}; {hint}"
                        f"canonical columns are {', '.join(known)}. To give another column a name of its own, "
                        f"use tables.{name}.rename: {{{key}: {spec.columns[key]}}}"
                    )
            clash = sorted(set(spec.rename) & set(known))
            if clash:
                raise ValueError(f"tables.{name}.rename: {clash} are canonical names: map them in columns instead")
        return v

    @model_validator(mode="after")
    def _files_need_a_table(self) -> Source:
        if self.kind == "files" and not ({"transactions", "customers"} & set(self.tables)):
            raise ValueError(
                "kind 'files' needs source.tables.transactions, or source.tables.customers alone "
                "(a customer-level source with one row per customer)"
            )
        return self
