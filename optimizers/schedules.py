r"""Learning-rate schedules: callables ``t -> lr`` that any optimizer takes as ``lr``.

``t`` is the number of completed steps: ``t = 0`` at the first step. A schedule
written per *epoch* is turned into one per *step* by :func:`per_epoch`, so
``per_epoch(InverseTimeDecay(0.1, 1.0), steps_per_epoch=10)`` keeps the rate fixed
for ten steps, then lowers it. Applying an epoch schedule to every step instead
is a common mistake: the rate then decays ``steps_per_epoch`` times too fast.

Each schedule names the ``torch.optim.lr_scheduler`` configuration it equals
(``scheduler.step()`` called once after each optimizer step);
``tests/test_reference.py`` checks them against stored torch values.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from ._validate import check_int, check_positive, check_range

Schedule = Callable[[int], float]


def _check_t(t: int) -> int:
    return check_int("t", t, low=0)


@dataclass(frozen=True)
class Constant:
    """η_t = lr0. Equals no scheduler at all."""

    lr0: float

    def __post_init__(self) -> None:
        check_positive("lr0", self.lr0)

    def __call__(self, t: int) -> float:
        _check_t(t)
        return self.lr0


@dataclass(frozen=True)
class InverseTimeDecay:
    r"""η_t = lr0 / (1 + decay_rate · t).

    Equals ``LambdaLR(opt, lambda t: 1 / (1 + decay_rate * t))``.
    """

    lr0: float
    decay_rate: float

    def __post_init__(self) -> None:
        check_positive("lr0", self.lr0)
        check_range("decay_rate", self.decay_rate, 0.0)

    def __call__(self, t: int) -> float:
        return self.lr0 / (1 + self.decay_rate * _check_t(t))


@dataclass(frozen=True)
class ExponentialDecay:
    r"""η_t = lr0 · γ^t (for example 0.95^epoch · lr0).

    Equals ``ExponentialLR(opt, gamma=gamma)``.
    """

    lr0: float
    gamma: float

    def __post_init__(self) -> None:
        check_positive("lr0", self.lr0)
        check_range("gamma", self.gamma, 0.0, 1.0, low_inclusive=False, high_inclusive=True)

    def __call__(self, t: int) -> float:
        return self.lr0 * self.gamma ** _check_t(t)


@dataclass(frozen=True)
class StepDecay:
    r"""Staircase: η_t = lr0 · γ^⌊t / step_size⌋.

    Equals ``StepLR(opt, step_size=step_size, gamma=gamma)``.
    """

    lr0: float
    step_size: int
    gamma: float = 0.5

    def __post_init__(self) -> None:
        check_positive("lr0", self.lr0)
        check_int("step_size", self.step_size, low=1)
        check_range("gamma", self.gamma, 0.0, 1.0, low_inclusive=False, high_inclusive=True)

    def __call__(self, t: int) -> float:
        return self.lr0 * self.gamma ** (_check_t(t) // self.step_size)


@dataclass(frozen=True)
class InverseSqrtDecay:
    r"""η_t = k / √(t + 1): the ``k/√epoch`` rule with epochs counted from 1.

    Equals ``LambdaLR(opt, lambda t: 1 / sqrt(t + 1))`` with initial lr ``k``.
    """

    k: float

    def __post_init__(self) -> None:
        check_positive("k", self.k)

    def __call__(self, t: int) -> float:
        return self.k / math.sqrt(_check_t(t) + 1)


@dataclass(frozen=True)
class CosineDecay:
    r"""η_t = lr_min + (lr0 − lr_min) · (1 + cos(π t / T)) / 2 for t ≤ T, then lr_min.

    Equals ``CosineAnnealingLR(opt, T_max=T, eta_min=lr_min)`` for t ≤ T (torch's
    recursive form rises again after T; this one stays at lr_min).
    """

    lr0: float
    T: int
    lr_min: float = 0.0

    def __post_init__(self) -> None:
        check_positive("lr0", self.lr0)
        check_int("T", self.T, low=1)
        check_range("lr_min", self.lr_min, 0.0, self.lr0, high_inclusive=True)

    def __call__(self, t: int) -> float:
        t = min(_check_t(t), self.T)
        return self.lr_min + (self.lr0 - self.lr_min) * (1 + math.cos(math.pi * t / self.T)) / 2


@dataclass(frozen=True)
class LinearWarmup:
    r"""Warm-up: rise linearly from ``start_factor · lr0`` to lr0 over ``warmup_steps``,
    then follow ``after`` (shifted so it starts at its own t = 0), or stay at lr0.

    .. math:: η_t = lr0 \left(s + (1 − s) \frac{t}{W}\right) \quad (t < W)

    Without ``after`` it equals ``LinearLR(opt, start_factor=s, end_factor=1,
    total_iters=W)``.
    """

    lr0: float
    warmup_steps: int
    start_factor: float = 0.0
    after: Schedule | None = None

    def __post_init__(self) -> None:
        check_positive("lr0", self.lr0)
        check_int("warmup_steps", self.warmup_steps, low=1)
        check_range("start_factor", self.start_factor, 0.0, 1.0, high_inclusive=True)

    def __call__(self, t: int) -> float:
        t = _check_t(t)
        if t < self.warmup_steps:
            s = self.start_factor
            return self.lr0 * (s + (1 - s) * t / self.warmup_steps)
        if self.after is None:
            return self.lr0
        return self.after(t - self.warmup_steps)


@dataclass(frozen=True)
class PerEpoch:
    """A per-epoch schedule used per step: η_t = schedule(⌊t / steps_per_epoch⌋)."""

    schedule: Schedule
    steps_per_epoch: int

    def __post_init__(self) -> None:
        check_int("steps_per_epoch", self.steps_per_epoch, low=1)

    def __call__(self, t: int) -> float:
        return self.schedule(_check_t(t) // self.steps_per_epoch)


def per_epoch(schedule: Schedule, steps_per_epoch: int) -> PerEpoch:
    """Hold each epoch's learning rate for ``steps_per_epoch`` optimizer steps."""
    return PerEpoch(schedule, steps_per_epoch)
