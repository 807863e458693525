"""Telling generated pictures from real ones, and training the fruit classifier on labels of any quality
(Chapter 15).

A *detector* is the fruit classifier's network (`utils.metrics.FruitClassifier`) with two classes,
0 = real and 1 = generated, trained on real pictures and one generator's samples. `fake_rate`
gives the share of pictures it calls generated: on real pictures that is its false-alarm rate,
on another generator's samples it shows whether what it learned carries over.
"""

from __future__ import annotations

import torch

from .checks import check_count, check_ids, check_images
from .metrics import FruitClassifier
from .train import TrainConfig, train

DETECTOR_SCHEDULE = TrainConfig(steps=300, batch_size=64, lr=2e-3, warmup_steps=20, min_lr=2e-4, eval_every=100)


def fit_image_classifier(
    images: torch.Tensor,
    labels: torch.Tensor,
    classes: int,
    *,
    schedule: TrainConfig = DETECTOR_SCHEDULE,
    device: torch.device | str | None = None,
    progress: bool = True,
    desc: str = "classifier",
) -> FruitClassifier:
    """A new FruitClassifier (seed `schedule.seed`) trained with cross-entropy on pictures (N, 3, H, W) and their
    class ids (N,)."""
    check_images(images, "images", channels=3)
    check_count(classes, "classes", minimum=2)
    check_ids(labels, classes, "labels", dims=1)
    if len(labels) != len(images):
        raise ValueError(f"labels must hold one class id per picture ({len(images)}), got {len(labels)}.")
    with torch.random.fork_rng():
        torch.manual_seed(schedule.seed)
        model = FruitClassifier(classes=classes)
    loss = lambda m, batch: torch.nn.functional.cross_entropy(m(batch[0]), batch[1])  # noqa: E731
    train(model, loss, (images, labels), config=schedule, device=device, progress=progress, desc=desc)
    return model.eval()


def fit_detector(
    real: torch.Tensor,
    fake: torch.Tensor,
    *,
    schedule: TrainConfig = DETECTOR_SCHEDULE,
    device: torch.device | str | None = None,
    progress: bool = True,
) -> FruitClassifier:
    """A real-or-generated detector trained on `real` pictures (class 0) and `fake` ones (class 1)."""
    check_images(real, "real", channels=3)
    check_images(fake, "fake", channels=3, size=real.shape[-1])
    labels = torch.cat([torch.zeros(len(real), dtype=torch.long), torch.ones(len(fake), dtype=torch.long)])
    return fit_image_classifier(torch.cat([real, fake.to(real)]), labels, 2, schedule=schedule, device=device,
                                progress=progress, desc="detector")  # fmt: skip


@torch.no_grad()
def predict(model: FruitClassifier, images: torch.Tensor, batch_size: int = 500) -> torch.Tensor:
    """The class each picture gets (its highest score), computed in eval mode in batches: (N,) on the CPU."""
    if not isinstance(model, FruitClassifier):
        raise TypeError(f"model must be a utils.metrics.FruitClassifier, got {type(model).__name__}.")
    check_images(images, "images", channels=3)
    check_count(batch_size, "batch_size")
    model.eval()
    device = next(model.parameters()).device
    return torch.cat([model(images[i : i + batch_size].to(device)).argmax(1).cpu()
                      for i in range(0, len(images), batch_size)])  # fmt: skip


def fake_rate(detector: FruitClassifier, images: torch.Tensor) -> float:
    """The share of `images` the detector calls generated (class 1)."""
    if detector.head.out_features != 2:
        raise ValueError(f"A detector has two classes (real, generated); this model has {detector.head.out_features}.")
    return predict(detector, images).float().mean().item()
