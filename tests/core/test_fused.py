"""The fused path (``fused=True``, a numba loop per rule) equals the readable path."""

from __future__ import annotations

import builtins
import sys
from typing import Any

import numpy as np
import pytest

import optimizers as opt
from optimizers import fused, schedules

pytest.importorskip("numba", reason="numba is pinned in requirements-dev.txt")

STEPS = 200


def configurations() -> list[tuple[str, Any]]:
    schedule = schedules.CosineDecay(0.05, 200)
    return [
        ("Adam", lambda f: opt.Adam(0.05, fused=f)),
        ("Adam amsgrad", lambda f: opt.Adam(0.05, amsgrad=True, fused=f)),
        ("Adam no bias correction", lambda f: opt.Adam(0.05, bias_correction=False, fused=f)),
        ("Adam lr_t", lambda f: opt.Adam(0.05, form="lr_t", fused=f)),
        ("Adam lr_t eps=0", lambda f: opt.Adam(0.05, eps=0.0, form="lr_t", fused=f)),
        ("Adam schedule", lambda f: opt.Adam(schedule, beta1=0.8, beta2=0.99, fused=f)),
        ("AdamW", lambda f: opt.AdamW(0.05, weight_decay=0.1, fused=f)),
        (
            "AdamW amsgrad schedule",
            lambda f: opt.AdamW(schedule, 0.9, 0.99, 1e-6, 0.3, True, fused=f),
        ),
        ("Momentum", lambda f: opt.Momentum(0.01, 0.9, fused=f)),
        ("Momentum ema", lambda f: opt.Momentum(0.05, 0.8, form="ema", fused=f)),
        ("Momentum velocity schedule", lambda f: opt.Momentum(schedule, 0.9, "velocity", fused=f)),
        ("RMSprop", lambda f: opt.RMSprop(0.01, 0.9, fused=f)),
        ("RMSprop schedule", lambda f: opt.RMSprop(schedule, 0.99, 1e-6, fused=f)),
    ]


def gradients(shape: tuple[int, ...]) -> np.ndarray:
    return (
        np.random.default_rng(7).standard_normal((STEPS, *shape))
        * np.logspace(-3, 1, STEPS)[:, *([None] * len(shape))]
    )


@pytest.mark.parametrize(("name", "make"), configurations(), ids=[c[0] for c in configurations()])
@pytest.mark.parametrize("shape", [(7,), (3, 5)])
def test_fused_equals_the_readable_path_over_200_steps(name: str, make: Any, shape: tuple) -> None:
    plain, quick = make(False), make(True)
    x0 = np.random.default_rng(1).standard_normal(shape)
    grads = gradients(shape)
    x, y = x0, x0.copy()
    s, u = plain.init(x0), quick.init(x0)
    for g in grads:
        x, s = plain.step(x, g, s)
        y, u = quick.step(y, g, u)
        np.testing.assert_allclose(y, x, rtol=1e-12, atol=1e-300)
    for key, array in s.arrays().items():
        np.testing.assert_allclose(getattr(u, key), array, rtol=1e-12, atol=1e-300)
    assert u.t == s.t == STEPS


def test_fused_updates_its_state_in_place_and_leaves_params_alone() -> None:
    adam = opt.Adam(0.1, fused=True)
    x = np.array([1.0, -2.0])
    state = adam.init(x)
    m = state.m
    new_x, new_state = adam.step(x, np.array([0.5, 0.5]), state)
    assert new_state is state and state.m is m and state.t == 1 and m.any()
    assert x.tolist() == [1.0, -2.0] and not np.shares_memory(new_x, x)


@pytest.mark.parametrize(("name", "make"), configurations(), ids=[c[0] for c in configurations()])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_fused_refuses_non_finite_gradients_found_in_its_pass(name: str, make: Any, bad: float):
    """Counted inside the loop (no extra pass over g); the error says the state is spent."""
    rule = make(True)
    state = rule.init(np.zeros(4))
    grads = np.array([1.0, bad, 0.5, bad])
    with pytest.raises(
        ValueError,
        match=r"grads contains 2 non-finite value\(s\) .* at step t=1;"
        r".*the fused step updated the state in place: start again from init",
    ):
        rule.step(np.zeros(4), grads, state)
    assert state.t == 0  # not counted as a step
    x, state = rule.step(np.zeros(4), np.ones(4), rule.init(np.zeros(4)))  # a new state works
    assert np.isfinite(x).all() and state.t == 1


def test_fused_follows_a_landscape_like_the_plain_path() -> None:
    bowl, start = opt.elongated_bowl(), np.array([[-7.0, 2.0], [3.0, -1.0]])
    for make in (opt.Adam, opt.RMSprop):
        np.testing.assert_allclose(
            opt.run(make(0.3, fused=True), bowl, start, 100),
            opt.run(make(0.3), bowl, start, 100),
            rtol=1e-12,
        )


def test_without_numba_fused_raises_an_import_error_that_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_import = builtins.__import__

    def no_numba(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "numba" or name.startswith("numba."):
            raise ImportError("No module named 'numba'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_numba)
    monkeypatch.delitem(sys.modules, "numba", raising=False)
    assert not fused.numba_available()
    with pytest.raises(ImportError, match=r"pip install numba"):
        opt.Adam(0.1, fused=True)
    opt.Adam(0.1).step(np.ones(2), np.ones(2), opt.Adam(0.1).init(np.ones(2)))  # the rest works


def test_fused_must_be_a_bool() -> None:
    with pytest.raises(TypeError, match="fused must be True or False"):
        opt.Adam(0.1, fused="yes")  # type: ignore[arg-type]
