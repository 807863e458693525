"""Bad inputs to the fine-tuning code of Chapter 13 (utils.lora, utils.finetune; see tests/bad_inputs.py):
rank < 1, alpha <= 0, beta <= 0, empty example sets, pairs of unequal length, prompts without the marker."""

from __future__ import annotations

import torch
from bad_inputs import Case, run_cases

from utils.finetune import (
    RESPONSE,
    dpo_loss,
    encode_examples,
    response_logprob,
    response_targets,
    sft_loss,
    split_example,
)
from utils.fruit_qa import answer, answered_kind, fruit_questions, mentions_shape, question, shape_words
from utils.gpt import GPT, GPTConfig
from utils.lora import LoRALinear, add_lora, merge_lora, trainable_fraction
from utils.tokenizers import CharTokenizer

TOKENIZER = CharTokenizer("\n :?ABQabcdefghijklmnopqrstuvwxyz.")
TEXTS = ["Q: what is red?" + RESPONSE + "an apple.", "Q: what is long?" + RESPONSE + "a banana."]


def gpt() -> GPT:
    with torch.random.fork_rng():
        torch.manual_seed(0)
        return GPT(GPTConfig.tiny(TOKENIZER.vocab_size)).eval()


def batch() -> dict:
    ids, prompts, lengths = encode_examples(TOKENIZER, TEXTS, block_size=32)
    return dict(ids=ids, prompt_lengths=prompts, lengths=lengths)


def layer() -> LoRALinear:
    with torch.random.fork_rng():
        torch.manual_seed(0)
        return LoRALinear(torch.nn.Linear(4, 3), rank=2, alpha=4.0)


BAD_BATCH = {"prompt_lengths": [torch.tensor([0, 5]), torch.tensor([40, 5])], "lengths": [torch.tensor([99, 30])]}

CASES = [
    Case(
        LoRALinear,
        lambda: dict(base=torch.nn.Linear(4, 3), rank=2, alpha=4.0),
        extra={"base": [torch.nn.ReLU(), None], "rank": [4]},
    ),  # fmt: skip
    Case(
        LoRALinear.forward,
        lambda: dict(x=torch.randn(5, 4)),
        call=lambda x: layer()(x),
        extra={"x": [torch.randn(5, 3)]},
    ),
    Case(LoRALinear.merged, lambda: dict(), call=lambda: layer().merged()),
    Case(
        add_lora,
        lambda: dict(model=gpt(), rank=2, alpha=4.0, targets=("query", "value")),
        extra={"targets": [("nothing",)], "model": [None]},
    ),  # fmt: skip
    Case(merge_lora, lambda: dict(model=add_lora(gpt())), extra={"model": [torch.nn.Linear(2, 2), None]}),
    Case(trainable_fraction, lambda: dict(model=gpt()), extra={"model": [None, "a model"]}),
    Case(split_example, lambda: dict(text=TEXTS[0]), extra={"text": ["Q: no marker", "Q: empty" + RESPONSE, None]}),
    Case(
        encode_examples,
        lambda: dict(tokenizer=TOKENIZER, texts=list(TEXTS), block_size=32),
        fixed=("tokenizer",),
        extra={"texts": [["Q: no marker here"]], "block_size": [5]},
    ),
    Case(response_targets, batch, extra=BAD_BATCH),
    Case(sft_loss, lambda: dict(model=gpt(), **batch()), fixed=("model",), extra=BAD_BATCH),
    Case(response_logprob, lambda: dict(model=gpt(), **batch()), fixed=("model",), extra=BAD_BATCH),
    Case(
        dpo_loss,
        lambda: dict(
            policy_chosen=torch.tensor([-3.0, -2.0]),
            policy_rejected=torch.tensor([-6.0, -4.0]),
            reference_chosen=torch.tensor([-5.0, -2.5]),
            reference_rejected=torch.tensor([-5.0, -3.0]),
            beta=0.5,
        ),
        extra={"beta": [0.0, -1.0], "policy_chosen": [torch.tensor([-3.0])]},
    ),  # fmt: skip
]


def fruit_row():
    import pandas as pd

    return pd.Series({"width": 0.2, "elongation": 3.5, "curvature": 1.5, "hue": 53.0})


CASES += [
    Case(question, lambda: dict(row=fruit_row()), extra={"row": [None, {"width": 0.2}]}),
    Case(shape_words, lambda: dict(row=fruit_row()), extra={"row": [None, {"width": 0.2}]}),
    Case(
        answer,
        lambda: dict(kind="banana", row=fruit_row(), style="descriptive"),
        fixed=("row",),
        extra={"style": ["mixed"], "kind": ["pear"]},
    ),  # fmt: skip
    Case(fruit_questions, lambda: dict(n=6, seed=0, style="mixed")),
    Case(answered_kind, lambda: dict(response="It is a banana."), extra={"response": [None, 3]}),
    Case(mentions_shape, lambda: dict(response="It is a banana, long."), extra={"response": [None, 3]}),
]

EXEMPT: dict[str, str] = {}

test_bad_inputs = run_cases(CASES)
