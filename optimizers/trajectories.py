"""Trajectories: run an optimizer on a landscape and keep the whole path.

.. code-block:: python

    path = run(Adam(lr=0.3), elongated_bowl(), x0=[-7.0, 2.0], steps=30)
    path.shape   # (31, 2): the start and the 30 iterates

``x0`` may hold many start points, ``(1000, 2)`` say: they are all updated in the
same array operations, so a batch costs little more than one point.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._validate import as_float_array, check_beta, check_int, check_positive, check_range
from .errors import DivergenceWarning, warn_diverged, within_bound
from .landscapes import Landscape
from .rules import UpdateRule

GradientFunction = Callable[[np.ndarray], np.ndarray]

__all__ = [
    "DivergenceWarning",
    "divergence_step",
    "nesterov_lookahead_path",
    "run",
    "run_with_states",
    "steps_to_stay_below",
]


def _gradient_function(landscape: Landscape | GradientFunction) -> GradientFunction:
    if isinstance(landscape, Landscape):
        return landscape.grad
    if callable(landscape):
        return landscape
    raise TypeError(f"landscape must be a Landscape or a gradient function, got {landscape!r}")


def run(
    optimizer: UpdateRule,
    landscape: Landscape | GradientFunction,
    x0: Any,
    steps: int,
    *,
    noise: float = 0.0,
    seed: int = 0,
    bound: float = 1e6,
    warn: bool = True,
) -> np.ndarray:
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

    Returns:
        Always an array ``path`` of shape ``(steps + 1, *x0.shape)`` with
        ``path[0] = x0``. A point that diverges stops there: its remaining rows are
        NaN (see :func:`divergence_step`). No overflow warnings are emitted along the
        way. For the optimizer's state after each step use :func:`run_with_states`.
    """
    return _run(optimizer, landscape, x0, steps, noise, seed, bound, warn, keep_states=False)[0]


def run_with_states(
    optimizer: UpdateRule,
    landscape: Landscape | GradientFunction,
    x0: Any,
    steps: int,
    *,
    noise: float = 0.0,
    seed: int = 0,
    bound: float = 1e6,
    warn: bool = True,
) -> tuple[np.ndarray, list[Any]]:
    """:func:`run`, plus the optimizer's state after each step: ``(path, states)``.

    ``states[k]`` is the state after step ``k + 1`` (``len(states)`` is the number of
    steps taken, fewer than ``steps`` if every point diverged). The rules' ``step`` is
    pure, so these are independent objects, not one state seen many times.
    """
    return _run(optimizer, landscape, x0, steps, noise, seed, bound, warn, keep_states=True)


def _run(
    optimizer: UpdateRule,
    landscape: Landscape | GradientFunction,
    x0: Any,
    steps: int,
    noise: float,
    seed: int,
    bound: float,
    warn: bool,
    keep_states: bool,
) -> tuple[np.ndarray, list[Any]]:
    steps = check_int("steps", steps, low=0)
    noise = check_range("noise", noise, 0.0)
    bound = check_positive("bound", bound)
    gradient = _gradient_function(landscape)
    x = as_float_array("x0", x0).copy()
    rng = np.random.default_rng(seed)

    path = np.full((steps + 1, *x.shape), np.nan)
    path[0] = x
    alive = within_bound(x, bound)
    state = optimizer.init(x)
    states: list[Any] = []

    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(1, steps + 1):
            if not alive.any():
                break
            safe_x = np.where(alive, x, 0.0)  # keep dead points out of the gradient
            g = np.asarray(gradient(safe_x), dtype=float)
            if noise > 0:
                g = g + noise * rng.standard_normal(g.shape)
            alive &= within_bound(g)
            g = np.where(alive, g, 0.0)
            x, state = optimizer.step(np.where(alive, x, 0.0), g, state)
            alive &= within_bound(x, bound)
            path[k] = np.where(alive, x, np.nan)
            if keep_states:
                states.append(state)

    if warn and not within_bound(path[-1]).all():
        dead = divergence_step(path)
        where = np.argwhere(dead >= 0)
        first = tuple(int(i) for i in where[0]) if dead.ndim else ()
        warn_diverged(
            f"{len(where)} of {max(dead.size, 1)} start point(s) diverged under "
            f"{optimizer!r}; the first, x0{list(first) if first else ''}, "
            f"at step {int(dead[first])}. Their paths end there (NaN afterwards).",
            stacklevel=4,
        )
    return path, states


def divergence_step(path: np.ndarray) -> np.ndarray:
    """For each start point, the first step whose iterate is NaN, or −1 if it never is.

    Shape ``path.shape[1:-1]`` (one entry per start point).
    """
    finite = np.isfinite(path).all(axis=-1)
    diverged = ~finite.all(axis=0)
    first_bad = np.argmin(finite, axis=0)
    return np.where(diverged, first_bad, -1)


def steps_to_stay_below(values: Any, threshold: float) -> Any:
    """The first step ``k`` from which ``values[j] < threshold`` for every ``j >= k``.

    A measure of speed that does not depend on where a path is in its swing: a
    momentum path can dip below the threshold and swing out again, and the first dip
    would flatter it. ``values`` has the steps on its first axis (``f`` along a path,
    shape ``(steps + 1, ...)``, or a distance to the minimum); the answer has shape
    ``values.shape[1:]``, −1 where the last value is not below (the run was too short,
    or diverged: NaN counts as not below).
    """
    values = np.asarray(values, dtype=float)
    if values.ndim == 0 or len(values) == 0:
        raise ValueError(f"values must have the steps on a first axis, got shape {values.shape}")
    threshold = check_range("threshold", threshold, -np.inf)
    above = ~(values < threshold)  # NaN counts as above
    last_above = len(values) - 1 - np.argmax(above[::-1], axis=0)
    steps = np.where(above.any(axis=0), last_above + 1, 0)
    steps = np.where(above[-1], -1, steps)
    return int(steps) if steps.ndim == 0 else steps


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
