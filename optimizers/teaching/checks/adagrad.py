"""The checks of ``chapters/adagrad.ipynb``.

AdaGrad: one step, and its path on one coordinate of an axis-aligned quadratic, where
the curvature cancels: θ_{k+1} = θ_k (1 − η/√(θ_0² + … + θ_k²)).

Each exercise is declared once with :func:`~optimizers.teaching.checks.engine.exercise`
(see :mod:`optimizers.teaching.checks.engine` for how to add one).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...landscapes import Quadratic
from ...rules import AdaGrad
from ...trajectories import run
from .engine import SHAPES, exercise, mistake
from .engine import rng as _rng


def _adaptive_cases(extra: Callable[[np.random.Generator, tuple[int, ...]], tuple]) -> list:
    """theta, grad, state arrays...: gradients of several scales, zero and nonzero states."""
    rng = _rng()
    cases = []
    for i, shape in enumerate(SHAPES):
        scale = (1.0, 1e-2, 3.0, 0.3)[i]
        cases.append((rng.normal(size=shape), scale * rng.normal(size=shape), *extra(rng, shape)))
    return cases


def _adagrad_cases() -> list[tuple[Any, ...]]:
    settings = iter([(0.1, 1e-10, 0.0), (0.5, 1e-2, 1.0), (0.01, 0.5, 2.0), (1.0, 1e-3, 0.1)])

    def extra(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple:
        lr, eps, s_scale = next(settings)
        return (s_scale * rng.uniform(0.0, 2.0, size=shape), lr, eps)

    return _adaptive_cases(extra)


def _adagrad_reference(theta: Any, grad: Any, s: Any, lr: float, eps: float) -> tuple:
    rule = AdaGrad(lr, eps)
    state = rule.init(theta)
    state.s = np.array(s, dtype=float)
    theta, state = rule.step(theta, grad, state)
    return theta, state.s


def _adagrad_eps_inside(theta: Any, grad: Any, s: Any, lr: float, eps: float) -> tuple:
    s = s + grad**2
    return theta - lr * grad / np.sqrt(s + eps), s


def _adagrad_not_squared(theta: Any, grad: Any, s: Any, lr: float, eps: float) -> tuple:
    s = s + grad
    return theta - lr * grad / (np.sqrt(s) + eps), s


def _adagrad_abs(theta: Any, grad: Any, s: Any, lr: float, eps: float) -> tuple:
    s = s + np.abs(grad)
    return theta - lr * grad / (np.sqrt(s) + eps), s


def _adagrad_no_sqrt(theta: Any, grad: Any, s: Any, lr: float, eps: float) -> tuple:
    s = s + grad**2
    return theta - lr * grad / (s + eps), s


def _adagrad_not_accumulated(theta: Any, grad: Any, s: Any, lr: float, eps: float) -> tuple:
    s = grad**2
    return theta - lr * grad / (np.sqrt(s) + eps), s


def _adagrad_old_s(theta: Any, grad: Any, s: Any, lr: float, eps: float) -> tuple:
    return theta - lr * grad / (np.sqrt(s) + eps), s + grad**2


_EPS_INSIDE = (
    "ε is inside the square root (√(s + ε)); this rule puts it outside, √s + ε "
    "(as torch does). With a small ε the two barely differ, which is why the "
    "check also uses a large one."
)
_NOT_SQUARED = "it accumulates g instead of g**2: the denominator must grow with the squares."

ADAGRAD_STEP = exercise(
    "adagrad_step",
    params=("theta", "grad", "s", "lr", "eps"),
    outputs=("theta", "s"),
    doc="``adagrad_step(theta, grad, s, lr, eps) -> (theta, s)``",
    reference=_adagrad_reference,
    uses=("AdaGrad",),
    cases=_adagrad_cases,
    mistakes=(
        mistake("eps_inside_sqrt", _EPS_INSIDE, _adagrad_eps_inside),
        mistake("g_not_squared", _NOT_SQUARED, _adagrad_not_squared, _adagrad_abs),
        mistake(
            "no_sqrt",
            "the square root is missing: divide by √s + ε, not by s + ε (s holds squared "
            "gradients; its root has the units of g).",
            _adagrad_no_sqrt,
        ),
        mistake(
            "not_accumulated",
            "s is replaced by g**2 instead of accumulated: AdaGrad sums all squared "
            "gradients so far, s = s + g**2.",
            _adagrad_not_accumulated,
        ),
        mistake(
            "old_s",
            "the step divides by the old s. Add this step's g**2 first, then divide by "
            "√s + ε (on the very first step the old s is 0).",
            _adagrad_old_s,
        ),
    ),
)


# ------------------------------------------- one coordinate of an axis-aligned quadratic


def _path_cases() -> list[tuple[Any, ...]]:
    # (θ0, η, steps): η small and large against |θ0| (large: the first step overshoots)
    return [(7.0, 0.1, 30), (-2.0, 0.5, 20), (0.3, 1.0, 15), (5.0, 10.0, 12), (-0.01, 0.002, 25)]


CURVATURE = 3.7  # any curvature gives the same path: the point of the exercise


def _path_reference(theta0: float, lr: float, steps: int) -> np.ndarray:
    """opt.AdaGrad on ½λθ² (ε negligible): the same for every λ."""
    line = Quadratic(np.array([[CURVATURE]]))
    return run(AdaGrad(lr, eps=1e-300), line, [float(theta0)], int(steps))[:, 0]


def _path_loop(theta0: float, lr: float, steps: int, factor: Callable[..., Any]) -> np.ndarray:
    path = [float(theta0)]
    for k in range(int(steps)):
        path.append(path[-1] * factor(np.array(path), lr, k))
    return np.array(path)


def _path_sum_before(theta0: float, lr: float, steps: int) -> np.ndarray:
    # S without the current θ²: the first step divides by zero
    with np.errstate(all="ignore"):
        return _path_loop(theta0, lr, steps, lambda p, lr, k: 1 - lr / np.sqrt(np.sum(p[:-1] ** 2)))


def _path_no_sqrt(theta0: float, lr: float, steps: int) -> np.ndarray:
    return _path_loop(theta0, lr, steps, lambda p, lr, k: 1 - lr / np.sum(p**2))


def _path_abs(theta0: float, lr: float, steps: int) -> np.ndarray:
    return _path_loop(theta0, lr, steps, lambda p, lr, k: 1 - lr / np.sum(np.abs(p)))


def _path_mean(theta0: float, lr: float, steps: int) -> np.ndarray:
    return _path_loop(theta0, lr, steps, lambda p, lr, k: 1 - lr / np.sqrt(np.mean(p**2)))


def _path_sign(theta0: float, lr: float, steps: int) -> np.ndarray:
    return _path_loop(theta0, lr, steps, lambda p, lr, k: 1 + lr / np.sqrt(np.sum(p**2)))


def _path_last_only(theta0: float, lr: float, steps: int) -> np.ndarray:
    return _path_loop(theta0, lr, steps, lambda p, lr, k: 1 - lr / abs(p[-1]))


ADAGRAD_COORDINATE_PATH = exercise(
    "adagrad_coordinate_path",
    params=("theta0", "lr", "steps"),
    doc="``adagrad_coordinate_path(theta0, lr, steps) -> array``: θ_0 … θ_steps of AdaGrad "
    "(ε = 0) on ½λθ², from θ_{k+1} = θ_k (1 − η/√(θ_0² + … + θ_k²)), with no λ",
    reference=_path_reference,
    uses=("AdaGrad", "run", "run_with_states"),
    cases=_path_cases,
    mistakes=(
        mistake(
            "sum_without_current",
            "the sum leaves out the current iterate: s ← s + g² comes before the division, "
            "so step k divides by √(θ_0² + … + θ_k²), including θ_k² (the first step by |θ_0|).",
            _path_sum_before,
        ),
        mistake(
            "no_square_root",
            "the square root is missing: s = λ²·(θ_0² + … + θ_k²), and AdaGrad divides by √s.",
            _path_no_sqrt,
        ),
        mistake(
            "absolute_values",
            "it sums |θ_j| instead of θ_j²: s adds the squared gradients λ²θ_j².",
            _path_abs,
        ),
        mistake(
            "mean_not_sum",
            "it divides by the root of the mean of the squares (an average, as in RMSprop). "
            "AdaGrad's s is the sum: √(θ_0² + … + θ_k²).",
            _path_mean,
        ),
        mistake(
            "sign_flipped",
            "the step goes away from the minimum: θ_{k+1} = θ_k·(1 − η/√S_k), with a minus.",
            _path_sign,
        ),
        mistake(
            "current_square_only",
            "it divides by |θ_k| alone, so every step has length η (sign descent). The sum "
            "keeps every earlier squared gradient too: √(θ_0² + … + θ_k²).",
            _path_last_only,
        ),
    ),
)
