"""Run Chapter 11 in a real JupyterLab, in headless Chromium, and move its live sliders.

`test_site.py` checks the static face of the book's sliders (plotly frames, no kernel).
This checks the other face, `utils.widgets.live`: ipywidgets controls in JupyterLab
talking to a running kernel. A copy of the chapter, without outputs, runs in a private
JupyterLab server; dragging the temperature slider must redraw the next-token figure,
a prompt with a character the model lacks must show a message and no traceback, and the
generate button must write text. Its Markdown must be rendered as MyST (jupyterlab-myst), not
shown as raw roles and directives. A screenshot goes to _build/screenshots/.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from test_site import ROOT, SHOTS

pytestmark = pytest.mark.browser
CHAPTER = ROOT / "chapters" / "11_decoding.ipynb"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """URL of a JupyterLab server whose root folder holds an output-free copy of Chapter 11."""
    work = tmp_path_factory.mktemp("lab")
    notebook = nbformat.read(CHAPTER, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    notebook.metadata.pop("widgets", None)
    nbformat.write(notebook, work / CHAPTER.name)
    settings = {name: str(work / ".jupyter" / name) for name in ("config", "settings", "workspaces", "runtime")}
    # Draw every cell (no windowing, so widgets stay in the page while we scroll) and ask nothing about news.
    for plugin, values in {"notebook-extension/tracker": {"windowingMode": "none"},
                           "apputils-extension/notification": {"fetchNews": "false"}}.items():  # fmt: skip
        path = Path(settings["settings"]) / "@jupyterlab" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    env = {**os.environ, "JUPYTER_CONFIG_DIR": settings["config"], "JUPYTERLAB_SETTINGS_DIR": settings["settings"],
           "JUPYTERLAB_WORKSPACES_DIR": settings["workspaces"], "JUPYTER_RUNTIME_DIR": settings["runtime"],
           "OMP_NUM_THREADS": "2"}  # fmt: skip
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = (work / "lab.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         "--allow-root", "--IdentityProvider.token=", "--ServerApp.disable_check_xsrf=True",
         f"--ServerApp.root_dir={work}", "--LabApp.news_url=None", "--LabApp.extension_manager=readonly"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start; its log:\n{(work / 'lab.log').read_text()[-3000:]}")
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _title(panel) -> str:
    return panel.locator(".gtitle").first.text_content(timeout=60_000) or ""


def _wait_for(condition, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out waiting for {what}.")
        time.sleep(0.25)


@pytest.fixture
def page(browser):
    """A browser tab that leaves a screenshot behind if the test fails."""
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    yield page
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "jupyterlab_11_decoding.png"))
    page.close()


def test_live_sliders_redraw_in_jupyterlab(lab, page):
    page.goto(f"{lab}/lab/tree/{CHAPTER.name}")
    page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=120_000)
    choose_kernel = page.locator(".jp-Dialog").get_by_role("button", name="Select")
    try:  # JupyterLab may ask which kernel to start
        choose_kernel.click(timeout=10_000)
    except PlaywrightTimeout:
        pass
    # jupyterlab-myst renders the chapter's MyST: no citation, glossary role or box shows as raw text.
    rendered = page.locator(".jp-MarkdownCell .myst")
    _wait_for(lambda: rendered.count() > 5, "the Markdown cells to be rendered by jupyterlab-myst")
    raw = [t for t in rendered.all_text_contents() if re.search(r"\{(cite|term|admonition)[^}]*\}", t)]
    assert not raw, f"MyST shown as raw text in JupyterLab: {raw[0][:300]}"
    page.locator(".lm-MenuBar-item", has_text="Run").click()
    page.locator(".lm-Menu-item", has_text="Run All Cells").first.click()

    slider = page.locator(".widget-hslider", has=page.locator("label", has_text="temperature"))
    slider.wait_for(timeout=60_000)
    panel = slider.locator("xpath=..")  # the VBox of `live`: controls, then the output
    title = _title(panel)
    assert re.search(r"kept", title), f"unexpected figure title {title!r}"
    readout = slider.locator(".widget-readout")
    before = readout.text_content()

    handle = slider.locator(".noUi-handle")
    handle.scroll_into_view_if_needed()
    box = handle.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 120, box["y"] + box["height"] / 2, steps=8)
    page.mouse.up()
    _wait_for(lambda: readout.text_content() != before, "the slider's readout to change")
    _wait_for(lambda: _title(panel) != title, "the figure to redraw after the drag")

    prompt = panel.locator(".widget-text input")
    prompt.fill("naïve ")
    prompt.press("Enter")
    _wait_for(lambda: "Cannot draw this" in (panel.text_content() or ""), "the message about a bad prompt")
    prompt.fill("The function returns a ")
    prompt.press("Enter")
    _wait_for(lambda: panel.locator(".gtitle").count() > 0, "the figure to come back")

    page.get_by_role("button", name="generate").click()
    written = page.locator(".widget-output pre", has_text="The function returns a ")
    written.first.wait_for(timeout=60_000)
    assert len(written.first.text_content()) > len("The function returns a ") + 100

    notebook_text = page.locator(".jp-Notebook").text_content()
    assert "Traceback" not in notebook_text, "a cell or widget showed a traceback in JupyterLab"
