"""How fast our MiniLM sentence encoder embeds 1,000 sentences on 2 threads, against sentence-transformers.

    python benchmarks/embeddings.py --json out.json

The sentences: the book's 320 topic sentences, then sentences from the book's corpus up to
1,000 (a fixed, seeded choice). Both encoders use batches of 32 and run once to warm up.
JSON keys: sentences_per_second, st_sentences_per_second (null if sentence-transformers is
not installed), speed_ratio (ours / theirs), min_cosine (agreement of the two embeddings),
n_sentences, mean_tokens, batch_size, machine.
"""

from __future__ import annotations

import os
import random
import time

from _common import limit_threads, machine, parser, report

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def sentences(n: int = 1000) -> list[str]:
    from utils.corpus import load_corpus
    from utils.transfer import load_topics

    chosen = list(load_topics()["text"])
    lines = sorted({s.strip() for s in load_corpus().replace("\n", " ").split(". ") if 20 < len(s.strip()) < 300})
    return chosen + random.Random(0).sample(lines, n - len(chosen))


def seconds(fn, repeats: int = 3) -> float:
    fn()  # warm up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--batch-size", type=int, default=32)
    args = p.parse_args()
    limit_threads(2)
    import torch

    from utils.bert import SentenceEncoder

    texts = sentences()
    encoder = SentenceEncoder("cpu")
    ours = seconds(lambda: encoder.encode(texts, batch_size=args.batch_size))
    mean_tokens = sum(len(encoder.tokenizer.encode(t)) for t in texts) / len(texts)

    theirs, min_cosine = None, None
    try:
        from sentence_transformers import SentenceTransformer

        from utils.minilm import minilm_path
    except ImportError:
        SentenceTransformer = None
    if SentenceTransformer is not None:
        reference = SentenceTransformer(str(minilm_path()), device="cpu")
        theirs = seconds(lambda: reference.encode(texts, batch_size=args.batch_size))
        a = encoder.encode(texts, batch_size=args.batch_size)
        b = torch.tensor(reference.encode(texts, batch_size=args.batch_size))
        min_cosine = float((a * b).sum(1).min())

    n = len(texts)
    results = {
        "sentences_per_second": round(n / ours, 1),
        "st_sentences_per_second": None if theirs is None else round(n / theirs, 1),
        "speed_ratio": None if theirs is None else round(theirs / ours, 3),
        "min_cosine": None if min_cosine is None else round(min_cosine, 6),
        "n_sentences": n, "mean_tokens": round(mean_tokens, 1), "batch_size": args.batch_size,
        "machine": {**machine(), "threads": 2},
    }  # fmt: skip
    rows = [("sentences", f"{n} ({mean_tokens:.1f} WordPiece tokens on average), batches of {args.batch_size}"),
            ("ours (utils.bert)", f"{n / ours:,.1f} sentences/s ({ours:.2f} s)")]  # fmt: skip
    if theirs is not None:
        rows += [("sentence-transformers", f"{n / theirs:,.1f} sentences/s ({theirs:.2f} s)"),
                 ("ours / theirs speed", f"{theirs / ours:.2f}"),
                 ("lowest cosine between the two", f"{min_cosine:.6f}")]  # fmt: skip
    else:
        rows.append(("sentence-transformers", "not installed: skipped"))
    report(rows, results, args.json)


if __name__ == "__main__":
    main()
