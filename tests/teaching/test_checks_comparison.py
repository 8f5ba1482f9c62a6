"""The checks of the comparison chapter: their references against independent computations.

tests/teaching/test_checks.py runs every check generically (the reference passes, each
named mistake is named); here the two references of ``checks/comparison.py`` are checked
against the measurements they stand for, and the cases against the mistakes they must
tell apart.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import optimizers as opt
from optimizers.teaching.checks import MISTAKES, REFERENCES, REGISTRY, comparison
from optimizers.teaching.checks.engine import materialise

BOWL = opt.elongated_bowl()
START = np.array([-7.0, 2.0])
GRID = [0.01, 0.03, 0.1, 0.15, 0.3, 0.5, 0.95, 1.5, 3.0]  # the chapter's grid


def settle_by_hand(values: np.ndarray, tol: float) -> int:
    """Steps until f stays below tol, counted backwards one value at a time (-1: never)."""
    if not values[-1] < tol:
        return -1
    k = len(values) - 1
    while k > 0 and values[k - 1] < tol:
        k -= 1
    return k


# ------------------------------------------------------------------ best_rate


@pytest.mark.parametrize("name", ["SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam"])
def test_best_rate_reference_is_the_fastest_settling_rate_of_the_grid(name: str):
    def make_rule(lr: float) -> opt.UpdateRule:
        return getattr(opt, name)(lr)

    counts = []
    for lr in GRID:
        f = BOWL.value(opt.run(make_rule(lr), BOWL, START, 300, warn=False))
        counts.append(settle_by_hand(f, 1e-3))
    settled = [(k, i) for i, k in enumerate(counts) if k >= 0]
    expected = GRID[min(settled)[1]]  # fewest steps, then the first rate
    assert REFERENCES["best_rate"](make_rule, BOWL, START, np.array(GRID), 300, 1e-3) == expected


def test_best_rate_reference_the_chapters_picks():
    picks = {
        name: REFERENCES["best_rate"](getattr(opt, name), BOWL, START, np.array(GRID), 300, 1e-3)
        for name in ("SGD", "Momentum", "RMSprop")
    }
    assert picks == {"SGD": 0.95, "Momentum": 0.3, "RMSprop": 0.15}


def test_best_rate_reference_nan_when_nothing_settles_and_first_of_ties():
    rates = np.array([0.001, 0.002])  # far too slow for 10 steps
    assert math.isnan(REFERENCES["best_rate"](opt.SGD, BOWL, START, rates, 10, 1e-3))

    def same_rule(lr: float) -> opt.UpdateRule:
        return opt.Adam(0.5)  # every rate of the grid gives the same path: a tie

    assert REFERENCES["best_rate"](same_rule, BOWL, START, np.array([0.3, 0.5]), 120, 1e-2) == 0.3


def test_best_rate_cases_need_the_phase_independent_measure():
    """In some case the lowest final f, and in some the first dip, picks another rate."""
    cases = [materialise(case) for case in REGISTRY["best_rate"].make_cases()]
    reference = [REFERENCES["best_rate"](*case) for case in cases]
    final = [comparison._best_final_value(*case) for case in cases]
    dip = [comparison._best_first_dip(*case) for case in cases]
    assert any(a != b for a, b in zip(reference, final, strict=True))
    assert any(a != b for a, b in zip(reference, dip, strict=True))
    # and some case has a rate that diverges (its f ends at NaN)
    assert any(
        not np.isfinite(
            case[1].value(opt.run(case[0](lr), case[1], case[2], case[4], warn=False))[-1]
        )
        for case in cases
        for lr in case[3]
    )


# ------------------------------------------------------- momentum_settle_steps


def spectral_radius_by_eigvals(lr: float, beta: float, lam: float) -> float:
    """Momentum's rate along curvature lam from the 2 x 2 matrix itself (numpy.linalg)."""
    matrix = np.array([[1 + beta - lr * lam, -beta], [1.0, 0.0]])
    return float(np.abs(np.linalg.eigvals(matrix)).max())


@pytest.mark.parametrize(
    "f0, tol, lr, beta, curvatures",
    [
        (6.45, 1e-3, lr, 0.9, (0.1, 2.0))
        for lr in GRID
    ]
    + [(1.0, 1e-6, 0.01, 0.5, (0.5, 2.0)), (3.0, 1e-4, 0.02, 0.8, (0.2, 1.0, 50.0))],
)  # fmt: skip
def test_momentum_settle_reference_matches_the_eigenvalues(f0, tol, lr, beta, curvatures):
    rho = max(spectral_radius_by_eigvals(lr, beta, lam) for lam in curvatures)
    expected = math.inf if rho >= 1 else math.ceil(math.log(f0 / tol) / (2 * math.log(1 / rho)))
    assert REFERENCES["momentum_settle_steps"](f0, tol, lr, beta, np.array(curvatures)) == expected


def test_momentum_settle_reference_predicts_the_measured_flat_row():
    """On the bowl the estimate (84 steps) is within 10 % of the measured counts."""
    for lr in GRID[1:8]:  # 0.03 .. 1.5: under-damped in both directions
        predicted = REFERENCES["momentum_settle_steps"](6.45, 1e-3, lr, 0.9, BOWL.eigenvalues)
        path = opt.run(opt.Momentum(lr, beta=0.9), BOWL, START, 300)
        measured = settle_by_hand(BOWL.value(path), 1e-3)
        assert predicted == 84 and abs(measured - predicted) <= 0.1 * predicted, (lr, measured)
    assert REFERENCES["momentum_settle_steps"](6.45, 1e-3, 3.0, 0.9, BOWL.eigenvalues) == math.inf
    path = opt.run(opt.Momentum(3.0, beta=0.9), BOWL, START, 300, warn=False)
    assert not np.isfinite(path[-1]).all()  # and the run does diverge


def test_momentum_settle_steps_is_not_an_integer_boundary():
    """No case sits at a whole number of steps, where ceil and floor would agree."""
    for f0, tol, lr, beta, curvatures in comparison._settle_cases():
        rho = float(np.max(opt.analysis.spectral_radius(lr, beta, curvatures)))
        if rho < 1:
            exact = math.log(f0 / tol) / (2 * math.log(1 / rho))
            assert 0.01 < exact % 1 < 0.99


# ---------------------------------------------------------------- both checks


@pytest.mark.parametrize("name", ["best_rate", "momentum_settle_steps"])
def test_the_cases_tell_every_mistake_from_every_other(name: str):
    check = REGISTRY[name]
    cases = check.make_cases()
    variants = {"reference": REFERENCES[name]} | {
        m.name: variant for m in MISTAKES[name] for variant in m.variants
    }
    outputs = {
        label: [np.asarray(fn(*materialise(case)), dtype=float) for case in cases]
        for label, fn in variants.items()
    }
    for a, b in itertools.combinations(outputs, 2):
        differs = any(
            not np.allclose(x, y, equal_nan=True)
            for x, y in zip(outputs[a], outputs[b], strict=True)
        )
        assert differs, f"{name}: no case tells {a} from {b}"


def test_the_messages_say_what_to_do():
    messages = {m.name: m.message for m in MISTAKES["best_rate"]}
    assert "opt.steps_to_stay_below" in messages["final_value"]
    assert "-1" in messages["never_settled_chosen"]
    messages = {m.name: m.message for m in MISTAKES["momentum_settle_steps"]}
    assert "ρ^(2k)" in messages["no_square"] and "np.inf" in messages["diverging_not_infinite"]
