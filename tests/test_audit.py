"""Data audits (Chapter 15): the overlap measure equals brute force, label flipping flips exactly the share asked."""

import numpy as np
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
