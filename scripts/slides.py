"""One reveal.js slide deck per chapter, made from the executed notebooks: `make slides`.

    python scripts/slides.py [--out _build/slides] [CHAPTER ...]

A deck summarises its chapter; it is not the page. It has a title slide with the learning goals,
then for each `## ` section a slide with its heading, the first sentence of each paragraph (at
most MAX_POINTS for the section and for each `### ` subsection) and every display equation, on
more than one slide when they do not fit. Each box ("What can go wrong"), table and numbered
figure gets its own slide. A figure is a plotly figure or picture that is followed by a
"*Figure N.k. ...*" caption, and it is drawn from the outputs saved in the notebook. A plural
caption, "*Figures N.k and N.l. ...*" or "*Figures N.k to N.m. ...*", numbers the figures drawn
just above it in order; each gets its own slide with the caption, or with its part of it when the
caption says "First: ... Second: ...". Summary and
Further reading become one slide each, and Exercises one slide that lists their titles. Code
cells are left out. The fuller text of each section goes into the speaker notes (press S).

The page around the slides (styles, and the script that draws each figure when its slide is shown)
is scripts/slides_deck.html. A deck loads only files from <out>/vendor: reveal.js and MathJax are
copied from assets/vendor (see scripts/vendor_js.py), and plotly.js from the installed plotly
package. So the folder works offline from any static server:
`python -m http.server --directory _build/slides`.
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import re
import shutil
import time
from html import escape
from itertools import groupby
from pathlib import Path
from string import Template
from typing import NamedTuple

import nbformat
import plotly

try:
    from scripts.book import CHAPTERS, ROOT, find_chapters
    from scripts.plain_markdown import plain_markdown
except ImportError:  # run as `python scripts/slides.py`
    from plain_markdown import plain_markdown

    from book import CHAPTERS, ROOT, find_chapters

VENDOR = ROOT / "assets" / "vendor"
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
PLOTLY = "application/vnd.plotly.v1+json"
DECK = Path(__file__).parent / "slides_deck.html"  # the page of a deck, a template

SLIDE = (1280, 800)  # reveal.js's own slide size in pixels; it scales the slides to the window
FIGURE_BOX = (1200, 600)  # the most room a figure takes, above its caption
LINES = 17.0  # lines of 30 px text that fit under a slide's heading
CHARS_PER_LINE = 96
MAX_POINTS = 6  # bullets taken from a section, or from a subsection
POINT_CHARS = 210  # a longer bullet is cut at a word
CAPTION_CHARS = 230
DRAWN = ("plotly", "picture", "image")  # what a "*Figure N.k.*" caption can be under
NUMBER = r"\d+\.\d+"
CAPTION = re.compile(rf"\*Figures? ({NUMBER}(?:(?:,| and| to) {NUMBER})*)\.\s*(.*?)\*?", re.S)
ORDINALS = ("First", "Second", "Third", "Fourth", "Fifth", "Sixth")


class Block(NamedTuple):
    """One piece of a chapter: kind is h1/h2/h3, para, item, math, table, box, caption, figure or a DRAWN kind."""

    kind: str
    text: str = ""
    data: object = None


# --- reading a chapter ------------------------------------------------------------------------------------------


def _starts_block(line: str) -> bool:
    return bool(re.match(r"\s*(#{1,6} |[*+-] |\d+\. |```|\$\$|\\begin\{|\||>)", line))


def _run(lines: list[str], i: int, keep) -> int:
    """The index of the first line from i on for which keep(line) is false."""
    while i < len(lines) and keep(lines[i]):
        i += 1
    return i


def markdown_blocks(text: str) -> list[Block]:
    """Plain Markdown as blocks: headings, paragraphs, list items, equations, tables, boxes, captions, pictures."""
    blocks, lines, i = [], text.split("\n"), 0
    while i < len(lines):
        line, strip = lines[i], lines[i].strip()
        if not strip:
            i += 1
        elif strip.startswith("```"):  # a code block: no code on slides
            i = _run(lines, i + 1, lambda s: not s.strip().startswith("```")) + 1
        elif strip.startswith("$$"):
            end = i if len(strip) > 2 and strip.endswith("$$") else _run(lines, i + 1, lambda s: "$$" not in s)
            blocks.append(Block("math", "\n".join(lines[i : end + 1]).strip().strip("$").strip()))
            i = end + 1
        elif strip.startswith("\\begin{"):
            close = "\\end{" + strip[7 : strip.index("}") + 1]
            end = _run(lines, i, lambda s, close=close: close not in s)
            blocks.append(Block("math", "\n".join(lines[i : end + 1]).strip(), "environment"))
            i = end + 1
        elif heading := re.match(r"(#{1,6})\s+(.*)", line):
            blocks.append(Block(f"h{min(len(heading[1]), 3)}", heading[2].strip()))
            i += 1
        elif strip.startswith("|"):
            end = _run(lines, i, lambda s: s.strip().startswith("|"))
            rows = [[c.strip() for c in row.strip().strip("|").split("|")] for row in lines[i:end] if "---" not in row]
            blocks.append(Block("table", data=rows))
            i = end
        elif strip.startswith(">"):  # a box: plain_markdown writes ```{admonition} Title as > **Title**
            end = _run(lines, i, lambda s: s.strip().startswith(">"))
            body = [re.sub(r"^\s*> ?", "", row) for row in lines[i:end]]
            title = re.fullmatch(r"\*\*(.*)\*\*", body[0].strip())
            blocks.append(
                Block("box", title[1] if title else "", markdown_blocks("\n".join(body[1 if title else 0 :])))
            )
            i = end
        else:
            item = re.match(r"\s*(?:[*+-]|\d+\.)\s+(.*)", line)
            end = _run(lines, i + 1, lambda s: bool(s.strip()) and not _starts_block(s))
            words = " ".join([item[1] if item else strip] + [row.strip() for row in lines[i + 1 : end]])
            blocks.append(_paragraph(words, "item" if item else "para"))
            i = end
    return blocks


def figure_numbers(numbers: str) -> list[str]:
    """The numbers of a caption's figures: "9.4 and 9.5" -> [9.4, 9.5]; "11.3 to 11.5" -> [11.3, 11.4, 11.5]."""
    found = []
    for part in re.split(r",? and |, ", numbers):
        first, _, last = part.partition(" to ")
        chapter, start = first.split(".")
        end = int(last.split(".")[1]) if last and last.split(".")[0] == chapter else int(start)
        found += [f"{chapter}.{k}" for k in range(int(start), end + 1)]
    return found


def caption_part(caption: str, index: int, count: int) -> str:
    """The caption of the index-th of count figures that share it: its "First: ..." part when it has one per figure."""
    words, alt_text, alt = caption.partition("Alt text:")
    pieces = re.split(rf"\b({'|'.join(ORDINALS)}): ", words)
    if count < 2 or pieces[1::2] != list(ORDINALS[:count]):
        return caption
    part = " ".join(pieces[2 * index + 2].split())
    shared = " ".join(pieces[0].split())  # any words before "First:" are about every figure
    return " ".join(filter(None, [shared, part[:1].upper() + part[1:], alt_text + alt]))


def _paragraph(text: str, kind: str) -> Block:
    if kind == "para" and (caption := CAPTION.fullmatch(text)):
        return Block("caption", caption[1], caption[2])
    if kind == "para" and (picture := re.fullmatch(r"!\[(.*)\]\(([^)\s]+)\)", text, re.S)):
        return Block("image", picture[1], picture[2])
    return Block(kind, text)


def _drawn_output(output: dict) -> Block | None:
    data = output.get("data", {})
    if PLOTLY in data:
        return Block("plotly", data=data[PLOTLY])
    if "image/png" in data:
        return Block("picture", data="data:image/png;base64," + "".join(data["image/png"].split()))
    return None


def _picture_uri(src: str) -> str:
    path = (CHAPTERS / src).resolve()
    mime = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg"}[path.suffix.lower()]
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode()


def chapter_blocks(path: Path) -> list[Block]:
    """The chapter's text as blocks, each numbered caption merged with the figure just above it into a figure.

    A caption of several figures ("Figures 9.4 and 9.5") takes as many drawn outputs from just above it, in order.
    """
    blocks = []
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "markdown":
            blocks += markdown_blocks(plain_markdown(cell.source))
        elif cell.cell_type == "code":  # a code cell without a figure still parts a caption from what came before
            blocks += [d for d in map(_drawn_output, cell.get("outputs", [])) if d] or [Block("code")]
    paired = []
    for block in blocks:
        drawn = 0  # how many drawn outputs lie just above
        while block.kind == "caption" and drawn < len(paired) and paired[-1 - drawn].kind in DRAWN:
            drawn += 1
        if block.kind == "caption" and drawn:
            numbers = figure_numbers(block.text)
            above = paired[len(paired) - min(drawn, len(numbers)) :]
            del paired[len(paired) - len(above) :]
            for index, (shown, number) in enumerate(zip(above, numbers, strict=False)):
                paired.append(Block("figure", number, (shown, caption_part(block.data, index, len(numbers)))))
        else:
            paired.append(block)
    return [b for b in paired if b.kind not in (*DRAWN, "code", "caption")]


def outline(blocks: list[Block]) -> tuple[str, list[str], list[tuple[str, list[Block]]]]:
    """(title, learning goals, [(section heading, its blocks)]) of a chapter."""
    title, goals, sections = "", [], []
    for block in blocks:
        if block.kind == "h1":
            title = block.text
        elif block.kind == "h2":
            sections.append((block.text, []))
        elif sections:
            sections[-1][1].append(block)
        elif block.kind == "box" and block.text == "What you will learn":
            goals = [b.text for b in block.data if b.kind == "item"]
    return title, goals, sections


# --- Markdown text to HTML --------------------------------------------------------------------------------------


def _protect(text: str) -> tuple[str, list[str]]:
    """Code spans and inline math set aside as ready HTML (\\x00n\\x00 marks their place); links become their text."""
    stash: list[str] = []

    def keep(html: str) -> str:
        stash.append(html)
        return f"\x00{len(stash) - 1}\x00"

    text = re.sub(r"`([^`]+)`", lambda m: keep(f"<code>{escape(m[1])}</code>"), text)
    text = re.sub(r"(?<![\\$])\$([^$]+?)\$", lambda m: keep(f"\\({escape(m[1], quote=False)}\\)"), text)
    return re.sub(r"!?\[([^\]]*)\]\([^)\s]*\)", r"\1", text), stash


def _render(text: str, stash: list[str]) -> str:
    html = escape(text, quote=False)
    html = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html)
    html = re.sub(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])", r"<em>\1</em>", html)
    return re.sub("\x00(\\d+)\x00", lambda m: stash[int(m[1])], html)


def _visible(text: str, stash: list[str]) -> int:
    return len(re.sub(r"<[^>]+>", "", re.sub("\x00(\\d+)\x00", lambda m: stash[int(m[1])], text)))


def _cut(text: str, stash: list[str], limit: int) -> str:
    """The text, cut at a word with an ellipsis when longer than limit visible characters; emphasis stays closed."""
    if _visible(text, stash) <= limit:
        return text
    words = text.split(" ")
    while len(words) > 1 and _visible(" ".join(words), stash) > limit - 2:
        words.pop()
    cut = " ".join(words).rstrip(",;:") + " …"
    cut += "**" * (cut.count("**") % 2)
    return cut + "*" * (cut.replace("**", "").count("*") % 2)


def html_text(markdown: str, limit: int | None = None) -> str:
    """Markdown text as HTML, cut to limit visible characters if given."""
    text, stash = _protect(markdown)
    return _render(_cut(text, stash, limit) if limit else text, stash)


def lead(markdown: str, limit: int = POINT_CHARS) -> str:
    """The first sentence of a paragraph as HTML (two when the first is short), cut to limit characters."""
    text, stash = _protect(markdown)
    # a sentence ends at . ! or ? (perhaps before a quote or bracket), not after an initial such as "J. R. Firth"
    sentences = re.split(r"(?:(?<=[.!?])|(?<=[.!?][\"”’)]))(?<!\s[A-Z]\.)\s+(?=[A-Z\"“(\x00*])", text)
    first = sentences[0]
    if len(sentences) > 1 and _visible(first, stash) < 60:
        first += " " + sentences[1]
    return _render(re.sub(r":$", ".", _cut(first, stash, limit)), stash)


def _lines(html: str, chars_per_line: float = CHARS_PER_LINE) -> float:
    return math.ceil(len(re.sub(r"<[^>]+>|\\\(|\\\)", "", html)) / chars_per_line) + 0.35


def _equation_lines(tex: str) -> float:
    return 2.4 + 1.7 * tex.count("\\\\") + 0.6 * ("\\frac" in tex or "\\sum" in tex)


def _font_scale(lines: float, room: float = LINES) -> float:
    """How much smaller the text must be to fit: both line height and line count scale with the font."""
    return max(0.55, min(1.0, math.sqrt(room / lines)))


# --- slides -----------------------------------------------------------------------------------------------------


def _notes(blocks: list[Block]) -> str:
    parts = [f"<p>{html_text(b.text)}</p>" for b in blocks if b.kind in ("para", "item")]
    return f'<aside class="notes">{"".join(parts)}</aside>' if parts else ""


def _equation(block: Block) -> str:
    tex = escape(block.text, quote=False)
    return f'<div class="eq">{tex}</div>' if block.data == "environment" else f'<div class="eq">\\[{tex}\\]</div>'


def _page(page: list[tuple[Block, str]]) -> str:
    """The bullets (grouped into lists) and equations of one slide, in the chapter's order."""
    html = ""
    for is_math, group in groupby(page, key=lambda shown: shown[0].kind == "math"):
        items = list(group)
        html += (
            "".join(_equation(b) for b, _ in items)
            if is_math
            else f"<ul>{''.join(f'<li>{h}</li>' for _, h in items)}</ul>"
        )
    return html


def _paginate(costs: list[float]) -> list[list[int]]:
    """Which points go on which slide: as few slides as fit, evened out so that the last is not a stub."""

    def fill(room: float) -> list[list[int]]:
        pages, left = [[]], room
        for i, cost in enumerate(costs):
            if cost > left and pages[-1]:
                pages, left = [*pages, []], room
            pages[-1].append(i)
            left -= cost
        return pages

    fewest = fill(LINES)
    even = fill(min(LINES, max([sum(costs) / len(fewest), *costs]) + 1))
    return even if len(even) == len(fewest) else fewest


def text_slides(title: str, blocks: list[Block], attrs: str = 'class="part"', kicker: str = "") -> list[str]:
    """Slides of a heading, the leads of the paragraphs and list items, and every equation, paged to fit."""
    shown, points = [], 0
    for block in blocks:
        if block.kind == "math":
            shown.append((block, ""))
        elif block.kind in ("para", "item") and points < MAX_POINTS:
            shown.append((block, lead(block.text)))
            points += 1
    costs = [_equation_lines(block.text) if block.kind == "math" else _lines(html) for block, html in shown]
    pages = [[shown[i] for i in page] for page in _paginate(costs)]
    top = f'<p class="kicker">{html_text(kicker)}</p>' if kicker else ""
    if not pages[0]:  # a heading with nothing under it before its first subsection: a divider
        attrs = re.sub(r'class="([^"]*)"', r'class="\1 divider"', attrs, count=1)
    slides = [f"<section {attrs}>{top}<h2>{html_text(title)}</h2>{_page(pages[0])}{_notes(blocks)}</section>"]
    for page in pages[1:]:
        slides.append(f'<section class="part">{top}<h2>{html_text(title)} (continued)</h2>{_page(page)}</section>')
    return slides


def _fit(layout: dict) -> tuple[int, int]:
    """A figure's size on a slide: fixed-size figures scale evenly, others take the slide's width."""
    width, height = layout.get("width"), layout.get("height") or 450
    if width is None:
        return FIGURE_BOX[0], min(FIGURE_BOX[1], round(height * 1.3))
    scale = min(FIGURE_BOX[0] / width, FIGURE_BOX[1] / height, 1.6)
    return round(width * scale), round(height * scale)


def figure_slide(block: Block) -> str:
    drawn, caption = block.data
    words, _, alt = caption.partition("Alt text:")
    alt = escape(" ".join(alt.split()) or block.text)
    if drawn.kind == "plotly":
        width, height = _fit(drawn.data.get("layout", {}))
        config = {**drawn.data.get("config", {}), "responsive": False, "displayModeBar": False}
        figure = {**drawn.data, "layout": {**drawn.data.get("layout", {}), "width": width, "height": height}}
        payload = json.dumps({**figure, "config": config}).replace("<", "\\u003c")
        figure_id = "figure-" + block.text.replace(".", "-")
        body = (
            f'<div class="plot" role="img" aria-label="{alt}" data-json="{figure_id}" '
            f'style="width:{width}px;height:{height}px"></div>'
            f'<script type="application/json" id="{figure_id}">{payload}</script>'
        )
    else:
        src = drawn.data if drawn.kind == "picture" else _picture_uri(drawn.data)
        body = f'<img class="picture" src="{src}" alt="{alt}">'
    text = html_text(" ".join(words.split()), CAPTION_CHARS)
    notes = f'<aside class="notes">{html_text(caption)}</aside>'
    return (
        f'<section class="figure" data-figure="{block.text}">{body}'
        f'<p class="caption"><strong>Figure {block.text}.</strong> {text}</p>{notes}</section>'
    )


def list_slide(title: str, items: list[str], attrs: str = "") -> str:
    """One slide of a heading and bullets, the font made smaller when they are long."""
    scale = _font_scale(sum(_lines(item) for item in items))
    bullets = "".join(f"<li>{item}</li>" for item in items)
    return f'<section {attrs}><h2>{html_text(title)}</h2><ul style="font-size:{scale:.2f}em">{bullets}</ul></section>'


def table_slide(title: str, rows: list[list[str]]) -> str:
    cells = [[html_text(cell) for cell in row] for row in rows]
    lines = sum(max(_lines(c, CHARS_PER_LINE / len(row)) for c in row) for row in cells)
    html = "".join(
        "<tr>" + "".join(f"<{tag}>{c}</{tag}>" for c in row) + "</tr>"
        for tag, row in zip(["th"] + ["td"] * (len(cells) - 1), cells, strict=True)
    )
    style = f"font-size:{_font_scale(lines):.2f}em"
    return f'<section class="table"><h2>{html_text(title)}</h2><table style="{style}">{html}</table></section>'


def section_slides(heading: str, blocks: list[Block]) -> list[str]:
    """The slides of one `## ` section: its text, then its boxes, tables and figures, subsection by subsection."""
    if heading == "Exercises":
        titles = [re.match(r"\*\*(Exercise [\d.]+)\s*\(?(.*?)\)?\.?\*\*", b.text) for b in blocks if b.kind == "para"]
        items = [html_text(f"{t[1]}: {t[2]}" if t[2] else t[1]) for t in titles if t]
        return [list_slide(heading, items, f'class="section" data-heading="{escape(heading)}"')]
    if heading in ("Summary", "Further reading"):
        items = [html_text(b.text, 2 * POINT_CHARS) for b in blocks if b.kind == "item"]
        return [list_slide(heading, items, f'class="section" data-heading="{escape(heading)}"')]
    parts = [[heading, []]]
    for block in blocks:
        if block.kind == "h3":
            parts.append([block.text, []])
        else:
            parts[-1][1].append(block)
    slides = []
    for number, (title, part) in enumerate(parts):
        if number == 0:
            slides += text_slides(title, part, f'class="section" data-heading="{escape(heading)}"')
        else:
            slides += text_slides(title, part, kicker=heading)
        for block in part:
            if block.kind == "figure":
                slides.append(figure_slide(block))
            elif block.kind == "table":
                slides.append(table_slide(title, block.data))
            elif block.kind == "box":
                slides += text_slides(block.text, block.data, 'class="box"', kicker=heading)
    return slides


def title_slide(title: str, goals: list[str]) -> str:
    items = [html_text(goal, POINT_CHARS) for goal in goals]
    scale = _font_scale(sum(_lines(item) for item in items), LINES - 3)
    bullets = "".join(f"<li>{item}</li>" for item in items)
    return (
        f'<section class="title"><p class="kicker">Generative AI, Hands-On</p><h1>{html_text(title)}</h1>'
        f'<h3>What you will learn</h3><ul style="font-size:{scale:.2f}em">{bullets}</ul></section>'
    )


def deck(path: Path) -> tuple[str, str, int]:
    """(title, HTML page, number of slides) of a chapter's deck."""
    title, goals, sections = outline(chapter_blocks(path))
    slides = [title_slide(title, goals)]
    for heading, blocks in sections:
        slides += section_slides(heading, blocks)
    page = Template(DECK.read_text(encoding="utf-8")).substitute(
        title=escape(title), count=len(slides), slides="\n".join(slides), width=SLIDE[0], height=SLIDE[1]
    )
    return title, page, len(slides)


def copy_vendor(out: Path) -> None:
    """Everything a deck loads, into out/vendor."""
    vendor = out / "vendor"
    for folder in ("revealjs", "mathjax"):
        shutil.copytree(VENDOR / folder, vendor / folder, dirs_exist_ok=True)
    shutil.copyfile(PLOTLY_JS, vendor / "plotly.min.js")


def build(chapters: list[Path], out: Path) -> dict[str, int]:
    """Write a deck per chapter and an index into out; return the number of slides of each deck."""
    out.mkdir(parents=True, exist_ok=True)
    copy_vendor(out)
    counts, links = {}, []
    for path in chapters:
        title, html, count = deck(path)
        (out / f"{path.stem}.html").write_text(html, encoding="utf-8")
        counts[path.stem] = count
        links.append(f'<li><a href="{path.stem}.html">{escape(title)}</a> <span>({count} slides)</span></li>')
    (out / "index.html").write_text(INDEX.format(links="\n".join(links)), encoding="utf-8")
    return counts


INDEX = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Generative AI, Hands-On: slides</title><link rel="icon" href="data:,">
<style>body {{ font: 18px/1.5 sans-serif; margin: 3em auto; max-width: 40em; }} span {{ color: #666; }}</style></head>
<body><h1>Generative AI, Hands-On: slides</h1>
<p>One deck per chapter. Arrow keys move through a deck, S opens the speaker notes, Esc the overview.</p>
<ul>
{links}
</ul></body></html>
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "slides", help="folder for the decks")
    parser.add_argument("chapters", nargs="*", help="chapters by number or name (default: all)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        chosen = find_chapters(args.chapters)
    except ValueError as error:
        parser.error(str(error))
    counts = build(chosen, args.out)
    for name, count in counts.items():
        print(f"{name:28s} {count:3d} slides")
    print(f"{len(counts)} decks in {args.out} in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
