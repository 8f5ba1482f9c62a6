r"""Exponentially weighted moving averages, with and without bias correction.

.. math::

    v_0 = 0, \qquad v_t = β v_{t-1} + (1 − β) x_t, \qquad
    \hat v_t = \frac{v_t}{1 − β^t}

The average weighs today's value by (1 − β) and the value k steps back by
(1 − β)β^k: it "spans" about 1/(1 − β) values, since β^{1/(1−β)} ≈ 1/e.
Starting from v_0 = 0 pulls the first averages towards zero; dividing by
1 − β^t (the total weight given so far) removes that bias.

The bias-corrected average equals ``optax.ema(decay=beta, debias=True)``.
Momentum, RMSprop and Adam keep averages of exactly this kind.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validate import as_float_array, check_beta


def ema(values: Any, beta: float, bias_correction: bool = False) -> np.ndarray:
    """The running average of ``values`` along axis 0.

    Args:
        values: shape ``(T, ...)``: T observations, each of any shape.
        beta: decay rate in [0, 1).
        bias_correction: divide v_t by 1 − β^t.

    Returns:
        shape ``(T, ...)``: ``v_1 ... v_T`` (or ``v̂_1 ... v̂_T``). NaN inputs are not
        skipped: they make every later average NaN, so clean the series first.
    """
    beta = check_beta("beta", beta)
    x = as_float_array("values", values)
    if x.ndim == 0:
        raise ValueError("values must have at least one axis (time along axis 0)")
    averages = np.empty_like(x)
    v = np.zeros_like(x[0])
    for t in range(1, x.shape[0] + 1):
        v = beta * v + (1 - beta) * x[t - 1]
        averages[t - 1] = v / (1 - beta**t) if bias_correction else v
    return averages


def ema_weights(beta: float, length: int) -> np.ndarray:
    """Weights ``(1 − β) β^k`` that v_t gives to x_{t−k}, for k = 0 .. length−1."""
    beta = check_beta("beta", beta)
    return (1 - beta) * beta ** np.arange(length)


def effective_window(beta: float) -> float:
    """1 / (1 − β): roughly how many recent values the average spans."""
    return 1 / (1 - check_beta("beta", beta))
