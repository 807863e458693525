"""Shared bits of the benchmark scripts: thread limits, machine description, output."""

from __future__ import annotations

import argparse
import json
import os
import platform
from pathlib import Path


def limit_threads(n: int) -> None:
    """Pin BLAS, OpenMP and torch to `n` threads (call before heavy imports run)."""
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[name] = str(n)
    import torch

    torch.set_num_threads(n)


def machine() -> dict:
    import torch

    return {"python": platform.python_version(), "torch": torch.__version__, "cpu": platform.processor() or
            platform.machine(), "cores": os.cpu_count()}  # fmt: skip


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--json", type=Path, help="write the results to this JSON file")
    return p


def report(rows: list[tuple[str, str]], results: dict, path: Path | None) -> None:
    """Print a two-column table and, if asked, write `results` as JSON."""
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(results, indent=2) + "\n")
        print(f"wrote {path}")
