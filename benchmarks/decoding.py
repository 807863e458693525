"""How fast decoding is: slider redraws, generation with the KV cache, and each filter.

    python benchmarks/decoding.py --json out.json

Uses the book's GPT checkpoint (assets/checkpoints/gpt_chars.safetensors) on 2 threads.
JSON keys: redraw_p50_ms, redraw_p95_ms (slider change -> new figure, logits cached;
target p95 < 50 ms), generate_200_seconds (200 new tokens with the KV cache; target
< 0.5 s), kv_speedup (uncached / cached time per token at full context; target >= 3),
sampler_us_per_call
(each filter on a 50,000-token vocabulary), machine.
"""

from __future__ import annotations

import statistics
import time

from _common import limit_threads, machine, parser, report


def timeit(fn, repeats: int) -> list[float]:
    fn()  # warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    args = parser(__doc__).parse_args()
    limit_threads(2)
    import numpy as np
    import torch

    from utils.decoding_views import next_token_figure
    from utils.pretrained import load_or_train
    from utils.recipes import chapter_tokenizer
    from utils.sampling import (
        Strategy,
        apply_temperature,
        generate,
        min_p_filter,
        repetition_penalty,
        sample,
        step_seconds,
        top_k_filter,  # fmt: skip
        top_p_filter,
    )

    model, tokenizer = load_or_train("gpt_chars").model, chapter_tokenizer()
    prompt = torch.tensor([tokenizer.encode("The function returns")])
    with torch.no_grad():
        logits = model(prompt)[0][0, -1]
    labels = tokenizer.chars
    rng = np.random.default_rng(0)

    def redraw():
        strategy = Strategy(temperature=float(rng.uniform(0.2, 2.0)), top_k=int(rng.integers(1, 96)),
                            top_p=float(rng.uniform(0.05, 1.0)))  # fmt: skip
        next_token_figure(logits, labels, strategy)

    redraws = np.array(timeit(redraw, 200)) * 1000

    gen = torch.Generator().manual_seed(0)
    generate_200 = min(timeit(lambda: list(generate(model, prompt, 200, Strategy(temperature=0.8), generator=gen)), 3))

    block = model.config.block_size
    uncached, cached = step_seconds(model, block, repeats=300)

    big = torch.randn(1, 50_000, generator=torch.Generator().manual_seed(2))
    previous = torch.randint(0, 50_000, (1, 64))
    filters = {
        "temperature": lambda: apply_temperature(big, 0.7), "top_k": lambda: top_k_filter(big, 50),
        "top_p": lambda: top_p_filter(big, 0.9), "min_p": lambda: min_p_filter(big, 0.05),
        "repetition_penalty": lambda: repetition_penalty(big, previous, 1.2),
        "sample": lambda: sample(big, generator=gen),
    }  # fmt: skip
    per_call = {name: round(statistics.median(timeit(f, 300)) * 1e6, 1) for name, f in filters.items()}

    results = {
        "redraw_p50_ms": round(float(np.percentile(redraws, 50)), 2),
        "redraw_p95_ms": round(float(np.percentile(redraws, 95)), 2),
        "generate_200_seconds": round(generate_200, 3), "kv_speedup": round(uncached / cached, 2),
        "cached_ms_per_token": round(cached * 1000, 3), "uncached_ms_per_token": round(uncached * 1000, 3),
        "context": block, "sampler_us_per_call": per_call, "machine": {**machine(), "threads": 2},
    }  # fmt: skip
    p50, p95 = results["redraw_p50_ms"], results["redraw_p95_ms"]
    speed = f"{uncached / cached:.2f}x ({uncached * 1e3:.2f} vs {cached * 1e3:.2f} ms per token, context {block})"
    rows = [("slider redraw p50 / p95", f"{p50} / {p95} ms (target p95 < 50)"),
            ("200 tokens with KV cache", f"{generate_200:.3f} s (target < 0.5)"),
            ("KV-cache speed-up at full context", f"{speed}; target >= 3")]  # fmt: skip
    rows += [(f"{name} on 50,000 logits", f"{us} us") for name, us in per_call.items()]
    report(rows, results, args.json)


if __name__ == "__main__":
    main()
