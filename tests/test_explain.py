"""Gradient attributions (Chapter 15) against closed forms, and the completeness of integrated gradients."""

import pytest
import torch

from utils.explain import class_scores, completeness_gap, integrated_gradients, saliency
from utils.metrics import FruitClassifier


class Quadratic(torch.nn.Module):
    """Class c scores a_c * sum(x^2): its integrated gradients are a_c (x^2 - x'^2), exactly, with midpoints."""

    def __init__(self):
        super().__init__()
        self.a = torch.nn.Parameter(torch.tensor([1.0, -2.0]))

    def forward(self, x):
        return self.a * x.pow(2).sum(dim=(1, 2, 3))[:, None]


def test_for_a_linear_model_saliency_is_the_weight_and_ig_is_weight_times_change():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 4 * 4, 3))
    x, base = torch.rand(2, 3, 4, 4), torch.rand(3, 4, 4)
    weight = model[1].weight[1].detach().reshape(3, 4, 4)
    assert torch.allclose(saliency(model, x, 1), weight.expand(2, 3, 4, 4))
    assert torch.allclose(integrated_gradients(model, x, 1, baseline=base, steps=3), weight * (x - base), atol=1e-6)


def test_for_a_quadratic_score_ig_is_the_closed_form():
    x, base = torch.rand(2, 3, 4, 4), torch.rand(2, 3, 4, 4)
    ig = integrated_gradients(Quadratic(), x, torch.tensor([0, 1]), baseline=base, steps=5)
    expected = torch.stack([1.0 * (x[0] ** 2 - base[0] ** 2), -2.0 * (x[1] ** 2 - base[1] ** 2)])
    assert torch.allclose(ig, expected, atol=1e-5)


def test_ig_on_the_fruit_classifier_is_complete_within_one_percent():
    torch.manual_seed(0)
    model = FruitClassifier()
    x = torch.rand(3, 3, 32, 32)
    base = torch.full((3, 32, 32), 0.9)  # a pale background, nearly the fruit pictures' own
    ig = integrated_gradients(model, x, 0, baseline=base, steps=128)
    assert completeness_gap(model, x, 0, ig, baseline=base).max() < 0.01
    change = class_scores(model, x, 0) - class_scores(model, base.expand_as(x), 0)
    assert ig.sum(dim=(1, 2, 3)) == pytest.approx(change.tolist(), rel=0.01)


def test_ig_equals_captum_with_the_same_midpoint_rule():
    from captum.attr import IntegratedGradients

    torch.manual_seed(1)
    model = FruitClassifier().eval()
    x, base = torch.rand(2, 3, 32, 32), torch.full((2, 3, 32, 32), 0.9)
    ours = integrated_gradients(model, x, 2, baseline=base, steps=16)
    theirs = IntegratedGradients(model).attribute(x, baselines=base, target=2, n_steps=16, method="riemann_middle")
    assert torch.allclose(ours, theirs, atol=1e-6)


def test_token_attributions_are_complete_and_favour_the_topic_word():
    from utils.bert import SentenceEncoder
    from utils.explain import token_attributions

    encoder = SentenceEncoder()
    target = encoder.encode(["This sentence is about sports."])[0]
    tokens, attributions, change = token_attributions(encoder, "the football match ended in a draw", target, steps=64)
    assert tokens[0] == "[CLS]" and tokens[-1] == "[SEP]" and len(attributions) == len(tokens)
    assert attributions.sum().item() == pytest.approx(change, rel=0.02)
    assert tokens[int(attributions.argmax())] in {"football", "match"}


def test_shapley_values_of_a_two_player_game_by_hand_and_efficiency():
    from utils.explain import all_coalitions, shapley_values

    # v({}) = 0, v({a}) = 1, v({b}) = 2, v({a, b}) = 5, in all_coalitions' order (bit 0 = a, bit 1 = b)
    assert all_coalitions(2).tolist() == [[0, 0], [1, 0], [0, 1], [1, 1]]
    values = shapley_values(torch.tensor([0.0, 1.0, 2.0, 5.0]), 2)
    assert values.tolist() == pytest.approx([2.0, 3.0])  # a: (1 + 3) / 2, b: (2 + 4) / 2
    scores = torch.randn(2**5, generator=torch.Generator().manual_seed(0))
    assert shapley_values(scores, 5).sum().item() == pytest.approx((scores[-1] - scores[0]).item())


def test_an_additive_game_gives_its_own_coefficients_to_shap_and_to_lime():
    from utils.explain import all_coalitions, lime_weights, shapley_values

    coefficients = torch.tensor([0.5, -1.0, 2.0, 0.0])
    coalitions = all_coalitions(4)
    scores = 3.0 + coalitions.double() @ coefficients.double()
    assert torch.allclose(shapley_values(scores, 4), coefficients.double(), atol=1e-12)
    assert torch.allclose(lime_weights(coalitions, scores), coefficients.double(), atol=1e-9)


def test_patches_cover_their_grid_cell_and_coalition_scores_span_picture_and_background():
    from utils.explain import coalition_scores, patch_masks

    masks = patch_masks(torch.tensor([[1, 0, 0, 0, 0, 0, 0, 0, 1]]), 3, 9)
    assert masks.shape == (1, 1, 9, 9) and masks.sum() == 18
    assert masks[0, 0, :3, :3].all() and masks[0, 0, 6:, 6:].all()
    torch.manual_seed(0)
    model = FruitClassifier().eval()
    image = torch.rand(3, 32, 32)
    scores = coalition_scores(model, image, 1, torch.tensor([[1] * 9, [0] * 9]), grid=3, fill=0.9)
    assert scores[0] == pytest.approx(class_scores(model, image[None], 1).item(), abs=1e-5)
    assert scores[1] == pytest.approx(class_scores(model, torch.full((1, 3, 32, 32), 0.9), 1).item(), abs=1e-5)
