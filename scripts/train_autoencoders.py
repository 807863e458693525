"""Train the autoencoders and VAEs of Chapter 9 and save them to assets/checkpoints.

    python scripts/train_autoencoders.py [NAME ...]     (default: all of them)

Each model trains on 5,000 fruits from `utils.fruits` (seed 0; fruits 5,000-5,999 are held
out) or on scikit-learn's bundled digits, on 2 threads, with a progress bar. The
recipes are `utils.pretrained.AUTOENCODER_RECIPES`; the manifests record them.
"""

from __future__ import annotations

from dataclasses import asdict

from _names import chosen_names

from utils.checkpoints import save_checkpoint
from utils.pretrained import AUTOENCODER_RECIPES, CHECKPOINTS, autoencoder_schedule, train_autoencoder


def main() -> None:
    for name in chosen_names(__doc__, list(AUTOENCODER_RECIPES)):
        data, config, noise, steps = AUTOENCODER_RECIPES[name]
        model, history = train_autoencoder(name)
        metadata = {"data": data, "noise": noise, "train_config": asdict(autoencoder_schedule(steps)),
                    "history": history.round(3).to_dict(orient="list")}  # fmt: skip
        save_checkpoint(model, CHECKPOINTS / f"{name}.safetensors", config=config, metadata=metadata,
                        script=f"python scripts/train_autoencoders.py {name}")  # fmt: skip
        print(f"{name}: held-out loss {history['val_loss'].iloc[-1]:.1f} nats per image")


if __name__ == "__main__":
    main()
