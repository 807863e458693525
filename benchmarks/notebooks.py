"""Run every chapter top to bottom on a fresh kernel; report its seconds and the kernel's peak memory.

    python benchmarks/notebooks.py --json out.json [--page book/run_times.md] [--threads 2] [--only 12_diffusion ...]

The kernel gets OMP/MKL/OpenBLAS limited to --threads (torch follows OMP_NUM_THREADS).
Budgets: 3 minutes and 1.5 GB of resident memory (a Binder or class-hub reader's share).
JSON keys: notebooks (chapter -> seconds), peak_memory_gb (chapter -> GB, the kernel's maximum
resident set), budget_seconds, budget_memory_gb, threads, machine.
With --page, the table between the run-times markers of that Markdown page is rewritten; with
--only, just the named chapters run, and their rows replace or join the rows already on the page.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from _common import machine, parser, report
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.book import chapter_paths, rewrite, run_times  # noqa: E402

BUDGET = 180
MEMORY_BUDGET = 1.5  # GB
PEAK_MEMORY = "import resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"  # KiB on Linux


def run(path: Path, threads: int) -> tuple[float, float]:
    """(seconds, peak resident memory in GB) of one chapter run top to bottom on a fresh kernel."""
    nb = nbformat.read(path, as_version=4)
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads),
           "OPENBLAS_NUM_THREADS": str(threads)}  # fmt: skip
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    with client.setup_kernel(env=env):
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        seconds = time.perf_counter() - start
        nb.cells.append(nbformat.v4.new_code_cell(PEAK_MEMORY))  # asked last, in the same kernel (never saved)
        probe = client.execute_cell(nb.cells[-1], len(nb.cells) - 1)
    return seconds, int(probe.outputs[0]["text"]) / 1e6


def write_page(page: Path, seconds: dict[str, float], memory: dict[str, float], threads: int, about: dict) -> None:
    lines = ["| Chapter | Seconds | Peak memory (GB) | Within budget |", "| --- | ---: | ---: | :---: |"]
    for name, s in seconds.items():
        within = "yes" if s < BUDGET and memory[name] < MEMORY_BUDGET else "no"
        lines.append(f"| {name} | {s:.1f} | {memory[name]:.2f} | {within} |")
    lines.append("")
    lines.append(f"Measured with {threads} threads on {about['cores']} cores ({about['cpu']}), "
                 f"Python {about['python']}, torch {about['torch']}.")  # fmt: skip
    rewrite(page, {"run-times": "\n".join(lines)})


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--page", type=Path, help="Markdown page whose run-times table to rewrite")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--only", nargs="+", metavar="CHAPTER", help="run only these chapters (e.g. 12_diffusion)")
    args = p.parse_args()
    seconds, memory = {}, {}
    paths = chapter_paths()
    if args.only:
        unknown = set(args.only) - {path.stem for path in paths}
        if unknown:
            p.error(f"no such chapter: {', '.join(sorted(unknown))}")
        paths = [path for path in paths if path.stem in args.only]
    for path in paths:
        seconds[path.stem], memory[path.stem] = run(path, args.threads)
        print(f"ran {path.name} in {seconds[path.stem]:.1f} s, peak {memory[path.stem]:.2f} GB", flush=True)
    about = machine()
    results = {"notebooks": {k: round(v, 2) for k, v in seconds.items()},
               "peak_memory_gb": {k: round(v, 3) for k, v in memory.items()}, "budget_seconds": BUDGET,
               "budget_memory_gb": MEMORY_BUDGET, "threads": args.threads, "machine": about}  # fmt: skip
    report([(name, f"{s:.1f} s, {memory[name]:.2f} GB") for name, s in seconds.items()], results, args.json)
    if args.page:
        if args.only:  # keep the other chapters' rows
            old = run_times(args.page)
            seconds = {**{name: float(s) for name, (s, _) in old.items()}, **seconds}
            memory = {**{name: float(m) for name, (_, m) in old.items()}, **memory}
            seconds, memory = dict(sorted(seconds.items())), dict(sorted(memory.items()))
        write_page(args.page, seconds, memory, args.threads, about)


if __name__ == "__main__":
    main()
