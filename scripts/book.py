"""The book's files as the scripts see them: its chapter notebooks, and the generated blocks of its pages.

A generated block is the text between two HTML-comment markers of a Markdown page, for example
book/run_times.md's table between `<!-- run-times:start -->` and `<!-- run-times:end -->`. Scripts
rewrite only the block (`rewritten`), and `--check` modes compare it with what it should hold (`stale`).
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"
RUN_TIMES = ROOT / "book" / "run_times.md"


def chapter_paths() -> list[Path]:
    """Every chapter notebook (chapters/NN_name.ipynb), in the book's order."""
    return sorted(CHAPTERS.glob("[0-9][0-9]_*.ipynb"))


def find_chapters(names: list[str]) -> list[Path]:
    """The chapters named by number ("7", "07") or name ("07_attention"); all of them if none is named."""
    every = chapter_paths()
    chosen = []
    for name in names:
        stem = Path(name).stem
        found = [p for p in every if p.stem == stem or p.stem.startswith(f"{stem.zfill(2)}_")]
        if not found:
            raise ValueError(f"no chapter matches {name!r}: give a number such as 07 or a name such as 07_attention")
        chosen += [p for p in found if p not in chosen]
    return chosen or every


def shown(page: Path) -> str:
    """The page's path from the repository root when it lies inside it, else as given."""
    return page.relative_to(ROOT).as_posix() if page.is_relative_to(ROOT) else str(page)


def marked(name: str) -> re.Pattern:
    """A block: its start marker's line, then every line up to its end marker (group 1)."""
    return re.compile(rf"<!-- {name}:start -->\n(.*?)<!-- {name}:end -->", re.S)


def block(text: str, name: str, page: Path) -> str:
    """The text of the block `name` in a page's `text`."""
    match = marked(name).search(text)
    if match is None:
        raise ValueError(f"{shown(page)} lacks the markers <!-- {name}:start --> / <!-- {name}:end -->.")
    return match.group(1)


def rewritten(text: str, page_blocks: dict[str, str], page: Path) -> str:
    """The page's text with each named block replaced by its new contents."""
    for name, body in page_blocks.items():
        block(text, name, page)  # the markers must be there
        new = f"<!-- {name}:start -->\n{body}\n<!-- {name}:end -->"
        text = marked(name).sub(lambda _, new=new: new, text)
    return text


def rewrite(page: Path, page_blocks: dict[str, str]) -> bool:
    """Rewrite the named blocks of `page` in place; True if its text changed."""
    text = page.read_text()
    new = rewritten(text, page_blocks, page)
    if new != text:
        page.write_text(new)
    return new != text


def stale(pages: dict[Path, dict[str, str]]) -> list[str]:
    """'page: block' for each generated block whose text differs from what it should hold."""
    found = []
    for page, page_blocks in pages.items():
        text = page.read_text()
        for name, body in page_blocks.items():
            match = marked(name).search(text)
            if match is None or match.group(1) != body + "\n":
                found.append(f"{shown(page)}: {name}")
    return found


_RUN_TIME_ROW = re.compile(r"^\| (\d\d_\w+) \| ([\d.]+) \| ([\d.]+) \|", re.M)


def run_times(page: Path = RUN_TIMES) -> dict[str, tuple[str, str]]:
    """(seconds, peak memory in GB) per chapter stem, as printed in the run-times block of book/run_times.md."""
    return {stem: (s, m) for stem, s, m in _RUN_TIME_ROW.findall(block(page.read_text(), "run-times", page))}
