"""Landscapes (gradients and Hessians against finite differences), run(), schedules, EMA."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import optimizers as opt
from optimizers import schedules

LANDSCAPES = [make() for make in opt.landscapes.ALL_LANDSCAPES]


def finite_difference_grad(f, points, h=1e-6):
    grads = np.zeros_like(points)
    for i in range(points.shape[-1]):
        e = np.zeros(points.shape[-1])
        e[i] = h
        grads[..., i] = (f(points + e) - f(points - e)) / (2 * h)
    return grads


@pytest.mark.parametrize("landscape", LANDSCAPES, ids=lambda s: s.name)
def test_gradient_matches_finite_differences(landscape):
    rng = np.random.default_rng(0)
    points = rng.uniform(-1.5, 1.5, size=(50, landscape.dim))
    np.testing.assert_allclose(
        landscape.grad(points),
        finite_difference_grad(landscape.value, points),
        rtol=1e-6,
        atol=1e-6,
    )


@pytest.mark.parametrize("landscape", LANDSCAPES, ids=lambda s: s.name)
def test_hessian_matches_finite_differences_of_the_gradient(landscape):
    rng = np.random.default_rng(1)
    points = rng.uniform(-1.5, 1.5, size=(20, landscape.dim))
    h = 1e-6
    numeric = np.stack(
        [
            (landscape.grad(points + h * e) - landscape.grad(points - h * e)) / (2 * h)
            for e in np.eye(landscape.dim)
        ],
        axis=-1,
    )
    np.testing.assert_allclose(landscape.hessian(points), numeric, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("landscape", LANDSCAPES, ids=lambda s: s.name)
def test_vectorised_shapes(landscape):
    d = landscape.dim
    assert landscape.value(np.zeros(d)).shape == ()
    assert landscape.value(np.zeros((4, 3, d))).shape == (4, 3)
    assert landscape.grad(np.zeros((4, 3, d))).shape == (4, 3, d)
    assert landscape.hessian(np.zeros((5, d))).shape == (5, d, d)
    with pytest.raises(ValueError, match=rf"points must have shape \(\.\.\., {d}\)"):
        landscape.value(np.zeros(d + 1))


def test_elongated_bowl_numbers():
    bowl = opt.elongated_bowl()
    assert bowl.value(np.array([-7.0, 2.0])) == pytest.approx(49 / 20 + 4)
    np.testing.assert_allclose(bowl.eigenvalues, [0.1, 2.0])
    assert bowl.condition_number == pytest.approx(20)
    assert bowl.lr_threshold == pytest.approx(1.0)


def test_quadratic_lr_threshold_separates_convergence_from_divergence():
    q = opt.ill_conditioned_quadratic()
    assert q.lr_threshold == pytest.approx(0.5)
    below = opt.run(opt.SGD(0.99 * q.lr_threshold), q, [1.0, 1.0], 2000)
    assert np.abs(below[-1]).max() < 1e-6
    above = opt.run(opt.SGD(1.01 * q.lr_threshold), q, [1.0, 1.0], 2000, warn=False)
    assert opt.divergence_step(above) > 0


def test_quadratic_best_lr_and_rate():
    bowl = opt.elongated_bowl()
    assert bowl.best_lr == pytest.approx(2 / 2.1)
    assert bowl.best_rate == pytest.approx(19 / 21)
    np.testing.assert_allclose(np.abs(bowl.contraction_factors(bowl.best_lr)), 19 / 21)
    np.testing.assert_allclose(bowl.contraction_factors(0.5), [0.95, 0.0])
    # measured: the distance to the minimum shrinks by exactly best_rate per step
    path = opt.run(opt.SGD(bowl.best_lr), bowl, [-7.0, 2.0], 40)
    ratios = np.linalg.norm(path[1:], axis=1) / np.linalg.norm(path[:-1], axis=1)
    np.testing.assert_allclose(ratios, 19 / 21, rtol=1e-9)


def test_quadratic_refuses_bad_matrices():
    with pytest.raises(ValueError, match="square"):
        opt.Quadratic(np.ones((2, 3)))
    with pytest.raises(ValueError, match="symmetric"):
        opt.Quadratic(np.array([[1.0, 2.0], [0.0, 1.0]]))


def test_two_minima_critical_points():
    f = opt.TwoMinima()
    for x in f.critical_xs:
        np.testing.assert_allclose(f.grad(np.array([x, 0.0])), 0, atol=1e-12)
    assert f.value(f.global_minimum) < f.value(f.local_minimum)
    assert f.global_minimum[0] < 0 < f.local_minimum[0]


def test_rosenbrock_minimum_and_saddle_hessians():
    r = opt.Rosenbrock()
    np.testing.assert_allclose(r.grad(r.minimum), 0)
    eig = np.linalg.eigvalsh(opt.Saddle().hessian(np.zeros(2)))
    assert eig[0] < 0 < eig[1]
    np.testing.assert_array_equal(opt.MonkeySaddle().hessian(np.zeros(2)), 0)


def test_slope_has_the_same_gradient_everywhere_in_any_dimension():
    line = opt.Slope([1.0])
    np.testing.assert_array_equal(line.grad(np.array([[0.0], [5.0]])), [[1.0], [1.0]])
    assert line.value(np.array([3.0])) == 3.0
    path = opt.run(opt.SGD(0.1), line, [0.0], 3)
    np.testing.assert_allclose(path[:, 0], [0.0, -0.1, -0.2, -0.3])
    with pytest.raises(ValueError, match="a must be a non-empty 1-D array"):
        opt.Slope([])


def test_plateau_gradient_is_tiny_far_from_the_well():
    p = opt.Plateau()
    assert np.linalg.norm(p.grad(np.array([3.0, 0.0]))) < 1e-3
    assert np.linalg.norm(p.grad(np.array([0.7, 0.0]))) > 0.5


# ------------------------------------------------------------------------------ run


def test_run_returns_steps_plus_one_rows_and_starts_at_x0():
    path = opt.run(opt.SGD(0.1), opt.elongated_bowl(), [-7.0, 2.0], steps=30)
    assert path.shape == (31, 2)
    np.testing.assert_array_equal(path[0], [-7.0, 2.0])
    batch = opt.run(opt.Adam(0.3), opt.elongated_bowl(), np.zeros((10, 4, 2)) + 1.0, steps=5)
    assert batch.shape == (6, 10, 4, 2)


def test_run_does_not_modify_x0():
    x0 = np.array([[-7.0, 2.0], [1.0, 1.0]])
    opt.run(opt.Momentum(0.1), opt.elongated_bowl(), x0, steps=10)
    np.testing.assert_array_equal(x0, [[-7.0, 2.0], [1.0, 1.0]])


def test_noisy_runs_are_reproducible_and_differ_between_seeds():
    bowl = opt.elongated_bowl()
    a = opt.run(opt.SGD(0.1), bowl, [-7.0, 2.0], 50, noise=0.5, seed=3)
    b = opt.run(opt.SGD(0.1), bowl, [-7.0, 2.0], 50, noise=0.5, seed=3)
    c = opt.run(opt.SGD(0.1), bowl, [-7.0, 2.0], 50, noise=0.5, seed=4)
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - c).max() > 0.01


def test_divergence_stops_cleanly_with_one_warning_and_no_overflow_noise():
    x0 = np.array([[-7.0, 2.0], [0.1, 0.0], [3.0, 1.0]])  # the middle one never diverges:
    with warnings.catch_warnings(record=True) as caught:  # its y = 0 and x-curvature is small
        warnings.simplefilter("always")
        path = opt.run(opt.SGD(1.5), opt.elongated_bowl(), x0, steps=500)
    assert [w.category for w in caught] == [opt.DivergenceWarning]
    assert "2 of 3 start point(s) diverged" in str(caught[0].message)
    steps = opt.divergence_step(path)
    assert steps[1] == -1 and steps[0] > 0 and steps[2] > 0
    assert np.isnan(path[steps[0] :, 0]).all() and np.isfinite(path[: steps[0], 0]).all()
    assert np.isfinite(path[:, 1]).all()


def test_divergence_warning_can_be_silenced():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = opt.run(opt.SGD(1.5), opt.elongated_bowl(), [-7.0, 2.0], 200, warn=False)
    assert opt.divergence_step(path) > 0


def test_overflowing_gradient_counts_as_divergence():
    path = opt.run(opt.SGD(0.01), opt.Rosenbrock(), [1e120, 1.0], 3, bound=1e300, warn=False)
    assert opt.divergence_step(path) == 1


def test_run_with_states_keeps_every_state_and_the_same_path():
    adam, bowl = opt.Adam(0.1), opt.elongated_bowl()
    path, states = opt.run_with_states(adam, bowl, [-7.0, 2.0], 5)
    assert [s.t for s in states] == [1, 2, 3, 4, 5]
    assert not np.array_equal(states[0].m, states[-1].m)
    np.testing.assert_array_equal(path, opt.run(adam, bowl, [-7.0, 2.0], 5))


def test_run_always_returns_an_array():
    assert isinstance(opt.run(opt.SGD(0.1), opt.elongated_bowl(), [-7.0, 2.0], 3), np.ndarray)


def test_steps_to_stay_below_ignores_a_dip_that_swings_out_again():
    values = np.array([5.0, 0.5, 2.0, 0.4, 0.3, 0.2])
    assert opt.steps_to_stay_below(values, 1.0) == 3  # not 1, the first dip
    assert opt.steps_to_stay_below(values, 0.1) == -1  # never below
    assert opt.steps_to_stay_below(np.array([[0.5, 5.0], [0.2, np.nan]]), 1.0).tolist() == [0, -1]
    with pytest.raises(ValueError, match="threshold must be"):
        opt.steps_to_stay_below(values, np.nan)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"steps": -1}, r"steps must be an integer >= 0"),
        ({"steps": 2.5}, r"steps must be an integer"),
        ({"steps": 3, "noise": -1.0}, r"noise must be in \[0, inf\)"),
        ({"steps": 3, "bound": 0.0}, r"bound must be in \(0, inf\)"),
    ],
)
def test_run_bad_arguments(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        opt.run(opt.SGD(0.1), opt.elongated_bowl(), [1.0, 1.0], **kwargs)


# ------------------------------------------------------------------------ schedules


def test_schedules_start_at_lr0_and_per_epoch_holds_the_rate():
    decay = schedules.InverseTimeDecay(0.2, decay_rate=1.0)
    assert decay(0) == 0.2 and decay(1) == 0.1
    held = schedules.per_epoch(decay, steps_per_epoch=10)
    assert [held(t) for t in (0, 9, 10, 19, 20)] == [0.2, 0.2, 0.1, 0.1, decay(2)]
    assert schedules.Constant(0.3)(1000) == 0.3


def test_warmup_then_cosine():
    cosine = schedules.CosineDecay(1.0, T=10)
    warm = schedules.LinearWarmup(1.0, warmup_steps=5, after=cosine)
    assert [warm(t) for t in range(5)] == pytest.approx([0.0, 0.2, 0.4, 0.6, 0.8])
    assert warm(5) == 1.0 and warm(15) == pytest.approx(0.0) and warm(100) == 0.0


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: schedules.ExponentialDecay(0.1, gamma=1.5), r"gamma must be in \(0, 1\]"),
        (lambda: schedules.StepDecay(0.1, step_size=0), r"step_size must be an integer >= 1"),
        (lambda: schedules.CosineDecay(0.1, T=10, lr_min=0.2), r"lr_min must be in \[0, 0.1\]"),
        (lambda: schedules.InverseTimeDecay(-0.1, 1.0), r"lr0 must be in \(0, inf\)"),
        (lambda: schedules.LinearWarmup(0.1, 5, start_factor=2), r"start_factor"),
        (lambda: schedules.per_epoch(schedules.Constant(0.1), 0), r"steps_per_epoch"),
    ],
)
def test_bad_schedule_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_schedule_refuses_negative_t():
    with pytest.raises(ValueError, match=r"t must be an integer >= 0, got -1"):
        schedules.ExponentialDecay(0.1, 0.9)(-1)


# ------------------------------------------------------------------------------ EMA


def test_ema_of_a_constant_with_and_without_bias_correction():
    v = opt.ema(np.full(10, 20.0), 0.9)
    np.testing.assert_allclose(v, 20.0 * (1 - 0.9 ** np.arange(1, 11)))
    np.testing.assert_allclose(opt.ema(np.full(10, 20.0), 0.9, bias_correction=True), 20.0)


def test_ema_weights_sum_to_one_minus_beta_power_and_window_rule():
    w = opt.ema_weights(0.9, 10)
    assert w.sum() == pytest.approx(1 - 0.9**10)
    assert opt.effective_window(0.98) == pytest.approx(50)
    assert 0.9**10 == pytest.approx(np.exp(-1), rel=0.06)  # 0.349 vs 0.368


def test_ema_keeps_trailing_shape_and_checks_beta():
    assert opt.ema(np.ones((5, 3, 2)), 0.5).shape == (5, 3, 2)
    with pytest.raises(ValueError, match=r"beta must be in \[0, 1\), got 1"):
        opt.ema([1.0, 2.0], 1)
    with pytest.raises(ValueError, match="at least one axis"):
        opt.ema(3.0, 0.5)


def test_three_piece_quadratic_is_lessards_counterexample():
    f = opt.ThreePieceQuadratic()
    x = np.linspace(-5, 5, 20_001)[:, None]
    grad, value = f.grad(x)[:, 0], f.value(x)
    np.testing.assert_allclose(np.gradient(value, x[:, 0])[1:-1], grad[1:-1], atol=1e-2)
    assert set(np.unique(f.hessian(x))) == {1.0, 25.0}  # curvature m = 1 on [1, 2), else L
    # Polyak's heavy ball for m = 1, L = 25 cycles from some starts; Nesterov converges
    lr, beta, _ = opt.analysis.optimal_heavy_ball([1.0, 25.0])
    starts = np.linspace(-5, 5, 201)[:, None]
    heavy = opt.run(opt.Momentum(lr, beta), f, starts, 300)
    nesterov = opt.run(opt.Nesterov(1 / 25, 4 / 6), f, starts, 300)
    assert (np.abs(heavy[-1]) > 1e-6).sum() == 25
    assert np.abs(nesterov[-1]).max() < 1e-6
