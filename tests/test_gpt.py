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
