"""Behaviour of the update rules: contract, equivalent forms, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import optimizers as opt
from optimizers.rules import ALL_OPTIMIZERS

# One instance of every rule with non-default, moderately aggressive settings.
EVERY_RULE = [
    opt.SGD(0.1),
    opt.Momentum(0.05, 0.8),
    opt.Momentum(0.05, 0.8, form="ema"),
    opt.Momentum(0.05, 0.8, form="velocity"),
    opt.Nesterov(0.05, 0.8),
    opt.AdaGrad(0.3),
    opt.RMSprop(0.05, 0.9),
    opt.Adam(0.05),
    opt.Adam(0.05, amsgrad=True),
    opt.Adam(0.05, bias_correction=False),
    opt.Adam(0.05, form="lr_t"),
    opt.AdamW(0.05, weight_decay=0.1),
    opt.NAdam(0.05),
    opt.Adadelta(1.0),
]
IDS = [repr(rule) for rule in EVERY_RULE]


def test_every_class_is_exercised():
    assert {type(rule) for rule in EVERY_RULE} == set(ALL_OPTIMIZERS)


def take_steps(rule, params, grads_list):
    state = rule.init(params)
    for g in grads_list:
        params, state = rule.step(params, g, state)
    return params, state


arrays = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=1, max_dims=3, max_side=4),
    elements=st.floats(-10, 10, allow_nan=False),
)


@pytest.mark.parametrize("rule", EVERY_RULE, ids=IDS)
@settings(max_examples=25, deadline=None)
@given(params=arrays, seed=st.integers(0, 2**16))
def test_step_never_writes_into_params_or_grads_and_keeps_shape(rule, params, seed):
    rng = np.random.default_rng(seed)
    grads = [rng.normal(size=params.shape) for _ in range(3)]
    params_before, grads_before = params.copy(), [g.copy() for g in grads]
    new_params, state = take_steps(rule, params, grads)
    np.testing.assert_array_equal(params, params_before)
    for g, g_before in zip(grads, grads_before, strict=True):
        np.testing.assert_array_equal(g, g_before)
    assert new_params.shape == params.shape
    assert new_params is not params
    assert state.t == 3


@pytest.mark.parametrize("rule", EVERY_RULE, ids=IDS)
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**16), n=st.integers(1, 6))
def test_a_batch_of_points_equals_the_points_one_by_one(rule, seed, n):
    rng = np.random.default_rng(seed)
    x0 = rng.normal(size=(n, 2)) * 3
    bowl = opt.elongated_bowl()
    batch = opt.run(rule, bowl, x0, steps=20)
    for i in range(n):
        single = opt.run(rule, bowl, x0[i], steps=20)
        np.testing.assert_allclose(batch[:, i], single, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("rule", EVERY_RULE, ids=IDS)
def test_step_is_pure_and_returns_a_new_state(rule):
    x = np.array([1.0, -2.0])
    state = rule.init(x)
    x, state = rule.step(x, np.array([0.5, 0.5]), state)
    snapshot = state.copy()
    assert snapshot == state
    _, later = rule.step(x, np.array([1.0, -3.0]), state)
    assert state == snapshot and state.t == 1 and later.t == 2  # the old state is untouched
    for name, array in later.arrays().items():
        assert not np.shares_memory(array, getattr(state, name)), name


@pytest.mark.parametrize("rule", EVERY_RULE, ids=IDS)
def test_a_state_of_another_rule_is_refused_with_a_clear_error(rule):
    x = np.array([1.0, -2.0])
    other = opt.AdaGrad(0.1) if not isinstance(rule, opt.AdaGrad) else opt.Adam(0.1)
    with pytest.raises(TypeError, match=rf"state must come from {type(rule).__name__}\.init"):
        rule.step(x, np.ones(2), other.init(x))


@pytest.mark.parametrize("rule", [r for r in EVERY_RULE if r.init(np.ones(2)).arrays()], ids=str)
def test_a_state_of_the_wrong_shape_is_refused_with_a_clear_error(rule):
    with pytest.raises(
        ValueError, match=r"state\.\w+ has shape \(3,\) but params have shape \(2,\)"
    ):
        rule.step(np.ones(2), np.ones(2), rule.init(np.ones(3)))


def test_integer_params_are_promoted_to_float():
    x, _ = opt.SGD(0.5).step(np.array([1, 2]), np.array([1, 1]), opt.SGD(0.5).init([1, 2]))
    np.testing.assert_array_equal(x, [0.5, 1.5])


# ------------------------------------------------------------------ equivalent forms


def gradient(p):
    return np.array([0.2, 4.0]) * p + 0.3 * np.sin(p)


X0 = np.array([-7.0, 2.0])


def test_momentum_ema_form_is_standard_form_with_lr_times_one_minus_beta():
    beta = 0.9
    ema_path = opt.run(opt.Momentum(0.3, beta, form="ema"), gradient, X0, 100)
    std_path = opt.run(opt.Momentum(0.3 * (1 - beta), beta), gradient, X0, 100)
    np.testing.assert_allclose(ema_path, std_path, rtol=1e-12)


def test_momentum_ema_form_also_matches_with_a_schedule():
    lr = opt.schedules.ExponentialDecay(0.3, 0.95)
    ema_path = opt.run(opt.Momentum(lr, 0.9, form="ema"), gradient, X0, 60)
    std_path = opt.run(opt.Momentum(lambda t: 0.1 * lr(t), 0.9), gradient, X0, 60)
    np.testing.assert_allclose(ema_path, std_path, rtol=1e-12)


def test_momentum_velocity_form_equals_standard_form_for_constant_lr_only():
    std = opt.run(opt.Momentum(0.05, 0.9), gradient, X0, 100)
    vel = opt.run(opt.Momentum(0.05, 0.9, form="velocity"), gradient, X0, 100)
    np.testing.assert_allclose(vel, std, rtol=1e-12, atol=1e-14)
    decay = opt.schedules.StepDecay(0.05, step_size=5, gamma=0.5)
    std = opt.run(opt.Momentum(decay, 0.9), gradient, X0, 30)
    vel = opt.run(opt.Momentum(decay, 0.9, form="velocity"), gradient, X0, 30)
    assert np.abs(vel - std).max() > 1e-3  # documented: they differ once lr changes


def test_momentum_with_beta_zero_is_sgd():
    np.testing.assert_array_equal(
        opt.run(opt.Momentum(0.1, 0.0), gradient, X0, 50), opt.run(opt.SGD(0.1), gradient, X0, 50)
    )


def test_nesterov_returns_the_lookahead_points_of_the_textbook_form():
    x_path, lookahead = opt.nesterov_lookahead_path(gradient, X0, lr=0.05, beta=0.9, steps=100)
    ours = opt.run(opt.Nesterov(0.05, 0.9), gradient, X0, 100)
    np.testing.assert_allclose(ours, lookahead, rtol=1e-12, atol=1e-14)
    # ... and not the x points themselves (they differ by β v)
    assert np.abs(ours - x_path).max() > 1e-2


def test_adam_lr_t_form_equals_standard_form_exactly_when_eps_is_zero():
    std = opt.run(opt.Adam(0.1, eps=1e-300), gradient, X0, 200)  # eps → 0 in float64
    lr_t = opt.run(opt.Adam(0.1, eps=0.0, form="lr_t"), gradient, X0, 200)
    np.testing.assert_allclose(lr_t, std, rtol=1e-12)
    with_eps = opt.run(opt.Adam(0.1, eps=1e-3, form="lr_t"), gradient, X0, 200)
    std_eps = opt.run(opt.Adam(0.1, eps=1e-3), gradient, X0, 200)
    assert np.abs(with_eps - std_eps).max() > 1e-6


def test_adam_first_step_has_size_lr_whatever_the_gradient_scale():
    # exactly: |step| = lr·|g| / (|g| + eps), so ≈ lr while |g| >> eps
    for scale in (1e-3, 1.0, 1e6):
        x1, _ = opt.Adam(0.1).step(
            np.zeros(3), scale * np.array([1.0, -2.0, 3.0]), opt.Adam(0.1).init(np.zeros(3))
        )
        np.testing.assert_allclose(np.abs(x1), 0.1, rtol=1e-4)
    x1, _ = opt.Adam(0.1, bias_correction=False).step(
        np.zeros(1), np.ones(1), opt.Adam(0.1).init(np.zeros(1))
    )
    # without bias correction: m = 0.1 g, v = 0.001 g², step = 0.1·0.1/√0.001 ≈ 0.316·lr
    np.testing.assert_allclose(-x1, 0.1 * 0.1 / np.sqrt(0.001), rtol=1e-6)


def test_adamw_with_zero_weight_decay_is_adam():
    np.testing.assert_array_equal(
        opt.run(opt.AdamW(0.1, weight_decay=0.0), gradient, X0, 50),
        opt.run(opt.Adam(0.1), gradient, X0, 50),
    )


def test_adagrad_single_coordinate_steps_are_lr_on_the_first_step():
    x1, _ = opt.AdaGrad(0.5).step(
        np.zeros(2), np.array([1e-3, 1e3]), opt.AdaGrad(0.5).init(np.zeros(2))
    )
    np.testing.assert_allclose(x1, [-0.5, -0.5], rtol=1e-6)


# ------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: opt.SGD(0.0), r"lr must be in \(0, inf\), got 0.0"),
        (lambda: opt.SGD(-1), r"lr must be in \(0, inf\), got -1"),
        (lambda: opt.SGD(float("nan")), r"lr must be in \(0, inf\), got nan"),
        (lambda: opt.SGD(float("inf")), r"lr must be in \(0, inf\)"),
        (lambda: opt.Momentum(0.1, beta=1.0), r"beta must be in \[0, 1\), got 1.0"),
        (lambda: opt.Momentum(0.1, beta=-0.1), r"beta must be in \[0, 1\), got -0.1"),
        (lambda: opt.Momentum(0.1, form="nesterov"), r"form must be one of 'standard'"),
        (lambda: opt.Nesterov(0.1, beta=1.5), r"beta must be in \[0, 1\)"),
        (lambda: opt.AdaGrad(0.1, eps=0.0), r"eps must be in \(0, inf\), got 0.0"),
        (lambda: opt.RMSprop(0.1, beta=1.0), r"beta must be in \[0, 1\)"),
        (lambda: opt.RMSprop(0.1, eps=-1e-8), r"eps must be in \(0, inf\)"),
        (lambda: opt.Adam(beta1=1.0), r"beta1 must be in \[0, 1\), got 1.0"),
        (lambda: opt.Adam(beta2=0.9999999999999999999), r"beta2 must be in \[0, 1\)"),
        (lambda: opt.Adam(eps=0.0), r"eps must be in \(0, inf\)"),
        (lambda: opt.Adam(form="keras"), r"form must be one of 'standard', 'lr_t'"),
        (lambda: opt.Adam(form="lr_t", bias_correction=False), r"needs bias_correction=True"),
        (lambda: opt.AdamW(weight_decay=-0.1), r"weight_decay must be in \[0, inf\)"),
        (lambda: opt.NAdam(momentum_decay=-1), r"momentum_decay must be in \[0, inf\)"),
        (lambda: opt.Adadelta(rho=1.0), r"rho must be in \[0, 1\)"),
    ],
)
def test_bad_hyperparameters_name_the_parameter_value_and_range(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("value", ["0.1", None, True, [0.1]])
def test_non_numbers_are_a_type_error(value):
    with pytest.raises(TypeError, match="lr must be a real number"):
        opt.SGD(value)


@pytest.mark.parametrize("rule", EVERY_RULE, ids=IDS)
def test_gradient_of_wrong_shape_is_refused(rule):
    state = rule.init(np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"grads must have the shape of params \(3, 2\), got \(2,"):
        rule.step(np.zeros((3, 2)), np.zeros((2, 3)), state)


@pytest.mark.parametrize("rule", EVERY_RULE, ids=IDS)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_gradients_are_refused(rule, bad):
    state = rule.init(np.zeros(3))
    with pytest.raises(ValueError, match=r"grads contains 1 non-finite value\(s\)"):
        rule.step(np.zeros(3), np.array([1.0, bad, 0.0]), state)


def test_a_schedule_that_returns_a_negative_rate_is_refused():
    rule = opt.SGD(lambda t: 0.1 - 0.05 * t)
    state = rule.init(np.zeros(1))
    x = np.zeros(1)
    for _ in range(3):  # t = 0, 1, 2: rates 0.1, 0.05 and 0 are allowed
        x, state = rule.step(x, np.ones(1), state)
    with pytest.raises(ValueError, match=r"schedule returned -0.0\d+ at t=3"):
        rule.step(x, np.ones(1), state)


def test_state_from_another_call_is_refused():
    with pytest.raises(TypeError, match=r"state must come from Adam\.init"):
        opt.Adam().step(np.zeros(1), np.zeros(1), {"m": 0})


def test_string_params_are_a_type_error():
    with pytest.raises(TypeError, match="params must be an array of real numbers"):
        opt.SGD(0.1).init(np.array(["a"]))
