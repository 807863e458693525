"""The generated blocks of the teaching pages, written from the chapters so that they cannot drift.

    python scripts/teaching.py           # rewrite the blocks of book/teaching/*.md
    python scripts/teaching.py --check   # exit 1, naming each block that differs from what the chapters say now

book/teaching/syllabus.md and book/teaching/instructor_guide.md are hand-written pages with blocks
between HTML-comment markers (`<!-- plan:start -->` ... `<!-- plan:end -->`), as book/run_times.md
holds its table. This script rewrites only the blocks:

* syllabus.md, `plan`: the 14-week plan (WEEKS below), with each week's estimated class time;
* syllabus.md, `outcomes`: each week's learning outcomes, the bullets of its chapters' "What you
  will learn" boxes, word for word (only their links are rebased to book/teaching/);
* instructor_guide.md, `chapters`: per chapter its run time and peak memory (from the table of
  book/run_times.md), exercises, words of prose and the teaching-time estimate of `teaching_minutes`;
* instructor_guide.md, `mistakes`: per chapter the mistakes a reader makes (PITFALLS, written from
  reading the chapter) and where the hints of its checks point ("Not yet: ..." messages).
"""

from __future__ import annotations

import argparse
import ast
import math
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

try:
    from scripts import exercises
    from scripts.book import CHAPTERS, ROOT, chapter_paths, rewrite, run_times, shown, stale
except ImportError:  # run as `python scripts/teaching.py`
    import exercises

    from book import CHAPTERS, ROOT, chapter_paths, rewrite, run_times, shown, stale

TEACHING = ROOT / "book" / "teaching"
SYLLABUS = TEACHING / "syllabus.md"
GUIDE = TEACHING / "instructor_guide.md"

# The course: 15 chapters and 2 projects in 14 weeks. Three pairs share a week: 4 and 5 (text into
# tokens, tokens into vectors), 6 and 7 (positions, then attention) and 8 and 11 (a GPT, then how to
# decode from it; Chapter 11 only needs Chapters 2, 7 and 8). Project 1 follows the VAE and the GAN,
# Project 2 ends the course.
WEEKS: tuple[tuple[str, ...], ...] = (
    ("01",), ("02",), ("03",), ("04", "05"), ("06", "07"), ("08", "11"), ("09",),
    ("10",), ("project-1",), ("12",), ("13",), ("14",), ("15",), ("project-2",),
)  # fmt: skip
# A project: its title, and the chapters it draws on. Its label, (teaching-project-1)=, sits in syllabus.md.
PROJECTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "project-1": ("The apple-shaped banana", ("01", "09", "10")),
    "project-2": ("Notice the blue apple", ("09", "12", "13", "14", "15")),
}

# The teaching-time estimate (minutes): the prose explained at WORDS_PER_MINUTE, MINUTES_PER_EXERCISE
# for each exercise started in the lab, and one live run of the chapter; rounded up to 5 minutes.
WORDS_PER_MINUTE = 150
MINUTES_PER_EXERCISE = 10

# What readers get wrong, from reading each chapter (1-2 lines each); the checks' hints come on top.
PITFALLS: dict[str, tuple[str, ...]] = {
    "01": (
        "Taking the classifier's confident answer about a blue apple for knowledge: a softmax always names "
        "one of its kinds; only the Gaussians' log-likelihood can say that a fruit is unlike any seen.",
        "Reading `train_loss` above `val_loss` at step 100 as a bug: the training loss averages the earlier, "
        "worse steps since the last evaluation.",
    ),
    "02": (
        "Feeding probabilities to `F.cross_entropy`, which takes logits and applies the log-softmax itself.",
        "Measuring with dropout or batch norm still in training mode: call `model.eval()` first.",
    ),
    "03": (
        "Expecting MiniLM to write: an encoder returns one vector per sentence and has no next token to give.",
        "Assuming a more detailed label description helps zero-shot classification: the plainest description "
        "of health wins (Exercise 3.3).",
    ),
    "04": (
        'Forgetting the leading space: "the" and " the" are different tokens.',
        "Trusting a word tokenizer without measuring its unknown rate on the text at hand.",
    ),
    "05": (
        'Reading cosine similarity as sameness of meaning: "hot" and "cold" are close because they are used '
        "in the same places.",
        "Taking the 3D PCA map for the whole space: it keeps only the largest spread among the words chosen.",
    ),
    "06": (
        "Assuming attention sees word order by itself: without positions a transformer reads a bag of words.",
        "Expecting learned position vectors to work beyond the longest training length.",
    ),
    "07": (
        "Over-reading attention maps: a head that puts weight on a word has not understood it.",
        "Mean pooling without the attention mask, so that a sentence's embedding depends on its batch.",
    ),
    "08": (
        "Watching only the training loss: a validation loss that stops falling while the training loss falls "
        "is overfitting.",
        "Comparing losses across different tokenizers or different held-out texts.",
    ),
    "09": (
        "Comparing the Bernoulli ELBO of continuous pixels with a log-likelihood from a paper: it is a score, "
        "comparable only between models with the same pixel model.",
        "Missing posterior collapse: if the KL term drops to about 0, the decoder ignores z.",
    ),
    "10": (
        "Reading the GAN's losses as quality: they say whether the game is balanced; the Fréchet distance "
        "measures the samples.",
        "Expecting their run to match the book's: a GAN amplifies the last digits of floating-point sums, "
        "so mode counts can differ between processors.",
    ),
    "11": (
        "Asking for temperature 0: dividing by zero is undefined, so the functions raise a `ValueError` "
        "and point to greedy decoding.",
        "Turning several decoding knobs at once, and then not knowing which one changed the text.",
    ),
    "12": (
        "Confusing the 1,000 training steps with sampling steps: DDIM samples with far fewer.",
        "Turning classifier-free guidance up without limit: too much guidance breaks the pictures.",
    ),
    "13": (
        "Putting the SFT loss on the question too: the model then spends its capacity on random measurements.",
        "Taking the leash off RLHF: the reward stays high while the answers come apart (reward hacking).",
    ),
    "14": (
        'Forgetting that augmentations define "the same": views that never change the hue let the encoder '
        "lean on colour (Exercise 14.6).",
        'Expecting zero-shot search to know words never paired with pictures: "square" and "stripes" return '
        "ordinary fruit.",
    ),
    "15": (
        "Reading attention weights as an explanation: they say where information is read from, not what the "
        "output depends on.",
        "Trusting one yardstick: the Fréchet distance, the detector and the eye rank the three generators differently.",
    ),
}
# Hints that only say to look at the next cell point at no mistake, so the mistakes list leaves them out.
NOT_A_MISTAKE = ("run the next cell", "look at the evidence")

_TITLE = re.compile(r"^# (\d+)\. (.+)$", re.M)
_BOX = re.compile(r"^```\{admonition\} What you will learn\n(?::class:[^\n]*\n)?(.*?)^```", re.M | re.S)
_EXERCISE_TITLE = re.compile(r"\*\*Exercise \d+\.\d+ \((.+?)\)\.\*\*")
_LINK = re.compile(r"\]\(([^)#\s]+)\)")
_DISPLAY_MATH = re.compile(r"\$\$.*?\$\$", re.S)


@dataclass(frozen=True)
class Exercise:
    number: str  # "7.4"
    title: str  # "" when the exercise has none
    hints: tuple[str, ...]  # the "Not yet: ..." messages of its checks, "Not yet: " left off


@dataclass(frozen=True)
class Chapter:
    stem: str  # "07_attention"
    number: int
    title: str
    outcomes: tuple[str, ...]  # the "What you will learn" bullets, links rebased to book/teaching/
    exercises: tuple[Exercise, ...]
    words: int  # words of the Markdown cells, display equations left out

    @property
    def link(self) -> str:
        return f"[Chapter {self.number}](../../chapters/{self.stem}.ipynb)"


def rebase_links(text: str) -> str:
    """Relative links written from chapters/ -> the same targets from book/teaching/."""

    def rebase(match: re.Match) -> str:
        target = match.group(1)
        if "://" in target or target.startswith("/"):
            return match.group(0)
        return f"]({os.path.relpath(CHAPTERS / target, TEACHING)})"

    return _LINK.sub(rebase, text)


def bullets(box: str) -> list[str]:
    """The top-level "* " items of a Markdown list, each joined onto one line."""
    items: list[str] = []
    for line in box.splitlines():
        if line.startswith("* "):
            items.append(line[2:].strip())
        elif line.strip() and items:
            items[-1] += " " + line.strip()
    return items


def hints(source: str) -> list[str]:
    """The "Not yet: ..." messages of a code cell, without "Not yet: " (f-strings with values left out)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # a cell with IPython syntax holds no check
        return []
    parts = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in node.values):
            text = "".join(v.value for v in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in parts:
            text = node.value
        else:
            continue
        if text.startswith("Not yet: "):
            found.append(text.removeprefix("Not yet: "))
    return found


def exercise(read: exercises.Exercise) -> Exercise:
    """An exercise's number, title and the hints of the cells that follow its solution."""
    title = _EXERCISE_TITLE.match(read.statement)
    found = [h for cell in [*read.checks, *read.after] if cell.cell_type == "code" for h in hints(cell.source)]
    return Exercise(read.number, title.group(1) if title else "", tuple(dict.fromkeys(found)))


def read_chapter(path: Path) -> Chapter:
    """A chapter's title, outcomes, exercises with their hints, and word count, read from its notebook."""
    read = exercises.read_chapter(path)
    cells = read.notebook.cells
    title = _TITLE.search(cells[0].source)
    box = _BOX.search(cells[0].source)
    if title is None or box is None:
        raise ValueError(f"{path.name}: the first cell must hold the '# N. Title' and the 'What you will learn' box.")
    words = sum(len(_DISPLAY_MATH.sub(" ", c.source).split()) for c in cells if c.cell_type == "markdown")
    return Chapter(
        stem=path.stem,
        number=int(title.group(1)),
        title=title.group(2).strip(),
        outcomes=tuple(rebase_links(b) for b in bullets(box.group(1))),
        exercises=tuple(exercise(e) for e in read.exercises),
        words=words,
    )


def chapters() -> dict[str, Chapter]:
    """Every chapter, keyed by its two-digit number: {"07": Chapter(...)}."""
    return {path.stem[:2]: read_chapter(path) for path in chapter_paths()}


def teaching_minutes(chapter: Chapter, seconds: float) -> int:
    """words / WORDS_PER_MINUTE + MINUTES_PER_EXERCISE * exercises + the run time, rounded up to 5 minutes."""
    minutes = chapter.words / WORDS_PER_MINUTE + MINUTES_PER_EXERCISE * len(chapter.exercises) + seconds / 60
    return 5 * math.ceil(minutes / 5)


def shortened(hint: str) -> str:
    """A hint's first sentence: the step it says was missed."""
    return re.split(r"(?<=[.?!])\s", hint.strip(), maxsplit=1)[0]


def _project_ref(key: str) -> str:
    return f"{{ref}}`Project {key[-1]} <teaching-{key}>`"


def plan_block(book: dict[str, Chapter], times: dict[str, tuple[str, str]]) -> str:
    """The 14-week table: week, chapters or project, topics, estimated class time."""
    lines = ["| Week | Chapters | Topics | Class time (min) |", "| ---: | --- | --- | ---: |"]
    for week, keys in enumerate(WEEKS, start=1):
        if keys[0] in PROJECTS:
            title, used = PROJECTS[keys[0]]
            uses = ", ".join(str(book[k].number) for k in used)
            lines.append(f"| {week} | {_project_ref(keys[0])} | {title} (uses Chapters {uses}) | project lab |")
            continue
        parts = [book[k] for k in keys]
        minutes = sum(teaching_minutes(c, float(times[c.stem][0])) for c in parts)
        links = " and ".join(c.link for c in parts)
        lines.append(f"| {week} | {links} | {'; '.join(c.title for c in parts)} | {minutes} |")
    return "\n".join(lines)


def outcomes_block(book: dict[str, Chapter]) -> str:
    """Each week's learning outcomes: its chapters' "What you will learn" bullets, word for word."""
    out = []
    for week, keys in enumerate(WEEKS, start=1):
        if keys[0] in PROJECTS:
            title, used = PROJECTS[keys[0]]
            links = ", ".join(book[k].link for k in used[:-1]) + f" and {book[used[-1]].link}"
            out += [f"### Week {week}: Project {keys[0][-1]}, {title.lower()}", ""]
            out += [f"No new chapter. The class works on {_project_ref(keys[0])}, which draws on {links}.", ""]
            continue
        out += [f"### Week {week}: {'; '.join(book[k].title for k in keys)}", ""]
        for key in keys:
            chapter = book[key]
            out += [f"From {chapter.link}, *{chapter.title}*, you will learn:", ""]
            out += [f"* {outcome}" for outcome in chapter.outcomes] + [""]
    return "\n".join(out).rstrip()


def chapters_block(book: dict[str, Chapter], times: dict[str, tuple[str, str]]) -> str:
    """Per chapter: run time and peak memory (book/run_times.md), exercises, words, teaching time."""
    lines = ["| Chapter | Run time (s) | Peak memory (GB) | Exercises | Words | Teaching time (min) |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]  # fmt: skip
    for chapter in book.values():
        seconds, memory = times[chapter.stem]
        minutes = teaching_minutes(chapter, float(seconds))
        lines.append(f"| {chapter.link}: {chapter.title} | {seconds} | {memory} | {len(chapter.exercises)} | "
                     f"{chapter.words:,} | {minutes} |")  # fmt: skip
    total_seconds = sum(float(times[c.stem][0]) for c in book.values())
    lines.append(f"| All {len(book)} chapters | {total_seconds:.1f} | | "
                 f"{sum(len(c.exercises) for c in book.values())} | {sum(c.words for c in book.values()):,} | "
                 f"{sum(teaching_minutes(c, float(times[c.stem][0])) for c in book.values())} |")  # fmt: skip
    return "\n".join(lines)


def mistakes_block(book: dict[str, Chapter]) -> str:
    """Per chapter: the hand-written pitfalls, then where each exercise's check hints."""
    out = []
    for key, chapter in book.items():
        out += [f"### Chapter {chapter.number}: {chapter.title}", ""]
        out += [f"* {line}" for line in PITFALLS.get(key, ())]
        for exercise in chapter.exercises:
            kept = [shortened(h) for h in exercise.hints if not h.lower().startswith(NOT_A_MISTAKE)]
            if kept:
                name = f"Exercise {exercise.number}" + (f" ({exercise.title})" if exercise.title else "")
                text = "; ".join(h.removesuffix(".") for h in dict.fromkeys(kept))
                out.append(f"* {name}: {text}{'' if text.endswith('?') else '.'}")
        out.append("")
    return "\n".join(out).rstrip()


def blocks() -> dict[Path, dict[str, str]]:
    """The text every generated block of every teaching page should hold now."""
    book, times = chapters(), run_times()
    missing = [c.stem for c in book.values() if c.stem not in times]
    if missing:
        raise ValueError(f"book/run_times.md has no row for {missing}; run benchmarks/notebooks.py for them.")
    return {
        SYLLABUS: {"plan": plan_block(book, times), "outcomes": outcomes_block(book)},
        GUIDE: {"chapters": chapters_block(book, times), "mistakes": mistakes_block(book)},
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="report stale blocks instead of rewriting them")
    args = p.parse_args(argv)
    pages = blocks()
    if args.check:
        found = stale(pages)
        for entry in found:
            print(f"stale block {entry}: run python scripts/teaching.py", file=sys.stderr)
        return 1 if found else 0
    for page, page_blocks in pages.items():
        if rewrite(page, page_blocks):
            print(f"rewrote {shown(page)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
