"""LoRA (Chapter 13): adapters that start as a no-op, train alone, and merge into plain weights exactly."""

import pytest
import torch

from utils.gpt import GPT, GPTConfig
from utils.lora import TARGETS, LoRALinear, add_lora, merge_lora, trainable_fraction


def _gpt() -> GPT:
    with torch.random.fork_rng():
        torch.manual_seed(0)
        return GPT(GPTConfig.tiny(20)).eval()


def _ids() -> torch.Tensor:
    return torch.randint(20, (3, 12), generator=torch.Generator().manual_seed(1))


def test_layer_computes_the_low_rank_update_formula():
    base = torch.nn.Linear(6, 5)
    layer = LoRALinear(base, rank=2, alpha=4.0)
    with torch.no_grad():
        layer.B.normal_()
    x = torch.randn(7, 6)
    expected = x @ (base.weight + 2.0 * layer.B @ layer.A).T + base.bias
    assert torch.allclose(layer(x), expected, atol=1e-6)


def test_adapters_with_b_zero_leave_the_model_unchanged():
    model, ids = _gpt(), _ids()
    before = model(ids)[0]
    add_lora(model, rank=4, alpha=8.0)
    assert torch.equal(model(ids)[0], before)


def test_merged_weights_give_the_outputs_of_the_adapters():
    model, ids = add_lora(_gpt(), rank=4), _ids()
    with torch.no_grad():
        for layer in model.modules():
            if isinstance(layer, LoRALinear):
                layer.B.normal_(std=0.05)
    adapted = model(ids)[0]
    merge_lora(model)
    assert not any(isinstance(m, LoRALinear) for m in model.modules())
    assert (model(ids)[0] - adapted).abs().max().item() < 1e-5


def test_only_the_adapters_train_and_their_count_is_r_times_in_plus_out():
    model = add_lora(_gpt(), rank=2)
    trainable, total = trainable_fraction(model)
    adapters = [m for m in model.modules() if isinstance(m, LoRALinear)]
    assert len(adapters) == 2 * len(TARGETS)  # two blocks, six matrices each
    assert trainable == sum(2 * (m.in_features + m.out_features) for m in adapters)
    frozen = {name: p.clone() for name, p in model.named_parameters() if not p.requires_grad}
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
    ids = _ids()
    model.train()
    _, loss = model(ids[:, :-1], ids[:, 1:])
    loss.backward()
    optimizer.step()
    assert all(torch.equal(p, frozen[name]) for name, p in model.named_parameters() if not p.requires_grad)
    assert any(m.B.abs().sum() > 0 for m in adapters), "B must move off zero after a step"
    assert trainable / total < 0.2


def test_adding_twice_and_merging_nothing_are_refused():
    model = add_lora(_gpt())
    with pytest.raises(ValueError, match="already has LoRA adapters"):
        add_lora(model)
    with pytest.raises(ValueError, match="no LoRA adapters"):
        merge_lora(_gpt())
