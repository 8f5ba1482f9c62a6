"""The checks of ``chapters/nesterov.ipynb``.

Nesterov's momentum: the look-ahead form (point x, velocity u), the library form
(parameters θ, v), and the learning-rate limit 2(1 + β)/((1 + 2β)λ).

Each exercise is declared once with :func:`~optimizers.teaching.checks.engine.exercise`
(see :mod:`optimizers.teaching.checks.engine` for how to add one).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...rules import Nesterov
from .engine import SHAPES, Build, exercise, mistake
from .engine import rng as _rng
from .momentum import _momentum_cases


class QuadraticGradient:
    """∇f for f(θ) = ½ Σ c (θ − θ*)², elementwise: a gradient function for the checks."""

    def __init__(self, c: np.ndarray, center: np.ndarray) -> None:
        self.c, self.center = c, center

    def __call__(self, theta: Any) -> np.ndarray:
        return self.c * (np.asarray(theta, dtype=float) - self.center)

    def __repr__(self) -> str:
        return "<gradient function>"


def _gradient(c: np.ndarray, center: np.ndarray) -> Build:
    """A :class:`QuadraticGradient` as data (made where the function is called)."""
    return Build(f"{__name__}:QuadraticGradient", (c, center), text="<gradient function>")


def _nesterov_cases() -> list[tuple[Any, ...]]:
    rng = _rng()
    cases = []
    for s, lr, beta in zip(SHAPES, (0.1, 0.05, 0.3, 0.01), (0.9, 0.5, 0.99, 0.8), strict=False):
        grad_fn = _gradient(rng.uniform(0.5, 3.0, size=s), rng.normal(size=s))
        cases.append((rng.normal(size=s), rng.normal(size=s), grad_fn, lr, beta))
    return cases


def _nesterov_reference(x: Any, u: Any, grad_fn: Callable, lr: float, beta: float) -> tuple:
    """The look-ahead form computed with opt.Nesterov, which stores the look-ahead point.

    With θ = x + βu and the library's v = −u/η, one torch-form step from (θ, v) gives
    (θ', v'); then u' = −ηv' and x' = θ' − βu'.
    """
    x, u = np.asarray(x, dtype=float), np.asarray(u, dtype=float)
    rule = Nesterov(lr, beta)
    state = rule.init(x)
    state.v = -u / lr
    lookahead = x + beta * u
    lookahead, state = rule.step(lookahead, grad_fn(lookahead), state)
    u_new = -lr * state.v
    return lookahead - beta * u_new, u_new


def _nesterov_at(point: Callable[[Any, Any, float], Any]) -> Callable[..., tuple]:
    def step(x: Any, u: Any, grad_fn: Callable, lr: float, beta: float) -> tuple:
        u = beta * u - lr * grad_fn(point(x, u, beta))
        return x + u, u

    return step


_nesterov_at_x = _nesterov_at(lambda x, u, beta: x)
_nesterov_at_x_plus_u = _nesterov_at(lambda x, u, beta: x + u)
_nesterov_at_x_minus_beta_u = _nesterov_at(lambda x, u, beta: x - beta * u)


def _nesterov_sign_flipped(
    x: Any, u: Any, grad_fn: Callable[..., Any], lr: float, beta: float
) -> tuple:
    u = beta * u + lr * grad_fn(x + beta * u)
    return x + u, u


NESTEROV_STEP = exercise(
    "nesterov_step",
    params=("x", "u", "grad_fn", "lr", "beta"),
    outputs=("x", "u"),
    doc="``nesterov_step(x, u, grad_fn, lr, beta) -> (x, u)`` (look-ahead form)",
    reference=_nesterov_reference,
    uses=("Nesterov", "nesterov_lookahead_path"),
    cases=_nesterov_cases,
    mistakes=(
        mistake(
            "gradient_at_x",
            "the gradient is taken at the wrong point: at x, which makes this plain "
            "momentum. Nesterov takes it at the look-ahead point: grad_fn(x + β·u).",
            _nesterov_at_x,
        ),
        mistake(
            "gradient_at_x_plus_u",
            "the gradient is taken at the wrong point: at x + u. The look-ahead point is "
            "where the momentum alone would carry x, x + β·u.",
            _nesterov_at_x_plus_u,
        ),
        mistake(
            "gradient_behind",
            "the gradient is taken at the wrong point: at x − β·u, behind x. Look ahead, "
            "in the direction of the velocity: grad_fn(x + β·u).",
            _nesterov_at_x_minus_beta_u,
        ),
        mistake(
            "sign_flipped",
            "the momentum sign is flipped: the step goes uphill. The velocity points "
            "downhill, u = β·u − η·∇f(x + β·u), and x = x + u.",
            _nesterov_sign_flipped,
        ),
    ),
)


def _nesterov_library_reference(theta: Any, v: Any, grad: Any, lr: float, beta: float) -> tuple:
    rule = Nesterov(lr, beta)
    state = rule.init(theta)
    state.v = np.array(v, dtype=float)
    theta, state = rule.step(theta, grad, state)
    return theta, state.v


def _nesterov_library_plain(theta: Any, v: Any, grad: Any, lr: float, beta: float) -> tuple:
    v = beta * v + grad
    return theta - lr * v, v


def _nesterov_library_sign(theta: Any, v: Any, grad: Any, lr: float, beta: float) -> tuple:
    v = beta * v + grad
    return theta + lr * (grad + beta * v), v


NESTEROV_LIBRARY_STEP = exercise(
    "nesterov_library_step",
    params=("theta", "v", "grad", "lr", "beta"),
    outputs=("theta", "v"),
    doc="``nesterov_library_step(theta, v, grad, lr, beta) -> (theta, v)`` (torch form)",
    reference=_nesterov_library_reference,
    uses=("Nesterov",),
    cases=_momentum_cases,
    mistakes=(
        mistake(
            "plain_momentum",
            "this is plain momentum (θ − η·v, which is also θ − η·(g + β·v) with the old "
            "v). Nesterov's library form adds the gradient once more: update "
            "v = β·v + g first, then θ − η·(g + β·v) with the new v.",
            _nesterov_library_plain,
        ),
        mistake(
            "sign_flipped",
            "the momentum sign is flipped: the step goes uphill; subtract, θ − η·(g + β·v).",
            _nesterov_library_sign,
        ),
    ),
)


# ------------------------------------------------------- the learning-rate limit


def _max_lr_cases() -> list[tuple[Any, ...]]:
    # (β, λ): numbers and arrays, β = 0 (gradient descent) to β near 1, curvatures 0.1 to 1000
    return [
        (0.9, 2.0),
        (0.0, 4.0),
        (0.5, np.array([0.1, 1.0, 1000.0])),
        (np.array([0.0, 0.3, 0.6, 0.99]), 1.0),
        (0.99, 0.25),
    ]


def _max_lr_reference(beta: Any, curvature: Any) -> Any:
    """2(1 + β)/((1 + 2β)λ): a root of z² − (1 + β)(1 − ηλ)z + β(1 − ηλ) reaches z = −1."""
    return 2 * (1 + beta) / ((1 + 2 * beta) * curvature)


def _max_lr_heavy_ball(beta: Any, curvature: Any) -> Any:
    return 2 * (1 + beta) / curvature


def _max_lr_gradient_descent(beta: Any, curvature: Any) -> Any:
    return 2 / curvature + 0 * beta


def _max_lr_no_curvature(beta: Any, curvature: Any) -> Any:
    return 2 * (1 + beta) / (1 + 2 * beta) + 0 * curvature


def _max_lr_inverted(beta: Any, curvature: Any) -> Any:
    return (1 + 2 * beta) * curvature / (2 * (1 + beta))


NESTEROV_MAX_LR = exercise(
    "nesterov_max_lr",
    params=("beta", "curvature"),
    doc="``nesterov_max_lr(beta, curvature) -> float or array``: the largest stable η of "
    "Nesterov's method along curvature λ, 2(1 + β)/((1 + 2β)λ)",
    reference=_max_lr_reference,
    uses=("spectral_radius", "convergence_rate", "iteration_matrix", "analysis"),
    cases=_max_lr_cases,
    mistakes=(
        mistake(
            "heavy_ball_limit",
            "2(1 + β)/λ is the heavy ball's limit. Nesterov's polynomial is "
            "z² − (1 + β)(1 − ηλ)z + β(1 − ηλ): the momentum term is damped by 1 − ηλ too; "
            "set it to zero at z = −1 and solve for η.",
            _max_lr_heavy_ball,
        ),
        mistake(
            "gradient_descent_limit",
            "2/λ is gradient descent's limit: it leaves out β. At z = −1 the polynomial is "
            "1 + (1 + 2β)(1 − ηλ), which depends on β.",
            _max_lr_gradient_descent,
        ),
        mistake(
            "limit_on_eta_lambda",
            "this is the limit on the product ηλ, not on η: divide it by the curvature.",
            _max_lr_no_curvature,
        ),
        mistake(
            "inverted",
            "the answer is upside down: the limit falls as the curvature grows, "
            "η < 2(1 + β)/((1 + 2β)·λ).",
            _max_lr_inverted,
        ),
    ),
)
