"""Every update rule, schedule and average against stored torch.optim / optax outputs.

The vectors come from scripts/make_reference_vectors.py (run by hand with torch
2.13.0, optax 0.2.8, float64). These tests need neither torch nor jax.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import optimizers as opt
from optimizers import schedules

REFERENCE = Path(__file__).parent / "reference"
RTOL = 1e-12


def load(name: str) -> tuple[dict[str, np.ndarray], list[dict]]:
    with np.load(REFERENCE / f"{name}.npz") as data:
        arrays = {key: data[key] for key in data.files}
    return arrays, json.loads(str(arrays.pop("cases")))


OPTIMIZER_ARRAYS, OPTIMIZER_CASES = load("optimizers")
SCHEDULE_ARRAYS, SCHEDULE_CASES = load("schedules")


def test_reference_cases_cover_every_rule_and_shape():
    names = {case["name"] for case in OPTIMIZER_CASES}
    assert names == {cls.__name__ for cls in opt.rules.ALL_OPTIMIZERS}
    assert {len(case["shape"]) for case in OPTIMIZER_CASES} == {1, 2, 3}
    steps = {OPTIMIZER_ARRAYS[f"{case['key']}_params"].shape[0] - 1 for case in OPTIMIZER_CASES}
    assert steps == {150}


def gradient(A: np.ndarray, c: np.ndarray, p: np.ndarray) -> np.ndarray:
    """The gradient the reference script used: A (p − c) + 0.3 sin p."""
    return A * (p - c) + 0.3 * np.sin(p)


def replay(optimizer: opt.Optimizer, A, c, torch_params) -> np.ndarray:
    """Feed our rule the gradient at torch's iterate; collect the iterates it returns."""
    state = optimizer.init(torch_params[0])
    ours = [torch_params[0]]
    for k in range(len(torch_params) - 1):
        new, state = optimizer.step(torch_params[k], gradient(A, c, torch_params[k]), state)
        ours.append(new)
    return np.array(ours)


@pytest.mark.parametrize(
    "case", OPTIMIZER_CASES, ids=lambda c: f"{c['name']}{c['kwargs']}{tuple(c['shape'])}"
)
def test_rule_matches_torch_step_by_step(case):
    arrays = {k: OPTIMIZER_ARRAYS[f"{case['key']}_{k}"] for k in ("A", "c", "params")}
    rule = getattr(opt, case["name"])(**case["kwargs"])
    ours = replay(rule, arrays["A"], arrays["c"], arrays["params"])
    np.testing.assert_allclose(
        ours,
        arrays["params"],
        rtol=RTOL,
        atol=1e-14,
        err_msg=f"{rule!r} differs from {case['torch']}",
    )


@pytest.mark.parametrize("case", OPTIMIZER_CASES[::3], ids=lambda c: c["name"])
def test_rule_matches_torch_over_a_whole_run(case):
    """Closed loop: our own iterates, 150 steps, stay on torch's path."""
    A, c, torch_params = (OPTIMIZER_ARRAYS[f"{case['key']}_{k}"] for k in ("A", "c", "params"))
    rule = getattr(opt, case["name"])(**case["kwargs"])
    path = opt.run(rule, lambda p: gradient(A, c, p), torch_params[0], steps=150)
    np.testing.assert_allclose(path, torch_params, rtol=1e-11, atol=1e-13)


def test_schedule_drives_optimizer_with_t_zero_at_first_step():
    A, c, torch_params = (OPTIMIZER_ARRAYS[f"scheduled_{k}"] for k in ("A", "c", "params"))
    rule = opt.Adam(lr=schedules.ExponentialDecay(0.1, 0.97))
    np.testing.assert_allclose(
        replay(rule, A, c, torch_params), torch_params, rtol=RTOL, atol=1e-14
    )


@pytest.mark.parametrize("case", SCHEDULE_CASES, ids=lambda c: c["name"])
def test_schedule_matches_torch_scheduler(case):
    schedule = getattr(schedules, case["name"])(**case["kwargs"])
    expected = SCHEDULE_ARRAYS[case["key"]]
    ours = np.array([schedule(t) for t in range(len(expected))])
    np.testing.assert_allclose(ours, expected, rtol=RTOL)


def test_all_schedules_are_covered():
    public = {
        name
        for name, obj in vars(schedules).items()
        if isinstance(obj, type) and obj.__module__ == schedules.__name__
    }
    covered = {case["name"] for case in SCHEDULE_CASES}
    # Constant is trivial and PerEpoch only re-indexes another schedule; both tested below.
    assert public - covered == {"Constant", "PerEpoch"}


@pytest.mark.parametrize("beta", [0.5, 0.9, 0.98])
def test_bias_corrected_ema_matches_optax(beta):
    with np.load(REFERENCE / "ema.npz") as data:
        series, expected = data["series"], data[f"beta{beta}"]
    np.testing.assert_allclose(opt.ema(series, beta, bias_correction=True), expected, rtol=RTOL)
