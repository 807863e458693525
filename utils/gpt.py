"""A decoder-only transformer (GPT) small enough to train on a laptop (Chapter 8).

The architecture of GPT-2 (Radford et al., 2019) at toy scale: token embeddings plus
learned position embeddings, a stack of pre-norm blocks (layer norm, causal multi-head
self-attention, residual; layer norm, feed-forward MLP, residual), a final layer norm,
and an output layer that shares its weights with the token embeddings. `forward`
returns next-token logits and, given targets, the cross-entropy loss. Generation with
sampling strategies lives in the decoding chapter; `greedy` here is the minimal version.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .attention import KVCache, MultiHeadAttention
from .checks import check_count, check_tensor
from .positional import LearnedPositions


@dataclass
class GPTConfig:
    vocab_size: int  # number of distinct tokens
    block_size: int = 64  # longest context the model can read
    n_layer: int = 4  # transformer blocks
    n_head: int = 4  # attention heads per block
    n_embd: int = 128  # width of every token's vector
    dropout: float = 0.0  # dropout probability during training
    bias: bool = True  # biases in linear layers and layer norms

    def __post_init__(self) -> None:
        for name in ("vocab_size", "block_size", "n_layer", "n_head", "n_embd"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a whole number of at least 1, got {value!r}.")
        if self.n_embd % self.n_head:
            raise ValueError(f"The embedding size n_embd={self.n_embd} must be divisible by n_head={self.n_head}.")
        if not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}.")

    @classmethod
    def tiny(cls, vocab_size: int) -> GPTConfig:
        """Trains in seconds: 2 layers, 2 heads, 64 wide, context 32."""
        return cls(vocab_size, block_size=32, n_layer=2, n_head=2, n_embd=64)

    @classmethod
    def baby(cls, vocab_size: int) -> GPTConfig:
        """nanoGPT's CPU "baby GPT": 4 layers, 4 heads, 128 wide, context 64."""
        return cls(vocab_size, block_size=64, n_layer=4, n_head=4, n_embd=128)

    @classmethod
    def book(cls, vocab_size: int) -> GPTConfig:
        """The book's shipped GPT: the baby GPT's layers, heads and width, reading 256 characters."""
        return cls(vocab_size, block_size=256, n_layer=4, n_head=4, n_embd=128)

    @classmethod
    def small(cls, vocab_size: int) -> GPTConfig:
        """A few minutes on a laptop: 6 layers, 6 heads, 192 wide, context 128."""
        return cls(vocab_size, block_size=128, n_layer=6, n_head=6, n_embd=192, dropout=0.1)


def _check_config(config: GPTConfig) -> GPTConfig:
    if not isinstance(config, GPTConfig):
        raise TypeError(f"config must be a GPTConfig (e.g. GPTConfig.tiny(vocab_size)), got {type(config).__name__}.")
    return config


def _check_vectors(x: torch.Tensor, width: int, *, dims: int | tuple[int, ...] | None = None) -> torch.Tensor:
    """x itself if it is a finite float tensor whose last dimension holds `width` numbers."""
    check_tensor(x, "x", dims=dims)
    if x.shape[-1] != width:
        raise ValueError(f"x must end in a dimension of size n_embd={width}, got shape {tuple(x.shape)}.")
    return x


class MLP(torch.nn.Module):
    """Position-wise feed-forward network: widen 4x, GELU, project back."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        _check_config(config)
        self.fc = torch.nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.proj = torch.nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.drop = torch.nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(..., C) -> (..., C)."""
        return self._forward(_check_vectors(x, self.fc.in_features))

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop(self.proj(F.gelu(self.fc(x))))  # (B, T, C)


class Block(torch.nn.Module):
    """One transformer block with pre-norm residual connections."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        _check_config(config)
        self.ln1 = torch.nn.LayerNorm(config.n_embd, bias=config.bias)
        self.attn = MultiHeadAttention(config.n_embd, config.n_head, bias=config.bias, dropout=config.dropout)
        self.drop = torch.nn.Dropout(config.dropout)
        self.ln2 = torch.nn.LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP(config)

    def forward(self, x: torch.Tensor, cache: KVCache | None = None) -> torch.Tensor:
        """(B, T, C) -> (B, T, C); with a `cache`, x holds only the new positions."""
        _check_vectors(x, self.ln1.normalized_shape[0], dims=3)
        if cache is not None and not isinstance(cache, KVCache):
            raise TypeError(f"cache must be a KVCache or None, got {type(cache).__name__}.")
        return self._forward(x, cache)

    def _forward(self, x: torch.Tensor, cache: KVCache | None = None) -> torch.Tensor:
        """`forward` without the checks (GPT.forward calls this for every block at every step)."""
        attended = self.attn._attend(self.ln1(x), None, None, causal=True, fused=True, need_weights=False, cache=cache)
        x = x + self.drop(attended)  # (B, T, C)
        return x + self.mlp._forward(self.ln2(x))


class GPT(torch.nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.config = _check_config(config)
        self.tokens = torch.nn.Embedding(config.vocab_size, config.n_embd)
        self.positions = LearnedPositions(config.block_size, config.n_embd)
        self.drop = torch.nn.Dropout(config.dropout)
        self.blocks = torch.nn.ModuleList(Block(config) for _ in range(config.n_layer))
        self.ln_f = torch.nn.LayerNorm(config.n_embd, bias=config.bias)
        self.head = torch.nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.head.weight = self.tokens.weight  # weight tying: one matrix reads and writes tokens
        self.apply(self._init)
        for name, p in self.named_parameters():  # residual projections start small (GPT-2)
            if name.endswith(("attn.out.weight", "mlp.proj.weight")):
                torch.nn.init.normal_(p, std=0.02 / (2 * config.n_layer) ** 0.5)

    @staticmethod
    def _init(module: torch.nn.Module) -> None:
        if isinstance(module, (torch.nn.Linear, torch.nn.Embedding)):
            torch.nn.init.normal_(module.weight, std=0.02)
        if isinstance(module, torch.nn.Linear) and module.bias is not None:
            torch.nn.init.zeros_(module.bias)

    def forward(
        self, idx: torch.Tensor, targets: torch.Tensor | None = None, *, cache: list[KVCache] | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Token ids (B, T) -> logits (B, T, V), and the mean cross-entropy if `targets` (B, T) are given.

        With a `cache` (from `new_cache`), `idx` continues the tokens already cached: only
        the new positions are computed, and their keys and values are added to the cache.
        """
        if cache is not None and (not isinstance(cache, (list, tuple)) or len(cache) not in (0, len(self.blocks))
                                  or not all(isinstance(c, KVCache) for c in cache)):  # fmt: skip
            raise TypeError(f"cache must be a list of {len(self.blocks)} KVCache objects, one per block "
                            "(from model.new_cache()).")  # fmt: skip
        start = cache[0].length if cache else 0
        self.check_ids(idx, start)
        if targets is not None:
            check_tensor(targets, "targets", kind="int")
            if targets.shape != idx.shape:
                raise ValueError(f"targets must have the shape of idx {tuple(idx.shape)}, got {tuple(targets.shape)}.")
            self.check_ids(targets, name="targets")
        logits = self.head(self._hidden(idx, cache, start))  # (B, T, V)
        loss = None if targets is None else F.cross_entropy(logits.flatten(0, 1), targets.flatten())
        return logits, loss

    def hidden(self, idx: torch.Tensor) -> torch.Tensor:
        """Token ids (B, T) -> the last layer's vectors after the final layer norm (B, T, C): what the output
        layer reads, and what a reward model's scalar head reads instead (Chapter 13)."""
        self.check_ids(idx)
        return self._hidden(idx, None, 0)

    def _hidden(self, idx: torch.Tensor, cache: list[KVCache] | None, start: int) -> torch.Tensor:
        x = self.drop(self.tokens(idx) + self.positions(idx.shape[1], start))  # (B, T, C)
        for i, block in enumerate(self.blocks):
            x = block._forward(x, cache[i] if cache else None)
        return self.ln_f(x)

    def new_cache(self) -> list[KVCache]:
        """An empty key-value cache, one slot per block, for `forward(..., cache=...)`."""
        return [KVCache(self.config.block_size) for _ in self.blocks]

    def check_ids(self, idx: torch.Tensor, start: int = 0, *, name: str = "idx") -> None:
        """Raise a ValueError that says what is wrong with a batch of token ids (B, T) that starts at `start`."""
        if not isinstance(idx, torch.Tensor):
            raise TypeError(f"{name} must be a torch tensor of token ids, got {type(idx).__name__}.")
        if idx.dim() != 2:
            raise ValueError(f"Expected token ids of shape (batch, time), got {tuple(idx.shape)}.")
        check_tensor(idx, name, kind="int")
        check_count(start, "start", minimum=0)
        if start + idx.shape[1] > self.config.block_size:
            raise ValueError(f"The sequence has {start + idx.shape[1]} tokens but the model's context is "
                             f"{self.config.block_size}; crop it to the last {self.config.block_size}.")  # fmt: skip
        low, high = int(idx.min()), int(idx.max())
        if low < 0 or high >= self.config.vocab_size:
            what = "Token ids" if name == "idx" else f"Token ids in {name}"
            raise ValueError(f"{what} must be in 0..{self.config.vocab_size - 1}; got {low} to {high}.")

    @torch.no_grad()
    def greedy(self, idx: torch.Tensor, max_new_tokens: int) -> torch.Tensor:
        """Append the most likely next token `max_new_tokens` times: (B, T) -> (B, T + max_new_tokens)."""
        check_tensor(idx, "idx", dims=2, kind="int")
        self.check_ids(idx[:, -self.config.block_size :])
        check_count(max_new_tokens, "max_new_tokens", minimum=0)
        for _ in range(max_new_tokens):
            logits, _ = self(idx[:, -self.config.block_size :])
            idx = torch.cat([idx, logits[:, -1].argmax(-1, keepdim=True)], dim=1)
        return idx

    def num_parameters(self, *, embeddings: bool = True) -> int:
        """Trainable numbers (the tied output layer counted once); optionally without position embeddings."""
        n = sum(p.numel() for p in self.parameters())
        return n if embeddings else n - self.positions.table.weight.numel()


def flops_per_token(config: GPTConfig, n_params: int) -> int:
    """Training FLOPs per token (forward and backward): 6 N + 12 L C T, as the PaLM appendix and nanoGPT count them.

    Attention's forward pass costs 4 L C T per token (2 L C T for the query-key scores, as Kaplan et al. (2020)
    count it, and as much again for the weighted sum of the values); the backward pass costs twice the forward,
    so training costs 3 x 4 L C T = 12 L C T on top of the 6 N of the weight matrices.
    """
    _check_config(config)
    check_count(n_params, "n_params")
    return 6 * n_params + 12 * config.n_layer * config.n_embd * config.block_size
