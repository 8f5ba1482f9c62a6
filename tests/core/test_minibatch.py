"""optimizers.minibatch: per-example gradients, mini-batch noise, training with checkpoints."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from optimizers.errors import DivergenceWarning
from optimizers.minibatch import (
    gradient_noise,
    noise_scale,
    per_example_gradients,
    sampling_variance,
)
from optimizers.models import MLP, LeastSquares, LogisticRegression
from optimizers.rules import SGD, Adam, Momentum
from optimizers.training import Checkpoints, minibatches, train


def classification(n: int = 40, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 5)), rng.integers(0, 3, n)


# ------------------------------------------------------------ per-example gradients


@pytest.mark.parametrize("model", [LeastSquares(5), LogisticRegression(5, 3), MLP([5, 4, 3])])
def test_per_example_gradients_average_to_the_full_gradient(model) -> None:
    X, y = classification()
    if isinstance(model, LeastSquares):
        y = y.astype(float)
    params = model.init_params(1)
    G = per_example_gradients(model, params, X, y)
    assert G.shape == (len(X), model.n_params)
    np.testing.assert_allclose(G.mean(axis=0), model.loss_and_grad(params, X, y)[1], atol=1e-14)
    np.testing.assert_array_equal(G[3], model.loss_and_grad(params, X[3:4], y[3:4])[1])


def test_per_example_gradients_rejects_mismatched_rows() -> None:
    X, y = classification()
    with pytest.raises(ValueError, match="same, non-zero number of rows"):
        per_example_gradients(LogisticRegression(5, 3), np.zeros(18), X, y[:-1])


# ------------------------------------------------------------ the sampling formula


def exact_noise(G: np.ndarray, batch_size: int) -> float:
    """E ||mean of a batch − mean of all||² over every subset of that size (small N only)."""
    mean = G.mean(axis=0)
    errors = [
        float(np.sum((G[list(subset)].mean(axis=0) - mean) ** 2))
        for subset in itertools.combinations(range(len(G)), batch_size)
    ]
    return float(np.mean(errors))


@pytest.mark.parametrize("batch_size", [1, 2, 3, 5, 6, 7])
def test_without_replacement_formula_is_exact(batch_size: int) -> None:
    G = np.random.default_rng(2).standard_normal((7, 3))
    assert math.isclose(sampling_variance(G, batch_size), exact_noise(G, batch_size), rel_tol=1e-12)


def test_formula_limits() -> None:
    G = np.random.default_rng(3).standard_normal((10, 4))
    sigma2 = float(np.mean(np.sum((G - G.mean(axis=0)) ** 2, axis=1)))
    assert math.isclose(sampling_variance(G, 1), sigma2)
    assert math.isclose(sampling_variance(G, 1, replace=True), sigma2)
    assert sampling_variance(G, 10) == 0.0
    assert math.isclose(sampling_variance(G, 20, replace=True), sigma2 / 20)
    assert math.isclose(sampling_variance(G, 5) / sampling_variance(G, 5, replace=True), 5 / 9)
    with pytest.raises(ValueError, match="batch_size"):
        sampling_variance(G, 11)
    with pytest.raises(ValueError, match="per_example"):
        sampling_variance(G[0], 1)


def test_noise_scale_is_spread_over_signal() -> None:
    G = np.array([[1.0, 0.0], [3.0, 0.0]])  # mean (2, 0), spread 1
    assert math.isclose(noise_scale(G), 1 / 4)


# ------------------------------------------------------------ the measured noise


def test_gradient_noise_matches_the_formula() -> None:
    G = np.random.default_rng(4).standard_normal((50, 6))
    rng = np.random.default_rng(5)
    for batch_size in [1, 5, 25, 45]:
        measured = gradient_noise(G, batch_size, n_batches=4000, rng=rng)
        assert measured == pytest.approx(sampling_variance(G, batch_size), rel=0.06)
    assert gradient_noise(G, 50, n_batches=10, rng=rng) < 1e-28


def test_gradient_noise_uses_the_minibatches_of_a_training_loop() -> None:
    G = np.random.default_rng(6).standard_normal((10, 2))
    measured = gradient_noise(G, 3, n_batches=5, rng=np.random.default_rng(7))
    rng = np.random.default_rng(7)
    batches = []
    while len(batches) < 5:
        batches.extend(minibatches(10, 3, rng, drop_last=True))
    expected = np.mean([np.sum((G[b].mean(axis=0) - G.mean(axis=0)) ** 2) for b in batches[:5]])
    assert math.isclose(measured, float(expected), rel_tol=1e-12)


def test_gradient_noise_is_reproducible() -> None:
    G = np.random.default_rng(8).standard_normal((30, 3))
    a = gradient_noise(G, 4, 100, np.random.default_rng(1))
    b = gradient_noise(G, 4, 100, np.random.default_rng(1))
    assert a == b


# ------------------------------------------- train(keep_every=...): checkpoints


@pytest.mark.parametrize(
    ("optimizer", "batch_size", "iterations"),
    [(SGD(0.1), 8, 23), (Momentum(0.05, 0.9), 40, 7), (Adam(0.01), 1, 50)],
)
def test_checkpoints_end_where_training_ends(optimizer, batch_size, iterations) -> None:
    X, y = classification()
    model = LogisticRegression(5, 3)
    kwargs = dict(batch_size=batch_size, iterations=iterations, seed=3, params=model.init_params(2))
    result = train(model, optimizer, X, y, **kwargs)
    kept = train(model, optimizer, X, y, keep_every=5, **kwargs)
    assert result.checkpoints is None and not kept.diverged
    checkpoints = kept.checkpoints
    assert isinstance(checkpoints, Checkpoints)
    np.testing.assert_array_equal(checkpoints.params[-1], result.params)
    np.testing.assert_array_equal(checkpoints.params[0], kwargs["params"])
    expected = (
        [*range(0, iterations, 5), iterations] if iterations % 5 else [*range(0, iterations + 1, 5)]
    )
    assert checkpoints.iterations.tolist() == expected
    assert checkpoints.params.shape == (len(expected), model.n_params)
    assert checkpoints.times[0] == 0 and np.all(np.diff(checkpoints.times) >= 0)


def test_checkpoints_every_step_are_the_path() -> None:
    X, y = classification()
    model = LogisticRegression(5, 3)
    start = model.init_params(0)
    run = train(
        model, SGD(0.5), X, y, batch_size=40, iterations=3, seed=0, keep_every=1, params=start
    )
    theta = start
    for row in run.checkpoints.params[1:]:
        theta = theta - 0.5 * model.loss_and_grad(theta, X, y)[1]
        np.testing.assert_allclose(row, theta, rtol=1e-15)
    np.testing.assert_array_equal(run.checkpoints.params[0], start)


def test_checkpoints_stop_on_divergence() -> None:
    rng = np.random.default_rng(0)
    X = 100 * rng.standard_normal((20, 2))
    y = rng.standard_normal(20)
    model = LeastSquares(2)
    with pytest.warns(DivergenceWarning, match="diverged"):
        run = train(model, SGD(10.0), X, y, batch_size=20, iterations=500, seed=0, keep_every=1)
    assert run.diverged and len(run.checkpoints.iterations) < 501
    assert np.isfinite(run.checkpoints.params).all()


def test_keep_every_is_validated() -> None:
    X, y = classification()
    model = LogisticRegression(5, 3)
    with pytest.raises(ValueError, match=r"keep_every must be an integer >= 1"):
        train(model, SGD(0.1), X, y, batch_size=4, iterations=1, seed=0, keep_every=0)
