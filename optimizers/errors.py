"""The warnings of the package, and the one guard that detects divergence.

:func:`~optimizers.trajectories.run` and :func:`~optimizers.training.train` both stop
a point (or a training run) whose values leave a bound or stop being finite, and
both report it once with :class:`DivergenceWarning`. The test lives here so that
"diverged" means the same thing in both.
"""

from __future__ import annotations

import warnings

import numpy as np


class DivergenceWarning(UserWarning):
    """A run or a training loop left the bound or became non-finite (a learning rate too large)."""


def within_bound(x: np.ndarray, bound: float = np.inf) -> np.ndarray:
    """True for each point (last axis = coordinates) that is finite and inside ``bound``.

    A 0-d or 1-d ``x`` is one point; ``(..., dim)`` holds many, and the answer has
    shape ``(..., 1)`` so that it broadcasts against ``x``.
    """
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(x) & (np.abs(x) <= bound)
    return ok.all(axis=-1, keepdims=True) if np.ndim(x) else ok


def warn_diverged(message: str, stacklevel: int = 3) -> None:
    """Issue one :class:`DivergenceWarning` (by default at the caller's caller)."""
    warnings.warn(message, DivergenceWarning, stacklevel=stacklevel)
