"""The checks of the AdaGrad chapter: the path reference is AdaGrad's path on quadratics of
any curvature, and natural answers pass."""

from __future__ import annotations

import numpy as np
import pytest

import optimizers as opt
from optimizers.teaching.checks import REFERENCES, REGISTRY, CheckFailed


def test_the_chapter_exercises_are_registered_here():
    names = {name for name, ex in REGISTRY.items() if ex.chapter == "adagrad"}
    assert names == {"adagrad_step", "adagrad_coordinate_path"}


@pytest.mark.parametrize("curvature", [0.01, 1.0, 250.0])
def test_coordinate_path_is_adagrad_on_every_curvature(curvature):
    line = opt.Quadratic(np.array([[curvature]]))
    for theta0, lr in [(7.0, 0.1), (-2.0, 3.0)]:
        path = opt.run(opt.AdaGrad(lr), line, [theta0], 40)[:, 0]
        np.testing.assert_allclose(
            REFERENCES["adagrad_coordinate_path"](theta0, lr, 40), path, rtol=1e-7, atol=1e-12
        )


def test_coordinate_path_gives_each_coordinate_of_the_bowl():
    bowl = opt.elongated_bowl()
    path = opt.run(opt.AdaGrad(0.5), bowl, [-7.0, 2.0], 60)
    for i, theta0 in enumerate((-7.0, 2.0)):
        coordinate = REFERENCES["adagrad_coordinate_path"](theta0, 0.5, 60)
        np.testing.assert_allclose(coordinate, path[:, i], rtol=1e-7)


def _cumulative(theta0, lr, steps):
    """An answer that keeps the sum of squares in a running numpy total."""
    path = np.empty(steps + 1)
    path[0], total = theta0, 0.0
    for k in range(steps):
        total = total + path[k] ** 2
        path[k + 1] = path[k] - lr * path[k] / np.sqrt(total)
    return path


def test_coordinate_path_accepts_other_ways_of_writing_it(capsys):
    opt.checks.check_adagrad_coordinate_path(_cumulative)
    opt.checks.check_adagrad_coordinate_path(
        lambda theta0, lr, steps: list(_cumulative(theta0, lr, steps))
    )
    assert capsys.readouterr().out.count("✓ adagrad_coordinate_path is correct") == 2


def test_coordinate_path_without_the_start_is_a_shape_error():
    with pytest.raises(CheckFailed, match="shape"):
        opt.checks.check_adagrad_coordinate_path(
            lambda theta0, lr, steps: _cumulative(theta0, lr, steps)[1:]
        )


def test_coordinate_path_cases_include_an_overshooting_rate():
    cases = REGISTRY["adagrad_coordinate_path"].make_cases()
    assert any(lr > abs(theta0) for theta0, lr, _ in cases)  # the first step overshoots
    assert any(lr < 0.05 * abs(theta0) for theta0, lr, _ in cases)  # small steps
