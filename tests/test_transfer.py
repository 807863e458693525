"""Transfer, few-shot and zero-shot helpers on small cases with known answers, and the book's data set."""

import numpy as np
import pytest
import torch

from utils.transfer import (
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

# Four points on the unit circle: two near the x axis ("east"), two near the y axis ("north").
POINTS = torch.nn.functional.normalize(torch.tensor([[1.0, 0.1], [1.0, -0.2], [0.1, 1.0], [-0.2, 1.0]]), dim=1)
LABELS = ["east", "east", "north", "north"]


def test_topics_data_set_is_balanced_and_unique():
    topics = load_topics()
    assert list(topics.columns) == ["text", "topic"]
    assert len(topics) >= 300 and topics["text"].is_unique
    counts = topics["topic"].value_counts()
    assert len(counts) >= 4 and counts.min() == counts.max()


def test_nearest_ranks_by_cosine_similarity():
    scores, index = nearest(torch.tensor([0.0, 2.0]), POINTS, k=2)
    assert index.tolist() == [[2, 3]]
    assert torch.allclose(scores[0, 0], POINTS[2, 1])  # cosine with (0, 1) is the y coordinate of a unit vector
    with pytest.raises(ValueError, match="k must be"):
        nearest(POINTS, POINTS, k=5)


def test_per_class_sample_takes_k_of_each_class_reproducibly():
    labels = ["a"] * 5 + ["b"] * 3
    picked = per_class_sample(labels, 2, seed=3)
    assert sorted(np.asarray(labels)[picked]) == ["a", "a", "b", "b"] and len(set(picked)) == 4
    assert (picked == per_class_sample(labels, 2, seed=3)).all()
    with pytest.raises(ValueError, match="smallest class, 'b'"):
        per_class_sample(labels, 4)
    with pytest.raises(ValueError, match="no labelled examples"):
        per_class_sample([], 1)


def test_nearest_centroid_uses_class_means():
    model = NearestCentroid().fit(POINTS, LABELS)
    assert torch.allclose(model.centroids[0], POINTS[:2].mean(0))
    assert model.predict(torch.tensor([[0.9, 0.2], [0.3, 0.8]])) == ["east", "north"]
    with pytest.raises(ValueError, match="at least two classes"):
        NearestCentroid().fit(POINTS, ["east"] * 4)
    with pytest.raises(ValueError, match="one label per row"):
        NearestCentroid().fit(POINTS, LABELS[:3])


def test_linear_probe_separates_separable_points():
    probe = linear_probe(POINTS, LABELS)
    assert list(probe.predict(POINTS.numpy())) == LABELS


def test_bag_of_words_learns_from_words_alone():
    texts = ["the striker scored a goal", "a goal in extra time", "bake the bread", "bread with butter"]
    model = bag_of_words_classifier(texts, ["sport", "sport", "cooking", "cooking"])
    assert list(model.predict(["what a goal", "fresh bread"])) == ["sport", "cooking"]
    with pytest.raises(ValueError, match="at least two classes"):
        bag_of_words_classifier(texts, ["sport"] * 4)


def test_zero_shot_picks_the_closest_description():
    descriptions = torch.tensor([[0.0, 1.0], [1.0, 0.0]])
    assert zero_shot(POINTS, descriptions, ["north", "east"]) == LABELS
    with pytest.raises(ValueError, match="one description vector per label"):
        zero_shot(POINTS, descriptions, ["north"])


def test_accuracy_and_confusion_count_correctly():
    true, predicted = ["a", "a", "b", "c"], ["a", "b", "b", "a"]
    assert accuracy(predicted, true) == 0.5
    table = confusion(true, predicted, ["a", "b", "c"])
    assert table.to_numpy().tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 0]]
    assert table.to_numpy().sum() == 4
    with pytest.raises(ValueError, match=r"Unknown labels \['d'\]"):
        confusion(true, ["a", "b", "b", "d"], ["a", "b", "c"])
    with pytest.raises(ValueError, match="as many predictions"):
        accuracy(["a"], true)


def test_read_glossary(tmp_path):
    page = tmp_path / "glossary.md"
    page.write_text("# G\n\n```{glossary}\nApple\n  A red\n  fruit.\n\nBanana\n  Yellow.\n```\n")
    assert read_glossary(page) == {"Apple": "A red fruit.", "Banana": "Yellow."}
    book = read_glossary("book/glossary.md")
    assert len(book) > 20 and all(definition for definition in book.values())


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="not been fitted yet"):
        NearestCentroid().predict(POINTS)
    with pytest.raises(ValueError, match="k must be a whole number from 1 to the corpus size \\(4\\), got 9"):
        nearest(POINTS[0], POINTS, k=9)
    with pytest.raises(ValueError, match="corpus contains NaN"):
        nearest(POINTS[0], torch.full((2, 2), float("nan")))
    with pytest.raises(ValueError, match="x must have shape \\(any, 2\\)"):
        NearestCentroid().fit(POINTS, LABELS).predict(torch.ones(1, 3))
    with pytest.raises(TypeError, match="labels must be a list of labels"):
        per_class_sample("abc", 1)
    with pytest.raises(ValueError, match="c must be in"):
        linear_probe(POINTS, LABELS, c=0.0)
