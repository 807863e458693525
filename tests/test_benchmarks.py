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


def test_device_benchmark_writes_its_keys(tmp_path):
    out = tmp_path / "devices.json"
    command = [sys.executable, str(ROOT / "benchmarks/devices.py"), "--json", str(out), "--steps", "2",
               "--only", "gan_ring", "digits_vae"]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
    results = json.loads(out.read_text())
    assert {"recipes", "gpu_min_step_flops", "steps", "threads", "cuda", "machine"} <= set(results)
    assert set(results["recipes"]) == {"gan_ring", "digits_vae"}
    for row in results["recipes"].values():
        assert row["step_gflop"] > 0 and row["cpu_ms_per_step"] >= 0 and row["chosen"] in ("cpu", "cuda")
        assert set(row) == {"step_gflop", "cpu_ms_per_step", "cpu_gflop_per_s", "cuda_ms_per_step", "chosen",
                            "chosen_is_faster"}  # fmt: skip
