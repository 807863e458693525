"""The installed package carries what a chapter opened alone needs: its data and every shipped checkpoint."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from utils.pretrained import CHECKPOINTS
from utils.recipes import RECIPES

ROOT = Path(__file__).resolve().parents[1]


def build_wheel(folder: Path) -> Path:
    """Build the package's wheel from a copy of its sources in `folder` (setuptools writes build/ beside them)."""
    source = folder / "source"
    for part in ("pyproject.toml", "README.md", "LICENSE"):
        (source / part).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / part, source / part)
    shutil.copytree(ROOT / "utils", source / "utils", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(CHECKPOINTS, source / "assets" / "checkpoints")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
                    "--wheel-dir", str(folder / "wheel"), str(source)], check=True, capture_output=True)  # fmt: skip
    (wheel,) = (folder / "wheel").glob("genai_hands_on-*.whl")
    return wheel


def test_the_wheel_holds_the_data_and_every_shipped_checkpoint(tmp_path):
    wheel = build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "utils/data/topics.csv" in names
    for name in RECIPES:
        for suffix in (".safetensors", ".json"):
            packed = f"utils/shipped/{name}{suffix}"
            assert packed in names, f"{packed} is missing from the wheel"
            assert zipfile.ZipFile(wheel).read(packed) == (CHECKPOINTS / f"{name}{suffix}").read_bytes()


def test_an_installed_package_finds_its_checkpoints_without_the_repository(tmp_path):
    wheel = build_wheel(tmp_path)
    zipfile.ZipFile(wheel).extractall(tmp_path / "site")  # what pip install would put in site-packages
    code = ("import utils.pretrained as p; t = p.load_pretrained('digits_vae'); "
            "print(p.CHECKPOINTS.parent.name, p.CHECKPOINTS.name, t.source)")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"})  # fmt: skip
    assert out.stdout.split() == ["utils", "shipped", "shipped"]
