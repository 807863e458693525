"""Write the same first code cell (the Colab bootstrap) into every chapter, then the Colab copies.

The repository URL lives in one place, `repository.url` in _config.yml. A fork sets it
there and runs `make sync` (this script); tests/test_book.py fails when a chapter's
first code cell has drifted from what this script writes. The Colab copies in
chapters/colab/ (plain Markdown, no outputs; see plain_markdown.py) are rewritten from the
chapters, and a test fails when one is out of date.
"""

from __future__ import annotations

import sys

import nbformat
import yaml

try:
    from scripts.book import ROOT, chapter_paths
    from scripts.plain_markdown import colab_notebook, colab_path
except ImportError:  # run as `python scripts/sync_notebooks.py`
    from plain_markdown import colab_notebook, colab_path

    from book import ROOT, chapter_paths

SETUP_TAG = "remove-cell"  # the setup cell means nothing to a reader of the website: kept in the notebook only


def repository_url() -> str:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    return config["repository"]["url"].rstrip("/")


def bootstrap_source(url: str | None = None) -> str:
    """The chapters' first code cell: installs the book's package on Colab, nothing elsewhere."""
    url = url or repository_url()
    return (
        "# Setup: on Colab this installs the book's code; elsewhere it does nothing.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        f'    %pip install --quiet "genai-hands-on @ git+{url}"'
    )


def main() -> int:
    source = bootstrap_source()
    for path in chapter_paths():
        nb = nbformat.read(path, as_version=4)
        first = next(cell for cell in nb.cells if cell.cell_type == "code")
        tags = first.metadata.get("tags", [])
        if first.source != source or SETUP_TAG not in tags:
            first.source = source
            first.metadata["tags"] = [*[t for t in tags if t != SETUP_TAG], SETUP_TAG]
            nbformat.write(nb, path)
            print(f"updated {path.relative_to(ROOT)}")
        copy = colab_path(path)
        text = nbformat.writes(colab_notebook(path)) + "\n"
        if not copy.exists() or copy.read_text() != text:
            copy.parent.mkdir(exist_ok=True)
            copy.write_text(text)
            print(f"updated {copy.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
