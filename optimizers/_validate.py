"""Checks for hyperparameters and inputs, shared by every part of the package.

Each check raises ``ValueError`` (or ``TypeError`` for a wrong kind of value) with a
message that names the parameter, the value it got and the range it allows.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

LearningRate = float | Callable[[int], float]


def check_number(name: str, value: Any) -> float:
    """Return ``value`` as a float, or raise ``TypeError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    return float(value)


def check_range(
    name: str,
    value: Any,
    low: float,
    high: float = math.inf,
    *,
    low_inclusive: bool = True,
    high_inclusive: bool = False,
) -> float:
    """Return ``value`` as a float if it lies in the interval, else raise ``ValueError``.

    The message names the parameter and shows the interval in the usual
    bracket notation, e.g. ``beta must be in [0, 1), got 1.0``.
    """
    x = check_number(name, value)
    above_low = x >= low if low_inclusive else x > low
    below_high = x <= high if high_inclusive else x < high
    if not (math.isfinite(x) and above_low and below_high):
        left = "[" if low_inclusive else "("
        right = "]" if high_inclusive and math.isfinite(high) else ")"
        high_text = "inf" if math.isinf(high) else f"{high:g}"
        raise ValueError(f"{name} must be in {left}{low:g}, {high_text}{right}, got {value!r}")
    return x


def check_positive(name: str, value: Any) -> float:
    """A finite number > 0 (learning rates, eps)."""
    return check_range(name, value, 0.0, low_inclusive=False)


def check_beta(name: str, value: Any) -> float:
    """A decay rate in [0, 1): beta = 1 would never forget, beta < 0 oscillates."""
    return check_range(name, value, 0.0, 1.0)


def check_int(name: str, value: Any, low: int = 0, high: int | None = None) -> int:
    """An integer >= ``low`` (and <= ``high`` if given): step counts, batch sizes."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    if high is not None and not low <= value <= high:
        raise ValueError(f"{name} must be an integer in [{low}, {high}], got {value!r}")
    if value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def check_array_range(
    name: str, value: Any, low: float, high: float = math.inf, *, low_inclusive: bool = True
) -> np.ndarray:
    """``value`` as a float array whose entries all lie in [low, high) (or (low, high))."""
    x = as_float_array(name, value)
    bad = ~np.isfinite(x) | (x >= high) | ((x < low) if low_inclusive else (x <= low))
    if bad.any():
        interval = f"{'[' if low_inclusive else '('}{low:g}, {high:g})"
        raise ValueError(f"{name} must be in {interval}, got {float(x[bad].ravel()[0])!r}")
    return x


def check_choice(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    """One of a few named options."""
    if value not in allowed:
        options = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{name} must be one of {options}, got {value!r}")
    return str(value)


def check_lr(value: Any, name: str = "lr") -> LearningRate:
    """A learning rate: a finite number > 0, or a schedule ``t -> lr`` (any callable)."""
    if callable(value):
        return value
    return check_positive(name, value)


def learning_rate_at(lr: LearningRate, t: int) -> float:
    """The learning rate used at step ``t`` (t = 0 at the first step).

    A schedule may reach 0 (cosine decay does) but never a negative or
    non-finite value.
    """
    if not callable(lr):
        return lr
    value = float(lr(t))
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"the learning-rate schedule returned {value!r} at t={t}; it must be >= 0")
    return value


def as_float_array(name: str, value: Any) -> np.ndarray:
    """``value`` as a float64 (or other float) numpy array; integers become float64."""
    array = np.asarray(value)
    if array.dtype.kind in "biu":
        array = array.astype(np.float64)
    if array.dtype.kind != "f":
        raise TypeError(f"{name} must be an array of real numbers, got dtype {array.dtype}")
    return array
