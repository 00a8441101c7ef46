"""Customer and survey attributes encoded for clustering (stage 02): numbers as they are, yes/no
as 0/1, ordered text as 0, 1, 2, ... (known scales or ``features.ordinal``), categories and codes
as one 0/1 column per value, wide text as its most frequent values; each column by the role stage
01 gave it (:mod:`seglab.collection.roles`), with a catalog row saying what it became or why it was left out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from seglab import i18n
from seglab.collection.roles.columns import ordinal_levels
from seglab.config import Features as FeatureParams
from seglab.i18n import N_

#: Units of the attribute features (stored in English, shown in the reader's language).
FLAG_UNIT = N_("flag 0/1")
AS_IN_SOURCE = N_("as in the source")
#: The unit of a number column by its kind (the others are as in the source).
UNITS = {"money": N_("money"), "share": N_("share 0..1"), "percent": N_("% (0..100)")}

# --------------------------------------------------------------------------------------------
# customer and survey columns
# --------------------------------------------------------------------------------------------
MAX_LEVELS = 12
NOT_ATTRIBUTES = ("customer_id", "source_row", "signup_date")


def _table_roles(table: str, df: pd.DataFrame, quality: dict) -> tuple[dict[str, dict], dict[str, str]]:
    """The roles of a customers/survey table from stage 01 (quality.json), or inferred here for
    a quality record without them (tables built in code).
    """
    from seglab import config
    from seglab.collection import roles as roles_mod

    labels = quality.get("labels", {}).get(table, {})
    if table in quality.get("roles", {}):
        return quality["roles"][table], labels
    lenses = quality.get("lenses", {}).get(table, {})
    if not lenses:
        from seglab.collection.rules import guess_lens

        lenses = {c: {"lens": guess_lens(c, table)} for c in df.columns}
    found = roles_mod.infer(df, config.Roles(), roles_mod.ColumnFacts(lenses, labels), table, False)
    return {c: r.to_dict() for c, r in found.roles.items()}, labels


def _level_text(level) -> str:
    if isinstance(level, float) and level.is_integer():
        return str(int(level))
    return str(level)


class _Encoder:
    """The encoded columns of the customer and survey tables and their catalog rows, column by
    column (see :func:`encode_attributes`).
    """

    def __init__(self):
        self.out: dict[str, np.ndarray] = {}
        self.rows: list[dict] = []

    def add(self, base: dict, feature, values, unit, description=None, label=None, role_kind=None) -> None:
        self.out[feature] = np.asarray(values, dtype=float)
        self.rows.append(
            {
                "feature": feature,
                **base,
                "unit": unit,
                "available": True,
                "why_not": "",
                **({"description": description} if description else {}),
                **({"label": label} if label else {}),
                **({"role": role_kind} if role_kind else {}),
            }
        )

    def skip(self, base: dict, name: str, why: str) -> None:
        self.rows.append({"feature": name, **base, "unit": "", "available": False, "why_not": why})

    def flag(self, base: dict, name: str, v: pd.Series, text: pd.Series, level: str) -> None:
        """A 0/1 column ``name=level`` (empty where the value is)."""
        self.add(
            base,
            f"{name}={level}",
            np.where(v.isna(), np.nan, (text == level).astype(float)),
            FLAG_UNIT,
            i18n.Note.of(N_("'%(column)s' is %(level)s"), column=base["label"], level=level),
            label=i18n.LEVEL_LABEL % {"column": base["label"], "level": level},
        )

    def levels(self, base: dict, name: str, v: pd.Series, levels: list) -> None:
        """One 0/1 column per level (``name=level``)."""
        text = v.map(_level_text)
        for level in levels:
            self.flag(base, name, v, text, _level_text(level))

    def wide_text(self, base: dict, name: str, v: pd.Series, whole: pd.Series) -> None:
        """Text with many values: its most frequent values and ``other``, 0/1 each."""
        top = whole.value_counts().index[: MAX_LEVELS - 1].astype(str).tolist()
        text = v.astype(str)
        for level in top:
            self.flag(base, name, v, text, level)
        self.add(
            base,
            f"{name}=other",
            np.where(v.isna(), np.nan, (~text.isin(top)).astype(float)),
            FLAG_UNIT,
            i18n.Note.of(
                N_("'%(column)s' is none of its %(n)s most frequent values"), column=base["label"], n=len(top)
            ),
            label=N_("%(column)s: other") % {"column": base["label"]},
        )

    def sentinel(self, base: dict, name: str, v: pd.Series, marker: float, unknown: bool = False) -> None:
        """A number with a marker for never (or, for a spike read as unknown, for unknown): the number
        without it, and a 0/1 ``name=never`` (``name=unknown`` for a spike read as unknown).
        """
        num = v.astype(float)
        values = {"description": base["description"], "marker": i18n.as_g(marker), "column": base["label"]}
        self.add(
            base,
            name,
            num.where(num != marker).to_numpy(),
            AS_IN_SOURCE,
            i18n.Note.of(
                N_("%(description)s; %(marker)s (unknown) left out")
                if unknown
                else N_("%(description)s; %(marker)s (never / not applicable) left out"),
                **values,
            ),
        )
        self.add(
            base,
            f"{name}={'unknown' if unknown else 'never'}",
            np.where(num.isna(), np.nan, (num == marker).astype(float)),
            FLAG_UNIT,
            i18n.Note.of(
                N_("'%(column)s' is %(marker)s: unknown")
                if unknown
                else N_("'%(column)s' is %(marker)s: never / not applicable"),
                **values,
            ),
            label=(N_("%(column)s: %(marker)s (unknown)") if unknown else N_("%(column)s: never"))
            % {**values, "marker": f"{marker:g}"},
            role_kind="flag",
        )

    def outcome(self, base: dict, name: str, v: pd.Series, role: dict) -> None:
        """An outcome (churn, a campaign's answer, a call's duration): 0/1 for the level that means it
        happened, or the number; kept for the profiles and the Boston matrix, never clustered unless
        segmentation.features names it.
        """
        base = {**base, "outcome": role.get("outcome", "unknown")}
        levels = role.get("levels")
        if not levels:
            self.add(base, name, pd.to_numeric(v, errors="coerce").to_numpy(dtype=float), AS_IN_SOURCE)
            return
        level = _level_text(levels[0])
        text = v.map(_level_text)
        self.add(
            base,
            name,
            np.where(v.isna(), np.nan, (text == level).astype(float)),
            FLAG_UNIT,
            i18n.Note.of(N_("%(description)s; 1 = '%(level)s'"), description=base["description"], level=level),
        )

    def column(
        self, base: dict, name: str, col: str, role: dict, v: pd.Series, whole: pd.Series, params: FeatureParams
    ) -> None:
        """One column (``col`` in its table, ``name`` as a feature) by its role."""
        from seglab.collection import roles as roles_mod

        kind = role["kind"]
        order = ordinal_levels(col, whole, params.ordinal) if kind in ("binary", "category", "text") else None
        if order is not None:
            pos = {lvl: i for i, lvl in enumerate(order)}
            codes = v.astype("str").str.strip().str.lower().map(pos).astype(float).to_numpy()
            self.add(
                base,
                name,
                codes,
                i18n.Note.of(
                    N_("ordinal %(levels)s"),
                    levels=i18n.joined([i18n.concat(i18n.as_number(i), " ", lvl) for lvl, i in pos.items()], " < "),
                ),
                i18n.Note.of(
                    N_("%(description)s, ordered: %(order)s"),
                    description=base["description"],
                    order=i18n.joined([i18n.as_term(lvl) for lvl in order], " < "),
                ),
                role_kind="ordinal",
            )
        elif kind == "flag":
            self.add(base, name, roles_mod.to_flag(v).to_numpy(), FLAG_UNIT)
        elif kind == "outcome":
            self.outcome(base, name, v, role)
        elif kind in ("binary", "category", "code"):
            self.levels(base, name, v, role.get("levels") or sorted(whole.dropna().unique().tolist(), key=str))
        elif kind == "text":
            self.wide_text(base, name, v, whole)
        elif kind == "sentinel":
            self.sentinel(base, name, v, float(role["sentinel"]), bool(role.get("spike")))
        elif not pd.api.types.is_numeric_dtype(v):  # money, count, number, score, share
            self.skip(base, name, N_("not numeric"))
        else:
            unit = UNITS.get(kind, AS_IN_SOURCE)
            self.add(base, name, v.astype(float).to_numpy(), unit)


def _left_out(role: dict, table: str, col: str, quality: dict) -> str | None:
    """Why a column gives no clustering feature (an id, a date, the customer value, ...), or None."""
    if role["kind"] in ("id", "ignore", "empty", "constant", "date", "signup"):
        return role["why"]
    if role.get("behaviour"):  # a customer-level behaviour column: it feeds a catalog feature
        if role["behaviour"].startswith("channel:"):
            return i18n.Note.of(
                N_("used for the channel shares: %(channel)s"), channel=i18n.as_term(role["behaviour"].split(":", 1)[1])
            )
        return i18n.Note.of(N_("used for %(role)s"), role=role["behaviour"])
    if table == "customers" and [col] == quality.get("value", {}).get("columns"):
        return N_("the customer value: it is the feature monetary")
    return None


def encode_attributes(
    tables: dict[str, pd.DataFrame],
    quality: dict,
    params: FeatureParams,
    customer_ids: pd.Series,
    skip: frozenset[str] = frozenset(),
) -> tuple[pd.DataFrame, list[dict]]:
    """Customer and survey columns encoded by their role (:mod:`seglab.collection.roles`), one row per
    ``customer_ids``.

    Numbers as they are (a sentinel value becomes missing, with a 0/1 column ``column=never``);
    yes/no flags as 0/1; ordered text as 0, 1, 2, ... (``ORDINAL_SCALES`` or ``features.ordinal``);
    categories, codes and two-valued text as one 0/1 column per value (``column=value``); text with
    more than 12 values as its 11 most frequent values and ``other`` (profiled, not clustered on);
    identifiers, dates, constant and empty columns are left out with the reason. Survey columns
    are prefixed ``survey_``. Contact permissions (email/SMS opt-in) are kept as 0/1 and feed
    ``reachable``. Each catalog row says the column's role and its label (its name in the source).
    """
    from seglab.collection import roles as roles_mod

    unknown = sorted(
        set(params.ordinal) - {c for t in ("customers", "survey") if t in tables for c in tables[t].columns}
    )
    if unknown:
        from seglab.engine import FeatureError

        raise FeatureError(
            f"features.ordinal names columns that are in neither the customers nor the survey table: {unknown}"
        )
    enc = _Encoder()
    for table in ("customers", "survey"):
        if table not in tables:
            continue
        whole_table = tables[table].assign(customer_id=tables[table]["customer_id"].astype(str))
        roles, labels = _table_roles(table, whole_table, quality)
        src = whole_table.set_index("customer_id").reindex(customer_ids)
        for col in src.columns:
            if col in NOT_ATTRIBUTES or col in skip or col not in roles:
                continue
            role = roles[col]
            name = col if table == "customers" else f"survey_{col}"
            text_label = roles_mod.readable(labels.get(col, col))
            base = {
                "columns": [name],
                "lens": role["lens"],
                "description": i18n.Note.of(
                    N_("'%(column)s' of the %(table)s table (%(why)s)"),
                    column=text_label,
                    table=i18n.as_term(table),
                    why=i18n.worded(role["why"]),
                ),
                "role": role["kind"],
                "label": text_label,
                "default": False,
            }
            why = _left_out(role, table, col, quality)
            if why is not None:
                enc.skip(base, name, why)
            else:  # levels come from the whole column, values per customer
                enc.column(base, name, col, role, src[col], whole_table[col], params)
    return pd.DataFrame(enc.out, index=range(len(customer_ids))), enc.rows
