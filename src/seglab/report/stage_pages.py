"""What a stage's page adds to its executed notebook (:func:`seglab.report.pages.render_html`):
one line under the title saying what the stage found (from the run's current files, in the
reader's language), the list of files the stage reads and writes folded, and nothing of the
hidden set-up cell (nor the cell that narrates it) on a page without code. Computes nothing.
"""

from __future__ import annotations

from seglab import i18n
from seglab.files import artifacts
from seglab.i18n import _
from seglab.vocabulary import NOT_PLACED, QUADRANTS, method_name, segment_code


def finding(stage: str, read) -> str:
    """The one line at the top of a stage's page: what the stage found, in the reader's language,
    from the run's current files (``read``: :func:`seglab.report.pages.read_run`; "" when they
    are not there).
    """
    said = {
        "01": _finding_01,
        "02": _finding_02,
        "03": _finding_03,
        "04": _finding_04,
        "05": _finding_05,
        "06": _finding_06,
    }.get(artifacts.number_of(stage))
    if said is None:  # a stage of the analyst's own (not one of seglab's six): its page says what it says
        return ""
    try:
        return said(read)
    except (KeyError, TypeError, ValueError):  # a file of an older seglab: no line rather than a wrong one
        return ""


def _finding_01(read) -> str:
    quality = read.get("quality")
    if quality is None:
        return ""
    tables = quality["tables"].values()
    rows = {k: sum(int(t[k]) for t in tables) for k in ("read", "kept", "rejected")}
    if not rows["rejected"]:
        return i18n.ngettext(
            "%(read)s row read and kept; none set aside.", "%(read)s rows read, all kept; none set aside.", rows["read"]
        ) % {"read": i18n.number(rows["read"])}
    return i18n.ngettext(
        "%(kept)s rows kept of %(read)s; %(rejected)s set aside, with its reason: see below.",
        "%(kept)s rows kept of %(read)s; %(rejected)s set aside, each with its reason: see below.",
        rows["rejected"],
    ) % {k: i18n.number(v) for k, v in rows.items()}


def _finding_02(read) -> str:
    meta = read.get("features_meta")
    if meta is None:
        return ""
    without = read.get("customers_without_features")
    kept = int((meta.get("lifecycle") or {})["customers"])
    out = i18n.ngettext(
        "%(n)s customer described by features as of %(as_of)s",
        "%(n)s customers described by features as of %(as_of)s",
        kept,
    ) % {"n": i18n.number(kept), "as_of": i18n.date(meta["as_of"])}
    left = 0 if without is None else len(without)
    if left:
        out += i18n.ngettext(
            "; %(n)s customer left out: see below.", "; %(n)s customers left out: see below.", left
        ) % {"n": i18n.number(left)}
    return out + ("" if left else _("."))


def _finding_03(read) -> str:
    model = read.get("segment_model")
    if model is None:
        return ""
    k = int(model["k"])
    segments = i18n.ngettext("%(k)s segment", "%(k)s segments", k) % {"k": i18n.number(k)}
    table = read.get("model_selection")
    chosen = table[table["k"] == k] if table is not None and "stability" in table else None
    if chosen is None or chosen.empty or chosen["stability"].isna().all():
        return _("%(segments)s by %(method)s.") % {"segments": segments, "method": method_name(model["method"])}
    ari = float(chosen["stability"].iloc[0])
    return _("%(segments)s, the same in %(share)s of resamples (bootstrap ARI %(ari)s).") % {
        "segments": segments,
        "share": i18n.percent(min(max(ari, 0.0), 1.0)),
        "ari": i18n.number(ari, 2),
    }


def _finding_04(read) -> str:
    personas = read.get("personas")
    if not personas:
        return ""
    names = i18n.join(f"{segment_code(c['segment'])} {i18n.term(c['name'])}" for c in personas)
    results = [str(c.get("midas", "")) for c in personas]
    counts = i18n.join(
        _("%(n)s %(result)s") % {"n": i18n.number(results.count(r)), "result": i18n.term(r)}
        for r in ("pass", "warn", "fail")
        if r in results
    )
    return _("%(names)s; MIDAS check: %(counts)s.") % {"names": names, "counts": counts}


def _finding_05(read) -> str:
    boston = read.get("boston_matrix", keep_default_na=False)
    if boston is None:
        return ""
    lead = lead_line({"boston": boston.to_dict("records"), "boston_basis": read.get("boston_basis")})
    if not lead or not lead["todo"]:
        return ""
    return _("; ").join(f"{q}{_(': ')}{names}" for q, names in lead["todo"]) + _(".")


def _finding_06(read) -> str:
    from seglab import monitoring

    mon = read.get("monitoring") or {}
    flags = read.get("monitoring_flags", keep_default_na=False)
    info = mon.get("growth") or {}
    if flags is None or not info.get("compared") or info.get("unknown"):
        return monitoring.unknown_text(info) if info else ""
    rows = flags.to_dict("records")
    said = {
        _("Growing: %(segments)s"): [r for r in rows if r["trend"] == "growing"],
        _("Shrinking: %(segments)s"): [r for r in rows if r["trend"] == "shrinking"],
    }
    lines = [
        text % {"segments": i18n.join(f"{segment_code(r['segment'])} {i18n.term(r['persona'])}" for r in found)}
        for text, found in said.items()
        if found
    ]
    if not lines:
        return _("No segment's share of the active customers grows or shrinks beyond the thresholds.")
    return _("; ").join(lines) + _(".")


def _narrates_start(cells: list, i: int) -> bool:
    """Whether cell ``i`` is the markdown cell before the cell that starts the stage (``seglab.start``)."""
    after = cells[i + 1] if i + 1 < len(cells) else None
    return cells[i].cell_type == "markdown" and after is not None and "seglab.start(" in after.source


#: The folders of a stage's files as its opening cell names them (code: the same in every language).
_FILES_MARK = ("`data/interim/<run>/`", "`data/processed/<run>/`")


def without_setup(cells: list, run_name: str) -> None:
    """The set-up cell's line on the run's folders left out of a page without code (a warning it
    prints stays); a code cell that shows nothing, and the markdown cell that narrates
    it ("Validate the parameters and find the run's folders.": nothing a reader acts on).
    """
    cells[:] = [c for i, c in enumerate(cells) if not _narrates_start(cells, i)]
    said = _("run '%(run)s': reading and writing data/*/%(run)s/, figures in %(figures)s") % {
        "run": run_name,
        "figures": "\0",
    }
    prefix = said.split("\0")[0]
    for start in (c for c in cells if c.cell_type == "code" and "seglab.start(" in c.source):
        for out in start.get("outputs", []):
            if out.get("output_type") == "stream":
                out["text"] = "".join(line for line in out["text"].splitlines(True) if not line.startswith(prefix))
        start["outputs"] = [o for o in start["outputs"] if o.get("output_type") != "stream" or o["text"].strip()]
    # a code cell that shows nothing (the parameters, the set-up once quiet) leaves no empty block
    cells[:] = [c for c in cells if c.cell_type != "code" or c.get("outputs")]


#: How the finding line at the top of a stage page looks (inline: the page is nbconvert's).
_FINDING_STYLE = (
    "margin:6px 0 12px;padding:8px 12px;background:#eef5ee;border-inline-start:4px solid #1b9e77;font-size:1.15em"
)


def opening(cells: list, finding: str = "") -> None:
    """The opening cell of a stage page: the stage's finding in one line under its title, and the
    paragraph of the files it reads and writes folded (``<details>``), opened when needed. The
    paragraph is found by the folders it names, written as code in every language.
    """
    from html import escape

    first = next((c for c in cells if c.cell_type == "markdown"), None)
    if first is None:
        return
    parts = first.source.split("\n\n")
    if finding and parts[0].startswith("# "):
        parts.insert(1, f'<p class="seglab-finding" style="{_FINDING_STYLE}">{escape(finding)}</p>')
    for i, part in enumerate(parts):
        if any(mark in part for mark in _FILES_MARK):
            summary = escape(_("Files read and written"))
            parts[i] = f'<details class="seglab-files"><summary>{summary}</summary>\n\n{part}\n\n</details>'
    first.source = "\n\n".join(parts)


def lead_line(h: dict) -> dict | None:
    """The first line of the index: customers, period, segments, and who falls in which quadrant."""
    bits = []
    if "data" in h and "customers" in h["data"]:
        bits.append(_("%(customers)s customers (%(period)s)") % h["data"])
    if h.get("segmentation"):
        segmented = sum(int(r["customers"]) for r in h.get("boston") or [] if r.get("customers") is not None)
        total = h.get("data", {}).get("n_customers")
        if segmented and total and segmented < total:  # the others had no purchase in the window: said, not hidden
            bits.append(
                _("%(segmented)s of them in %(segments)s")
                % {"segmented": i18n.number(segmented), "segments": h["segmentation"]["k_text"]}
            )
        else:
            bits.append(h["segmentation"]["k_text"])
    lead = {"text": i18n.join(bits) + (_(".") if bits else ""), "todo": []}
    if "boston" in h:
        by_q = {q: [i18n.term(str(r["persona"])) for r in h["boston"] if r["quadrant"] == q] for q in QUADRANTS}
        lead["todo"] = [(i18n.term(q), i18n.join(v)) for q, v in by_q.items() if v]
        if not all(r["quadrant"] != NOT_PLACED for r in h["boston"]):
            ranked = [i18n.term(r["persona"]) for r in sorted(h["boston"], key=lambda r: -float(r["attractiveness"]))]
            size_only = (h.get("boston_basis") or {}).get("size_only")
            lead["todo"] = [
                (_("Largest (ranked by size only)") if size_only else _("Most attractive"), i18n.join(ranked[:3])),
                (_("Ability to win"), _("not measured, so no segment is placed on the Boston matrix")),
            ]
    return lead if lead["text"] or lead["todo"] else None
