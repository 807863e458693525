"""The fruit questions of Chapter 13: every answer follows from the fruit's attributes and can be checked."""

from utils.finetune import split_example
from utils.fruit_qa import answer, answered_kind, fruit_questions, mentions_shape, question, shape_words
from utils.fruits import KINDS


def test_questions_are_balanced_reproducible_and_answer_checkably():
    texts = fruit_questions(300, seed=1)
    assert texts == fruit_questions(300, seed=1) and texts != fruit_questions(300, seed=2)
    responses = [split_example(t)[1] for t in texts]
    kinds = [answered_kind(r) for r in responses]
    assert all(kinds.count(k) == 100 for k in KINDS)
    assert sum(mentions_shape(r) for r in responses) == 150  # "mixed": half of each style
    assert all(r.endswith(".\n") for r in responses)


def test_the_descriptive_answer_names_the_shape_from_the_attributes():
    import pandas as pd

    banana = pd.Series({"width": 0.2, "elongation": 3.5, "curvature": 1.5, "hue": 53.0})
    apple = pd.Series({"width": 0.5, "elongation": 0.95, "curvature": 0.0, "hue": -5.0})
    assert shape_words(banana) == "long and curved" and shape_words(apple) == "round"
    assert answer("banana", banana, "descriptive") == "It is a banana, long and curved.\n"
    assert answer("apple", apple, "plain") == "It is an apple.\n"
    assert "hue 355" in question(apple)  # hues are shown in 0..360
    assert answered_kind("It is a pear.") is None and not mentions_shape("It is an apple.")
