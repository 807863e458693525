"""Bad inputs to Chapter 14's code (utils.contrastive, utils.captions, utils.audio; see tests/bad_inputs.py):
batches of one pair, temperature <= 0, images of the wrong shape, empty captions, audio outside [-1, 1]."""

from __future__ import annotations

import numpy as np
import torch
from bad_inputs import Case, run_cases

from utils.audio import (
    CausalConv1d,
    WaveNet,
    fit_wavenet,
    generate,
    melodies,
    mu_law_decode,
    mu_law_encode,
    next_token_loss,
    note_frequency,
    receptive_field,
    scale_energy,
    unigram_nll,
    windows,
)
from utils.captions import agrees, caption, captioned_fruits, captions, colour_word, facts, said
from utils.clip import (
    ClipModel,
    ImageEncoder,
    fit_clip,
    precision_at_k,
    retrieve,
    sentence_vectors,
    zero_shot,
)
from utils.contrastive import (
    augment,
    info_nce,
    nt_xent,
    similarities,
    symmetric_cross_entropy,
    symmetric_info_nce,
)
from utils.fruits import make_fruits
from utils.simclr import SimCLR, encode, few_labels, fit_simclr, probe_accuracy
from utils.train import TrainConfig

TINY = TrainConfig(steps=2, batch_size=2, eval_every=1, eval_batches=1)


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


def wavenet() -> WaveNet:
    with torch.random.fork_rng():
        torch.manual_seed(0)
        return WaveNet(levels=16, channels=4, dilations=(1, 2))


def tokens(n: int = 2, t: int = 12) -> torch.Tensor:
    return torch.arange(n * t).reshape(n, t) % 16


def simclr() -> SimCLR:
    with torch.random.fork_rng():
        torch.manual_seed(0)
        return SimCLR(dim=8, width=4, projection=4)


def features(n: int = 6, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, 3))


CASES += [
    Case(captioned_fruits, lambda: dict(n=3, seed=0, recolour=0.5), extra={"recolour": [1.5, -0.1]}),
    Case(
        agrees,
        lambda: dict(text="a red apple", kind="apple", row=row()),
        extra={"kind": ["pear"], "text": [""], "row": [None]},
    ),  # fmt: skip
    Case(
        fit_clip,
        lambda: dict(model=clip(), images=torch.rand(4, 3, 32, 32), vectors=unit(4), config=TINY, progress=False),
        fixed=("model", "config"),
        extra={"vectors": [unit(3), torch.randn(4, 10)], "model": [None]},
        nan_ok=True,
    ),  # fmt: skip
    Case(
        precision_at_k,
        lambda: dict(ranked=torch.tensor([0, 2]), relevant=torch.tensor([True, False, True])),
        extra={"ranked": [torch.tensor([0, 5])]},
    ),  # fmt: skip
    Case(SimCLR, lambda: dict(dim=8, width=4, projection=4)),
    Case(
        SimCLR.forward,
        lambda: dict(images=torch.rand(2, 3, 32, 32)),
        call=lambda images: simclr()(images),
        extra={"images": [torch.rand(2, 3, 16, 16)]},
    ),  # fmt: skip
    Case(
        SimCLR.loss,
        lambda: dict(images=torch.rand(3, 3, 32, 32), temperature=0.2),
        call=lambda images, temperature: simclr().loss(images, temperature),
        extra={"images": [torch.rand(1, 3, 32, 32)], "temperature": [0.0]},
    ),  # fmt: skip
    Case(
        fit_simclr,
        lambda: dict(model=simclr(), images=torch.rand(4, 3, 32, 32), config=TINY, progress=False),
        fixed=("model", "config"),
        extra={"images": [torch.rand(4, 3, 16, 16)], "model": [None]},
        nan_ok=True,
    ),  # fmt: skip
    Case(
        encode,
        lambda: dict(encoder=simclr().encoder, images=torch.rand(3, 3, 32, 32), batch_size=2),
        fixed=("encoder",),
    ),  # fmt: skip
    Case(few_labels, lambda: dict(labels=np.array([0, 0, 1, 1, 2, 2]), per_class=2, seed=0), extra={"per_class": [3]}),
    Case(
        probe_accuracy,
        lambda: dict(
            features=features(6),
            labels=np.array([0, 1, 0, 1, 0, 1]),
            test_features=features(4, 1),
            test_labels=np.array([0, 1, 0, 1]),
            per_class=2,
            repeats=2,
            seed=0,
        ),
        extra={"test_features": [features(4, 1)[:, :2]], "labels": [np.array([0, 1, 0])], "per_class": [4]},
    ),  # fmt: skip
    Case(
        next_token_loss,
        lambda: dict(model=wavenet(), tokens=tokens()),
        fixed=("model",),
        extra={"tokens": [tokens()[:, :1], tokens() + 20]},
    ),  # fmt: skip
    Case(
        windows,
        lambda: dict(tokens=tokens(), length=4, batch_size=2),
        call=lambda **kw: windows(**kw)(torch.Generator().manual_seed(0)),
        extra={"length": [12, 20]},
    ),  # fmt: skip
    Case(
        fit_wavenet,
        lambda: dict(model=wavenet(), tokens=tokens(), val_tokens=tokens(), config=TINY, length=4, progress=False),
        fixed=("model", "config"),
        extra={"length": [12], "model": [None]},
        nan_ok=True,
    ),  # fmt: skip
    Case(
        unigram_nll,
        lambda: dict(tokens=tokens(), val_tokens=tokens(1), levels=16),
        extra={"val_tokens": [torch.tensor([[3, 17]])], "levels": [1]},
    ),  # fmt: skip
    Case(
        generate,
        lambda: dict(model=wavenet(), prompt=torch.tensor([1, 2, 3]), samples=4, temperature=1.0, seed=0),
        fixed=("model",),
        extra={"prompt": [torch.tensor([1, 30])], "temperature": [0.0], "model": [None]},
    ),  # fmt: skip
]

CASES += [
    Case(
        scale_energy,
        lambda: dict(wave=torch.sin(torch.arange(256) * 0.3) * 0.5, sample_rate=4000, width=8.0),
        extra={"wave": [torch.zeros(256), torch.ones(256) * 2, torch.zeros(2, 256)], "sample_rate": [10]},
    ),  # fmt: skip
]

EXEMPT: dict[str, str] = {
    "utils.captions.CaptionedFruits": "a plain record that captioned_fruits fills after checking its inputs",
    "utils.recipes.clip_data": "takes no arguments: Chapter 14's fixed captioned fruit",
    "utils.recipes.retrieval_pool": "takes no arguments: Chapter 14's fixed pictures to search",
    "utils.recipes.audio_tokens": "takes no arguments: Chapter 14's fixed melodies as tokens",
}

test_bad_inputs = run_cases(CASES)
