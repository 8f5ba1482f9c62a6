"""The checks of the Nesterov chapter: the references agree with the package's look-ahead
path and iteration matrix, and natural answers pass."""

from __future__ import annotations

import numpy as np
import pytest

import optimizers as opt
from optimizers import analysis
from optimizers.teaching.checks import REFERENCES, REGISTRY, CheckFailed


def test_the_chapter_exercises_are_registered_here():
    names = {name for name, ex in REGISTRY.items() if ex.chapter == "nesterov"}
    assert names == {"nesterov_step", "nesterov_library_step", "nesterov_max_lr"}


def test_nesterov_step_reference_is_one_step_of_the_lookahead_path():
    bowl = opt.elongated_bowl()
    x_path, _ = opt.nesterov_lookahead_path(bowl, [-7.0, 2.0], lr=0.1, beta=0.9, steps=5)
    for k in range(1, 4):
        x, u = x_path[k], x_path[k] - x_path[k - 1]
        x_new, u_new = REFERENCES["nesterov_step"](x, u, bowl.grad, 0.1, 0.9)
        np.testing.assert_allclose(x_new, x_path[k + 1], rtol=1e-12)
        np.testing.assert_allclose(u_new, x_path[k + 1] - x_path[k], rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("beta", [0.0, 0.3, 0.9, 0.99])
@pytest.mark.parametrize("curvature", [0.1, 2.0, 1000.0])
def test_max_lr_reference_is_the_edge_of_convergence(beta, curvature):
    edge = REFERENCES["nesterov_max_lr"](beta, curvature)
    assert analysis.spectral_radius(edge * (1 - 1e-6), beta, curvature, "nesterov") < 1
    assert analysis.spectral_radius(edge * (1 + 1e-6), beta, curvature, "nesterov") > 1


def _bisection(beta, curvature):
    """A numerical answer: bisect on the spectral radius (one number at a time)."""

    def one(b, lam):
        low, high = 0.0, 4.0 / lam
        for _ in range(80):
            mid = (low + high) / 2
            if analysis.spectral_radius(mid, b, lam, "nesterov") < 1:
                low = mid
            else:
                high = mid
        return low

    return np.vectorize(one)(beta, curvature)


def test_max_lr_accepts_a_numerical_answer(capsys):
    opt.checks.check_nesterov_max_lr(_bisection)
    assert capsys.readouterr().out.startswith("✓ nesterov_max_lr is correct")


def test_max_lr_cases_cover_numbers_arrays_and_gradient_descent():
    cases = REGISTRY["nesterov_max_lr"].make_cases()
    assert any(np.ndim(b) == 0 and b == 0.0 for b, _ in cases)  # β = 0: gradient descent
    assert any(np.ndim(b) > 0 for b, _ in cases) and any(np.ndim(c) > 0 for _, c in cases)


def test_max_lr_names_the_heavy_ball():
    with pytest.raises(CheckFailed, match="heavy ball's limit"):
        opt.checks.check_nesterov_max_lr(lambda beta, curvature: 2 * (1 + beta) / curvature)
