"""Bad inputs to Chapter 15's code (utils.watermark, utils.audit; see tests/bad_inputs.py): empty texts,
rates outside [0, 1], token ids outside the vocabulary, unknown classes."""

from __future__ import annotations

import numpy as np
import torch
from bad_inputs import Case, run_cases

from utils.audit import flip_labels, imbalanced, longest_overlap
from utils.explain import class_scores, completeness_gap, integrated_gradients, saliency
from utils.watermark import generate_watermarked, green_count, green_list, watermark_logits, z_score

LABELS = np.array([0, 1, 2, 0, 1, 2])

CASES = [
    Case(green_list, lambda: dict(previous=3, vocab_size=16, gamma=0.5, key=0), extra={"previous": [16]}),
    Case(
        watermark_logits,
        lambda: dict(logits=torch.randn(16), previous=3, gamma=0.5, delta=2.0, key=0),
        extra={"delta": [-1.0], "gamma": [1.0]},
    ),  # fmt: skip
    Case(
        green_count,
        lambda: dict(tokens=torch.tensor([1, 2, 3]), vocab_size=16, gamma=0.5, key=0),
        extra={"tokens": [torch.tensor([1]), torch.tensor([1, 20])]},
    ),  # fmt: skip
    Case(
        z_score,
        lambda: dict(tokens=torch.tensor([1, 2, 3]), vocab_size=16, gamma=0.5, key=0),
        extra={"tokens": [torch.tensor([1])]},
    ),  # fmt: skip
    Case(longest_overlap, lambda: dict(text="an apple", corpus="the apple tree"), extra={"text": [None]}),
    Case(
        flip_labels,
        lambda: dict(labels=LABELS.copy(), rate=0.5, classes=3, seed=0),
        extra={"rate": [1.5, -0.1], "labels": [np.array([0, 5]), np.array([0.5, 1.0])]},
    ),  # fmt: skip
    Case(
        imbalanced,
        lambda: dict(labels=LABELS.copy(), keep={2: 0.5}, seed=0),
        extra={"keep": [{}, {7: 0.5}, {2: 1.5}, None]},
    ),  # fmt: skip
]


def tiny() -> torch.nn.Module:
    with torch.random.fork_rng():
        torch.manual_seed(0)
        return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 4 * 4, 3))


def pictures() -> dict:
    return dict(model=tiny(), images=torch.rand(2, 3, 4, 4), target=torch.tensor([0, 2]))


WRONG = {"target": [torch.tensor([0]), torch.tensor([0, 3]), torch.tensor([-1, 0])], "model": [None]}

CASES += [
    Case(class_scores, pictures, fixed=("model",), extra=WRONG),
    Case(saliency, pictures, fixed=("model",), extra=WRONG),
    Case(
        integrated_gradients,
        lambda: {**pictures(), "baseline": torch.zeros(3, 4, 4), "steps": 4},
        fixed=("model",),
        extra={**WRONG, "baseline": [torch.zeros(3, 5, 5), torch.zeros(1, 3, 4, 4)], "steps": [0]},
    ),  # fmt: skip
    Case(
        completeness_gap,
        lambda: {**pictures(), "attributions": torch.rand(2, 3, 4, 4), "baseline": torch.zeros(3, 4, 4)},
        fixed=("model",),
        extra={**WRONG, "attributions": [torch.rand(1, 3, 4, 4)], "baseline": [torch.zeros(2, 2)]},
    ),  # fmt: skip
]


def gpt():
    from utils.gpt import GPT, GPTConfig

    with torch.random.fork_rng():
        torch.manual_seed(0)
        return GPT(GPTConfig.tiny(16))


CASES += [
    Case(
        generate_watermarked,
        lambda: dict(
            model=gpt(),
            prompt=torch.tensor([1, 2]),
            max_new_tokens=3,
            gamma=0.5,
            delta=2.0,
            key=0,
            temperature=1.0,
            seed=0,
        ),
        fixed=("model",),
        extra={"prompt": [torch.tensor([1, 99])], "temperature": [0.0], "model": [None]},
        examples=10,
    ),  # fmt: skip
]

EXEMPT: dict[str, str] = {}

test_bad_inputs = run_cases(CASES)
