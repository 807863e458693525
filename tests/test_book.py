"""The book's configuration: one repository URL, launch buttons, offline assets, tidy chapters."""

import html
import re
from importlib import metadata
from pathlib import Path

import nbformat
import pytest
import yaml
from markdown_it import MarkdownIt

from scripts.book import chapter_paths
from scripts.plain_markdown import colab_notebook, colab_path, plain_markdown
from scripts.sync_notebooks import SETUP_TAG, bootstrap_source, repository_url

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
CHAPTERS = chapter_paths()


def _toc_files(node):
    if isinstance(node, dict):
        yield from ([node["file"]] if "file" in node else [])
        for value in node.values():
            yield from _toc_files(value)
    elif isinstance(node, list):
        for item in node:
            yield from _toc_files(item)


def test_every_chapter_is_in_the_table_of_contents():
    listed = set(_toc_files(TOC))
    assert CHAPTERS, "no chapters found"
    for path in CHAPTERS:
        assert f"chapters/{path.stem}" in listed


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_starts_with_the_shared_bootstrap_cell(path):
    nb = nbformat.read(path, as_version=4)
    first = next(cell for cell in nb.cells if cell.cell_type == "code")
    assert first.source == bootstrap_source(), "run `make sync` after changing repository.url"
    assert repository_url() in first.source
    assert SETUP_TAG in first.metadata.get("tags", []), "the setup cell is hidden on the website (make sync)"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_is_saved_executed_without_errors(path):
    nb = nbformat.read(path, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert all(cell.execution_count is not None for cell in code), "save the chapter with its outputs"
    assert not [o for cell in code for o in cell.outputs if o.output_type == "error"]
    text = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")
    for section in ("## Exercises", "## Summary", "Alt text:"):
        assert section in text, f"{path.name} lacks {section!r}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_figure_captions_are_numbered(path):
    """Captions read "*Figure N.k. ..." (or "*Figures N.k and N.m."): the site names each plotly figure by the
    numbered caption after it (book/_static/page_a11y.js), so an unnumbered caption leaves its figure unnamed."""
    nb = nbformat.read(path, as_version=4)
    chapter = int(path.stem.split("_")[0])
    captions = [c.source for c in nb.cells if c.cell_type == "markdown" and re.match(r"\*Figures?\b", c.source)]
    unnumbered = [text[:40] for text in captions if not re.match(rf"\*Figures? {chapter}\.\d+", text)]
    assert captions and not unnumbered, f"captions without the chapter's figure number: {unnumbered}"


def test_repository_url_lives_only_in_the_config():
    url = repository_url()
    assert url.startswith("https://github.com/")
    sources = [p for p in ROOT.rglob("*") if p.suffix in {".md", ".yml", ".py", ".toml", ".txt"} and p.is_file()]
    sources = [p for p in sources if not {".venv", "_build"} & set(p.parts)]
    places = [p for p in sources if url in p.read_text(errors="ignore")]
    assert [p.relative_to(ROOT).as_posix() for p in places] == ["_config.yml"]


def test_launch_buttons_and_offline_assets_are_configured():
    assert CONFIG["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
    assert CONFIG["launch_buttons"]["binderhub_url"] == "https://mybinder.org"
    sphinx = CONFIG["sphinx"]["config"]
    assert (ROOT / "assets/vendor" / sphinx["mathjax_path"]).exists()
    for script in sphinx["nb_ipywidgets_js"]:
        assert not script.startswith("http"), "widget scripts must come from this site"
        assert any((ROOT / folder / script).exists() for folder in sphinx["html_static_path"])


def test_binder_installs_cpu_torch_and_the_package():
    post_build = (ROOT / "binder/postBuild").read_text()
    assert "download.pytorch.org/whl/cpu" in post_build and "pip install --no-cache-dir -e ." in post_build
    requirements = (ROOT / "binder/requirements.txt").read_text().splitlines()
    assert not [line for line in requirements if line.startswith("torch")], "torch comes from postBuild (CPU build)"


def _pins(path: Path) -> dict[str, str]:
    lines = [line.split("#")[0].strip() for line in path.read_text().splitlines()]
    return dict(line.split("==") for line in lines if line)


def test_binder_pins_agree_with_requirements():
    book, binder = _pins(ROOT / "requirements.txt"), _pins(ROOT / "binder/requirements.txt")
    assert {name: book.get(name) for name in binder} == binder, "binder/requirements.txt differs from requirements.txt"
    assert {"jupyterlab", "jupyterlab-myst", "ipywidgets", "plotly"} <= set(binder)
    assert f"torch=={book['torch']}" in (ROOT / "binder/postBuild").read_text()


def test_binder_pins_are_what_these_tests_run_with():
    """The pinned environment (make install) resolved Binder's pins together: they are installed side by side.
    (scripts/version_check.py deselects this: it tests the newest and oldest releases on purpose.)"""
    for name, version in _pins(ROOT / "binder/requirements.txt").items():
        assert metadata.version(name) == version, f"{name} {metadata.version(name)} installed, {version} pinned"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_colab_copy_is_up_to_date(path):
    copy = colab_path(path)
    assert copy.exists() and copy.read_text() == nbformat.writes(colab_notebook(path)) + "\n", "run `make sync`"


MYST_LEFTOVERS = re.compile(r"\{[a-z:-]+\}`|\{(admonition|note|figure|glossary)\}|^:[a-z-]+:|\(\w+\)=", re.M)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_colab_copy_reads_as_plain_markdown(path):
    """Rendered by a plain CommonMark renderer (as Colab does), no MyST role or directive shows as text."""
    renderer = MarkdownIt("commonmark")
    for cell in nbformat.read(colab_path(path), as_version=4).cells:
        if cell.cell_type == "markdown":
            text = html.unescape(re.sub(r"<[^>]+>", "", renderer.render(cell.source)))
            leftover = MYST_LEFTOVERS.search(text)
            assert not leftover, f"{path.name}: {leftover.group(0)!r} shows as text in:\n{text[:400]}"


def test_plain_markdown_turns_citations_terms_and_boxes_into_text():
    source = (
        "```{admonition} What you will learn\n:class: tip\n* one {term}`thing <Token>`\n```\n"
        "GANs {cite}`goodfellow2014gan` and Adam {cite:p}`kingma2015adam,openai2023gpt4`; {cite:t}`kingma2015adam`."
    )
    assert plain_markdown(source) == (
        "> **What you will learn**\n>\n> * one thing\n"
        "GANs (Goodfellow et al., 2014) and Adam (Kingma and Ba, 2015; OpenAI, 2023); Kingma and Ba (2015)."
    )
    with pytest.raises(ValueError, match="nosuchkey"):
        plain_markdown("{cite}`nosuchkey`")


def test_the_colab_check_spots_a_retrained_model_and_not_a_chapter_title():
    from scripts.colab_check import RETRAINED
    from utils.recipes import RECIPES, get_recipe

    for name in RECIPES:  # the words utils.pretrained.load_or_train prints before it trains
        summary = get_recipe(name).summary
        assert RETRAINED.search(f"No checkpoint. Training {summary} now: about 60 seconds on 2 CPU cores; "), name
    assert not RETRAINED.search('"title": {"text": "Training the CLIP-style model (batch of 128 pairs)"}')
