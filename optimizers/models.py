"""Small numpy models whose parameters are ONE flat float64 vector.

Every optimizer in this package updates one array, of any shape. So that the same
optimizer trains a straight line and a neural network, each model here keeps all of
its weights in one 1-D vector ``params`` and hands back the gradient as a vector of
the same shape. ``model.unflatten(params)`` shows the named weight arrays inside it
(views: no copy), which is how the code below reads the weights.

Models
------
- :class:`LeastSquares` -- linear regression, loss ``1/(2n) ||X w + b - y||^2``.
- :class:`LogisticRegression` -- softmax regression, mean cross-entropy.
- :class:`MLP` -- a multilayer perceptron: ReLU hidden layers, softmax output.

Every model has ``init_params``, ``loss``, ``loss_and_grad`` (backpropagation written
out), ``predict`` and ``unflatten``; the classifiers also have ``predict_proba`` and
``accuracy``. :func:`~optimizers.training.train` is a seeded mini-batch training loop
for any of them.

Shapes: ``X`` is ``(n, n_features)``, one example per row. For regression ``y`` is
``(n,)`` real numbers; for classification ``y`` is ``(n,)`` integer class labels
``0 .. n_classes-1``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validate import check_int, check_range

FloatArray = NDArray[np.float64]
Seed = int | np.random.Generator | None


# --------------------------------------------------------------------- helpers


def _rng(rng_or_seed: Seed, default: int) -> np.random.Generator:
    """A Generator from a seed or a Generator (``None`` means ``default``)."""
    if isinstance(rng_or_seed, np.random.Generator):
        return rng_or_seed
    if rng_or_seed is None:
        return np.random.default_rng(default)
    return np.random.default_rng(check_int("rng_or_seed", rng_or_seed))


def log_softmax(z: FloatArray) -> FloatArray:
    """Row-wise ``log softmax(z) = z - log(sum(exp(z)))``, computed stably.

    Subtracting each row's maximum first changes nothing mathematically (softmax is
    unchanged by adding a constant to a row) but keeps ``exp`` from overflowing:
    the largest exponent becomes ``exp(0) = 1``.
    """
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def softmax(z: FloatArray) -> FloatArray:
    """Row-wise ``softmax(z)_k = exp(z_k) / sum_j exp(z_j)``, computed stably."""
    return np.exp(log_softmax(z))


def cross_entropy_and_grad(logits: FloatArray, y: NDArray[np.int64]) -> tuple[float, FloatArray]:
    """Mean softmax cross-entropy and its gradient with respect to the logits.

    ``loss = -(1/n) sum_i log softmax(z_i)[y_i]`` and
    ``dloss/dz = (softmax(z) - onehot(y)) / n``.
    """
    n = len(y)
    rows = np.arange(n)
    log_p = log_softmax(logits)
    loss = -log_p[rows, y].mean()
    dlogits = np.exp(log_p)  # softmax(z)
    dlogits[rows, y] -= 1.0  # - onehot(y)
    dlogits /= n
    return float(loss), dlogits


# ----------------------------------------------------------------- base class


class Model:
    """What all models share: the parameter count, input checks and ``unflatten``.

    A subclass lists its weight arrays in ``self.shapes`` (name -> shape), in the
    order they are stored in the flat vector, and implements ``init_params``,
    ``loss_and_grad`` and ``predict``.
    """

    shapes: dict[str, tuple[int, ...]]
    n_features: int

    @property
    def n_params(self) -> int:
        """Length of the flat parameter vector."""
        return sum(math.prod(shape) for shape in self.shapes.values())

    def unflatten(self, params: ArrayLike) -> dict[str, FloatArray]:
        """The named weight arrays inside ``params``, as views (no copies).

        Writing into a returned array writes into ``params``. The arrays come in
        the order they are stored: ``params`` is their concatenation, each raveled
        row-major.
        """
        params = self._check_params(params)
        arrays = {}
        start = 0
        for name, shape in self.shapes.items():
            size = math.prod(shape)
            arrays[name] = params[start : start + size].reshape(shape)
            start += size
        return arrays

    def flatten(self, arrays: Mapping[str, ArrayLike]) -> FloatArray:
        """The inverse of :meth:`unflatten`: one new flat float64 vector."""
        missing = set(self.shapes) - set(arrays)
        if missing:
            raise ValueError(f"arrays is missing the weights {sorted(missing)}")
        parts = []
        for name, shape in self.shapes.items():
            part = np.asarray(arrays[name], dtype=np.float64)
            if part.shape != shape:
                raise ValueError(f"arrays[{name!r}] must have shape {shape}, got {part.shape}")
            parts.append(part.ravel())
        return np.concatenate(parts)

    def loss(self, params: ArrayLike, X: ArrayLike, y: ArrayLike) -> float:
        """The loss on ``(X, y)`` (see the class docstring for the formula).

        It calls :meth:`loss_and_grad` and drops the gradient: one code path to
        check, at the price of computing a gradient nobody uses.
        """
        return self.loss_and_grad(params, X, y)[0]

    def loss_and_grad(
        self, params: ArrayLike, X: ArrayLike, y: ArrayLike
    ) -> tuple[float, FloatArray]:
        """``(L, dL/dparams)``: the loss on ``(X, y)`` and its gradient, a flat vector
        of the shape of ``params`` (backpropagation written out in each model)."""
        raise NotImplementedError

    def init_params(self, rng_or_seed: Seed = None) -> FloatArray:
        """A starting parameter vector of length :attr:`n_params`, seeded."""
        raise NotImplementedError

    def predict(self, params: ArrayLike, X: ArrayLike) -> np.ndarray:
        """The model's output for each row of ``X``, shape ``(n,)``."""
        raise NotImplementedError

    def hessian_vector_product(
        self, params: ArrayLike, X: ArrayLike, y: ArrayLike, v: ArrayLike
    ) -> FloatArray:
        """``H v``, the Hessian of the loss on ``(X, y)`` at ``params`` times ``v``.

        From two gradients, a central difference along ``v``:
        :math:`Hv ≈ (∇L(θ + hv) − ∇L(θ − hv)) / (2h)` with ``h`` scaled to ``v``
        (exact for a quadratic loss; models with a closed form override it).
        """
        params, v = self._check_params(params), self._check_params(v)
        h = 1e-4 / max(float(np.linalg.norm(v)), 1e-300)
        plus = self.loss_and_grad(params + h * v, X, y)[1]
        minus = self.loss_and_grad(params - h * v, X, y)[1]
        return (plus - minus) / (2 * h)

    # ---- input checks: clear messages, naming the argument and the expected shape

    def _check_params(self, params: ArrayLike) -> FloatArray:
        params = np.asarray(params, dtype=np.float64)
        if params.shape != (self.n_params,):
            raise ValueError(
                f"params must be a flat vector of shape ({self.n_params},) for {self!r}, "
                f"got shape {params.shape}"
            )
        return params

    def _check_X(self, X: ArrayLike) -> FloatArray:
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ValueError(
                f"X must have shape (n, {self.n_features}) for {self!r}, got shape {X.shape}"
            )
        return X


class _Classifier(Model):
    """Shared parts of the softmax classifiers: label checks, predictions, accuracy."""

    n_classes: int

    def logits(self, params: ArrayLike, X: ArrayLike) -> FloatArray:
        raise NotImplementedError

    def _check_y(self, y: ArrayLike, n: int) -> NDArray[np.int64]:
        y = np.asarray(y)
        if y.shape != (n,):
            raise ValueError(f"y must have shape ({n},), one label per row of X, got {y.shape}")
        if y.dtype.kind not in "iu":
            raise ValueError(f"y must hold integer class labels, got dtype {y.dtype}")
        if n and (y.min() < 0 or y.max() >= self.n_classes):
            raise ValueError(
                f"y must hold labels in [0, {self.n_classes - 1}], "
                f"got values from {y.min()} to {y.max()}"
            )
        return y.astype(np.int64, copy=False)

    def predict_proba(self, params: ArrayLike, X: ArrayLike) -> FloatArray:
        """Class probabilities ``softmax(logits)``, shape ``(n, n_classes)``."""
        return softmax(self.logits(params, X))

    def predict(self, params: ArrayLike, X: ArrayLike) -> NDArray[np.int64]:
        """The most probable class of each row, shape ``(n,)``."""
        return np.argmax(self.logits(params, X), axis=1)

    def accuracy(self, params: ArrayLike, X: ArrayLike, y: ArrayLike) -> float:
        """Fraction of rows whose predicted class equals the label, in [0, 1]."""
        X = self._check_X(X)
        y = self._check_y(y, len(X))
        return float(np.mean(self.predict(params, X) == y))


# -------------------------------------------------------------------- models


class LeastSquares(Model):
    """Linear regression ``y ≈ X w + b`` with the mean squared error.

    Loss and gradient, with residual ``r = X w + b - y``::

        L(w, b) = 1/(2n) * ||r||^2
        dL/dw   = X^T r / n
        dL/db   = sum(r) / n

    Parameters: ``w`` of shape ``(n_features,)``, then ``b`` of shape ``(1,)``.
    """

    def __init__(self, n_features: int) -> None:
        self.n_features = check_int("n_features", n_features, low=1)
        self.shapes = {"w": (self.n_features,), "b": (1,)}

    def __repr__(self) -> str:
        return f"LeastSquares(n_features={self.n_features})"

    def init_params(self, rng_or_seed: Seed = None) -> FloatArray:
        """Small random weights ``w ~ N(0, 0.01^2)`` and ``b = 0`` (default seed 0).

        The loss is convex, so gradient descent from any start approaches a minimum. The
        minimum is unique when the columns of ``X``, with a column of ones for ``b``, are
        linearly independent; otherwise the minima form a line (or plane) and the start
        decides which of them a run reaches.
        """
        rng = _rng(rng_or_seed, default=0)
        return self.flatten({"w": 0.01 * rng.standard_normal(self.n_features), "b": [0.0]})

    def _check_y(self, y: ArrayLike, n: int) -> FloatArray:
        y = np.asarray(y, dtype=np.float64)
        if y.shape != (n,):
            raise ValueError(f"y must have shape ({n},), one target per row of X, got {y.shape}")
        return y

    def predict(self, params: ArrayLike, X: ArrayLike) -> FloatArray:
        """The fitted values ``X w + b``, shape ``(n,)``."""
        p = self.unflatten(params)
        return np.dot(self._check_X(X), p["w"]) + p["b"]

    def loss_and_grad(
        self, params: ArrayLike, X: ArrayLike, y: ArrayLike
    ) -> tuple[float, FloatArray]:
        """``(L, dL/dparams)`` with the formulas in the class docstring."""
        p = self.unflatten(params)
        X = self._check_X(X)
        y = self._check_y(y, len(X))
        n = len(X)
        r = np.dot(X, p["w"]) + p["b"] - y  # residuals, shape (n,)
        loss = 0.5 * np.dot(r, r) / n
        dw = np.dot(X.T, r) / n
        db = np.array([r.sum() / n])
        return float(loss), np.concatenate([dw, db])


class LogisticRegression(_Classifier):
    """Softmax (multinomial logistic) regression with the mean cross-entropy.

    Logits ``Z = X W + b`` (shape ``(n, n_classes)``), probabilities
    ``P = softmax(Z)`` row by row, and with ``Y = onehot(y)``::

        L(W, b) = -(1/n) sum_i log P[i, y_i]
        dL/dZ   = (P - Y) / n
        dL/dW   = X^T dL/dZ
        dL/db   = sum of the rows of dL/dZ

    Parameters: ``W`` of shape ``(n_features, n_classes)``, then ``b`` of shape
    ``(n_classes,)``.
    """

    def __init__(self, n_features: int, n_classes: int) -> None:
        self.n_features = check_int("n_features", n_features, low=1)
        self.n_classes = check_int("n_classes", n_classes, low=2)
        self.shapes = {"W": (self.n_features, self.n_classes), "b": (self.n_classes,)}

    def __repr__(self) -> str:
        return f"LogisticRegression(n_features={self.n_features}, n_classes={self.n_classes})"

    def init_params(self, rng_or_seed: Seed = None) -> FloatArray:
        """Small random weights ``W ~ N(0, 0.01^2)`` and ``b = 0`` (default seed 0).

        The loss is convex but need not have a minimum: when the training data are
        linearly separable (the digits' training set is), it keeps falling toward 0 as
        the weights grow, so where a run ends depends on the start, the learning rate
        and how long it runs. Even with a minimum, adding the same vector to every
        class's column of ``W`` (and the same number to every ``b``) leaves the loss
        unchanged, so the minimum is never a single point; an L2 penalty makes it one.
        """
        rng = _rng(rng_or_seed, default=0)
        W = 0.01 * rng.standard_normal((self.n_features, self.n_classes))
        return self.flatten({"W": W, "b": np.zeros(self.n_classes)})

    def logits(self, params: ArrayLike, X: ArrayLike) -> FloatArray:
        """``Z = X W + b``, shape ``(n, n_classes)``."""
        p = self.unflatten(params)
        return np.dot(self._check_X(X), p["W"]) + p["b"]

    def hessian_vector_product(
        self, params: ArrayLike, X: ArrayLike, y: ArrayLike, v: ArrayLike
    ) -> FloatArray:
        r"""``H v`` exactly: the Hessian of the mean cross-entropy does not depend on ``y``.

        Along ``v`` the logits change by :math:`\dot Z = X V_W + v_b`; each row's softmax
        Jacobian :math:`\operatorname{diag}(p) − pp^⊤` maps it to
        :math:`S = P ⊙ (\dot Z − (P ⊙ \dot Z)\mathbf 1)`, and
        :math:`Hv = (X^⊤ S / n,\ \mathbf 1^⊤ S / n)`.
        """
        X = self._check_X(X)
        P = self.predict_proba(params, X)
        V = self.unflatten(v)
        dZ = X @ V["W"] + V["b"]
        S = P * (dZ - (P * dZ).sum(axis=1, keepdims=True))
        return self.flatten({"W": X.T @ S / len(X), "b": S.sum(axis=0) / len(X)})

    def loss_and_grad(
        self, params: ArrayLike, X: ArrayLike, y: ArrayLike
    ) -> tuple[float, FloatArray]:
        """``(L, dL/dparams)`` with the formulas in the class docstring."""
        p = self.unflatten(params)
        X = self._check_X(X)
        y = self._check_y(y, len(X))
        Z = np.dot(X, p["W"]) + p["b"]
        loss, dZ = cross_entropy_and_grad(Z, y)
        dW = np.dot(X.T, dZ)
        db = dZ.sum(axis=0)
        return loss, np.concatenate([dW.ravel(), db])


class MLP(_Classifier):
    """A multilayer perceptron classifier: ReLU hidden layers, softmax output.

    ``MLP([64, 64, 10])`` maps 64 inputs through one hidden layer of 64 ReLU units
    to 10 class logits. For layers ``l = 1 .. L`` with ``A_0 = X``::

        Z_l = A_{l-1} W_l + b_l
        A_l = relu(Z_l) = max(Z_l, 0)        (hidden layers, l < L)
        loss = mean cross-entropy of softmax(Z_L)   (Z_L are the logits)

    Backpropagation runs the same layers backwards::

        dZ_L     = (softmax(Z_L) - onehot(y)) / n
        dW_l     = A_{l-1}^T dZ_l
        db_l     = sum of the rows of dZ_l
        dA_{l-1} = dZ_l W_l^T
        dZ_{l-1} = dA_{l-1} * (Z_{l-1} > 0)  (ReLU passes the gradient where it was on)

    Parameters: ``W1, b1, W2, b2, ...`` with ``W_l`` of shape
    ``(layer_sizes[l-1], layer_sizes[l])`` and ``b_l`` of shape ``(layer_sizes[l],)``.

    ``seed`` is the default seed of :meth:`init_params`.
    """

    def __init__(self, layer_sizes: list[int] | tuple[int, ...], seed: int = 0) -> None:
        sizes = list(layer_sizes)
        if len(sizes) < 2:
            raise ValueError(
                "layer_sizes must list at least the input and output sizes, "
                f"e.g. [64, 64, 10], got {layer_sizes!r}"
            )
        self.layer_sizes = [check_int("layer_sizes[i]", size, low=1) for size in sizes]
        if self.layer_sizes[-1] < 2:
            raise ValueError(
                f"the last entry of layer_sizes (the number of classes) must be >= 2, "
                f"got {layer_sizes!r}"
            )
        self.seed = check_int("seed", seed)
        self.n_features = self.layer_sizes[0]
        self.n_classes = self.layer_sizes[-1]
        self.n_layers = len(self.layer_sizes) - 1
        self.shapes = {}
        for layer in range(1, self.n_layers + 1):
            fan_in, fan_out = self.layer_sizes[layer - 1], self.layer_sizes[layer]
            self.shapes[f"W{layer}"] = (fan_in, fan_out)
            self.shapes[f"b{layer}"] = (fan_out,)

    def __repr__(self) -> str:
        return f"MLP({self.layer_sizes}, seed={self.seed})"

    def init_params(self, rng_or_seed: Seed = None) -> FloatArray:
        """He initialisation: ``W_l ~ N(0, 2 / fan_in)``, ``b_l = 0``.

        With ReLU, about half the units are zero, so variance ``2 / fan_in`` keeps
        the activations' scale roughly the same from layer to layer (He et al., 2015).
        ``rng_or_seed`` defaults to the model's ``seed``.
        """
        rng = _rng(rng_or_seed, default=self.seed)
        arrays = {}
        for name, shape in self.shapes.items():
            if name.startswith("W"):
                fan_in = shape[0]
                arrays[name] = rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)
            else:
                arrays[name] = np.zeros(shape)
        return self.flatten(arrays)

    def _forward(
        self, p: dict[str, FloatArray], X: FloatArray
    ) -> tuple[list[FloatArray], list[FloatArray]]:
        """Run the layers; keep every layer's input ``A_{l-1}`` and pre-activation ``Z_l``."""
        inputs, pre_activations = [], []
        A = X
        for layer in range(1, self.n_layers + 1):
            Z = np.dot(A, p[f"W{layer}"]) + p[f"b{layer}"]
            inputs.append(A)
            pre_activations.append(Z)
            if layer < self.n_layers:
                A = np.maximum(Z, 0.0)  # ReLU
        return inputs, pre_activations

    def logits(self, params: ArrayLike, X: ArrayLike) -> FloatArray:
        """The output layer's ``Z_L``, shape ``(n, n_classes)``."""
        _, pre_activations = self._forward(self.unflatten(params), self._check_X(X))
        return pre_activations[-1]

    def loss_and_grad(
        self, params: ArrayLike, X: ArrayLike, y: ArrayLike
    ) -> tuple[float, FloatArray]:
        """``(L, dL/dparams)`` by backpropagation (formulas in the class docstring)."""
        p = self.unflatten(params)
        X = self._check_X(X)
        y = self._check_y(y, len(X))
        inputs, pre_activations = self._forward(p, X)
        loss, dZ = cross_entropy_and_grad(pre_activations[-1], y)

        grads: dict[str, FloatArray] = {}
        for layer in range(self.n_layers, 0, -1):
            grads[f"W{layer}"] = np.dot(inputs[layer - 1].T, dZ)
            grads[f"b{layer}"] = dZ.sum(axis=0)
            if layer > 1:
                dA = np.dot(dZ, p[f"W{layer}"].T)
                dZ = dA * (pre_activations[layer - 2] > 0)  # ReLU'(Z) is 1 where Z > 0, else 0
        return loss, np.concatenate([grads[name].ravel() for name in self.shapes])


class L2Regularized(Model):
    r"""Another model's loss plus an L2 term on every parameter.

    .. math:: F(θ) = L(θ) + \tfrac{λ}{2}\,\lVert θ \rVert^2, \qquad ∇F = ∇L + λθ

    ``weight_decay`` is λ. Prediction, accuracy and the rest are the wrapped model's.
    With plain SGD the L2 term shrinks every weight by the factor (1 − ηλ) per step:
    weight decay. With Adam it does not (the term is divided by √v̂ like the rest of the
    gradient); :class:`~optimizers.rules.AdamW` applies the shrinking directly.
    """

    def __init__(self, model: Model, weight_decay: float) -> None:
        if not isinstance(model, Model):
            raise TypeError(f"model must be a model of optimizers.models, got {model!r}")
        self.model = model
        self.weight_decay = check_range("weight_decay", weight_decay, 0.0)
        self.shapes = model.shapes
        self.n_features = model.n_features

    def __repr__(self) -> str:
        return f"L2Regularized({self.model!r}, weight_decay={self.weight_decay!r})"

    def loss_and_grad(
        self, params: ArrayLike, X: ArrayLike, y: ArrayLike
    ) -> tuple[float, FloatArray]:
        """``(F, ∇F)``: the wrapped model's loss and gradient plus the L2 term's."""
        loss, grad = self.model.loss_and_grad(params, X, y)
        theta = self._check_params(params)
        return loss + 0.5 * self.weight_decay * float(
            theta @ theta
        ), grad + self.weight_decay * theta

    def hessian_vector_product(
        self, params: ArrayLike, X: ArrayLike, y: ArrayLike, v: ArrayLike
    ) -> FloatArray:
        """``(H_L + λI) v``."""
        return self.model.hessian_vector_product(params, X, y, v) + self.weight_decay * (
            self._check_params(v)
        )

    def init_params(self, rng_or_seed: Seed = None) -> FloatArray:
        """The wrapped model's starting parameters."""
        return self.model.init_params(rng_or_seed)

    def predict(self, params: ArrayLike, X: ArrayLike) -> np.ndarray:
        """The wrapped model's predictions."""
        return self.model.predict(params, X)

    def __getattr__(self, name: str) -> Any:
        # predict_proba, accuracy, logits ...: whatever the wrapped model offers
        if name == "model":
            raise AttributeError(name)
        return getattr(self.model, name)


def largest_curvature(
    model: Model,
    params: ArrayLike,
    X: ArrayLike,
    y: ArrayLike,
    iterations: int = 100,
    seed: int = 0,
) -> float:
    r"""The largest eigenvalue of the loss's Hessian at ``params``, by power iteration.

    Repeats :math:`v ← Hv / \lVert Hv \rVert` from a seeded random ``v`` with the model's
    :meth:`~Model.hessian_vector_product`, and returns the Rayleigh quotient
    :math:`v^⊤ H v`. This is the λ_max of "gradient descent is stable below 2/λ_max".
    """
    iterations = check_int("iterations", iterations, low=1)
    params = model._check_params(params)
    v = np.random.default_rng(seed).standard_normal(params.size)
    v /= np.linalg.norm(v)
    curvature = 0.0
    for _ in range(iterations):
        hv = model.hessian_vector_product(params, X, y, v)
        curvature = float(v @ hv)
        v = hv / np.linalg.norm(hv)
    return curvature
