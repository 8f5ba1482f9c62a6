"""What a step costs: the memory a rule's state holds, the bytes a step moves, its time.

Everything here is read from the rules themselves (their ``init`` and ``step``), so a
table made from it cannot drift from the code:

* :func:`state_floats_per_parameter` -- how many numbers of state each parameter
  carries (SGD 0, Momentum 1, Adam 2, AMSGrad 3 ...);
* :func:`bytes_per_step` -- the least memory traffic of one step: read θ, g and the
  state, write θ and the state (what a fused, one-pass step moves);
* :func:`time_step` and :func:`streaming_time` -- measured seconds per step, and the
  time the machine takes just to stream the same number of bytes (an approximate
  floor: a copy, or an in-place pass, which can be up to about twice as fast). Timings
  vary between runs: print them, never assert them.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import numpy as np

from ._validate import check_int
from .rules import UpdateRule

__all__ = ["bytes_per_step", "state_floats_per_parameter", "streaming_time", "time_step"]


def state_floats_per_parameter(rule: UpdateRule) -> int:
    """Numbers of state per parameter, counted from ``rule.init`` on a small vector."""
    state = rule.init(np.zeros(4))
    arrays = state.arrays() if hasattr(state, "arrays") else {}
    return sum(array.size for array in arrays.values()) // 4


def bytes_per_step(rule: UpdateRule, n_params: int, itemsize: int = 8) -> int:
    """Bytes one step must read and write at the least, for ``n_params`` parameters.

    Reads θ, g and each state array; writes θ and each state array:
    ``(3 + 2 · state floats) · n · itemsize``. Adam on 10⁶ float64: 7 arrays of 8 MB.
    """
    n_params = check_int("n_params", n_params, low=1)
    return (3 + 2 * state_floats_per_parameter(rule)) * n_params * itemsize


def time_step(
    rule: UpdateRule, n_params: int = 1_000_000, repeats: int = 21, seed: int = 0
) -> float:
    """Median seconds of one ``rule.step`` on ``n_params`` float64 parameters.

    Three warm-up steps come first (allocations, and compilation for ``fused=True``).
    """
    n_params = check_int("n_params", n_params, low=1)
    repeats = check_int("repeats", repeats, low=1)
    rng = np.random.default_rng(seed)
    params, grads = rng.standard_normal(n_params), rng.standard_normal(n_params)
    state: Any = rule.init(params)
    times = []
    for k in range(repeats + 3):
        start = time.perf_counter()
        params, state = rule.step(params, grads, state)
        if k >= 3:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def streaming_time(n_bytes: int, repeats: int = 21, in_place: bool = False) -> float:
    """Median seconds to read and write ``n_bytes`` in all: an approximate floor for a step.

    By default a copy of ``n_bytes / 2`` bytes into a second, preallocated array. Its
    writes cost the machine an extra read (write-allocate), so an update in place can
    beat it; ``in_place=True`` times that instead (``a *= 1`` over ``n_bytes / 2`` bytes:
    each byte read once and written once).
    """
    n_bytes = check_int("n_bytes", n_bytes, low=16)
    repeats = check_int("repeats", repeats, low=1)
    source = np.ones(n_bytes // 16)
    target = np.empty_like(source)
    times = []
    for k in range(repeats + 3):
        start = time.perf_counter()
        if in_place:
            np.multiply(source, 1.0, out=source)
        else:
            np.copyto(target, source)
        if k >= 3:
            times.append(time.perf_counter() - start)
    return statistics.median(times)
