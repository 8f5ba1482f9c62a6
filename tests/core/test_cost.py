"""optimizers.cost: the state size and the bytes of a step are read from the rules."""

from __future__ import annotations

import numpy as np
import pytest

import optimizers as opt
from optimizers import cost


@pytest.mark.parametrize(
    ("rule", "floats"),
    [
        (opt.SGD(0.1), 0),
        (opt.Momentum(0.1), 1),
        (opt.Nesterov(0.1), 1),
        (opt.AdaGrad(0.1), 1),
        (opt.RMSprop(0.1), 1),
        (opt.Adam(0.1), 2),
        (opt.Adam(0.1, amsgrad=True), 3),
        (opt.AdamW(0.1), 2),
        (opt.NAdam(0.1), 2),
        (opt.Adadelta(), 2),
    ],
    ids=str,
)
def test_state_floats_per_parameter_is_read_from_the_state(rule, floats):
    assert cost.state_floats_per_parameter(rule) == floats
    n = 1000
    assert cost.bytes_per_step(rule, n) == (3 + 2 * floats) * n * 8
    # the same count as the arrays a real state holds
    held = sum(a.nbytes for a in rule.init(np.zeros(n)).arrays().values())
    assert held == floats * n * 8


def test_adam_on_a_million_float64_moves_seven_arrays_of_8_mb():
    assert cost.bytes_per_step(opt.Adam(), 1_000_000) == 56_000_000


def test_timings_are_positive_seconds():
    assert 0 < cost.time_step(opt.Adam(1e-3), n_params=1000, repeats=3) < 1
    assert 0 < cost.streaming_time(80_000, repeats=3) < 1
    assert 0 < cost.streaming_time(80_000, repeats=3, in_place=True) < 1


def test_bad_input_names_the_parameter():
    with pytest.raises(ValueError, match="n_params must be an integer >= 1"):
        cost.bytes_per_step(opt.SGD(0.1), 0)
    with pytest.raises(ValueError, match="repeats must be an integer >= 1"):
        cost.time_step(opt.SGD(0.1), 10, repeats=0)
