"""Shared test set-up: corpora are cached in a temporary folder, never in the user's home;
the browser tests share one headless Chromium."""

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory):
    old = os.environ.get("GENAI_CACHE")
    os.environ["GENAI_CACHE"] = str(tmp_path_factory.mktemp("genai-cache"))
    yield
    if old is None:
        os.environ.pop("GENAI_CACHE", None)
    else:
        os.environ["GENAI_CACHE"] = old


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless and offline, driven by Playwright."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium (see README).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()
