"""Turn each chapter's exercises into a graded assignment: a student notebook and an autograder.

    python scripts/assignments.py [--out _build/assignments] [CHAPTER ...]    # every chapter by default
    python scripts/assignments.py --check [--json FILE] [CHAPTER ...]         # grade both versions

We use otter-grader (https://otter-grader.readthedocs.io) rather than nbgrader. Its student
notebook runs from top to bottom without errors: `grader.check("q3")` reports a failed check
instead of raising, where nbgrader leaves `raise NotImplementedError()` in every answer cell. It
grades one notebook locally (`otter run`, or `otter.api.grade_submission` as `--check` does) with
no database. (Gradescope and otter's Docker image would need the book's environment added to the
autograder's requirements; that is not done here.)

For each chapter we write an otter "master" notebook, _build/assignments/<chapter>/<chapter>.ipynb,
in otter's Python format, then run `otter assign` on it, which writes next to it
    student/<chapter>.ipynb, student/tests/       the notebook to hand out, and its public checks
    autograder/<chapter>.ipynb, autograder/*.zip  the solutions notebook and the autograder
The master notebook is the whole chapter (the exercises use its variables), with
    * a raw "# ASSIGNMENT CONFIG" cell on top: tests as files, no PDFs, no export cell, and
      run_tests false, so that making the assignments executes nothing;
    * after the setup cell, a cell that starts otter (`grader = otter.Notebook(...)`);
    * per exercise a block "# BEGIN QUESTION" (name qk, 1 point) ... "# END QUESTION" around its
      statement, set-up cells, the answer cell and the tests. The answer cell holds the chapter's
      solution between "# BEGIN SOLUTION NO PROMPT" and "# END SOLUTION", and a prompt that the
      student gets instead: the chapter's `answer_k = None` cell, or `name = None` for every name
      of the solution that the check or a later cell reads (a stub for a function);
    * two tests per exercise (between "# BEGIN TESTS" and "# END TESTS"): a public one worth no
      points, which only checks that the student replaced what the exercise left to fill in, and a
      hidden one worth the point: the chapter's check cells as one function whose arguments are the
      notebook variables the checks read. Otter passes them in, and a check that fails (or raises,
      as `None - 0.5` does) costs the point. The hidden test is left out of the student's copy,
      since a check shows the expected answer.
In the student notebook `grader.check("qk")` stands where the check cells stood, and it runs at the
same point when the notebook is graded: every test sees the notebook as the chapter's check did.
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import os
import sys
import time
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_raw_cell

try:
    from scripts.book import ROOT, find_chapters
    from scripts.exercises import Chapter, Exercise, bound_names, parse_cell, read_chapter, read_names
except ImportError:  # run as `python scripts/assignments.py`
    from exercises import Chapter, Exercise, bound_names, parse_cell, read_chapter, read_names

    from book import ROOT, find_chapters

OUT = ROOT / "_build" / "assignments"
CONFIG = """\
# ASSIGNMENT CONFIG
name: {name}
init_cell: false
check_all_cell: false
export_cell: false
run_tests: false
solutions_pdf: false
template_pdf: false
tests:
  files: true
  ok_format: false
generate:
  pdf: false
  show_stdout: true"""
STUDENT_NOTE = (
    "**Student version.** The solutions are not in this copy. Write your answer in the cell under each "
    "exercise in place of `None`, run it, then run the `grader.check` cell after it: it tells you whether an "
    "answer is there. Whether it is right is checked when your notebook is graded. Run the next cell first."
)


def master_notebook(chapter: Chapter) -> NotebookNode:
    """The chapter as an otter master notebook (see the module docstring)."""
    cells = [new_raw_cell(CONFIG.format(name=chapter.name))]
    setup = next(i for i, c in enumerate(chapter.before) if c.cell_type == "code")
    for i, cell in enumerate(chapter.before):
        cells.append(copy.deepcopy(cell))
        if i == setup:
            init = f'import otter\n\ngrader = otter.Notebook("{chapter.path.name}")'
            cells += [new_markdown_cell(STUDENT_NOTE), new_code_cell(init)]
    for n, exercise in enumerate(chapter.exercises):
        cells += question_cells(exercise, later_code(exercise, chapter.exercises[n + 1 :], chapter.tail))
    cells += [copy.deepcopy(c) for c in chapter.tail]
    for cell in cells:
        cell.metadata.pop("execution", None)  # timings of the chapter's last run
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return new_notebook(cells=cells, metadata=copy.deepcopy(chapter.notebook.metadata))


def question_cells(exercise: Exercise, later: list[tuple[str, str]]) -> list[NotebookNode]:
    """The BEGIN QUESTION ... END QUESTION block of one exercise, with the cells around it."""
    answer_cells = [c for c in exercise.setup if is_answer_cell(c)]
    cells = [new_markdown_cell(exercise.intro)] if exercise.intro else []
    cells += [new_raw_cell(f"# BEGIN QUESTION\nname: q{exercise.k}\npoints: 1"), new_markdown_cell(exercise.statement)]
    cells += [copy.deepcopy(c) for c in exercise.setup if c not in answer_cells]
    prompt = "\n".join(c.source for c in answer_cells) or stub(exercise, later)
    solution = exercise.solution.source
    answer = f'""" # BEGIN PROMPT\n{prompt}\n"""; # END PROMPT\n# BEGIN SOLUTION NO PROMPT\n{solution}\n# END SOLUTION'
    cells += [new_raw_cell("# BEGIN SOLUTION"), new_code_cell(answer), new_raw_cell("# END SOLUTION")]
    given = "\n".join([*(c.source for c in exercise.setup if c.cell_type == "code"), prompt])
    tests = [new_code_cell(answered_source(exercise.k, given)), new_code_cell(test_source(exercise))]
    cells += [new_raw_cell("# BEGIN TESTS"), *tests, new_raw_cell("# END TESTS")]
    cells += [new_raw_cell("# END QUESTION"), *[copy.deepcopy(c) for c in exercise.after]]
    return cells


def is_answer_cell(cell: NotebookNode) -> bool:
    """A cell such as `answer_1 = None  # your answer: a number`: only names set to None."""
    body = parse_cell(cell.source).body
    return bool(body) and all(
        isinstance(s, ast.Assign) and isinstance(s.value, ast.Constant) and s.value.value is None for s in body
    )


def later_code(exercise: Exercise, later: list[Exercise], tail: list[NotebookNode]) -> list[tuple[str, str]]:
    """The code that runs after an exercise's solution, in order: ("check" | "cell", source)."""
    cells = [("check", c) for c in exercise.checks] + [("cell", c) for c in exercise.after]
    for other in later:
        cells += [("cell", c) for c in other.setup] + [("check", c) for c in other.checks]
        cells += [("cell", c) for c in other.after]
    cells += [("cell", c) for c in tail]
    return [(kind, cell.source) for kind, cell in cells if cell.cell_type == "code"]


def needed_names(exercise: Exercise, later: list[tuple[str, str]]) -> list[str]:
    """The names the solution binds that a check or a later cell reads before anything else binds them."""
    solution = bound_names(exercise.solution.source)
    needed: list[str] = []
    rebound: set[str] = set()
    for kind, source in later:
        needed += [n for n in read_names(source) if n in solution and n not in rebound and n not in needed]
        if kind == "cell":  # a check's own variables stay inside its test
            rebound |= set(bound_names(source))
    return needed


def stub(exercise: Exercise, later: list[tuple[str, str]]) -> str:
    """What the student starts from: `name = None`, or a function that returns None, per needed name."""
    solution = bound_names(exercise.solution.source)
    given = {name for cell in exercise.setup for name in bound_names(cell.source)}  # set before the solution
    lines = []
    for name in [n for n in needed_names(exercise, later) if n not in given]:
        statement = solution[name]
        if isinstance(statement, ast.FunctionDef):
            function = copy.deepcopy(statement)
            function.body = [ast.Expr(ast.Constant(...))]
            lines.append(ast.unparse(function) + "  # your code")
        elif isinstance(statement, ast.Import | ast.ImportFrom):
            lines.append(ast.unparse(statement))
        else:
            lines.append(f"{name} = None  # your answer")
    return "\n".join(lines) or "# your answer"


def test_source(exercise: Exercise) -> str:
    """The hidden test: the check cells as one function of the variables they read, then a call of it.

    Hidden, because a check shows the expected answer (`assert abs(answer_1 - 5 / 7) < 1e-3`): the
    student's copy leaves it out, and it counts only when the notebook is graded.
    """
    source = "\n".join(c.source for c in exercise.checks)
    names = ", ".join(read_names(source))
    test = ast.parse(f"def test_q{exercise.k}({names}):\n    pass")
    test.body[0].body = parse_cell(source).body
    return f"# HIDDEN\n{ast.unparse(test)}\n\n\ntest_q{exercise.k}({names})"


def answered_source(k: int, given: str) -> str:
    """The public test, worth no points: the student has replaced what the exercise left to fill in.

    `given` is the code the student starts from (set-up cells and prompt). A name it sets to None
    must hold something else; a function it gives with an empty body (`...`) must have a body (its
    code must differ from a function that returns None). Otter shows a question's check only if it
    has a public test, so an exercise with neither gets one that says grading will tell.
    """
    body = parse_cell(given).body
    nones = [t.id for s in body if isinstance(s, ast.Assign) and isinstance(s.value, ast.Constant)
             and s.value.value is None for t in s.targets if isinstance(t, ast.Name)]  # fmt: skip
    stubs = [s.name for s in body if isinstance(s, ast.FunctionDef) and ast.unparse(s.body[0]) == "..."]
    arguments = ", ".join(dict.fromkeys(nones + stubs))
    checks = [
        *(f"    assert {n} is not None, 'Write your answer in place of None, and run that cell.'" for n in nones),
        *(f"    assert {n}.__code__.co_code != (lambda: None).__code__.co_code, 'Write the body of {n}, "
          "and run that cell.'" for n in stubs),
    ] or ["    print('Your answer is checked when your notebook is graded.')"]  # fmt: skip
    lines = ['""" # BEGIN TEST CONFIG', "points: 0", '""" # END TEST CONFIG',
             f"def test_q{k}_answered({arguments}):", *checks, "", "", f"test_q{k}_answered({arguments})"]  # fmt: skip
    return "\n".join(lines)


def make_assignment(path: Path, out: Path = OUT) -> Path:
    """Write the master notebook of a chapter and run `otter assign` on it; returns the chapter's folder."""
    from otter.assign import main as otter_assign

    chapter = read_chapter(path)  # raises ValueError naming the chapter and exercise
    folder = out / chapter.name
    folder.mkdir(parents=True, exist_ok=True)
    master = folder / chapter.path.name
    nbformat.write(master_notebook(chapter), master)
    otter_assign(str(master), str(folder), no_pdfs=True, no_run_tests=True)
    for old in (folder / "autograder").glob("*-autograder_*.zip"):  # a stable name instead of a timestamp
        old.replace(folder / "autograder" / f"{chapter.name}-autograder.zip")
    # the solutions stay with whoever made the assignments (on a class hub, students can pass by _build)
    (folder / "autograder").chmod(0o700)
    master.chmod(0o600)
    return folder


def grade(notebook: Path, autograder: Path) -> dict[str, float]:
    """Points per question for one notebook, graded locally by otter (as `otter run` does)."""
    from otter.api import grade_submission

    results = grade_submission(str(notebook), str(autograder), quiet=True, debug=True)
    return {name: results.get_score(name) for name in sorted(results.results, key=lambda q: int(q[1:]))}


def check(folder: Path, chapter: Path) -> dict:
    """Grade the solutions notebook (should score full marks) and the student notebook (should score 0)."""
    autograder = next((folder / "autograder").glob("*.zip"))
    row = {"chapter": folder.name, "exercises": len(read_chapter(chapter).exercises)}
    for version in ("autograder", "student"):
        start = time.perf_counter()
        try:
            scores = grade(folder / version / f"{folder.name}.ipynb", autograder)
            row[version] = {"points": sum(scores.values()), "scores": scores}
        except Exception as error:  # a cell that fails: otter's debug mode stops at it
            row[version] = {"points": None, "error": f"{type(error).__name__}: {error}"[:2000]}
        row[version]["seconds"] = time.perf_counter() - start
    row["ok"] = row["autograder"]["points"] == row["exercises"] and row["student"]["points"] == 0
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", help="chapters, e.g. 06, or notebook paths (default: all)")
    parser.add_argument("--out", type=Path, default=OUT, help="output folder (default: _build/assignments)")
    parser.add_argument("--check", action="store_true", help="also grade the solutions and student notebooks")
    parser.add_argument("--json", type=Path, help="with --check: write the results here")
    args = parser.parse_args(argv)
    named = [c for c in args.chapters if not c.endswith(".ipynb")]
    given = [Path(c) for c in args.chapters if c.endswith(".ipynb")]  # a notebook given by its path
    try:
        paths = (find_chapters(named) if named or not given else []) + given
        folders = [make_assignment(path, args.out) for path in paths]
    except ValueError as error:
        sys.exit(str(error))
    print(f"wrote {len(folders)} assignments to {os.path.relpath(args.out)}")
    if not args.check:
        return 0
    rows = []
    print(f"{'chapter':<28} {'exercises':>9} {'solutions':>9} {'student':>7} {'seconds':>7}  ok")
    for folder, path in zip(folders, paths, strict=True):
        row = check(folder, path)
        points = [row[v]["points"] for v in ("autograder", "student")]
        solutions, student = (f"{p:g}" if p is not None else "error" for p in points)
        seconds = row["autograder"]["seconds"] + row["student"]["seconds"]
        print(f"{row['chapter']:<28} {row['exercises']:>9} {solutions:>9} {student:>7} {seconds:>7.0f}  "
              f"{'yes' if row['ok'] else 'NO'}")  # fmt: skip
        rows.append(row)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0 if all(row["ok"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
