"""Learning from preferences (Chapter 13): the reward model, DPO's training, and the RL loop's KL term."""

import copy

import pytest
import torch

from utils.finetune import RESPONSE, encode_examples, respond, response_logprob
from utils.fruit_qa import fruit_preferences, fruit_questions
from utils.gpt import GPT, GPTConfig
from utils.preferences import (
    RewardModel,
    dpo_margins,
    encode_preferences,
    fit_dpo,
    fit_reward_model,
    pair_accuracy,
    reward_loss,
)
from utils.recipes import chapter_tokenizer
from utils.rlhf import fit_rlhf, reinforce_loss, sampled_kl, shaped_rewards
from utils.train import TrainConfig

TOKENIZER = chapter_tokenizer()


def small_gpt(seed: int = 0) -> GPT:
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return GPT(GPTConfig(TOKENIZER.vocab_size, block_size=160, n_layer=1, n_head=2, n_embd=32)).eval()


def pairs(n: int = 12, seed: int = 0):
    return encode_preferences(TOKENIZER, fruit_preferences(n, seed=seed), 160)


def test_both_halves_of_the_pairs_share_one_width_and_keep_their_texts():
    table = fruit_preferences(6, seed=3)
    c_ids, c_prompt, c_len, r_ids, r_prompt, r_len = encode_preferences(TOKENIZER, table, 160)
    assert c_ids.shape == r_ids.shape and torch.equal(c_prompt, r_prompt)
    for i, row in enumerate(table.itertuples()):
        assert TOKENIZER.decode(c_ids[i, : c_len[i]].tolist()) == row.prompt + row.chosen
        assert TOKENIZER.decode(r_ids[i, : r_len[i]].tolist()) == row.prompt + row.rejected


def test_the_reward_reads_the_last_token_and_ignores_padding():
    model = RewardModel(small_gpt())
    torch.nn.init.normal_(model.score.weight)  # a head that is not zero, so rewards differ
    texts = fruit_questions(4, seed=1)
    ids, _, lengths = encode_examples(TOKENIZER, texts, 160)
    batched = model(ids, lengths)
    for i, text in enumerate(texts):
        alone = torch.tensor([TOKENIZER.encode(text)])
        assert model(alone, torch.tensor([alone.shape[1]])).item() == pytest.approx(batched[i].item(), abs=1e-5)
    hidden = model.gpt.hidden(ids)[torch.arange(4), lengths - 1]
    assert torch.allclose(batched, model.score(hidden)[:, 0])


def test_a_fresh_reward_model_scores_zero_and_its_loss_is_log_2():
    model = RewardModel(small_gpt())
    data = pairs()
    assert reward_loss(model, data).item() == pytest.approx(torch.log(torch.tensor(2.0)).item())
    assert pair_accuracy(model, data) == 0.0  # ties are not wins


def test_a_trained_reward_model_prefers_the_described_answers_of_a_fixed_set():
    model = RewardModel(small_gpt())
    train, held_out = pairs(48, seed=0), pairs(24, seed=5)
    history = fit_reward_model(model, train, TrainConfig(steps=60, batch_size=16, lr=3e-3), progress=False)
    assert history["train_loss"].iloc[-1] < 0.3
    assert pair_accuracy(model, held_out) >= 0.9


def test_dpo_margins_start_at_zero_and_grow_with_training():
    policy, data = small_gpt(), pairs(24)
    reference = copy.deepcopy(policy).requires_grad_(False)
    assert torch.equal(dpo_margins(policy, reference, data), torch.zeros(24))
    fit_dpo(policy, reference, data, TrainConfig(steps=20, batch_size=8, lr=3e-3), beta=0.5, nll_weight=1.0,
            progress=False)  # fmt: skip
    assert dpo_margins(policy, reference, data).mean().item() > 0.5


def test_the_kl_penalty_vanishes_when_the_policy_is_the_reference():
    rewards = torch.tensor([1.0, -0.5, 2.0])
    logp = torch.tensor([-3.0, -1.0, -4.0])
    assert torch.equal(shaped_rewards(rewards, logp, logp, kl_coef=0.5), rewards)
    assert torch.allclose(shaped_rewards(rewards, logp, logp - 1, kl_coef=0.5), rewards - 0.5)
    model = small_gpt()
    prompts = [t.split(RESPONSE)[0] + RESPONSE for t in fruit_questions(6, seed=2)]
    kl, answers = sampled_kl(
        model, copy.deepcopy(model), TOKENIZER, prompts, generator=torch.Generator().manual_seed(0)
    )
    assert kl == 0.0 and len(answers) == 6


def test_reinforce_gradient_is_the_advantage_weighted_log_probability_gradient():
    logp = torch.tensor([-1.0, -2.0, -3.0, -4.0], requires_grad=True)
    shaped = torch.tensor([1.0, 0.0, 3.0, 0.0])
    reinforce_loss(logp, shaped).backward()
    advantage = shaped - shaped.mean()  # 0, -1, 2, -1
    assert torch.allclose(logp.grad, -advantage / 4)


def test_the_rl_loop_starts_with_zero_kl_and_records_reward_and_judge():
    policy = small_gpt()
    reference = copy.deepcopy(policy).requires_grad_(False)
    reward = RewardModel(small_gpt(1))
    prompts = [t.split(RESPONSE)[0] + RESPONSE for t in fruit_questions(8, seed=2)]
    history = fit_rlhf(policy, reference, reward, TOKENIZER, prompts, TrainConfig(steps=3, batch_size=4, lr=1e-3),
                       kl_coef=0.1, judge=lambda asked, answers: float(len(answers)), progress=False)  # fmt: skip
    assert list(history.columns) == ["step", "reward", "kl", "judge"]
    assert history["kl"].iloc[0] == pytest.approx(0.0, abs=1e-5) and (history["judge"] == 4.0).all()
    assert (history["reward"] == 0.0).all()  # a reward model whose head starts at zero


def test_batched_answers_equal_answers_one_at_a_time():
    model = small_gpt()
    prompts = [t.split(RESPONSE)[0] + RESPONSE for t in fruit_questions(5, seed=4)]
    together = respond(model, TOKENIZER, prompts, max_new_tokens=12)
    assert together == [respond(model, TOKENIZER, [p], max_new_tokens=12)[0] for p in prompts]
    assert all("\n" not in a and len(a) <= 12 for a in together)


def test_only_answers_that_ended_keep_a_newline_in_their_examples():
    from utils.finetune import complete_examples

    model = small_gpt()
    prompts = [t.split(RESPONSE)[0] + RESPONSE for t in fruit_questions(4, seed=4)]
    answers, texts = complete_examples(model, TOKENIZER, prompts, max_new_tokens=6)
    for prompt, answer, text in zip(prompts, answers, texts, strict=True):
        ended = len(TOKENIZER.encode(answer)) < 6  # a newline came before the limit
        assert text == prompt + answer + ("\n" if ended else "")


def test_response_logprob_of_a_batch_matches_each_row_alone():
    model = small_gpt()
    c_ids, c_prompt, c_len, *_ = pairs(4)
    together = response_logprob(model, c_ids, c_prompt, c_len)
    for i in range(4):
        alone = response_logprob(model, c_ids[i : i + 1, : c_len[i]], c_prompt[i : i + 1], c_len[i : i + 1])
        assert alone.item() == pytest.approx(together[i].item(), abs=1e-4)
