"""The checks of ``chapters/rmsprop.ipynb``.

RMSprop: one step, the first step from v = 0, and the two-cycle a run with a constant η
ends in.

Each exercise is declared once with :func:`~optimizers.teaching.checks.engine.exercise`
(see :mod:`optimizers.teaching.checks.engine` for how to add one).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...rules import RMSprop
from .adagrad import _EPS_INSIDE, _adaptive_cases
from .engine import exercise, mistake


def _rmsprop_cases() -> list[tuple[Any, ...]]:
    settings = iter(
        [
            (0.1, 0.9, 1e-8, 0.0),
            (0.01, 0.99, 1e-2, 1.0),
            (0.05, 0.5, 0.5, 2.0),
            (1.0, 0.8, 1e-3, 0.1),
        ]
    )

    def extra(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple:
        lr, beta, eps, v_scale = next(settings)
        return (v_scale * rng.uniform(0.0, 2.0, size=shape), lr, beta, eps)

    return _adaptive_cases(extra)


def _rmsprop_reference(theta: Any, grad: Any, v: Any, lr: float, beta: float, eps: float) -> tuple:
    rule = RMSprop(lr, beta, eps)
    state = rule.init(theta)
    state.v = np.array(v, dtype=float)
    theta, state = rule.step(theta, grad, state)
    return theta, state.v


def _rmsprop_eps_inside(theta: Any, grad: Any, v: Any, lr: float, beta: float, eps: float) -> tuple:
    v = beta * v + (1 - beta) * grad**2
    return theta - lr * grad / np.sqrt(v + eps), v


def _rmsprop_not_squared(
    theta: Any, grad: Any, v: Any, lr: float, beta: float, eps: float
) -> tuple:
    v = beta * v + (1 - beta) * grad
    return theta - lr * grad / (np.sqrt(v) + eps), v


def _rmsprop_missing_one_minus_beta(
    theta: Any, grad: Any, v: Any, lr: float, beta: float, eps: float
) -> tuple:
    v = beta * v + grad**2
    return theta - lr * grad / (np.sqrt(v) + eps), v


def _rmsprop_old_v(theta: Any, grad: Any, v: Any, lr: float, beta: float, eps: float) -> tuple:
    return theta - lr * grad / (np.sqrt(v) + eps), beta * v + (1 - beta) * grad**2


def _rmsprop_no_sqrt(theta: Any, grad: Any, v: Any, lr: float, beta: float, eps: float) -> tuple:
    v = beta * v + (1 - beta) * grad**2
    return theta - lr * grad / (v + eps), v


RMSPROP_STEP = exercise(
    "rmsprop_step",
    params=("theta", "grad", "v", "lr", "beta", "eps"),
    outputs=("theta", "v"),
    doc="``rmsprop_step(theta, grad, v, lr, beta, eps) -> (theta, v)``",
    reference=_rmsprop_reference,
    uses=("RMSprop",),
    cases=_rmsprop_cases,
    mistakes=(
        mistake(
            "eps_inside_sqrt",
            _EPS_INSIDE.replace("√(s", "√(v").replace("√s", "√v"),
            _rmsprop_eps_inside,
        ),
        mistake(
            "g_not_squared",
            "it averages g instead of g**2: v = β·v + (1 − β)·g**2.",
            _rmsprop_not_squared,
        ),
        mistake(
            "missing_one_minus_beta",
            "the average is missing its (1 − β): v = β·v + (1 − β)·g**2, so v stays on "
            "the scale of g**2.",
            _rmsprop_missing_one_minus_beta,
        ),
        mistake(
            "old_v",
            "the step divides by the old v. Update v with this step's g**2 first.",
            _rmsprop_old_v,
        ),
        mistake(
            "no_sqrt",
            "the square root is missing: divide by √v + ε, not by v + ε.",
            _rmsprop_no_sqrt,
        ),
    ),
)


def _first_step_reference(grad: Any, lr: float, beta: float, eps: float) -> np.ndarray:
    grad = np.asarray(grad, dtype=float)
    rule = RMSprop(lr, beta, eps)
    zero = np.zeros_like(grad)
    return rule.step(zero, grad, rule.init(zero))[0]


def _first_step_missing(grad: Any, lr: float, beta: float, eps: float) -> Any:
    return -lr * grad / (np.sqrt(grad**2) + eps)


def _first_step_eps_inside(grad: Any, lr: float, beta: float, eps: float) -> Any:
    return -lr * grad / np.sqrt((1 - beta) * grad**2 + eps)


def _first_step_sign(grad: Any, lr: float, beta: float, eps: float) -> Any:
    return lr * grad / (np.sqrt((1 - beta) * grad**2) + eps)


def _first_step_beta(grad: Any, lr: float, beta: float, eps: float) -> Any:
    return -lr * grad / (np.sqrt(beta * grad**2) + eps)


RMSPROP_FIRST_STEP = exercise(
    "rmsprop_first_step",
    params=("grad", "lr", "beta", "eps"),
    doc="``rmsprop_first_step(grad, lr, beta, eps)``: Δθ of the first step from v = 0",
    reference=_first_step_reference,
    uses=("RMSprop",),
    cases=lambda: [
        (g, lr, beta, eps)
        for g, (lr, beta, eps) in zip(
            (np.array([1.0, -0.01]), np.array([3.0]), np.array([[0.5, -2.0], [1e-3, 4.0]])),
            ((0.01, 0.99, 1e-8), (0.1, 0.9, 0.5), (0.001, 0.999, 1e-3)),
            strict=False,
        )
    ],
    mistakes=(
        mistake(
            "missing_one_minus_beta",
            "v₁ is (1 − β)·g**2, not g**2: the average starts at 0 and takes only the "
            "share 1 − β of the first squared gradient. That is why the first step is "
            "1/√(1 − β) times η.",
            _first_step_missing,
        ),
        mistake(
            "beta_swapped",
            "β and 1 − β are swapped: v₁ = β·0 + (1 − β)·g**2.",
            _first_step_beta,
        ),
        mistake(
            "eps_inside_sqrt",
            _EPS_INSIDE.replace("√(s", "√(v").replace("√s", "√v"),
            _first_step_eps_inside,
        ),
        mistake(
            "sign_flipped",
            "the sign is flipped: the step Δθ = θ₁ − θ₀ goes against the gradient.",
            _first_step_sign,
        ),
    ),
)


# --------------------------------------------------------------- the two-cycle


def _two_cycle_cases() -> list[tuple[Any, ...]]:
    # (lr, curvatures, eps): ε from negligible to a sizeable share of ηλ/2
    return [
        (0.1, np.array([0.1, 2.0]), 1e-8),  # the book's bowl
        (0.5, np.array([1.0, 10.0, 100.0]), 0.01),
        (0.02, np.array([[0.5, 3.0], [40.0, 7.0]]), 1e-3),
        (1.0, np.array([4.0]), 0.2),
    ]


def _two_cycle_reference(lr: float, curvatures: Any, eps: float) -> tuple:
    """|θ| = η/2 − ε/λ and r = 2/λ: one step of rate 2/λ maps θ to −θ, and v = (λθ)²."""
    curvatures = np.asarray(curvatures, dtype=float)
    return lr / 2 - eps / curvatures, 2 / curvatures


def _two_cycle_without_eps(lr: float, curvatures: Any, eps: float) -> tuple:
    curvatures = np.asarray(curvatures, dtype=float)
    return np.full(curvatures.shape, lr / 2), 2 / curvatures


def _two_cycle_eps_added(lr: float, curvatures: Any, eps: float) -> tuple:
    curvatures = np.asarray(curvatures, dtype=float)
    return lr / 2 + eps / curvatures, 2 / curvatures


def _two_cycle_step_length(lr: float, curvatures: Any, eps: float) -> tuple:
    curvatures = np.asarray(curvatures, dtype=float)
    return lr - 2 * eps / curvatures, 2 / curvatures


def _two_cycle_step_length_no_eps(lr: float, curvatures: Any, eps: float) -> tuple:
    curvatures = np.asarray(curvatures, dtype=float)
    return np.full(curvatures.shape, float(lr)), 2 / curvatures


def _two_cycle_newton(lr: float, curvatures: Any, eps: float) -> tuple:
    curvatures = np.asarray(curvatures, dtype=float)
    return lr - eps / curvatures, 1 / curvatures


def _two_cycle_newton_half(lr: float, curvatures: Any, eps: float) -> tuple:
    curvatures = np.asarray(curvatures, dtype=float)
    return lr / 2 - eps / curvatures, 1 / curvatures


def _two_cycle_v_without_curvature(lr: float, curvatures: Any, eps: float) -> tuple:
    curvatures = np.asarray(curvatures, dtype=float)
    return lr * curvatures / 2 - eps, 2 / curvatures


def _two_cycle_eps_not_divided(lr: float, curvatures: Any, eps: float) -> tuple:
    curvatures = np.asarray(curvatures, dtype=float)
    return np.full(curvatures.shape, lr / 2 - eps), 2 / curvatures


RMSPROP_TWO_CYCLE = exercise(
    "rmsprop_two_cycle",
    params=("lr", "curvatures", "eps"),
    outputs=("amplitude", "rate"),
    doc="``rmsprop_two_cycle(lr, curvatures, eps) -> (amplitude, rate)``: RMSprop's "
    "two-cycle θ → −θ on a diagonal quadratic, |θ_i| = η/2 − ε/λ_i at the effective rate "
    "η/(√v_i + ε) = 2/λ_i",
    reference=_two_cycle_reference,
    uses=("RMSprop", "run", "run_with_states"),
    cases=_two_cycle_cases,
    mistakes=(
        mistake(
            "eps_left_out",
            "this is the cycle for ε = 0. Keep ε in the effective rate, r = η/(λ|θ| + ε), "
            "and solve r = 2/λ again: ε shifts the amplitude by ε/λ.",
            _two_cycle_without_eps,
        ),
        mistake(
            "eps_sign",
            "the ε term has the wrong sign: λ|θ| + ε = ηλ/2 gives |θ| = η/2 − ε/λ, a little "
            "less than η/2.",
            _two_cycle_eps_added,
        ),
        mistake(
            "step_length",
            "that is the length of a step, from θ to −θ, not the distance |θ| from the "
            "minimum: the amplitude is half of it.",
            _two_cycle_step_length,
            _two_cycle_step_length_no_eps,
        ),
        mistake(
            "newton_rate",
            "1/λ is the Newton rate, which lands on the minimum in one step. A step of rate r "
            "maps θ to (1 − rλ)θ; for θ → −θ you need 1 − rλ = −1.",
            _two_cycle_newton,
            _two_cycle_newton_half,
        ),
        mistake(
            "v_without_curvature",
            "in the cycle v is g² = (λθ)², not θ²: the gradient of ½λθ² is λθ.",
            _two_cycle_v_without_curvature,
        ),
        mistake(
            "eps_not_divided",
            "the ε term is missing its 1/λ: from λ|θ| + ε = ηλ/2, divide both terms by λ.",
            _two_cycle_eps_not_divided,
        ),
    ),
)
