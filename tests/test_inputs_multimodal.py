"""Bad inputs to Chapter 14's code (utils.contrastive, utils.captions, utils.audio; see tests/bad_inputs.py):
batches of one pair, temperature <= 0, images of the wrong shape, empty captions, audio outside [-1, 1]."""

from __future__ import annotations

import numpy as np
import torch
from bad_inputs import Case, run_cases

from utils.audio import (
    CausalConv1d,
    WaveNet,
    melodies,
    mu_law_decode,
    mu_law_encode,
    note_frequency,
    receptive_field,
)
from utils.captions import caption, captions, colour_word, facts, said
from utils.clip import ClipModel, ImageEncoder, retrieve, sentence_vectors, zero_shot
from utils.contrastive import (
    augment,
    info_nce,
    nt_xent,
    similarities,
    symmetric_cross_entropy,
    symmetric_info_nce,
)
from utils.fruits import make_fruits


def pair() -> dict:
    g = torch.Generator().manual_seed(0)
    return dict(a=torch.randn(4, 3, generator=g), b=torch.randn(4, 3, generator=g), temperature=0.1)


ONE_PAIR = {"a": [torch.randn(1, 3)], "temperature": [0.0, -1.0]}
LOUD = torch.tensor([0.5, 1.5, -0.2])

CASES = [
    Case(similarities, pair, extra=ONE_PAIR),
    Case(info_nce, pair, extra=ONE_PAIR),
    Case(symmetric_info_nce, pair, extra=ONE_PAIR),
    Case(
        symmetric_cross_entropy,
        lambda: dict(logits=torch.randn(3, 3)),
        extra={"logits": [torch.randn(1, 1), torch.randn(2, 3)]},
    ),  # fmt: skip
    Case(
        nt_xent,
        lambda: dict(z1=torch.randn(4, 3), z2=torch.randn(4, 3), temperature=0.5),
        extra={"z1": [torch.randn(1, 3)], "temperature": [0.0]},
    ),  # fmt: skip
    Case(
        augment,
        lambda: dict(images=torch.rand(2, 3, 8, 8), scale=(0.5, 1.0), jitter=0.2, flip=True),
        extra={
            "images": [torch.rand(2, 8, 8, 3), torch.rand(2, 3, 8, 8) * 2],
            "scale": [(0.9, 0.5), (0.0, 1.0), 0.5],
            "jitter": [1.0, -0.1],
        },
    ),  # fmt: skip
    Case(mu_law_encode, lambda: dict(x=torch.tensor([0.5, -0.25, 0.0]), mu=255), extra={"x": [LOUD]}),
    Case(
        mu_law_decode,
        lambda: dict(levels=torch.tensor([0, 128, 255]), mu=255),
        extra={"levels": [torch.tensor([0, 300]), torch.tensor([-1, 3])]},
    ),  # fmt: skip
    Case(note_frequency, lambda: dict(semitones=9.0, key=261.63), extra={"key": [0.0]}),
    Case(
        melodies,
        lambda: dict(n=2, seconds=0.5, notes_per_second=4, seed=0, sample_rate=8000),
        extra={"sample_rate": [10], "seconds": [0.0]},
    ),  # fmt: skip
    Case(receptive_field, lambda: dict(kernel_size=2, dilations=[1, 2, 4]), extra={"dilations": [[], [1, 0], None]}),
    Case(CausalConv1d, lambda: dict(channels_in=2, channels_out=3, kernel_size=2, dilation=2)),
    Case(
        CausalConv1d.forward,
        lambda: dict(x=torch.randn(1, 2, 10)),
        call=lambda x: CausalConv1d(2, 3)(x),
        extra={"x": [torch.randn(1, 3, 10)]},
    ),  # fmt: skip
    Case(WaveNet, lambda: dict(levels=16, channels=4, dilations=(1, 2)), extra={"levels": [1]}),
    Case(
        WaveNet.forward,
        lambda: dict(tokens=torch.tensor([[1, 2, 3]])),
        call=lambda tokens: WaveNet(levels=16, channels=4, dilations=(1, 2))(tokens),
        extra={"tokens": [torch.tensor([[1, 20]])]},
    ),  # fmt: skip
]


def row():
    return make_fruits(1, seed=0).attributes.iloc[0]


CASES += [
    Case(colour_word, lambda: dict(hue=30.0)),
    Case(facts, lambda: dict(row=row()), extra={"row": [None, {"hue": 3.0}]}),
    Case(
        caption,
        lambda: dict(kind="apple", row=row(), rng=np.random.default_rng(0)),
        fixed=("rng",),
        extra={"kind": ["pear"], "rng": [0]},
    ),  # fmt: skip
    Case(
        captions,
        lambda: dict(kinds=["apple"], attributes=make_fruits(1, seed=0).attributes, seed=0),
        extra={"kinds": [[], ["apple", "banana"]], "attributes": [None]},
    ),  # fmt: skip
    Case(said, lambda: dict(text="a round red apple"), extra={"text": ["", "   ", None]}),
]


def clip() -> ClipModel:
    with torch.random.fork_rng():
        torch.manual_seed(0)
        return ClipModel(dim=8, width=4)


def unit(n: int) -> torch.Tensor:
    return torch.nn.functional.normalize(torch.randn(n, 384), dim=1)


CASES += [
    Case(ImageEncoder, lambda: dict(dim=8, width=4)),
    Case(
        ImageEncoder.forward,
        lambda: dict(images=torch.rand(2, 3, 32, 32)),
        call=lambda images: ImageEncoder(8, 4)(images),
        extra={"images": [torch.rand(2, 3, 16, 16), torch.rand(2, 32, 32, 3)]},
    ),  # fmt: skip
    Case(ClipModel, lambda: dict(dim=8, width=4)),
    Case(
        ClipModel.embed_images,
        lambda: dict(images=torch.rand(2, 3, 32, 32)),
        call=lambda images: clip().embed_images(images),
        extra={"images": [torch.rand(2, 3, 16, 16)]},
    ),  # fmt: skip
    Case(
        ClipModel.embed_text,
        lambda: dict(sentence_vectors=unit(2)),
        call=lambda sentence_vectors: clip().embed_text(sentence_vectors),
        extra={"sentence_vectors": [torch.randn(2, 100)]},
    ),  # fmt: skip
    Case(
        ClipModel.loss,
        lambda: dict(images=torch.rand(3, 3, 32, 32), sentence_vectors=unit(3)),
        call=lambda images, sentence_vectors: clip().loss(images, sentence_vectors),
        extra={"images": [torch.rand(1, 3, 32, 32)], "sentence_vectors": [unit(1)]},
    ),  # fmt: skip
    Case(
        ClipModel.similarity,
        lambda: dict(images=torch.rand(3, 3, 32, 32), sentence_vectors=unit(2)),
        call=lambda images, sentence_vectors: clip().similarity(images, sentence_vectors),
    ),  # fmt: skip
    Case(
        sentence_vectors,
        lambda: dict(texts=["a red apple"], batch_size=8),
        extra={"texts": [[], [""], "a red apple", [3]]},
        examples=6,
    ),  # fmt: skip
    Case(
        zero_shot, lambda: dict(model=clip(), images=torch.rand(2, 3, 32, 32), prompt_vectors=unit(3)), fixed=("model",)
    ),  # fmt: skip
    Case(
        retrieve,
        lambda: dict(model=clip(), query_vector=unit(1)[0], images=torch.rand(4, 3, 32, 32), k=2),
        fixed=("model",),
        extra={"k": [5]},
    ),  # fmt: skip
]

EXEMPT: dict[str, str] = {}

test_bad_inputs = run_cases(CASES)
