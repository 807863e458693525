"""The real-or-generated detector (Chapter 15): it learns a difference that is there, and reports shares exactly."""

import pytest
import torch

from utils.detect import fake_rate, fit_detector, fit_image_classifier, predict
from utils.fruits import make_fruits
from utils.train import TrainConfig

QUICK = TrainConfig(steps=60, batch_size=32, lr=2e-3, eval_every=60)


def test_a_detector_tells_fruit_from_noise_on_pictures_it_never_saw():
    real = make_fruits(120, seed=0).to_tensor()
    fake = torch.rand(120, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    detector = fit_detector(real, fake, schedule=QUICK, progress=False)
    assert fake_rate(detector, make_fruits(60, seed=1).to_tensor()) < 0.05
    assert fake_rate(detector, torch.rand(60, 3, 32, 32, generator=torch.Generator().manual_seed(1))) > 0.95


def test_predict_is_the_highest_score_in_batches_and_the_rate_its_share():
    fruits = make_fruits(30, seed=2)
    model = fit_image_classifier(fruits.to_tensor(), torch.from_numpy(fruits.labels).long(), 3,
                                 schedule=TrainConfig(steps=2, batch_size=8), progress=False)  # fmt: skip
    x = fruits.to_tensor()
    with torch.no_grad():
        assert torch.equal(predict(model, x, batch_size=7), model(x).argmax(1))
    two = fit_image_classifier(x, torch.arange(30) % 2, 2, schedule=TrainConfig(steps=2, batch_size=8), progress=False)
    assert fake_rate(two, x) == pytest.approx(predict(two, x).float().mean().item())
    with pytest.raises(ValueError, match="two classes"):
        fake_rate(model, x)
