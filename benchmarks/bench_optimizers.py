"""Speed of the update rules, measured side by side with torch.optim in one run.

    python benchmarks/bench_optimizers.py            # needs torch for the comparison
    python benchmarks/bench_optimizers.py --no-torch # our numbers only

1. One Adam step on 1,000,000 float64 parameters, four implementations and the
   memory-streaming bound timed in alternating single steps in one process (one
   thread): the package's readable path, its fused path (``fused=True``, a numba
   loop), ``torch.optim.Adam(foreach=False)`` and ``torch.optim.Adam(fused=True)``.
   The bounds are the time to stream the bytes one step must move (Adam reads θ, g, m,
   v and writes θ, m, v: 7 arrays of 8 MB; :func:`optimizers.cost.bytes_per_step`),
   timed two ways as :func:`optimizers.cost.streaming_time` does: a copy into a second
   array (its writes cost an extra read, write-allocate, as a step's new θ array does)
   and an update in place (``a *= 1``: each byte read once and written once, the floor
   for a step that writes everything in place, like torch's).
   Ratios are medians of pairwise ratios, so a slow moment of the shared machine
   hits both sides of a pair.
2. The fused path against the plain one for Momentum, RMSprop and AdamW.
3. ``run`` for 1,000 start points x 100 steps on the elongated bowl, per rule.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import numpy as np

import optimizers as opt
from optimizers import cost

N = 1_000_000


def timed(fn, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def alternate(contenders: dict[str, Any], repeats: int) -> dict[str, list[float]]:
    """Time one step of each contender in turn, ``repeats`` rounds; seconds per step."""
    for _ in range(5):  # warm up: allocations, first-step state, numba compilation
        for step in contenders.values():
            step()
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, step in contenders.items():
            (seconds,) = timed(step, 1)
            times[name].append(seconds)
    return times


def ours(rule: opt.Optimizer, params: np.ndarray, grads: np.ndarray) -> Any:
    box = {"params": params.copy(), "state": rule.init(params)}

    def step() -> None:
        box["params"], box["state"] = rule.step(box["params"], grads, box["state"])

    return step


def adam_vs_torch(repeats: int, use_torch: bool) -> None:
    rng = np.random.default_rng(0)
    grads = rng.normal(size=N)
    params = rng.normal(size=N)
    contenders: dict[str, Any] = {
        "ours, plain": ours(opt.Adam(lr=1e-3), params, grads),
        "ours, fused": ours(opt.Adam(lr=1e-3, fused=True), params, grads),
    }
    if use_torch:
        import torch

        torch.set_num_threads(1)
        for name, options in [
            ("torch, foreach=False", {"foreach": False}),
            ("torch, fused", {"fused": True}),
        ]:
            p = torch.nn.Parameter(torch.tensor(params.copy()))
            p.grad = torch.tensor(grads.copy())
            contenders[name] = torch.optim.Adam([p], lr=1e-3, **options).step
        version = f"torch {torch.__version__}, 1 thread"
    else:
        version = "no torch"

    # the bounds: stream the 7 x 8 MB that one Adam step must read or write
    adam_bytes = cost.bytes_per_step(opt.Adam(), N)
    source = rng.normal(size=adam_bytes // 16)
    target = np.empty_like(source)
    contenders["copy bound"] = lambda: np.copyto(target, source)
    contenders["in-place bound"] = lambda: np.multiply(source, 1.0, out=source)

    times = alternate(contenders, repeats)
    median = {name: statistics.median(t) for name, t in times.items()}
    print(
        f"Adam step, {N:,} float64 parameters, {repeats} rounds of alternating "
        f"single steps ({version})"
    )
    for name, t in median.items():
        print(f"  {name:22s} median {1e3 * t:7.2f} ms")

    def ratio(a: str, b: str) -> str:
        pairs = np.array(times[a]) / np.array(times[b])
        q1, q2, q3 = np.quantile(pairs, [0.25, 0.5, 0.75])
        return f"{q2:.2f}x (quartiles {q1:.2f}-{q3:.2f})"

    print(
        f"  ratios (median of pairwise ratios), memory bound = {adam_bytes / 1e6:.0f} MB streamed:"
    )
    print(f"    ours fused / copy bound       {ratio('ours, fused', 'copy bound')}")
    print(f"    ours fused / in-place bound   {ratio('ours, fused', 'in-place bound')}")
    print(f"    ours plain / copy bound       {ratio('ours, plain', 'copy bound')}")
    if use_torch:
        print(f"    ours fused / torch fused      {ratio('ours, fused', 'torch, fused')}")
        print(f"    ours plain / torch foreach=F  {ratio('ours, plain', 'torch, foreach=False')}")
        print(f"    torch fused / in-place bound  {ratio('torch, fused', 'in-place bound')}")


def other_rules(repeats: int) -> None:
    rng = np.random.default_rng(1)
    grads, params = rng.normal(size=N), rng.normal(size=N)
    print(f"fused against plain, {N:,} float64 parameters (median of pairwise ratios)")
    for plain, quick in [
        (opt.Momentum(1e-3), opt.Momentum(1e-3, fused=True)),
        (opt.RMSprop(1e-3), opt.RMSprop(1e-3, fused=True)),
        (opt.AdamW(1e-3), opt.AdamW(1e-3, fused=True)),
    ]:
        bound_bytes = cost.bytes_per_step(plain, N)
        source = rng.normal(size=bound_bytes // 16)
        target = np.empty_like(source)
        times = alternate(
            {
                "plain": ours(plain, params, grads),
                "fused": ours(quick, params, grads),
                "copy": lambda source=source, target=target: np.copyto(target, source),
                "in place": lambda source=source: np.multiply(source, 1.0, out=source),
            },
            repeats,
        )
        m = {k: statistics.median(v) for k, v in times.items()}
        print(
            f"  {plain.name:9s} plain {1e3 * m['plain']:6.2f} ms, "
            f"fused {1e3 * m['fused']:6.2f} ms, "
            f"bounds {1e3 * m['copy']:5.2f}/{1e3 * m['in place']:5.2f} ms "
            f"({bound_bytes / 1e6:.0f} MB, copy/in place): "
            f"fused/plain {m['fused'] / m['plain']:.2f}x, "
            f"fused/bounds {m['fused'] / m['copy']:.2f}x/{m['fused'] / m['in place']:.2f}x"
        )


def run_batch(repeats: int) -> None:
    rng = np.random.default_rng(0)
    x0 = rng.uniform(-8, 8, size=(1000, 2))
    bowl = opt.elongated_bowl()
    print("run(), 1,000 start points x 100 steps on the elongated bowl (median)")
    for rule in (
        opt.SGD(0.1),
        opt.Momentum(0.1),
        opt.Nesterov(0.1),
        opt.AdaGrad(1.5),
        opt.RMSprop(0.1),
        opt.Adam(0.3),
        opt.NAdam(0.3),
        opt.Adadelta(),
    ):
        t = statistics.median(timed(lambda rule=rule: opt.run(rule, bowl, x0, 100), repeats))
        print(f"  {rule.name:9s} {1e3 * t:6.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-torch", action="store_true", help="skip the torch comparison")
    parser.add_argument("--repeats", type=int, default=101)
    args = parser.parse_args()
    adam_vs_torch(args.repeats, use_torch=not args.no_torch)
    other_rules(max(11, args.repeats // 4))
    run_batch(max(5, args.repeats // 10))


if __name__ == "__main__":
    main()
