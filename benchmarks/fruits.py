"""How fast the fruit world draws pictures: 10,000 32x32 fruits on one core (target: under 2 s).

    python benchmarks/fruits.py --json out.json

JSON keys: seconds_10000 (best of 5), images_per_second, threads, machine.
"""

from __future__ import annotations

import time

from _common import limit_threads, machine, parser, report


def main() -> None:
    args = parser(__doc__).parse_args()
    limit_threads(1)
    from utils.fruits import make_fruits

    make_fruits(100)  # warm up
    times = []
    for repeat in range(5):
        start = time.perf_counter()
        make_fruits(10_000, seed=repeat)
        times.append(time.perf_counter() - start)
    best = min(times)
    results = {"seconds_10000": round(best, 3), "images_per_second": round(10_000 / best),
               "threads": 1, "target_seconds": 2.0, "machine": machine()}  # fmt: skip
    rows = [("10,000 fruits (best of 5)", f"{best:.3f} s"), ("images per second", f"{10_000 / best:,.0f}"),
            ("target", "under 2 s on one core")]  # fmt: skip
    report(rows, results, args.json)


if __name__ == "__main__":
    main()
