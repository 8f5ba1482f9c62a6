"""The checks of the sgd chapter: the mean-square limit's reference is the exact average
over every batch, and correct variants of the answer pass while the chapter's typical
mistakes are named."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import optimizers as opt
from optimizers.teaching.checks import REFERENCES, REGISTRY, CheckFailed


def test_the_chapter_exercises_are_registered_here():
    names = {name for name, ex in REGISTRY.items() if ex.chapter == "sgd"}
    assert names == {"minibatch_indices", "batch_noise", "ms_stable_lr"}


def exact_mean_square(h, batch_size, lr):
    """E (1 − η h_B)² over every batch of ``batch_size`` distinct examples, counted one by one."""
    batches = list(itertools.combinations(range(len(h)), batch_size))
    factors = [(1 - lr * h[list(b)].mean()) ** 2 for b in batches]
    assert len(batches) == math.comb(len(h), batch_size)
    return float(np.mean(factors))


@pytest.mark.parametrize(("n", "batch_size"), [(6, 1), (6, 2), (7, 3), (8, 5), (6, 6)])
def test_ms_stable_lr_is_where_the_exact_mean_square_factor_reaches_one(n, batch_size):
    h = np.random.default_rng(n + batch_size).uniform(0.2, 3.0, size=n)
    limit = REFERENCES["ms_stable_lr"](h, batch_size)
    assert np.isclose(exact_mean_square(h, batch_size, limit), 1.0, rtol=1e-12)
    assert (
        exact_mean_square(h, batch_size, 0.99 * limit)
        < 1
        < exact_mean_square(h, batch_size, 1.01 * limit)
    )


def test_ms_stable_lr_limits():
    h = np.random.default_rng(3).uniform(0.1, 2.0, size=50)
    full = REFERENCES["ms_stable_lr"](h, 50)
    assert np.isclose(full, 2 / h.mean())  # the full batch: gradient descent's 2/λ
    assert np.isclose(REFERENCES["ms_stable_lr"](h, 1), 2 * h.mean() / np.mean(h**2))
    limits = [REFERENCES["ms_stable_lr"](h, b) for b in range(1, 51)]
    assert np.all(np.diff(limits) > 0) and limits[-1] == pytest.approx(full)  # grows with B
    # equal curvatures: no noise in the curvature, so every batch size has the full-batch limit
    assert np.isclose(REFERENCES["ms_stable_lr"](np.full(10, 0.5), 1), 4.0)


def test_ms_stable_lr_agrees_with_simulated_runs():
    """Below the limit the mean square of many noise-free runs shrinks; above it, it grows."""
    rng = np.random.default_rng(0)
    h = rng.uniform(0.2, 2.5, size=40)
    limit = REFERENCES["ms_stable_lr"](h, 1)
    for lr, grows in [(0.9 * limit, False), (1.1 * limit, True)]:
        e = np.ones(20_000)
        for _ in range(60):
            e = (1 - lr * h[rng.integers(len(h), size=e.size)]) * e  # B = 1: one example per step
        mean_square = np.mean(e**2)
        # the exact factor per step, raised to the 60 steps, predicts it
        predicted = exact_mean_square(h, 1, lr) ** 60
        assert (mean_square > 1) == grows and (predicted > 1) == grows


def ddof_one_answer(curvatures, batch_size):  # the sample variance with the matching factor
    h = np.asarray(curvatures, dtype=float)
    n = len(h)
    return 2 * h.mean() / (h.mean() ** 2 + (n - batch_size) / (n * batch_size) * h.var(ddof=1))


def expanded_answer(curvatures, batch_size):  # E h_B² written out
    h = np.asarray(curvatures, dtype=float)
    n = len(h)
    c = (n - batch_size) / ((n - 1) * batch_size)
    second_moment = h.mean() ** 2 + c * (np.mean(h**2) - h.mean() ** 2)
    return float(2 * h.mean() / second_moment)


@pytest.mark.parametrize("answer", [ddof_one_answer, expanded_answer])
def test_ms_stable_lr_accepts_equivalent_answers(answer, capsys):
    opt.checks.check_ms_stable_lr(answer)
    assert capsys.readouterr().out.startswith("✓ ms_stable_lr is correct")


def test_ms_stable_lr_names_the_full_batch_limit():
    with pytest.raises(CheckFailed, match="limit of full-batch descent"):
        opt.checks.check_ms_stable_lr(lambda curvatures, batch_size: 2 / np.mean(curvatures))


def test_ms_stable_lr_names_sampling_with_replacement():
    def with_replacement(curvatures, batch_size):
        h = np.asarray(curvatures, dtype=float)
        return 2 * h.mean() / (h.mean() ** 2 + h.var() / batch_size)

    with pytest.raises(CheckFailed, match="drawn with replacement"):
        opt.checks.check_ms_stable_lr(with_replacement)
