"""The fruit questions of Chapter 13: every answer follows from the fruit's attributes and can be checked."""

import torch

from utils.finetune import split_example
from utils.fruit_qa import answer, answered_kind, fruit_questions, mentions_shape, question, shape_words
from utils.fruits import KINDS


def test_questions_are_balanced_reproducible_and_answer_checkably():
    texts = fruit_questions(300, seed=1)
    assert texts == fruit_questions(300, seed=1) and texts != fruit_questions(300, seed=2)
    responses = [split_example(t)[1] for t in texts]
    kinds = [answered_kind(r) for r in responses]
    assert all(kinds.count(k) == 100 for k in KINDS)
    assert sum(mentions_shape(r) for r in responses) == 75  # a quarter in the descriptive style by default
    described = [split_example(t)[1] for t in fruit_questions(30, seed=1, descriptive=0.5)]
    assert sum(mentions_shape(r) for r in described) == 15
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


def test_prompts_give_back_their_measurements_and_scores_count_what_they_say():
    from utils.fruit_qa import fruit_preferences, prompt_attributes, score_responses

    texts = fruit_questions(3, seed=0, descriptive=0.0)
    prompt, truth = split_example(texts[0])
    facts = prompt_attributes(prompt)
    assert question(facts) == prompt
    table = fruit_preferences(3, seed=0)
    assert list(table.prompt) == [split_example(t)[0] for t in texts]
    assert list(table.rejected) == [split_example(t)[1] for t in texts]
    assert all(mentions_shape(c) and not mentions_shape(r) for c, r in zip(table.chosen, table.rejected, strict=True))
    answers = [truth.strip(), "It is a pear.", table.chosen[2].strip()]
    kinds = [answered_kind(split_example(t)[1]) for t in texts]
    assert score_responses(texts, answers) == {"format": 2 / 3, "accuracy": (1 + (kinds[2] == kinds[2])) / 3,
                                               "shape": 1 / 3, "shape_right": 1 / 3}  # fmt: skip


def test_kind_probabilities_renormalise_the_three_answers_log_probabilities():
    from utils.fruit_qa import kind_probabilities
    from utils.gpt import GPT, GPTConfig
    from utils.recipes import chapter_tokenizer

    tokenizer = chapter_tokenizer()
    torch.manual_seed(0)
    model = GPT(GPTConfig(tokenizer.vocab_size, block_size=128, n_layer=1, n_head=2, n_embd=32))
    prompts = [split_example(t)[0] for t in fruit_questions(3, seed=4)]
    probs = kind_probabilities(model, tokenizer, prompts, batch_size=2)
    assert probs.shape == (3, 3) and torch.allclose(probs.sum(1), torch.ones(3))
    by_hand = []
    for kind, article in (("apple", "an"), ("banana", "a"), ("orange", "an")):
        ids = torch.tensor([tokenizer.encode(prompts[0] + f"It is {article} {kind}")])
        logp = torch.log_softmax(model(ids[:, :-1])[0], -1)[0]
        start = len(tokenizer.encode(prompts[0]))
        by_hand.append(sum(logp[t - 1, ids[0, t]] for t in range(start, ids.shape[1])))
    assert torch.allclose(probs[0], torch.softmax(torch.stack(by_hand), 0), atol=1e-5)
