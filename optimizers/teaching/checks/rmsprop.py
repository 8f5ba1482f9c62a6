"""The checks of ``chapters/rmsprop.ipynb``.

RMSprop: one step, the steps after a change of gradient scale, and the two-cycle a run
with a constant η ends in.

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


def _change_cases() -> list[tuple[Any, ...]]:
    # (factor, beta, k): jumps and drops, short and long memories, k of several shapes
    return [
        (10.0, 0.9, np.arange(1, 6)),
        (0.1, 0.99, np.array([1, 10, 100, 348])),
        (3.0, 0.5, np.array([[1, 2], [3, 4]])),
        (1e3, 0.999, np.array([1, 50, 2000])),
    ]


def _change_reference(factor: float, beta: float, k: Any) -> np.ndarray:
    """The package's RMSprop (η = 1, ε ≈ 0) from v = g² = 1, fed the gradient c."""
    k = np.asarray(k)
    rule = RMSprop(1.0, beta, eps=1e-300)  # ε negligible
    theta = np.zeros(1)
    state = rule.init(theta)
    state.v = np.ones(1)  # settled at g² for g = 1
    lengths = []
    for _ in range(int(k.max())):
        new_theta, state = rule.step(theta, np.array([float(factor)]), state)
        lengths.append(abs(new_theta[0] - theta[0]))
        theta = new_theta
    return np.array(lengths)[k - 1]


def _change_from_zero(factor: float, beta: float, k: Any) -> Any:
    return 1 / np.sqrt(1 - beta ** np.asarray(k, dtype=float))


def _change_old_v(factor: float, beta: float, k: Any) -> Any:
    b = beta ** (np.asarray(k, dtype=float) - 1)
    return factor / np.sqrt(b + factor**2 * (1 - b))


def _change_no_sqrt(factor: float, beta: float, k: Any) -> Any:
    b = beta ** np.asarray(k, dtype=float)
    return factor / (b + factor**2 * (1 - b))


def _change_weights_swapped(factor: float, beta: float, k: Any) -> Any:
    b = beta ** np.asarray(k, dtype=float)
    return factor / np.sqrt(1 - b + factor**2 * b)


def _change_inverted(factor: float, beta: float, k: Any) -> Any:
    b = beta ** np.asarray(k, dtype=float)
    return np.sqrt(b + factor**2 * (1 - b)) / factor


RMSPROP_STEPS_AFTER_CHANGE = exercise(
    "rmsprop_steps_after_change",
    params=("factor", "beta", "k"),
    doc="``rmsprop_steps_after_change(factor, beta, k)``: the k-th step ÷ η after the "
    "gradient changes from g (with v settled at g²) to factor·g, ε negligible",
    reference=_change_reference,
    uses=("RMSprop",),
    cases=_change_cases,
    mistakes=(
        mistake(
            "v_from_zero",
            "it starts v at 0 after the change, as at the very first step. v was settled "
            "at g²: after k steps of c·g it is β^k·g² + (1 − β^k)·c²g².",
            _change_from_zero,
        ),
        mistake(
            "old_v",
            "it is one step late: the k-th step after the change divides by v after k "
            "updates with c·g, β^k·g² + (1 − β^k)·c²g², not k − 1 (v is updated before "
            "the step).",
            _change_old_v,
        ),
        mistake(
            "no_sqrt",
            "the square root is missing: the step divides c·g by √v, not by v.",
            _change_no_sqrt,
        ),
        mistake(
            "weights_swapped",
            "the weights are swapped: after k steps the old g² keeps the share β^k and the "
            "new c²g² has 1 − β^k.",
            _change_weights_swapped,
        ),
        mistake(
            "inverted",
            "the ratio is upside down: the step is c·g/√v, so c stands in the numerator.",
            _change_inverted,
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
    "two-cycle θ → −θ on a diagonal quadratic, amplitude η/2 − ε/λ_i at the effective rate "
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
