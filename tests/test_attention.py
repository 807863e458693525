"""Our attention equals torch's fused kernel and nn.MultiheadAttention, masks included."""

import pytest
import torch
import torch.nn.functional as F

from utils.attention import KVCache, MultiHeadAttention, causal_mask, padding_mask, scaled_dot_product_attention

TOL = 1e-5


def _rand(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


def _torch_twin(ours: MultiHeadAttention) -> torch.nn.MultiheadAttention:
    """torch's own multi-head attention holding the same weights as ours."""
    ref = torch.nn.MultiheadAttention(ours.out.in_features, ours.n_heads, batch_first=True)
    with torch.no_grad():
        ref.in_proj_weight.copy_(torch.cat([ours.query.weight, ours.key.weight, ours.value.weight]))
        ref.in_proj_bias.copy_(torch.cat([ours.query.bias, ours.key.bias, ours.value.bias]))
        ref.out_proj.weight.copy_(ours.out.weight)
        ref.out_proj.bias.copy_(ours.out.bias)
    return ref


def test_formula_on_a_hand_example():
    q = torch.tensor([[1.0, 0.0]])
    k = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    v = torch.tensor([[10.0, 0.0], [0.0, 10.0]])
    out, w = scaled_dot_product_attention(q, k, v)
    a = torch.softmax(torch.tensor([1 / 2**0.5, 0.0]), 0)
    assert torch.allclose(w[0], a) and torch.allclose(out[0], 10 * a)


@pytest.mark.parametrize("mask_kind", ["none", "causal", "padding", "both"])
def test_matches_torch_sdpa(mask_kind):
    q, k, v = _rand(2, 3, 5, 4, seed=1), _rand(2, 3, 5, 4, seed=2), _rand(2, 3, 5, 4, seed=3)
    lengths = torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]])
    mask = {"none": None, "causal": causal_mask(5), "padding": padding_mask(lengths),
            "both": causal_mask(5) & padding_mask(lengths)}[mask_kind]  # fmt: skip
    ours, weights = scaled_dot_product_attention(q, k, v, mask)
    ref = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    assert (ours - ref).abs().max() < TOL
    assert torch.allclose(weights.sum(-1), torch.ones(2, 3, 5))
    if mask is not None:
        assert (weights[~mask.expand_as(weights)] == 0).all()


@pytest.mark.parametrize("cross", [False, True])
def test_module_matches_nn_multihead_attention(cross):
    torch.manual_seed(0)
    ours = MultiHeadAttention(16, 4, context_dim=16)
    ref = _torch_twin(ours)
    x = _rand(2, 6, 16, seed=4)
    context = _rand(2, 7, 16, seed=5) if cross else x
    pad = torch.tensor([[1] * 7, [1] * 4 + [0] * 3])[:, : context.shape[1]]
    y, w = ours(x, None if not cross else context, mask=padding_mask(pad), need_weights=True)
    y_ref, w_ref = ref(x, context, context, key_padding_mask=~pad.bool(), average_attn_weights=False)
    assert (y - y_ref).abs().max() < TOL and (w - w_ref).abs().max() < TOL


def test_causal_self_attention_matches_attn_mask_and_fused_path():
    torch.manual_seed(1)
    ours = MultiHeadAttention(8, 2)
    ref = _torch_twin(ours)
    x = _rand(3, 5, 8, seed=6)
    y = ours(x, causal=True)
    y_ref, _ = ref(x, x, x, attn_mask=~causal_mask(5))  # torch: True = blocked
    assert (y - y_ref).abs().max() < TOL
    assert (ours(x, causal=True, fused=True) - y).abs().max() < TOL
    # a causal model's first output cannot depend on later tokens
    x2 = x.clone()
    x2[:, 3:] += 1
    assert torch.allclose(ours(x2, causal=True)[:, :3], y[:, :3], atol=TOL)


def test_bad_input():
    with pytest.raises(ValueError, match="divisible by the number of heads"):
        MultiHeadAttention(10, 3)
    with pytest.raises(ValueError, match="Shapes do not fit"):
        scaled_dot_product_attention(torch.ones(2, 3), torch.ones(2, 4), torch.ones(2, 4))
    with pytest.raises(ValueError, match="batch, length"):
        padding_mask(torch.ones(3))


def test_kv_cache_fills_one_buffer_in_place_and_crops():
    cache = KVCache(5)
    k, v = torch.randn(2, 3, 4, 8), torch.randn(2, 3, 4, 8)
    keys, values = cache.extend(k[:, :, :3], v[:, :, :3])
    pointer = keys.data_ptr()
    keys, values = cache.extend(k[:, :, 3:], v[:, :, 3:])
    assert torch.equal(keys, k) and torch.equal(values, v) and keys.data_ptr() == pointer  # no new memory
    cache.crop(2)
    assert cache.length == 2 and torch.equal(cache.k, k[:, :, :2])
    with pytest.raises(ValueError, match="holds 5 positions; 6 would not fit"):
        cache.extend(torch.randn(2, 3, 4, 8), torch.randn(2, 3, 4, 8))
    with pytest.raises(ValueError, match="Can crop"):
        cache.crop(3)
    with pytest.raises(ValueError, match="capacity"):
        KVCache(0)


def test_a_query_that_may_see_no_key_is_refused_instead_of_giving_nan():
    q = k = v = _rand(1, 3, 4)
    blocked = torch.ones(3, 3, dtype=torch.bool)
    blocked[1] = False  # query 1 may look nowhere: softmax of all -inf would be NaN
    with pytest.raises(ValueError, match="blocks every key for some query"):
        scaled_dot_product_attention(q, k, v, blocked)
    with pytest.raises(ValueError, match="does not fit attention scores of shape"):
        scaled_dot_product_attention(q, k, v, torch.ones(3, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match="mask must hold True/False"):
        scaled_dot_product_attention(q, k, v, torch.ones(3, 3))
    with pytest.raises(ValueError, match="all padding"):
        padding_mask(torch.tensor([[1, 1], [0, 0]]))
    with pytest.raises(ValueError, match="only 1 .* and 0"):
        padding_mask(torch.tensor([[1, 2]]))
    attention = MultiHeadAttention(4, 2)
    pad = padding_mask(torch.tensor([[1, 0, 0]]))  # with a causal mask, query 0 still sees key 0
    assert not torch.isnan(attention(_rand(1, 3, 4), mask=pad, causal=True)).any()
    with pytest.raises(ValueError, match="blocks every key"):
        attention(_rand(1, 3, 4), mask=padding_mask(torch.tensor([[0, 1, 1]])), causal=True)


NAN_QUERIES = torch.full((2, 3), float("nan"))


@pytest.mark.parametrize("call, message", [
    (lambda: scaled_dot_product_attention(_rand(2, 3), _rand(4, 3), _rand(5, 3)), "Shapes do not fit"),
    (lambda: scaled_dot_product_attention(_rand(2, 3), _rand(4, 2), _rand(4, 3)), "Shapes do not fit"),
    (lambda: scaled_dot_product_attention(_rand(2, 2, 3), _rand(3, 4, 3), _rand(3, 4, 3)), "Shapes do not fit"),
    (lambda: scaled_dot_product_attention(NAN_QUERIES, _rand(4, 3), _rand(4, 3)), "q contains NaN"),
    (lambda: MultiHeadAttention(8, 2)(_rand(2, 3, 6)), r"x must have shape \(any, any, 8\)"),
    (lambda: MultiHeadAttention(8, 2)(_rand(3, 8)), r"x must have shape \(any, any, 8\)"),
    (lambda: MultiHeadAttention(8, 2, context_dim=5)(_rand(1, 3, 8)), "give a context of width 5"),
    (lambda: MultiHeadAttention(8, 2)(_rand(1, 3, 8), _rand(2, 4, 8)), r"context must have shape \(1, any, 8\)"),
    (lambda: MultiHeadAttention(8, 0), "n_heads must be at least 1"),
    (lambda: causal_mask(4, keys=3), "keys must be at least 4"),
])  # fmt: skip
def test_shapes_that_do_not_fit(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_kv_cache_refuses_keys_that_do_not_fit():
    cache = KVCache(5)
    cache.extend(torch.randn(1, 2, 2, 4), torch.randn(1, 2, 2, 4))
    with pytest.raises(ValueError, match="head size"):
        cache.extend(torch.randn(1, 2, 1, 3), torch.randn(1, 2, 1, 3))
    with pytest.raises(ValueError, match=r"v must have shape \(1, 2, 1, 4\)"):
        cache.extend(torch.randn(1, 2, 1, 4), torch.randn(1, 2, 2, 4))
    with pytest.raises(ValueError, match="k must have 4 dimensions"):
        cache.extend(torch.randn(2, 1, 4), torch.randn(2, 1, 4))
    with pytest.raises(ValueError, match="k contains NaN"):
        cache.extend(torch.full((1, 2, 1, 4), float("nan")), torch.randn(1, 2, 1, 4))
    with pytest.raises(ValueError, match="Can crop to 0..2 positions"):
        cache.crop(1.5)
    assert cache.length == 2
