"""Our byte-level BPE against Hugging Face's BPE trainer on the same text, one core each.

    python benchmarks/tokenization.py --corpus PATH --vocab-size 1024 --json out.json

Both train on the first 90 % of the text and are measured on all of it (encoding speed)
and on the last 10 % (tokens per byte, lower is better compression). Targets on 1 MB and
one core: training to 1,024 tokens in under 10 s; encoding over 1 MB/s.
JSON keys: train_seconds, encode_mb_per_s, tokens_per_byte, hf_train_seconds,
hf_encode_mb_per_s, hf_tokens_per_byte, corpus_bytes, vocab_size, machine.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

os.environ["RAYON_NUM_THREADS"] = "1"  # Hugging Face tokenizers: one core, like ours
os.environ["TOKENIZERS_PARALLELISM"] = "false"

from _common import limit_threads, machine, parser, report  # noqa: E402


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--corpus", type=Path, help="a UTF-8 text file (default: the book's corpus)")
    p.add_argument("--vocab-size", type=int, default=1024)
    args = p.parse_args()
    limit_threads(1)
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    from utils.bpe import BPETokenizer
    from utils.corpus import load_corpus, train_val_split

    text = args.corpus.read_text(encoding="utf-8") if args.corpus else load_corpus()
    train, held_out = train_val_split(text)
    n_bytes, held_bytes = len(text.encode()), len(held_out.encode())

    ours, train_s = timed(lambda: BPETokenizer.train(train, args.vocab_size))
    fresh = BPETokenizer(ours.merges)  # encode with an empty cache
    ids, encode_s = timed(lambda: fresh.encode(text))
    assert fresh.decode(ids) == text

    hf = Tokenizer(models.BPE())
    hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(vocab_size=args.vocab_size, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)  # fmt: skip
    _, hf_train_s = timed(lambda: hf.train_from_iterator([train], trainer))
    _, hf_encode_s = timed(lambda: hf.encode(text))

    results = {
        "train_seconds": round(train_s, 3), "encode_mb_per_s": round(n_bytes / encode_s / 1e6, 2),
        "tokens_per_byte": round(len(ours.encode(held_out)) / held_bytes, 4),
        "hf_train_seconds": round(hf_train_s, 3), "hf_encode_mb_per_s": round(n_bytes / hf_encode_s / 1e6, 2),
        "hf_tokens_per_byte": round(len(hf.encode(held_out).ids) / held_bytes, 4),
        "corpus_bytes": n_bytes, "vocab_size": args.vocab_size, "machine": machine(),
    }  # fmt: skip
    rows = [("", "ours / Hugging Face"),
            ("train seconds", f"{results['train_seconds']} / {results['hf_train_seconds']}"),
            ("encode MB/s", f"{results['encode_mb_per_s']} / {results['hf_encode_mb_per_s']}"),
            ("tokens per byte (held out)", f"{results['tokens_per_byte']} / {results['hf_tokens_per_byte']}"),
            ("corpus", f"{n_bytes:,} bytes, vocab {args.vocab_size}")]  # fmt: skip
    report(rows, results, args.json)


if __name__ == "__main__":
    main()
