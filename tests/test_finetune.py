"""Fine-tuning losses (Chapter 13): SFT learns from the response only; DPO against a hand computation."""

import math

import pytest
import torch
import torch.nn.functional as F

from utils.finetune import IGNORE, RESPONSE, dpo_loss, encode_examples, response_logprob, response_targets, sft_loss
from utils.gpt import GPT, GPTConfig
from utils.tokenizers import CharTokenizer

TOKENIZER = CharTokenizer("\n :?ABQabcdefghijklmnopqrstuvwxyz.")
TEXTS = ["Q: what is red?" + RESPONSE + "an apple.", "Q: what is long?" + RESPONSE + "a banana."]


def _gpt() -> GPT:
    with torch.random.fork_rng():
        torch.manual_seed(0)
        return GPT(GPTConfig.tiny(TOKENIZER.vocab_size)).eval()


class _Logits(torch.nn.Module):
    """A stand-in language model whose logits are one trainable tensor, to see which positions get a gradient."""

    def __init__(self, batch: int, width: int, vocab: int):
        super().__init__()
        self.logits = torch.nn.Parameter(torch.randn(batch, width, vocab, generator=torch.Generator().manual_seed(0)))

    def forward(self, ids):
        return self.logits[:, : ids.shape[1]], None


def test_encoding_marks_where_each_response_starts_and_ends():
    ids, prompts, lengths = encode_examples(TOKENIZER, TEXTS, block_size=32)
    for row, text, p, n in zip(ids, TEXTS, prompts, lengths, strict=True):
        assert TOKENIZER.decode(row[:n].tolist()) == text
        assert TOKENIZER.decode(row[p:n].tolist()) == text.split(RESPONSE)[1]
        assert bool((row[n:] == 0).all())


def test_sft_loss_gives_no_gradient_to_prompt_or_padding_positions():
    ids, prompts, lengths = encode_examples(TOKENIZER, TEXTS, block_size=32)
    model = _Logits(len(ids), ids.shape[1] - 1, TOKENIZER.vocab_size)
    sft_loss(model, ids, prompts, lengths).backward()
    moved = model.logits.grad.abs().sum(-1) > 0  # (B, T - 1): which positions' predictions get a gradient
    for i in range(len(ids)):
        predicts = torch.arange(1, ids.shape[1])  # position j of the logits predicts token j + 1
        expected = (predicts >= prompts[i]) & (predicts < lengths[i])
        assert torch.equal(moved[i], expected)


def test_sft_loss_is_the_cross_entropy_of_the_response_tokens():
    model = _gpt()
    ids, prompts, lengths = encode_examples(TOKENIZER, TEXTS, block_size=32)
    logits, _ = model(ids[:, :-1])
    terms = [F.cross_entropy(logits[i, j - 1], ids[i, j], reduction="sum")
             for i in range(len(ids)) for j in range(int(prompts[i]), int(lengths[i]))]  # fmt: skip
    assert sft_loss(model, ids, prompts, lengths).item() == pytest.approx(torch.stack(terms).mean().item(), rel=1e-5)
    targets = response_targets(ids, prompts, lengths)
    assert int((targets != IGNORE).sum()) == len(terms)


def test_response_logprob_sums_the_response_tokens_log_probabilities():
    model = _gpt()
    ids, prompts, lengths = encode_examples(TOKENIZER, TEXTS, block_size=32)
    with torch.no_grad():
        logp = torch.log_softmax(model(ids[:, :-1])[0], -1)
        values = response_logprob(model, ids, prompts, lengths)
    for i, value in enumerate(values):
        expected = sum(logp[i, j - 1, ids[i, j]] for j in range(int(prompts[i]), int(lengths[i])))
        assert value.item() == pytest.approx(float(expected), rel=1e-5)


def test_dpo_loss_by_hand_and_log_2_when_the_policy_is_the_reference():
    # one pair: the policy raised the chosen response by 2 nats and lowered the rejected one by 1 (beta = 0.5)
    loss, margin = dpo_loss(torch.tensor([-3.0]), torch.tensor([-6.0]), torch.tensor([-5.0]), torch.tensor([-5.0]),
                            beta=0.5)  # fmt: skip
    assert margin.item() == pytest.approx(0.5 * (2 - (-1)))
    assert loss.item() == pytest.approx(math.log(1 + math.exp(-1.5)))
    same = torch.tensor([-4.0, -9.0, -2.5])
    loss, margin = dpo_loss(same, same - 1, same, same - 1, beta=0.1)
    assert loss.item() == pytest.approx(math.log(2)) and bool((margin == 0).all())


def test_examples_without_a_marker_or_too_long_are_refused():
    with pytest.raises(ValueError, match="response marker"):
        encode_examples(TOKENIZER, ["Q: what is red? an apple."], block_size=32)
    with pytest.raises(ValueError, match="more than the model's context"):
        encode_examples(TOKENIZER, TEXTS, block_size=10)
    with pytest.raises(ValueError, match="one per pair"):
        dpo_loss(torch.zeros(2), torch.zeros(3), torch.zeros(2), torch.zeros(2))
