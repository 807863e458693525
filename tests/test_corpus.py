"""The book's corpus is deterministic, on a fixed alphabet, cached, and splits cleanly."""

import pytest
import torch

from utils.corpus import (
    CHARSET,
    build_stdlib_corpus,
    cache_dir,
    load_corpus,
    load_tiny_shakespeare,
    prose_paragraphs,
    to_charset,
    train_val_split,
    window_batches,
)


def test_corpus_is_deterministic_english_on_the_fixed_alphabet():
    text = load_corpus()
    assert text == build_stdlib_corpus()
    assert set(text) <= set(CHARSET) and len(CHARSET) == 96
    assert 800_000 < len(text) < 5_000_000
    words = text.split()
    common = {"the", "of", "a", "to", "is", "and"}
    assert sum(w in common for w in words) / len(words) > 0.1  # English prose, not code
    assert ">>>" not in text


def test_corpus_is_cached_on_disk():
    load_corpus()
    cached = list(cache_dir().glob("stdlib-docs-py*.txt"))
    assert len(cached) == 1
    cached[0].write_text("cached text\n")
    assert load_corpus() == "cached text\n"
    assert load_corpus(cache=False) != "cached text\n"
    cached[0].unlink()


def test_prose_filter_and_charset_mapping():
    doc = "Return the sum of both numbers, rounded down.\n\n    >>> add(1, 2)\n    3\n\nShort.\n\nx = y + z (code)."
    assert prose_paragraphs(doc) == ["Return the sum of both numbers, rounded down."]
    assert prose_paragraphs("Use :func:`~os.path.join` to join paths, then call ``open``.") == [
        "Use os.path.join to join paths, then call open."
    ]
    assert to_charset("Café  «naïve» 東京 — ok") == "Cafe naive ok"


def test_tiny_shakespeare_from_a_local_file(tmp_path):
    path = tmp_path / "tinyshakespeare.txt"
    lines = "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak. ¶\n"
    path.write_text(lines, encoding="utf-8")
    assert load_tiny_shakespeare(path=path) == lines  # read as UTF-8, unchanged
    assert load_tiny_shakespeare(path=str(path)) == lines


def test_tiny_shakespeare_falls_back_offline_with_a_message():
    with pytest.warns(UserWarning, match="not available offline.*default corpus"):
        text = load_tiny_shakespeare(url="http://127.0.0.1:9/input.txt", timeout=2)
    assert text == load_corpus()


def test_train_val_split():
    train, val = train_val_split("abcdefghij", 0.2)
    assert (train, val) == ("abcdefgh", "ij")
    train, val = train_val_split(list(range(5)), 0.5)
    assert train + val == [0, 1, 2, 3, 4] and len(val) >= 1
    assert train_val_split("ab", 0.01) == ("a", "b")  # both parts keep at least one item
    with pytest.raises(ValueError, match="between 0 and 1"):
        train_val_split("abc", 1.0)
    with pytest.raises(ValueError, match="at least two"):
        train_val_split("a")


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="timeout must be in"):
        load_tiny_shakespeare(path="unused.txt", timeout=0)
    with pytest.raises(TypeError, match="doc must be a string"):
        prose_paragraphs(None)
    ids = torch.arange(20)
    with pytest.raises(ValueError, match="ids must hold whole numbers"):
        window_batches(ids.float(), 4, 2)
    with pytest.raises(ValueError, match="token id -1"):
        window_batches(ids - 1, 4, 2)
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        window_batches(ids, 4, 0)
    x, y = window_batches(ids, 4, 3)(torch.Generator().manual_seed(0))
    assert x.shape == y.shape == (3, 4) and torch.equal(x + 1, y)
