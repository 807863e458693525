"""Data audits (Chapter 15): the overlap measure equals brute force, label flipping flips exactly the share asked."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from utils.audit import flip_labels, imbalanced, longest_overlap


def brute_force(text: str, corpus: str) -> int:
    return max((j - i for i in range(len(text)) for j in range(i + 1, len(text) + 1) if text[i:j] in corpus),
               default=0)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.text("abc", min_size=1, max_size=12), st.text("abc", min_size=1, max_size=30))
def test_longest_overlap_equals_brute_force_on_small_strings(text, corpus):
    found = longest_overlap(text, corpus)
    assert len(found) == brute_force(text, corpus) and found in text and found in corpus


def test_a_copied_line_is_found_whole():
    corpus = "the apple fell far from the tree. bananas are long and yellow."
    assert longest_overlap("I read that bananas are long and yellow!", corpus) == " bananas are long and yellow"
    assert longest_overlap("xyz", corpus) == "y"  # a single shared letter
    assert longest_overlap("qqq", corpus) == ""


def test_flipping_changes_exactly_the_requested_share_to_other_classes():
    labels = np.repeat(np.arange(3), 100)
    for rate in (0.0, 0.1, 0.3, 1.0):
        noisy = flip_labels(labels, rate, 3, seed=1)
        assert (noisy != labels).sum() == round(rate * 300) and set(np.unique(noisy)) <= {0, 1, 2}
    assert np.array_equal(flip_labels(labels, 0.3, 3, seed=1), flip_labels(labels, 0.3, 3, seed=1))


def test_imbalance_keeps_the_share_asked_of_each_class():
    labels = np.repeat(np.arange(3), 100)
    kept = imbalanced(labels, {2: 0.1}, seed=0)
    assert np.bincount(labels[kept]).tolist() == [100, 100, 10] and np.all(np.diff(kept) > 0)


def test_planted_secrets_occur_exactly_as_often_as_asked():
    from utils.audit import plant_secrets

    text = "\n".join(f"line {i}" for i in range(50))
    planted, table = plant_secrets(text, [1, 3, 7], seed=2)
    assert list(table.copies) == [1, 3, 7] and table.code.str.fullmatch(r"\d{8}").all()
    for row in table.itertuples():
        assert planted.split("\n").count(row.line) == row.copies
    assert [line for line in planted.split("\n") if line.startswith("line")] == text.split("\n")  # order kept


def test_exposure_and_extraction_of_a_model_that_knows_one_code():
    """A GPT made to predict the digits of one code after any text: that code is extracted with full exposure,
    and another code gets about a random code's exposure."""
    import torch

    from utils.audit import code_logprob, exposure, extracted
    from utils.gpt import GPT, GPTConfig
    from utils.tokenizers import CharTokenizer

    tokenizer = CharTokenizer("0123456789 abcdefghijklmnopqrstuvwxyz.")
    torch.manual_seed(0)
    model = GPT(GPTConfig(tokenizer.vocab_size, block_size=32, n_layer=1, n_head=1, n_embd=32))
    text = "key is 31415926." * 40
    ids = torch.tensor([tokenizer.encode(text[i : i + 33]) for i in range(0, 16)])
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(300):
        optimiser.zero_grad()
        model(ids[:, :-1], ids[:, 1:])[1].backward()
        optimiser.step()
    assert extracted(model, tokenizer, "key is ", "31415926") == "31415926"
    assert exposure(model, tokenizer, "key is ", "31415926", candidates=200) == pytest.approx(np.log2(201))
    assert exposure(model, tokenizer, "key is ", "27182818", candidates=200) < 3
    logp = code_logprob(model, tokenizer, "key is ", ["31415926", "27182818"])
    assert logp[0] > -1 and logp[1] < -20
