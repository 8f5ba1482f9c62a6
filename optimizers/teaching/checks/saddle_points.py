"""The checks of ``chapters/saddle-points.ipynb``.

Saddle points: classifying a critical point, the steps to escape a saddle.

Each exercise is declared once with :func:`~optimizers.teaching.checks.engine.exercise`
(see :mod:`optimizers.teaching.checks.engine` for how to add one).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .engine import exercise, mistake
from .engine import rng as _rng
from .gradient_descent import _hessians

ZERO_TOL = 1e-9  # relative: an eigenvalue this small counts as zero


def _classify(eigenvalues: np.ndarray, tol: float) -> str:
    positive, negative = bool((eigenvalues > tol).any()), bool((eigenvalues < -tol).any())
    if positive and negative:
        return "saddle"
    if (eigenvalues > tol).all():
        return "minimum"
    if (eigenvalues < -tol).all():
        return "maximum"
    return "degenerate"


def _classify_reference(hessian: Any) -> str:
    lams = np.linalg.eigvalsh(np.asarray(hessian, dtype=float))
    return _classify(lams, ZERO_TOL * max(1.0, float(np.abs(lams).max())))


def _classify_exact_zero(hessian: Any) -> str:
    return _classify(np.linalg.eigvalsh(hessian), 0.0)


def _classify_diagonal(hessian: Any) -> str:
    diag = np.diag(np.asarray(hessian, dtype=float))
    return _classify(diag, ZERO_TOL * max(1.0, float(np.abs(diag).max())))


def _classify_zero_first(hessian: Any) -> str:
    lams = np.linalg.eigvalsh(hessian)
    if (np.abs(lams) <= ZERO_TOL * max(1.0, float(np.abs(lams).max()))).any():
        return "degenerate"
    return _classify_reference(hessian)


def _classify_determinant(hessian: Any) -> str:
    h = np.asarray(hessian, dtype=float)
    det = np.linalg.det(h)
    if abs(det) <= ZERO_TOL:
        return "degenerate"
    if det < 0:
        return "saddle"
    return "minimum" if h[0, 0] > 0 else "maximum"


CLASSIFY_CRITICAL_POINT = exercise(
    "classify_critical_point",
    params=("hessian",),
    kind="str",
    choices=("minimum", "maximum", "saddle", "degenerate"),
    doc="``classify_critical_point(hessian) -> 'minimum'|'maximum'|'saddle'|'degenerate'``",
    reference=_classify_reference,
    cases=lambda: _hessians(
        _rng(),
        [
            [2.0, 0.5],
            [-1.0, -3.0],
            [1.0, -2.0],
            [1.0, 0.0],
            [-1.0, 0.0, 2.0],
            [1.0, 2.0, -3.0],
            [-1.0, -1.0, -2.0],
            [0.5, 1.0, 4.0, 2.0],
            [3.0, 1.0, 0.0],
        ],
    ),
    mistakes=(
        mistake(
            "determinant_only",
            "the sign of the determinant (the product of the eigenvalues) separates a "
            "saddle from an extremum only for 2 × 2 Hessians, and even there a minimum "
            "from a maximum only with the trace or a diagonal entry; in more dimensions "
            "(here 3 × 3) a positive determinant can hide two negative eigenvalues. Use "
            "the signs of all eigenvalues (np.linalg.eigvalsh).",
            _classify_determinant,
        ),
        mistake(
            "diagonal",
            "it looks at the diagonal entries. They are the eigenvalues only when the "
            "Hessian is diagonal; use np.linalg.eigvalsh(hessian).",
            _classify_diagonal,
        ),
        mistake(
            "exact_zero",
            "it compares eigenvalues with exactly 0. A singular Hessian's eigenvalues come "
            "out as ±1e-16 after rounding; count |λ| <= 1e-9·max(1, max|λ|) as zero.",
            _classify_exact_zero,
        ),
        mistake(
            "zero_before_sign_change",
            "a positive and a negative eigenvalue make a saddle even if another eigenvalue "
            "is zero: there are directions down and up. 'degenerate' is only for a zero "
            "eigenvalue without a sign change.",
            _classify_zero_first,
        ),
    ),
)


def _escape_reference(lr: float, curvature: float, y0: float, threshold: float) -> float:
    """Count the steps of gradient descent along y, y ← y − η·λ·y, until ``|y| > threshold``."""
    y, steps = abs(float(y0)), 0
    if y == 0:
        return np.inf  # the gradient along y stays 0: gradient descent never leaves
    while y <= threshold:
        y = y - lr * curvature * y
        steps += 1
    return float(steps)


def _escape_formula(
    lr: float, curvature: float, y0: float, threshold: float, growth: float | None = None,
    plus: int = 1,
) -> float:  # fmt: skip
    growth_log = np.log(1 - lr * curvature) if growth is None else growth
    with np.errstate(all="ignore"):
        return float(np.floor(np.log(threshold / np.abs(y0)) / growth_log) + plus)


def _escape_linearised(lr: float, curvature: float, y0: float, threshold: float) -> float:
    return _escape_formula(lr, curvature, y0, threshold, growth=-lr * curvature)


def _escape_wrong_sign(lr: float, curvature: float, y0: float, threshold: float) -> float:
    return _escape_formula(lr, curvature, y0, threshold, growth=np.log(1 + lr * curvature))


def _escape_no_curvature(lr: float, curvature: float, y0: float, threshold: float) -> float:
    return _escape_formula(lr, curvature, y0, threshold, growth=np.log(1 + lr))


def _escape_last_inside(lr: float, curvature: float, y0: float, threshold: float) -> float:
    return _escape_formula(lr, curvature, y0, threshold, plus=0)


def _escape_no_abs(lr: float, curvature: float, y0: float, threshold: float) -> float:
    with np.errstate(all="ignore"):
        return float(np.floor(np.log(np.divide(threshold, y0)) / np.log(1 - lr * curvature)) + 1)


ESCAPE_STEPS = exercise(
    "escape_steps",
    params=("lr", "curvature", "y0", "threshold"),
    doc="``escape_steps(lr, curvature, y0, threshold)``: steps until ``|y| > threshold``",
    reference=_escape_reference,
    cases=lambda: [
        (0.1, -2.0, 1e-6, 1.0),
        (0.1, -2.0, 1e-8, 1.0),
        (0.05, -1.0, -3e-4, 0.5),
        (0.01, -0.5, 2e-3, 1.0),
        (0.3, -4.0, 1e-10, 2.0),
        (0.1, -2.0, 0.0, 1.0),
    ],
    mistakes=(
        mistake(
            "linearised",
            "it counts with ln(1 + η|λ|) ≈ η|λ|, which is good only for small steps. The "
            "distance grows by the factor 1 − ηλ per step exactly: divide by ln(1 − ηλ).",
            _escape_linearised,
        ),
        mistake(
            "wrong_sign",
            "the factor is 1 + ηλ. Along a direction of curvature λ the gradient is λy, so "
            "a step gives y − ηλy = (1 − ηλ)y, which grows because λ < 0.",
            _escape_wrong_sign,
        ),
        mistake(
            "curvature_missing",
            "the growth factor 1 + η leaves out the curvature: one step multiplies y by "
            "1 − ηλ (1 + 2η on x² − y², where λ = −2).",
            _escape_no_curvature,
        ),
        mistake(
            "last_step_inside",
            "it is one step short: it gives the last step with |y| ≤ threshold. The answer "
            "is the first step with |y| > threshold: ⌊ln(threshold/|y0|)/ln(1 − ηλ)⌋ + 1.",
            _escape_last_inside,
        ),
        mistake(
            "negative_start",
            "a negative y0 gives NaN: the distance from the saddle is |y0| (the path "
            "leaves downward, just as fast).",
            _escape_no_abs,
        ),
    ),
)
