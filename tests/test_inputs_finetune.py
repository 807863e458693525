"""Bad inputs to the fine-tuning code of Chapter 13 (utils.lora, finetune, fruit_qa, preferences, rlhf,
distributed; see tests/bad_inputs.py): rank < 1, alpha <= 0, beta <= 0, empty example and preference sets,
pairs of unequal length, prompts without the response marker, a negative KL weight."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import torch
from bad_inputs import Case, run_cases

from utils.distributed import compare_runs, launch, load_run, save_run, train_data_parallel
from utils.finetune import (
    RESPONSE,
    complete_examples,
    dpo_loss,
    encode_examples,
    fit_sft,
    respond,
    response_logprob,
    response_targets,
    sft_loss,
    sft_objective,
    split_example,
)
from utils.fruit_qa import (
    answer,
    answered_kind,
    evaluate_answers,
    fruit_preferences,
    fruit_questions,
    mentions_shape,
    prompt_attributes,
    question,
    score_responses,
    shape_words,
)
from utils.gpt import GPT, GPTConfig
from utils.lora import LoRALinear, add_lora, merge_lora, trainable_fraction
from utils.preferences import (
    RewardModel,
    dpo_margins,
    encode_pairs,
    encode_preferences,
    fit_dpo,
    fit_reward_model,
    pair_accuracy,
    response_logprobs,
    reward_loss,
)
from utils.recipes import chapter_tokenizer
from utils.rlhf import fit_rlhf, reinforce_loss, sampled_kl, shaped_rewards
from utils.tokenizers import CharTokenizer
from utils.train import TrainConfig

TOKENIZER = CharTokenizer("\n :?ABQabcdefghijklmnopqrstuvwxyz.")
CHARS = chapter_tokenizer()
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
    Case(fruit_questions, lambda: dict(n=6, seed=0, descriptive=0.5)),
    Case(answered_kind, lambda: dict(response="It is a banana."), extra={"response": [None, 3]}),
    Case(mentions_shape, lambda: dict(response="It is a banana, long."), extra={"response": [None, 3]}),
]

SMALL = GPTConfig(CHARS.vocab_size, block_size=160, n_layer=1, n_head=2, n_embd=16)
STEP = TrainConfig(steps=1, batch_size=2, lr=1e-3)


def small() -> GPT:
    with torch.random.fork_rng():
        torch.manual_seed(0)
        return GPT(SMALL).eval()


def texts(n: int = 3) -> list[str]:
    return fruit_questions(n, seed=0, descriptive=0.5)


def prompts(n: int = 3) -> list[str]:
    return [split_example(t)[0] for t in texts(n)]


def pairs(n: int = 4) -> tuple:
    return encode_preferences(CHARS, fruit_preferences(n, seed=0), 160)


def reward_model() -> RewardModel:
    return RewardModel(small())


def reference() -> GPT:
    return small().requires_grad_(False)


UNEQUAL = [pairs(4)[:3] + pairs(3)[3:], pairs(4)[:5], "pairs"]
NO_MARKER = ["Q: a fruit without a marker"]

CASES += [
    Case(GPT.hidden, lambda: dict(idx=torch.tensor([[1, 2, 3]])), call=lambda idx: small().hidden(idx)),
    Case(
        respond,
        lambda: dict(model=small(), tokenizer=CHARS, prompts=prompts(2), max_new_tokens=4),
        fixed=("model", "tokenizer"),
        extra={"prompts": [NO_MARKER, [], [3]], "strategy": ["greedy"]},
        examples=8,
    ),
    Case(
        complete_examples,
        lambda: dict(model=small(), tokenizer=CHARS, prompts=prompts(2), max_new_tokens=4),
        fixed=("model", "tokenizer"),
        extra={"prompts": [NO_MARKER, []]},
        examples=6,
    ),
    Case(
        sft_objective,
        lambda: dict(model=small(), batch=encode_examples(CHARS, texts(2), 160)),
        fixed=("model",),
        extra={"batch": [torch.zeros(2, 3, dtype=torch.long), (torch.zeros(2, 3, dtype=torch.long),)]},
    ),
    Case(
        fit_sft,
        lambda: dict(model=small(), tokenizer=CHARS, texts=texts(2), config=STEP, progress=False),
        fixed=("model", "tokenizer"),
        extra={"texts": [NO_MARKER, []], "config": [None]},
        nan_ok=True,  # the history's val_loss is NaN without validation data
        examples=6,
    ),
    Case(prompt_attributes, lambda: dict(prompt=prompts(1)[0]), extra={"prompt": ["Q: what is it?", None]}),
    Case(fruit_preferences, lambda: dict(n=4, seed=0)),
    Case(
        score_responses,
        lambda: dict(texts=texts(2), responses=["It is an apple.", "It is a banana, long."]),
        extra={"responses": [["It is an apple."], None], "texts": [NO_MARKER * 2, []]},
    ),
    Case(
        evaluate_answers,
        lambda: dict(model=small(), tokenizer=CHARS, texts=texts(2), reference=reference(), seed=0),
        fixed=("model", "tokenizer", "reference"),
        extra={"texts": [NO_MARKER, []]},
        nan_ok=True,
        examples=6,
    ),
    Case(RewardModel, lambda: dict(gpt=small()), extra={"gpt": [torch.nn.Linear(2, 2), None]}),
    Case(
        RewardModel.forward,
        lambda: dict(ids=pairs(2)[0], lengths=pairs(2)[2]),
        call=lambda ids, lengths: reward_model()(ids, lengths),
        extra={"lengths": [torch.tensor([0, 5]), torch.tensor([300, 5]), torch.tensor([1.5, 2.0])]},
    ),
    Case(
        encode_pairs,
        lambda: dict(
            tokenizer=CHARS,
            prompts=prompts(2),
            chosen=["It is a, round.\n"] * 2,
            rejected=["It is a.\n"] * 2,
            block_size=160,
        ),
        fixed=("tokenizer",),
        extra={"chosen": [["It is a, round.\n"]], "rejected": [[]], "prompts": [NO_MARKER * 2]},
    ),  # fmt: skip
    Case(
        encode_preferences,
        lambda: dict(tokenizer=CHARS, pairs=fruit_preferences(2, seed=0), block_size=160),
        fixed=("tokenizer",),
        extra={"pairs": [fruit_preferences(2, seed=0).drop(columns="chosen"), fruit_preferences(2).iloc[:0], None]},
    ),
    Case(reward_loss, lambda: dict(model=reward_model(), pairs=pairs()), fixed=("model",), extra={"pairs": UNEQUAL}),
    Case(
        pair_accuracy,
        lambda: dict(model=reward_model(), pairs=pairs(), batch_size=2),
        fixed=("model",),
        extra={"pairs": UNEQUAL},
    ),  # fmt: skip
    Case(
        fit_reward_model,
        lambda: dict(model=reward_model(), pairs=pairs(), config=STEP, progress=False),
        fixed=("model",),
        extra={"pairs": UNEQUAL, "config": [None]},
        nan_ok=True,  # the history's val_loss is NaN without validation data
        examples=6,
    ),
    Case(
        response_logprobs,
        lambda: dict(
            model=small(), **dict(zip(("ids", "prompt_lengths", "lengths"), pairs()[:3], strict=True)), batch_size=2
        ),
        fixed=("model",),
        extra=BAD_BATCH,
    ),
    Case(
        fit_dpo,
        lambda: dict(
            policy=small(), reference=reference(), pairs=pairs(), config=STEP, beta=0.5, nll_weight=1.0, progress=False
        ),
        fixed=("policy", "reference"),
        extra={"pairs": UNEQUAL, "beta": [0.0, -0.1], "nll_weight": [-1.0]},
        nan_ok=True,  # the history's val_loss is NaN without validation data
        examples=8,
    ),  # fmt: skip
    Case(
        dpo_margins,
        lambda: dict(policy=small(), reference=reference(), pairs=pairs(), beta=0.5),
        fixed=("policy", "reference"),
        extra={"pairs": UNEQUAL, "beta": [0.0]},
    ),  # fmt: skip
    Case(
        shaped_rewards,
        lambda: dict(
            rewards=torch.tensor([1.0, 2.0]),
            policy_logp=torch.tensor([-3.0, -2.0]),
            reference_logp=torch.tensor([-2.0, -2.5]),
            kl_coef=0.1,
        ),
        extra={"kl_coef": [-0.1], "rewards": [torch.tensor([1.0, 2.0, 3.0])]},
    ),  # fmt: skip
    Case(
        reinforce_loss,
        lambda: dict(policy_logp=torch.tensor([-3.0, -2.0]), shaped=torch.tensor([1.0, 0.0])),
        extra={"shaped": [torch.tensor([1.0])]},
    ),
    Case(
        fit_rlhf,
        lambda: dict(
            policy=small(),
            reference=reference(),
            reward_model=reward_model(),
            tokenizer=CHARS,
            prompts=prompts(2),
            config=STEP,
            kl_coef=0.1,
            progress=False,
        ),
        fixed=("policy", "reference", "tokenizer"),
        extra={
            "prompts": [NO_MARKER, []],
            "kl_coef": [-1.0],
            "reward_model": [small()],
            "config": [TrainConfig(steps=1, batch_size=1)],
        },
        examples=6,
    ),  # fmt: skip
    Case(
        sampled_kl,
        lambda: dict(policy=small(), reference=reference(), tokenizer=CHARS, prompts=prompts(2)),
        fixed=("policy", "reference", "tokenizer"),
        extra={"prompts": [NO_MARKER, []]},
        examples=6,
    ),
    Case(
        train_data_parallel,
        lambda: dict(steps=1, batch_size=2, lr=1e-3, model="tiny", dtype="float64"),
        extra={"model": ["huge"], "dtype": ["int8"], "lr": [0.0]},
        examples=6,
    ),
    Case(
        save_run,
        lambda: dict(path=saved_dir() / "run.json", losses=[1.0, 0.5], weights={"w": torch.ones(2)}, seconds=1.0),
        extra={"losses": [[], [float("nan")], None], "weights": [{}, None], "seconds": [-1.0]},
    ),
    Case(load_run, lambda: dict(path=saved_run()), extra={"path": ["no_such_run.json", None]}),
    Case(compare_runs, lambda: dict(a=saved_run(), b=saved_run()), extra={"a": ["no_such_run.json"]}),
    Case(
        launch,
        lambda: dict(out="x.json", processes=2),
        call=lambda out, processes: _check_launch(processes),
        extra={"processes": [0, -1, 1.5]},
    ),  # fmt: skip
]


def saved_dir() -> Path:
    folder = Path(tempfile.gettempdir()) / "genai_bad_inputs_runs"
    folder.mkdir(exist_ok=True)
    return folder


def saved_run() -> Path:
    path = saved_dir() / "saved.json"
    save_run(path, [1.0, 0.5], {"w": torch.ones(2)}, 1.0)
    return path


def _check_launch(processes):
    """launch checks its process count before starting anything; start nothing here (a real launch is tested in
    tests/test_distributed.py)."""
    try:
        launch("x.json", processes=processes, timeout=0.001)
    except subprocess.TimeoutExpired:
        return None


EXEMPT = {
    "utils.distributed.main": "the command line that torchrun starts; argparse checks its arguments",
    "utils.recipes.fruit_qa_texts": "takes no arguments: Chapter 13's fixed question sets",
    "utils.recipes.fruit_preference_pairs": "takes no arguments: Chapter 13's fixed preference pairs",
}

test_bad_inputs = run_cases(CASES)
