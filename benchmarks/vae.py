"""VAEs on the fruit world and on scikit-learn's digits: quality, training time, anomaly detection.

    python benchmarks/vae.py --json out.json

Trains the fruit VAE and the digits VAE with the book's recipes
(`utils.recipes.train_recipe`, including the periodic held-out evaluation) on
2 threads, then reports on held-out data.
JSON keys: neg_bernoulli_elbo_nats_fruits, neg_bernoulli_elbo_nats_digits (minus the ELBO under
the Bernoulli pixel model, in nats per image, mean of 10 draws: a score that ranks images under
one model, not a normalised log-likelihood of continuous pixels, so do not compare it with
log-likelihoods from papers),
train_seconds ({fruits, digits}; target <= 60 s each), anomaly_auc (per anomaly kind,
reconstruction error of the fruit VAE against held-out normal fruit), interp_redraw_ms
(decode one interpolated code and build its figure; target < 50 ms), machine.
"""

from __future__ import annotations

import statistics
import time

from _common import limit_threads, machine, parser, report


def main() -> None:
    args = parser(__doc__).parse_args()
    limit_threads(2)
    import numpy as np
    import plotly.graph_objects as go
    import torch
    from sklearn.metrics import roc_auc_score

    from utils.autoencoders import reconstruction_error
    from utils.fruits import make_anomalies
    from utils.plots import image_trace
    from utils.recipes import autoencoder_data, train_recipe

    results: dict = {"train_seconds": {}, "machine": {**machine(), "threads": 2}}
    models = {}
    for data, name in (("fruits", "fruit_vae"), ("digits", "digits_vae")):
        _, held_out = autoencoder_data(data)
        start = time.perf_counter()
        model, _ = train_recipe(name, progress=False)
        results["train_seconds"][data] = round(time.perf_counter() - start, 1)
        model.eval()
        g = torch.Generator().manual_seed(0)
        with torch.no_grad():
            draws = [sum(model.elbo_terms(held_out, generator=g)).mean().item() for _ in range(10)]
        results[f"neg_bernoulli_elbo_nats_{data}"] = round(statistics.mean(draws), 2)
        models[data] = (model, held_out)

    vae, held_out = models["fruits"]
    normal = reconstruction_error(vae, held_out).numpy()
    odd = make_anomalies(600, seed=1)
    odd_err = reconstruction_error(vae, odd.to_tensor()).numpy()
    results["anomaly_auc"] = {
        kind: round(float(roc_auc_score(np.r_[np.zeros(len(normal)), np.ones(int((odd.labels == k).sum()))],
                                        np.r_[normal, odd_err[odd.labels == k]])), 4)
        for k, kind in enumerate(odd.kinds)
    }  # fmt: skip

    with torch.no_grad():
        a, b = vae.encode(held_out[:1])[0], vae.encode(held_out[1:2])[0]
    timings = []
    for t in np.linspace(0, 1, 101):
        start = time.perf_counter()
        with torch.no_grad():
            image = vae.decode((1 - t) * a + t * b)[0].permute(1, 2, 0).numpy()
        go.Figure(image_trace(image)).update_layout(title=f"t = {t:.2f}")
        timings.append((time.perf_counter() - start) * 1000)
    results["interp_redraw_ms"] = round(statistics.median(timings), 2)

    rows = [("-ELBO (Bernoulli score), held-out fruits",
             f"{results['neg_bernoulli_elbo_nats_fruits']} nats per image (32x32x3; not a log-likelihood)"),
            ("-ELBO (Bernoulli score), held-out digits",
             f"{results['neg_bernoulli_elbo_nats_digits']} nats per image (8x8; not a log-likelihood)"),
            ("train seconds (fruits, digits)", f"{results['train_seconds']['fruits']}, "
                                               f"{results['train_seconds']['digits']} (target <= 60 each)"),
            ("interpolation redraw", f"{results['interp_redraw_ms']} ms median (target < 50)")]  # fmt: skip
    rows += [(f"anomaly AUC: {kind}", str(auc)) for kind, auc in results["anomaly_auc"].items()]
    report(rows, results, args.json)


if __name__ == "__main__":
    main()
