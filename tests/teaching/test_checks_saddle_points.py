"""The checks of the saddle-points chapter: the references agree with the eigenvalues and
with gradient descent on x² − y², and the determinant shortcut is named where it fails."""

from __future__ import annotations

import numpy as np
import pytest

import optimizers as opt
from optimizers.teaching.checks import REFERENCES, REGISTRY, CheckFailed


def test_the_chapter_exercises_are_registered_here():
    names = {name for name, ex in REGISTRY.items() if ex.chapter == "saddle_points"}
    assert names == {"classify_critical_point", "escape_steps"}


def test_classify_reference_on_the_chapters_landscapes():
    classify = REFERENCES["classify_critical_point"]
    assert classify(opt.Saddle().hessian(np.zeros(2))) == "saddle"
    two = opt.TwoMinima()
    kinds = [classify(two.hessian(np.array([x, 0.0]))) for x in two.critical_xs]
    assert kinds == ["minimum", "saddle", "minimum"]
    assert classify(-np.eye(3)) == "maximum"
    assert classify(np.diag([1.0, 0.0, 2.0])) == "degenerate"
    assert classify(np.diag([1.0, 0.0, -2.0])) == "saddle"


def test_a_positive_determinant_can_hide_a_saddle():
    rotation = np.linalg.qr(np.random.default_rng(0).normal(size=(3, 3)))[0]
    hessian = rotation @ np.diag([-1.0, -2.0, 3.0]) @ rotation.T
    assert np.linalg.det(hessian) > 0
    assert REFERENCES["classify_critical_point"](hessian) == "saddle"


def test_the_determinant_shortcut_is_named():
    def by_determinant(hessian):
        h = np.asarray(hessian, dtype=float)
        det = np.linalg.det(h)
        if abs(det) <= 1e-9:
            return "degenerate"
        if det < 0:
            return "saddle"
        return "minimum" if np.trace(h) > 0 else "maximum"

    with pytest.raises(CheckFailed, match="positive determinant can hide two negative"):
        opt.checks.check_classify_critical_point(by_determinant)


@pytest.mark.parametrize(
    "lr, curvature, y0", [(0.1, -2.0, 1e-6), (0.05, -1.0, -3e-4), (0.3, -4.0, 1e-9)]
)
def test_escape_steps_reference_matches_gradient_descent(lr, curvature, y0):
    landscape = opt.Quadratic(np.diag([1.0, curvature]))  # curvature < 0 along y
    path = opt.run(opt.SGD(lr), landscape, [1.0, y0], 400, warn=False)
    measured = int(np.argmax(np.abs(path[:, 1]) > 1.0))
    assert REFERENCES["escape_steps"](lr, curvature, y0, 1.0) == measured
