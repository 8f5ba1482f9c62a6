"""The numpy models in optimizers.models and the training loop ``train``."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import optimizers as opt
from optimizers.data import load_digits, load_seattle_temperatures
from optimizers.errors import DivergenceWarning
from optimizers.models import (
    MLP,
    LeastSquares,
    LogisticRegression,
    Model,
    log_softmax,
)
from optimizers.rules import SGD, Adam, Momentum
from optimizers.training import TrainResult, train, train_test_split

# ------------------------------------------------------------------- helpers


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-6
) -> np.ndarray:
    """Central differences ``(f(x + h e_i) - f(x - h e_i)) / 2h`` for every i."""
    grad = np.zeros_like(x)
    for i in range(x.size):
        step = np.zeros_like(x)
        step[i] = h
        grad[i] = (f(x + step) - f(x - step)) / (2 * h)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    scale = max(float(np.linalg.norm(a) + np.linalg.norm(b)), 1e-300)
    return float(np.linalg.norm(a - b)) / scale


def small_problem(model: Model, seed: int, n: int = 7) -> tuple[np.ndarray, ...]:
    """Random params, inputs and targets of the right shapes for ``model``."""
    rng = np.random.default_rng(seed)
    params = rng.standard_normal(model.n_params)
    X = rng.standard_normal((n, model.n_features))
    y: np.ndarray
    if isinstance(model, LeastSquares):
        y = rng.standard_normal(n)
    else:
        y = rng.integers(0, model.n_classes, n)  # type: ignore[attr-defined]
    return params, X, y


MODELS = [
    LeastSquares(5),
    LogisticRegression(5, 3),
    MLP([5, 4, 3]),
    MLP([6, 5, 4, 3]),  # two hidden layers
]


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits()
    return train_test_split(X, y, test_fraction=0.2, seed=0)


# ------------------------------------------------------------------ gradients


@pytest.mark.parametrize("model", MODELS, ids=repr)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradient_matches_central_differences(model: Model, seed: int) -> None:
    params, X, y = small_problem(model, seed)
    loss, grad = model.loss_and_grad(params, X, y)
    assert grad.shape == params.shape and grad.dtype == np.float64
    assert loss == model.loss(params, X, y)
    numeric = numerical_gradient(lambda p: model.loss(p, X, y), params)
    assert relative_error(grad, numeric) < 1e-6


@pytest.mark.parametrize("model", MODELS, ids=repr)
def test_loss_and_grad_leave_inputs_alone(model: Model) -> None:
    params, X, y = small_problem(model, seed=0)
    copies = params.copy(), X.copy(), y.copy()
    model.loss_and_grad(params, X, y)
    model.predict(params, X)
    for before, after in zip(copies, (params, X, y), strict=True):
        assert np.array_equal(before, after)


def test_least_squares_loss_is_the_formula() -> None:
    model = LeastSquares(3)
    params, X, y = small_problem(model, seed=0)
    w, b = params[:3], params[3]
    assert model.loss(params, X, y) == pytest.approx(np.sum((X @ w + b - y) ** 2) / (2 * len(y)))


def test_cross_entropy_at_zero_weights_is_log_k() -> None:
    # All logits equal -> uniform probabilities 1/k -> loss log k.
    model = LogisticRegression(4, 5)
    _, X, y = small_problem(model, seed=0)
    assert model.loss(np.zeros(model.n_params), X, y) == pytest.approx(np.log(5))


def test_log_softmax_is_stable_for_huge_logits() -> None:
    # exp(1000) overflows; the shifted form must not (pytest turns warnings into errors).
    z = np.array([[1000.0, 0.0, -1000.0], [1e4, 1e4, 1e4]])
    out = log_softmax(z)
    assert np.all(np.isfinite(out))
    assert out[0, 0] == 0.0 and out[1, 0] == pytest.approx(-np.log(3))
    model = LogisticRegression(1, 3)
    params = model.flatten({"W": [[1e5, 0.0, -1e5]], "b": [0.0, 0.0, 0.0]})
    loss, grad = model.loss_and_grad(params, np.array([[1.0]]), np.array([2]))
    assert loss == pytest.approx(2e5) and np.all(np.isfinite(grad))


def test_predict_and_accuracy() -> None:
    model = LogisticRegression(2, 2)
    # Logits (x1 - x0, x0 - x1): class 1 when x0 > x1.
    params = model.flatten({"W": [[-1.0, 1.0], [1.0, -1.0]], "b": [0.0, 0.0]})
    X = np.array([[2.0, 1.0], [0.0, 3.0], [5.0, -1.0]])
    assert np.array_equal(model.predict(params, X), [1, 0, 1])
    assert model.accuracy(params, X, np.array([1, 0, 0])) == pytest.approx(2 / 3)
    proba = model.predict_proba(params, X)
    assert proba.shape == (3, 2) and np.allclose(proba.sum(axis=1), 1.0)


# ------------------------------------------------------------- parameters


def test_unflatten_gives_named_views_in_order() -> None:
    model = MLP([64, 64, 10])
    assert list(model.shapes) == ["W1", "b1", "W2", "b2"]
    assert model.n_params == 64 * 64 + 64 + 64 * 10 + 10 == 4810
    params = model.init_params()
    arrays = model.unflatten(params)
    assert arrays["W1"].shape == (64, 64) and arrays["b2"].shape == (10,)
    assert all(np.shares_memory(a, params) for a in arrays.values())
    assert np.array_equal(model.flatten(arrays), params)
    arrays["b1"][0] = 123.0  # a view: writes through
    assert params[64 * 64] == 123.0


def test_mlp_init_is_he_and_seeded() -> None:
    model = MLP([64, 200, 10], seed=5)
    params = model.init_params()
    arrays = model.unflatten(params)
    assert np.std(arrays["W1"]) == pytest.approx(np.sqrt(2 / 64), rel=0.05)
    assert np.std(arrays["W2"]) == pytest.approx(np.sqrt(2 / 200), rel=0.05)
    assert np.all(arrays["b1"] == 0) and np.all(arrays["b2"] == 0)
    assert np.array_equal(params, model.init_params(5))
    assert np.array_equal(params, model.init_params(np.random.default_rng(5)))
    assert not np.array_equal(params, model.init_params(6))


@pytest.mark.parametrize("model", MODELS, ids=repr)
def test_init_params_is_flat_float64(model: Model) -> None:
    params = model.init_params(0)
    assert params.shape == (model.n_params,) and params.dtype == np.float64
    assert np.array_equal(params, model.init_params(0))


# ------------------------------------------------------------ input checks


def test_bad_shapes_name_the_argument_and_the_expected_shape() -> None:
    model = LogisticRegression(5, 3)
    params, X, y = small_problem(model, seed=0)
    with pytest.raises(ValueError, match=r"params must be a flat vector of shape \(18,\)"):
        model.loss(params[:-1], X, y)
    with pytest.raises(ValueError, match=r"params must be a flat vector of shape \(18,\)"):
        model.loss(params.reshape(6, 3), X, y)
    with pytest.raises(ValueError, match=r"X must have shape \(n, 5\).*got shape \(7, 4\)"):
        model.loss(params, X[:, :4], y)
    with pytest.raises(ValueError, match=r"X must have shape \(n, 5\)"):
        model.predict(params, X[0])
    with pytest.raises(ValueError, match=r"y must have shape \(7,\)"):
        model.loss(params, X, y[:5])
    with pytest.raises(ValueError, match=r"y must hold labels in \[0, 2\]"):
        model.loss(params, X, np.full(7, 3))
    with pytest.raises(ValueError, match="y must hold integer class labels"):
        model.loss(params, X, y.astype(float))
    regression = LeastSquares(5)
    with pytest.raises(ValueError, match=r"y must have shape \(7,\)"):
        regression.loss(np.zeros(6), X, np.zeros((7, 1)))


def test_bad_constructor_arguments() -> None:
    with pytest.raises(ValueError, match="layer_sizes must list at least"):
        MLP([64])
    with pytest.raises(ValueError, match="layer_sizes"):
        MLP([64, 0, 10])
    with pytest.raises(ValueError, match="n_classes must be an integer >= 2"):
        LogisticRegression(4, 1)
    with pytest.raises(ValueError, match="n_features must be an integer >= 1"):
        LeastSquares(0)


# ------------------------------------------------------------------ training


def test_logistic_regression_learns_digits_with_sgd(digits) -> None:
    X_train, X_test, y_train, y_test = digits
    model = LogisticRegression(64, 10)
    # Measured test accuracy after 200 steps of SGD(0.5), batch 32:
    # seed 0: 0.972, seed 1: 0.967, seed 2: 0.956.
    for seed in (0, 1, 2):
        result = train(
            model, SGD(lr=0.5), X_train, y_train, batch_size=32, iterations=200, seed=seed
        )
        assert model.accuracy(result.params, X_test, y_test) > 0.93
        assert result.losses[:10].mean() > 1.0 > result.losses[-20:].mean()


def test_mlp_learns_digits_with_adam(digits) -> None:
    X_train, X_test, y_train, y_test = digits
    model = MLP([64, 32, 10], seed=0)
    # Measured: test accuracy 0.967 after 300 Adam steps.
    result = train(model, Adam(lr=1e-2), X_train, y_train, batch_size=64, iterations=300, seed=0)
    assert model.accuracy(result.params, X_test, y_test) > 0.93
    assert not result.diverged


def test_least_squares_reaches_the_exact_solution() -> None:
    # Predict the day's maximum from its minimum temperature, Seattle 2012-2015.
    _, temp_max, temp_min = load_seattle_temperatures()
    x = (temp_min - temp_min.mean()) / temp_min.std()  # standardised: well conditioned
    X = x[:, None]
    slope, intercept = np.polyfit(x, temp_max, 1)
    model = LeastSquares(1)
    result = train(model, SGD(lr=0.5), X, temp_max, batch_size=len(x), iterations=100, seed=0)
    assert np.allclose(result.params, [slope, intercept], rtol=1e-9)


def test_same_seed_gives_identical_losses(digits) -> None:
    X_train, _, y_train, _ = digits
    model = MLP([64, 16, 10])

    def run(seed: int) -> TrainResult:
        opt = Momentum(lr=0.05, beta=0.9)
        return train(model, opt, X_train, y_train, batch_size=50, iterations=60, seed=seed)

    first, again, other = run(0), run(0), run(1)
    assert np.array_equal(first.losses, again.losses)
    assert np.array_equal(first.params, again.params)
    assert not np.array_equal(first.losses, other.losses)


def test_train_records_the_batch_loss_before_each_step(digits) -> None:
    X_train, _, y_train, _ = digits
    model = LogisticRegression(64, 10)
    params = model.init_params(3)
    result = train(
        model, SGD(lr=0.1), X_train, y_train, batch_size=100, iterations=30, seed=7, params=params
    )
    assert isinstance(result, TrainResult)
    assert result.losses.shape == result.times.shape == result.iterations.shape == (30,)
    assert np.array_equal(result.iterations, np.arange(30))
    assert np.all(np.diff(result.times) >= 0) and np.all(result.times >= 0)
    # Iteration 0 uses the first batch that minibatches draws from default_rng(seed).
    from optimizers.training import minibatches

    first = next(minibatches(len(X_train), 100, np.random.default_rng(7)))
    assert result.losses[0] == model.loss(params, X_train[first], y_train[first])
    assert np.array_equal(params, model.init_params(3))  # the start was not modified


def test_record_every_thins_the_record(digits) -> None:
    X_train, _, y_train, _ = digits
    model = LogisticRegression(64, 10)
    # 100 steps of batch 64 = 4.45 epochs of the 1437 training digits.
    full = train(model, SGD(lr=0.1), X_train, y_train, batch_size=64, iterations=100, seed=0)
    thin = train(
        model, SGD(lr=0.1), X_train, y_train, batch_size=64, iterations=100, seed=0, record_every=7
    )
    assert len(thin.losses) == 15  # ceil(100 / 7)
    assert np.array_equal(thin.iterations, np.arange(0, 100, 7))
    assert np.array_equal(thin.losses, full.losses[::7])
    assert np.array_equal(thin.params, full.params)


def test_train_stops_cleanly_when_it_diverges() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 3)) * 10
    y = rng.standard_normal(50)
    model = LeastSquares(3)
    # lr far above 2 / (largest curvature): every step overshoots and grows.
    with pytest.warns(DivergenceWarning, match="training diverged at iteration"):
        result = train(model, SGD(lr=10.0), X, y, batch_size=10, iterations=500, seed=0)
    assert result.diverged
    assert np.isnan(result.losses[-1]) and np.isfinite(result.losses[0])
    # warn=False: the flag alone reports it, and nothing reaches stderr
    # (pytest turns any warning into an error here).
    quiet = train(model, SGD(lr=10.0), X, y, batch_size=10, iterations=500, seed=0, warn=False)
    assert quiet.diverged and np.array_equal(quiet.losses, result.losses, equal_nan=True)


def test_train_validates_its_arguments(digits) -> None:
    X_train, _, y_train, _ = digits
    model = LogisticRegression(64, 10)
    with pytest.raises(ValueError, match=r"batch_size must be an integer in \[1, 1437\]"):
        train(model, SGD(0.1), X_train, y_train, batch_size=10_000, iterations=1, seed=0)
    with pytest.raises(ValueError, match="iterations must be an integer >= 1"):
        train(model, SGD(0.1), X_train, y_train, batch_size=10, iterations=0, seed=0)
    with pytest.raises(ValueError, match="y must have one entry per row of X"):
        train(model, SGD(0.1), X_train, y_train[:-1], batch_size=10, iterations=1, seed=0)
    with pytest.raises(ValueError, match=r"params must be a flat vector of shape \(650,\)"):
        train(model, SGD(0.1), X_train, y_train, batch_size=10, iterations=1, seed=0, params=[0.0])


def test_train_returns_the_final_optimizer_state(digits) -> None:
    X_train, _, y_train, _ = digits
    model = LogisticRegression(64, 10)
    theta0 = model.init_params()
    adagrad = opt.AdaGrad(0.1)
    result = opt.train(model, adagrad, X_train, y_train, batch_size=64, iterations=30, seed=3)
    # the same loop written out, with the same batches, reaches the same state
    params, state = theta0, adagrad.init(theta0)
    rng = np.random.default_rng(3)
    t = 0
    while t < 30:
        for idx in opt.minibatches(len(X_train), 64, rng):
            _, g = model.loss_and_grad(params, X_train[idx], y_train[idx])
            params, state = adagrad.step(params, g, state)
            t += 1
            if t == 30:
                break
    assert result.state == state and result.state.t == 30
    np.testing.assert_array_equal(result.params, params)


def test_hessian_vector_products_agree_exact_and_by_differences(digits) -> None:
    X_train, _, y_train, _ = digits
    model = LogisticRegression(64, 10)
    theta = model.init_params(0)
    v = np.random.default_rng(1).standard_normal(model.n_params)
    exact = model.hessian_vector_product(theta, X_train, y_train, v)
    by_differences = Model.hessian_vector_product(model, theta, X_train, y_train, v)
    np.testing.assert_allclose(by_differences, exact, rtol=1e-6, atol=1e-9)
    # least squares: H = XᵀX/n exactly (with the bias column)
    ls = LeastSquares(3)
    Xs = np.random.default_rng(2).standard_normal((20, 3))
    A = np.hstack([Xs, np.ones((20, 1))])
    w = np.random.default_rng(3).standard_normal(4)
    np.testing.assert_allclose(
        ls.hessian_vector_product(ls.init_params(0), Xs, np.zeros(20), w), A.T @ A @ w / 20
    )


def test_largest_curvature_is_the_top_eigenvalue(digits) -> None:
    X_train, _, y_train, _ = digits
    ls = LeastSquares(64)
    A = np.hstack([X_train, np.ones((len(X_train), 1))])
    top = np.linalg.eigvalsh(A.T @ A / len(A)).max()
    got = opt.largest_curvature(ls, ls.init_params(0), X_train, y_train.astype(float), 300)
    assert abs(got / top - 1) < 1e-6
    softmax = LogisticRegression(64, 10)
    assert (
        round(opt.largest_curvature(softmax, softmax.init_params(0), X_train, y_train), 2) == 1.22
    )


def test_l2_regularized_adds_the_penalty_and_keeps_the_rest(digits) -> None:
    X_train, X_test, y_train, y_test = digits
    base = LogisticRegression(64, 10)
    model = opt.L2Regularized(base, weight_decay=0.1)
    theta = base.init_params(0)
    loss, grad = model.loss_and_grad(theta, X_train, y_train)
    base_loss, base_grad = base.loss_and_grad(theta, X_train, y_train)
    assert loss == pytest.approx(base_loss + 0.05 * theta @ theta)
    np.testing.assert_allclose(grad, base_grad + 0.1 * theta)
    assert model.accuracy(theta, X_test, y_test) == base.accuracy(theta, X_test, y_test)
    assert model.n_params == base.n_params
    result = opt.train(model, opt.SGD(0.5), X_train, y_train, batch_size=64, iterations=5, seed=0)
    assert np.isfinite(result.losses).all()
    with pytest.raises(ValueError, match=r"weight_decay must be in \[0, inf\)"):
        opt.L2Regularized(base, -1.0)
