"""The checks of the RMSprop chapter: the two-cycle's reference is a true two-cycle of
opt.RMSprop (and where a long run ends), and natural answers pass."""

from __future__ import annotations

import numpy as np
import pytest

import optimizers as opt
from optimizers.teaching.checks import REFERENCES, REGISTRY, CheckFailed

CYCLE_CASES = REGISTRY["rmsprop_two_cycle"].make_cases()


def test_the_chapter_exercises_are_registered_here():
    names = {name for name, ex in REGISTRY.items() if ex.chapter == "rmsprop"}
    assert names == {"rmsprop_step", "rmsprop_steps_after_change", "rmsprop_two_cycle"}


@pytest.mark.parametrize("lr, curvatures, eps", CYCLE_CASES)
def test_two_cycle_reference_is_a_two_cycle_of_the_package_rule(lr, curvatures, eps):
    amplitude, rate = REFERENCES["rmsprop_two_cycle"](lr, curvatures, eps)
    assert np.all(amplitude > 0)
    signs = np.where(np.arange(curvatures.size).reshape(curvatures.shape) % 2, 1.0, -1.0)
    theta = signs * amplitude
    rule = opt.RMSprop(lr, beta=0.9, eps=eps)
    state = rule.init(theta)
    state.v = (curvatures * theta) ** 2  # v settled at g² in the cycle
    np.testing.assert_allclose(lr / (np.sqrt(state.v) + eps), rate, rtol=1e-12)
    once, state = rule.step(theta, curvatures * theta, state)
    np.testing.assert_allclose(once, -theta, rtol=1e-12)
    np.testing.assert_allclose(state.v, (curvatures * theta) ** 2, rtol=1e-12)
    twice, _ = rule.step(once, curvatures * once, state)
    np.testing.assert_allclose(twice, theta, rtol=1e-12)


def test_two_cycle_is_where_a_long_run_on_the_bowl_ends():
    bowl = opt.elongated_bowl()
    amplitude, rate = REFERENCES["rmsprop_two_cycle"](0.1, bowl.eigenvalues, 1e-8)
    path, states = opt.run_with_states(opt.RMSprop(0.1, beta=0.9), bowl, [-7.0, 2.0], 3000)
    np.testing.assert_allclose(np.abs(path[-100:]), np.broadcast_to(amplitude, (100, 2)), rtol=1e-7)
    np.testing.assert_allclose(0.1 / (np.sqrt(states[-1].v) + 1e-8), rate, rtol=1e-6)


def test_two_cycle_cases_make_eps_matter():
    for lr, curvatures, eps in CYCLE_CASES[1:]:
        assert np.max(eps / curvatures) / (lr / 2) > 1e-3  # visible beyond the tolerance


def _solved_numerically(lr, curvatures, eps):
    """Solve η/(λ|θ| + ε) = 2/λ for |θ| by bisection, one coordinate at a time."""

    def one(lam):
        low, high = 0.0, lr
        for _ in range(200):
            mid = (low + high) / 2
            if lr / (lam * mid + eps) > 2 / lam:
                low = mid
            else:
                high = mid
        return low

    curvatures = np.asarray(curvatures, dtype=float)
    return np.vectorize(one)(curvatures), 2 / curvatures


@pytest.mark.parametrize(
    "answer",
    [
        _solved_numerically,
        lambda lr, curvatures, eps: ((lr * curvatures / 2 - eps) / curvatures, 2 / curvatures),
    ],
)
def test_two_cycle_accepts_other_right_answers(answer, capsys):
    opt.checks.check_rmsprop_two_cycle(answer)
    assert capsys.readouterr().out.startswith("✓ rmsprop_two_cycle is correct")


def test_two_cycle_names_the_newton_rate():
    with pytest.raises(CheckFailed, match="Newton rate"):
        opt.checks.check_rmsprop_two_cycle(
            lambda lr, curvatures, eps: (lr - eps / curvatures, 1 / curvatures)
        )


def test_two_cycle_scalar_amplitude_gets_the_shape_message():
    with pytest.raises(CheckFailed, match="with shape"):
        opt.checks.check_rmsprop_two_cycle(lambda lr, curvatures, eps: (lr / 2, 2 / curvatures))


def _steps_after_change(factor, beta, k):
    b = beta ** np.asarray(k, dtype=float)
    return factor / np.sqrt(b + factor**2 * (1 - b))


@pytest.mark.parametrize("case", REGISTRY["rmsprop_steps_after_change"].make_cases())
def test_steps_after_change_reference_is_the_formula(case):
    np.testing.assert_allclose(
        REFERENCES["rmsprop_steps_after_change"](*case), _steps_after_change(*case), rtol=1e-9
    )


def test_steps_after_change_matches_the_chapters_numbers():
    # the chapter measures 3.0 η and 7.1 η after a jump by 10, 0.1 η after a drop
    first = [_steps_after_change(10.0, beta, 1) for beta in (0.9, 0.99)]
    assert [round(float(f), 1) for f in first] == [3.0, 7.1]
    assert round(float(_steps_after_change(0.1, 0.9, 1)), 1) == 0.1


def test_steps_after_change_accepts_the_formula_and_names_v_from_zero(capsys):
    opt.checks.check_rmsprop_steps_after_change(_steps_after_change)
    assert capsys.readouterr().out.startswith("✓ rmsprop_steps_after_change is correct")
    with pytest.raises(CheckFailed, match="settled"):
        opt.checks.check_rmsprop_steps_after_change(
            lambda factor, beta, k: 1 / np.sqrt(1 - beta ** np.asarray(k, dtype=float))
        )
