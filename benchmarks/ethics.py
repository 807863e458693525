"""Chapter 15 on 2 threads: attributions, a deepfake detector, the text watermark, extraction, label noise.

    python benchmarks/ethics.py --json out.json

Runs the chapter's measurements with its settings:
* Integrated gradients (64 midpoints, the background colour as baseline) for the shipped fruit
  classifier on 30 new fruit and 10 blue apples: the largest completeness error,
  |sum of attributions - (F(x) - F(baseline))| / |F(x) - F(baseline)|.
* A real-or-generated detector (`utils.detect.fit_detector`, seeds 0, 1 and 2) trained on 2,000 real
  fruit against 2,000 samples of the shipped fruit GAN, scored on 300 held-out real fruit against 300
  new samples of the GAN, 150 of the diffusion model (25 DDIM steps, guidance 3) and 300 of the VAE,
  none of which it saw: balanced accuracy (the mean of the real pictures passed and the generated
  ones caught) for seed 0, and the range over the seeds.
* The green-list watermark (gamma 0.5, delta 3, key 42; each distinct pair of characters scored once)
  on 100 texts of 200 characters sampled from the book's GPT at temperature 1: the share with z > 4
  (detection rate), and the same at delta 2; the share of 100 held-out human-written windows of 201
  characters with z > 4 (false positive rate), for key 42 and over keys 40-49.
* The "gpt_secrets" recipe trained from scratch (1,500 steps, the baby GPT): the smallest number of
  copies at which greedy decoding gives the planted code back whole.
* The fruit classifier trained (`fit_image_classifier`, 300 steps) on 3,000 fruit with 0%, 10% and
  30% of the labels flipped at random, scored on 1,000 clean held-out fruit.
Targets: ig_completeness_error < 0.01; watermark_detection_rate >= 0.95; watermark_false_positive_rate <= 0.05.
JSON keys: ig_completeness_error, detector_accuracy_gan, detector_accuracy_diffusion, detector_accuracy_vae,
detector_accuracy_range (per generator: min and max over the seeds), watermark_detection_rate,
watermark_false_positive_rate, watermark_detection_rate_delta2, watermark_false_positive_rate_keys_40_49,
watermark_mean_z, extraction_k, secrets_train_seconds, label_noise_accuracy
({"0": ..., "10": ..., "30": ...}), machine.
"""

from __future__ import annotations

import time
from dataclasses import replace

from _common import limit_threads, machine, parser, report


def main() -> None:
    args = parser(__doc__).parse_args()
    limit_threads(2)
    import numpy as np
    import torch

    from utils import recipes as R
    from utils.audit import extracted, flip_labels
    from utils.corpus import load_corpus, train_val_split
    from utils.detect import DETECTOR_SCHEDULE, fake_rate, fit_detector, fit_image_classifier, predict
    from utils.explain import completeness_gap, integrated_gradients
    from utils.fruits import make_anomalies, make_fruits
    from utils.pretrained import load_or_train
    from utils.watermark import generate_watermarked, z_score

    classifier = load_or_train("fruit_classifier", progress=False).model.eval()
    pictures = torch.cat([make_fruits(30, seed=11).to_tensor(), make_anomalies(10, kinds=["blue_apple"]).to_tensor()])
    baseline = pictures[:, :, :2, :2].mean(dim=(0, 2, 3))[:, None, None].expand(3, 32, 32)
    with torch.no_grad():
        predicted = classifier(pictures).argmax(1)
    ig = integrated_gradients(classifier, pictures, predicted, baseline=baseline, steps=64)
    ig_error = float(completeness_gap(classifier, pictures, predicted, ig, baseline=baseline).max())

    (real, _), (held_out, _) = R.labelled_fruit_images()
    gan = load_or_train("gan_fruits", progress=False).model
    diffusion = load_or_train("diffusion_fruits", progress=False).model
    vae = load_or_train("fruit_vae", progress=False).model
    draw = torch.Generator().manual_seed(0)
    gan_train, gan_test = gan.sample(2000, draw).clamp(0, 1), gan.sample(300, draw).clamp(0, 1)
    fakes = {"gan": gan_test,
             "diffusion": diffusion.sample(150, steps=25, labels=torch.arange(150) % 3, guidance=3.0, generator=draw),
             "vae": vae.sample(300, generator=draw).clamp(0, 1)}  # fmt: skip
    accuracy = {name: [] for name in fakes}
    for seed in (0, 1, 2):
        detector = fit_detector(real[:2000], gan_train, schedule=replace(DETECTOR_SCHEDULE, seed=seed), progress=False)
        passed = 1 - fake_rate(detector, held_out[:300])
        for name, x in fakes.items():
            accuracy[name].append((passed + fake_rate(detector, x)) / 2)

    gpt = load_or_train("gpt_chars", progress=False).model.eval()
    tokenizer = R.chapter_tokenizer()
    vocab = tokenizer.vocab_size
    start_token = torch.tensor(tokenizer.encode("\n"))
    marked = generate_watermarked(gpt, start_token, 200, samples=100, delta=3.0, key=42, seed=1)
    z_marked = np.array([z_score(row, vocab, key=42) for row in marked])
    weaker = generate_watermarked(gpt, start_token, 200, samples=100, delta=2.0, key=42, seed=1)
    z_weaker = np.array([z_score(row, vocab, key=42) for row in weaker])
    human_ids = torch.tensor(tokenizer.encode(train_val_split(load_corpus())[1]))
    windows = [human_ids[i : i + 201] for i in range(0, 100_000, 1000)]
    z_human = np.array([z_score(w, vocab, key=42) for w in windows])
    z_keys = np.array([z_score(w, vocab, key=k) for k in range(40, 50) for w in windows])

    start = time.perf_counter()
    secret_model, _ = R.train_recipe("gpt_secrets", progress=False)
    secret_seconds = time.perf_counter() - start
    _, secrets = R.secrets_corpus()
    found = [r.copies for r in secrets.itertuples() if extracted(secret_model, tokenizer, r.prefix, r.code) == r.code]
    extraction_k = min(found) if found else None

    (train_x, train_y), (test_x, test_y) = R.fruit_classifier_data()
    noise = {}
    for rate in (0.0, 0.1, 0.3):
        labels = torch.from_numpy(flip_labels(train_y.numpy(), rate, 3, seed=0))
        model = fit_image_classifier(train_x, labels, 3, progress=False)
        noise[str(round(100 * rate))] = round(float((predict(model, test_x) == test_y).float().mean()), 4)

    results = {
        "ig_completeness_error": round(ig_error, 5),
        **{f"detector_accuracy_{name}": round(values[0], 4) for name, values in accuracy.items()},
        "detector_accuracy_range": {name: [round(min(v), 4), round(max(v), 4)] for name, v in accuracy.items()},
        "watermark_detection_rate": float((z_marked > 4).mean()),
        "watermark_false_positive_rate": float((z_human > 4).mean()),
        "watermark_detection_rate_delta2": float((z_weaker > 4).mean()),
        "watermark_false_positive_rate_keys_40_49": float((z_keys > 4).mean()),
        "watermark_mean_z": {"marked": round(float(z_marked.mean()), 3), "human": round(float(z_human.mean()), 3)},
        "extraction_k": extraction_k, "extracted_copies": found, "secrets_train_seconds": round(secret_seconds, 1),
        "label_noise_accuracy": noise,
    }  # fmt: skip
    rows = [("integrated gradients: largest completeness error", f"{ig_error:.2%} (target < 1%)"),
            *[(f"detector balanced accuracy, {name} (seed 0; seeds 0-2)",
               f"{values[0]:.3f} ({min(values):.3f}-{max(values):.3f})") for name, values in accuracy.items()],
            ("watermark detection rate (200 characters, z > 4, delta 3)", f"{(z_marked > 4).mean():.0%} (>= 95%)"),
            ("watermark detection rate at delta 2", f"{(z_weaker > 4).mean():.0%}"),
            ("watermark false positives on human text", f"{(z_human > 4).mean():.0%} (target <= 5%)"),
            ("watermark false positives, keys 40-49", f"{(z_keys > 4).mean():.1%} of {len(z_keys)}"),
            ("planted secret extracted from k copies", f"k = {extraction_k} (extracted: {found})"),
            ("gpt_secrets training seconds", f"{secret_seconds:.1f}"),
            ("label noise 0% / 10% / 30%: held-out accuracy", " / ".join(f"{v:.3f}" for v in noise.values())),
            ]  # fmt: skip
    results["machine"] = {**machine(), "threads": 2}
    report(rows, results, args.json)


if __name__ == "__main__":
    main()
