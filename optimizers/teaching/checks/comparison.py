"""The checks of ``chapters/comparison.ipynb``.

Comparing optimizers fairly: the best learning rate of a grid by a measure that a swing
cannot fool (the steps until f *stays* below a tolerance), and the settling time of
momentum on a quadratic from the roots of its iteration matrix.

Each exercise is declared once with :func:`~optimizers.teaching.checks.engine.exercise`
(see :mod:`optimizers.teaching.checks.engine` for how to add one).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ...analysis import spectral_radius
from ...landscapes import elongated_bowl
from ...trajectories import run, steps_to_stay_below
from .engine import Build, exercise, mistake

# ------------------------------------------------------------------ best_rate


def _values(
    make_rule: Callable[[float], Any], landscape: Any, start: Any, rates: Any, steps: int
) -> list[np.ndarray]:
    """f along the path (steps + 1 values) for each rate; NaN after a divergence."""
    return [
        landscape.value(run(make_rule(lr), landscape, start, steps, warn=False)) for lr in rates
    ]


def _settle(values: list[np.ndarray], tol: float) -> np.ndarray:
    """Steps until f stays below tol, per rate; inf where it never does (was −1)."""
    steps = np.array([steps_to_stay_below(f, tol) for f in values], dtype=float)
    steps[steps < 0] = np.inf
    return steps


def _best_reference(
    make_rule: Callable[[float], Any],
    landscape: Any,
    start: Any,
    rates: Any,
    steps: int,
    tol: float,
) -> float:
    settle = _settle(_values(make_rule, landscape, start, rates, steps), tol)
    if np.isinf(settle).all():
        return float("nan")
    return float(rates[int(np.argmin(settle))])


def _best_final_value(
    make_rule: Callable[[float], Any],
    landscape: Any,
    start: Any,
    rates: Any,
    steps: int,
    tol: float,
) -> float:
    finals = [f[-1] for f in _values(make_rule, landscape, start, rates, steps)]
    return float(rates[int(np.nanargmin(finals))])


def _best_minus_one_chosen(
    make_rule: Callable[[float], Any],
    landscape: Any,
    start: Any,
    rates: Any,
    steps: int,
    tol: float,
) -> float:
    values = _values(make_rule, landscape, start, rates, steps)
    return float(rates[int(np.argmin([steps_to_stay_below(f, tol) for f in values]))])


def _best_first_dip(
    make_rule: Callable[[float], Any],
    landscape: Any,
    start: Any,
    rates: Any,
    steps: int,
    tol: float,
) -> float:
    firsts = [
        float(np.argmax(f < tol)) if (f < tol).any() else np.inf
        for f in _values(make_rule, landscape, start, rates, steps)
    ]
    return float(rates[int(np.argmin(firsts))])


def _best_returns_steps(
    make_rule: Callable[[float], Any],
    landscape: Any,
    start: Any,
    rates: Any,
    steps: int,
    tol: float,
) -> float:
    return float(_settle(_values(make_rule, landscape, start, rates, steps), tol).min())


def _best_returns_index(
    make_rule: Callable[[float], Any],
    landscape: Any,
    start: Any,
    rates: Any,
    steps: int,
    tol: float,
) -> float:
    return float(np.argmin(_settle(_values(make_rule, landscape, start, rates, steps), tol)))


def _turn(angle: float) -> np.ndarray:
    return np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])


def _bowl(angle: float) -> Build:
    """The elongated bowl x²/20 + y², turned by ``angle`` (as data)."""
    if angle == 0:
        return Build("optimizers.landscapes:elongated_bowl", text="<landscape 'elongated bowl'>")
    turn = _turn(angle)
    name = "elongated bowl, turned"
    return Build(
        "optimizers.landscapes:Quadratic",
        (turn @ elongated_bowl().A @ turn.T,),
        (("name", name),),
        text=f"<landscape {name!r}>",
    )


def _rule(name: str, **kwargs: float) -> Build:
    """``lambda lr: opt.<name>(lr, **kwargs)`` as data."""
    shown = "".join(f", {k}={v}" for k, v in kwargs.items())
    text = f"lambda lr: opt.{name}(lr{shown})"
    return Build(
        "optimizers.teaching.checks.engine:RuleFactory", (name, text), tuple(kwargs.items()), text
    )


def _best_cases() -> list[tuple[Any, ...]]:
    bowl, turned = _bowl(0.0), _bowl(np.pi / 4)
    start = np.array([-7.0, 2.0])
    turned_start = _turn(np.pi / 4) @ start
    return [
        # 0.3 and 1.2 never settle within 60 steps (1.2 diverges)
        (_rule("SGD"), bowl, start, np.array([0.3, 0.6, 0.95, 1.2]), 60, 1e-2),
        # settles first at 0.1, ends lowest at 0.3; 3.0 diverges
        (_rule("Momentum", beta=0.9), bowl, start, np.array([0.03, 0.1, 0.3, 1.5, 3.0]), 120, 1e-2),
        # 3.0 dips below first but 1.0 settles first
        (_rule("Adam"), turned, turned_start, np.array([0.03, 0.1, 0.3, 1.0, 3.0]), 120, 1e-2),
        # only 0.3 settles (at the last step)
        (_rule("Momentum", beta=0.9), bowl, start, np.array([0.1, 0.3, 0.5, 1.0]), 40, 0.05),
        # 0.3 settles first, 1.0 ends lowest
        (_rule("Adam"), bowl, start, np.array([0.1, 0.3, 1.0]), 60, 0.05),
    ]  # fmt: skip


BEST_RATE = exercise(
    "best_rate",
    params=("make_rule", "landscape", "start", "rates", "steps", "tol"),
    doc="``best_rate(make_rule, landscape, start, rates, steps, tol) -> float``, the rate "
    "of the grid whose f settles below ``tol`` in the fewest steps",
    reference=_best_reference,
    cases=_best_cases,
    mistakes=(
        mistake(
            "final_value",
            "it ranks the rates by f after the last step, which depends on where a swinging "
            "path happens to be when the run stops. Rank them by the steps until f stays "
            "below tol: opt.steps_to_stay_below(f, tol).",
            _best_final_value,
        ),
        mistake(
            "never_settled_chosen",
            "it picked a rate whose run never settles. opt.steps_to_stay_below returns -1 "
            "for such a run (too slow, or diverged), and np.argmin takes -1 as the fewest "
            "steps; count those runs as infinitely slow.",
            _best_minus_one_chosen,
        ),
        mistake(
            "first_dip",
            "it counts the steps until f first dips below tol; a swinging path can dip "
            "below and come back. Count the steps until f stays below tol to the end of the "
            "run.",
            _best_first_dip,
        ),
        mistake(
            "returns_steps",
            "it returns the number of steps of the best run; return the learning rate that "
            "took them.",
            _best_returns_steps,
        ),
        mistake(
            "returns_index",
            "it returns the position of the best rate in the grid; return the rate itself, "
            "rates[i].",
            _best_returns_index,
        ),
    ),
)

# ------------------------------------------------------- momentum_settle_steps


def _settle_count(f0: float, tol: float, rho: float) -> float:
    if rho >= 1:
        return math.inf
    return float(math.ceil(math.log(f0 / tol) / (2 * math.log(1 / rho))))


def _roots(lr: float, beta: float, lam: float) -> tuple[float, float]:
    """Moduli of the two roots of z² − (1 + β − ηλ) z + β = 0."""
    a = 1 + beta - lr * lam
    root = np.sqrt(complex(a * a - 4 * beta))
    return abs((a + root) / 2), abs((a - root) / 2)


def _settle_reference(f0: float, tol: float, lr: float, beta: float, curvatures: Any) -> float:
    rho = float(np.max(spectral_radius(lr, beta, np.atleast_1d(curvatures))))
    return _settle_count(f0, tol, rho)


def _settle_no_square(f0: float, tol: float, lr: float, beta: float, curvatures: Any) -> float:
    rho = max(max(_roots(lr, beta, lam)) for lam in np.atleast_1d(curvatures))
    return math.inf if rho >= 1 else float(math.ceil(math.log(f0 / tol) / math.log(1 / rho)))


def _settle_fastest_direction(
    f0: float, tol: float, lr: float, beta: float, curvatures: Any
) -> float:
    rho = min(max(_roots(lr, beta, lam)) for lam in np.atleast_1d(curvatures))
    return _settle_count(f0, tol, rho)


def _settle_sqrt_beta(f0: float, tol: float, lr: float, beta: float, curvatures: Any) -> float:
    return _settle_count(f0, tol, math.sqrt(beta))


def _settle_floor(f0: float, tol: float, lr: float, beta: float, curvatures: Any) -> float:
    rho = max(max(_roots(lr, beta, lam)) for lam in np.atleast_1d(curvatures))
    if rho >= 1:
        return math.inf
    return float(math.floor(math.log(f0 / tol) / (2 * math.log(1 / rho))))


def _settle_smaller_root(f0: float, tol: float, lr: float, beta: float, curvatures: Any) -> float:
    rho = max(min(_roots(lr, beta, lam)) for lam in np.atleast_1d(curvatures))
    return _settle_count(f0, tol, rho)


def _settle_no_inf(f0: float, tol: float, lr: float, beta: float, curvatures: Any) -> float:
    rho = max(max(_roots(lr, beta, lam)) for lam in np.atleast_1d(curvatures))
    if rho == 1:
        return math.inf
    return float(math.ceil(math.log(f0 / tol) / (2 * math.log(1 / rho))))


def _settle_gd_factor(f0: float, tol: float, lr: float, beta: float, curvatures: Any) -> float:
    rho = max(abs(1 - lr * lam) for lam in np.atleast_1d(curvatures))
    return _settle_count(f0, tol, rho)


def _settle_cases() -> list[tuple[Any, ...]]:
    bowl = np.array([0.1, 2.0])
    return [
        (6.45, 1e-3, 0.1, 0.9, bowl),  # under-damped in both directions: √β
        (6.45, 1e-3, 0.01, 0.9, bowl),  # the flat direction over-damped
        (6.45, 1e-3, 3.0, 0.9, bowl),  # the steep direction diverges
        (1.0, 1e-6, 0.01, 0.5, np.array([0.5, 2.0])),  # over-damped in both directions
        (10.0, 1e-4, 0.05, 0.95, np.array([0.01, 1.0, 10.0])),
        (2.0, 1e-5, 1.0, 0.3, np.array([0.05, 0.6, 1.0])),
    ]


MOMENTUM_SETTLE_STEPS = exercise(
    "momentum_settle_steps",
    params=("f0", "tol", "lr", "beta", "curvatures"),
    doc="``momentum_settle_steps(f0, tol, lr, beta, curvatures) -> float``, the smallest "
    "whole k with ρ_max^(2k)·f0 ≤ tol for momentum on a quadratic (``np.inf`` if "
    "ρ_max ≥ 1)",
    reference=_settle_reference,
    cases=_settle_cases,
    uses=("spectral_radius", "iteration_matrix", "convergence_rate"),
    mistakes=(
        mistake(
            "no_square",
            "it counts the steps for the error, ρ^k, to shrink by f0/tol; f is quadratic in "
            "the error and shrinks like ρ^(2k), so half as many steps are enough.",
            _settle_no_square,
        ),
        mistake(
            "fastest_direction",
            "it uses the direction whose error shrinks fastest (the smallest ρ); f settles "
            "only when every direction has, so take the largest ρ over the curvatures.",
            _settle_fastest_direction,
        ),
        mistake(
            "always_sqrt_beta",
            "it takes ρ = √β for every rate. That holds only when the roots are complex "
            "(under-damped, (1 + β − ηλ)² < 4β); otherwise the roots are real and the larger "
            "one is slower, and for ηλ > 2(1 + β) it exceeds 1 (divergence).",
            _settle_sqrt_beta,
        ),
        mistake(
            "rounded_down",
            "it rounds the step count down; the smallest whole k with ρ^(2k)·f0 ≤ tol is the "
            "count rounded up (math.ceil).",
            _settle_floor,
        ),
        mistake(
            "smaller_root",
            "in an over-damped direction it uses the smaller of the two real roots; the "
            "error keeps the slower mode, the root of larger modulus.",
            _settle_smaller_root,
        ),
        mistake(
            "diverging_not_infinite",
            "for ρ_max > 1 the error grows and f never gets below tol, but the function "
            "returns a finite (negative) count; return np.inf.",
            _settle_no_inf,
        ),
        mistake(
            "gradient_descent_factor",
            "it uses gradient descent's factor |1 − ηλ|; momentum's rate per step is the "
            "modulus of the roots of z² − (1 + β − ηλ)z + β = 0.",
            _settle_gd_factor,
        ),
    ),
)
