"""Captions of fruit pictures (Chapter 14) say only what the fruit's attributes make true."""

import numpy as np
import pandas as pd

from utils.captions import caption, captions, colour_word, facts, said
from utils.fruits import make_anomalies, make_fruits


def test_every_caption_states_only_true_attributes_of_its_fruit():
    fruit = make_fruits(300, seed=3)
    kinds = [fruit.kinds[label] for label in fruit.labels]
    texts = captions(kinds, fruit.attributes, seed=1)
    for kind, text, (_, row) in zip(kinds, texts, fruit.attributes.iterrows(), strict=True):
        claim, truth = said(text), facts(row)
        assert claim["kind"] == kind and claim["colour"] == truth["colour"] and claim["shape"] == truth["shape"]
        assert set(claim["extras"]) <= set(truth["extras"])
    assert len({t.split(" ")[0] + t.split(" ")[1] for t in texts}) >= 3  # several phrasings
    assert texts == captions(kinds, fruit.attributes, seed=1)


def test_colours_and_shapes_follow_the_attributes_including_the_odd_fruit():
    assert [colour_word(h) for h in (-10, 30, 53, 120, 220, 300, 359)] == [
        "red", "orange", "yellow", "green", "blue", "purple", "red"]  # fmt: skip
    odd = make_anomalies(30, seed=0)
    for label, (_, row) in zip(odd.labels, odd.attributes.iterrows(), strict=True):
        name, known = odd.kinds[label], facts(row)
        if name == "blue_apple":
            assert known["colour"] == "blue"
        if name == "square_orange":
            assert known["shape"] == "square"
        if name == "striped_banana":
            assert "with stripes" in known["extras"]


def test_articles_agree_with_the_next_word():
    row = pd.Series({"hue": 30.0, "elongation": 1.0, "curvature": 0.0, "squareness": 0.0, "leaf": 0.0, "stem": 0.0,
                     "tips": 0.0, "stripes": 0.0, "texture": 0.0})  # fmt: skip
    texts = {caption("orange", row, np.random.default_rng(s)) for s in range(40)}
    assert not any(" a orange" in t or " a apple" in t for t in texts) and any("an orange" in t for t in texts)
