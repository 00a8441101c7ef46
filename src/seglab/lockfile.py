"""The locked environment: what ``uv.lock`` pins, what is installed, and ``environment.yml``.

``make`` installs seglab's environment from ``uv.lock`` (exact versions and hashes, made by
``uv lock``; ``make lock`` refreshes it). This module reads the lock without uv:

- :func:`locked` gives the exact version of every package a set of extras installs on this
  machine (the lock's dependency graph walked from seglab, with its markers evaluated here);
- :func:`drift` compares that with the installed distributions (what ``pip freeze`` lists);
  ``python -m seglab.lockfile --check --extras test,spark,postgres`` prints the difference
  and fails when there is one;
- :func:`conda_environment` writes ``environment.yml`` from pyproject's requirements pinned to
  the lock's versions, so the conda environment and ``make`` install the same releases
  (``make lock`` writes it; a test fails when the committed file and the lock disagree);
- :func:`key_versions` gives the versions of the libraries that decide a run's numbers, recorded
  in each run's metadata and printed in every page's footer.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from functools import cache
from importlib import metadata
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement

#: Libraries whose versions decide a run's numbers (features, segments, charts, pages).
KEY_LIBRARIES = ("pandas", "numpy", "scikit-learn", "scipy", "duckdb", "ibis-framework", "pyarrow", "matplotlib")
#: What ``pip freeze`` leaves out (the installers themselves).
NOT_FROZEN = frozenset({"pip", "setuptools", "wheel", "distribute"})
#: conda-forge's names for the PyPI packages whose names differ there.
CONDA_NAMES = {"duckdb": "python-duckdb", "ibis-framework": "ibis-framework-core", "tzdata": "python-tzdata"}
#: What conda installs that no PyPI package provides: Java for the Spark engine.
CONDA_EXTRAS = ("openjdk>=17",)
#: pyproject extras the conda environment includes (everything: it is the developer's environment).
CONDA_OPTIONAL = ("test", "spark", "postgres", "lab")


def normalize(name: str) -> str:
    """A package name as the lock and the index compare it (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def project_root() -> Path:
    """The folder holding ``pyproject.toml`` and ``uv.lock`` (the source checkout of seglab)."""
    return Path(__file__).resolve().parents[2]


def lock_path() -> Path:
    """Where ``uv.lock`` is."""
    return project_root() / "uv.lock"


@cache
def _lock(path: str) -> dict:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def _applies(dep: dict) -> bool:
    marker = dep.get("marker")
    return marker is None or Marker(marker).evaluate({"extra": ""})


def locked(extras: tuple[str, ...] | list[str] = (), path: Path | None = None) -> dict[str, str]:
    """The exact version of every package ``make`` installs with these extras on this machine.

    Parameters
    ----------
    extras : sequence of str
        seglab's optional extras (``test``, ``spark``, ``postgres``, ``lab``).
    path : Path, optional
        The lock file (default: ``uv.lock`` of the checkout).

    Returns
    -------
    dict
        Normalised package name -> version; seglab itself is left out.
    """
    packages = _lock(str(path or lock_path()))["package"]
    by_name: dict[str, list[dict]] = {}
    for p in packages:
        by_name.setdefault(p["name"], []).append(p)

    def pick(dep: dict) -> dict:
        options = by_name[dep["name"]]
        if "version" in dep:
            options = [p for p in options if p["version"] == dep["version"]]
        return options[0]

    out: dict[str, str] = {}
    seen: set[tuple[str, str, str]] = set()
    todo = [(pick({"name": "seglab"}), tuple(extras))]
    while todo:
        pkg, wanted = todo.pop()
        deps = [d for d in pkg.get("dependencies", [])]
        for extra in wanted:
            deps += pkg.get("optional-dependencies", {}).get(extra, [])
        for dep in deps:
            if not _applies(dep):
                continue
            child = pick(dep)
            child_extras = tuple(dep.get("extra", ()))
            key = (child["name"], child["version"], ",".join(child_extras))
            if key in seen:
                continue
            seen.add(key)
            out[normalize(child["name"])] = child["version"]
            todo.append((child, child_extras))
    out.pop("seglab", None)
    return out


def installed() -> dict[str, str]:
    """Normalised name -> version of every distribution installed here, as ``pip freeze`` lists them."""
    out = {}
    for dist in metadata.distributions():
        name = normalize(dist.metadata["Name"] or "")
        if name and name not in NOT_FROZEN and name != "seglab":
            out[name] = dist.version
    return out


def drift(extras: tuple[str, ...] | list[str] = (), path: Path | None = None) -> dict[str, list[str]]:
    """How the installed packages differ from the lock.

    Returns
    -------
    dict
        ``changed`` (installed at another version than locked), ``missing`` (locked, not
        installed) and ``extra`` (installed, not in the lock for these extras): lines like
        ``pandas 2.3.1 (locked 2.3.2)``. All empty when the environment is exactly the lock.
    """
    want, have = locked(extras, path), installed()
    return {
        "changed": [f"{n} {have[n]} (locked {v})" for n, v in sorted(want.items()) if n in have and have[n] != v],
        "missing": [f"{n} {v}" for n, v in sorted(want.items()) if n not in have],
        "extra": [f"{n} {v}" for n, v in sorted(have.items()) if n not in want],
    }


#: A package's entry in ``uv.lock``: its name, version and, when the lock holds several versions of
#: it (one per range of Python versions or platforms), the markers of the range it is for.
_ENTRY = re.compile(
    r'\[\[package\]\]\nname = "([^"]+)"\nversion = "([^"]+)"\n(?:source = [^\n]*\n)?'
    r"(?:resolution-markers = \[\n((?:[ \t]+\"[^\n]*\",?\n)*)\])?"
)


def _pins(names: tuple[str, ...]) -> dict[str, str]:
    """The lock's version of each of ``names``, read from the lock's package entries: the one entry
    of a name, or the one whose markers hold here. Exact as :func:`locked` for packages every
    install has (seglab's own requirements) and 5 ms instead of parsing the whole lock (0.1-0.4 s,
    paid in every kernel of a run); :func:`locked` when an entry cannot be chosen so.
    """
    text = lock_path().read_text(encoding="utf-8")
    found: dict[str, list[str]] = {}
    for name, version, markers in _ENTRY.findall(text):
        held = re.findall(r'"([^"\n]*)"', markers)
        if not held or any(Marker(m).evaluate({"extra": ""}) for m in held):
            found.setdefault(normalize(name), []).append(version)
    if all(len(found.get(n, [])) == 1 for n in names):
        return {n: found[n][0] for n in names}
    return locked(("spark",))


@cache
def key_versions() -> dict[str, str]:
    """The installed versions of :data:`KEY_LIBRARIES` (and pyspark when installed), with seglab's.

    A version that is not the lock's is marked ``(not locked: X)`` so a run's metadata says
    when it was made outside the locked environment. Recorded with every file a stage writes
    (``lineage.json``) and shown in every page's footer.
    """
    from seglab import __version__

    names = (*KEY_LIBRARIES, "pyspark")
    try:
        pins = _pins(names)
    except (OSError, KeyError, IndexError):  # no lock beside the package (installed from a wheel)
        pins = {}
    out = {"seglab": __version__}
    for name in names:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
        out[name] = version if not pins or pins.get(name) == version else f"{version} (not locked: {pins.get(name)})"
    return dict(out)


def _requirements(pyproject: dict, groups: tuple[str, ...]) -> list[Requirement]:
    reqs = [Requirement(r) for r in pyproject["project"]["dependencies"]]
    for group in groups:
        reqs += [Requirement(r) for r in pyproject["project"]["optional-dependencies"][group]]
    return reqs


def conda_environment(path: Path | None = None) -> str:
    """The text of ``environment.yml``: pyproject's requirements at the lock's exact versions.

    Every requirement of seglab (with the ``test``, ``spark``, ``postgres`` and ``lab`` extras)
    becomes ``conda-forge name=version`` with the version ``uv.lock`` pins for it on Linux with
    Python 3.11; seglab itself is installed by pip in editable mode, without dependencies.
    """
    root = project_root()
    with open(root / "pyproject.toml", "rb") as fh:
        pyproject = tomllib.load(fh)
    pins = locked(CONDA_OPTIONAL, path)
    names = []
    for req in _requirements(pyproject, CONDA_OPTIONAL):
        name = normalize(req.name)
        if name not in names:
            names.append(name)
    lines = [
        "# conda environment with the versions of uv.lock (written by `make lock`; do not edit:",
        "# tests/test_lockfile.py fails when this file and the lock disagree).",
        "# conda env create -f environment.yml && conda activate seglab",
        "name: seglab",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        "  - python=3.11",
        *(f"  - {CONDA_NAMES.get(n, n)}={pins[n]}" for n in names),
        *(f"  - {extra}" for extra in CONDA_EXTRAS),
        "  - pip",
        "  - pip:",
        "      - --no-deps",
        "      - -e .",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """``python -m seglab.lockfile``: write environment.yml, or check the environment against the lock."""
    ap = argparse.ArgumentParser(prog="python -m seglab.lockfile", description=main.__doc__)
    ap.add_argument("--check", action="store_true", help="compare the installed packages with the lock")
    ap.add_argument("--extras", default="", help="the extras installed, comma-separated (e.g. test,spark,postgres)")
    ap.add_argument("--write-conda", metavar="FILE", help="write the conda environment file")
    args = ap.parse_args(argv)
    if args.write_conda:
        Path(args.write_conda).write_text(conda_environment(), encoding="utf-8")
        print(f"wrote {args.write_conda}")
    if args.check:
        extras = tuple(e for e in args.extras.split(",") if e)
        diff = drift(extras)
        n = len(locked(extras))
        if not any(diff.values()):
            print(f"the environment is exactly uv.lock: {n} packages at their locked versions")
            return 0
        for kind, lines in diff.items():
            for line in lines:
                print(f"{kind}: {line}")
        print(f"the environment differs from uv.lock (extras: {','.join(extras) or 'none'}); run make env / make test")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
