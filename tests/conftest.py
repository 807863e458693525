"""Shared test set-up: corpora are cached in a temporary folder, never in the user's home."""

import os

import pytest


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory):
    old = os.environ.get("GENAI_CACHE")
    os.environ["GENAI_CACHE"] = str(tmp_path_factory.mktemp("genai-cache"))
    yield
    if old is None:
        os.environ.pop("GENAI_CACHE", None)
    else:
        os.environ["GENAI_CACHE"] = old
