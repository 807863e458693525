"""Where each shipped model trains faster: milliseconds per training step on the CPU and, when present, on CUDA.

    python benchmarks/devices.py --json out.json [--steps 30] [--threads 2] [--only gan_ring ...]

For every recipe of utils.recipes: the arithmetic of one training step (utils.device.step_flops),
the milliseconds per step on the CPU and the GFLOP/s that makes, the milliseconds per step on CUDA
(when torch finds a GPU), the device `training_placement` chooses, and whether it chose the faster
one. A step's time is (seconds for 2k steps - seconds for k steps) / k of the shortened recipe, so
preparing the data and building the model cancel out; an untimed run of k steps warms up first.
JSON keys: recipes (name -> step_gflop, cpu_ms_per_step, cpu_gflop_per_s, cuda_ms_per_step or null,
chosen, chosen_is_faster or null), gpu_min_step_flops, steps, threads, cuda (the GPU's name or null),
machine.
"""

from __future__ import annotations

import time

from _common import limit_threads, machine, parser, report


def step_ms(name: str, device: str, steps: int) -> float:
    """Milliseconds per training step of recipe `name` on `device`, setup cancelled out."""
    import torch

    from utils.recipes import get_recipe, shortened, train_recipe

    train_recipe(shortened(get_recipe(name), steps), device=device, progress=False)  # warm up: data, caches, kernels
    seconds = []
    for k in (steps, 2 * steps):
        start = time.perf_counter()
        train_recipe(shortened(get_recipe(name), k), device=device, progress=False)
        if device == "cuda":
            torch.cuda.synchronize()
        seconds.append(time.perf_counter() - start)
    return max(seconds[1] - seconds[0], 0.0) / steps * 1000


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--steps", type=int, default=30, help="k: the steps of the shorter of the two timed runs")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--only", nargs="+", metavar="RECIPE", help="time only these recipes")
    args = p.parse_args()
    limit_threads(args.threads)
    import torch

    from utils.device import GPU_MIN_STEP_FLOPS
    from utils.recipes import RECIPES, training_placement

    names = args.only or list(RECIPES)
    unknown = sorted(set(names) - set(RECIPES))
    if unknown:
        p.error(f"no such recipe: {', '.join(unknown)}")
    cuda = torch.cuda.is_available()
    results, rows = {}, []
    for name in names:
        placement = training_placement(name)
        cpu_ms = step_ms(name, "cpu", args.steps)
        cuda_ms = step_ms(name, "cuda", args.steps) if cuda else None
        faster = None if cuda_ms is None else ("cuda" if cuda_ms < cpu_ms else "cpu")
        results[name] = {
            "step_gflop": round(placement.step_flops / 1e9, 4),
            "cpu_ms_per_step": round(cpu_ms, 2),
            "cpu_gflop_per_s": round(placement.step_flops / 1e9 / (cpu_ms / 1000), 1) if cpu_ms > 0 else None,
            "cuda_ms_per_step": None if cuda_ms is None else round(cuda_ms, 2),
            "chosen": placement.device.type,
            "chosen_is_faster": None if faster is None else placement.device.type == faster,
        }
        r = results[name]
        cpu = f"CPU {r['cpu_ms_per_step']:8.1f} ms ({r['cpu_gflop_per_s']} GFLOP/s)"
        rows.append((name, f"{r['step_gflop']:8.3f} GFLOP/step  {cpu}  CUDA {r['cuda_ms_per_step']} ms  "
                     f"chosen {r['chosen']}"))  # fmt: skip
        print(rows[-1][0], rows[-1][1], flush=True)
    summary = {"recipes": results, "gpu_min_step_flops": GPU_MIN_STEP_FLOPS, "steps": args.steps,
               "threads": args.threads, "cuda": torch.cuda.get_device_name() if cuda else None,
               "machine": machine()}  # fmt: skip
    report(rows, summary, args.json)


if __name__ == "__main__":
    main()
