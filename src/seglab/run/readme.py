"""The README's generated parts: the Outputs reference and each stage's reads and writes from
the artifact table (:data:`seglab.files.artifacts.ARTIFACTS`), the Feature catalog from
:mod:`seglab.registry`, the columns of the exports from :mod:`seglab.files.exports`
(``make readme`` rewrites them; tests keep them equal).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from seglab import io, registry
from seglab.files import exports
from seglab.files.artifacts import ARTIFACTS, Artifact, read_by, shown, written_by


def describe(stage: str) -> str:
    """What a stage reads and writes, in Markdown, from :data:`ARTIFACTS` (the opening cell of
    the stage's notebook says exactly this; a test keeps them equal).
    """

    def names(arts: Iterable[Artifact]) -> str:
        return ", ".join(f"`{shown(a)}`" for a in arts)

    by_stage: dict[str, list[Artifact]] = {}
    for a in read_by(stage):
        by_stage.setdefault(a.stage, []).append(a)
    reads = "; ".join(f"{names(arts)} (stage {s})" for s, arts in by_stage.items()) or "the run's sources"
    # (what the stage keeps for its page, kind "kept", is seglab run's: in the outputs table only)
    files = [a for a in written_by(stage) if a.kind not in ("figure", "kept") and not a.path.startswith("reports/")]
    pages = [a for a in written_by(stage) if a.path.startswith("reports/")]
    # (a figure's phone version, drawn beside it, is the same figure: in the outputs table only)
    figures = [a for a in written_by(stage) if a.kind == "figure" and not a.name.endswith("_phone")]
    folder = "interim" if stage == "01" else "processed"
    shared = f" and in `reports/<run>/`: {names(pages).replace('`reports/', '`')}" if pages else ""
    return f"**Reads** {reads}. **Writes** in `data/{folder}/<run>/`: {names(files)}{shared}; figures {names(figures)}."


_FOLDERS = {
    "interim": "data/interim/<run>/",
    "processed": "data/processed/<run>/",
    "model": "data/processed/<run>/model/",
    "figures": "reports/<run>/figures/",
    "reports": "reports/<run>/",
}


def _who(stages: Iterable[str]) -> str:
    return ", ".join({"run": "seglab run", "all": "every stage"}.get(s, s) for s in stages) or "–"


def outputs_markdown() -> str:
    """Every file of a run as a Markdown table (the README's Outputs reference): file, the stage
    that writes it, the stages that read it, what it holds.
    """
    lines = ["| file | written by | read by | content |", "|---|---|---|---|"]
    done_groups = set()
    for a in ARTIFACTS:
        head, rest = a.path.split("/", 1)
        if a.kind == "figure" or a.name.startswith(("page_", "notebook_")):
            group = (a.kind, a.stage if a.kind == "figure" else "pages")
            if group in done_groups:
                continue
            done_groups.add(group)
            if a.kind == "figure":
                figs = [f for f in ARTIFACTS if f.kind == "figure" and f.stage == a.stage]
                lines.append(
                    f"| `{_FOLDERS[head]}{a.stage}_*.png` | {a.stage} | "
                    f"{_who(sorted({r for f in figs for r in f.readers}))} | "
                    + "; ".join(f"`{f.file}`: {f.about}" for f in figs)
                    + " |"
                )
            else:
                lines.append(
                    f"| `{_FOLDERS[head]}NN_stage.ipynb`, `.html` | seglab run | – | each stage's executed "
                    "notebook and its page (figures embedded; a failed stage says so at the top) |"
                )
            continue
        optional = " (when the data allow)" if a.optional else ""
        lines.append(f"| `{_FOLDERS[head]}{rest}` | {_who([a.stage])} | {_who(a.readers)} | {a.about}{optional} |")
    return "\n".join(lines)


def update_readme(path: Path) -> bool:
    """Rewrite the README's generated tables (the Outputs reference from :data:`ARTIFACTS`, the
    Feature catalog from :mod:`seglab.registry`, the columns of the exports from
    :data:`seglab.files.exports.CUSTOMER_COLUMNS`) in place; True when something changed.
    """
    text = Path(path).read_text(encoding="utf-8")
    new = text
    for head, table in (
        ("| file | written by | read by | content |", outputs_markdown()),
        ("| feature | lens | description | unit | needs |", registry.catalog_markdown()),
        ("| column of segments.csv and audience files | content |", exports.columns_markdown()),
    ):
        start = new.index(head)
        end = new.index("\n\n", start)
        new = new[:start] + table + new[end:]
    if new != text:
        io.write_text(new, Path(path))
    return new != text
