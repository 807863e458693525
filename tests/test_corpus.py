"""The book's corpus is deterministic, on a fixed alphabet, cached, and splits cleanly."""

from pathlib import Path

import pytest

from utils.corpus import (
    CHARSET,
    build_stdlib_corpus,
    cache_dir,
    load_corpus,
    load_tiny_shakespeare,
    prose_paragraphs,
    to_charset,
    train_val_split,
)

SHAKESPEARE = Path(__file__).resolve().parents[2] / "shared" / "data" / "tinyshakespeare.txt"


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


@pytest.mark.skipif(not SHAKESPEARE.exists(), reason="needs ../shared/data/tinyshakespeare.txt")
def test_tiny_shakespeare_from_a_local_file():
    text = load_tiny_shakespeare(path=SHAKESPEARE)
    assert text.startswith("First Citizen:") and len(text) > 1_000_000


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
