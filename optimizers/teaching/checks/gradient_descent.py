"""The checks of ``chapters/gradient-descent.ipynb``.

Gradient descent: one step, the largest stable learning rate.

Each exercise is declared once with :func:`~optimizers.teaching.checks.engine.exercise`
(see :mod:`optimizers.teaching.checks.engine` for how to add one).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ...rules import SGD
from .engine import SHAPES, exercise, mistake
from .engine import rng as _rng


def _gd_reference(theta: Any, grad: Any, lr: float) -> np.ndarray:
    sgd = SGD(lr)
    return sgd.step(theta, grad, sgd.init(theta))[0]


def _gd_sign_flipped(theta: Any, grad: Any, lr: float) -> Any:
    return theta + lr * grad


def _gd_no_lr(theta: Any, grad: Any, lr: float) -> Any:
    return theta - grad


def _gd_lr_divides(theta: Any, grad: Any, lr: float) -> Any:
    return theta - grad / lr


def _gd_cases() -> list[tuple[Any, ...]]:
    rng = _rng()
    return [
        (rng.normal(size=s), rng.normal(size=s), lr)
        for s, lr in zip(SHAPES, (0.1, 0.5, 0.01, 0.3), strict=False)
    ]


GD_STEP = exercise(
    "gd_step",
    params=("theta", "grad", "lr"),
    doc="``gd_step(theta, grad, lr) -> theta``: one step θ − ηg",
    reference=_gd_reference,
    uses=("SGD",),
    cases=_gd_cases,
    mistakes=(
        mistake(
            "sign_flipped",
            "it steps uphill (θ + ηg). Gradient descent moves against the gradient: θ − η·g.",
            _gd_sign_flipped,
        ),
        mistake(
            "no_learning_rate",
            "the learning rate is missing (θ − g): scale the gradient by lr, θ − lr·g.",
            _gd_no_lr,
        ),
        mistake(
            "lr_divides",
            "it divides the gradient by the learning rate (θ − g/η); multiply instead: θ − η·g.",
            _gd_lr_divides,
        ),
    ),
)


def _hessians(rng: np.random.Generator, eigenvalue_sets: Sequence[Sequence[float]]) -> list:
    """Symmetric matrices Q diag(λ) Qᵀ with random rotations Q."""
    matrices = []
    for lams in eigenvalue_sets:
        q, _ = np.linalg.qr(rng.normal(size=(len(lams), len(lams))))
        h = q @ np.diag(lams) @ q.T
        matrices.append(((h + h.T) / 2,))
    return matrices


def _max_lr_reference(hessian: Any) -> float:
    return float(2 / np.linalg.eigvalsh(np.asarray(hessian, dtype=float)).max())


def _max_lr_half(hessian: Any) -> float:
    return float(1 / np.linalg.eigvalsh(hessian).max())


def _max_lr_smallest(hessian: Any) -> float:
    return float(2 / np.linalg.eigvalsh(hessian).min())


def _max_lr_diagonal(hessian: Any) -> float:
    return float(2 / np.max(np.diag(hessian)))


MAX_STABLE_LR = exercise(
    "max_stable_lr",
    params=("hessian",),
    doc="``max_stable_lr(hessian) -> float``: 2/λ_max, the largest stable rate",
    reference=_max_lr_reference,
    cases=lambda: _hessians(_rng(), [[3.0], [0.5, 4.0], [0.2, 1.0, 9.0], [1.0, 2.0, 2.5, 7.0]]),
    mistakes=(
        mistake(
            "one_over_lambda",
            "1/λ_max is where the zigzag starts; the steps grow (diverge) only beyond "
            "2/λ_max, where |1 − ηλ_max| > 1.",
            _max_lr_half,
        ),
        mistake(
            "smallest_eigenvalue",
            "it uses the smallest eigenvalue. The steepest direction (the largest "
            "eigenvalue λ_max) is the first to diverge: η < 2/λ_max.",
            _max_lr_smallest,
        ),
        mistake(
            "diagonal",
            "it uses the diagonal of the Hessian. The diagonal entries are the curvatures "
            "along the axes, not the eigenvalues (unless the Hessian is diagonal): use "
            "np.linalg.eigvalsh(hessian).max().",
            _max_lr_diagonal,
        ),
    ),
)
