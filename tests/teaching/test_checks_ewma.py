"""The checks of the ewma chapter: their references are the package's averages, and the
answers a student may write (a closed form, a loop) pass."""

from __future__ import annotations

import numpy as np
import pytest

import optimizers as opt
from optimizers.teaching.checks import REFERENCES, REGISTRY, CheckFailed


def closed_form_lag(beta, t):
    return beta / (1 - beta) - t * beta**t / (1 - beta**t)


def loop_lag(beta, t):  # a student may sum the normalised weights instead
    weights = (1 - beta) * beta ** np.arange(t)
    return float(np.sum(np.arange(t) * weights) / np.sum(weights))


@pytest.mark.parametrize("beta", [0.0, 0.3, 0.9, 0.98, 0.999])
@pytest.mark.parametrize("t", [1, 2, 7, 50, 400])
def test_corrected_lag_reference_is_the_closed_form_and_the_mean_age(beta, t):
    lag = REFERENCES["corrected_lag"](beta, t)
    assert np.isclose(lag, closed_form_lag(beta, t), rtol=1e-9, atol=1e-9)
    assert np.isclose(lag, loop_lag(beta, t), rtol=1e-9, atol=1e-9)


def test_corrected_lag_limits():
    assert abs(REFERENCES["corrected_lag"](0.9, 1)) < 1e-12  # v̂_1 = x_1: no lag
    assert np.isclose(REFERENCES["corrected_lag"](0.9, 2_000), 0.9 / 0.1)  # the mean age
    lags = [REFERENCES["corrected_lag"](0.9, t) for t in range(1, 100)]
    assert np.all(np.diff(lags) > 0)  # grows towards β/(1 − β)


@pytest.mark.parametrize("answer", [closed_form_lag, loop_lag])
def test_corrected_lag_accepts_closed_form_and_loop(answer, capsys):
    opt.checks.check_corrected_lag(answer)
    assert capsys.readouterr().out.startswith("✓ corrected_lag is correct")


def test_corrected_lag_names_the_stationary_answer():
    with pytest.raises(CheckFailed, match="mean age β/\\(1 − β\\) of the full"):
        opt.checks.check_corrected_lag(lambda beta, t: beta / (1 - beta))


def test_the_chapter_exercises_are_registered_here():
    names = {name for name, ex in REGISTRY.items() if ex.chapter == "ewma"}
    assert names == {"ema_bias_corrected", "corrected_lag"}
