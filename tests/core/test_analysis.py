"""optimizers.analysis: exact rates of heavy ball and Nesterov on quadratics, measured rates."""

from __future__ import annotations

import numpy as np
import pytest

import optimizers as opt
from optimizers import analysis

QUADRATIC = opt.ill_conditioned_quadratic()  # curvatures 0.2 and 4, κ = 20
START = np.array([-7.0, 2.0])


def test_iteration_matrices_are_the_documented_ones():
    np.testing.assert_allclose(
        analysis.iteration_matrix(0.1, 0.9, 2.0), [[1 + 0.9 - 0.2, -0.9], [1, 0]]
    )
    np.testing.assert_allclose(
        analysis.iteration_matrix(0.1, 0.9, 2.0, "nesterov"),
        [[1.9 * 0.8, -0.9 * 0.8], [1, 0]],
    )
    assert analysis.iteration_matrix([0.1, 0.2], [[0.0], [0.5], [0.9]], 1.0).shape == (3, 2, 2, 2)


@pytest.mark.parametrize("method", ["heavy_ball", "nesterov"])
def test_iteration_matrix_reproduces_the_optimizer_on_one_coordinate(method):
    lr, beta, lam = 0.3, 0.7, 2.5
    rule = opt.Momentum(lr, beta) if method == "heavy_ball" else opt.Nesterov(lr, beta)
    path = opt.run(rule, opt.Quadratic(np.array([[lam]])), [1.0], 20)[:, 0]
    T = analysis.iteration_matrix(lr, beta, lam, method)
    state = np.array([path[1], path[0]])  # the first step starts from v = 0
    for k in range(1, 20):
        state = T @ state
        assert state[0] == pytest.approx(path[k + 1], rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("method", ["heavy_ball", "nesterov"])
def test_spectral_radius_equals_numpy_eigenvalues_on_a_grid(method):
    lr = np.linspace(0.01, 1.2, 25)[:, None, None]
    beta = np.linspace(0.0, 0.99, 20)[None, :, None]
    lam = np.array([0.2, 1.0, 4.0])
    radius = analysis.spectral_radius(lr, beta, lam, method)
    eig = np.abs(np.linalg.eigvals(analysis.iteration_matrix(lr, beta, lam, method))).max(-1)
    assert radius.shape == (25, 20, 3)
    np.testing.assert_allclose(radius, eig, rtol=1e-6, atol=1e-7)  # double roots: √eps


def test_known_rates():
    # β = 0 is gradient descent: ρ = |1 − ηλ|
    np.testing.assert_allclose(analysis.spectral_radius(0.3, 0.0, [1.0, 5.0]), [0.7, 0.5])
    # complex eigenvalues: modulus √β for the heavy ball, √(β(1 − ηλ)) for Nesterov
    assert analysis.spectral_radius(0.01, 0.9, 1.0) == pytest.approx(np.sqrt(0.9))
    assert analysis.spectral_radius(0.01, 0.9, 1.0, "nesterov") == pytest.approx(
        np.sqrt(0.9 * 0.99)
    )
    # stability edges: heavy ball ηλ < 2(1 + β); Nesterov ηλ < 2(1 + β)/(1 + 2β)
    beta = 0.5
    assert analysis.spectral_radius(2 * 1.5 * 0.999, beta, 1.0) < 1
    assert analysis.spectral_radius(2 * 1.5 * 1.001, beta, 1.0) > 1
    edge = 2 * 1.5 / 2.0
    assert analysis.spectral_radius(edge * 0.999, beta, 1.0, "nesterov") < 1
    assert analysis.spectral_radius(edge * 1.001, beta, 1.0, "nesterov") > 1


def test_convergence_rate_is_the_slowest_direction_and_broadcasts():
    rate = analysis.convergence_rate(0.3, 0.0, QUADRATIC)
    assert rate == pytest.approx(max(abs(1 - 0.3 * 0.2), abs(1 - 0.3 * 4)))  # 0.94
    lrs, betas = np.linspace(0.05, 1.0, 7), np.linspace(0.0, 0.95, 5)
    grid = analysis.convergence_rate(lrs[:, None], betas[None, :], [0.2, 4.0])
    assert grid.shape == (7, 5)
    assert grid[2, 3] == pytest.approx(analysis.convergence_rate(lrs[2], betas[3], [0.2, 4.0]))
    assert analysis.convergence_rate(0.3, 0.5, 2.0) == analysis.spectral_radius(0.3, 0.5, 2.0)


def test_optimal_heavy_ball_is_polyaks_pair_and_the_minimum_of_the_map():
    lr, beta, rate = analysis.optimal_heavy_ball(QUADRATIC)
    root_kappa = np.sqrt(20)
    assert lr == pytest.approx((2 / (np.sqrt(0.2) + 2)) ** 2)
    assert beta == pytest.approx(((root_kappa - 1) / (root_kappa + 1)) ** 2)
    assert rate == pytest.approx(0.634512, abs=1e-6)
    assert analysis.convergence_rate(lr, beta, QUADRATIC) == pytest.approx(rate, rel=1e-7)
    assert list(analysis.damping(lr, beta, [0.2, 4.0])) == ["critically damped"] * 2
    # no point of a fine grid does better
    lrs = np.linspace(0.01, 1.0, 199)[:, None]
    betas = np.linspace(0.0, 0.98, 197)[None, :]
    assert analysis.convergence_rate(lrs, betas, QUADRATIC).min() >= rate - 1e-6


def test_damping_regimes():
    # λ = 1, η = 0.04: critical at √β = 1 − √η = 0.8
    assert analysis.damping(0.04, 0.3, 1.0) == "overdamped"
    assert analysis.damping(0.04, 0.64, 1.0) == "critically damped"
    assert analysis.damping(0.04, 0.9, 1.0) == "underdamped"
    assert analysis.damping(0.04, 0.9, 1.0, "nesterov") == "underdamped"
    labels = analysis.damping(0.04, np.array([0.3, 0.64, 0.9]), 1.0)
    assert list(labels) == ["overdamped", "critically damped", "underdamped"]


@pytest.mark.parametrize(
    ("rule", "method"),
    [(opt.Momentum(0.3, 0.5), "heavy_ball"), (opt.Nesterov(0.3, 0.5), "nesterov")],
)
def test_measured_rate_approaches_the_exact_rate(rule, method):
    path = opt.run(rule, QUADRATIC, START, 400)
    exact = analysis.convergence_rate(0.3, 0.5, QUADRATIC, method)
    assert analysis.measured_rate(path) == pytest.approx(exact, abs=2e-3)


def test_measured_rate_of_gradient_descent_is_exact():
    path = opt.run(opt.SGD(QUADRATIC.best_lr), QUADRATIC, START, 200)
    assert analysis.measured_rate(path, start=20) == pytest.approx(QUADRATIC.best_rate, rel=1e-9)


def test_measured_rate_vectorises_and_handles_exact_convergence():
    starts = np.array([[-7.0, 2.0], [1.0, 1.0], [3.0, -1.0]])
    paths = opt.run(opt.Momentum(0.3, 0.5), QUADRATIC, starts, 300)
    rates = analysis.measured_rate(paths)
    assert rates.shape == (3,)
    for i in range(3):
        assert rates[i] == pytest.approx(analysis.measured_rate(paths[:, i]))
    # GD with η = 1/λ on a 1-D quadratic lands on the minimum in one step
    exact = opt.run(opt.SGD(0.5), opt.Quadratic(np.array([[2.0]])), [3.0], 10)
    assert analysis.measured_rate(exact) == 0.0


def test_steps_to_tolerance_counts_until_the_path_stays_inside():
    path = np.array([[4.0], [0.5], [2.0], [0.5], [0.1], [0.05]])  # dips, leaves, returns
    assert analysis.steps_to_tolerance(path, 1.0) == 3
    assert analysis.steps_to_tolerance(path, 0.2) == 4
    assert analysis.steps_to_tolerance(path, 0.01) == -1
    assert analysis.steps_to_tolerance(path, 10.0) == 0
    assert analysis.steps_to_tolerance(path + 1.0, 1.0, minimum=[1.0]) == 3
    nan_tail = np.array([[1.0], [0.1], [np.nan]])
    assert analysis.steps_to_tolerance(nan_tail, 0.5) == -1
    both = np.stack([path, path * 100], axis=1)  # shape (6, 2, 1)
    np.testing.assert_array_equal(analysis.steps_to_tolerance(both, 1.0), [3, -1])


def test_momentum_beats_gradient_descent_in_steps():
    lr, beta, _ = analysis.optimal_heavy_ball(QUADRATIC)
    gd = opt.run(opt.SGD(QUADRATIC.best_lr), QUADRATIC, START, 300)
    hb = opt.run(opt.Momentum(lr, beta), QUADRATIC, START, 300)
    assert analysis.steps_to_tolerance(hb, 1e-3) < analysis.steps_to_tolerance(gd, 1e-3) / 3


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: analysis.spectral_radius(0.0, 0.5, 1.0), r"lr must be in \(0, inf\), got 0.0"),
        (lambda: analysis.spectral_radius(-1, 0.5, 1.0), r"lr must be in \(0, inf\)"),
        (lambda: analysis.spectral_radius(0.1, 1.0, 1.0), r"beta must be in \[0, 1\), got 1.0"),
        (lambda: analysis.spectral_radius(0.1, [0.5, -0.1], 1.0), r"beta must be in \[0, 1\)"),
        (lambda: analysis.spectral_radius(0.1, 0.5, -2.0), r"curvature must be in \[0, inf\)"),
        (lambda: analysis.spectral_radius(np.nan, 0.5, 1.0), r"lr must be in"),
        (lambda: analysis.spectral_radius(0.1, 0.5, 1.0, "adam"), r"method must be one of"),
        (lambda: analysis.convergence_rate(0.1, 0.5, []), r"curvatures must be a non-empty"),
        (lambda: analysis.convergence_rate(0.1, 0.5, [1.0, -1.0]), r"curvatures must be in"),
        (lambda: analysis.optimal_heavy_ball([0.0, 1.0]), r"curvatures must be in \(0, inf\)"),
        (lambda: analysis.damping(0.1, 0.5, 1.0, tol=-1), r"tol must be in \[0, inf\), got -1"),
        (lambda: analysis.measured_rate(np.zeros((1, 2))), r"path must have shape"),
        (lambda: analysis.measured_rate(np.ones((10, 2)), start=0), r"start must be an integer"),
        (lambda: analysis.measured_rate(np.ones((10, 2)), start=9), r"start must be an integer"),
        (lambda: analysis.measured_rate([[1.0], [np.nan]]), r"path contains non-finite"),
        (lambda: analysis.steps_to_tolerance(np.ones((3, 2)), 0.0), r"tol must be in \(0, inf\)"),
    ],
)
def test_bad_input_raises_a_clear_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_tiny_errors_do_not_underflow():
    path = np.array([[3e-200, 4e-200], [3e-201, 4e-201], [3e-202, 4e-202], [3e-203, 4e-203]])
    assert analysis.measured_rate(path, start=1) == pytest.approx(0.1)
    assert analysis.steps_to_tolerance(path, 1e-201) == 2


def test_stationary_variance_of_gradient_descent_is_the_closed_form():
    lr, lam, sigma = np.array([0.01, 0.5, 1.5]), 1.0, 2.0
    expected = lr * sigma**2 / (lam * (2 - lr * lam))
    np.testing.assert_allclose(analysis.stationary_variance(lr, 0.0, lam, sigma), expected)
    assert analysis.stationary_variance(2.5, 0.0, 1.0, 1.0) == np.inf  # unstable


@pytest.mark.parametrize("rule", ["heavy_ball", "nesterov"])
def test_stationary_variance_matches_a_long_noisy_run(rule):
    lr, beta, lam, sigma = 0.05, 0.8, 2.0, 0.5
    make = opt.Momentum if rule == "heavy_ball" else opt.Nesterov
    # 4,000 independent copies, 300 steps (the transient dies out by then), seeded
    points = np.zeros((4000, 1))
    path = opt.run(make(lr, beta), opt.Quadratic([[lam]]), points, 300, noise=sigma, seed=1)
    measured = path[-1].var()
    exact = analysis.stationary_variance(lr, beta, lam, sigma, method=rule)
    assert abs(measured / exact - 1) < 0.08  # sampling error of a variance from 4,000 draws ~2 %
