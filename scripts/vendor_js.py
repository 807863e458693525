"""Fetch the JavaScript the website needs from npm and copy it into assets/vendor.

The book's site must work with no internet, so the files that Jupyter Book would
otherwise load from CDNs are committed under assets/vendor. This script is how they
got there; re-run it to change a version:

    python scripts/vendor_js.py

It needs `npm` and the npm registry. plotly.js is not vendored here: the Sphinx
extension book/_ext/offline_assets.py (and scripts/slides.py for the slide decks)
copies it from the installed plotly package.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "assets" / "vendor"

# package spec -> (folder under assets/vendor, paths inside the package to copy)
PACKAGES = {
    "requirejs@2.3.8": ("requirejs", ["require.js"]),
    "@jupyter-widgets/html-manager@1.0.15": (
        "html-manager",
        ["dist/embed-amd.js", "dist/*.woff", "dist/*.woff2", "dist/*.ttf", "dist/*.eot", "dist/*.svg"],
    ),
    # Not loaded by the pages: the browser test injects it to audit every page for accessibility.
    "axe-core@4.14.1": ("axe-core", ["axe.min.js", "LICENSE"]),
    "mathjax@3.2.2": (
        "mathjax",
        ["es5/tex-chtml.js", "es5/input/tex/extensions", "es5/output/chtml", "es5/ui", "es5/a11y", "LICENSE"],
    ),
    # The slide decks of scripts/slides.py. Only the white theme: it embeds its fonts as data URIs,
    # while most other themes @import them from Google Fonts.
    "reveal.js@6.0.2": (
        "revealjs",
        [
            "dist/reveal.js",
            "dist/reveal.css",
            "dist/reset.css",
            "dist/theme/white.css",
            "dist/plugin/math.js",
            "dist/plugin/notes.js",
            "LICENSE",
        ],
    ),
}


def vendor(spec: str, folder: str, patterns: list[str], workdir: Path) -> str:
    """Copy the files of one npm package into assets/vendor/<folder>; return its tarball's SHA-256."""
    out = subprocess.run(["npm", "pack", spec, "--json"], cwd=workdir, check=True, capture_output=True, text=True)
    tarball = workdir / json.loads(out.stdout)[0]["filename"]
    unpacked = workdir / folder
    with tarfile.open(tarball) as tar:
        tar.extractall(unpacked, filter="data")
    package = unpacked / "package"
    target = VENDOR / folder
    shutil.rmtree(target, ignore_errors=True)
    for pattern in patterns:
        for source in sorted(package.glob(pattern)):
            # dist/ and es5/ are dropped so that relative URLs between files still hold
            relative = source.relative_to(package)
            if relative.parts[0] in ("dist", "es5"):
                relative = Path(*relative.parts[1:])
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, destination)
            else:
                shutil.copyfile(source, destination)
    return hashlib.sha256(tarball.read_bytes()).hexdigest()


def main() -> None:
    manifest = {}
    with tempfile.TemporaryDirectory() as tmp:
        for spec, (folder, patterns) in PACKAGES.items():
            manifest[spec] = {"folder": folder, "tarball_sha256": vendor(spec, folder, patterns, Path(tmp))}
            print(f"{spec:45s} -> assets/vendor/{folder}")
    (VENDOR / "MANIFEST.json").write_text(json.dumps(manifest, indent=2) + "\n")


if __name__ == "__main__":
    main()
