"""Chapter 13 on 2 threads: SFT, LoRA, a reward model, DPO and RLHF on the book GPT, and data-parallel SFT.

    python benchmarks/finetune.py --json out.json

Runs the chapter's steps with its settings (`utils.recipes`): full SFT of the shipped book
GPT on 3,000 fruit questions (the "gpt_fruit_sft" recipe), the same with LoRA adapters
(rank 4), a reward model on 1,000 preference pairs (describing the shape is preferred), DPO
(a short plain run, then the chapter's run with an NLL term on the chosen answers) and RLHF
(REINFORCE with a KL penalty, and without it) starting from the SFT model, and 5 steps of SFT on 2
processes (torchrun, gloo) against 1 process with the same global batch. Answers are measured
on 300 held-out questions: accuracy from greedy answers, the preferred property (describing
the shape) and the KL to the SFT model from one answer per question sampled at temperature 1.
Targets: sft_answer_accuracy >= 0.9 (base_answer_accuracy beside it); lora_trainable_fraction
<= 0.05 with lora_answer_accuracy within 0.05 of SFT; reward_pair_accuracy >= 0.9;
dpo_property_rate and rlhf_property_rate >= 0.8 (sft_property_rate beside them);
ddp_max_loss_diff <= 1e-5; chapter_train_seconds (every training run of the chapter) <= 150.
JSON keys: those, plus lora_merge_max_diff, lora/full checkpoint megabytes, each run's seconds,
dpo_kl, rlhf_kl, rlhf_kl0_property_rate, rlhf_kl0_accuracy, rlhf_kl0_kl, ddp_max_weight_diff, machine.
"""

from __future__ import annotations

import copy
import tempfile
import time
from pathlib import Path

from _common import limit_threads, machine, parser, report


def main() -> None:
    args = parser(__doc__).parse_args()
    limit_threads(2)
    import torch
    from safetensors.torch import save_file

    from utils import recipes as R
    from utils.device import seeded
    from utils.distributed import compare_runs, launch, save_run, train_data_parallel
    from utils.finetune import fit_sft, split_example
    from utils.fruit_qa import evaluate_answers
    from utils.lora import add_lora, merge_lora, trainable_fraction
    from utils.preferences import RewardModel, encode_preferences, fit_dpo, fit_reward_model, pair_accuracy
    from utils.pretrained import load_or_train
    from utils.rlhf import fit_rlhf

    tokenizer = R.chapter_tokenizer()
    base = load_or_train("gpt_chars", progress=False).model
    train_texts, test_texts = R.fruit_qa_texts()
    seconds, scores = {}, {}
    scores["base"] = evaluate_answers(base, tokenizer, test_texts)

    start = time.perf_counter()
    sft, _ = R.train_recipe("gpt_fruit_sft", progress=False)
    seconds["sft"] = time.perf_counter() - start
    scores["sft"] = evaluate_answers(sft, tokenizer, test_texts)

    with seeded(0):
        lora = add_lora(copy.deepcopy(base), rank=R.LORA_RANK, alpha=R.LORA_ALPHA)
    trainable, total = trainable_fraction(lora)
    start = time.perf_counter()
    fit_sft(lora, tokenizer, train_texts, R.LORA_SFT_SCHEDULE, progress=False)
    seconds["lora"] = time.perf_counter() - start
    scores["lora"] = evaluate_answers(lora, tokenizer, test_texts)
    ids = torch.tensor([tokenizer.encode(test_texts[0])])
    with torch.no_grad():  # in float64, where rounding does not hide whether the two compute the same function
        unmerged = copy.deepcopy(lora).double()(ids)[0]
        merged = merge_lora(copy.deepcopy(lora).double())(ids)[0]
    with tempfile.TemporaryDirectory() as folder:
        adapters = {k: v.contiguous() for k, v in lora.state_dict().items() if k.endswith((".A", ".B"))}
        save_file(adapters, Path(folder) / "adapters.safetensors")
        full = {k: v.contiguous() for k, v in sft.state_dict().items() if k != "head.weight"}
        save_file(full, Path(folder) / "full.safetensors")
        megabytes = {name: (Path(folder) / f"{name}.safetensors").stat().st_size / 1e6 for name in ("adapters", "full")}

    pairs_table, held_table = R.fruit_preference_pairs()
    pairs = encode_preferences(tokenizer, pairs_table, sft.config.block_size)
    held = encode_preferences(tokenizer, held_table, sft.config.block_size)
    with seeded(0):
        reward = RewardModel(sft)
    start = time.perf_counter()
    fit_reward_model(reward, pairs, R.REWARD_SCHEDULE, progress=False)
    seconds["reward"] = time.perf_counter() - start
    reward_accuracy = pair_accuracy(reward, held)

    reference = copy.deepcopy(sft).requires_grad_(False)
    plain = copy.deepcopy(sft)  # the chapter's short demonstration of plain DPO, timed with the rest
    start = time.perf_counter()
    fit_dpo(plain, reference, tuple(t[:320] for t in pairs), R.DPO_SCHEDULE.shortened(20), beta=R.DPO_BETA,
            progress=False)  # fmt: skip
    seconds["plain_dpo"] = time.perf_counter() - start
    dpo = copy.deepcopy(sft)
    start = time.perf_counter()
    fit_dpo(dpo, reference, pairs, R.DPO_SCHEDULE, beta=R.DPO_BETA, nll_weight=R.DPO_NLL_WEIGHT, progress=False)
    seconds["dpo"] = time.perf_counter() - start
    scores["dpo"] = evaluate_answers(dpo, tokenizer, test_texts, reference=reference)

    prompts = [split_example(t)[0] for t in train_texts]
    for name, kl_coef in (("rlhf", R.KL_COEF), ("rlhf_kl0", 0.0)):
        policy = copy.deepcopy(sft)
        start = time.perf_counter()
        fit_rlhf(policy, reference, reward, tokenizer, prompts, R.RLHF_SCHEDULE, kl_coef=kl_coef, progress=False)
        seconds[name] = time.perf_counter() - start
        scores[name] = evaluate_answers(policy, tokenizer, test_texts, reference=reference)
    scores["sft"]["kl"] = 0.0

    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        run = launch(Path(folder) / "two.json", processes=2, steps=5, model="book")
        if run.returncode != 0:
            raise SystemExit(f"torchrun failed:\n{run.stderr[-3000:]}")
        save_run(Path(folder) / "one.json", *train_data_parallel(steps=5, model="book"))
        seconds["ddp"] = time.perf_counter() - start
        ddp = compare_runs(Path(folder) / "two.json", Path(folder) / "one.json")

    results = {
        "base_answer_accuracy": scores["base"]["accuracy"], "sft_answer_accuracy": scores["sft"]["accuracy"],
        "lora_answer_accuracy": scores["lora"]["accuracy"], "lora_trainable_fraction": round(trainable / total, 4),
        "lora_merge_max_diff": float((merged - unmerged).abs().max()),
        "lora_adapter_megabytes": round(megabytes["adapters"], 3),
        "full_checkpoint_megabytes": round(megabytes["full"], 3),
        "reward_pair_accuracy": reward_accuracy,
        "sft_property_rate": scores["sft"]["shape"], "dpo_property_rate": scores["dpo"]["shape"],
        "rlhf_property_rate": scores["rlhf"]["shape"], "dpo_answer_accuracy": scores["dpo"]["accuracy"],
        "rlhf_answer_accuracy": scores["rlhf"]["accuracy"], "dpo_kl": round(scores["dpo"]["kl"], 3),
        "rlhf_kl": round(scores["rlhf"]["kl"], 3), "rlhf_kl0_property_rate": scores["rlhf_kl0"]["shape"],
        "rlhf_kl0_accuracy": scores["rlhf_kl0"]["accuracy"], "rlhf_kl0_kl": round(scores["rlhf_kl0"]["kl"], 3),
        "ddp_max_loss_diff": ddp["max_loss_diff"], "ddp_max_weight_diff": ddp["max_weight_diff"],
        **{f"{name}_seconds": round(value, 1) for name, value in seconds.items()},
        "chapter_train_seconds": round(sum(seconds.values()), 1),
    }  # fmt: skip
    rows = [("base GPT: answer accuracy", f"{results['base_answer_accuracy']:.1%}"),
            ("SFT: answer accuracy", f"{results['sft_answer_accuracy']:.1%} (target >= 90%)"),
            ("LoRA: trainable fraction", f"{results['lora_trainable_fraction']:.2%} (target <= 5%)"),
            ("LoRA: answer accuracy", f"{results['lora_answer_accuracy']:.1%} (target within 5 points of SFT)"),
            ("LoRA: merged vs unmerged (float64)", f"{results['lora_merge_max_diff']:.1e}"),
            ("checkpoint MB: adapters / full", f"{megabytes['adapters']:.3f} / {megabytes['full']:.3f}"),
            ("reward model: held-out pair accuracy", f"{reward_accuracy:.1%} (target >= 90%)")]  # fmt: skip
    for name in ("sft", "dpo", "rlhf", "rlhf_kl0"):
        s = scores[name]
        rows.append((f"{name}: describes shape / right / accuracy / KL",
                     f"{s['shape']:.1%} / {s['shape_right']:.1%} / {s['accuracy']:.1%} / {s['kl']:.2f} nats"
                     + (" (target >= 80%)" if name in ("dpo", "rlhf") else "")))  # fmt: skip
    rows += [("DDP vs 1 process: max loss diff", f"{ddp['max_loss_diff']:.1e} (target <= 1e-5)"),
             ("DDP vs 1 process: max weight diff", f"{ddp['max_weight_diff']:.1e}"),
             ("seconds: " + " / ".join(seconds), " / ".join(f"{v:.1f}" for v in seconds.values())),
             ("chapter training seconds", f"{results['chapter_train_seconds']} (target <= 150)")]  # fmt: skip
    results["machine"] = {**machine(), "threads": 2}
    report(rows, results, args.json)


if __name__ == "__main__":
    main()
