"""The chapters as plain Markdown, for notebook front ends that cannot render MyST (Colab).

The chapters are written in MyST: citations ({cite}`key`), glossary links ({term}`word <Term>`)
and boxes (```{admonition} Title). JupyterLab renders these with jupyterlab-myst, and the website
with Sphinx; Colab shows them as literal text. `colab_notebook` turns a chapter into a copy that
reads cleanly anywhere: a citation becomes "(Goodfellow et al., 2014)", a glossary link its plain
word, a box a quoted block with a bold title. Code cells are kept as they are, outputs are dropped.
`make sync` writes these copies to chapters/colab/, and the site's Colab button opens them.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
BIBLIOGRAPHY = ROOT / "book" / "references.bib"
COLAB_FOLDER = ROOT / "chapters" / "colab"

_CITE = re.compile(r"\{cite(?::(p|t))?\}`([^`]+)`")
_TERM = re.compile(r"\{term\}`([^`<]+?)(?:\s*<[^`>]+>)?`")
_FENCE = re.compile(r"^(`{3,}|:{3,})\{admonition\}[ \t]*(.*)$")


@cache
def citation_labels(path: Path = BIBLIOGRAPHY) -> dict[str, tuple[str, str]]:
    """(authors, year) for every key of a BibTeX file: ("Kingma and Ba", "2015")."""
    from pybtex.database import parse_file

    labels = {}
    for key, entry in parse_file(str(path)).entries.items():
        people = entry.persons.get("author", [])
        names = [" ".join(p.last_names).replace("{", "").replace("}", "") for p in people]
        if len(names) == 1:
            authors = names[0]
        elif len(names) == 2 and "others" not in names:
            authors = f"{names[0]} and {names[1]}"
        else:
            authors = f"{names[0]} et al."
        labels[key] = (authors, entry.fields["year"])
    return labels


def _citation(match: re.Match) -> str:
    labels = citation_labels()
    keys = [key.strip() for key in match.group(2).split(",")]
    unknown = [key for key in keys if key not in labels]
    if unknown:
        raise ValueError(f"citation key(s) {unknown} are not in {BIBLIOGRAPHY.name}")
    if match.group(1) == "t":  # textual: "Kingma and Ba (2015)"
        return "; ".join(f"{labels[k][0]} ({labels[k][1]})" for k in keys)
    return "(" + "; ".join(f"{labels[k][0]}, {labels[k][1]}" for k in keys) + ")"


def _boxes(text: str) -> str:
    """```{admonition} Title / :class: tip / body / ``` -> a quoted block with a bold title."""
    out, lines, i = [], text.split("\n"), 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if not opening:
            out.append(lines[i])
            i += 1
            continue
        fence, title = opening.groups()
        body, i = [], i + 1
        while i < len(lines) and lines[i].strip() != fence:
            if not re.match(r"^:[a-z-]+:", lines[i]):  # directive options such as :class: tip
                body.append(lines[i])
            i += 1
        i += 1  # the closing fence
        out.extend([f"> **{title.strip()}**" if title.strip() else ">", ">"])
        out.extend(f"> {line}".rstrip() for line in body)
    return "\n".join(out)


def plain_markdown(text: str) -> str:
    """MyST Markdown -> CommonMark that reads cleanly where MyST is not rendered."""
    return _TERM.sub(r"\1", _CITE.sub(_citation, _boxes(text)))


def colab_notebook(chapter: Path) -> nbformat.NotebookNode:
    """The chapter with plain-Markdown text cells and no outputs, as the Colab copy holds it."""
    nb = nbformat.read(chapter, as_version=4)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)  # when the chapter last ran: no business of the copy
        if cell.cell_type == "markdown":
            cell.source = plain_markdown(cell.source)
        elif cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.metadata.pop("widgets", None)
    return nb


def colab_path(chapter: Path) -> Path:
    return COLAB_FOLDER / chapter.name
