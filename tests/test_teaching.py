"""The teaching pages (book/teaching/) against the chapters: no drift, every outcome, every link."""

import re
import shutil
from pathlib import Path

import nbformat
import pytest

from scripts import assignments, slides, teaching
from scripts.book import chapter_paths, find_chapters, rewrite, rewritten, run_times, stale
from scripts.teaching import Chapter, Exercise, hints, shortened, teaching_minutes

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "book" / "teaching" / "syllabus.md", ROOT / "book" / "teaching" / "instructor_guide.md"]
CHAPTERS = chapter_paths()
SYLLABUS, GUIDE = (page.read_text() for page in PAGES)


def _block(text: str, name: str) -> str:
    return re.search(rf"<!-- {name}:start -->\n(.*?)<!-- {name}:end -->", text, re.S).group(1)


def _learning_goals(path: Path) -> list[str]:
    """The chapter's "What you will learn" bullets, each on one line, links rebased to book/teaching/."""
    first = nbformat.read(path, as_version=4).cells[0].source
    box = first.split("```{admonition} What you will learn", 1)[1].split("```", 1)[0]
    items = re.split(r"^\* ", box, flags=re.M)[1:]
    return [re.sub(r"\]\((\d\d_\w+\.ipynb)\)", r"](../../chapters/\1)", " ".join(item.split())) for item in items]


def test_the_pages_match_what_the_chapters_say_now():
    assert teaching.main(["--check"]) == 0


def test_check_names_a_stale_block_and_a_rewrite_fixes_it(tmp_path, monkeypatch, capsys):
    page, guide = tmp_path / "syllabus.md", tmp_path / "instructor_guide.md"
    shutil.copy(PAGES[1], guide)
    page.write_text(SYLLABUS.replace("| 2 | [Chapter 2]", "| 2 | [Chapter 3]"))
    monkeypatch.setattr(teaching, "SYLLABUS", page)
    monkeypatch.setattr(teaching, "GUIDE", guide)
    assert teaching.main(["--check"]) == 1
    assert f"{page}: plan" in capsys.readouterr().err
    assert teaching.main([]) == 0
    assert page.read_text() == SYLLABUS


def test_fourteen_weeks_with_every_chapter_once_and_two_projects():
    rows = [line.split(" | ") for line in _block(SYLLABUS, "plan").splitlines()[2:]]
    assert [int(row[0].strip("| ")) for row in rows] == list(range(1, 15))
    planned = re.findall(r"chapters/(\d\d_\w+)\.ipynb", _block(SYLLABUS, "plan"))
    assert sorted(planned) == [path.stem for path in CHAPTERS]
    assert sum("Project" in row[1] for row in rows) == 2


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_learning_goal_is_in_the_syllabus_word_for_word(path):
    outcomes = _block(SYLLABUS, "outcomes")
    goals = _learning_goals(path)
    assert len(goals) >= 4
    for goal in goals:
        assert f"* {goal}\n" in outcomes + "\n", goal


def test_run_times_and_exercises_in_the_guide_are_the_measured_and_counted_ones():
    measured = [(stem, *row) for stem, row in run_times().items()]
    row = r"^\| \[Chapter \d+\]\(\.\./\.\./chapters/(\d\d_\w+)\.ipynb\)[^|]* \| ([\d.]+) \| ([\d.]+) \| (\d+) \|"
    guide = re.findall(row, _block(GUIDE, "chapters"), re.M)
    assert [row[:3] for row in guide] == measured
    for stem, *_, exercises in guide:
        cells = nbformat.read(ROOT / "chapters" / f"{stem}.ipynb", as_version=4).cells
        solutions = [c for c in cells if c.cell_type == "code" and c.source.startswith("# Solution")]
        assert int(exercises) == len(solutions), stem


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_relative_link_and_reference_resolves(page):
    text = page.read_text()
    targets = [t for t in re.findall(r"\]\(([^)\s]+)\)", text) if "://" not in t]
    assert targets
    missing = [t for t in targets if not (page.parent / t.split("#")[0]).is_file()]
    assert not missing, f"links to files that do not exist: {missing}"
    labels = set(re.findall(r"^\((\S+)\)=$", SYLLABUS + GUIDE, re.M))
    assert set(re.findall(r"\{ref\}`[^`<]*<([^>]+)>`", text)) <= labels


def test_both_pages_have_one_title_and_the_hub_markers():
    for text in (SYLLABUS, GUIDE):
        assert len(re.findall(r"^# ", text, re.M)) == 1 and text.startswith("# ")
    hub_section = GUIDE.split("## Running a class hub\n", 1)[1]  # benchmarks/hub.py fills the block
    assert "<!-- hub:start -->\n" in hub_section and "<!-- hub:end -->" in hub_section


def test_teaching_time_follows_the_stated_formula():
    chapter = Chapter("99_demo", 99, "Demo", (), (Exercise("99.1", "", ()),) * 3, words=1500)
    assert teaching_minutes(chapter, seconds=60) == 45  # 1500 / 150 + 3 * 10 + 1 = 41, rounded up to 45
    assert teaching_minutes(chapter, seconds=240) == 45  # 10 + 30 + 4 = 44
    assert teaching_minutes(chapter, seconds=360) == 50  # 10 + 30 + 6 = 46


def test_hints_keep_plain_messages_and_drop_those_that_print_values():
    source = 'assert a == 1, "Not yet: add the two numbers. Then halve it."\nassert b, f"Not yet: {b} is wrong."\n'
    assert hints(source) == ["add the two numbers. Then halve it."]
    assert hints("%timeit f()") == []
    assert shortened("add the two numbers. Then halve it.") == "add the two numbers."


def test_every_chapter_has_hand_written_pitfalls_in_the_guide():
    mistakes = _block(GUIDE, "mistakes")
    for path in CHAPTERS:
        lines = teaching.PITFALLS[path.stem[:2]]
        assert 1 <= len(lines) <= 2
        assert all(f"* {line}\n" in mistakes + "\n" for line in lines)


# --- scripts/book.py: the chapters chosen by name, and the generated blocks of a page ----------------------------


def test_chapters_are_found_by_number_or_name_and_an_unknown_one_is_named():
    assert [p.stem for p in find_chapters(["7", "07_attention", "11"])] == ["07_attention", "11_decoding"]
    assert find_chapters([]) == chapter_paths()
    with pytest.raises(ValueError, match="no chapter matches '99'"):
        find_chapters(["99"])


@pytest.mark.parametrize("script", [assignments.main, slides.main])
def test_a_script_refuses_an_unknown_chapter_instead_of_making_nothing(script, tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        script(["99", "--out", str(tmp_path)])
    assert stopped.value.code not in (0, None)
    assert "no chapter matches '99'" in str(stopped.value.code) + capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_a_block_is_rewritten_alone_and_missing_markers_are_named(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Title\n<!-- table:start -->\nold\n<!-- table:end -->\nafter\n")
    assert rewrite(page, {"table": "| a |\n| b |"})
    assert page.read_text() == "# Title\n<!-- table:start -->\n| a |\n| b |\n<!-- table:end -->\nafter\n"
    assert not rewrite(page, {"table": "| a |\n| b |"})  # nothing to change
    assert stale({page: {"table": "| c |"}}) == [f"{page}: table"]
    with pytest.raises(ValueError, match=r"lacks the markers <!-- plan:start -->"):
        rewritten(page.read_text(), {"plan": "x"}, page)


def test_run_times_reads_seconds_and_memory_per_chapter():
    times = run_times()
    assert list(times) == [p.stem for p in chapter_paths()]
    assert all(float(seconds) > 0 and 0 < float(memory) < 1.5 for seconds, memory in times.values())
