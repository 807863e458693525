"""Train the autoencoders and VAEs of Chapter 9 and save them to assets/checkpoints.

    python scripts/train_autoencoders.py [NAME ...]     (default: all of them)

Each model trains on 5,000 fruits from `utils.fruits` (seed 0; fruits 5,000-5,999 are held
out) or on scikit-learn's bundled digits, on 2 threads, with a progress bar. The
recipes live in RECIPES below; the manifests record them.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict

import torch

from utils.autoencoders import Autoencoder
from utils.checkpoints import save_checkpoint
from utils.pretrained import AUTOENCODER_RECIPES as RECIPES
from utils.pretrained import CHECKPOINTS, autoencoder_data
from utils.train import TrainConfig, train


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help=f"any of {', '.join(RECIPES)} (default: all)")
    args = parser.parse_args()
    unknown = set(args.names) - set(RECIPES)
    if unknown:
        parser.error(f"unknown model(s) {sorted(unknown)}; choose from {', '.join(RECIPES)}")
    torch.set_num_threads(2)
    for name in args.names or RECIPES:
        data, config, noise, steps = RECIPES[name]
        train_x, held_out = autoencoder_data(data)
        torch.manual_seed(0)
        model = Autoencoder(config)
        schedule = TrainConfig(steps=steps, batch_size=64, lr=2e-3, eval_every=steps // 5)
        history = train(model, lambda m, batch, noise=noise: m.loss(batch, noise=noise), train_x, val_data=held_out,
                        config=schedule, desc=name)  # fmt: skip
        metadata = {"data": data, "noise": noise, "train_config": asdict(schedule),
                    "history": history.round(3).to_dict(orient="list")}  # fmt: skip
        save_checkpoint(model, CHECKPOINTS / f"{name}.safetensors", config=config, metadata=metadata,
                        script=f"python scripts/train_autoencoders.py {name}")  # fmt: skip
        print(f"{name}: held-out loss {history['val_loss'].iloc[-1]:.1f} nats per image")


if __name__ == "__main__":
    main()
