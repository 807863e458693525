"""A character-level GPT with nanoGPT's CPU "baby GPT" settings, against n-gram baselines.

    python benchmarks/gpt_chars.py --corpus PATH --iters 2000 --json out.json [--preset baby]

Settings (as nanoGPT's shakespeare_char CPU example): 4 layers, 4 heads, 128 wide,
context 64, batch 12, dropout 0, no biases (nanoGPT's default), AdamW lr 1e-3 with beta2 0.99 and weight decay 0.1,
100 warm-up steps then cosine decay to 1e-4, gradient clipping 1.0, a 90/10 split,
2 torch threads. Validation loss is the mean over 200 random batches; nanoGPT's CPU example
estimates it from 20, so the script also shows the range of 20 such small estimates.

JSON keys: val_loss, val_loss_20_batches (min, max), train_loss, train_seconds, tokens_per_second, gflops_per_second,
peak_gflops (2-thread float32 matmul, measured), peak_fraction, ngram_val_loss (3, 4, 5),
params, iters, preset, corpus_bytes, machine.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from _common import limit_threads, machine, parser, report


def matmul_peak_gflops(size: int = 1024, repeats: int = 20) -> float:
    """Measured float32 matmul speed on this machine's threads: a practical peak."""
    import torch

    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return 2 * size**3 * repeats / (time.perf_counter() - start) / 1e9


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--corpus", type=Path, help="a UTF-8 text file (default: the book's corpus)")
    p.add_argument("--iters", type=int, default=2000)
    p.add_argument("--preset", choices=["tiny", "baby", "small"], default="baby")
    p.add_argument("--batch-size", type=int, default=12)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=1337, help="nanoGPT's seed by default")
    args = p.parse_args()
    limit_threads(args.threads)
    import torch

    from utils.corpus import load_corpus, train_val_split, window_batches
    from utils.gpt import GPT, GPTConfig, flops_per_token
    from utils.ngram import NGramModel
    from utils.tokenizers import CharTokenizer
    from utils.train import TrainConfig, evaluate, train

    text = args.corpus.read_text(encoding="utf-8") if args.corpus else load_corpus()
    tokenizer = CharTokenizer.train(text)
    ids = torch.tensor(tokenizer.encode(text))
    train_ids, val_ids = train_val_split(ids)

    ngram = {}
    fit_ids, dev_ids = train_val_split(train_ids.numpy())
    for n in (3, 4, 5):  # pick k on a slice of the training data, then score on validation
        k = min((0.3, 0.1, 0.03, 0.01), key=lambda k: NGramModel(n, tokenizer.vocab_size, k).fit(fit_ids).loss(dev_ids))
        ngram[str(n)] = round(NGramModel(n, tokenizer.vocab_size, k).fit(train_ids.numpy()).loss(val_ids.numpy()), 4)

    config = replace(getattr(GPTConfig, args.preset)(tokenizer.vocab_size), bias=False)  # nanoGPT's default
    torch.manual_seed(args.seed)
    model = GPT(config)
    schedule = TrainConfig(steps=args.iters, batch_size=args.batch_size, lr=1e-3, weight_decay=0.1, betas=(0.9, 0.99),
                           warmup_steps=100, min_lr=1e-4, grad_clip=1.0, eval_every=args.iters, eval_batches=200,
                           seed=args.seed)  # fmt: skip
    loss = lambda m, batch: m(*batch)[1]  # noqa: E731
    start = time.perf_counter()
    history = train(model, loss, window_batches(train_ids, config.block_size, args.batch_size), config=schedule,
                    progress=False)  # fmt: skip
    seconds = time.perf_counter() - start
    val_batches = window_batches(val_ids, config.block_size, args.batch_size)
    val = evaluate(model, loss, val_batches, schedule, torch.device("cpu"))
    # nanoGPT's CPU example estimates with --eval_iters=20: how far can such a small sample stray?
    quick = [evaluate(model, loss, val_batches, replace(schedule, eval_batches=20, seed=s), torch.device("cpu"))
             for s in range(20)]  # fmt: skip

    tokens = args.iters * args.batch_size * config.block_size
    params = model.num_parameters()
    gflops = flops_per_token(config, params) * tokens / seconds / 1e9
    peak = matmul_peak_gflops()
    results = {
        "val_loss": round(val, 4), "train_loss": round(float(history["train_loss"].iloc[-1]), 4),
        "train_seconds": round(seconds, 1), "tokens_per_second": round(tokens / seconds),
        "gflops_per_second": round(gflops, 2), "peak_gflops": round(peak, 1), "peak_fraction": round(gflops / peak, 3),
        "val_loss_20_batches": {"min": round(min(quick), 4), "max": round(max(quick), 4)},
        "ngram_val_loss": ngram, "params": params, "iters": args.iters, "preset": args.preset, "seed": args.seed,
        "corpus_bytes": len(text.encode()), "machine": {**machine(), "threads": args.threads},
    }  # fmt: skip
    rows = [
        ("GPT val loss", f"{val:.4f} ({args.preset}, {params:,} parameters, {args.iters} iterations)"),
        ("same, 20-batch estimates (20 draws)", f"{min(quick):.4f} to {max(quick):.4f}"),
        ("n-gram val loss (3, 4, 5)", ", ".join(f"{ngram[n]:.4f}" for n in ngram)),
        ("train seconds", f"{seconds:.1f}"),
        ("tokens per second", f"{tokens / seconds:,.0f}"),
        ("GFLOP/s (6N + 12LCT per token)", f"{gflops:.2f} = {gflops / peak:.1%} of {peak:.1f} (matmul peak)"),
    ]
    report(rows, results, args.json)


if __name__ == "__main__":
    main()
