"""Assignments made from the chapters' exercises (scripts/assignments.py), and the instructor appendix
of solutions (scripts/solutions_page.py).

Converting every chapter takes a few seconds and executes nothing. Grading runs Chapter 6 (about
5 seconds a run) four times: the solutions notebook, the student notebook with nbclient, the
student notebook graded, and the solutions with one wrong answer; about 40 seconds in all. Grading
every chapter is `python scripts/assignments.py --check` (make check-assignments).
"""

import ast
import re
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from scripts.assignments import grade, main, make_assignment
from scripts.book import chapter_paths
from scripts.exercises import is_solution, read_chapter, read_names
from scripts.solutions_page import HIDDEN_TAG, PAGE, SHOWN_TAG, page

CHAPTERS = chapter_paths()
SMALL = next(p for p in CHAPTERS if p.name.startswith("06_"))  # five exercises, runs in about 5 seconds


@pytest.fixture(scope="module")
def assignments(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("assignments")
    for path in CHAPTERS:
        make_assignment(path, out)
    return out


def _solution_lines(path: Path) -> set[str]:
    """The lines of a chapter's solution cells that appear nowhere else in the chapter (a function's
    signature is left out: the student notebook gives it, with an empty body)."""
    nb = nbformat.read(path, as_version=4)
    elsewhere = "\n".join(c.source for c in nb.cells if not is_solution(c))
    lines = {line.strip() for c in nb.cells if is_solution(c) for line in c.source.splitlines()}
    return {line for line in lines if len(line) > 3 and line not in elsewhere and not line.startswith("def ")}


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_student_notebook_has_a_question_per_exercise_and_no_solutions(assignments, path):
    exercises = read_chapter(path).exercises
    folder = assignments / path.stem
    student = nbformat.read(folder / "student" / path.name, as_version=4)
    code = [c.source for c in student.cells if c.cell_type == "code"]
    assert not [s for s in code if s.startswith("# Solution") or "SOLUTION" in s or "PROMPT" in s]
    text = "\n".join(c.source for c in student.cells)
    leaked = [line for line in _solution_lines(path) if line in text]
    assert not leaked, f"solution text in the student notebook: {leaked[:3]}"
    checks = [s for s in code if s.startswith("grader.check(")]
    assert checks == [f'grader.check("q{k}")' for k in range(1, len(exercises) + 1)]
    assert sorted(p.name for p in (folder / "student" / "tests").glob("q*.py")) == sorted(
        f"q{k}.py" for k in range(1, len(exercises) + 1)
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_students_see_whether_they_answered_not_the_expected_answer(assignments, path):
    checks = {line.strip() for e in read_chapter(path).exercises for c in e.checks for line in c.source.splitlines()}
    for test in (assignments / path.stem / "student" / "tests").glob("q*.py"):
        text = test.read_text()
        assert "hidden=True" not in text
        assert not [line for line in checks if line.startswith("assert") and line in text], test.name
    (zip_path,) = (assignments / path.stem / "autograder").glob("*.zip")
    with zipfile.ZipFile(zip_path) as archive:  # the grader has every check, hidden
        hidden = sum(
            archive.read(n).decode().count("hidden=True") for n in archive.namelist() if n.startswith("tests/q")
        )
    assert hidden == len(read_chapter(path).exercises)
    assert (assignments / path.stem / "autograder").stat().st_mode & 0o777 == 0o700  # solutions kept private


def test_names_a_check_reads_include_with_targets_and_comprehension_iterables():
    assert read_names("with open(path) as fh:\n    text = fh.read()\nprint(text, other)") == ["path", "other"]
    assert read_names("n = sum(p.numel() for p in encoder.parameters())\nassert answer_2 == n") == [
        "encoder",
        "answer_2",
    ]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_autograder_zip_holds_one_point_per_exercise(assignments, path):
    n = len(read_chapter(path).exercises)
    (zip_path,) = (assignments / path.stem / "autograder").glob("*.zip")
    with zipfile.ZipFile(zip_path) as archive:
        tests = {name: archive.read(name).decode() for name in archive.namelist() if name.startswith("tests/q")}
    assert sorted(tests) == sorted(f"tests/q{k}.py" for k in range(1, n + 1))
    points = [ast.literal_eval(re.search(r"^points = (.+)$", t, re.M).group(1)) for t in tests.values()]
    assert sum(points) == n


def test_answer_cells_start_the_student_off_with_none(assignments):
    def answer(chapter: str, k: int) -> str:
        nb = nbformat.read(next((assignments / chapter / "student").glob("*.ipynb")), as_version=4)
        return [c.source for c in nb.cells if "otter_answer_cell" in c.metadata.get("tags", [])][k - 1]

    assert answer("06_positional_encoding", 4) == "prediction_4 = None  # your answer"
    assert answer("02_how_models_learn", 1) == "answer_1 = None  # your answer: a number of nats"  # the chapter's own
    merge = ast.parse(answer("04_tokenization", 5)).body[0]  # a function to write: a stub that returns None
    assert isinstance(merge, ast.FunctionDef) and merge.name == "merge" and ast.unparse(merge.body[0]) == "..."
    assert answer("05_embeddings", 2).splitlines() == [
        "candidates = None  # your answer",
        "answer_2 = None  # your answer",
    ]


def _without(path: Path, tmp_path: Path, drop) -> Path:
    """A copy of a chapter with the cells for which `drop(cell)` is true left out."""
    nb = nbformat.read(path, as_version=4)
    nb.cells = [c for c in nb.cells if not drop(c)]
    copy = tmp_path / path.name
    nbformat.write(nb, copy)
    return copy


def test_an_exercise_without_a_solution_is_named(tmp_path):
    broken = _without(SMALL, tmp_path, lambda c: c.source.startswith("# Solution\nanswer_3 ="))
    with pytest.raises(SystemExit, match=r"06_positional_encoding\.ipynb, Exercise 6\.3: no solution cell"):
        main([str(broken), "--out", str(tmp_path / "out")])


def test_an_exercise_without_a_check_is_named(tmp_path):
    broken = _without(SMALL, tmp_path, lambda c: c.source.startswith("assert prediction_5 in"))
    with pytest.raises(ValueError, match=r"06_positional_encoding\.ipynb, Exercise 6\.5: no check cell"):
        make_assignment(broken, tmp_path / "out")


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    return make_assignment(SMALL, tmp_path_factory.mktemp("small"))


def _autograder(folder: Path) -> Path:
    return next((folder / "autograder").glob("*.zip"))


def test_the_solutions_score_full_marks(small):
    scores = grade(small / "autograder" / SMALL.name, _autograder(small))
    assert scores == {f"q{k}": 1.0 for k in range(1, 6)}


def test_the_student_notebook_runs_without_errors_and_scores_zero(small):
    notebook = small / "student" / SMALL.name
    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(nb, timeout=300, allow_errors=False, resources={"metadata": {"path": str(notebook.parent)}})
    client.execute()
    reports = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith("grader.check(")]
    shown = ["".join(o.get("data", {}).get("text/plain", "") for o in c.outputs) for c in reports]
    assert len(shown) == 5 and all("results" in s and "passed" not in s for s in shown), shown
    assert grade(notebook, _autograder(small)) == {f"q{k}": 0 for k in range(1, 6)}


def test_a_wrong_answer_loses_that_exercise_only(small, tmp_path):
    nb = nbformat.read(small / "autograder" / SMALL.name, as_version=4)
    (cell,) = [c for c in nb.cells if 'prediction_4 = "b"' in c.source]
    cell.source = cell.source.replace('prediction_4 = "b"', 'prediction_4 = "a"')
    wrong = tmp_path / SMALL.name
    nbformat.write(nb, wrong)
    assert grade(wrong, _autograder(small)) == {"q1": 1.0, "q2": 1.0, "q3": 1.0, "q4": 0, "q5": 1.0}


# The instructor appendix, and the solutions kept off the chapter pages.


def test_solutions_page_is_up_to_date():
    assert PAGE.read_text() == page(), "run `python scripts/solutions_page.py`"


def test_solutions_page_shows_every_exercise_with_its_solution_folded():
    text = PAGE.read_text()
    for path in CHAPTERS:
        for exercise in read_chapter(path).exercises:
            statement = text.index(exercise.statement)
            dropdown = text.index("{admonition} Solution\n:class: dropdown", statement)
            assert text.find(exercise.solution.source.rstrip(), dropdown) > dropdown
    assert text.count(":class: dropdown") == sum(len(read_chapter(p).exercises) for p in CHAPTERS)
    assert not re.search(r"^\([\w-]+\)=|:name:", text, re.M), "labels would clash with the chapters' own"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_solutions_are_left_off_the_chapter_page(path):
    solutions = [c for c in nbformat.read(path, as_version=4).cells if is_solution(c)]
    assert solutions
    for cell in solutions:
        tags = cell.metadata.get("tags", [])
        assert HIDDEN_TAG in tags and SHOWN_TAG not in tags, "run `python scripts/solutions_page.py`"
        assert cell.metadata["jupyter"]["source_hidden"] is True
