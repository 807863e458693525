"""GANs on 2 threads: the 2D ring (modes covered, sample quality, time) and the fruit GAN against the VAE.

    python benchmarks/gan.py --json out.json [--skip-fruit]

Trains the recipes of `utils.recipes` from scratch: "gan_ring" (PacGAN pairs, 12,000 steps)
and "gan_fruits" (DCGAN, 3,000 steps). Targets: 8 of 8 modes, at least 80% high-quality
samples, 2D training within 60 s, fruit training within 5 minutes. Fréchet distances use the
shipped fruit classifier's features: 1,000 samples against the 1,000 held-out fruits, for the
fresh GAN and the shipped VAE (and real training fruits, the floor).
JSON keys: modes_covered, high_quality_rate, train_seconds_2d, fruit_fd_gan, fruit_fd_vae,
fruit_fd_real, train_seconds_fruit, machine.
"""

from __future__ import annotations

from _common import limit_threads, machine, parser, report


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--skip-fruit", action="store_true", help="only the 2D ring (under a minute)")
    args = p.parse_args()
    limit_threads(2)
    import torch

    from utils.metrics import frechet_distance, mode_coverage, ring_centres
    from utils.pretrained import load_or_train
    from utils.recipes import autoencoder_data, train_recipe

    ring, ring_history = train_recipe("gan_ring", progress=False)
    quality = mode_coverage(ring.sample(2500, torch.Generator().manual_seed(2)), ring_centres(), std=0.05)
    results = {"modes_covered": quality["modes_covered"], "high_quality_rate": round(quality["high_quality_rate"], 4),
               "train_seconds_2d": round(float(ring_history["seconds"].iloc[-1]), 1)}  # fmt: skip
    rows = [("2D ring: modes covered", f"{quality['modes_covered']} of 8 (target 8)"),
            ("2D ring: high-quality samples", f"{quality['high_quality_rate']:.1%} (target >= 80%)"),
            ("2D ring: training seconds", f"{results['train_seconds_2d']} (target <= 60)")]  # fmt: skip

    if not args.skip_fruit:
        fruits, fruit_history = train_recipe("gan_fruits", progress=False)
        classifier = load_or_train("fruit_classifier").model
        vae = load_or_train("fruit_vae").model
        train_x, held_out = autoencoder_data("fruits")
        reference = classifier.features(held_out)
        g = torch.Generator().manual_seed(0)
        fd = {
            name: frechet_distance(classifier.features(images), reference)
            for name, images in [
                ("real", train_x[:1000]),
                ("vae", vae.sample(1000, generator=g)),
                ("gan", fruits.sample(1000, g)),
            ]
        }
        results.update({f"fruit_fd_{name}": round(value, 3) for name, value in fd.items()})
        results["train_seconds_fruit"] = round(float(fruit_history["seconds"].iloc[-1]), 1)
        rows += [("fruit Fréchet distance: GAN / VAE / real", f"{fd['gan']:.2f} / {fd['vae']:.2f} / {fd['real']:.2f}"),
                 ("fruit GAN: training seconds", f"{results['train_seconds_fruit']} (target <= 300)")]  # fmt: skip
    results["machine"] = {**machine(), "threads": 2}
    report(rows, results, args.json)


if __name__ == "__main__":
    main()
