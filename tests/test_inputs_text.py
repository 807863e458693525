"""Bad inputs to the text modules (tokenizers, BPE, corpus, token pictures, n-grams, embeddings,
BERT, transfer, MiniLM files) end in a clear ValueError or TypeError from utils, never in NaN.

Every model here is tiny and built once; the real MiniLM encoder loads once (about two seconds).
"""

import atexit
import math
import shutil
import tempfile
from functools import cache
from pathlib import Path

import numpy as np
import torch
from bad_inputs import Case, run_cases

from utils.attention import padding_mask
from utils.bert import BertConfig, BertEncoder, BertLayer, SentenceEncoder, load_minilm, mean_pool
from utils.bpe import GPT2_PATTERN, BPETokenizer, merge_pair, pair_counts
from utils.checks import check_id_list
from utils.corpus import (
    cache_dir,
    fingerprint,
    load_corpus,
    load_tiny_shakespeare,
    prose_paragraphs,
    to_charset,
    train_val_split,
    window_batches,
)
from utils.device import seeded
from utils.embeddings import (
    Embeddings,
    SkipGram,
    SkipGramConfig,
    cosine_similarity,
    minilm_token_embeddings,
    pca,
    skipgram_batches,
    word_ids,
)
from utils.minilm import minilm_config, minilm_path, minilm_vocab, minilm_weights
from utils.ngram import NGramModel, uniform_loss
from utils.token_views import pieces, token_figure, token_html
from utils.tokenizers import CharTokenizer, Tokenizer, WordPieceTokenizer, WordTokenizer, check_text
from utils.transfer import (
    TOPICS_CSV,
    NearestCentroid,
    accuracy,
    bag_of_words_classifier,
    confusion,
    linear_probe,
    load_topics,
    nearest,
    per_class_sample,
    read_glossary,
    zero_shot,
)

# ----------------------------------------------------------------------------- shared tiny objects

CHARS = CharTokenizer("abc ")
WORDS = WordTokenizer(["the", "cat", "sat", "."])
SMALL_VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "the", "cat", "##s", "sat", "."]
SMALL_PIECES = WordPieceTokenizer(SMALL_VOCAB)
PIECES = [("a", 1), (" b", 2), ("é?", None)]
NGRAM = NGramModel(2, 3, k=1.0).fit([0, 1, 0, 1, 2])
WORD_VECTORS = torch.tensor([[1.0, 0, 0], [1, 1, 0], [1, 0, 1], [1, 1, 1], [-1, 0, 0]])
WORD_LIST = ["man", "woman", "king", "queen", "apple"]
EMBEDDINGS = Embeddings(WORD_VECTORS, WORD_LIST)
SKIP_CONFIG = SkipGramConfig(vocab_size=5, dim=3, window=1, negatives=2)
TINY_BERT = BertConfig(vocab_size=20, hidden=8, layers=1, heads=2, intermediate=16, max_positions=16)
with seeded(0):
    SKIP_GRAM = SkipGram(SKIP_CONFIG)
    LAYER = BertLayer(TINY_BERT).eval()
    ENCODER = BertEncoder(TINY_BERT).eval()
POINTS = torch.nn.functional.normalize(torch.tensor([[1.0, 0.1], [1.0, -0.2], [0.1, 1.0], [-0.2, 1.0]]), dim=1)
LABELS = ["east", "east", "north", "north"]
CENTROIDS = NearestCentroid().fit(POINTS, LABELS)
LAYER_NORM = "embeddings.LayerNorm.weight"


@cache
def bpe() -> BPETokenizer:
    return BPETokenizer.train("the theme then there these " * 4, 266, special_tokens=["<|eot|>"])


@cache
def wordpiece() -> WordPieceTokenizer:
    return WordPieceTokenizer.minilm()


@cache
def encoder() -> SentenceEncoder:
    return SentenceEncoder("cpu", max_length=32)


@cache
def folder() -> Path:
    """A private folder for the files these cases read, removed when the tests end."""
    path = Path(tempfile.mkdtemp(prefix="text-cases-"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def write(name: str, text: str | bytes) -> Path:
    path = folder() / name
    path.write_bytes(text) if isinstance(text, bytes) else path.write_text(text, encoding="utf-8")
    return path


@cache
def saved_char_tokenizer() -> Path:
    CHARS.save(folder() / "chars.json")
    return folder() / "chars.json"


def not_tokenizers() -> list[Path]:
    return [write("binary.json", b"\xff\xfe\x00"), write("mystery.json", '{"type": "mystery"}'),
            write("list.json", "[1, 2]"), write("char-no-chars.json", '{"type": "char"}')]  # fmt: skip


def bert_call(ids: torch.Tensor, attention_mask: torch.Tensor):
    return ENCODER(ids, attention_mask)


def skipgram_draw(**kwargs):
    return skipgram_batches(**kwargs)(torch.Generator().manual_seed(0))


def window_draw(**kwargs):
    return window_batches(**kwargs)(torch.Generator().manual_seed(0))


def pieces_everywhere(tokenizer, text):
    """The pieces of `text` under `tokenizer`, and under the book's other tokenizers too."""
    return [pieces(t, text) for t in (tokenizer, CHARS, WORDS, bpe(), SMALL_PIECES)]


GLOSSARY = "# G\n\n```{glossary}\nApple\n  A red\n  fruit.\n\nBanana\n  Yellow.\n```\n"
NAN_VECTOR = torch.tensor([math.nan, 0.0, 0.0])
BAD_IDS = [[9], [-1], [1.5], [True], "abc", 3, [[0, 1]], torch.tensor([0, 99]), np.array([0.0, 1.0]), None]

# fmt: off
CASES = [
    # ------------------------------------------------------------------------- tokenizers
    Case(check_id_list, valid=lambda: dict(ids=[3, 1], name="ids", vocab_size=5), extra={"ids": BAD_IDS}),
    Case(check_text, valid=lambda: dict(text="hello"), extra={"text": [None, 5, b"bytes", ["a"]]}),
    Case(Tokenizer, valid=lambda: dict()),
    Case(Tokenizer.save, valid=lambda: dict(path=folder() / "saved.json"), call=lambda path: CHARS.save(path)),
    Case(Tokenizer.load, valid=lambda: dict(path=saved_char_tokenizer()), call=Tokenizer.load,
         extra={"path": not_tokenizers()}),
    Case(CharTokenizer, valid=lambda: dict(chars="abc"), extra={"chars": [["ab"], 5, [1], None]}),
    Case(CharTokenizer.train, valid=lambda: dict(text="hello"), extra={"text": [5, None]}),
    Case(CharTokenizer.encode, valid=lambda: dict(text="cab"), call=lambda text: CHARS.encode(text),
         extra={"text": [5, "xyz"]}),
    Case(CharTokenizer.decode, valid=lambda: dict(ids=[0, 1, 2]), call=lambda ids: CHARS.decode(ids),
         extra={"ids": BAD_IDS}),
    Case(CharTokenizer.to_dict, valid=lambda: dict(), call=lambda: CHARS.to_dict()),
    Case(CharTokenizer.from_dict, valid=lambda: dict(data={"chars": "abc"}),
         extra={"data": [{}, {"chars": ""}, {"chars": 5}, "abc", None]}),
    Case(WordTokenizer, valid=lambda: dict(words=["the", "cat"]),
         extra={"words": ["hello", [5], [None], ["a", "a"], None]}),
    Case(WordTokenizer.train, valid=lambda: dict(text="the cat sat . the dog", vocab_size=5),
         extra={"text": [5, None], "vocab_size": [True]}),
    Case(WordTokenizer.split, valid=lambda: dict(text="Don't stop!"), extra={"text": [5, None]}),
    Case(WordTokenizer.encode, valid=lambda: dict(text="the cat"), call=lambda text: WORDS.encode(text),
         extra={"text": [5]}),
    Case(WordTokenizer.decode, valid=lambda: dict(ids=[1, 2, 0]), call=lambda ids: WORDS.decode(ids),
         extra={"ids": BAD_IDS}),
    Case(WordTokenizer.to_dict, valid=lambda: dict(), call=lambda: WORDS.to_dict()),
    Case(WordTokenizer.from_dict, valid=lambda: dict(data={"words": ["<unk>", "a"]}),
         extra={"data": [{}, {"words": "abc"}, {"words": [1]}, None]}),
    Case(WordPieceTokenizer, valid=lambda: dict(vocab=list(SMALL_VOCAB), unk="[UNK]", cls_token="[CLS]", sep="[SEP]",
                                                prefix="##", max_chars=100),
         extra={"vocab": ["[UNK][CLS][SEP]", [1, 2]], "unk": [5]}),
    Case(WordPieceTokenizer.from_vocab_file, valid=lambda: dict(path=write("vocab.txt", "\n".join(SMALL_VOCAB))),
         extra={"path": [write("vocab.bin", b"\xff\xfe"), write("no-specials.txt", "a\nb")]}),
    Case(WordPieceTokenizer.minilm, valid=lambda: dict(), call=WordPieceTokenizer.minilm),
    Case(WordPieceTokenizer.normalize, valid=lambda: dict(text="Héllo, WORLD!"),
         call=lambda text: SMALL_PIECES.normalize(text), extra={"text": [5, None]}),
    Case(WordPieceTokenizer.pre_tokenize, valid=lambda: dict(text="hello, world"),
         call=lambda text: SMALL_PIECES.pre_tokenize(text), extra={"text": [5, None]}),
    Case(WordPieceTokenizer.tokenize, valid=lambda: dict(text="The cats sat."),
         call=lambda text: wordpiece().tokenize(text), extra={"text": [5]}),
    Case(WordPieceTokenizer.encode, valid=lambda: dict(text="The cat sat."), call=lambda text: wordpiece().encode(text),
         extra={"text": [5, ["a"]]}),
    Case(WordPieceTokenizer.decode, valid=lambda: dict(ids=[101, 1996, 4937, 102]),
         call=lambda ids: wordpiece().decode(ids), extra={"ids": [[30522], [-1], [101.0], "abc"]}),
    Case(WordPieceTokenizer.to_dict, valid=lambda: dict(), call=lambda: SMALL_PIECES.to_dict()),
    Case(WordPieceTokenizer.from_dict, valid=lambda: dict(data={"vocab": list(SMALL_VOCAB)}),
         extra={"data": [{}, {"vocab": "abc"}, {"vocab": ["a"]}, None]}),
    # ------------------------------------------------------------------------- BPE
    Case(merge_pair, valid=lambda: dict(ids=[1, 2, 2, 1, 2], pair=(1, 2), new_id=9),
         extra={"ids": [[1.5], [-1], "abc", None], "pair": [(1,), "ab", (1.0, 2), (1, -2), None]}),
    Case(pair_counts, valid=lambda: dict(ids=[1, 2, 1, 2]), extra={"ids": [[1.5], "ab", 5, [-1, 2]]}),
    Case(BPETokenizer, valid=lambda: dict(merges=[(116, 104)], special_tokens=["<|eot|>"], pattern=GPT2_PATTERN),
         extra={"merges": [[(300, 1)], [(1,)], "ab", [(-1, 2)], 5],
                "special_tokens": ["<|eot|>", [""], ["a", "a"], [5]], "pattern": ["(", 5]}),
    Case(BPETokenizer.train, valid=lambda: dict(text="low lower lowest", vocab_size=262, special_tokens=["<|eot|>"],
                                                pattern=GPT2_PATTERN),
         extra={"text": [5, None], "special_tokens": ["<|eot|>", [""]], "pattern": ["("],
                "vocab_size": [True]}),
    Case(BPETokenizer.encode, valid=lambda: dict(text="the<|eot|>them", allowed_special="all"),
         call=lambda **kw: bpe().encode(**kw),
         extra={"allowed_special": ["<|pad|>", {"<|pad|>"}, [5], 5]}),
    Case(BPETokenizer.decode, valid=lambda: dict(ids=[116, 256, 265]), call=lambda ids: bpe().decode(ids),
         extra={"ids": [[10**6], [-1], [2.0], "ab", torch.tensor([1.0])]}),
    Case(BPETokenizer.token_text, valid=lambda: dict(i=256), call=lambda i: bpe().token_text(i),
         extra={"i": [[256], "a", 10**6, torch.tensor([3]), None]}),
    Case(BPETokenizer.to_dict, valid=lambda: dict(), call=lambda: bpe().to_dict()),
    Case(BPETokenizer.from_dict, valid=lambda: dict(data=bpe().to_dict()),
         extra={"data": [{}, {"merges": "ab", "special_tokens": [], "pattern": "x"}, None]}),
    # ------------------------------------------------------------------------- corpus
    Case(load_corpus, valid=lambda: dict()),
    Case(cache_dir, valid=lambda: dict()),
    Case(load_tiny_shakespeare, valid=lambda: dict(path=write("shakespeare.txt", "First Citizen:\nSpeak.\n"),
                                                   timeout=5.0)),
    Case(prose_paragraphs, valid=lambda: dict(doc="Return the sum of both numbers, rounded down."),
         extra={"doc": [None, 5]}),
    Case(to_charset, valid=lambda: dict(text="Café «naïve» ok"), extra={"text": [None, 5]}),
    Case(train_val_split, valid=lambda: dict(data="abcdefghij", val_fraction=0.2),
         extra={"data": [5, None], "val_fraction": [True, "0.1", 1.5]}),
    Case(window_batches, valid=lambda: dict(ids=torch.arange(50), block_size=4, batch_size=3), call=window_draw,
         extra={"block_size": [50, 100]}),
    Case(fingerprint, valid=lambda: dict(text="abc"), extra={"text": [None, b"abc"]}),
    # ------------------------------------------------------------------------- token pictures
    Case(pieces, valid=lambda: dict(tokenizer=CHARS, text="cab x"), call=pieces_everywhere,
         extra={"tokenizer": [object(), None], "text": [5, None]}),
    Case(token_html, valid=lambda: dict(tokens=list(PIECES)),
         extra={"tokens": ["abc", [("a",)], [("a", "1")], [(1, 2)], None]}),
    Case(token_figure, valid=lambda: dict(rows={"x": list(PIECES), "y": PIECES[:1]}, title="t", span=10),
         extra={"rows": [{"x": "abc"}, ["a"], {"x": [("a",)]}], "title": [None]}),
    # ------------------------------------------------------------------------- n-grams
    Case(NGramModel, valid=lambda: dict(n=2, vocab_size=3, k=0.5), extra={"vocab_size": [True, 10**9]}),
    Case(NGramModel.fit, valid=lambda: dict(ids=[0, 1, 0, 1, 2]), call=lambda ids: NGramModel(2, 3).fit(ids),
         extra={"ids": [[0.0, 1.0], [0, 3], [[0, 1]], "abc", np.array([0.5, 1.0]), torch.tensor([0, 1, 2]),
                        None]}),
    Case(NGramModel.loss, valid=lambda: dict(ids=[0, 1, 2, 0], model=NGRAM), call=lambda ids, model: model.loss(ids),
         extra={"ids": [[0.0, 1.0], [0, 3], [0]], "model": [NGramModel(2, 3)]}),
    Case(NGramModel.probabilities, valid=lambda: dict(context=[2, 0], model=NGRAM),
         call=lambda context, model: model.probabilities(context),
         extra={"context": [[0.5], [7], "ab"], "model": [NGramModel(2, 3)]}),
    Case(NGramModel.sample, valid=lambda: dict(context=[1], length=5, rng=np.random.default_rng(0), model=NGRAM),
         call=lambda context, length, rng, model: model.sample(context, length, rng),
         extra={"context": [[3], [1.0]], "rng": [0, None], "model": [NGramModel(2, 3)]}),
    Case(uniform_loss, valid=lambda: dict(vocab_size=65)),
    # ------------------------------------------------------------------------- embeddings
    Case(cosine_similarity, valid=lambda: dict(a=torch.randn(4, 3), b=torch.randn(2, 3)),
         extra={"b": [torch.randn(2, 3, dtype=torch.float64)]}),
    Case(Embeddings, valid=lambda: dict(vectors=WORD_VECTORS.clone(), words=list(WORD_LIST)),
         extra={"words": ["abcde", [1, 2, 3, 4, 5], ["a", "a", "b", "c", "d"], None]}),
    Case(Embeddings.similarity, valid=lambda: dict(a="man", b="king"), call=lambda a, b: EMBEDDINGS.similarity(a, b),
         extra={"a": [5, None]}),
    Case(Embeddings.nearest, valid=lambda: dict(query="king", k=2, exclude=["man"]),
         call=lambda **kw: EMBEDDINGS.nearest(**kw),
         extra={"query": [torch.tensor([1.0, 0.0]), NAN_VECTOR, 5, torch.zeros(3, dtype=torch.bool)], "k": [4, 10],
                "exclude": ["queen", [5]]}),
    Case(Embeddings.analogy, valid=lambda: dict(a="man", b="king", c="woman", k=1),
         call=lambda **kw: EMBEDDINGS.analogy(**kw), extra={"k": [3], "c": [None]}),
    Case(minilm_token_embeddings, valid=lambda: dict()),
    Case(pca, valid=lambda: dict(x=torch.randn(10, 4), k=2), extra={"k": [5, True]}),
    Case(word_ids, valid=lambda: dict(text="b a b c b a. B!", min_count=2), extra={"text": [5, None]}),
    Case(SkipGramConfig, valid=lambda: dict(vocab_size=5, dim=3, window=2, negatives=2)),
    Case(SkipGram, valid=lambda: dict(config=SKIP_CONFIG), extra={"config": ["x", None, dict(vocab_size=5)]}),
    Case(SkipGram.loss, valid=lambda: dict(centre=torch.tensor([0, 1]), context=torch.tensor([2, 3]),
                                           noise=torch.tensor([[4, 2], [0, 0]])),
         call=lambda centre, context, noise: SKIP_GRAM.loss((centre, context, noise))),
    Case(skipgram_batches, valid=lambda: dict(ids=torch.arange(30) % 5, counts=torch.tensor([6.0, 6, 6, 6, 6]),
                                              config=SKIP_CONFIG, batch_size=8),
         call=skipgram_draw, extra={"counts": [torch.zeros(5), -torch.ones(5)], "config": ["x"]}),
    # ------------------------------------------------------------------------- BERT
    Case(BertConfig, valid=lambda: dict(vocab_size=20, hidden=8, layers=1, heads=2, intermediate=16, max_positions=16,
                                        type_vocab=2, eps=1e-12),
         extra={"heads": [3], "eps": [True]}),
    Case(BertLayer, valid=lambda: dict(config=TINY_BERT), extra={"config": ["x", None]}),
    Case(BertLayer.forward, valid=lambda: dict(x=torch.randn(2, 3, 8),
                                               mask=padding_mask(torch.tensor([[1, 1, 0], [1, 1, 1]]))),
         call=lambda x, mask: LAYER(x, mask), extra={"mask": [torch.ones(2, 1, 1, 5, dtype=torch.bool)]}),
    Case(BertEncoder, valid=lambda: dict(config=TINY_BERT), extra={"config": ["x", None]}),
    Case(BertEncoder.forward, valid=lambda: dict(ids=torch.tensor([[2, 5, 7], [3, 4, 0]]),
                                                 attention_mask=torch.tensor([[1, 1, 1], [1, 1, 0]])),
         call=bert_call,
         extra={"attention_mask": [torch.zeros(2, 3, dtype=torch.long), torch.tensor([[1, 1, 1], [0, 0, 0]]),
                                   torch.zeros(2, 3, dtype=torch.bool), torch.ones(2, 4, dtype=torch.long),
                                   torch.full((2, 3), 0.5)]}),
    Case(BertEncoder.from_word_vectors, valid=lambda: dict(words=torch.randn(2, 3, 8),
                                                           attention_mask=torch.tensor([[1, 1, 1], [1, 1, 0]])),
         call=lambda **kw: ENCODER.from_word_vectors(**kw),
         extra={"attention_mask": [torch.tensor([[1, 1, 1], [0, 0, 0]]), torch.ones(2, 4, dtype=torch.long)],
                "words": [torch.randn(2, 3, 5), torch.randn(2, 600, 8)]}),
    Case(load_minilm, valid=lambda: dict(device="cpu"), examples=4, extra={"device": [5, 2.5]}),
    Case(mean_pool, valid=lambda: dict(hidden=torch.randn(2, 3, 4),
                                       attention_mask=torch.tensor([[1, 1, 0], [1, 1, 1]])),
         extra={"attention_mask": [torch.zeros(2, 3, dtype=torch.long), torch.tensor([[1, 1, 1], [0, 0, 0]]),
                                   torch.ones(2, 4, dtype=torch.long), torch.full((2, 3), 0.5), torch.ones(3)],
                "hidden": [torch.randn(2, 3), torch.full((2, 3, 4), float("nan"))]}),
    Case(SentenceEncoder, valid=lambda: dict(device="cpu", max_length=32), examples=8,
         extra={"max_length": [1, 600], "device": [5]}),
    Case(SentenceEncoder.batch, valid=lambda: dict(sentences=["The cat sat.", "A dog"]),
         call=lambda sentences: encoder().batch(sentences), extra={"sentences": ["a string", [5], None]}),
    Case(SentenceEncoder.encode, valid=lambda: dict(sentences=["The cat sat.", "A dog", ""], batch_size=2),
         call=lambda **kw: encoder().encode(**kw), extra={"sentences": ["a string", [5]]}),
    Case(SentenceEncoder.attention, valid=lambda: dict(sentence="The cat sat."),
         call=lambda sentence: encoder().attention(sentence), extra={"sentence": [["a"], 5, None]}),
    # ------------------------------------------------------------------------- MiniLM files
    Case(minilm_path, valid=lambda: dict()),
    Case(minilm_config, valid=lambda: dict()),
    Case(minilm_vocab, valid=lambda: dict()),
    Case(minilm_weights, valid=lambda: dict(names=[LAYER_NORM]),
         extra={"names": ["no.such.weight", [5], [LAYER_NORM, "nope"], 5]}),
    # ------------------------------------------------------------------------- transfer
    Case(load_topics, valid=lambda: dict(path=TOPICS_CSV)),
    Case(nearest, valid=lambda: dict(queries=torch.tensor([0.0, 2.0]), corpus=POINTS.clone(), k=2),
         extra={"k": [5, True]}),
    Case(per_class_sample, valid=lambda: dict(labels=["a"] * 5 + ["b"] * 3, k=2, seed=3),
         extra={"labels": ["ab", [None, "a"]], "k": [4, True], "seed": [True]}),
    Case(NearestCentroid, valid=lambda: dict()),
    Case(NearestCentroid.fit, valid=lambda: dict(x=POINTS.clone(), labels=list(LABELS)),
         call=lambda x, labels: NearestCentroid().fit(x, labels),
         extra={"labels": ["east", ["east"] * 4, [None] * 4, LABELS[:3]]}),
    Case(NearestCentroid.predict, valid=lambda: dict(x=torch.tensor([[0.9, 0.2], [0.3, 0.8]]), model=CENTROIDS),
         call=lambda x, model: model.predict(x), extra={"model": [NearestCentroid()]}),
    Case(linear_probe, valid=lambda: dict(x=POINTS.clone(), labels=list(LABELS), c=10.0),
         extra={"labels": ["east", ["east"] * 4]}),
    Case(bag_of_words_classifier, valid=lambda: dict(texts=["the striker scored a goal", "a goal in extra time",
                                                            "bake the bread", "bread with butter"],
                                                     labels=["sport", "sport", "cooking", "cooking"], c=10.0),
         extra={"texts": [["", "", "", ""], "abcd", [1, 2, 3, 4]], "labels": ["ab", ["x"] * 4]}),
    Case(zero_shot, valid=lambda: dict(x=POINTS.clone(), label_vectors=torch.tensor([[0.0, 1.0], [1.0, 0.0]]),
                                       labels=["north", "east"]),
         extra={"labels": ["ab", ["north"]]}),
    Case(accuracy, valid=lambda: dict(predicted=["a", "b"], true=["a", "a"]), extra={"predicted": ["ab", None]}),
    Case(confusion, valid=lambda: dict(true=["a", "a", "b", "c"], predicted=["a", "b", "b", "a"],
                                       labels=["a", "b", "c"]),
         extra={"labels": [["a", "a", "b", "c"], "abc"], "true": [["a"], ["a", "a", "b", "d"]]}),
    Case(read_glossary, valid=lambda: dict(path=write("glossary.md", GLOSSARY)),
         extra={"path": [write("no-glossary.md", "# Nothing here\n"),
                         write("glossary.bin", b"\xff\xfe")]}),
]
# fmt: on

EXEMPT = {
    "utils.corpus.build_stdlib_corpus": "takes no arguments (and load_corpus, which has a case, calls it)",
    "utils.tokenizers.Tokenizer.encode": "abstract: raises NotImplementedError; each subclass's encode has a case",
    "utils.tokenizers.Tokenizer.decode": "abstract: raises NotImplementedError; each subclass's decode has a case",
    "utils.tokenizers.Tokenizer.to_dict": "abstract: raises NotImplementedError; each subclass's to_dict has a case",
}

test_bad_inputs = run_cases(CASES)
