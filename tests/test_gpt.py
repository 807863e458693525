"""The tiny GPT: shapes, a sensible initial loss, causality, learning, clear errors."""

import math

import pytest
import torch

from utils.gpt import GPT, GPTConfig, flops_per_token


@pytest.fixture
def model():
    torch.manual_seed(0)
    return GPT(GPTConfig.tiny(vocab_size=20))


def test_shapes_and_initial_loss_is_uniform(model):
    idx = torch.randint(0, 20, (3, 32), generator=torch.Generator().manual_seed(1))
    targets = torch.randint(0, 20, (3, 32), generator=torch.Generator().manual_seed(9))
    logits, loss = model(idx, targets)
    assert logits.shape == (3, 32, 20)
    assert abs(loss.item() - math.log(20)) < 0.1  # an untrained model guesses uniformly
    assert model(idx)[1] is None


def test_causal_outputs_ignore_the_future(model):
    model.eval()
    idx = torch.randint(0, 20, (1, 10), generator=torch.Generator().manual_seed(2))
    later = idx.clone()
    later[0, 6:] = (later[0, 6:] + 1) % 20
    assert torch.allclose(model(idx)[0][0, :6], model(later)[0][0, :6], atol=1e-5)


def test_learns_a_repeating_pattern_and_greedy_continues_it(model):
    pattern = torch.tensor([1, 2, 3, 4, 5] * 8)
    x, y = pattern[None, :32], pattern[None, 1:33]
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    for _ in range(150):
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.05
    model.eval()
    assert model.greedy(torch.tensor([[3, 4]]), 6)[0].tolist() == [3, 4, 5, 1, 2, 3, 4, 5]


def test_parameter_count_matches_the_formula():
    c = GPTConfig.baby(vocab_size=65)
    model = GPT(c)
    per_block = 12 * c.n_embd**2 + 13 * c.n_embd  # attention 4C^2+4C, MLP 8C^2+5C, two layer norms 4C
    expected = c.vocab_size * c.n_embd + c.block_size * c.n_embd + c.n_layer * per_block + 2 * c.n_embd
    assert model.num_parameters() == expected
    assert flops_per_token(c, expected) == 6 * expected + 12 * 4 * 128 * 64


@pytest.mark.parametrize("kwargs, message", [
    ({"n_embd": 30, "n_head": 4}, "divisible"), ({"n_layer": 0}, "n_layer"), ({"dropout": 1.0}, "dropout"),
])  # fmt: skip
def test_bad_config(kwargs, message):
    with pytest.raises(ValueError, match=message):
        GPTConfig(vocab_size=10, **kwargs)


def test_bad_input(model):
    with pytest.raises(ValueError, match="context is 32"):
        model(torch.zeros(1, 33, dtype=torch.long))
    with pytest.raises(ValueError, match="0..19"):
        model(torch.tensor([[0, 20]]))
    with pytest.raises(ValueError, match="batch, time"):
        model(torch.zeros(5, dtype=torch.long))


@pytest.mark.parametrize("call, message", [
    (lambda m: m(torch.tensor([[0, 1]]), torch.tensor([[1, 20]])), "in targets must be in 0..19; got 1 to 20"),
    (lambda m: m(torch.tensor([[0, 1]]), torch.tensor([[1, 2, 3]])), "targets must have the shape of idx"),
    (lambda m: m(torch.tensor([[0.0, 1.0]])), "idx must hold whole numbers"),
    (lambda m: m(torch.zeros(1, 0, dtype=torch.long)), "idx is empty"),
    (lambda m: m([[0, 1]]), "must be a torch tensor"),
    (lambda m: m.greedy(torch.tensor([[1, 2]]), -1), "max_new_tokens must be at least 0"),
    (lambda m: m.greedy(torch.tensor([[1, 25]]), 2), "0..19"),
    (lambda m: m.blocks[0](torch.zeros(1, 2, 5)), "n_embd=64"),
    (lambda m: m.blocks[0].mlp(torch.full((1, 64), float("nan"))), "NaN"),
    (lambda m: GPT("tiny"), "must be a GPTConfig"),
])  # fmt: skip
def test_bad_ids_targets_and_vectors(model, call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call(model)


def test_greedy_with_no_new_tokens_returns_the_prompt(model):
    prompt = torch.tensor([[3, 4]])
    assert torch.equal(model.greedy(prompt, 0), prompt)


def test_hidden_is_what_the_output_layer_reads():
    torch.manual_seed(0)
    model = GPT(GPTConfig.tiny(11)).eval()
    idx = torch.randint(0, 11, (2, 9))
    assert torch.allclose(model.head(model.hidden(idx)), model(idx)[0])
