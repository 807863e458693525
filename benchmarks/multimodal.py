"""Chapter 14 on 2 threads: SimCLR with linear probes, a CLIP-style model, and a WaveNet on melodies.

    python benchmarks/multimodal.py --json out.json

Runs the chapter's steps with its settings (`utils.recipes`):
* SimCLR on 3,000 unlabelled fruit, then a linear probe on its features with 10 labelled pictures
  per kind (mean of 5 draws), scored on 600 new fruit; the same probe on raw pixels beside it.
* The CLIP-style model on 3,000 captioned fruit (a quarter recoloured), the time of its training
  alone, zero-shot accuracy by the prompts "a photo of a/an <kind>" on the same 600 new fruit, and
  the share of the top 10 results for "a blue apple" that are blue apples, among 300 new fruit (a
  quarter recoloured) with 60 anomalies mixed in (every picture whose attributes make it a blue
  apple counts; with more than 10 of them, this is the precision at 10).
* The "wavenet_melodies" recipe trained from scratch: a WaveNet on 48 two-second melodies (mu-law
  tokens, 4,000 samples per second), its held-out loss in nats per sample on every sample of the 8
  held-out melodies against the unigram baseline, and the share of the energy of one second it
  generates (temperature 0.3, from a 400-sample prompt) that sits on the scale's notes.
Targets: zero_shot_accuracy >= 0.95; retrieval_recall_at_10_blue_apple >= 0.8; probe_accuracy_10_labels
> pixel_probe_accuracy_10_labels; train_seconds_clip <= 120; audio_val_nll < audio_unigram_nll.
JSON keys: those, plus pixel_probe_accuracy_10_labels, blue_apples_in_pool, train_seconds_simclr,
train_seconds_wavenet, clip_temperature, audio_unigram_nll, audio_scale_energy_generated,
audio_scale_energy_real, machine.
"""

from __future__ import annotations

import time

from _common import limit_threads, machine, parser, report


def main() -> None:
    args = parser(__doc__).parse_args()
    limit_threads(2)
    import torch

    from utils import recipes as R
    from utils.audio import generate, mu_law_decode, next_token_loss, scale_energy, unigram_nll
    from utils.captions import agrees
    from utils.clip import ClipModel, fit_clip, precision_at_k, retrieve, sentence_vectors, zero_shot
    from utils.device import seeded
    from utils.fruits import KINDS, make_fruits
    from utils.simclr import SimCLR, encode, fit_simclr, probe_accuracy

    seconds = {}
    fruit, test = make_fruits(3000, seed=0), make_fruits(600, seed=7)
    images, test_images = fruit.to_tensor(), test.to_tensor()
    with seeded(0):
        simclr = SimCLR()
    start = time.perf_counter()
    fit_simclr(simclr, images, R.SIMCLR_SCHEDULE, progress=False)
    seconds["simclr"] = time.perf_counter() - start
    probe = probe_accuracy(encode(simclr.encoder, images), fruit.labels, encode(simclr.encoder, test_images),
                           test.labels, per_class=10)  # fmt: skip
    pixels = probe_accuracy(images.flatten(1).numpy(), fruit.labels, test_images.flatten(1).numpy(), test.labels,
                            per_class=10)  # fmt: skip

    data = R.clip_data()
    vectors = sentence_vectors(data.captions)
    with seeded(0):
        clip = ClipModel()
    start = time.perf_counter()
    fit_clip(clip, data.images, vectors, R.CLIP_SCHEDULE, progress=False)
    seconds["clip"] = time.perf_counter() - start
    prompts = sentence_vectors([f"a photo of {'an' if k[0] in 'aeiou' else 'a'} {k}" for k in KINDS])
    zero = float((zero_shot(clip, test_images, prompts) == torch.from_numpy(test.labels)).float().mean())
    pool, kinds, attributes, _ = R.retrieval_pool()
    blue = torch.tensor([agrees("a blue apple", kind, attributes.iloc[i]) for i, kind in enumerate(kinds)])
    recall = precision_at_k(retrieve(clip, sentence_vectors(["a blue apple"])[0], pool, k=10), blue)

    tokens, val_tokens = R.audio_tokens()
    start = time.perf_counter()
    wavenet, _ = R.train_recipe("wavenet_melodies", progress=False)
    seconds["wavenet"] = time.perf_counter() - start
    with torch.no_grad():
        nll = next_token_loss(wavenet.eval(), val_tokens).item()
    unigram = unigram_nll(tokens, val_tokens)
    played = mu_law_decode(generate(wavenet, val_tokens[0, :400], R.AUDIO_RATE, temperature=0.3, seed=0))[400:]
    tonal = scale_energy(played, R.AUDIO_RATE)
    real = scale_energy(mu_law_decode(val_tokens[0, 400 : 400 + R.AUDIO_RATE]), R.AUDIO_RATE)

    results = {
        "zero_shot_accuracy": round(zero, 4), "retrieval_recall_at_10_blue_apple": recall,
        "blue_apples_in_pool": int(blue.sum()),
        "probe_accuracy_10_labels": round(probe, 4), "pixel_probe_accuracy_10_labels": round(pixels, 4),
        "train_seconds_clip": round(seconds["clip"], 1), "train_seconds_simclr": round(seconds["simclr"], 1),
        "train_seconds_wavenet": round(seconds["wavenet"], 1), "clip_temperature": round(clip.temperature, 4),
        "audio_val_nll": round(nll, 4), "audio_unigram_nll": round(unigram, 4),
        "audio_scale_energy_generated": round(tonal, 3), "audio_scale_energy_real": round(real, 3),
    }  # fmt: skip
    rows = [("zero-shot accuracy (600 new fruit)", f"{zero:.1%} (target >= 95%)"),
            ("'a blue apple': blue apples in the top 10",
             f"{recall:.0%} (target >= 80%; {int(blue.sum())} in the pool)"),
            ("linear probe, 10 labels per kind: SimCLR features", f"{probe:.1%} (target > raw pixels)"),
            ("linear probe, 10 labels per kind: raw pixels", f"{pixels:.1%}"),
            ("CLIP training seconds", f"{seconds['clip']:.1f} (target <= 120)"),
            ("SimCLR / WaveNet training seconds", f"{seconds['simclr']:.1f} / {seconds['wavenet']:.1f}"),
            ("audio held-out nats per sample: WaveNet", f"{nll:.3f} (target < unigram)"),
            ("audio held-out nats per sample: unigram", f"{unigram:.3f}"),
            ("energy on the scale's notes: generated (T 0.3) / real", f"{tonal:.0%} / {real:.0%}")]  # fmt: skip
    results["machine"] = {**machine(), "threads": 2}
    report(rows, results, args.json)


if __name__ == "__main__":
    main()
