"""Train the GANs of Chapter 10 and the fruit classifier behind its Fréchet distance; save them to assets/checkpoints.

    python scripts/train_gans.py [NAME ...]     (default: all of them)

NAME is fruit_classifier, gan_ring (2D points on a ring of 8 Gaussians, under a minute)
or gan_fruits (32x32 fruit pictures, about four minutes), each on 2 threads with a
progress bar. The recipes are `utils.pretrained.GAN_RECIPES`; the manifests record them.
Only the generators are saved: the chapter needs them to sample.
"""

from __future__ import annotations

from dataclasses import asdict

from _names import chosen_names

from utils.checkpoints import save_checkpoint
from utils.pretrained import CHECKPOINTS, GAN_RECIPES, train_fruit_classifier, train_gan_recipe

NAMES = ["fruit_classifier", *GAN_RECIPES]


def main() -> None:
    for name in chosen_names(__doc__, NAMES):
        script = f"python scripts/train_gans.py {name}"
        if name == "fruit_classifier":
            model, history = train_fruit_classifier()
            save_checkpoint(model, CHECKPOINTS / f"{name}.safetensors", config={},
                            metadata={"history": history.round(4).to_dict(orient="list")}, script=script)  # fmt: skip
            print(f"{name}: held-out loss {history['val_loss'].iloc[-1]:.4f}")
            continue
        config, schedule = GAN_RECIPES[name]
        generator, _, history = train_gan_recipe(name)
        metadata = {"train_config": asdict(schedule), "history": history.round(4).to_dict(orient="list")}
        save_checkpoint(generator, CHECKPOINTS / f"{name}.safetensors", config=config, metadata=metadata, script=script)
        print(f"{name}: {history['seconds'].iloc[-1]:.0f} s")


if __name__ == "__main__":
    main()
