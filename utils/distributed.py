"""Data-parallel fine-tuning with PyTorch's DistributedDataParallel (DDP), for Chapter 13.

Run as a script, once per process, by torchrun:

    torchrun --standalone --nproc_per_node=2 -m utils.distributed --steps 5 --out run.json

Every process holds a full copy of the model and takes its share of each global batch. After
the backward pass DDP averages the gradients of all processes (an all-reduce), so every copy
takes the same optimiser step and the copies stay identical. Without torchrun (one process)
the same function trains on the whole batch, and the two runs can be compared
(`compare_runs`): same losses, same weights, up to rounding.

One subtlety: the SFT loss is a mean over response tokens, and the processes' shares hold
different numbers of them. Averaging per-process means is not the mean of the whole batch, so
each process divides its sum by the whole batch's token count (and multiplies by the number of
processes, which DDP's averaging divides out again).

On several machines, torchrun gets `--nnodes`, `--node-rank` and a rendezvous address
(`--rdzv-endpoint host:port`) instead of `--standalone`; on GPUs the backend is "nccl"
instead of "gloo", and each process takes the GPU numbered by its LOCAL_RANK.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import torch
import torch.distributed as dist
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

from .checks import check_choice, check_count, check_number
from .device import seeded
from .finetune import IGNORE, encode_examples, response_targets
from .fruit_qa import fruit_questions
from .gpt import GPT, GPTConfig
from .recipes import chapter_tokenizer
from .train import TrainConfig, make_optimizer, set_lr


def _model(kind: str) -> GPT:
    """The model both runs start from: the shipped book GPT, or a tiny random GPT (for the tests)."""
    if kind == "book":
        from .pretrained import load_or_train

        return load_or_train("gpt_chars", progress=False).model
    with seeded(0):
        return GPT(GPTConfig(chapter_tokenizer().vocab_size, block_size=160, n_layer=2, n_head=2, n_embd=32))


def _response_loss_sum(model: torch.nn.Module, batch: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, int]:
    """(sum of the response tokens' cross-entropy, their number) for one batch."""
    targets = response_targets(*batch)
    logits, _ = model(batch[0][:, :-1])
    total = F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=IGNORE, reduction="sum")
    return total, int((targets != IGNORE).sum())


def train_data_parallel(
    *, steps: int = 5, batch_size: int = 16, lr: float = 3e-4, model: str = "tiny", dtype: str = "float32"
) -> tuple[list[float], dict[str, torch.Tensor], float]:
    """SFT for `steps` steps of `batch_size` examples, on this process alone or as one of torchrun's processes.

    Returns (the loss of the whole batch at each step, the final weights, seconds). Under torchrun
    every process returns the same; each computes only its share of every batch.
    """
    check_count(steps, "steps")
    check_choice(model, "model", ("tiny", "book"))
    check_choice(dtype, "dtype", ("float32", "float64"))
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    check_count(batch_size, "batch_size", minimum=world)
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("gloo")  # "nccl" on GPUs
    net = _model(model).to(getattr(torch, dtype))
    tokenizer = chapter_tokenizer()
    data = encode_examples(tokenizer, fruit_questions(steps * batch_size, seed=0), net.config.block_size)
    config = TrainConfig(steps=steps, batch_size=batch_size, lr=lr)
    optimizer = make_optimizer(net, config)
    wrapped = torch.nn.parallel.DistributedDataParallel(net) if world > 1 else net
    losses, start = [], time.perf_counter()
    for step in range(1, steps + 1):
        rows = slice((step - 1) * batch_size, step * batch_size)
        batch = tuple(t[rows] for t in data)
        total_tokens = int((response_targets(*batch) != IGNORE).sum())  # the whole batch's, known to every process
        share = tuple(t[rank::world] for t in batch)  # this process's examples
        set_lr(optimizer, config.lr_at(step))
        local_sum, _ = _response_loss_sum(wrapped, share)
        optimizer.zero_grad(set_to_none=True)
        (local_sum * world / total_tokens).backward()  # DDP averages over the processes: this gives the batch mean
        torch.nn.utils.clip_grad_norm_(net.parameters(), config.grad_clip)
        optimizer.step()
        summed = local_sum.detach().clone()
        if world > 1:
            dist.all_reduce(summed)  # add up every process's sum
        losses.append(summed.item() / total_tokens)
    seconds = time.perf_counter() - start
    weights = {name: p.detach().clone() for name, p in net.state_dict().items()}
    if world > 1:
        dist.destroy_process_group()
    return losses, weights, seconds


def save_run(path: str | Path, losses: list[float], weights: dict[str, torch.Tensor], seconds: float) -> None:
    """A run's losses and seconds as JSON at `path`, its weights beside it (.safetensors)."""
    if not isinstance(losses, list) or not losses or not all(isinstance(x, float) and x == x for x in losses):
        raise ValueError("losses must be a non-empty list of numbers, one per step.")
    if not isinstance(weights, dict) or not weights or not all(isinstance(v, torch.Tensor) for v in weights.values()):
        raise ValueError("weights must be a model's state dict: names mapped to tensors.")
    check_number(seconds, "seconds", low=0)
    path = Path(path)
    Path(path).write_text(json.dumps({"losses": losses, "seconds": seconds}))
    tied = {k: v.contiguous() for k, v in weights.items() if k != "head.weight"}  # the head shares the embeddings
    save_file(tied, path.with_suffix(".safetensors"))


def load_run(path: str | Path) -> tuple[list[float], dict[str, torch.Tensor], float]:
    """(losses, weights, seconds) of a run saved by `save_run`."""
    if (
        not isinstance(path, (str, Path))
        or not Path(path).is_file()
        or not Path(path).with_suffix(".safetensors").is_file()
    ):
        raise ValueError(f"No saved run at {path!r} (save_run writes a .json file and a .safetensors file).")
    path = Path(path)
    record = json.loads(path.read_text())
    return record["losses"], load_file(path.with_suffix(".safetensors")), record["seconds"]


def compare_runs(a: str | Path, b: str | Path) -> dict[str, float]:
    """The largest difference between two saved runs' losses and between their final weights."""
    (losses_a, weights_a, _), (losses_b, weights_b, _) = load_run(a), load_run(b)
    if len(losses_a) != len(losses_b) or weights_a.keys() != weights_b.keys():
        raise ValueError("The two runs trained different models or for different numbers of steps.")
    loss = max(abs(x - y) for x, y in zip(losses_a, losses_b, strict=True))
    weight = max(float((weights_a[k].double() - weights_b[k].double()).abs().max()) for k in weights_a)
    return {"max_loss_diff": loss, "max_weight_diff": weight}


def launch(out: str | Path, *, processes: int = 2, timeout: float = 300, **options) -> subprocess.CompletedProcess:
    """Run `train_data_parallel` under torchrun with `processes` processes on this machine (gloo, CPU); rank 0
    saves the run at `out`. Options are those of train_data_parallel."""
    check_count(processes, "processes")
    flags = [f"--{name.replace('_', '-')}={value}" for name, value in options.items()]
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={processes}",
               "-m", "utils.distributed", f"--out={out}", *flags]  # fmt: skip
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": f"{root}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, check=False)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Data-parallel SFT of a GPT on the fruit questions.")
    parser.add_argument("--out", required=True, help="where rank 0 writes the run (JSON, weights beside it)")
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--model", choices=("tiny", "book"), default="tiny")
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    args = parser.parse_args(argv)
    torch.set_num_threads(1 if int(os.environ.get("WORLD_SIZE", "1")) > 1 else torch.get_num_threads())
    losses, weights, seconds = train_data_parallel(steps=args.steps, batch_size=args.batch_size, lr=args.lr,
                                                   model=args.model, dtype=args.dtype)  # fmt: skip
    if int(os.environ.get("RANK", "0")) == 0:
        save_run(args.out, losses, weights, seconds)


if __name__ == "__main__":
    main()
