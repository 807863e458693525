"""Train the book's shipped models from their recipes and save them to assets/checkpoints.

    python scripts/train.py [NAME ...]      (default: every recipe)
    python scripts/train.py --list          (the recipes, with their training times)

The recipes live in `utils.recipes`; each runs on 2 threads with a progress bar, and
writes NAME.safetensors with its manifest (config, training settings, history, time,
and this command). Chapters load the results through `utils.pretrained.load_or_train`.
"""

from __future__ import annotations

import argparse

import torch

from utils.pretrained import CHECKPOINTS, train_and_save
from utils.recipes import RECIPES, get_recipe


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help=f"any of {', '.join(RECIPES)} (default: all)")
    parser.add_argument("--list", action="store_true", help="list the recipes and stop")
    args = parser.parse_args()
    unknown = sorted(set(args.names) - set(RECIPES))
    if unknown:
        parser.error(f"unknown model(s) {unknown}; choose from {', '.join(RECIPES)}")
    torch.set_num_threads(2)
    for name in args.names or list(RECIPES):
        recipe = get_recipe(name)
        if args.list:
            print(f"{name:18s} about {recipe.seconds:4.0f} s  {recipe.summary}")
            continue
        _, manifest = train_and_save(recipe, CHECKPOINTS)
        history = manifest["history"]
        last = {k: v[-1] for k, v in history.items() if k not in ("step", "seconds")}
        print(f"{name}: {manifest['train_seconds']:.0f} s, last " + ", ".join(f"{k} {v:.4g}" for k, v in last.items()))


if __name__ == "__main__":
    main()
