"""Diffusion on 2 threads: the 2D ring against the GAN's targets, and the fruit model against the VAE and the GAN.

    python benchmarks/diffusion.py --json out.json [--skip-fruit] [--shipped]

Trains the recipes of `utils.recipes` from scratch: "diffusion_ring" (an MLP denoiser) and
"diffusion_fruits" (a small U-Net with labels); `--shipped` loads the shipped fruit model
instead of retraining it (its training time is then read from its manifest). Samples use
DDIM with 50 steps and no fresh noise (eta = 0). Fréchet distances use the shipped fruit
classifier's features: 1,000 samples against the 1,000 held-out fruits, for the diffusion
model (unconditional: no label, as the VAE and the GAN draw; and, as an extra row, conditional:
a third of each kind asked for, guidance 1), the shipped VAE and the shipped GAN, with the same seed.
Targets: 8 of 8 modes, at least 90% high-quality points, 2D training within 60 s, 1,000 points
in under 1 s; fruit Fréchet distance at most the VAE's (and, the goal, the GAN's), at least 90%
of guided samples classified as the class asked for, training within 5 minutes, 64 guided
pictures in under 5 s.
JSON keys: modes_covered_2d, high_quality_rate_2d, train_seconds_2d, sample_seconds_2d,
fruit_fd_diffusion, fruit_fd_diffusion_conditional, fruit_fd_vae, fruit_fd_gan, fruit_fd_real,
class_accuracy_guided, guidance,
train_seconds_fruit, sample_seconds_fruit_64, machine.
"""

from __future__ import annotations

import time

from _common import limit_threads, machine, parser, report

GUIDANCE = 3.0  # the chapter's guidance scale


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--skip-fruit", action="store_true", help="only the 2D ring (about a minute)")
    p.add_argument("--shipped", action="store_true", help="load the shipped fruit model instead of training it")
    args = p.parse_args()
    limit_threads(2)
    import torch

    from utils.metrics import frechet_distance, mode_coverage, ring_centres
    from utils.pretrained import load_or_train
    from utils.recipes import labelled_fruit_images, train_recipe

    ring, ring_history = train_recipe("diffusion_ring", progress=False)
    start = time.perf_counter()
    points = ring.sample(1000, steps=50, generator=torch.Generator().manual_seed(2))
    sample_seconds = time.perf_counter() - start
    quality = mode_coverage(points, ring_centres(), std=0.05)
    results = {"modes_covered_2d": quality["modes_covered"],
               "high_quality_rate_2d": round(quality["high_quality_rate"], 4),
               "train_seconds_2d": round(float(ring_history["seconds"].iloc[-1]), 1),
               "sample_seconds_2d": round(sample_seconds, 3)}  # fmt: skip
    rows = [("2D ring: modes covered", f"{quality['modes_covered']} of 8 (target 8)"),
            ("2D ring: high-quality points",
             f"{quality['high_quality_rate']:.1%} (target >= 90%; the shipped GAN: about 87%)"),
            ("2D ring: training seconds", f"{results['train_seconds_2d']} (target <= 60)"),
            ("2D ring: seconds for 1,000 points", f"{results['sample_seconds_2d']} (target < 1)")]  # fmt: skip

    if not args.skip_fruit:
        if args.shipped:
            trained = load_or_train("diffusion_fruits")
            model, train_seconds = trained.model, trained.seconds
        else:
            model, history = train_recipe("diffusion_fruits", progress=False)
            train_seconds = float(history["seconds"].iloc[-1])
        classifier = load_or_train("fruit_classifier").model
        vae, gan = load_or_train("fruit_vae").model, load_or_train("gan_fruits").model
        (train_x, _), (held_out, _) = labelled_fruit_images()
        reference = classifier.features(held_out)
        g = torch.Generator().manual_seed(0)
        fd = {
            name: frechet_distance(classifier.features(images), reference)
            for name, images in [
                ("real", train_x[:1000]),
                ("vae", vae.sample(1000, generator=g)),
                ("gan", gan.sample(1000, g)),
                ("diffusion", model.sample(1000, steps=50, generator=g)),
                ("diffusion_conditional", model.sample(1000, steps=50, labels=torch.arange(1000) % 3, generator=g)),
            ]
        }
        wanted = torch.arange(300) % 3
        guided = model.sample(300, steps=50, labels=wanted, guidance=GUIDANCE, generator=g)
        accuracy = (classifier(guided).argmax(1) == wanted).float().mean().item()
        start = time.perf_counter()
        model.sample(64, steps=50, labels=wanted[:64], guidance=GUIDANCE, generator=g)
        sample_64 = time.perf_counter() - start
        results.update({f"fruit_fd_{name}": round(value, 3) for name, value in fd.items()})
        results.update({"class_accuracy_guided": round(accuracy, 4), "guidance": GUIDANCE,
                        "train_seconds_fruit": round(train_seconds, 1),
                        "sample_seconds_fruit_64": round(sample_64, 2)})  # fmt: skip
        rows += [("fruit Fréchet distance: diffusion", f"{fd['diffusion']:.2f} (target <= VAE, goal <= GAN)"),
                 ("fruit Fréchet distance: diffusion, kinds asked for", f"{fd['diffusion_conditional']:.2f}"),
                 ("fruit Fréchet distance: VAE / GAN / real", f"{fd['vae']:.2f} / {fd['gan']:.2f} / {fd['real']:.2f}"),
                 (f"guided (scale {GUIDANCE:g}): right class", f"{accuracy:.1%} (target >= 90%)"),
                 ("fruit: training seconds", f"{results['train_seconds_fruit']} (target <= 300)"
                  + (" (shipped)" if args.shipped else "")),
                 ("fruit: seconds for 64 guided pictures",
                  f"{results['sample_seconds_fruit_64']} (target < 5)")]  # fmt: skip
    results["machine"] = {**machine(), "threads": 2}
    report(rows, results, args.json)


if __name__ == "__main__":
    main()
