"""Bad inputs to Chapter 15's code (utils.watermark, utils.audit; see tests/bad_inputs.py): empty texts,
rates outside [0, 1], token ids outside the vocabulary, unknown classes."""

from __future__ import annotations

import numpy as np
import torch
from bad_inputs import Case, run_cases

from utils.audit import code_logprob, exposure, extracted, flip_labels, imbalanced, longest_overlap, plant_secrets
from utils.detect import fake_rate, fit_detector, fit_image_classifier, predict
from utils.explain import (
    all_coalitions,
    class_scores,
    coalition_scores,
    completeness_gap,
    integrated_gradients,
    lime_weights,
    patch_masks,
    saliency,
    shapley_values,
    token_attributions,
)
from utils.fruit_qa import kind_probabilities
from utils.train import TrainConfig
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
            samples=2,
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


def char_gpt():
    from utils.gpt import GPT, GPTConfig
    from utils.recipes import chapter_tokenizer

    with torch.random.fork_rng():
        torch.manual_seed(0)
        return GPT(GPTConfig(chapter_tokenizer().vocab_size, block_size=128, n_layer=1, n_head=1, n_embd=16))


def chars():
    from utils.recipes import chapter_tokenizer

    return chapter_tokenizer()


SECRET = dict(prefix="the code of locker 12 is ", code="01234567")
CASES += [
    Case(plant_secrets, lambda: dict(text="one\ntwo\nthree", counts=[1, 2], seed=0),
         extra={"counts": [[], [0], "12", [1.5]], "text": [""]}),
    Case(code_logprob, lambda: dict(model=char_gpt(), tokenizer=chars(), prefix=SECRET["prefix"],
                                    codes=["01234567", "76543210"]), fixed=("model", "tokenizer"),
         extra={"codes": [[], ["0123", "01234567"], ["abcdefgh"], "01234567"], "prefix": ["", "x" * 200]}),
    Case(exposure, lambda: dict(model=char_gpt(), tokenizer=chars(), **SECRET, candidates=20, seed=0),
         fixed=("model", "tokenizer"), extra={"code": ["", "12ab"], "candidates": [0]}, examples=10),
    Case(extracted, lambda: dict(model=char_gpt(), tokenizer=chars(), **SECRET), fixed=("model", "tokenizer"),
         extra={"code": ["", "12ab"], "model": [None]}, examples=10),
]  # fmt: skip

QUICK = TrainConfig(steps=2, batch_size=4)


def classifier(classes: int):
    return fit_image_classifier(torch.rand(6, 3, 32, 32), torch.arange(6) % classes, classes, schedule=QUICK,
                                progress=False)  # fmt: skip


CASES += [
    Case(fit_image_classifier, lambda: dict(images=torch.rand(6, 3, 32, 32), labels=torch.arange(6) % 3, classes=3,
                                            schedule=QUICK, progress=False),
         extra={"labels": [torch.tensor([0, 1]), torch.arange(6)], "classes": [1]}, examples=8),
    Case(fit_detector, lambda: dict(real=torch.rand(4, 3, 32, 32), fake=torch.rand(4, 3, 32, 32), schedule=QUICK,
                                    progress=False),
         extra={"fake": [torch.rand(4, 3, 16, 16), torch.rand(4, 1, 32, 32)]}, examples=8),
    Case(predict, lambda: dict(model=classifier(3), images=torch.rand(5, 3, 32, 32), batch_size=2),
         fixed=("model",), extra={"model": [torch.nn.Linear(2, 2)], "batch_size": [0]}),
    Case(fake_rate, lambda: dict(detector=classifier(2), images=torch.rand(5, 3, 32, 32)), fixed=("detector",),
         extra={"detector": [classifier(3)]}),
    Case(kind_probabilities, lambda: dict(model=char_gpt(), tokenizer=chars(),
                                          prompts=["Q: A fruit?\nA: ", "Q: Which?\nA: "], batch_size=1),
         fixed=("model", "tokenizer"), extra={"prompts": [[], ["no marker"], "Q: x\nA: "]}),
]  # fmt: skip

CASES += [
    Case(patch_masks, lambda: dict(coalitions=torch.tensor([[1, 0, 1, 0]]), grid=2, size=4),
         extra={"coalitions": [torch.tensor([[1, 2, 0, 0]]), torch.ones(1, 9)], "size": [1]}),
    Case(coalition_scores, lambda: dict(model=tiny(), image=torch.rand(3, 4, 4), target=1,
                                        coalitions=torch.tensor([[1, 0, 1, 0], [0, 0, 0, 0]]), grid=2, fill=0.5,
                                        batch_size=1),
         fixed=("model",), extra={"image": [torch.rand(3, 5, 5)], "target": [3]}),
    Case(all_coalitions, lambda: dict(players=3), extra={"players": [0, 40]}),
    Case(shapley_values, lambda: dict(scores=torch.rand(8), players=3), extra={"scores": [torch.rand(7)]}),
    Case(lime_weights, lambda: dict(coalitions=all_coalitions(3), scores=torch.rand(8), kernel_width=0.25),
         extra={"coalitions": [torch.ones(2, 3), torch.full((8, 3), 2)], "kernel_width": [0.0]}),
]  # fmt: skip


def sentence_encoder():
    from utils.bert import SentenceEncoder

    return SentenceEncoder("cpu", max_length=32)


CASES += [
    Case(token_attributions, lambda: dict(encoder=sentence_encoder(), sentence="a red apple",
                                          target=torch.randn(384), steps=4),
         fixed=("encoder",), extra={"target": [torch.randn(10)], "steps": [0], "sentence": ["", 5]}, examples=8),
]  # fmt: skip

EXEMPT: dict[str, str] = {
    "utils.recipes.secrets_corpus": "takes no arguments: Chapter 15's fixed corpus with planted secrets"
}

test_bad_inputs = run_cases(CASES)
