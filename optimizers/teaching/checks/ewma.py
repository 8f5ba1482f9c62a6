"""The checks of ``chapters/ewma.ipynb``.

Exponentially weighted averages: bias correction, the lag of the corrected average.

Each exercise is declared once with :func:`~optimizers.teaching.checks.engine.exercise`
(see :mod:`optimizers.teaching.checks.engine` for how to add one).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...averages import ema
from .engine import exercise, mistake
from .engine import rng as _rng


def _ema_reference(values: Any, beta: float) -> np.ndarray:
    return ema(values, beta, bias_correction=True)


def _ema_loop(values: Any, beta: float, update: Callable, correct: Callable) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    out, v = np.empty_like(x), np.zeros_like(x[0])
    for t in range(1, len(x) + 1):
        v = update(v, x[t - 1], beta)
        out[t - 1] = correct(v, beta, t)
    return out


def _ema_no_bias_correction(values: Any, beta: float) -> np.ndarray:
    return ema(values, beta)


def _ema_missing_one_minus_beta(values: Any, beta: float) -> np.ndarray:
    return _ema_loop(values, beta, lambda v, x, b: b * v + x, lambda v, b, t: v / (1 - b**t))


def _ema_missing_one_minus_beta_uncorrected(values: Any, beta: float) -> np.ndarray:
    return _ema_loop(values, beta, lambda v, x, b: b * v + x, lambda v, b, t: v)


def _ema_t_plus_one(values: Any, beta: float) -> np.ndarray:
    return _ema_loop(
        values, beta, lambda v, x, b: b * v + (1 - b) * x, lambda v, b, t: v / (1 - b ** (t + 1))
    )


def _ema_t_minus_one(values: Any, beta: float) -> np.ndarray:
    return _ema_loop(
        values, beta, lambda v, x, b: b * v + (1 - b) * x, lambda v, b, t: v / (1 - b ** (t - 1))
    )


def _ema_swapped(values: Any, beta: float) -> np.ndarray:
    return _ema_loop(
        values, beta, lambda v, x, b: (1 - b) * v + b * x, lambda v, b, t: v / (1 - b**t)
    )


def _ema_swapped_uncorrected(values: Any, beta: float) -> np.ndarray:
    return _ema_loop(values, beta, lambda v, x, b: (1 - b) * v + b * x, lambda v, b, t: v)


def _ema_corrects_running_average(values: Any, beta: float) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    out, v = np.empty_like(x), np.zeros_like(x[0])
    for t in range(1, len(x) + 1):
        v = (beta * v + (1 - beta) * x[t - 1]) / (1 - beta**t)  # stored back: compounds
        out[t - 1] = v
    return out


def _ema_cases() -> list[tuple[Any, ...]]:
    rng = _rng()
    return [
        (rng.normal(5.0, 2.0, size=(12,)), 0.9),
        (rng.normal(-3.0, 1.0, size=(8, 3)), 0.5),
        (rng.normal(20.0, 5.0, size=(30,)), 0.98),
        (rng.normal(1.0, 1.0, size=(5, 2, 2)), 0.7),
    ]


EMA_BIAS_CORRECTED = exercise(
    "ema_bias_corrected",
    params=("values", "beta"),
    doc="``ema_bias_corrected(values, beta)``: v̂_1 .. v̂_T along axis 0",
    reference=_ema_reference,
    uses=("ema",),
    cases=_ema_cases,
    mistakes=(
        mistake(
            "no_bias_correction",
            "bias correction is missing: the first averages are too small (they start "
            "from v₀ = 0). Return v̂_t = v_t / (1 − β**t).",
            _ema_no_bias_correction,
        ),
        mistake(
            "missing_one_minus_beta",
            "the EMA is missing its (1 − β): v_t = β·v_{t−1} + x_t adds up the values "
            "instead of averaging them. Use v_t = β·v_{t−1} + (1 − β)·x_t.",
            _ema_missing_one_minus_beta,
            _ema_missing_one_minus_beta_uncorrected,
        ),
        mistake(
            "t_off_by_one",
            "t is off by one in the bias correction: with t counted from 1 (the first "
            "value is t = 1), divide v_t by 1 − β**t.",
            _ema_t_plus_one,
            _ema_t_minus_one,
        ),
        mistake(
            "beta_swapped",
            "β and 1 − β are swapped: the old average keeps the weight β and the new "
            "value gets 1 − β, v_t = β·v_{t−1} + (1 − β)·x_t.",
            _ema_swapped,
            _ema_swapped_uncorrected,
        ),
        mistake(
            "corrects_running_average",
            "the correction is stored back into the running average, so it compounds "
            "from step to step. Keep v_t uncorrected and divide only the value you "
            "return: out[t−1] = v / (1 − β**t).",
            _ema_corrects_running_average,
        ),
    ),
)


def _lag_reference(beta: float, t: int) -> float:
    ramp = np.arange(1.0, t + 1.0)  # x_s = s, s = 1 .. t
    return float(t - ema(ramp, beta, bias_correction=True)[-1])


def _lag_mean_age(beta: float, t: int) -> float:
    return beta / (1 - beta)


def _lag_uncorrected(beta: float, t: int) -> float:
    return float(t - ema(np.arange(1.0, t + 1.0), beta)[-1])


def _lag_unnormalised(beta: float, t: int) -> float:
    return beta * (1 - t * beta ** (t - 1) + (t - 1) * beta**t) / (1 - beta)


def _lag_t_plus_one(beta: float, t: int) -> float:
    return beta / (1 - beta) - (t + 1) * beta ** (t + 1) / (1 - beta ** (t + 1))


def _lag_t_minus_one(beta: float, t: int) -> float:
    if t == 1:
        return beta / (1 - beta) - 1.0  # the limit of the formula at t − 1 = 0
    return beta / (1 - beta) - (t - 1) * beta ** (t - 1) / (1 - beta ** (t - 1))


def _lag_flat(beta: float, t: int) -> float:
    return (t - 1) / 2


CORRECTED_LAG = exercise(
    "corrected_lag",
    params=("beta", "t"),
    doc="``corrected_lag(beta, t)``: t − v̂_t on the ramp x_s = s, β/(1 − β) − tβᵗ/(1 − βᵗ)",
    reference=_lag_reference,
    uses=("ema",),
    cases=lambda: [(0.9, 1), (0.9, 5), (0.5, 3), (0.98, 40), (0.7, 12), (0.0, 4), (0.99, 300)],
    mistakes=(
        mistake(
            "mean_age",
            "this is the mean age β/(1 − β) of the full, infinite set of weights: the lag "
            "far from the start. The corrected average at step t has only t weights, "
            "(1 − β)βᵏ/(1 − βᵗ) for k = 0 .. t − 1; at t = 1 it equals x_1 and lags by 0.",
            _lag_mean_age,
        ),
        mistake(
            "uncorrected_average",
            "this is the lag of the uncorrected v_t, which also counts the bias (the "
            "missing weight βᵗ sits on v_0 = 0). Divide by 1 − βᵗ first: the lag of "
            "v̂_t = v_t/(1 − βᵗ) is the mean age of its weights.",
            _lag_uncorrected,
        ),
        mistake(
            "weights_not_normalised",
            "the mean age is not divided by the total weight 1 − βᵗ: Σ k(1 − β)βᵏ over "
            "k < t must be divided by Σ (1 − β)βᵏ = 1 − βᵗ.",
            _lag_unnormalised,
        ),
        mistake(
            "t_off_by_one",
            "t is off by one: v̂_t averages x_1 .. x_t, t values with ages k = 0 .. t − 1, "
            "so the correction term is tβᵗ/(1 − βᵗ).",
            _lag_t_plus_one,
            _lag_t_minus_one,
        ),
        mistake(
            "flat_average",
            "(t − 1)/2 is the lag of a flat average of t values. The exponential weights "
            "favour recent values: the lag is β/(1 − β) − tβᵗ/(1 − βᵗ).",
            _lag_flat,
        ),
    ),
)
