"""Byte-level byte-pair encoding (BPE), the tokenizer of GPT-2 and most LLMs since (Chapter 4).

Text becomes UTF-8 bytes, so the 256 byte values are the starting vocabulary and no
string is ever unknown. Training repeatedly finds the most frequent adjacent pair of
tokens and merges it into a new token (Sennrich et al., 2016). As in GPT-2 (Radford et
al., 2019), text is first split by a regular expression into chunks (words with their
leading space, numbers, punctuation runs, spaces), and merges never cross a chunk.

Training is fast because pair counts are updated incrementally: a merge only touches
the distinct chunks that contain the merged pair, and a heap with lazy deletion finds
the next best pair. Ties go to the smaller pair of ids, so training is deterministic.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import Any

import regex
from tqdm.auto import tqdm

from .checks import check_count, check_id_list
from .tokenizers import Tokenizer, _check_strings, check_text

GPT2_PATTERN = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""

Pair = tuple[int, int]


def merge_pair(ids: Sequence[int], pair: Pair, new_id: int) -> list[int]:
    """Replace every non-overlapping occurrence of `pair` in `ids`, left to right.

    >>> merge_pair([1, 2, 2, 1, 2], (1, 2), 9)
    [9, 2, 9]
    """
    ids = check_id_list(ids, "ids")
    return _merge_pair(ids, _check_pair(pair), check_count(new_id, "new_id", minimum=0))


def _check_pair(pair: Any, name: str = "pair") -> Pair:
    """`pair` as a tuple of two token ids."""
    if isinstance(pair, str) or not hasattr(pair, "__len__") or len(pair) != 2:
        raise ValueError(f"{name} must be two token ids such as (104, 101), got {pair!r:.40}.")
    a, b = check_id_list(pair, name)
    return a, b


def _merge_pair(ids: list[int], pair: Pair, new_id: int) -> list[int]:
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and ids[i] == pair[0] and ids[i + 1] == pair[1]:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def pair_counts(ids: Sequence[int]) -> Counter:
    """How often each adjacent pair occurs: [1, 2, 1, 2] -> {(1, 2): 2, (2, 1): 1}."""
    return Counter(pairwise(check_id_list(ids, "ids")))


class BPETokenizer(Tokenizer):
    """Byte-level BPE with a GPT-2 style pre-split and optional special tokens."""

    kind = "byte_bpe"

    def __init__(self, merges: Iterable[Pair] = (), special_tokens: Iterable[str] = (), pattern: str = GPT2_PATTERN):
        if isinstance(merges, str) or not isinstance(merges, Iterable):
            raise TypeError(f"merges must be a list of token-id pairs such as [(104, 101)], got {merges!r:.40}.")
        self.merges = [_check_pair(m, "each merge") for m in merges]
        special_tokens = _check_special_tokens(special_tokens)
        self.pattern = pattern
        self._split = _compile(pattern)
        self.ranks = {pair: 256 + i for i, pair in enumerate(self.merges)}  # pair -> id of the merged token
        self.token_bytes = [bytes([b]) for b in range(256)]
        for a, b in self.merges:
            if not (a < len(self.token_bytes) and b < len(self.token_bytes)):
                raise ValueError(f"Merge {(a, b)} refers to a token that does not exist yet.")
            self.token_bytes.append(self.token_bytes[a] + self.token_bytes[b])
        self.special_tokens = {s: len(self.token_bytes) + i for i, s in enumerate(special_tokens)}
        self.special_by_id = {i: s for s, i in self.special_tokens.items()}
        names = sorted(self.special_tokens, key=len, reverse=True)
        self._special_split = regex.compile("(" + "|".join(regex.escape(s) for s in names) + ")") if names else None
        self._cache: dict[str, list[int]] = {}

    @classmethod
    def train(cls, text: str, vocab_size: int, *, special_tokens: Sequence[str] = (), pattern: str = GPT2_PATTERN,
              progress: bool = False) -> BPETokenizer:  # fmt: skip
        """Learn `vocab_size - 256 - len(special_tokens)` merges from `text`."""
        check_text(text)
        special_tokens, compiled = _check_special_tokens(special_tokens), _compile(pattern)
        if isinstance(vocab_size, bool) or not isinstance(vocab_size, int) or vocab_size < 256 + len(special_tokens):
            raise ValueError(f"A byte-level BPE vocabulary needs at least 256 tokens (one per byte) plus the special "
                             f"tokens, got vocab_size={vocab_size!r}.")  # fmt: skip
        chunks = Counter(compiled.findall(text))
        words = [list(chunk.encode("utf-8", "surrogatepass")) for chunk in chunks]
        freqs = list(chunks.values())
        counts: dict[Pair, int] = defaultdict(int)
        where: dict[Pair, set[int]] = defaultdict(set)  # pair -> chunks that contain it
        for w, (word, freq) in enumerate(zip(words, freqs, strict=True)):
            for pair in pairwise(word):
                counts[pair] += freq
                where[pair].add(w)
        heap = [(-c, pair) for pair, c in counts.items()]
        heapq.heapify(heap)
        merges: list[Pair] = []
        n_merges = vocab_size - 256 - len(special_tokens)
        for new_id in tqdm(range(256, 256 + n_merges), disable=not progress, desc="BPE merges"):
            while heap and counts.get(heap[0][1], 0) != -heap[0][0]:
                heapq.heappop(heap)  # stale entry: the pair's count changed since it was pushed
            if not heap:
                break  # every chunk is a single token already
            _, pair = heapq.heappop(heap)
            merges.append(pair)
            touched: set[Pair] = set()
            for w in where.pop(pair):
                old, freq = words[w], freqs[w]
                new = _merge_pair(old, pair, new_id)
                for p in pairwise(old):
                    counts[p] -= freq
                    touched.add(p)
                for p in pairwise(new):
                    counts[p] += freq
                    where[p].add(w)
                    touched.add(p)
                words[w] = new
            for p in touched:
                if counts[p] > 0:
                    heapq.heappush(heap, (-counts[p], p))
                else:
                    counts.pop(p, None)
        return cls(merges, special_tokens, pattern)

    @property
    def vocab_size(self) -> int:
        return len(self.token_bytes) + len(self.special_tokens)

    def encode(self, text: str, *, allowed_special: str | set[str] = "all") -> list[int]:
        """Token ids of `text`. Special tokens in the text count only if allowed ("all", "none", one name or a set)."""
        check_text(text)
        if allowed_special == "all":
            allowed = set(self.special_tokens)
        elif allowed_special == "none":
            allowed = set()
        else:
            if isinstance(allowed_special, str):
                allowed_special = {allowed_special}  # one name, not a set of its letters
            allowed = set(_check_strings(allowed_special, "allowed_special"))
            unknown = allowed - set(self.special_tokens)
            if unknown:
                raise ValueError(f"Unknown special token(s) {sorted(unknown)}; this tokenizer has "
                                 f"{sorted(self.special_tokens) or 'none'}.")  # fmt: skip
        parts = self._special_split.split(text) if allowed and self._special_split else [text]
        ids: list[int] = []
        for part in parts:
            if part in allowed:
                ids.append(self.special_tokens[part])
            else:
                for chunk in self._split.findall(part):
                    ids += self._encode_chunk(chunk)
        return ids

    def _encode_chunk(self, chunk: str) -> list[int]:
        cached = self._cache.get(chunk)
        if cached is not None:
            return cached
        ids = list(chunk.encode("utf-8", "surrogatepass"))
        while len(ids) > 1:
            pair = min(pairwise(ids), key=lambda p: self.ranks.get(p, 1 << 30))
            if pair not in self.ranks:
                break
            ids = _merge_pair(ids, pair, self.ranks[pair])
        if len(self._cache) < 100_000:
            self._cache[chunk] = ids
        return ids

    def decode(self, ids: Sequence[int]) -> str:
        """The text of `ids`; invalid UTF-8 (a token sequence cut mid-character) shows as U+FFFD."""
        ids = self._check_ids(ids)
        parts = [self.special_by_id[i].encode() if i in self.special_by_id else self.token_bytes[i] for i in ids]
        data = b"".join(parts)
        try:
            return data.decode("utf-8", "surrogatepass")
        except UnicodeDecodeError:
            return data.decode("utf-8", "replace")

    def token_text(self, i: int) -> str:
        """A readable form of one token, e.g. 256 -> ' t'."""
        if isinstance(i, (str, bytes, list, tuple)) or getattr(i, "ndim", 0) > 0:
            raise ValueError(f"token_text takes one token id, got {i!r:.40}; use decode for a list of ids.")
        (i,) = check_id_list([i], "the token id", self.vocab_size)
        if i in self.special_by_id:
            return self.special_by_id[i]
        return self.token_bytes[i].decode("utf-8", "backslashreplace")

    def to_dict(self) -> dict:
        vocab = {str(i): self.token_text(i) for i in range(256, self.vocab_size)}  # for people reading the file
        return {"pattern": self.pattern, "merges": [list(m) for m in self.merges],
                "special_tokens": list(self.special_tokens), "vocab": vocab}  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict) -> BPETokenizer:
        return cls(cls._field(data, "merges", list), cls._field(data, "special_tokens", list),
                   cls._field(data, "pattern", str))  # fmt: skip


def _check_special_tokens(special_tokens: Iterable[str]) -> list[str]:
    """The special tokens as a list of distinct, non-empty strings."""
    names = _check_strings(special_tokens, "special_tokens")
    if "" in names or len(set(names)) != len(names):
        raise ValueError(f"Special tokens must be distinct, non-empty strings, got {names!r:.60}.")
    return names


def _compile(pattern: str) -> regex.Pattern:
    """The pre-split pattern, compiled; a ValueError if it is empty or not a regular expression."""
    if not isinstance(pattern, str) or not pattern:
        raise ValueError(f"pattern must be a non-empty regular expression, got {pattern!r:.40}.")
    try:
        return regex.compile(pattern)
    except regex.error as err:
        raise ValueError(f"pattern is not a valid regular expression ({err}): {pattern!r:.40}") from None
