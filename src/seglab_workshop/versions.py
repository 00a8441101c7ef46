"""One source, two versions: the workshop notebooks hold the exercise placeholders (cells tagged
``exercise``: ``answer = None``) and their solutions (cells tagged ``solution``). The learner
version keeps the placeholders and drops the solutions, so each check says "not answered yet"
until the learner writes the answer; the instructor version drops the placeholders. Either can be
written in English or Persian: the markdown cells are translated cell by cell from the workshop's
catalog (context ``<notebook>#<cell id>``), and the ``language`` parameter makes the checks and
figures speak it too.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from seglab import i18n
from seglab_workshop import messages
from seglab_workshop import source as workshop_source

#: A check cell of a notebook: ``check.w1_lenses(lenses)``.
_CHECK = re.compile(r"^check\.(w\d_\w+)\((.*)\)\s*$", re.S)


def _nbgrader(cell: dict, text: str, stem: str) -> str:
    """A cell of the nbgrader source version: a solution between nbgrader's markers (its learner
    version replaces them), a check that raises unless right (an autograded test cell, 1 point).
    """
    from seglab_workshop import check

    tags = cell.get("metadata", {}).get("tags", [])
    meta = {"schema_version": 3, "task": False, "locked": False, "solution": False, "grade": False}
    if "solution" in tags:
        meta.update(solution=True, grade_id=f"{stem}-{cell['id']}")
        text = f"### BEGIN SOLUTION\n{text}\n### END SOLUTION"
    elif (m := _CHECK.match(text)) and hasattr(check, m.group(1)):
        exercise = getattr(check, m.group(1)).exercise.replace(".", "_")  # (nbgrader: letters, digits, _ and -)
        meta.update(grade=True, locked=True, points=1, grade_id=f"{exercise}-check")
        text = f"check.{m.group(1)}({m.group(2)}).require()"
    else:
        return text
    cell.setdefault("metadata", {})["nbgrader"] = meta
    return text


def version(source: dict, stem: str, learner: bool, language: str = "en", nbgrader: bool = False) -> dict:
    """The learner (or instructor) version of a workshop notebook in ``language``; with ``nbgrader``,
    the source version for nbgrader (solutions between its markers, checks as autograded cells).
    """
    learner = learner and not nbgrader
    drop = "solution" if learner else "exercise"
    nb = json.loads(json.dumps(source))
    cells = []
    with i18n.using(language):
        for cell in nb["cells"]:
            tags = cell.get("metadata", {}).get("tags", [])
            if drop in tags:
                continue
            text = "".join(cell["source"])
            if cell["cell_type"] == "markdown":
                text = messages.pgettext(i18n.notebook_context(stem, cell["id"]), text)
                if i18n.reader().rtl:  # JupyterLab lays notebooks out left to right: this cell reads from the right
                    text = f'<div dir="rtl">\n\n{text}\n\n</div>'
            elif "parameters" in tags:
                text = text.replace('language: str = "en"', f'language: str = "{language}"')
            elif nbgrader:
                text = _nbgrader(cell, text, stem)
            cell["source"] = text
            cells.append(cell)
    nb["cells"] = cells
    kind = "nbgrader" if nbgrader else "learner" if learner else "instructor"
    nb.setdefault("metadata", {})["seglab_workshop"] = {"version": kind, "language": language}
    return nb


#: What ``--install`` may name (a requirement, a wheel's file or address): no quote, no ``$``, no
#: ``{}`` (IPython expands them in ``%pip``), nothing a shell reads as a second command.
_INSTALLABLE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-\[\]@:/=<>!~+,%# ]*")


def install_cell(spec: str) -> dict:
    """The first code cell of a notebook for a hosted notebook (Colab, a JupyterHub): installs
    ``spec`` (the released package: ``seglab==0.1.0``, a wheel's address or file name) when
    ``seglab_workshop`` cannot be imported (the classroom shop is generated there, not downloaded).
    """
    if not _INSTALLABLE.fullmatch(spec):
        raise ValueError(
            f"--install {spec!r}: give a requirement, a wheel's address or a wheel file "
            "(e.g. seglab-0.1.0-py3-none-any.whl), without quotes, $, {{ }} or ;"
        )
    text = (
        "# Where seglab is not installed yet (Colab, a JupyterHub): install it (with its libraries, from\n"
        "# PyPI), once. The classroom shop is not downloaded: it is generated on this machine.\n"
        "import importlib.util\n\n"
        'if importlib.util.find_spec("seglab_workshop") is None:\n'
        f'    %pip install --quiet "{spec}"\n'
        "    importlib.invalidate_caches()\n"
        '    if importlib.util.find_spec("seglab_workshop") is None:  # (installed for the user only, say)\n'
        '        print("seglab is installed but this kernel cannot see it yet: restart the kernel, then Run All.")'
    )
    return {
        "cell_type": "code",
        "id": "install",
        "metadata": {"tags": ["install"]},
        "source": text,
        "outputs": [],
        "execution_count": None,
    }


def write(
    out: Path, learner: bool = True, language: str = "en", nbgrader: bool = False, install: str | None = None
) -> list[Path]:
    """Write the five notebooks (learner or instructor version, in ``language``) to ``out``; with
    ``install``, each opens with :func:`install_cell` (a wheel file named is copied beside them).

    A notebook already there is never overwritten when it differs from the one to write (a learner
    edited it, or it is another version): the new one goes beside it as ``<name>.new.ipynb``.
    Returns the notebooks written (unchanged ones included, as they are).
    """
    import shutil

    from seglab import io
    from seglab_workshop import NOTEBOOKS

    out.mkdir(parents=True, exist_ok=True)
    if install is not None and Path(install).is_file():  # a wheel: beside the notebooks, where the kernel runs
        if Path(install).resolve() != (out / Path(install).name).resolve():
            io.atomic(out / Path(install).name, lambda tmp: shutil.copyfile(install, tmp))
        install = Path(install).name
    first = [] if install is None else [install_cell(install)]
    source = workshop_source()
    written = []
    for stem in NOTEBOOKS:
        nb = version(
            json.loads((source / f"{stem}.ipynb").read_text(encoding="utf-8")),
            stem,
            learner,
            language,
            nbgrader,
        )
        nb["cells"] = nb["cells"][:1] + first + nb["cells"][1:]  # after the title
        text = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
        target = out / f"{stem}.ipynb"
        if target.exists() and target.read_text(encoding="utf-8", errors="replace") != text:
            target = out / f"{stem}.new.ipynb"  # someone's work is in the other one: kept as it is
        written.append(io.write_text(text, target))
    return written


def kept_beside(written: list[Path]) -> list[Path]:
    """The notebooks :func:`write` wrote beside one it kept (``<name>.new.ipynb``)."""
    return [p for p in written if p.name.endswith(".new.ipynb")]


GUIDES = {"en": "README.md", "fa": "README.fa.md"}
#: Around the guide's expected answers (:func:`seglab_workshop.answers.update_guide` writes them).
BEGIN, END = "<!-- expected answers: begin (make workshop-guide) -->", "<!-- expected answers: end -->"


def guide_html(language: str = "en", source: Path | None = None) -> str:
    """The instructor's guide in ``language`` as one self-contained HTML page (right to left in Persian)."""
    import html

    import mistune

    from seglab.text import CSP

    source = source or workshop_source()

    text = (source / GUIDES[language]).read_text(encoding="utf-8").replace(BEGIN, "").replace(END, "")
    body = mistune.create_markdown(plugins=["table"], escape=True)(text)
    with i18n.using(language):
        page = i18n.page_context()
    title = html.escape(text.splitlines()[0].lstrip("# "))
    return (
        f'<!DOCTYPE html>\n<html lang="{page["lang"]}" dir="{page["dir"]}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>\n{page['font_css']}\n"
        f"body{{font-family:{page['font_family']}system-ui,sans-serif;max-width:980px;margin:24px auto;padding:0 16px;"
        "line-height:1.5;color:#222}table{border-collapse:collapse;display:block;overflow-x:auto}"
        "td,th{border:1px solid #ddd;padding:4px 8px;text-align:start}pre{direction:ltr;text-align:left;"
        "background:#f6f6f6;padding:8px;overflow-x:auto}code{direction:ltr;unicode-bidi:isolate}\n</style>\n"
        f"</head>\n<body>\n{body}</body>\n</html>\n"
    )


def write_guide(out: Path, language: str = "en") -> Path:
    """``out/guide.html``: the instructor's guide in ``language``."""
    from seglab import io

    out.mkdir(parents=True, exist_ok=True)
    return io.write_text(guide_html(language), out / "guide.html")
