"""Run chapters the way a Colab reader does: each notebook alone, its setup cell installing the book.

    python scripts/colab_check.py [CHAPTER ...] [--json out.json]     (default: every chapter)

A simulated Colab: a fresh virtual environment under _build/colab with the packages Colab
already has (torch, NumPy, pandas, scikit-learn, plotly, ipywidgets, tqdm, Pillow and the
Jupyter kernel; pip's cache makes this quick after the first time), a kernel that imports
`google.colab` at start-up as Colab's does, and each chapter copied alone into an empty
folder. The notebook is the chapter's Colab copy (chapters/colab/, plain Markdown), the one the
site's Colab button opens. Its first cell then installs the book's package with pip from a clone of
this repository (the URL of `_config.yml` replaced by the clone's path), exactly as on Colab.
Before each chapter, whatever an earlier chapter installed is removed again, so that every
chapter starts from Colab's packages alone.
A chapter passes when every cell runs without an error and no shipped model is retrained.
The table gives each chapter's seconds there and, for comparison, on the Run times page.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOME = ROOT / "_build" / "colab"
sys.path.insert(0, str(ROOT / "scripts"))
from plain_markdown import colab_path  # noqa: E402
from sync_notebooks import bootstrap_source  # noqa: E402

from book import find_chapters, run_times  # noqa: E402

COLAB_HAS = ["torch", "numpy", "pandas", "scikit-learn", "plotly", "ipywidgets", "tqdm", "pillow", "ipykernel",
             "nbclient", "nbformat"]  # fmt: skip
# how utils.pretrained.load_or_train announces that it trains a shipped model ("... Training <summary> now: about ...");
# a chapter's own words, such as a figure titled "Training the CLIP-style model", must not match
RETRAINED = re.compile(r"Training [^\n\"]* now: about ")

RUNNER = """
import json, sys, time
import nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
start = time.perf_counter()
client = NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": sys.argv[2]}})
error = None
try:
    client.execute()
except Exception as err:  # the chapter failed: report which cell and why
    error = f"{type(err).__name__}: {str(err)[-600:]}"
text = json.dumps([o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])])
print(json.dumps({"seconds": time.perf_counter() - start, "error": error, "outputs": text}))
"""


def pinned(requirement: str) -> str:
    """The line of requirements.txt that pins `requirement` (Colab's own versions differ; ours are tested)."""
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if line.split("==")[0].strip().lower() == requirement:
            return line.strip()
    return requirement


def fresh_environment() -> Path:
    """A new virtual environment with Colab's usual packages and a kernel that imports google.colab."""
    shutil.rmtree(HOME, ignore_errors=True)
    HOME.mkdir(parents=True)
    subprocess.run([sys.executable, "-m", "venv", str(HOME / "venv")], check=True)
    python = HOME / "venv" / "bin" / "python"
    torch = pinned("torch") + "+cpu"  # the CPU build, as `make install` takes it
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    _quietly([*pip, "--upgrade", "pip"])  # Colab's pip is recent; a new venv's may be too old for git+file URLs
    if subprocess.run([*pip, torch], capture_output=True).returncode:
        _quietly([*pip, "--index-url", "https://download.pytorch.org/whl/cpu", torch])
    _quietly([*pip, *(pinned(p) for p in COLAB_HAS if p != "torch")])
    site = Path(subprocess.check_output([str(python), "-c", "import site; print(site.getsitepackages()[0])"],
                                        text=True).strip())  # fmt: skip
    (site / "google" / "colab").mkdir(parents=True)
    (site / "google" / "colab" / "__init__.py").write_text('"""Stands in for Colab\'s own module."""\n')
    startup = HOME / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-colab.py").write_text("import google.colab  # Colab's kernel imports it at start-up\n")
    return python


def _quietly(command: list[str]) -> None:
    """Run `command`, showing its output only if it fails."""
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{' '.join(command[:6])} ... failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")


def run_chapter(python: Path, chapter: Path, clone: Path) -> dict:
    """Copy `chapter`'s Colab copy, as committed in `clone`, alone into an empty folder, point its setup cell
    at `clone`, and run it there (so the notebook and the package it installs come from the same commit)."""
    import nbformat

    folder = Path(tempfile.mkdtemp(prefix=f"colab-{chapter.stem[:2]}-", dir=HOME))
    nb = nbformat.read(clone / colab_path(chapter).relative_to(ROOT), as_version=4)
    setup = next(cell for cell in nb.cells if cell.cell_type == "code")
    assert setup.source == bootstrap_source(), f"{chapter.name}: its setup cell is not the book's (make sync)"
    setup.source = bootstrap_source(f"file://{clone}")
    path = folder / chapter.name
    nbformat.write(nb, path)
    env = {**os.environ, "IPYTHONDIR": str(HOME / "ipython"), "OMP_NUM_THREADS": "2", "GENAI_CACHE": str(folder)}
    done = subprocess.run([str(python), "-c", RUNNER, str(path), str(folder)], capture_output=True, text=True,
                          env=env, cwd=folder)  # fmt: skip
    if done.returncode:
        return {"seconds": 0.0, "error": done.stderr[-600:], "retrained": False}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return {"seconds": round(result["seconds"], 1), "error": result["error"],
            "retrained": bool(RETRAINED.search(result["outputs"]))}  # fmt: skip


def installed(python: Path) -> set[str]:
    """The distributions installed in the environment of `python`, as `name==version` lines."""
    return set(subprocess.check_output([str(python), "-m", "pip", "freeze", "--all"], text=True).splitlines())


def back_to_colab(python: Path, colab: set[str]) -> None:
    """Uninstall what a chapter's setup cell added (the book and its extra dependencies)."""
    added = sorted({line.split("==")[0].split(" @ ")[0] for line in installed(python) - colab})
    if added:
        _quietly([str(python), "-m", "pip", "uninstall", "--quiet", "--yes", *added])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("chapters", nargs="*", help="chapter numbers or names, e.g. 11 (default: all)")
    parser.add_argument("--json", type=Path, help="write the results to this JSON file")
    args = parser.parse_args()
    try:
        chosen = find_chapters(args.chapters)
    except ValueError as error:
        parser.error(str(error))
    start = time.perf_counter()
    python = fresh_environment()
    colab = installed(python)
    print(f"fresh environment with Colab's packages in {time.perf_counter() - start:.0f} s", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        clone = Path(tmp) / "book"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        local = {stem: seconds for stem, (seconds, _) in run_times().items()}  # measured here, same 2 threads
        results = {}
        for chapter in chosen:
            back_to_colab(python, colab)
            results[chapter.stem] = run_chapter(python, chapter, clone)
            r = results[chapter.stem]
            verdict = "error: " + r["error"] if r["error"] else "retrained a shipped model" if r["retrained"] else "ok"
            print(f"{chapter.stem}: {r['seconds']} s on the simulated Colab (local {local.get(chapter.stem, '?')} s)"
                  f", {verdict}", flush=True)  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    failed = [name for name, r in results.items() if r["error"] or r["retrained"]]
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
