"""The checks of ``chapters/momentum.ipynb``.

Momentum: the torch form, the velocity (Keras) form, the rate of one direction and the
critical β of its iteration matrix.

Each exercise is declared once with :func:`~optimizers.teaching.checks.engine.exercise`
(see :mod:`optimizers.teaching.checks.engine` for how to add one).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...analysis import spectral_radius
from ...rules import Momentum
from .engine import SHAPES, exercise, mistake
from .engine import rng as _rng


def _momentum_cases() -> list[tuple[Any, ...]]:
    rng = _rng()
    return [
        (rng.normal(size=s), rng.normal(size=s), rng.normal(size=s), lr, beta)
        for s, lr, beta in zip(SHAPES, (0.1, 0.05, 0.3, 0.01), (0.9, 0.5, 0.99, 0.8), strict=False)
    ]


def _momentum_reference(theta: Any, v: Any, grad: Any, lr: float, beta: float) -> tuple:
    rule = Momentum(lr, beta)
    state = rule.init(theta)
    state.v = np.array(v, dtype=float)
    theta, state = rule.step(theta, grad, state)
    return theta, state.v


def _momentum_sign_in_velocity(theta: Any, v: Any, grad: Any, lr: float, beta: float) -> tuple:
    v = beta * v - grad
    return theta - lr * v, v


def _momentum_sign_in_step(theta: Any, v: Any, grad: Any, lr: float, beta: float) -> tuple:
    v = beta * v + grad
    return theta + lr * v, v


def _momentum_ema_form(theta: Any, v: Any, grad: Any, lr: float, beta: float) -> tuple:
    v = beta * v + (1 - beta) * grad
    return theta - lr * v, v


def _momentum_old_velocity(theta: Any, v: Any, grad: Any, lr: float, beta: float) -> tuple:
    return theta - lr * v, beta * v + grad


MOMENTUM_STEP = exercise(
    "momentum_step",
    params=("theta", "v", "grad", "lr", "beta"),
    outputs=("theta", "v"),
    doc="``momentum_step(theta, v, grad, lr, beta) -> (theta, v)`` (torch form)",
    reference=_momentum_reference,
    uses=("Momentum",),
    cases=_momentum_cases,
    mistakes=(
        mistake(
            "sign_flipped",
            "the momentum sign is flipped: the step goes uphill. With v = β·v + g the "
            "parameters move against the velocity, θ − η·v.",
            _momentum_sign_in_velocity,
            _momentum_sign_in_step,
        ),
        mistake(
            "ema_form",
            "this is the EMA (lecture) form v = β·v + (1 − β)·g, whose steps are (1 − β) "
            "times shorter. This exercise (like torch) uses v = β·v + g.",
            _momentum_ema_form,
        ),
        mistake(
            "old_velocity",
            "θ moves with the old velocity. Update v first, then step with the new one: "
            "v = β·v + g, θ = θ − η·v.",
            _momentum_old_velocity,
        ),
    ),
)


def _velocity_reference(theta: Any, u: Any, grad: Any, lr: float, beta: float) -> tuple:
    rule = Momentum(lr, beta, form="velocity")
    state = rule.init(theta)
    state.v = np.array(u, dtype=float)
    theta, state = rule.step(theta, grad, state)
    return theta, state.v


def _velocity_sign_in_velocity(theta: Any, u: Any, grad: Any, lr: float, beta: float) -> tuple:
    u = beta * u + lr * grad
    return theta + u, u


def _velocity_sign_in_step(theta: Any, u: Any, grad: Any, lr: float, beta: float) -> tuple:
    u = beta * u - lr * grad
    return theta - u, u


def _velocity_standard_form(theta: Any, u: Any, grad: Any, lr: float, beta: float) -> tuple:
    u = beta * u + grad
    return theta - lr * u, u


def _velocity_old_velocity(theta: Any, u: Any, grad: Any, lr: float, beta: float) -> tuple:
    return theta + u, beta * u - lr * grad


MOMENTUM_VELOCITY_STEP = exercise(
    "momentum_velocity_step",
    params=("theta", "u", "grad", "lr", "beta"),
    outputs=("theta", "u"),
    doc="``momentum_velocity_step(theta, u, grad, lr, beta) -> (theta, u)`` (Keras form)",
    reference=_velocity_reference,
    uses=("Momentum",),
    cases=_momentum_cases,
    mistakes=(
        mistake(
            "sign_flipped",
            "the momentum sign is flipped: the step goes uphill. In this form the velocity "
            "already points downhill, u = β·u − η·g, and θ = θ + u.",
            _velocity_sign_in_velocity,
            _velocity_sign_in_step,
        ),
        mistake(
            "standard_form",
            "this is the torch form (v = β·v + g, θ − η·v). In the velocity form the "
            "learning rate goes into the velocity: u = β·u − η·g, θ = θ + u.",
            _velocity_standard_form,
        ),
        mistake(
            "old_velocity",
            "θ moves with the old velocity. Update u first, then θ = θ + u.",
            _velocity_old_velocity,
        ),
    ),
)


# ------------------------------------------------- the iteration matrix: rate, damping


def _rate_cases() -> list[tuple[Any, ...]]:
    # (η, β, λ): creeping and flipping real roots, a double root, complex roots, divergence
    return [
        (0.04, 0.3, 1.0),  # over-damped, two positive roots
        (0.04, 0.64, 1.0),  # critically damped, double root 0.8
        (0.04, 0.9, 1.0),  # under-damped, modulus √0.9
        (0.952, 0.0, 2.0),  # gradient descent, root 1 − ηλ < 0
        (2.5, 0.1, 1.0),  # two negative roots, diverges (ρ > 1)
        (0.6, 0.5, 4.0),  # complex roots with a negative real part
        (0.3, 0.05, 2.0),  # over-damped, one root of each sign
    ]


def _rate_reference(lr: float, beta: float, curvature: float) -> float:
    return float(spectral_radius(lr, beta, curvature))


def _roots(a: float, b: float) -> tuple[complex, complex]:
    """The roots of z² − a z + b = 0."""
    root = np.sqrt(complex(a * a - 4 * b))
    return (a + root) / 2, (a - root) / 2


def _rate_gradient_descent(lr: float, beta: float, curvature: float) -> float:
    return abs(1 - lr * curvature)


def _rate_sqrt_beta(lr: float, beta: float, curvature: float) -> float:
    return float(np.sqrt(beta))


def _rate_real_part(lr: float, beta: float, curvature: float) -> float:
    return max(abs(z.real) for z in _roots(1 + beta - lr * curvature, beta))


def _rate_no_modulus(lr: float, beta: float, curvature: float) -> float:
    return max(z.real for z in _roots(1 + beta - lr * curvature, beta))


def _rate_beta_sign(lr: float, beta: float, curvature: float) -> float:
    return max(abs(z) for z in _roots(1 + beta - lr * curvature, -beta))


def _rate_smallest_root(lr: float, beta: float, curvature: float) -> float:
    return min(abs(z) for z in _roots(1 + beta - lr * curvature, beta))


MOMENTUM_RATE = exercise(
    "momentum_rate",
    params=("lr", "beta", "curvature"),
    doc="``momentum_rate(lr, beta, curvature) -> float``: ρ(T), the largest modulus of "
    "a root z of z² − (1 + β − ηλ)z + β = 0",
    reference=_rate_reference,
    uses=("spectral_radius", "convergence_rate", "iteration_matrix", "analysis"),
    cases=_rate_cases,
    mistakes=(
        mistake(
            "gradient_descent_rate",
            "this is gradient descent's rate |1 − ηλ|: it ignores β. Momentum's rate is the "
            "largest |z| among the roots of z² − (1 + β − ηλ)z + β = 0.",
            _rate_gradient_descent,
        ),
        mistake(
            "always_sqrt_beta",
            "√β is the rate only when the roots are complex (an under-damped direction). "
            "When they are real, the root farther from 0 sets the rate: compute both roots.",
            _rate_sqrt_beta,
        ),
        mistake(
            "real_part_only",
            "the imaginary part of complex roots is dropped: the modulus of "
            "z = (a ± i√(4β − a²))/2 is √β, not |a|/2. Take abs() of the complex roots "
            "(use a complex square root, e.g. np.sqrt(complex(a*a - 4*beta))).",
            _rate_real_part,
            _rate_no_modulus,
        ),
        mistake(
            "beta_sign",
            "the sign of β in the polynomial is flipped: T = [[1 + β − ηλ, −β], [1, 0]] has "
            "the characteristic polynomial z² − (1 + β − ηλ)z + β.",
            _rate_beta_sign,
        ),
        mistake(
            "smallest_root",
            "this is the smaller of the two |z|. The error shrinks only as fast as the slower "
            "mode allows: the rate is the largest modulus.",
            _rate_smallest_root,
        ),
    ),
)


def _critical_cases() -> list[tuple[Any, ...]]:
    return [(0.04,), (0.25,), (0.5,), (0.9,), (1.5,), (2.25,), (3.0,), (3.9,)]


def _critical_reference(h: float) -> float:
    return float((1 - np.sqrt(h)) ** 2)


def _critical_no_square(h: float) -> float:
    return float(1 - np.sqrt(h))


def _critical_abs_no_square(h: float) -> float:
    return float(abs(1 - np.sqrt(h)))


def _critical_no_root(h: float) -> float:
    return float((1 - h) ** 2)


def _critical_other_root(h: float) -> float:
    return float((1 + np.sqrt(h)) ** 2)


def _critical_creeping_only(h: float) -> float:
    return float(max(1 - np.sqrt(h), 0.0) ** 2)


CRITICAL_BETA = exercise(
    "critical_beta",
    params=("h",),
    doc="``critical_beta(h) -> float``: the β with a double root at ηλ = h, (1 − √h)²",
    reference=_critical_reference,
    uses=("damping", "analysis"),
    cases=_critical_cases,
    mistakes=(
        mistake(
            "missing_square",
            "this is √β, not β: the double root is ±√β with √β = |1 − √h|, so β = (1 − √h)².",
            _critical_no_square,
            _critical_abs_no_square,
        ),
        mistake(
            "missing_root",
            "(1 − h)² misses a square root: the discriminant (1 + β − h)² − 4β vanishes when "
            "h = (1 ∓ √β)², that is √h = 1 ∓ √β.",
            _critical_no_root,
        ),
        mistake(
            "other_root",
            "(1 + √h)² is larger than 1, not a decay rate. Of the two solutions of "
            "h = (1 ∓ √β)², take the one with β in [0, 1): β = (1 − √h)².",
            _critical_other_root,
        ),
        mistake(
            "creeping_side_only",
            "this covers only h < 1. For 1 < h < 4 the double root is negative, "
            "−√β with √β = √h − 1, and β = (√h − 1)² = (1 − √h)², the same formula.",
            _critical_creeping_only,
        ),
    ),
)
