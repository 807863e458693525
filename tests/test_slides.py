"""The slide decks of scripts/slides.py: what each deck holds, then each deck in headless Chromium.

The fast tests build five decks into a temporary folder and compare them with their notebooks.
The browser tests serve _build/slides (built first when missing or older than the chapters), open
every deck with no internet, page through it to the last slide, and save a few screenshots to
_build/screenshots/slides_*.png for a person to look at.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading
from html import escape, unescape
from pathlib import Path
from urllib.parse import urlparse

import nbformat
import pytest

from scripts.book import chapter_paths
from scripts.slides import CHAPTERS, PLOTLY, SLIDE, _fit, build, chapter_blocks, find_chapters, lead

ROOT = Path(__file__).resolve().parents[1]
SLIDES = ROOT / "_build" / "slides"
SHOTS = ROOT / "_build" / "screenshots"
SECTION = re.compile(r'<section class="section[^"]*" data-heading="([^"]*)"')
FIGURE = re.compile(r'<section class="figure" data-figure="([^"]*)">(.*?)</section>', re.S)


def _markdown(chapter: Path) -> str:
    return "\n".join(c.source for c in nbformat.read(chapter, as_version=4).cells if c.cell_type == "markdown")


def _caption_numbers(markdown: str) -> list[str]:
    """The figure numbers of the captions, in order: "*Figures 9.4 and 9.5." gives both, "11.3 to 11.5" all three."""
    numbers = []
    for listed in re.findall(r"^\*Figures? (\d+\.\d+(?:(?:,|\s+and|\s+to)\s+\d+\.\d+)*)\.", markdown, re.M):
        tokens = re.findall(r"\bto\b|\d+\.\d+", listed)
        for i, token in enumerate(tokens):
            if token != "to":
                numbers.append(token)
                continue
            chapter, first = tokens[i - 1].split(".")  # the numbers between the ends of "A to C"
            numbers += [f"{chapter}.{k}" for k in range(int(first) + 1, int(tokens[i + 1].split(".")[1]))]
    return numbers


def _code(chapter: Path) -> list[str]:
    return [c.source for c in nbformat.read(chapter, as_version=4).cells if c.cell_type == "code"]


CHAPTER_NAMES = ["03_foundation_models", "07_attention", "09_autoencoders_vaes", "11_decoding", "13_training_methods"]


@pytest.fixture(scope="module")
def decks(tmp_path_factory) -> dict[str, str]:
    """Chapters 3 (a drawing as a figure), 7 (figures, equations, a box), 9 and 11 (captions of several figures)
    and 13 (a table, aligned equations)."""
    out = tmp_path_factory.mktemp("slides")
    counts = build(find_chapters(["03", "07", "09", "11", "13_training_methods"]), out)
    assert list(counts) == CHAPTER_NAMES
    for needed in ("revealjs/reveal.js", "revealjs/plugin/math.js", "mathjax/tex-chtml.js", "plotly.min.js"):
        assert (out / "vendor" / needed).exists(), f"{needed} was not copied"
    index = (out / "index.html").read_text()
    assert 'href="07_attention.html"' in index and f"({counts['07_attention']} slides)" in index
    return {name: (out / f"{name}.html").read_text() for name in counts}


@pytest.mark.parametrize("name", CHAPTER_NAMES)
def test_a_slide_for_each_section_in_order(decks, name):
    headings = re.findall(r"^## (.*)$", _markdown(CHAPTERS / f"{name}.ipynb"), re.M)
    assert [unescape(h) for h in SECTION.findall(decks[name])] == [h.strip() for h in headings]


@pytest.mark.parametrize("name", CHAPTER_NAMES)
def test_a_slide_for_each_numbered_figure(decks, name):
    captions = _caption_numbers(_markdown(CHAPTERS / f"{name}.ipynb"))
    figures = FIGURE.findall(decks[name])
    assert [number for number, _ in figures] == captions
    for number, slide in figures:
        assert f"<strong>Figure {number}.</strong>" in slide
        if '<img class="picture" src="data:image/' in slide:  # a drawing, or a PNG output, inlined
            continue
        payload = re.search(r'<script type="application/json" id="[^"]+">(.*?)</script>', slide, re.S)
        figure = json.loads(payload[1])
        assert figure["data"], f"figure {number} has no traces"
        width, height = figure["layout"]["width"], figure["layout"]["height"]
        assert f"width:{width}px;height:{height}px" in slide
        assert width <= SLIDE[0] and height <= 0.8 * SLIDE[1], f"figure {number} is {width} x {height}"


@pytest.mark.parametrize("name", CHAPTER_NAMES)
def test_every_display_equation_is_carried_over(decks, name):
    markdown = _markdown(CHAPTERS / f"{name}.ipynb")
    equations = re.findall(r"\$\$(.+?)\$\$", markdown, re.S)
    assert equations
    for tex in equations:
        assert escape(tex.strip(), quote=False) in decks[name], f"missing equation {tex.strip()[:60]!r}"


@pytest.mark.parametrize("name", CHAPTER_NAMES)
def test_no_code_and_no_raw_myst(decks, name):
    html = re.sub(r'<script type="application/json".*?</script>', "", decks[name], flags=re.S)
    for raw in ("{term}", "{cite}", "```", ":class:", "{admonition}", "](", "**", "<pre"):
        assert raw not in html, f"{raw!r} left in the deck"
    for source in _code(CHAPTERS / f"{name}.ipynb"):
        lines = [line.strip() for line in source.splitlines() if len(line.strip()) > 30]
        assert not any(escape(line, quote=False) in html for line in lines), "a line of code is on a slide"


def test_caption_numbers_of_several_figures():
    markdown = "*Figure 2.1. One.*\n\n*Figures 9.4 and 9.5. Two.*\ntext\n*Figures 11.3 to\n11.5. Three.*\n"
    assert _caption_numbers(markdown) == ["2.1", "9.4", "9.5", "11.3", "11.4", "11.5"]


def test_plural_captions_give_each_figure_its_own_slide(decks):
    figures = dict(FIGURE.findall(decks["09_autoencoders_vaes"]) + FIGURE.findall(decks["11_decoding"]))
    first, second = (re.search(r'<p class="caption">(.*?)</p>', figures[n])[1] for n in ("9.4", "9.5"))
    assert first.startswith("<strong>Figure 9.4.</strong> Histograms of reconstruction error")
    assert "ROC" not in first and "Second" not in first
    assert second == "<strong>Figure 9.5.</strong> Their ROC curves."
    sliders = [re.search(r'<p class="caption">(.*?)</p>', figures[f"11.{k}"])[1] for k in (3, 4, 5)]
    assert [c.split("</strong> ")[1] for c in sliders] == [sliders[0].split("</strong> ")[1]] * 3
    assert "temperatures, top-k and top-p" in sliders[0]
    payloads = [re.search(r'id="figure-11-\d">(.*?)</script>', figures[f"11.{k}"], re.S)[1] for k in (3, 4, 5)]
    assert len(set(payloads)) == 3, "each slider figure is drawn from its own output"


def test_a_caption_takes_as_many_outputs_as_it_numbers(tmp_path):
    def drawn(title):
        figure = {"data": [{"type": "bar", "y": [1]}], "layout": {"title": {"text": title}}}
        return nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output("display_data", {PLOTLY: figure})])

    two = drawn("c")
    two.outputs += drawn("d").outputs  # one cell, two figures
    cells = [
        drawn("stray"),  # not captioned: left out
        drawn("a"),
        drawn("b"),
        nbformat.v4.new_markdown_cell("*Figures 1.1 and 1.2. Shared words. Alt text: both.*"),
        two,
        nbformat.v4.new_markdown_cell("*Figures 1.3 to 1.4. Lead. First: bars. Second: more bars. Alt text: x.*"),
    ]
    path = tmp_path / "01_test.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    figures = [b for b in chapter_blocks(path) if b.kind == "figure"]
    assert [(b.text, b.data[0].data["layout"]["title"]["text"]) for b in figures] == [
        ("1.1", "a"),
        ("1.2", "b"),
        ("1.3", "c"),
        ("1.4", "d"),
    ]
    assert [b.data[1] for b in figures] == [
        "Shared words. Alt text: both.",
        "Shared words. Alt text: both.",
        "Lead. Bars. Alt text: x.",
        "Lead. More bars. Alt text: x.",
    ]


def test_slide_count_is_declared(decks):
    for html in decks.values():
        declared = int(re.search(r'<div class="slides" data-count="(\d+)">', html)[1])
        assert html.count("<section ") == declared


def test_table_and_box_get_their_own_slides(decks):
    assert decks["13_training_methods"].count('<section class="table">') == 1
    assert "<h2>What can go wrong</h2><ul><li>Attention costs grow with the square" in decks["07_attention"]


def test_lead_takes_the_first_sentence_and_converts_markdown():
    text = "Think of a *library* with `Q` and $x < y$. The [second](https://x.org) sentence is long enough to skip."
    first = "Think of a <em>library</em> with <code>Q</code> and \\(x &lt; y\\)."
    assert lead(text) == first + " The second sentence is long enough to skip."  # the first is short: both
    assert lead("Who said it? The linguist J. R. Firth did, in 1957. Then more.") == (
        "Who said it? The linguist J. R. Firth did, in 1957."
    )
    assert lead("The code below does it:") == "The code below does it."


def test_a_long_lead_is_cut_at_a_word_and_keeps_emphasis_closed():
    shortened = lead("A **bold claim " + "that goes on " * 20 + "and on**. Next.", limit=60)
    assert shortened.startswith("A <strong>bold claim") and shortened.endswith(" …</strong>")
    assert len(re.sub(r"<[^>]+>", "", shortened)) <= 60


@pytest.mark.parametrize(
    ("layout", "size"),
    [
        ({"height": 400}, (1200, 520)),  # full width, a little taller than on the page
        ({"height": 730}, (1200, 600)),  # too tall: capped
        ({"width": 600, "height": 300}, (960, 480)),  # fixed size: scaled evenly, at most 1.6 times
        ({"width": 640, "height": 650}, (591, 600)),  # fixed and tall: shrunk evenly
    ],
)
def test_figures_are_fitted_to_the_slide(layout, size):
    assert _fit(layout) == size


# --- in Chromium ------------------------------------------------------------------------------------------------

DECKS = [p.stem for p in chapter_paths()]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def slide_server():
    index = SLIDES / "index.html"
    sources = [*CHAPTERS.glob("*.ipynb"), ROOT / "scripts" / "slides.py"]
    if not index.exists() or max(p.stat().st_mtime for p in sources) > index.stat().st_mtime:
        build(find_chapters([]), SLIDES)
    handler = functools.partial(_QuietHandler, directory=str(SLIDES))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _guarded_page(browser, errors: list[str], foreign: list[str]):
    page = browser.new_page(viewport={"width": SLIDE[0], "height": SLIDE[1]})
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def guard(route):
        url = route.request.url
        if url.startswith("data:") or urlparse(url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            foreign.append(url)
            route.abort()

    page.route("**/*", guard)
    return page


SLIDE_STATE = """() => {
  const s = Reveal.getCurrentSlide(), plots = [...s.querySelectorAll('.plot')];
  return {index: Reveal.getIndices().h, figure: s.dataset.figure || null, math: !!s.querySelector('mjx-container'),
          height: s.scrollHeight, width: s.scrollWidth, plots: plots.length,
          drawn: plots.filter(p => p.dataset.drawn === 'done' && p.querySelector('.main-svg')).length,
          pictures: [...s.querySelectorAll('img')].filter(i => i.naturalWidth > 0).length};
}"""
ALL_DRAWN = """() => [...Reveal.getCurrentSlide().querySelectorAll('.plot')]
  .every(p => p.dataset.drawn === 'done' && p.querySelector('.main-svg'))"""
RAW_TEX = """() => [...document.querySelectorAll('.slides > section')].map(s => {
  const c = s.cloneNode(true); c.querySelectorAll('script, aside').forEach(e => e.remove()); return c.textContent;
}).join(' ')"""


@pytest.mark.browser
@pytest.mark.parametrize("name", DECKS)
def test_deck_works_offline(name, slide_server, browser):
    errors, foreign = [], []
    page = _guarded_page(browser, errors, foreign)
    page.goto(f"{slide_server}/{name}.html?transition=none", wait_until="load")
    page.wait_for_function("() => window.Reveal && Reveal.isReady()")
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
    page.evaluate("() => MathJax.startup.promise")
    assert page.locator("mjx-merror").count() == 0, "a TeX error in the deck"
    assert not re.search(r"\\\(|\\\[|\\begin\{", page.evaluate(RAW_TEX)), "math left untypeset"

    declared = int(page.locator(".slides").get_attribute("data-count"))
    assert page.evaluate("() => Reveal.getTotalSlides()") == declared
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot_equation = shot_figure = False
    for index in range(declared):
        state = page.evaluate(SLIDE_STATE)
        if state["plots"]:
            page.wait_for_function(ALL_DRAWN, timeout=20_000)
            state = page.evaluate(SLIDE_STATE)
        assert state["index"] == index
        # 4 px of slack: MathJax's hidden, clipped copy of a formula (for screen readers) may poke out by a pixel or two
        assert state["height"] <= SLIDE[1] and state["width"] <= SLIDE[0] + 4, f"slide {index + 1} overflows: {state}"
        if state["figure"]:
            assert state["drawn"] + state["pictures"] >= 1, f"figure {state['figure']} was not drawn"
        if index == 0 or (state["math"] and not shot_equation) or (state["figure"] and not shot_figure):
            page.screenshot(path=str(SHOTS / f"slides_{name}_{index + 1:02d}.png"))
            shot_equation |= state["math"] and index > 0
            shot_figure |= bool(state["figure"])
        page.evaluate("() => Reveal.next()")
    assert page.evaluate("() => Reveal.isLastSlide()")
    page.close()
    assert not foreign, f"requests to other hosts: {foreign}"
    assert not errors, f"console errors: {errors}"


@pytest.mark.browser
def test_index_links_every_deck(slide_server, browser):
    errors, foreign = [], []
    page = _guarded_page(browser, errors, foreign)
    page.goto(f"{slide_server}/index.html")
    links = page.evaluate("() => [...document.querySelectorAll('li a')].map(a => a.getAttribute('href'))")
    assert links == [f"{n}.html" for n in DECKS]
    page.close()
    assert not foreign and not errors
