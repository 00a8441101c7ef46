"""The message catalogs: every text a reader sees, collected with Babel into
``src/seglab/locale/seglab.pot``, and the Persian and Arabic catalogs kept in step with it.

``make catalogs`` (``python -m seglab.i18n.catalogs``) extracts the texts from

* seglab's Python code: ``_("...")``, ``N_("...")`` (a word stored in English and translated
  where it is shown), ``ngettext``, ``pgettext`` and the templates of ``report.md("...")``;
* the page templates (``report/templates/*.j2``: ``{{ _("...") }}``);
* the stage notebooks: each markdown cell (context ``<notebook>#<cell id>``, so the notebooks
  keep one English source and a page shows the reader's language) and the texts their code
  cells pass to ``_()`` or ``md()``;

then merges the template into ``locale/fa`` and ``locale/ar`` (a changed English text becomes
*fuzzy*, which is not shown and which the tests report until a translator checks it).
``python -m seglab.i18n.catalogs --check`` fails when the template is out of date.

Another package with its own catalog (the workshop: ``python -m seglab_workshop.catalogs``)
describes itself as a :class:`Project` and calls :func:`update` and :func:`problems` with it.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from seglab.i18n import DOMAIN, LANGUAGES, LOCALE_DIR, notebook_context

KEYWORDS = {
    "_": None,
    "N_": None,
    "Nn_": (1, 2),
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "md": None,
}
PACKAGE = Path(__file__).parent.parent


@dataclass(frozen=True)
class Project:
    """A package with its own catalog: where its texts are and where its catalogs go."""

    domain: str
    #: the package's folder (its ``.py`` files and ``templates/**.j2``)
    package: Path
    #: the notebooks whose cells it translates, as globs under the project root
    notebooks: tuple[str, ...]
    locale_dir: Path
    #: the languages it speaks (English first: the texts as written)
    languages: tuple[str, ...] = LANGUAGES
    #: texts declared as data in its code (seglab's feature registry): a function giving (text, where) pairs
    declared: object = None
    #: its own functions that take a message to translate, beside gettext's (``{"hint": None}``)
    keywords: tuple[str, ...] = ()

    @property
    def all_keywords(self) -> dict:
        """The keywords of gettext and the package's own."""
        return {**KEYWORDS, **dict.fromkeys(self.keywords)}

    @property
    def template(self) -> Path:
        """The catalog's template, ``<locale_dir>/<domain>.pot``."""
        return self.locale_dir / f"{self.domain}.pot"

    def po(self, language: str) -> Path:
        """The catalog of ``language``."""
        return self.locale_dir / language / "LC_MESSAGES" / f"{self.domain}.po"


def _add(catalog, message, where: str, line: int, context: str | None = None, comments=()) -> None:
    if isinstance(message, list | tuple):
        message = tuple(message)
        if not all(isinstance(m, str) and m for m in message):
            return  # a call on a variable (_(name)): nothing to translate here
    elif not isinstance(message, str) or not message:
        return
    existing = catalog.get(message[0] if isinstance(message, tuple) else message, context=context)
    if existing is not None:
        existing.locations.append((where, line))
        return
    catalog.add(message, locations=[(where, line)], context=context, auto_comments=list(comments))


def extract(root: Path, project: Project | None = None):
    """The catalog template (a :class:`babel.messages.catalog.Catalog`) of a project's code,
    templates and notebooks under ``root`` (seglab's by default).
    """
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract, extract_from_dir

    project = project or SEGLAB
    catalog = Catalog(project=project.domain, domain=project.domain, charset="utf-8", fuzzy=False)
    method_map = [("**/templates/**.j2", "jinja2.ext:babel_extract"), ("**.py", "python")]
    options = {"**/templates/**.j2": {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"}}
    prefix = f"src/{project.package.name}"
    for filename, line, message, comments, context in extract_from_dir(
        str(project.package), method_map, options, keywords=project.all_keywords, strip_comment_tags=True
    ):
        _add(catalog, message, f"{prefix}/{filename}", line, context, comments)
    notebooks = [nb for pattern in project.notebooks for nb in sorted(root.glob(pattern))]
    for nb in notebooks:
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        where = nb.relative_to(root).as_posix()
        for number, cell in enumerate(cells, 1):
            source = "".join(cell["source"])
            if cell["cell_type"] == "markdown":
                _add(catalog, source, where, number, notebook_context(nb.stem, cell["id"]))
            elif cell["cell_type"] == "code":
                found = extract("python", io.BytesIO(source.encode("utf-8")), keywords=project.all_keywords)
                for _line, message, _comments, context in found:
                    _add(catalog, message, where, number, context)
    for message, where in project.declared() if project.declared else ():
        _add(catalog, message, where, 0)
    return catalog


def _declared_terms() -> list[tuple[str, str]]:
    """Texts declared as data in seglab's code and shown to readers: the feature registry's
    descriptions and units (their labels are marked with ``N_``).
    """
    from seglab.registry import CATALOG

    out = []
    for f in CATALOG:
        out += [(f.description, "src/seglab/registry.py"), (f.unit, "src/seglab/registry.py")]
    return [(m, w) for m, w in out if m]


#: seglab's own catalog: its code, templates and stage notebooks.
SEGLAB = Project(DOMAIN, PACKAGE, ("notebooks/0*.ipynb",), LOCALE_DIR, LANGUAGES, _declared_terms)


def _write(catalog, path: Path) -> None:
    from babel.messages.pofile import write_po

    buf = io.BytesIO()
    write_po(buf, catalog, width=100, omit_header=False, sort_output=False, include_previous=True)
    text = buf.getvalue()
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.is_file() or path.read_bytes() != text:
        path.write_bytes(text)


def _read(path: Path, locale: str | None = None, domain: str = DOMAIN):
    from babel.messages.pofile import read_po

    with path.open("rb") as f:
        return read_po(f, locale=locale, domain=domain)


def _stable(catalog) -> None:
    """No dates in the files: the catalogs change only when a text changes."""
    import datetime as dt

    catalog.creation_date = catalog.revision_date = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def update(root: Path, project: Project | None = None) -> list[Path]:
    """Write a project's template (seglab's by default) and merge it into every translation; the
    files written.
    """
    project = project or SEGLAB
    template = extract(root, project)
    _stable(template)
    _write(template, project.template)
    written = [project.template]
    for lang in project.languages[1:]:
        po = project.po(lang)
        catalog = _read(po, lang, project.domain) if po.is_file() else None
        if catalog is None:
            from babel.messages.catalog import Catalog

            catalog = Catalog(locale=lang, domain=project.domain, project=project.domain, charset="utf-8", fuzzy=False)
        catalog.update(template, no_fuzzy_matching=False, update_header_comment=False)
        catalog.obsolete.clear()  # a text the project no longer shows has no translation to keep
        _stable(catalog)
        _write(catalog, po)
        written.append(po)
    return written


def problems(root: Path, project: Project | None = None) -> list[str]:
    """What is missing in a project's catalogs (seglab's by default): the template out of date, a
    text not translated or fuzzy, a translation that loses or adds a placeholder (``%(name)s``,
    ``{name}``).
    """
    import re

    project = project or SEGLAB
    out = []
    fresh = extract(root, project)
    current = _read(project.template, domain=project.domain) if project.template.is_file() else None
    ids = lambda c: {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in c if m.id}  # noqa: E731
    if current is None or ids(fresh) != ids(current):
        missing = len(ids(fresh) - ids(current)) if current else len(ids(fresh))
        out.append(f"{project.template.name} is out of date ({missing} new texts): run make catalogs")
    holder = re.compile(r"%\([a-z_]+\)[sd]|\{[a-z_]*\}")
    for lang in project.languages[1:]:
        catalog = _read(project.po(lang), lang, project.domain)
        for m in catalog:
            if not m.id:
                continue
            msgid = m.id if isinstance(m.id, str) else m.id[0]
            strings = [m.string] if isinstance(m.string, str) else list(m.string)
            where = f"{lang}: {msgid[:60]!r}" + (f" ({m.context})" if m.context else "")
            if m.fuzzy or not all(strings):
                out.append(f"{where} is not translated" + (" (fuzzy)" if m.fuzzy else ""))
                continue
            want = set(holder.findall(" ".join(m.id if isinstance(m.id, tuple) else [m.id])))
            for s in strings:
                got = set(holder.findall(s))
                # a plural form may leave out the number (Arabic "one", "two"), never add a placeholder
                if got - want or (not m.pluralizable and got != want):
                    out.append(f"{where}: the translation's placeholders {sorted(got)} differ from {sorted(want)}")
    return out


def main(argv: list[str] | None = None, project: Project | None = None) -> int:
    """``python -m seglab.i18n.catalogs [--check]`` (another project: ``python -m <its package>.catalogs``)."""
    from seglab.paths import project_root

    project = project or SEGLAB
    module = "seglab.i18n" if project is SEGLAB else project.package.name
    ap = argparse.ArgumentParser(prog=f"python -m {module}.catalogs", description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="report what is missing instead of writing")
    args = ap.parse_args(argv)
    root = project_root()
    if args.check:
        found = problems(root, project)
        for p in found:
            print(p)
        print(f"{len(found)} problems" if found else f"{project.domain} catalogs complete")
        return 1 if found else 0
    for path in update(root, project):
        print(path.relative_to(root))
    return 0


if __name__ == "__main__":
    sys.exit(main())
