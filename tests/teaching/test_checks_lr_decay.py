"""The checks of the lr-decay chapter: their references agree with the package's schedules
and with simulated noisy gradient descent, and the named mistakes are the ones the chapter
warns about."""

from __future__ import annotations

import numpy as np
import pytest

import optimizers as opt
from optimizers import schedules
from optimizers.teaching.checks import REFERENCES, REGISTRY, CheckFailed


def test_the_chapter_exercises_are_registered_here():
    names = {name for name, ex in REGISTRY.items() if ex.chapter == "lr_decay"}
    assert names == {"inverse_time_decay", "variance_path", "averaged_variance"}


@pytest.mark.parametrize("steps_per_epoch", [1, 7, 90])
def test_inverse_time_decay_reference_is_per_epoch_inverse_time(steps_per_epoch):
    schedule = schedules.per_epoch(schedules.InverseTimeDecay(0.2, 1.0), steps_per_epoch)
    for step in range(0, 5 * steps_per_epoch, max(1, steps_per_epoch // 3)):
        assert REFERENCES["inverse_time_decay"](0.2, 1.0, step, steps_per_epoch) == schedule(step)
    # the first epoch runs at lr0 itself: the package counts completed epochs
    assert REFERENCES["inverse_time_decay"](0.2, 1.0, steps_per_epoch - 1, steps_per_epoch) == 0.2


def test_inverse_time_decay_names_ngs_numbering():
    def ng(lr0, decay_rate, step, steps_per_epoch):  # epoch_num counted from 1
        return lr0 / (1 + decay_rate * (step // steps_per_epoch + 1))

    with pytest.raises(CheckFailed, match="the epochs are counted from 1"):
        opt.checks.check_inverse_time_decay(ng)


def test_variance_path_takes_the_rate_of_step_t_as_schedule_t_minus_1():
    """rates[0] is η_1 = schedule(0): the recursion then matches opt.run under the schedule."""
    decay = schedules.InverseTimeDecay(0.5, 0.1)
    rates = np.array([decay(t - 1) for t in range(1, 41)])
    line = opt.Quadratic(np.array([[1.0]]))
    runs = opt.run(opt.SGD(decay), line, np.zeros((4000, 1)), 40, noise=1.0, seed=1)
    predicted = REFERENCES["variance_path"](rates, 1.0, 1.0, 0.0)
    np.testing.assert_allclose(runs[1:, :, 0].var(axis=1), predicted[1:], rtol=0.08)


def _simulated_average_variance(lr, lam, sigma, beta, runs=4000, steps=600, seed=0):
    line = opt.Quadratic(np.array([[lam]]))
    path = opt.run(opt.SGD(lr), line, np.zeros((runs, 1)), steps, noise=sigma, seed=seed)
    average = opt.ema(path[1:, :, 0], beta)  # settled long before the end
    return float(average[-1].var())


@pytest.mark.parametrize(
    "lr, lam, sigma, beta", [(0.5, 1.0, 1.0, 0.98), (0.1, 2.0, 0.5, 0.9), (1.5, 1.0, 1.0, 0.9)]
)
def test_averaged_variance_reference_matches_simulated_runs(lr, lam, sigma, beta):
    predicted = REFERENCES["averaged_variance"](lr, lam, sigma, beta)
    assert np.isclose(_simulated_average_variance(lr, lam, sigma, beta), predicted, rtol=0.08)


def test_averaged_variance_limits():
    var_theta = 0.5 / (1.0 * (2 - 0.5))
    # β = 0: the "average" is the last iterate
    assert np.isclose(REFERENCES["averaged_variance"](0.5, 1.0, 1.0, 0.0), var_theta)
    # ηλ = 1: independent iterates, the formula of the ewma chapter
    independent = (1 - 0.9) / (1 + 0.9) * (1.0 / (1.0 * (2 - 1.0)))
    assert np.isclose(REFERENCES["averaged_variance"](1.0, 1.0, 1.0, 0.9), independent)


def test_averaged_variance_names_the_independent_values_formula():
    def independent(lr, lam, sigma, beta):
        return (1 - beta) / (1 + beta) * lr * sigma**2 / (lam * (2 - lr * lam))

    with pytest.raises(CheckFailed, match="formula for averaging independent values"):
        opt.checks.check_averaged_variance(independent)
