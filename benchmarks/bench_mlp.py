"""Time the book's digits network: MLP([64, 64, 10]), 2,000 steps of batch 128.

Usage, from the repository root::

    python benchmarks/bench_mlp.py            # best of 3 runs per optimizer
    python benchmarks/bench_mlp.py --repeat 1

Prints seconds per optimizer (the best of ``--repeat`` runs, since the minimum is
the least disturbed by other work on the machine) and the test accuracy reached,
so a change that makes the code faster but wrong shows up too. The target for the
book is under 5 s per optimizer on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from optimizers.data import load_digits, train_test_split
from optimizers.models import MLP
from optimizers.rules import SGD, Adam, Momentum
from optimizers.training import train

ARCHITECTURE = [64, 64, 10]
ITERATIONS = 2000
BATCH_SIZE = 128


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per optimizer (best kept)")
    args = parser.parse_args()

    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.2, seed=0)
    model = MLP(ARCHITECTURE, seed=0)
    optimizers = {
        "SGD(lr=0.1)": lambda: SGD(lr=0.1),
        "Momentum(lr=0.05, beta=0.9)": lambda: Momentum(lr=0.05, beta=0.9),
        "Adam(lr=1e-3)": lambda: Adam(lr=1e-3),
    }

    print(
        f"MLP({ARCHITECTURE}), {model.n_params} parameters, {ITERATIONS} iterations "
        f"of batch {BATCH_SIZE}, {len(X_train)} training digits"
    )
    print(f"numpy {np.__version__}, Python {platform.python_version()}, {os.cpu_count()} cores")
    for name, make in optimizers.items():
        seconds = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            result = train(
                model, make(), X_train, y_train,
                batch_size=BATCH_SIZE, iterations=ITERATIONS, seed=0,
            )  # fmt: skip
            seconds.append(time.perf_counter() - start)
        accuracy = model.accuracy(result.params, X_test, y_test)
        per_step = 1e6 * min(seconds) / ITERATIONS
        print(
            f"{name:30s} {min(seconds):6.2f} s  ({per_step:5.0f} µs/step)  "
            f"test accuracy {accuracy:.3f}"
        )


if __name__ == "__main__":
    main()
