"""Benchmark: the disk an install of seglab takes where the workshop runs (issue 32's target: a
light install under 300 MB), against the floor measured in the same run.

The wheel (``make dist``) is installed with the locked versions (``uv.lock``) into new virtual
environments, each measured with ``du``:

* **floor**: only what the workshop's own code imports to teach (numpy, pandas, scipy,
  scikit-learn, matplotlib, seaborn, babel, jinja2, pydantic, pyyaml): no environment that runs the
  workshop can be smaller;
* **bare**: the wheel alone in an empty environment (a laptop without Python packages);
* **hub**: an image with the scientific stack and a Jupyter kernel (numpy, pandas, scipy,
  scikit-learn, matplotlib, seaborn, ipykernel, nbconvert), then the wheel: what it adds;
* **colab**: the same with pyarrow, duckdb, pydantic and requests too (as Colab's image has them),
  then the wheel: what it adds.

Needs the network (PyPI) and about 3 GB of free disk in the temporary folder.

    .venv/bin/python benchmarks/install_size.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UV = ROOT / ".venv" / ".uv" / "bin" / "uv"
TARGET_MB = 300
FLOOR = ("numpy", "pandas", "scipy", "scikit-learn", "matplotlib", "seaborn", "babel", "jinja2", "pydantic", "pyyaml")
HUB = ("numpy", "pandas", "scipy", "scikit-learn", "matplotlib", "seaborn", "ipykernel", "nbconvert", "nbformat")
COLAB = (*HUB, "pyarrow", "duckdb", "pydantic", "requests", "jinja2", "pyyaml", "babel")


def _mb(folder: Path) -> int:
    return int(subprocess.run(["du", "-sm", str(folder)], capture_output=True, text=True, check=True).stdout.split()[0])


def _uv(*args: str, env_dir: Path | None = None) -> None:
    env = {"VIRTUAL_ENV": str(env_dir)} if env_dir else {}
    subprocess.run([str(UV), *args], check=True, env={**os.environ, **env}, capture_output=True)


def _venv(folder: Path, *requirements: str, constraints: Path) -> int:
    _uv("venv", "--quiet", "--python", sys.executable, str(folder))
    if requirements:
        _uv("pip", "install", "--quiet", "--link-mode", "copy", "-c", str(constraints), *requirements, env_dir=folder)
    return _mb(folder)


def main() -> int:
    if not UV.is_file():
        sys.exit("uv is missing: run `make env` first")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        _uv("build", "--wheel", "--quiet", "--out-dir", str(tmp / "dist"), str(ROOT))
        (wheel,) = (tmp / "dist").glob("seglab-*.whl")
        exported = subprocess.run(
            [str(UV), "export", "--locked", "--no-hashes", "--no-emit-project", "--project", str(ROOT)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        pins: dict[str, str] = {}
        for line in exported.splitlines():  # the first pin of each package (the lock may list one per Python)
            if "==" in line and not line.startswith(("#", " ")):
                name = line.split("==")[0].strip().lower()
                pins.setdefault(name, line.split(";")[0].strip())
        constraints = tmp / "constraints.txt"
        constraints.write_text("\n".join(pins.values()) + "\n")
        empty = _venv(tmp / "empty", constraints=constraints)
        rows = [("floor (the workshop's teaching stack alone)", _venv(tmp / "floor", *FLOOR, constraints=constraints))]
        rows.append(("bare: seglab in an empty environment", _venv(tmp / "bare", str(wheel), constraints=constraints)))
        for name, base in (("hub", HUB), ("colab", COLAB)):
            before = _venv(tmp / name, *base, constraints=constraints)
            _uv(
                "pip",
                "install",
                "--quiet",
                "--link-mode",
                "copy",
                "-c",
                str(constraints),
                str(wheel),
                env_dir=tmp / name,
            )
            rows.append(
                (f"{name}: what seglab adds to an image of {before - empty} MB", _mb(tmp / name) - before + empty)
            )
    print(f"{'install':<62} {'MB':>6} {'vs target':>10}")
    for name, mb in rows:
        size = mb - empty
        print(f"{name:<62} {size:>6} {size / TARGET_MB:>9.2f}x")
    print(f"(an empty environment, subtracted: {empty} MB; target {TARGET_MB} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
