"""Keep the exercises' solutions off the chapter pages, and on one instructor page instead.

    python scripts/solutions_page.py           # write book/teaching/solutions.md, hide the solution cells
    python scripts/solutions_page.py --check   # exit 1 if the page or a chapter's solution cells are out of date

The website shows each chapter's exercises and checks, but not the solutions. This script
* writes book/teaching/solutions.md, the "Instructor appendix: solutions": per chapter, each
  exercise's statement (its markdown, as in the chapter) and its solution code in a dropdown that
  is collapsed until clicked;
* tags every solution cell (a code cell starting "# Solution") `remove-input`, so that the website
  leaves its code out (its output, if any, stays), and marks it `source_hidden`, so that JupyterLab
  shows it collapsed. Nothing else in a chapter changes. Run scripts/sync_notebooks.py afterwards:
  it rewrites the Colab copies.
tests/test_assignments.py fails when the page or a chapter's tags have drifted from what this writes.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

try:
    from scripts.book import ROOT, chapter_paths
    from scripts.exercises import is_solution, read_chapter
except ImportError:  # run as `python scripts/solutions_page.py`
    from exercises import is_solution, read_chapter

    from book import ROOT, chapter_paths

PAGE = ROOT / "book" / "teaching" / "solutions.md"
HIDDEN_TAG, SHOWN_TAG = "remove-input", "hide-input"

INTRO = """\
# Instructor appendix: solutions

This page is for instructors. It holds the solution to every exercise of the book, which the
chapter pages leave out so that a reader tries each exercise first (in a notebook, writing an
answer and running the check under it). Each solution below is folded away: click *Solution* to
open it, so that you can show one at a time in class. The same solutions are in the autograder
notebooks that `make assignments` builds (see scripts/assignments.py), and the student notebooks
it builds have none. The page is generated from the chapters by `python scripts/solutions_page.py`;
do not edit it by hand.
"""


def fence(text: str, at_least: int = 3) -> str:
    """A run of backticks longer than any inside `text`."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(at_least, longest + 1)


def chapter_section(path: Path) -> str:
    """One chapter's part of the page: a heading, then each exercise with its solution folded away."""
    chapter = read_chapter(path)
    title = chapter.notebook.cells[0].source.splitlines()[0].lstrip("# ").strip()  # "6. Positional encoding"
    parts = [f"## {title}", f"The exercises of [Chapter {int(path.name[:2])}](../../chapters/{path.name})."]
    for exercise in chapter.exercises:
        code = exercise.solution.source.rstrip()
        inner = fence(code)
        outer = fence(inner + code, len(inner) + 1)
        dropdown = f"{outer}{{admonition}} Solution\n:class: dropdown\n\n{inner}python\n{code}\n{inner}\n{outer}"
        parts += [exercise.statement, dropdown]
    return "\n\n".join(parts)


def page() -> str:
    return "\n\n".join([INTRO.rstrip(), *(chapter_section(path) for path in chapter_paths())]) + "\n"


def hide_solutions(nb: nbformat.NotebookNode) -> bool:
    """Tag each solution cell remove-input and mark it source_hidden; returns whether anything changed."""
    changed = False
    for cell in nb.cells:
        if not is_solution(cell):
            continue
        tags = cell.metadata.get("tags", [])
        wanted = [*[t for t in tags if t not in (SHOWN_TAG, HIDDEN_TAG)], HIDDEN_TAG]
        if tags != wanted or not cell.metadata.get("jupyter", {}).get("source_hidden"):
            cell.metadata["tags"] = wanted
            cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
            changed = True
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if anything is out of date")
    args = parser.parse_args(argv)
    stale = []
    for path in chapter_paths():
        nb = nbformat.read(path, as_version=4)
        if hide_solutions(nb):
            stale.append(path)
            if not args.check:
                nbformat.write(nb, path)
    text = page()
    if not PAGE.exists() or PAGE.read_text() != text:
        stale.append(PAGE)
        if not args.check:
            PAGE.parent.mkdir(parents=True, exist_ok=True)
            PAGE.write_text(text)
    for path in stale:
        print(f"{'out of date' if args.check else 'updated'}: {path.relative_to(ROOT)}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
