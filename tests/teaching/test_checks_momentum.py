"""The checks of the momentum chapter: the references agree with optimizers.analysis and
the iteration matrix, the test cases cover every regime, and natural answers pass."""

from __future__ import annotations

import numpy as np
import pytest

import optimizers as opt
from optimizers import analysis
from optimizers.teaching.checks import REFERENCES, REGISTRY, CheckFailed

RATE_CASES = REGISTRY["momentum_rate"].make_cases()


def rate_from_eigenvalues(lr, beta, curvature):
    return float(np.abs(np.linalg.eigvals(analysis.iteration_matrix(lr, beta, curvature))).max())


def test_momentum_rate_reference_is_the_iteration_matrix_radius():
    rng = np.random.default_rng(0)
    for lr, beta, lam in zip(
        rng.uniform(0.01, 3, 200), rng.uniform(0, 0.99, 200), rng.uniform(0, 4, 200), strict=True
    ):
        assert np.isclose(
            REFERENCES["momentum_rate"](lr, beta, lam),
            rate_from_eigenvalues(lr, beta, lam),
            atol=1e-6,
        )


def test_momentum_rate_cases_cover_every_regime():
    regimes = {str(analysis.damping(lr, beta, lam)) for lr, beta, lam in RATE_CASES}
    assert regimes == {"overdamped", "critically damped", "underdamped"}
    rates = [REFERENCES["momentum_rate"](*case) for case in RATE_CASES]
    assert max(rates) > 1 and min(rates) < 1  # one diverging case
    assert any(lr * lam > 1 + beta for lr, beta, lam in RATE_CASES)  # a flipping direction


@pytest.mark.parametrize(
    "answer",
    [rate_from_eigenvalues, lambda lr, beta, lam: float(analysis.spectral_radius(lr, beta, lam))],
)
def test_momentum_rate_accepts_eigenvalue_answers(answer, capsys):
    opt.checks.check_momentum_rate(answer)
    assert capsys.readouterr().out.startswith("✓ momentum_rate is correct")


def test_momentum_rate_names_gradient_descent():
    with pytest.raises(CheckFailed, match="gradient descent's rate"):
        opt.checks.check_momentum_rate(lambda lr, beta, lam: abs(1 - lr * lam))


@pytest.mark.parametrize("h", [0.01, 0.04, 0.3, 0.8, 1.2, 2.0, 3.5])
def test_critical_beta_reference_gives_a_double_root(h):
    beta = REFERENCES["critical_beta"](h)
    assert 0 <= beta < 1
    assert analysis.damping(h, beta, 1.0) == "critically damped"
    if beta + 0.01 < 1:
        assert analysis.damping(h, beta + 0.01, 1.0) == "underdamped"


def test_critical_beta_reproduces_polyaks_pair():
    lam = opt.elongated_bowl().eigenvalues
    lr, beta, _ = analysis.optimal_heavy_ball(lam)
    for curvature in (lam.min(), lam.max()):
        assert np.isclose(REFERENCES["critical_beta"](lr * curvature), beta)


def test_critical_beta_cases_cover_both_sides():
    hs = [h for (h,) in REGISTRY["critical_beta"].make_cases()]
    assert min(hs) < 1 < max(hs) < 4


def test_the_chapter_exercises_are_registered_here():
    names = {name for name, ex in REGISTRY.items() if ex.chapter == "momentum"}
    assert names == {"momentum_step", "momentum_velocity_step", "momentum_rate", "critical_beta"}
