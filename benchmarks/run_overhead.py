"""Benchmark: where the time of a whole `seglab run` goes, against the floor of any such run.

For each run (a 300-customer synthetic CRM over 12 months, the default run of 5,000 customers
over 24 months, and UCI Online Retail when ../shared/data has it) this script

1. times `seglab run` end to end as a user types it (a new process, `--repeat` times, the fastest
   kept), and prints the sha256 of `segments.parquet` and `boston_matrix.csv` (outputs must stay
   byte-identical when the runner changes);
2. runs it once more with timing probes in the kernel and prints, per stage: wall time, time
   importing modules, executing cells, drawing and writing figures, rendering the HTML page (in
   the background, while the next stage runs), and the stage's overhead: its wall time minus the
   computing of its cells (cells minus imports); plus the kernel start and imports paid once;
3. measures the floor: a Python process that only imports what a run imports
   (``seglab.run.kernel.RUN_IMPORTS``), plus papermill executing an empty notebook in a new process;
   and prints each run's ratio to that floor;
4. times the setup cell of every stage notebook in a fresh kernel, as an analyst opening the
   notebook in JupyterLab would run it (target: under 2 s once the files are in the OS cache).

Each run happens in a throw-away project folder (the repository's notebooks), so the project's
own data/ and reports/ are untouched.

    .venv/bin/python benchmarks/run_overhead.py               # all three runs
    .venv/bin/python benchmarks/run_overhead.py --runs small  # just the 300-customer run
    .venv/bin/python benchmarks/run_overhead.py --repeat 3    # fastest of 3 end-to-end timings

Targets (issue 15), on 2 idle cores: 300 customers <= 15 s, default <= 25 s, Online Retail
<= 35 s end to end; every stage's overhead <= 1.5 s.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
ONLINE_RETAIL = ROOT.parent / "shared" / "data" / "online_retail" / "online_retail.parquet"
TARGETS = {"small": 15.0, "default": 25.0, "online_retail": 35.0}
STAGE_OVERHEAD_TARGET = 1.5


def run_params() -> dict[str, dict]:
    """The benchmark's runs: name -> parameters."""
    default = yaml.safe_load((ROOT / "notebooks" / "params" / "default.yaml").read_text())
    runs = {
        "small": {
            **default,
            "run_name": "small",
            "source": {"kind": "synthetic", "synthetic": {"n_customers": 300, "months": 12}},
        },
        "default": default,
    }
    if ONLINE_RETAIL.is_file():
        retail = yaml.safe_load((ROOT / "notebooks" / "params" / "online_retail.yaml").read_text())
        retail["source"]["tables"]["transactions"]["path"] = str(ONLINE_RETAIL)
        runs["online_retail"] = retail
    return runs


def _project(tmp: Path, params: dict) -> Path:
    shutil.copytree(ROOT / "notebooks", tmp / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    f = tmp / "notebooks" / "params" / f"{params['run_name']}.yaml"
    f.write_text(yaml.safe_dump(params, sort_keys=False))
    return f


def _env(root: Path) -> dict:
    return {**os.environ, "SEGLAB_ROOT": str(root), "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE")}


def _seglab_bin() -> list[str]:
    exe = Path(sys.executable).with_name("seglab")
    return [str(exe)] if exe.is_file() else [sys.executable, "-m", "seglab.run.cli"]


def end_to_end(root: Path, params_file: Path) -> float:
    """Wall seconds of `seglab run --params ...` in a new process."""
    t = time.perf_counter()
    res = subprocess.run(
        [*_seglab_bin(), "run", "--params", str(params_file)], env=_env(root), capture_output=True, text=True
    )
    secs = time.perf_counter() - t
    if res.returncode:
        sys.exit(f"seglab run failed:\n{res.stderr[-3000:]}")
    return secs


PROBED = """
import json, sys
from seglab.run import pipeline
r = pipeline.run(sys.argv[1], options=pipeline.RunOptions(log=lambda m: None, progress=False, probes=True))
print(json.dumps({"setup": r.setup_seconds, "total": r.total_seconds,
                  "stages": [{"name": s.name, "wall": s.seconds, **s.profile} for s in r.stages]}))
"""


def probed(root: Path, params_file: Path) -> dict:
    """One run with the timing probes: per-stage breakdown (see the module doc)."""
    t = time.perf_counter()
    res = subprocess.run(
        [sys.executable, "-c", PROBED, str(params_file)], env=_env(root), capture_output=True, text=True
    )
    if res.returncode:
        sys.exit(f"probed run failed:\n{res.stderr[-3000:]}")
    out = json.loads(res.stdout.strip().splitlines()[-1])
    out["process"] = time.perf_counter() - t
    return out


def floor(tmp: Path) -> dict[str, float]:
    """Seconds of a process importing what a run imports, and of papermill running an empty notebook."""
    from seglab.run.kernel import RUN_IMPORTS

    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import " + ", ".join(RUN_IMPORTS)], check=True)
    imports = time.perf_counter() - t
    import nbformat

    empty = tmp / "empty.ipynb"
    nbformat.write(
        nbformat.v4.new_notebook(
            metadata={"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}}
        ),
        empty,
    )
    code = (
        f"import papermill; papermill.execute_notebook({str(empty)!r}, {str(tmp / 'empty_out.ipynb')!r}, "
        "kernel_name='python3', progress_bar=False)"
    )
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    notebook = time.perf_counter() - t
    return {"imports": imports, "papermill_empty_notebook": notebook, "floor": imports + notebook}


SETUP_CELL = """
import json, sys, time
import nbformat
from jupyter_client.manager import start_new_kernel
nb = nbformat.read(sys.argv[1], as_version=4)
code = [c for c in nb.cells if c.cell_type == "code"]
km, kc = start_new_kernel(kernel_name="python3")
try:
    def run(src):
        t = time.perf_counter()
        reply = kc.execute_interactive(src, timeout=120, output_hook=lambda m: None)
        assert reply["content"]["status"] == "ok", reply["content"]
        return time.perf_counter() - t
    run(code[0].source)               # the parameters cell
    print(json.dumps(run(code[1].source)))  # the setup cell: validate parameters, import seglab
finally:
    kc.stop_channels(); km.shutdown_kernel(now=True)
"""


def setup_cells(root: Path) -> dict[str, float]:
    """Seconds of each stage notebook's setup cell in a fresh kernel (as in JupyterLab)."""
    from seglab.run.pipeline import STAGES

    out = {}
    for name, _ in STAGES:
        res = subprocess.run(
            [sys.executable, "-c", SETUP_CELL, str(root / "notebooks" / f"{name}.ipynb")],
            env=_env(root),
            capture_output=True,
            text=True,
        )
        if res.returncode:
            sys.exit(f"setup cell of {name} failed:\n{res.stderr[-2000:]}")
        out[name] = json.loads(res.stdout.strip().splitlines()[-1])
    return out


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "(missing)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--runs",
        nargs="+",
        choices=["small", "default", "online_retail"],
        default=["small", "default", "online_retail"],
    )
    ap.add_argument("--repeat", type=int, default=1, help="end-to-end timings per run (the fastest is kept)")
    ap.add_argument("--no-setup-cells", action="store_true", help="skip the interactive setup-cell timings")
    args = ap.parse_args()
    all_params = run_params()
    if "online_retail" in args.runs and "online_retail" not in all_params:
        print(f"Online Retail skipped: {ONLINE_RETAIL} not found (see ../shared/data/README.md)")
    runs = [r for r in args.runs if r in all_params]
    with tempfile.TemporaryDirectory(prefix="seglab-bench-") as tmp_name:
        tmp = Path(tmp_name)
        base = floor(tmp)
        print(
            f"floor: import what a run imports {base['imports']:.1f} s + papermill on an empty notebook "
            f"{base['papermill_empty_notebook']:.1f} s = {base['floor']:.1f} s"
        )
        summary = []
        for name in runs:
            params = all_params[name]
            root = tmp / name
            params_file = _project(root, params)
            walls = [end_to_end(root, params_file) for _ in range(args.repeat)]
            processed = root / "data" / "processed" / params["run_name"]
            sha = {f: _sha(processed / f) for f in ("segments.parquet", "boston_matrix.csv")}
            prof = probed(root, params_file)
            best = min(walls)
            print(
                f"\n== {name}: `seglab run` {best:.1f} s end to end (runs: {', '.join(f'{w:.1f}' for w in walls)}; "
                f"target <= {TARGETS[name]:.0f} s); {best / base['floor']:.1f}x the floor"
            )
            for f, h in sha.items():
                print(f"   sha256 {f}: {h}")
            print(f"   probed run: {prof['process']:.1f} s in all; kernel start + imports {prof['setup']:.1f} s")
            print(f"   {'stage':<22}{'wall':>7}{'imports':>9}{'cells':>8}{'figures':>9}{'html*':>8}{'overhead':>10}")
            worst = 0.0
            for s in prof["stages"]:
                overhead = s["wall"] - (s.get("cells", 0.0) - s.get("imports", 0.0))
                worst = max(worst, overhead)
                print(
                    f"   {s['name']:<22}{s['wall']:7.2f}{s.get('imports', 0):9.2f}{s.get('cells', 0):8.2f}"
                    f"{s.get('figures', 0):9.2f}{s.get('html', 0):8.2f}{overhead:10.2f}"
                )
            after = prof["process"] - prof["setup"] - sum(s["wall"] for s in prof["stages"])
            print(
                f"   * html is rendered in a background thread while the next stage computes; process start, "
                f"loading papermill, the last page and the index: {after:.1f} s"
            )
            summary.append((name, best, worst))
        if not args.no_setup_cells:
            cells = setup_cells(tmp / runs[0])
            print("\nsetup cell of each stage notebook in a fresh kernel (JupyterLab), seconds:")
            for name, secs in cells.items():
                print(f"   {name:<22}{secs:6.2f}")
        print("\nsummary (target)")
        for name, best, worst in summary:
            ok = best <= TARGETS[name] and worst <= STAGE_OVERHEAD_TARGET
            print(
                f"   {name:<14} {best:6.1f} s (<= {TARGETS[name]:.0f})   worst stage overhead {worst:4.2f} s "
                f"(<= {STAGE_OVERHEAD_TARGET})   {'ok' if ok else 'MISSED'}"
            )


if __name__ == "__main__":
    main()
