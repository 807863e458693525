"""Questions and answers about the fruit world: the instruction data of Chapter 13.

Each example is a text "Q: <question>\\nA: <answer>\\n" made from one fruit's attributes
(`utils.fruits`), so every answer can be checked. The question gives the fruit's
measurements (width, length as a multiple of the width, bend and hue) and asks which fruit it
is. Answers come in two styles: plain ("It is a banana.") and descriptive ("It is a banana,
long and curved."). The descriptive style is the property the preference methods of the
chapter reward, and `mentions_shape` detects it. `fruit_preferences` makes the preference pairs
and `score_responses` measures a model's answers.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import torch

from .checks import check_attributes, check_choice, check_count, check_number
from .finetune import RESPONSE, encode_examples, respond, response_logprob, split_example
from .fruits import KINDS, sample_attributes
from .sampling import Strategy

STYLES = ("plain", "descriptive")
_ARTICLE = {"apple": "an", "banana": "a", "orange": "an"}
_NEEDED = ("width", "elongation", "curvature", "hue")
_ANSWER = re.compile(r"It is (?:a|an) (apple|banana|orange)\b")
_QUESTION = re.compile(
    r"Q: A fruit is ([-\d.]+) wide, ([-\d.]+) times as long as wide, bent ([-\d.]+), with hue ([-\d.]+)\."
)


def _check_row(row: pd.Series) -> pd.Series:
    """`row` if it is one fruit's attributes (a pandas Series or dict) with the four this module reads, finite."""
    return check_attributes(row, _NEEDED)


def question(row: pd.Series) -> str:
    """The prompt for one fruit, ending with the response marker."""
    row = _check_row(row)
    hue = float(row["hue"]) % 360
    return (f"Q: A fruit is {row['width']:.2f} wide, {row['elongation']:.1f} times as long as wide, bent "
            f"{row['curvature']:.1f}, with hue {hue:.0f}. Which fruit is it?{RESPONSE}")  # fmt: skip


def shape_words(row: pd.Series) -> str:
    """The fruit's shape in words: "long and curved", "long", or "round"."""
    row = _check_row(row)
    if row["elongation"] < 1.5:
        return "round"
    return "long and curved" if row["curvature"] > 0.5 else "long"


def answer(kind: str, row: pd.Series, style: str) -> str:
    """The response for a fruit of `kind`: "It is an apple." or, descriptive, "It is an apple, round." (+ newline)."""
    check_choice(kind, "kind", KINDS)
    check_choice(style, "style", STYLES)
    detail = f", {shape_words(row)}" if style == "descriptive" else ""
    return f"It is {_ARTICLE[kind]} {kind}{detail}.\n"


def fruit_questions(n: int, *, seed: int = 0, descriptive: float = 0.25) -> list[str]:
    """n example texts, a third of each kind in random order, a fraction `descriptive` of them answered in the
    descriptive style (rounded to whole examples) and the rest plainly."""
    check_count(n, "n")
    check_count(seed, "seed", minimum=0)
    check_number(descriptive, "descriptive (a fraction)", low=0, high=1)
    rng = np.random.default_rng(seed)
    kinds = rng.permutation(np.arange(n) % len(KINDS))
    rows = {k: sample_attributes(kind, n, rng) for k, kind in enumerate(KINDS)}
    described = rng.permutation(np.arange(n) < round(descriptive * n))
    texts = []
    for i, k in enumerate(kinds):
        row = rows[k].iloc[i]
        texts.append(question(row) + answer(KINDS[k], row, "descriptive" if described[i] else "plain"))
    return texts


def answered_kind(response: str) -> str | None:
    """The fruit a response names in the form "It is a(n) <kind>", or None if it does not answer that way."""
    if not isinstance(response, str):
        raise TypeError(f"response must be a string, got {type(response).__name__}.")
    found = _ANSWER.match(response.strip())
    return found.group(1) if found else None


def mentions_shape(response: str) -> bool:
    """Whether a response describes the shape ("round", "long"): the preferred property of Chapter 13."""
    if not isinstance(response, str):
        raise TypeError(f"response must be a string, got {type(response).__name__}.")
    return bool(re.search(r"\b(round|long)\b", response))


def prompt_attributes(prompt: str) -> pd.Series:
    """The four measurements a question states (width, elongation, curvature, hue), read back from its text."""
    if not isinstance(prompt, str):
        raise TypeError(f"prompt must be a string, got {type(prompt).__name__}.")
    found = _QUESTION.match(prompt)
    if not found:
        raise ValueError(f"This is not one of the fruit questions (see utils.fruit_qa.question): {prompt[:60]!r}.")
    return pd.Series(dict(zip(_NEEDED, map(float, found.groups()), strict=True)))


def fruit_preferences(n: int, *, seed: int = 0) -> pd.DataFrame:
    """n preference pairs (prompt, chosen, rejected), a third of each kind of fruit: the same right answer,
    describing the shape (chosen) or plain (rejected)."""
    rows = []
    for text in fruit_questions(n, seed=seed, descriptive=0.0):
        prompt, response = text.split(RESPONSE)
        prompt += RESPONSE
        chosen = answer(answered_kind(response), prompt_attributes(prompt), "descriptive")
        rows.append((prompt, chosen, response))
    return pd.DataFrame(rows, columns=["prompt", "chosen", "rejected"])


def score_responses(texts: list[str], responses: list[str]) -> dict[str, float]:
    """How a model answered the prompts of example `texts` (whose answers are the truth), as fractions:
    format (it says "It is a(n) <fruit>"), accuracy (the right fruit), shape (it describes the shape) and
    shape_right (it describes the shape the measurements give)."""
    if not isinstance(texts, list) or not isinstance(responses, list) or not texts or len(texts) != len(responses):
        raise ValueError("Give two lists of equal, non-zero length: the example texts and one response to each.")
    scores = {"format": 0, "accuracy": 0, "shape": 0, "shape_right": 0}
    for text, response in zip(texts, responses, strict=True):
        prompt, truth = split_example(text)
        kind = answered_kind(response)
        scores["format"] += kind is not None
        scores["accuracy"] += kind is not None and kind == answered_kind(truth)
        scores["shape"] += mentions_shape(response)
        words = shape_words(prompt_attributes(prompt))
        scores["shape_right"] += bool(re.search(rf", {words}\.?$", response.strip()))
    return {name: count / len(texts) for name, count in scores.items()}


def evaluate_answers(
    model: torch.nn.Module, tokenizer, texts: list[str], *, reference: torch.nn.Module | None = None, seed: int = 0
) -> dict[str, float]:
    """A model's answers to the prompts of `texts`, measured as in Chapter 13.

    format and accuracy come from its most likely (greedy) answers: what it says when asked.
    shape and shape_right come from one answer per prompt sampled at temperature 1, which shows
    how often it chooses to describe; with a `reference` model, kl is KL(model || reference) in
    nats per answer, estimated on those samples.
    """
    from .rlhf import sampled_kl  # rlhf builds on this module's neighbours; imported when needed

    check_count(seed, "seed", minimum=0)
    prompts = [split_example(t)[0] for t in texts]
    greedy = score_responses(texts, respond(model, tokenizer, prompts))
    generator = torch.Generator().manual_seed(seed)
    if reference is None:
        kl, sampled = math.nan, respond(model, tokenizer, prompts, strategy=Strategy(), generator=generator)
    else:
        kl, sampled = sampled_kl(model, reference, tokenizer, prompts, generator=generator)
    drawn = score_responses(texts, sampled)
    return {"format": greedy["format"], "accuracy": greedy["accuracy"], "shape": drawn["shape"],
            "shape_right": drawn["shape_right"], "kl": kl}  # fmt: skip


@torch.no_grad()
def kind_probabilities(model: torch.nn.Module, tokenizer, prompts: list[str], batch_size: int = 128) -> torch.Tensor:
    """How sure the model is of each kind: p("It is a(n) <kind>" | prompt) for the three kinds, renormalised to sum
    to 1 over them: (len(prompts), 3), columns in the order of `utils.fruits.KINDS`. Chapter 15 reads the largest
    as the model's confidence in its answer."""
    if not isinstance(prompts, list) or not prompts:
        raise ValueError("prompts must be a non-empty list of questions ending with the response marker.")
    if any(not isinstance(p, str) or not p.endswith(RESPONSE) for p in prompts):
        raise ValueError(f"Each prompt must be a question ending with the response marker {RESPONSE!r}.")
    check_count(batch_size, "batch_size")
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    columns = []
    for kind in KINDS:
        texts = [f"{p}It is {_ARTICLE[kind]} {kind}" for p in prompts]
        scores = []
        for i in range(0, len(texts), batch_size):
            batch = encode_examples(tokenizer, texts[i : i + batch_size], model.config.block_size)
            scores.append(response_logprob(model, *(t.to(device) for t in batch)).cpu())
        columns.append(torch.cat(scores))
    model.train(was_training)
    return torch.softmax(torch.stack(columns, dim=1), dim=1)
