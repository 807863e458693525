"""The benchmark scripts run and write the keys their issues name (timings are not asserted)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_fruit_benchmark_writes_its_keys(tmp_path):
    out = tmp_path / "fruits.json"
    subprocess.run([sys.executable, str(ROOT / "benchmarks/fruits.py"), "--json", str(out)], check=True,
                   capture_output=True, cwd=ROOT)  # fmt: skip
    results = json.loads(out.read_text())
    assert {"seconds_10000", "images_per_second", "threads", "machine"} <= set(results)
    assert results["threads"] == 1 and results["seconds_10000"] > 0
