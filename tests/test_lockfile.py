"""The locked environment: uv.lock, the installed packages and environment.yml agree."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from seglab import lockfile

ROOT = Path(__file__).resolve().parents[1]


def test_environment_yml_is_the_lock():
    # environment.yml pins pyproject's requirements to uv.lock's versions; `make lock` rewrites it
    written = (ROOT / "environment.yml").read_text(encoding="utf-8")
    assert written == lockfile.conda_environment(), "environment.yml and uv.lock disagree: run make lock"
    pins = lockfile.locked(lockfile.CONDA_OPTIONAL)
    assert f"  - pandas={pins['pandas']}\n" in written
    assert f"  - python-duckdb={pins['duckdb']}\n" in written


def test_installed_packages_are_the_locked_versions():
    # `make test` installs the test, spark and postgres extras from uv.lock: every locked package
    # is installed at its locked version; on a fresh clone (CI) nothing else is installed either
    diff = lockfile.drift(("test", "spark", "postgres"))
    assert diff["changed"] == [] and diff["missing"] == [], diff
    if os.environ.get("CI") == "true":
        assert diff["extra"] == [], diff


def test_lock_walk_follows_extras_and_markers(tmp_path):
    lock = tmp_path / "uv.lock"
    lock.write_text(
        """version = 1
[[package]]
name = "seglab"
version = "0.1.0"
source = { editable = "." }
dependencies = [
    { name = "a" },
    { name = "b", version = "1.0", marker = "python_full_version < '3.0'" },
    { name = "b", version = "2.0", marker = "python_full_version >= '3.0'" },
]
[package.optional-dependencies]
x = [{ name = "c", extra = ["y"] }]

[[package]]
name = "a"
version = "0.5"

[[package]]
name = "b"
version = "1.0"

[[package]]
name = "b"
version = "2.0"

[[package]]
name = "c"
version = "3.0"
[package.optional-dependencies]
y = [{ name = "d" }]

[[package]]
name = "d"
version = "4.0"
""",
        encoding="utf-8",
    )
    assert lockfile.locked((), lock) == {"a": "0.5", "b": "2.0"}
    assert lockfile.locked(("x",), lock) == {"a": "0.5", "b": "2.0", "c": "3.0", "d": "4.0"}


def test_run_metadata_records_the_locked_versions():
    versions = lockfile.key_versions()
    assert versions["seglab"]
    for name in ("pandas", "scikit-learn", "duckdb", "numpy"):
        assert versions[name] == lockfile.locked(("spark",))[name]


def test_key_pins_read_from_the_entries_are_the_walks(monkeypatch):
    # the lock holds two numpy and two scipy (one per range of Python versions): the entry whose
    # markers hold here is the walk's, without parsing the whole lock
    names = (*lockfile.KEY_LIBRARIES, "pyspark")
    text = lockfile.lock_path().read_text(encoding="utf-8")
    assert text.count('name = "numpy"\nversion') == 2
    walked = lockfile.locked(("spark",))
    monkeypatch.setattr(lockfile, "locked", lambda *a: pytest.fail("parsed the whole lock"))
    assert lockfile._pins(names) == {n: walked[n] for n in names}


@pytest.mark.parametrize("name", ["Jinja2", "typing_extensions", "ruamel.yaml"])
def test_names_compare_as_the_index_does(name):
    assert lockfile.normalize(name) == name.lower().replace("_", "-").replace(".", "-")
