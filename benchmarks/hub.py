"""A class on the hub: N students log in at once, each runs Chapter 1; memory and time per student.

    sudo python benchmarks/hub.py --students 5 --json out.json [--page book/teaching/instructor_guide.md]

Starts the real class hub (scripts/hub.py: a Unix account per student, PAM login, a server per
student, nbgitpuller copy of the book) on 127.0.0.1, as root. Each student's kernel gets one thread.
JSON keys: students, all_succeeded, per_student (server_start_s, pull_s, first_result_s, total_s,
peak_memory_mb, cpu_s for each), peak_memory_mb_max, server_memory_mb, time_to_first_result_s_max,
chapter_seconds_max, cpu_seconds_mean, hardware (memory_gb and cores for classes of 30 and 300),
machine. With --page, the table between the hub markers of that page is rewritten.
"""

from __future__ import annotations

import math
import secrets
import shutil
import sys
import tempfile
from pathlib import Path

from _common import machine, parser, report

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.book import rewrite, run_times  # noqa: E402
from scripts.hub import BOOK_FOLDER, BRANCH, Hub, demo_class, stop_on_sigterm, students_let_through  # noqa: E402
from scripts.hub_student import Student, attend_together  # noqa: E402

CHAPTER = "01_ai_vs_genai.ipynb"
CLASSES = (30, 300)
TARGET_SECONDS = 60  # a class runs Chapter 1 together and should see it finish within a minute


def heaviest_chapter() -> tuple[str, float]:
    """The chapter whose kernel peaks highest on the Run times page, and that peak in MB."""
    name, (_, gb) = max(run_times().items(), key=lambda row: float(row[1][1]))
    return name, float(gb) * 1000


def hardware(server_mb: float, kernel_mb: float, chapter_1_mb: float, cpu_s: float) -> dict:
    """Memory and cores for classes of 30 and 300 working at the same moment, with a fifth more memory.

    memory_gb: everyone on the largest chapter (a server plus its kernel); memory_gb_chapter_1:
    everyone on Chapter 1, as measured; cores: Chapter 1's CPU time for everyone within TARGET_SECONDS.
    """
    return {
        str(n): {
            "memory_gb": math.ceil(n * (server_mb + kernel_mb) / 1000 * 1.2),
            "memory_gb_chapter_1": math.ceil(n * chapter_1_mb / 1000 * 1.2),
            "cores": math.ceil(n * cpu_s / TARGET_SECONDS),
        }
        for n in CLASSES
    }


def write_page(page: Path, results: dict) -> None:
    h, heavy = results["hardware"], results["heaviest_chapter"]
    lines = [
        f"Measured by `make check-hub` on {results['machine']['cores']} cores: {results['students']} students logged "
        f"in at the same moment and ran Chapter 1 through their own servers.",
        "",
        "| Measurement | Value |",
        "| --- | ---: |",
        f"| Students, all runs succeeded | {results['students']}, {'yes' if results['all_succeeded'] else 'no'} |",
        f"| Memory of a started server, nothing run | {results['server_memory_mb']:.0f} MB |",
        f"| Peak memory per student (server and Chapter 1's kernel) | {results['peak_memory_mb_max']:.0f} MB |",
        f"| Time from login to the first result (slowest student) | {results['time_to_first_result_s_max']:.1f} s |",
        f"| Time from login to the end of Chapter 1 (slowest student) | {results['chapter_seconds_max']:.1f} s |",
        f"| CPU time per student for Chapter 1 | {results['cpu_seconds_mean']:.1f} s |",
        "",
        f"For a class, plan each student the server's memory plus the largest kernel of any chapter "
        f"({heavy['name']}, {heavy['kernel_mb']:.0f} MB on the Run times page), with a fifth more for headroom, and "
        f"enough cores that the whole class runs Chapter 1 at once within {TARGET_SECONDS} s:",
        "",
        "| Class size | Memory, largest chapter | Memory, Chapter 1 | Cores |",
        "| ---: | ---: | ---: | ---: |",
        *(f"| {n} | {h[n]['memory_gb']} GB | {h[n]['memory_gb_chapter_1']} GB | {h[n]['cores']} |" for n in h),
    ]
    rewrite(page, {"hub": "\n".join(lines)})


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--students", type=int, default=5)
    p.add_argument("--page", type=Path, help="Markdown page whose hub table to rewrite")
    args = p.parse_args()
    stop_on_sigterm()
    students = demo_class(args.students, prefix=f"bench{secrets.token_hex(2)}-")
    state = Path(tempfile.mkdtemp(prefix="book-hub-bench-", dir="/tmp"))
    try:
        with students_let_through(), Hub(state, students) as hub:
            runs = attend_together([Student(hub.url, n, students[n]) for n in students], f"file://{hub.source}",
                                   BRANCH, BOOK_FOLDER, CHAPTER)  # fmt: skip
    finally:
        shutil.rmtree(state, ignore_errors=True)
    name, kernel_mb = heaviest_chapter()
    cpu_mean = sum(r["cpu_s"] for r in runs) / len(runs)
    server_mb = max(r["server_memory_mb"] for r in runs)
    results = {
        "students": len(runs),
        "all_succeeded": True,  # attend_together raises when any student's run fails
        "per_student": runs,
        "peak_memory_mb_max": max(r["peak_memory_mb"] for r in runs),
        "server_memory_mb": server_mb,
        "time_to_first_result_s_max": max(r["first_result_s"] for r in runs),
        "chapter_seconds_max": max(r["total_s"] for r in runs),
        "cpu_seconds_mean": cpu_mean,
        "heaviest_chapter": {"name": name, "kernel_mb": kernel_mb},
        "hardware": hardware(server_mb, kernel_mb, max(r["peak_memory_mb"] for r in runs), cpu_mean),
        "machine": machine(),
    }
    rows = [(r["student"], f"first result {r['first_result_s']:.1f} s, chapter {r['total_s']:.1f} s, "
             f"peak {r['peak_memory_mb']:.0f} MB, CPU {r['cpu_s']:.1f} s") for r in runs]  # fmt: skip
    rows += [(f"class of {n}", f"{v['memory_gb']} GB, {v['cores']} cores") for n, v in results["hardware"].items()]
    report(rows, results, args.json)
    if args.page:
        write_page(args.page, results)


if __name__ == "__main__":
    main()
