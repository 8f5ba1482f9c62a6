"""The checks of the choosing chapter: the references agree with the package's rules (the
settled step of a long run on a constant gradient, the state that ``init`` makes), and
natural answers pass."""

from __future__ import annotations

import numpy as np
import pytest

import optimizers as opt
from optimizers import cost
from optimizers.teaching.checks import REFERENCES, REGISTRY, CheckFailed
from optimizers.teaching.checks.choosing import STATE_RULES, STEADY_RULES


def test_the_chapter_exercises_are_registered_here():
    names = {name for name, ex in REGISTRY.items() if ex.chapter == "choosing"}
    assert names == {"steady_step", "state_bytes"}


def _last_step(rule, grad, steps):
    """θ_T − θ_{T−1} after ``steps`` steps of ``rule`` on the constant gradient ``grad``."""
    path = opt.run(rule, lambda x: np.broadcast_to(grad, x.shape), np.zeros_like(grad), steps)
    return path[-1] - path[-2]


STEADY_MAKERS = {
    "SGD": lambda lr, beta: opt.SGD(lr),
    "Momentum": lambda lr, beta: opt.Momentum(lr, beta=beta),
    "Nesterov": lambda lr, beta: opt.Nesterov(lr, beta=beta),
    "RMSprop": lambda lr, beta: opt.RMSprop(lr, beta=beta, eps=1e-300),
    "Adam": lambda lr, beta: opt.Adam(lr, beta1=beta, beta2=0.99, eps=1e-300),
}


@pytest.mark.parametrize("name", sorted(STEADY_MAKERS))
@pytest.mark.parametrize("lr, beta", [(0.1, 0.9), (0.01, 0.5)])
def test_steady_step_is_where_a_long_run_settles(name, lr, beta):
    grad = np.array([3.0, -0.02, 0.5])
    settled = _last_step(STEADY_MAKERS[name](lr, beta), grad, 3000)
    np.testing.assert_allclose(settled, REFERENCES["steady_step"](name, lr, beta, grad), rtol=1e-9)


def test_adagrad_steady_step_is_zero_because_its_steps_shrink_like_one_over_root_t():
    grad = np.array([2.0, -0.1])
    assert np.all(REFERENCES["steady_step"]("AdaGrad", 0.5, 0.9, grad) == 0)
    for steps in (100, 10_000):
        step = _last_step(opt.AdaGrad(0.5, eps=1e-300), grad, steps)
        np.testing.assert_allclose(step, -0.5 * np.sign(grad) / np.sqrt(steps), rtol=1e-9)


def test_steady_step_cases_cover_every_rule_and_mixed_signs():
    cases = REGISTRY["steady_step"].make_cases()
    assert {case[0] for case in cases} == set(STEADY_RULES)
    grads = np.concatenate([np.ravel(case[3]) for case in cases])
    assert (grads > 0).any() and (grads < 0).any() and np.abs(grads).min() > 1e-3


def test_steady_step_accepts_a_table_lookup(capsys):
    def steady_step(name, lr, beta, grad):
        grad = np.asarray(grad, dtype=float)
        factor = {"SGD": 1.0, "Momentum": 1 / (1 - beta), "Nesterov": 1 / (1 - beta)}
        if name in factor:
            return -lr * factor[name] * grad
        if name == "AdaGrad":
            return 0 * grad
        return -lr * grad / np.abs(grad)

    opt.checks.check_steady_step(steady_step)
    assert capsys.readouterr().out.startswith("✓ steady_step is correct")


@pytest.mark.parametrize("name", sorted(STATE_RULES))
def test_state_bytes_reference_counts_the_arrays_of_init(name):
    rule = STATE_RULES[name]()
    state = rule.init(np.zeros(10))
    floats = sum(array.size for array in state.arrays().values()) // 10
    assert REFERENCES["state_bytes"](name, 1000, 4) == floats * 1000 * 4
    assert floats == cost.state_floats_per_parameter(rule)


def test_state_bytes_of_the_chapter():
    expected = {"SGD": 0, "Momentum": 1, "Nesterov": 1, "AdaGrad": 1, "RMSprop": 1}
    expected |= {"Adam": 2, "AdamW": 2, "NAdam": 2, "Adadelta": 2, "AMSGrad": 3}
    for name, floats in expected.items():
        assert REFERENCES["state_bytes"](name, 1, 1) == floats
    assert REFERENCES["state_bytes"]("Adam", 7_000_000_000, 4) == 56e9  # 56 GB


def test_state_bytes_cases_cover_every_rule():
    cases = REGISTRY["state_bytes"].make_cases()
    assert {case[0] for case in cases} == set(STATE_RULES)


def test_state_bytes_accepts_a_dictionary(capsys):
    def state_bytes(name, n_params, itemsize):
        floats = {"SGD": 0, "Adam": 2, "AdamW": 2, "NAdam": 2, "Adadelta": 2, "AMSGrad": 3}
        return floats.get(name, 1) * n_params * itemsize

    opt.checks.check_state_bytes(state_bytes)
    assert capsys.readouterr().out.startswith("✓ state_bytes is correct")


def test_state_bytes_unknown_rule_is_not_a_silent_zero():
    with pytest.raises(ValueError, match="unknown rule"):
        REFERENCES["state_bytes"]("Lion", 10, 4)


def test_state_bytes_names_gigabytes_in_bits():
    with pytest.raises(CheckFailed, match="it counts bits"):
        opt.checks.check_state_bytes(
            lambda name, n, size: REFERENCES["state_bytes"](name, n, size) * 8
        )
