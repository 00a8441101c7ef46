"""Exports for marketing tools: every customer's segment, persona and quadrant, and one audience
file per segment with the channels each customer allows.

Stage 05 writes them into ``reports/<run>/exports/`` (beside the pages a marketer receives):

- ``segments.csv``: one row per segmented customer (:data:`CUSTOMER_COLUMNS`);
- ``audience_S<n>_<persona>.csv``: the customers of segment n, most likely buyers first, with
  the same columns, ready for a CRM or e-mail tool's list import (filter on ``email_allowed``
  for an e-mail campaign);
- ``data/processed/<run>/exports.json``: the list of audience files with their counts, which
  the run's summary page (index) and stage 05's page show.

The files are plain CSV: UTF-8 with a byte-order mark (spreadsheets then read Persian and
Arabic names correctly), comma-separated, a header row, CRLF line ends, every text that would
start a formula neutralised (:func:`seglab.io.write_csv`). Names people read (persona,
quadrant) are in the report's language; values tools map (``yes``/``no``, ``email``/``sms``)
are the same in every language. A permission the data do not record is left empty (unknown),
never written as ``no``.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from seglab import i18n
from seglab.i18n import _
from seglab.text import ltr_code
from seglab.vocabulary import segment_code

#: The columns of segments.csv and of every audience file, with what each holds (README).
#: The lifetime-value columns of the exports: (column, predictions column, decimals).
LIFETIME_EXPORT = (
    ("p_alive", "p_alive", 3),
    ("lifetime_value", "clv", 2),
    ("lifetime_value_low", "clv_low", 2),
    ("lifetime_value_high", "clv_high", 2),
)

CUSTOMER_COLUMNS: dict[str, str] = {
    "customer_id": "the customer's identifier, as in the source data",
    "segment": "the segment: S1, S2, … (S1 = highest value per customer)",
    "persona": "the segment's persona name, as the report shows it (report.language); after it, "
    "`persona_<language>` for each further language of the pages (report.languages: persona_fa, persona_ar)",
    "quadrant": "the segment's Boston-matrix quadrant: Target, Convert, Grow or Ignore (report.language), "
    "empty when the matrix could not place it",
    "p_buy_next_period": "probability (0 to 1) that the customer buys in the next period (stage 04's "
    "prediction; empty when the run has no prediction)",
    "expected_spend_next_period": "expected net spend in the next period, in report.currency (empty without "
    "a prediction)",
    "p_alive": "probability (0 to 1) that the customer is still a customer at the as-of date (BG/NBD; "
    "empty without lifetime value: a customer-level source, or too few repeat buyers; and when the history "
    "shows almost no customer leaving, as a year of data may)",
    "lifetime_value": "expected net spend over the next prediction.clv_months (default 12), discounted at "
    "prediction.discount_rate a year, in report.currency (BG/NBD x Gamma-Gamma; empty without lifetime value)",
    "lifetime_value_low": "10th percentile of that spend: with lifetime_value_high, the 80 % interval "
    "(a customer likely to buy nothing has 0 here)",
    "lifetime_value_high": "90th percentile of that spend",
    "email_allowed": "yes / no: the customer accepts e-mail (customers.email_opt_in); empty when the data "
    "do not record it",
    "sms_allowed": "yes / no: the customer accepts SMS (customers.sms_opt_in); empty when the data do not record it",
    "channels_allowed": "the channels the customer accepts, separated by ';' (email;sms), `none`, or empty "
    "when the data record no permission",
}
PERMISSIONS = {"email": "email_opt_in", "sms": "sms_opt_in"}
#: The files' encoding: UTF-8 with a byte-order mark (spreadsheets then read Persian and Arabic
#: names correctly); ``seglab score`` writes its CSV in it too.
ENCODING = "utf-8-sig"


def columns_markdown() -> str:
    """The README's table of the export columns (``make readme``)."""
    lines = ["| column of segments.csv and audience files | content |", "|---|---|"]
    lines += [f"| `{c}` | {about} |" for c, about in CUSTOMER_COLUMNS.items()]
    return "\n".join(lines)


def _flag(values: pd.Series) -> pd.Series:
    """Yes / no / empty (unknown) from a permission column (bool, 0/1 or missing)."""
    known = values.notna()
    out = pd.Series("", index=values.index, dtype=object)
    truth = values[known].astype(float) > 0
    out[known] = truth.map({True: "yes", False: "no"})
    return out


def customer_list(
    segments: pd.DataFrame,
    matrix: pd.DataFrame,
    contacts: pd.DataFrame | None = None,
    predictions: pd.DataFrame | None = None,
    languages: tuple[str, ...] = (),
) -> pd.DataFrame:
    """One row per segmented customer with the columns of :data:`CUSTOMER_COLUMNS` (and, for each
    of ``languages``, the persona name in it: ``persona_fa`` after ``persona``).

    Parameters
    ----------
    segments : DataFrame
        ``customer_id``, ``segment`` (stage 03).
    matrix : DataFrame
        The Boston matrix (stage 05): ``segment``, ``persona``, ``quadrant``.
    contacts : DataFrame, optional
        ``customer_id`` and the permission columns the data have (``email_opt_in``,
        ``sms_opt_in``); a column the data lack stays empty.
    predictions : DataFrame, optional
        ``customer_id``, ``p_buy``, ``expected_spend`` and, with lifetime value, ``p_alive``,
        ``clv``, ``clv_low``, ``clv_high`` (stage 04).
    languages : tuple of str
        Further languages of the run's pages (``report.languages``).
    """
    from seglab.vocabulary import QUADRANTS

    seg = matrix.set_index("segment")
    out = pd.DataFrame({"customer_id": segments["customer_id"].astype(str).to_numpy()})
    number = segments["segment"].astype(int).to_numpy()
    out["segment"] = [segment_code(n) for n in number]
    personas = {s: i18n.term(str(p)) for s, p in seg["persona"].items()}
    quadrants = {s: (i18n.term(q) if q in QUADRANTS else "") for s, q in seg["quadrant"].items()}
    out["persona"] = [personas.get(n, "") for n in number]
    further = {}
    for lang in languages:
        with i18n.using(lang):
            named = {s: i18n.term(str(p)) for s, p in seg["persona"].items()}
        further[f"persona_{lang}"] = [named.get(n, "") for n in number]
    out["quadrant"] = [quadrants.get(n, "") for n in number]
    ids = out["customer_id"]
    if predictions is not None and len(predictions):
        pred = predictions.assign(customer_id=predictions["customer_id"].astype(str)).set_index("customer_id")
        out["p_buy_next_period"] = ids.map(pred["p_buy"]).round(3)
        out["expected_spend_next_period"] = ids.map(pred["expected_spend"]).round(2)
    else:
        out["p_buy_next_period"] = float("nan")
        out["expected_spend_next_period"] = float("nan")
    for column, source, digits in LIFETIME_EXPORT:
        known = predictions is not None and len(predictions) > 0 and source in predictions
        out[column] = ids.map(pred[source]).round(digits) if known else float("nan")
    known = {}
    for channel, column in PERMISSIONS.items():
        if contacts is not None and column in contacts:
            flags = contacts.assign(customer_id=contacts["customer_id"].astype(str)).set_index("customer_id")[column]
            out[f"{channel}_allowed"] = _flag(ids.map(flags))
            known[channel] = True
        else:
            out[f"{channel}_allowed"] = ""
    if known:  # vectorised: a table of millions of customers
        email, sms = out["email_allowed"].eq("yes").to_numpy(), out["sms_allowed"].eq("yes").to_numpy()
        unknown = (out["email_allowed"].eq("") & out["sms_allowed"].eq("")).to_numpy()
        channels = np.select([email & sms, email, sms], ["email;sms", "email", "sms"], default="none").astype(object)
        channels[unknown] = ""
        out["channels_allowed"] = channels
    else:
        out["channels_allowed"] = ""
    columns = list(CUSTOMER_COLUMNS)
    at = columns.index("persona") + 1
    return pd.concat([out[columns[:at]], pd.DataFrame(further, index=out.index), out[columns[at:]]], axis=1)


def slug(name: str, limit: int = 40) -> str:
    """A file-name part from a persona name: ASCII letters, digits and dashes (empty for a name
    without any, e.g. a Persian one: the file is then named by its segment only).
    """
    text = re.sub(r"[^a-z0-9]+", "-", str(name).lower()).strip("-")
    if len(text) > limit:  # cut at a word boundary
        cut = text[: limit + 1].rfind("-")
        text = text[: cut if cut > 0 else limit]
    return text.strip("-")


def audience_file(segment: int, english_name) -> str:
    """The audience file of a segment: ``audience_S2_loyal-customers.csv`` (a name kept as a note:
    its English words).
    """
    if i18n.is_note(english_name):
        with i18n.using("en"):
            english_name = i18n.say(english_name)
    part = slug(english_name)
    return f"audience_S{segment}{'_' + part if part else ''}.csv"


def audiences(customers: pd.DataFrame, matrix: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """One table per segment (file name -> rows): its customers, most likely buyers first (by
    ``p_buy_next_period``, then ``customer_id``, so the order is the same on every run).
    """
    out = {}
    for _i, row in matrix.sort_values("segment").iterrows():
        s = int(row["segment"])
        rows = customers[customers["segment"] == segment_code(s)]
        rows = rows.sort_values(["p_buy_next_period", "customer_id"], ascending=[False, True], na_position="last")
        out[audience_file(s, row["persona"])] = rows.reset_index(drop=True)
    return out


def summary(files: dict[str, pd.DataFrame], matrix: pd.DataFrame) -> list[dict]:
    """Per audience file of :func:`audiences` (one per segment, in segment order): segment, persona,
    quadrant, customers and how many allow each channel (None when the data do not record that
    permission).
    """
    out = []
    for (_i, row), (name, rows) in zip(matrix.sort_values("segment").iterrows(), files.items(), strict=True):
        entry = {
            "file": name,
            "segment": int(row["segment"]),
            "persona": i18n.neutral(row["persona"]),
            "quadrant": str(row["quadrant"]),
            "customers": len(rows),
        }
        for channel in PERMISSIONS:
            col = rows[f"{channel}_allowed"]
            entry[channel] = int((col == "yes").sum()) if (col != "").any() else None
        known = rows["channels_allowed"] != ""
        entry["none"] = int((rows["channels_allowed"] == "none").sum()) if known.any() else None
        out.append(entry)
    return out


def summary_table(entries: list[dict]) -> pd.DataFrame:
    """The audience files as the pages show them (reader's language)."""
    unknown = _("unknown")
    rows = []
    for e in entries:
        rows.append(
            {
                _("segment"): segment_code(e["segment"]),
                _("persona"): i18n.term(e["persona"]),
                _("quadrant"): i18n.term(e["quadrant"]),
                _("customers"): i18n.number(e["customers"]),
                _("allow e-mail"): unknown if e["email"] is None else i18n.number(e["email"]),
                _("allow SMS"): unknown if e["sms"] is None else i18n.number(e["sms"]),
                _("allow neither"): unknown if e["none"] is None else i18n.number(e["none"]),
                _("file"): e["file"],
            }
        )
    return pd.DataFrame(rows)


def links(entries: list[dict], folder: str = "exports/") -> str:
    """Markdown links to the export files, in the reader's language; ``folder``: the exports folder
    as the page links it (:attr:`seglab.paths.RunPaths.exports_link`).
    """
    from urllib.parse import quote

    from seglab.text import esc

    lines = [
        "- "
        + _(
            "[segments.csv](%(link)s): every segmented customer with segment, persona, quadrant, next-period "
            "probability and contact permissions"
        )
        % {"link": folder + "segments.csv"}
    ]
    for e in entries:
        lines.append(
            "- "
            + _("[%(file)s](%(link)s): %(segment)s %(persona)s, %(customers)s customers")
            % {
                "file": ltr_code(html.escape(e["file"])),  # a file name: as written
                "link": folder + quote(e["file"]),
                "segment": segment_code(e["segment"]),
                "persona": esc(i18n.term(e["persona"])),
                "customers": i18n.number(e["customers"]),
            }
        )
    return "\n".join(lines)


def written_before(run) -> list[str]:
    """The files of reports/<run>/exports/ the run's previous exports.json lists (its lineage of
    them: the audience files and segments.csv): the only files of the folder seglab may delete or
    set aside.
    """
    from seglab.files import artifacts

    p = artifacts.location(artifacts.BY_NAME["exports"], run)
    try:
        entry = json.loads(p.read_text(encoding="utf-8")) if p.is_file() else {}
        names = [e.get("file") for e in entry.get("audiences", []) if isinstance(e, dict)] + [entry.get("segments")]
    except (OSError, ValueError, AttributeError, TypeError):
        return []
    return [n for n in names if isinstance(n, str) and n not in ("", ".", "..") and "/" not in n and "\\" not in n]


@dataclass(frozen=True)
class Inputs:
    """What the exports list (the arguments of :func:`customer_list`, which describes each): the
    segments (stage 03), the Boston matrix (stage 05), the contact permissions and the prediction
    (stage 04) when known, and the further languages whose persona names the files add.
    """

    segments: pd.DataFrame
    matrix: pd.DataFrame
    contacts: pd.DataFrame | None = None
    predictions: pd.DataFrame | None = None
    languages: tuple[str, ...] = ()


def write(store, inputs: Inputs) -> list[dict]:
    """Write segments.csv, the audience files and exports.json through the run's store (stage
    05); an audience file an earlier execution left for a segment that no longer exists goes.
    """
    from seglab import io

    matrix = inputs.matrix
    customers = customer_list(inputs.segments, matrix, inputs.contacts, inputs.predictions, tuple(inputs.languages))
    store.save("segments_export", customers, encoding=ENCODING)
    folder = store.path("segments_export").parent
    files = audiences(customers, matrix)
    earlier = [n for n in written_before(store.run) if n.startswith("audience_S")]  # what it says it wrote
    for old in earlier:
        if old not in files and (folder / old).is_file() and not (folder / old).is_symlink():
            (folder / old).unlink()
    for name, rows in files.items():
        io.write_csv(rows, folder / name, encoding=ENCODING)
    entries = summary(files, matrix)
    store.save("exports", {"folder": "exports", "segments": "segments.csv", "audiences": entries})
    return entries
