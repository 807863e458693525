"""The command line the training scripts share: which of their checkpoints to (re)make."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import torch


def chosen_names(doc: str, names: Sequence[str]) -> list[str]:
    """Parse `NAME ...` (default: every name), refuse unknown names, and pin torch to 2 threads."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help=f"any of {', '.join(names)} (default: all)")
    args = parser.parse_args()
    unknown = set(args.names) - set(names)
    if unknown:
        parser.error(f"unknown model(s) {sorted(unknown)}; choose from {', '.join(names)}")
    torch.set_num_threads(2)
    return args.names or list(names)
