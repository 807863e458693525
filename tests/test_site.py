"""Open every page of the built website in headless Chromium, as a reader would.

Run after `make build` (`make test` does both). Each page must load with no console
error and no request to any host but the local server; every plotly figure must draw
its SVG, every widget must render from its saved state, every animation must play when Play is
pressed, and all math must typeset.
Screenshots go to _build/screenshots/ for a person to look at.
"""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}

pytestmark = pytest.mark.browser
PAGES = sorted(
    p.relative_to(SITE).as_posix()
    for p in SITE.rglob("*.html")
    if p.relative_to(SITE).parts[0] != "_static" and p.name != "index.html"  # index.html only redirects
)


@pytest.fixture(scope="module")
def server():
    if not PAGES:
        pytest.fail("No built site in _build/html: run `make build` first.")
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_site_has_the_expected_pages():
    for page in (
        "book/intro.html",
        "chapters/01_ai_vs_genai.html",
        "book/glossary.html",
        "book/bibliography.html",
        "book/maths_refresher.html",
    ):
        assert page in PAGES, f"{page} was not built"


def test_home_page_redirects_to_the_introduction(server, browser):
    page = browser.new_page()
    page.goto(f"{server}/index.html")
    page.wait_for_url("**/book/intro.html")
    assert "Generative AI, Hands-On" in page.title()
    page.close()


def _figures_where(page, condition: str) -> list[str]:
    """The ids of the page's plotly figures `d` whose layout meets the JavaScript `condition`."""
    return page.evaluate(
        f"() => [...document.querySelectorAll('div.plotly-graph-div')].filter(d => d.layout && ({condition}))"
        ".map(d => d.id)"
    )


def _figure_data(page, div_id: str) -> str:
    """A plotly figure's traces as JSON, to tell whether an interaction changed what it shows."""
    return page.evaluate(f"() => JSON.stringify(document.getElementById('{div_id}').data)")


@pytest.mark.parametrize("page_path", PAGES)
def test_page_works_offline(page_path, server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors, failed, foreign = [], [], []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("requestfailed", lambda req: failed.append(req.url))

    def guard(route):
        host = urlparse(route.request.url).hostname
        if route.request.url.startswith("data:") or host in LOCAL_HOSTS:
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.goto(f"{server}/{page_path}", wait_until="load")

    figures = page.locator("div.plotly-graph-div").count()
    if figures:
        drawn = "() => [...document.querySelectorAll('div.plotly-graph-div')].every(d => d.querySelector('.main-svg'))"
        page.wait_for_function(drawn, timeout=15_000)

    views = page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count()
    if views:
        page.wait_for_selector(".jupyter-widgets", state="attached", timeout=15_000)
        assert page.locator(".jupyter-widgets").count() >= views, "a widget did not render from its saved state"

    if page.locator(".math").count():
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
        page.evaluate("() => MathJax.startup.promise")
        assert page.locator("mjx-container").count() >= page.locator(".math").count(), "math did not render"

    sliders = _figures_where(page, "d.layout.sliders && d.layout.sliders.length")
    for div_id in sliders:  # drag each static slider to its far end: the figure must change
        figure = page.locator(f"#{div_id}")
        before = _figure_data(page, div_id)
        rail = figure.locator(".slider-rail-rect").first
        rail.scroll_into_view_if_needed()
        box = rail.bounding_box()
        page.mouse.click(box["x"] + box["width"] - 2, box["y"] + box["height"] / 2)
        page.wait_for_timeout(300)
        after = _figure_data(page, div_id)
        assert after != before, f"the slider of figure {div_id} did not change it"

    animated = _figures_where(
        page, "d.layout.updatemenus && d.layout.updatemenus.some(m => (m.buttons || []).some(b => b.label === 'Play'))"
    )
    for div_id in animated:  # press Play from the first frame: the animation must move on by itself
        page.evaluate(
            f"() => Plotly.animate('{div_id}', [document.getElementById('{div_id}').layout.sliders[0]"
            ".steps[0].args[0][0]], {mode: 'immediate', frame: {duration: 0}, transition: {duration: 0}})"
        )
        page.wait_for_timeout(300)
        before = _figure_data(page, div_id)
        play = page.locator(f"#{div_id} .updatemenu-button").filter(has_text="Play").first
        play.scroll_into_view_if_needed()
        play.click()
        page.wait_for_timeout(1500)
        after = _figure_data(page, div_id)
        assert after != before, f"pressing Play did not animate figure {div_id}"

    menus = _figures_where(page, "d.layout.updatemenus && d.layout.updatemenus.some(m => m.type === 'dropdown')")
    for div_id in menus:  # open each menu and choose its last entry: the figure must change
        figure = page.locator(f"#{div_id}")
        before = _figure_data(page, div_id)
        header = figure.locator(".updatemenu-header").first
        header.scroll_into_view_if_needed()
        header.click()
        figure.locator(".updatemenu-dropdown-button").last.click()
        page.wait_for_timeout(300)
        after = _figure_data(page, div_id)
        assert after != before, f"choosing from the menu of figure {div_id} did not change it"

    if page.locator("audio").count():  # every player loads its sound from the page itself, and plays
        durations = page.evaluate(
            """() => Promise.all([...document.querySelectorAll('audio')].map(a => new Promise(done => {
                if (a.readyState >= 1) return done(a.duration);
                a.addEventListener('loadedmetadata', () => done(a.duration));
                a.addEventListener('error', () => done(-1));
                a.load(); })))"""
        )
        assert all(d > 0.5 for d in durations), f"an audio player has no sound: durations {durations}"
        played = page.evaluate(
            """async () => { const a = document.querySelector('audio'); a.muted = true; await a.play();
                await new Promise(r => setTimeout(r, 500)); a.pause(); return a.currentTime; }"""
        )
        assert played > 0, "the first audio player did not play"

    hover_linked = _figures_where(page, "d.layout.meta && d.layout.meta.hover_image")
    for div_id in hover_linked:  # moving the mouse onto a point must put its picture into the image panel
        figure = page.locator(f"#{div_id}")
        figure.scroll_into_view_if_needed()
        target = page.evaluate(
            """id => { const gd = document.getElementById(id), xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
                const m = gd.layout.meta.hover_image, trace = gd._fullData[0];
                return {x: xa._offset + xa.l2p(trace.x[5]), y: ya._offset + ya.l2p(trace.y[5]),
                        want: trace.customdata[5][m.uri_index], index: m.image_trace}; }""",
            div_id,
        )
        box = figure.bounding_box()
        page.mouse.move(box["x"] + target["x"], box["y"] + target["y"])
        page.wait_for_timeout(300)
        shown = page.evaluate(f"() => document.getElementById('{div_id}').data[{target['index']}].source")
        assert shown == target["want"], f"hovering figure {div_id} did not show the point's picture"

    if page_path.startswith("chapters/"):
        for launcher in ("colab.research.google.com/github/", "mybinder.org/v2/gh/"):
            assert page.locator(f'a[href*="{launcher}"]').count() >= 1, f"no {launcher} launch button"
        assert "on Colab this installs" not in page.locator("main").text_content(), "the setup cell shows on the site"
        colab = page.locator('a[href*="colab.research.google.com/github/"]').first.get_attribute("href")
        assert colab.endswith(f"/chapters/colab/{Path(page_path).stem}.ipynb"), f"Colab opens {colab}"

    page.wait_for_timeout(500)  # let late requests (fonts, widget icons) finish or fail
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / (page_path.replace("/", "__") + ".png")), full_page=True)
    page.close()
    assert not foreign, f"requests to other hosts: {foreign}"
    assert not failed, f"failed requests: {failed}"
    assert not errors, f"console errors: {errors}"


AXE = ROOT / "assets" / "vendor" / "axe-core" / "axe.min.js"
AUDIT = """async () => {
  const result = await axe.run(document, {runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]});
  return result.violations.filter(v => ["serious", "critical"].includes(v.impact))
    .map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(" ")).join("; ")}`);
}"""
FIGURES = """() => {
  const rgb = colour => {  // any CSS colour as the browser computes it: 'rgb(r, g, b)'
    const probe = document.body.appendChild(document.createElement('span'));
    probe.style.color = colour;
    const computed = getComputedStyle(probe).color;
    probe.remove();
    return computed;
  };
  return [...document.querySelectorAll('div.plotly-graph-div')].map(d => ({
    id: d.id, role: d.getAttribute('role'), name: d.getAttribute('aria-label') || '',
    described: !!document.getElementById(d.getAttribute('aria-describedby') || '-'),
    paper: rgb(d._fullLayout.paper_bgcolor), font: rgb(d._fullLayout.font.color)}));
}"""


def _luminance(colour: str) -> float:
    """Relative luminance (0 black .. 1 white) of a colour as the browser computes it: 'rgb(r, g, b)'."""
    rgb = [float(v) for v in colour[colour.index("(") + 1 : colour.index(")")].split(",")[:3]]
    linear = [(c / 255) / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("page_path", PAGES)
def test_page_is_accessible(page_path, mode, server, browser):
    """axe-core finds no serious or critical WCAG 2.1 AA violation, in the theme's light and dark modes; every
    plotly figure is a named figure described by its caption, and follows the mode (light text on dark)."""
    page = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme=mode)
    page.add_init_script(f"localStorage.setItem('mode', '{mode}'); localStorage.setItem('theme', '{mode}');")
    page.goto(f"{server}/{page_path}", wait_until="load")
    assert page.evaluate("document.documentElement.dataset.theme") == mode
    if page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count():
        page.wait_for_selector(".jupyter-widgets", state="attached", timeout=15_000)
    if page.locator("div.plotly-graph-div").count():
        page.wait_for_function(
            f"() => [...document.querySelectorAll('div.plotly-graph-div')].every(d => d.dataset.mode === '{mode}')",
            timeout=15_000,
        )
    page.wait_for_timeout(500)
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(AUDIT)
    figures = page.evaluate(FIGURES)
    if mode == "dark":
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / ("dark__" + page_path.replace("/", "__") + ".png")), full_page=True)
    page.close()
    assert not violations, f"{page_path} ({mode} mode): {violations}"
    for figure in figures:
        assert figure["role"] == "figure", f"figure without a role {figure}"
        if figure["name"].startswith("Interactive figure: "):  # a live widget's figure: named by its title
            assert not figure["name"].endswith("no title"), f"a widget's figure has neither caption nor title {figure}"
        else:
            assert figure["name"].startswith("Figure"), f"unnamed figure {figure}"
            assert figure["described"], f"figure {figure['name'][:40]!r} has no description"
        dark_paper, light_font = _luminance(figure["paper"]) < 0.1, _luminance(figure["font"]) > 0.5
        assert (dark_paper and light_font) == (mode == "dark"), f"{figure['name'][:40]!r} in {mode} mode: {figure}"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def test_solutions_are_on_the_instructor_appendix_only():
    """Chapter pages leave the solutions out; the appendix has them all, each folded away."""
    for page in PAGES:
        html = (SITE / page).read_text()
        if page.startswith("chapters/"):
            assert "# Solution" not in html, f"{page} shows a solution"
    appendix = (SITE / "book" / "teaching" / "solutions.html").read_text()
    solutions = appendix.count("# Solution")
    assert solutions == appendix.count('<div class="dropdown admonition">')  # folded until clicked
    assert solutions == sum(nb.read_text().count('"# Solution') for nb in (ROOT / "chapters").glob("[0-9]*.ipynb"))
