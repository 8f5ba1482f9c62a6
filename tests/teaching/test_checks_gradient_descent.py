"""The checks of the gradient-descent chapter: their references are the package's SGD and
the limit 2/λ_max at which gradient descent on a quadratic starts to diverge."""

from __future__ import annotations

import numpy as np
import pytest

import optimizers as opt
from optimizers.teaching.checks import REFERENCES, REGISTRY, CheckFailed


def test_the_chapter_exercises_are_registered_here():
    names = {name for name, ex in REGISTRY.items() if ex.chapter == "gradient_descent"}
    assert names == {"gd_step", "max_stable_lr"}


def test_gd_step_reference_is_one_step_of_sgd():
    rng = np.random.default_rng(0)
    theta, grad = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    path = opt.run(opt.SGD(0.3), lambda _: grad, theta, steps=1)
    np.testing.assert_allclose(REFERENCES["gd_step"](theta, grad, 0.3), path[1])


def random_hessian(rng, eigenvalues):
    q, _ = np.linalg.qr(rng.normal(size=(len(eigenvalues), len(eigenvalues))))
    h = q @ np.diag(eigenvalues) @ q.T
    return (h + h.T) / 2


@pytest.mark.parametrize("eigenvalues", [[2.0], [0.1, 2.0], [0.5, 1.0, 8.0]])
def test_max_stable_lr_is_where_gradient_descent_starts_to_diverge(eigenvalues):
    rng = np.random.default_rng(len(eigenvalues))
    hessian = random_hessian(rng, eigenvalues)
    limit = REFERENCES["max_stable_lr"](hessian)
    assert np.isclose(limit, 2 / max(eigenvalues))
    quadratic = opt.Quadratic(hessian)
    start = rng.normal(size=len(eigenvalues))
    below = opt.run(opt.SGD(0.98 * limit), quadratic, start, steps=2000)
    above = opt.run(opt.SGD(1.02 * limit), quadratic, start, steps=2000, warn=False)
    assert np.abs(below[-1]).max() < 1e-3 * np.abs(start).max()
    assert not np.isfinite(above[-1]).all() or np.abs(above[-1]).max() > 1e3


def test_max_stable_lr_names_the_diagonal_for_a_turned_valley():
    turn = np.array([[1.0, -1.0], [1.0, 1.0]]) / np.sqrt(2)
    tilted = turn @ np.diag([0.1, 2.0]) @ turn.T  # diagonal 1.05, 1.05: eigenvalues 0.1 and 2
    assert np.isclose(REFERENCES["max_stable_lr"](tilted), 1.0)
    with pytest.raises(CheckFailed, match="uses the diagonal of the Hessian"):
        opt.checks.check_max_stable_lr(lambda hessian: float(2 / np.max(np.diag(hessian))))
