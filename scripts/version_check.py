"""Test the package's declared dependency ranges at both ends, in a fresh environment each.

    python scripts/version_check.py latest  [--json out.json]   (make test-latest)
    python scripts/version_check.py oldest  [--json out.json]   (make test-oldest)

`latest` installs the newest release of every dependency that pyproject.toml declares (no pins);
`oldest` installs the lowest version each range allows. Both then add the test tools at the newest
versions that agree with those, run the unit tests (`pytest tests -m "not browser"`, less the
classroom kit's CLASSROOM_TESTS) and execute every chapter top to bottom (outputs are not compared:
numbers may move between releases). The environments live in _build/versions/ and are made with uv,
which resolves both ends (`--resolution highest` / `lowest-direct`) from the package registry; the
torch it takes is PyPI's own build. The table lists the versions installed and what passed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import tomllib

try:
    from scripts.book import ROOT, chapter_paths
except ImportError:  # run as `python scripts/version_check.py`
    from book import ROOT, chapter_paths

HOME = ROOT / "_build" / "versions"
# What the tests and the chapter runner need beyond the package itself. jupyter-book stays below 2 (the
# book is a Jupyter Book 1 project; 2.x needs the internet to build).
TEST_TOOLS = ["pytest", "hypothesis", "nbval", "nbclient", "nbformat", "ipykernel", "tokenizers", "transformers",
              "sentence-transformers", "captum", "jupyter-book<2", "sphinxcontrib-bibtex", "pyyaml",
              "playwright"]  # fmt: skip
# The classroom kit's tests (the class hub, the graded assignments) are left out: the hub and otter-grader run
# in the book's own pinned environment (requirements.txt), not with whatever releases a reader's package has.
CLASSROOM_TESTS = ["tests/test_hub.py", "tests/test_assignments.py"]

RUNNER = """
import sys, time, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
start = time.perf_counter()
NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": sys.argv[2]}}).execute()
print(f"{time.perf_counter() - start:.1f}")
"""


def declared() -> list[str]:
    """The package's dependencies as pyproject.toml declares them (read from the installed copy), e.g. 'torch>=2.3'."""
    return metadata.requires("genai-hands-on")


def build_requires() -> list[str]:
    """What pyproject.toml's build system needs, e.g. 'setuptools>=77'."""
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]


def _run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, **kwargs)


def _must(command: list[str], **kwargs) -> str:
    done = _run(command, **kwargs)
    if done.returncode:
        raise SystemExit(f"{' '.join(command[:8])} ... failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return done.stdout


def environment(end: str) -> tuple[Path, dict[str, str]]:
    """A fresh environment with the package's dependencies at `end` ('latest' or 'oldest') and the test tools."""
    folder = HOME / end
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    _must([sys.executable, "-m", "venv", str(folder / "venv")])
    python = folder / "venv" / "bin" / "python"
    _must([str(python), "-m", "pip", "install", "--quiet", "uv"])
    uv = [str(python), "-m", "uv", "pip", "install", "--python", str(python), "--quiet"]
    resolution = "highest" if end == "latest" else "lowest-direct"
    _must([*uv, *build_requires()])  # the tests build the package's wheel without build isolation
    _must([*uv, "--resolution", resolution, *declared()])
    frozen = folder / "package-dependencies.txt"  # the test tools must not move what was just resolved
    frozen.write_text(_must([str(python), "-m", "uv", "pip", "freeze", "--python", str(python)]))
    _must([*uv, "--constraint", str(frozen), *TEST_TOOLS])
    _must([*uv, "--no-deps", "-e", str(ROOT)])
    versions = {}
    for requirement in declared():
        name = re.split(r"[<>=!~ ]", requirement, maxsplit=1)[0]
        versions[name] = _must([str(python), "-c", f"from importlib.metadata import version; print(version('{name}'))"]
                               ).strip()  # fmt: skip
    return python, versions


def run_chapters(python: Path, folder: Path) -> dict[str, str]:
    """Execute every chapter in `folder`'s environment; 'ok (N s)' or the end of the error."""
    results = {}
    env = {**os.environ, "OMP_NUM_THREADS": "2", "OMP_WAIT_POLICY": "PASSIVE", "GENAI_CACHE": str(folder / "cache"),
           "HF_HUB_OFFLINE": "1"}  # fmt: skip
    for chapter in chapter_paths():
        done = _run([str(python), "-c", RUNNER, str(chapter), str(chapter.parent)], env=env, cwd=folder)
        ok = done.returncode == 0
        results[chapter.stem] = f"ok ({done.stdout.strip()} s)" if ok else "FAILED: " + done.stderr.strip()[-800:]
        print(f"  {chapter.stem}: {results[chapter.stem]}", flush=True)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("end", choices=["latest", "oldest"])
    parser.add_argument("--json", type=Path, help="write the results to this JSON file")
    args = parser.parse_args()
    start = time.perf_counter()
    python, versions = environment(args.end)
    print(f"{args.end} environment in {time.perf_counter() - start:.0f} s:")
    for name, version in versions.items():
        print(f"  {name:22} {version}")
    pinned_only = "tests/test_book.py::test_binder_pins_are_what_these_tests_run_with"
    unit = _run([str(python), "-m", "pytest", "tests", "-m", "not browser", "-q", "-p", "no:cacheprovider",
                 "--deselect", pinned_only, *(f"--ignore={path}" for path in CLASSROOM_TESTS)],
                cwd=ROOT, env={**os.environ, "OMP_NUM_THREADS": "2", "HF_HUB_OFFLINE": "1"})  # fmt: skip
    summary = unit.stdout.strip().splitlines()[-1] if unit.stdout.strip() else unit.stderr[-500:]
    print(f"unit tests: {summary}", flush=True)
    if unit.returncode:
        print(unit.stdout[-4000:])
    chapters = run_chapters(python, HOME / args.end)
    failed = unit.returncode != 0 or any(not r.startswith("ok") for r in chapters.values())
    if args.json:
        report = {"end": args.end, "versions": versions, "unit": summary, "unit_passed": unit.returncode == 0,
                  "chapters": chapters, "passed": not failed,
                  "seconds": round(time.perf_counter() - start)}  # fmt: skip
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    print("passed" if not failed else "FAILED")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
