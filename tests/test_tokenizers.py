"""Tokenizers agree with Hugging Face `tokenizers` and round-trip any text.

Only the comparisons with Hugging Face skip when its `tokenizers` package is missing.
"""

import ast
import inspect
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from utils.bpe import BPETokenizer, merge_pair, pair_counts
from utils.corpus import load_corpus, train_val_split
from utils.minilm import minilm_path
from utils.tokenizers import CharTokenizer, Tokenizer, WordPieceTokenizer, WordTokenizer


@pytest.fixture(scope="module")
def hf():
    return pytest.importorskip("tokenizers")


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


@pytest.fixture(scope="module")
def bpe(corpus):
    return BPETokenizer.train(corpus[:300_000], 512, special_tokens=["<|endoftext|>"])


@pytest.fixture(scope="module")
def wordpiece():
    return WordPieceTokenizer.minilm()


# ---------------------------------------------------------------- BPE


def test_merge_pair_and_pair_counts_worked_by_hand():
    assert merge_pair([1, 2, 2, 1, 2], (1, 2), 9) == [9, 2, 9]
    assert merge_pair([5, 5, 5], (5, 5), 7) == [7, 5]
    assert pair_counts([1, 2, 1, 2]) == {(1, 2): 2, (2, 1): 1}


def test_hand_worked_merges_on_a_tiny_text():
    # The chapter's example: "low lower lowest" splits into "low", " lower", " lowest".
    # Pair counts: (l,o) 3, (o,w) 3, ... ; ties go to the smaller pair of byte values.
    tok = BPETokenizer.train("low lower lowest", 256 + 4)
    readable = [tok.token_text(256 + i) for i in range(4)]
    assert readable == ["lo", "low", " low", " lowe"]
    assert tok.encode("lowest") == [257, ord("e"), ord("s"), ord("t")]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_bpe_round_trips_any_string(bpe, text):
    assert bpe.decode(bpe.encode(text)) == text


def test_bpe_round_trips_surrogates_and_specials(bpe):
    for text in ["\ud800 lone surrogate", "a<|endoftext|>b", "tabs\t\tand\r\nnewlines", "🍎 " * 5]:
        assert bpe.decode(bpe.encode(text)) == text
    ids = bpe.encode("a<|endoftext|>b")
    assert bpe.special_tokens["<|endoftext|>"] in ids
    assert bpe.special_tokens["<|endoftext|>"] not in bpe.encode("a<|endoftext|>b", allowed_special="none")


def test_bpe_compresses_like_hugging_face(corpus, hf):
    train, held_out = train_val_split(corpus[:600_000])
    ours = BPETokenizer.train(train, 1024)
    ref = hf.Tokenizer(hf.models.BPE())
    ref.pre_tokenizer = hf.pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = hf.trainers.BpeTrainer(vocab_size=1024, initial_alphabet=hf.pre_tokenizers.ByteLevel.alphabet(),
                                     show_progress=False)  # fmt: skip
    ref.train_from_iterator([train], trainer)
    n_bytes = len(held_out.encode())
    ours_tpb, ref_tpb = len(ours.encode(held_out)) / n_bytes, len(ref.encode(held_out).ids) / n_bytes
    assert abs(ours_tpb - ref_tpb) / ref_tpb < 0.02
    assert ours_tpb < 0.5  # and it really compresses: fewer than one token per two bytes


def test_bpe_save_load_is_identical(bpe, tmp_path, corpus):
    path = tmp_path / "bpe.json"
    bpe.save(path)
    loaded = Tokenizer.load(path)
    sample = corpus[:5000]
    assert isinstance(loaded, BPETokenizer) and loaded.encode(sample) == bpe.encode(sample)
    assert '"vocab"' in path.read_text()  # readable


def test_bpe_bad_input(bpe):
    with pytest.raises(ValueError, match="at least 256"):
        BPETokenizer.train("abc", 200)
    with pytest.raises(ValueError, match="Unknown special token"):
        bpe.encode("hi", allowed_special={"<|pad|>"})
    with pytest.raises(ValueError, match="outside the vocabulary"):
        bpe.decode([bpe.vocab_size])
    with pytest.raises(ValueError, match="take a string"):
        bpe.encode(42)


# ---------------------------------------------------------------- WordPiece


def _varied_sentences(corpus, n=2000):
    rng = random.Random(0)
    sentences = [s.strip() for s in corpus.replace("\n", " ").split(". ") if 20 < len(s) < 200]
    extras = ["café", "naïve", "Zürich", "São Paulo", "El Niño", "Ærøskøbing", "1984", "3.14159", "$1,000",
              "50%", "e-mail", "C++", "don't", "(see §2)", "—", "…", "«quoted»", "東京", "🍎", "Ελλάδα",
              "Москва", "مرحبا", "x\u0301", "\u200b", "\x00", "supercalifragilisticexpialidocious" * 4,
              "ﬁ", "İstanbul", "ΣΑΣ", "\t", "１２３", "Ⅻ"]  # fmt: skip
    out = []
    for i in range(n):
        words = rng.choice(sentences).split()
        for _ in range(rng.randint(0, 3)):
            words.insert(rng.randint(0, len(words)), rng.choice(extras))
        if i % 3 == 0:
            words = [w.upper() if rng.random() < 0.2 else w for w in words]
        out.append(" ".join(words))
    return out


def test_wordpiece_ids_equal_hugging_face_on_2000_sentences(wordpiece, corpus, hf):
    ref = hf.Tokenizer.from_file(str(minilm_path() / "tokenizer.json"))
    ref.no_truncation()
    ref.no_padding()
    sentences = _varied_sentences(corpus)
    assert len(sentences) >= 2000
    mismatches = [s for s in sentences if wordpiece.encode(s) != ref.encode(s).ids]
    assert not mismatches, f"{len(mismatches)} differ, e.g. {mismatches[0]!r}"


def test_wordpiece_examples(wordpiece):
    assert wordpiece.tokenize("Héllo, WORLD!") == ["hello", ",", "world", "!"]
    assert wordpiece.tokenize("x" * 101) == ["[UNK]"]
    ids = wordpiece.encode("The cat sat.")
    assert wordpiece.vocab[ids[0]] == "[CLS]" and wordpiece.vocab[ids[-1]] == "[SEP]"
    assert wordpiece.decode(ids) == "the cat sat."
    with pytest.raises(ValueError, match="lacks the special token"):
        WordPieceTokenizer(["a", "b"])


# ---------------------------------------------------------------- characters and words


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("abc xyz\n!é")))
def test_char_round_trip(text):
    tok = CharTokenizer("abc xyz\n!é")
    assert tok.decode(tok.encode(text)) == text


def test_char_tokenizer_reports_unknown_characters_and_ids():
    tok = CharTokenizer.train("hello")
    assert tok.vocab_size == 4 and tok.encode("hell") == [1, 0, 2, 2]
    with pytest.raises(ValueError, match="'z' is not in this tokenizer's vocabulary"):
        tok.encode("hz")
    with pytest.raises(ValueError, match="outside the vocabulary"):
        tok.decode([4])
    with pytest.raises(ValueError, match="outside the vocabulary"):
        tok.decode([-1])


def test_word_tokenizer_splits_punctuation_and_maps_rare_words_to_unk(tmp_path):
    tok = WordTokenizer.train("the cat sat . the dog sat !", vocab_size=5)
    assert WordTokenizer.split("Don't stop!") == ["Don", "'", "t", "stop", "!"]
    assert tok.words[:3] == ["<unk>", "the", "sat"]
    assert tok.decode(tok.encode("the cat sat.")) in ("the cat sat.", "the <unk> sat.")
    assert tok.encode("the zebra") == [1, 0]
    tok.save(tmp_path / "w.json")
    assert Tokenizer.load(tmp_path / "w.json").words == tok.words
    with pytest.raises(ValueError, match="vocab_size"):
        WordTokenizer.train("a b", vocab_size=1)


def test_loading_something_else_fails(tmp_path):
    (tmp_path / "x.json").write_text('{"type": "mystery"}')
    with pytest.raises(ValueError, match="not a saved tokenizer"):
        Tokenizer.load(tmp_path / "x.json")


# ---------------------------------------------------------------- bad input (issue 14)


def test_unknown_special_token_is_named_whole_not_letter_by_letter(bpe):
    with pytest.raises(ValueError, match=r"Unknown special token\(s\) \['<\|pad\|>'\]"):
        bpe.encode("hi", allowed_special="<|pad|>")
    eot = bpe.special_tokens["<|endoftext|>"]
    assert bpe.encode("a<|endoftext|>", allowed_special="<|endoftext|>")[-1] == eot  # one name is a set of one
    with pytest.raises(TypeError, match="special_tokens must be a list of strings"):
        BPETokenizer.train("abc", 300, special_tokens="<|endoftext|>")
    with pytest.raises(ValueError, match="distinct, non-empty"):
        BPETokenizer([], ["<|a|>", "<|a|>"])


def test_decode_names_the_id_that_is_out_of_range():
    tok = CharTokenizer("abc")
    with pytest.raises(ValueError, match="token id 7, outside the vocabulary \\(ids run from 0 to 2\\)"):
        tok.decode([0, 1, 7])
    with pytest.raises(ValueError, match="token id 7"):
        tok.decode(np.array([2, 7]))  # a valid NumPy id is not the one blamed
    with pytest.raises(ValueError, match="token id -3"):
        WordTokenizer(["a"]).decode([1, -3])
    with pytest.raises(ValueError, match="whole numbers .*got 1.0 at position 1"):
        tok.decode([0, 1.0])
    assert tok.decode(np.array([2, 0])) == tok.decode(torch.tensor([2, 0])) == tok.decode([2, 0]) == "ca"


def test_bad_merges_patterns_and_saved_files(tmp_path):
    with pytest.raises(ValueError, match="token id -1"):
        BPETokenizer([(-1, 97)])
    with pytest.raises(ValueError, match="two token ids"):
        merge_pair([1, 2], (1,), 9)
    with pytest.raises(ValueError, match="not a valid regular expression"):
        BPETokenizer(pattern="(")
    with pytest.raises(ValueError, match="needs the field 'chars'"):
        CharTokenizer.from_dict({})
    (tmp_path / "x.json").write_text("not json")
    with pytest.raises(ValueError, match="not JSON"):
        Tokenizer.load(tmp_path / "x.json")
    with pytest.raises(TypeError, match="words must be a list of strings"):
        WordTokenizer("hello")
    with pytest.raises(ValueError, match="max_chars"):
        WordPieceTokenizer(["[UNK]", "[CLS]", "[SEP]"], max_chars=0)


def test_tokenizers_never_imports_bpe():
    """bpe builds on tokenizers, never the other way round (no import cycle)."""
    tree = ast.parse(Path(inspect.getsourcefile(Tokenizer)).read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert not any("bpe" in (name or "") for name in imported)
    code = "import utils.tokenizers, sys; print('utils.bpe' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"


def test_loading_a_bpe_file_finds_its_class(bpe, tmp_path):
    bpe.save(tmp_path / "b.json")
    assert Tokenizer.kinds["byte_bpe"] is BPETokenizer
    assert isinstance(Tokenizer.load(tmp_path / "b.json"), BPETokenizer)
