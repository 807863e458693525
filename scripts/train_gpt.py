"""Train the book's character-level GPT on the book's corpus and save it to assets/checkpoints.

    python scripts/train_gpt.py [--iters 3000] [--preset book] [--batch-size 8]

Chapters 3, 8 and 11 load the result. On a laptop CPU with 2 threads the default run takes
about seven minutes; a progress bar shows the loss. The recipe is `utils.pretrained.gpt_recipe`.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict

import torch

from utils.checkpoints import save_checkpoint
from utils.corpus import CHARSET, fingerprint, load_corpus
from utils.gpt import GPTConfig
from utils.pretrained import CHECKPOINTS, gpt_recipe, train_gpt_chars


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iters", type=int, default=3000)
    parser.add_argument("--preset", choices=["tiny", "baby", "book", "small"], default="book")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    config = getattr(GPTConfig, args.preset)(len(CHARSET))
    schedule = gpt_recipe(args.iters, args.batch_size)
    model, history = train_gpt_chars(config, schedule)
    metadata = {"chars": CHARSET, "corpus_sha256_16": fingerprint(load_corpus()), "train_config": asdict(schedule),
                "history": history.round(4).to_dict(orient="list"),
                "final_val_loss": float(history["val_loss"].iloc[-1])}  # fmt: skip
    command = f"python scripts/train_gpt.py --iters {args.iters} --preset {args.preset} --batch-size {args.batch_size}"
    save_checkpoint(model, CHECKPOINTS / "gpt_chars.safetensors", config=config, metadata=metadata, script=command)
    print(history.round(3).to_string(index=False))


if __name__ == "__main__":
    main()
