"""Speed of the update rules, measured side by side with torch.optim in one run.

    python benchmarks/bench_optimizers.py            # needs torch for the comparison
    python benchmarks/bench_optimizers.py --no-torch # our numbers only

1. ``Adam.step`` on 1,000,000 float64 parameters against ``torch.optim.Adam``
   (single-tensor, ``foreach=False``, CPU, float64, one thread, as numpy's
   elementwise ops are): single steps alternate between the two and we quote the
   median of the pairwise ratios ours/torch; then each runs back to back on its own.
   Both figures vary by tens of percent between runs on a shared 2-core machine:
   run it a few times.
2. The same step against a memory-streaming bound: Adam must read θ, g, m, v and
   write θ, m, v, i.e. 7 arrays of 8 MB; the bound is the time numpy takes to copy
   that many bytes (3.5 arrays in, 3.5 out).
3. ``run`` for 1,000 start points x 100 steps on the elongated bowl, per rule.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import optimizers as opt

N = 1_000_000


def timed(fn, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def adam_vs_torch(repeats: int, use_torch: bool) -> None:
    rng = np.random.default_rng(0)
    grads = rng.normal(size=N)
    params = rng.normal(size=N)
    adam = opt.Adam(lr=1e-3)
    state = adam.init(params)
    box = {"params": params, "state": state}

    def ours() -> None:
        box["params"], box["state"] = adam.step(box["params"], grads, box["state"])

    ours_times: list[float] = []
    ratios: list[float] = []
    if use_torch:
        import torch

        torch.set_num_threads(1)
        p = torch.nn.Parameter(torch.tensor(params.copy()))
        p.grad = torch.tensor(grads.copy())
        torch_adam = torch.optim.Adam([p], lr=1e-3, foreach=False)

        def theirs() -> None:
            torch_adam.step()

        for _ in range(5):  # warm up both (allocations, first-step state creation)
            ours()
            theirs()
        torch_times = []
        for _ in range(repeats):
            (a,) = timed(ours, 1)
            (b,) = timed(theirs, 1)
            ours_times.append(a)
            torch_times.append(b)
            ratios.append(a / b)
        print(f"Adam.step, {N:,} float64 parameters, {repeats} alternating single steps")
        print(f"  ours  median {1e3 * statistics.median(ours_times):7.2f} ms")
        print(
            f"  torch median {1e3 * statistics.median(torch_times):7.2f} ms "
            f"(torch {torch.__version__}, 1 thread, foreach=False)"
        )
        print(
            f"  ratio ours/torch: median of pairwise ratios {statistics.median(ratios):.2f}x "
            f"(quartiles {np.quantile(ratios, 0.25):.2f}-{np.quantile(ratios, 0.75):.2f})"
        )
        # the same steps, each optimizer in a loop of its own (no interleaving: the two
        # allocators no longer hand memory back and forth between single steps)
        ours_alone = statistics.median(timed(ours, repeats))
        torch_alone = statistics.median(timed(theirs, repeats))
        print(
            f"  back to back: ours {1e3 * ours_alone:.2f} ms, torch {1e3 * torch_alone:.2f} ms, "
            f"ratio {ours_alone / torch_alone:.2f}x"
        )
    else:
        for _ in range(5):
            ours()
        ours_times = timed(ours, repeats)
        print(
            f"Adam.step, {N:,} float64 parameters: median "
            f"{1e3 * statistics.median(ours_times):.2f} ms"
        )

    # memory-streaming bound: move the 7 x 8 MB that Adam must read or write
    source = rng.normal(size=N * 7 // 2)
    target = np.empty_like(source)
    copy_times = timed(lambda: np.copyto(target, source), repeats)
    bound = statistics.median(copy_times)
    print(
        f"  streaming bound (copy 56 MB: 28 MB read + 28 MB written): {1e3 * bound:.2f} ms; "
        f"ours is {statistics.median(ours_times) / bound:.1f}x the bound"
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
    run_batch(max(5, args.repeats // 10))


if __name__ == "__main__":
    main()
