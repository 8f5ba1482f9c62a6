"""Run an optimizer on a landscape and keep the whole path.

.. code-block:: python

    path = run(Adam(lr=0.3), elongated_bowl(), x0=[-7.0, 2.0], steps=30)
    path.shape   # (31, 2): the start and the 30 iterates

``x0`` may hold many start points, ``(1000, 2)`` say: they are all updated in the
same array operations, so a batch costs little more than one point.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ._validate import as_float_array, check_beta, check_int, check_positive, check_range
from .landscapes import Landscape
from .rules import Optimizer, State

GradientFunction = Callable[[np.ndarray], np.ndarray]


class DivergenceWarning(UserWarning):
    """Some start points of :func:`run` left the bound or became non-finite."""


def _gradient_function(landscape: Landscape | GradientFunction) -> GradientFunction:
    if isinstance(landscape, Landscape):
        return landscape.grad
    if callable(landscape):
        return landscape
    raise TypeError(f"landscape must be a Landscape or a gradient function, got {landscape!r}")


def run(
    optimizer: Optimizer,
    landscape: Landscape | GradientFunction,
    x0: Any,
    steps: int,
    *,
    noise: float = 0.0,
    seed: int = 0,
    bound: float = 1e6,
    warn: bool = True,
    record_states: bool = False,
) -> Any:
    """Take ``steps`` steps of ``optimizer`` from ``x0`` and return every iterate.

    Args:
        optimizer: any rule from :mod:`optimizers.rules`.
        landscape: a :class:`~optimizers.landscapes.Landscape`, or a function
            ``points -> gradients``.
        x0: start point(s), shape ``(..., dim)``.
        steps: number of updates.
        noise: standard deviation of Gaussian noise added to every gradient
            component (a stand-in for mini-batch noise); 0 for exact gradients.
        seed: seeds the noise, so a noisy run is reproducible.
        bound: a point whose coordinates exceed this in absolute value has diverged.
        warn: issue one :class:`DivergenceWarning` naming the diverged points.
        record_states: also return a copy of the optimizer state after each step.

    Returns:
        ``path`` of shape ``(steps + 1, *x0.shape)`` with ``path[0] = x0``, or
        ``(path, states)`` when ``record_states``. A point that diverges stops there:
        its remaining rows are NaN (see :func:`divergence_step`). No overflow warnings
        are emitted along the way.
    """
    steps = check_int("steps", steps, low=0)
    noise = check_range("noise", noise, 0.0)
    bound = check_positive("bound", bound)
    gradient = _gradient_function(landscape)
    x = as_float_array("x0", x0).copy()
    rng = np.random.default_rng(seed)

    path = np.full((steps + 1, *x.shape), np.nan)
    path[0] = x
    alive = _alive(x, bound)
    state: State = optimizer.init(x)
    states: list[State] = []

    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(1, steps + 1):
            if not alive.any():
                break
            safe_x = np.where(alive, x, 0.0)  # keep dead points out of the gradient
            g = np.asarray(gradient(safe_x), dtype=float)
            if noise > 0:
                g = g + noise * rng.standard_normal(g.shape)
            alive &= _alive(g, np.inf)
            g = np.where(alive, g, 0.0)
            x, state = optimizer.step(np.where(alive, x, 0.0), g, state)
            alive &= _alive(x, bound)
            path[k] = np.where(alive, x, np.nan)
            if record_states:
                states.append(state.copy())

    if warn and not _alive(path[-1], np.inf).all():
        dead = divergence_step(path)
        where = np.argwhere(dead >= 0)
        first = tuple(int(i) for i in where[0]) if dead.ndim else ()
        warnings.warn(
            f"{len(where)} of {max(dead.size, 1)} start point(s) diverged under "
            f"{optimizer!r}; the first, x0{list(first) if first else ''}, "
            f"at step {int(dead[first])}. Their paths end there (NaN afterwards).",
            DivergenceWarning,
            stacklevel=2,
        )
    return (path, states) if record_states else path


def _alive(x: np.ndarray, bound: float) -> np.ndarray:
    """True for each point (last axis = coordinates) that is finite and inside the bound."""
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(x) & (np.abs(x) <= bound)
    return ok.all(axis=-1, keepdims=True) if x.ndim else ok


def divergence_step(path: np.ndarray) -> np.ndarray:
    """For each start point, the first step whose iterate is NaN, or −1 if it never is.

    Shape ``path.shape[1:-1]`` (one entry per start point).
    """
    finite = np.isfinite(path).all(axis=-1)
    diverged = ~finite.all(axis=0)
    first_bad = np.argmin(finite, axis=0)
    return np.where(diverged, first_bad, -1)


def nesterov_lookahead_path(
    landscape: Landscape | GradientFunction,
    x0: Any,
    lr: float,
    beta: float,
    steps: int,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Nesterov's method in its textbook look-ahead form (Sutskever et al. 2013).

    .. math:: v ← β v − η\,∇f(x + β v), \qquad x ← x + v

    Returns ``(x_path, lookahead_path)``, both ``(steps + 1, *x0.shape)``, where
    ``lookahead_path[k] = x_path[k] + β v_k`` are the points whose gradient is taken.
    With the same lr and beta, ``run(Nesterov(lr, beta), ...)`` returns exactly
    ``lookahead_path``: libraries store the look-ahead point as the parameters.
    """
    lr = check_positive("lr", lr)
    beta = check_beta("beta", beta)
    steps = check_int("steps", steps, low=0)
    gradient = _gradient_function(landscape)
    x = as_float_array("x0", x0).copy()
    v = np.zeros_like(x)
    xs, lookaheads = [x.copy()], [x.copy()]
    for _ in range(steps):
        v = beta * v - lr * gradient(x + beta * v)
        x = x + v
        xs.append(x.copy())
        lookaheads.append(x + beta * v)
    return np.array(xs), np.array(lookaheads)
