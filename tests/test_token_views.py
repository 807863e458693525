"""Token pictures show every token, mark unknown ones, and line up across frames."""

import pytest

from utils.bpe import BPETokenizer
from utils.token_views import pieces, token_figure, token_html
from utils.tokenizers import CharTokenizer, WordTokenizer


def test_pieces_cover_the_text_and_mark_unknowns():
    bpe = BPETokenizer.train("the theme then", 260)
    assert "".join(t for t, _ in pieces(bpe, "the theme")) == "the theme"
    chars = CharTokenizer("abc ")
    assert pieces(chars, "ab é") == [("a", 1), ("b", 2), (" ", 0), ("é?", None)]
    words = WordTokenizer(["hello"])
    assert pieces(words, "hello world") == [("hello", 1), ("world?", 0)]


def test_html_and_figure():
    tokens = [("a", 1), (" b", 2), ("é?", None)]
    html = token_html(tokens)
    assert html.count("<span") == 3 and "3 tokens: [1, 2, ?]" in html and "not in the vocabulary" in html
    assert "\u2423b" in html  # spaces are drawn visibly
    fig = token_figure({"x": tokens, "y": tokens[:1]}, span=10)
    assert [len(t.x) for t in fig.data] == [3, 1]
    assert list(fig.data[0].base) == [0, 1, 3] and tuple(fig.layout.xaxis.range) == (0, 10)


def test_bad_pieces_are_named():
    with pytest.raises(ValueError, match="pair \\(text, id or None\\)"):
        token_html([("a",)])
    with pytest.raises(ValueError, match="span must be in"):
        token_figure({"x": [("a", 1)]}, span=0)
    with pytest.raises(ValueError, match="take a string"):
        pieces(CharTokenizer("ab"), None)
