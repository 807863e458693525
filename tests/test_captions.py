"""Captions of fruit pictures (Chapter 14) say only what the fruit's attributes make true."""

import numpy as np
import pandas as pd

from utils.captions import agrees, caption, captioned_fruits, captions, colour_word, facts, said
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


def test_captioned_fruits_recolour_the_requested_share_and_caption_the_new_colour():
    data = captioned_fruits(400, seed=2, recolour=0.25)
    plain = make_fruits(400, seed=2)
    changed = (data.attributes["hue"] != plain.attributes["hue"]).to_numpy()
    assert 0.18 < changed.mean() < 0.32  # a quarter, drawn at random
    same = data.attributes.drop(columns="hue").equals(plain.attributes.drop(columns="hue"))
    assert same and np.array_equal(data.labels.numpy(), plain.labels)
    assert np.allclose(data.images[~changed].permute(0, 2, 3, 1).numpy(), plain.images[~changed])
    for text, (_, row) in zip(data.captions, data.attributes.iterrows(), strict=True):
        assert said(text)["colour"] == colour_word(row["hue"])


def test_orange_is_read_as_a_kind_or_a_colour_by_its_place():
    assert said("a purple orange")["kind"] == "orange" and said("a purple orange")["colour"] == "purple"
    assert said("an orange banana") == {"kind": "banana", "colour": "orange", "shape": None, "extras": []}
    assert said("this orange is orange and round")["colour"] == "orange"
    assert said("a photo of an orange orange, round")["kind"] == "orange"


def test_a_description_agrees_only_with_fruit_that_have_all_it_claims():
    odd = make_anomalies(3, seed=0)  # a blue apple, a square orange, a striped banana
    blue, square, striped = (odd.attributes.iloc[i] for i in range(3))
    assert agrees("a blue apple", "apple", blue) and not agrees("a red apple", "apple", blue)
    assert not agrees("a blue apple", "orange", blue) and agrees("an apple", "apple", blue)
    assert agrees("a square orange", "orange", square) and not agrees("a round orange", "orange", square)
    assert agrees("a banana with stripes", "banana", striped) and agrees("a long banana", "banana", striped)
