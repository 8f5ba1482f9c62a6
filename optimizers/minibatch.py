r"""How noisy is a mini-batch gradient? Measure it and predict it.

A mini-batch gradient is the mean of the per-example gradients ``g_i`` over ``B``
examples drawn from the ``N`` training examples. It is an unbiased estimate of the
full gradient ``ḡ = (1/N) Σ g_i``; its noise is the mean squared distance

.. math:: V(B) = \mathbb{E}\,\lVert \hat g_B - \bar g \rVert^2 .

With ``σ² = (1/N) Σ ||g_i − ḡ||²`` (the spread of the per-example gradients, summed
over the parameters), sampling theory gives

.. math:: V(B) = \frac{σ^2}{B} \quad\text{(with replacement)}, \qquad
          V(B) = \frac{N - B}{N - 1}\,\frac{σ^2}{B} \quad\text{(without replacement)}.

Shuffle-and-cut batches (:func:`optimizers.training.minibatches`) are drawn without
replacement, so the second formula holds, and ``V(N) = 0``.

.. code-block:: python

    G = per_example_gradients(model, params, X, y)        # (N, n_params)
    measured = gradient_noise(G, batch_size=32, n_batches=400, rng=np.random.default_rng(0))
    predicted = sampling_variance(G, batch_size=32)        # (N-B)/(N-1) σ²/B

To plot the *full* training loss during training, keep copies of the parameters with
``optimizers.train(..., keep_every=k)`` and evaluate the loss on them afterwards.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validate import check_int
from .models import Model
from .training import minibatches

__all__ = [
    "gradient_noise",
    "noise_scale",
    "per_example_gradients",
    "sampling_variance",
]

FloatArray = NDArray[np.float64]


def per_example_gradients(
    model: Model, params: ArrayLike, X: ArrayLike, y: ArrayLike
) -> FloatArray:
    """The gradient of the loss on each example alone: shape ``(N, n_params)``.

    Row ``i`` is ``model.loss_and_grad(params, X[i:i+1], y[i:i+1])[1]``; their mean
    is the full-batch gradient. One call per example: fine for the book's small data.
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if len(X) != len(y) or len(X) == 0:
        raise ValueError(
            f"X and y must have the same, non-zero number of rows, got {len(X)}, {len(y)}"
        )
    return np.array(
        [model.loss_and_grad(params, X[i : i + 1], y[i : i + 1])[1] for i in range(len(X))]
    )


def _check_per_example(per_example: ArrayLike) -> FloatArray:
    G = np.asarray(per_example, dtype=np.float64)
    if G.ndim != 2 or len(G) < 2:
        raise ValueError(
            f"per_example must have shape (N, n_params) with N >= 2 examples, got shape {G.shape}"
        )
    return G


def _spread(G: FloatArray) -> float:
    """σ² = (1/N) Σ ||g_i − ḡ||²."""
    deviations = G - G.mean(axis=0)
    return float(np.einsum("ij,ij->", deviations, deviations) / len(G))


def sampling_variance(per_example: ArrayLike, batch_size: int, replace: bool = False) -> float:
    """The predicted noise ``E ||ĝ_B − ḡ||²`` of the mean of ``batch_size`` rows.

    ``σ²/B`` for rows drawn with replacement; ``(N − B)/(N − 1) · σ²/B`` without
    (the finite-population correction), which is 0 at ``B = N``.
    """
    G = _check_per_example(per_example)
    n = len(G)
    batch_size = check_int("batch_size", batch_size, low=1)
    if not replace and batch_size > n:
        raise ValueError(f"batch_size must be in [1, N] = [1, {n}] without replacement")
    variance = _spread(G) / batch_size
    return variance if replace else variance * (n - batch_size) / (n - 1)


def gradient_noise(
    per_example: ArrayLike,
    batch_size: int,
    n_batches: int,
    rng: np.random.Generator,
) -> float:
    """The measured noise: mean of ``||ĝ_B − ḡ||²`` over ``n_batches`` mini-batches.

    The batches are the ones :func:`optimizers.training.minibatches` yields (shuffle and
    cut, ``drop_last=True``), epoch after epoch, until there are ``n_batches`` of
    them: exactly the batches a training loop with this generator would see.
    Compare with :func:`sampling_variance` (without replacement).
    """
    G = _check_per_example(per_example)
    n = len(G)
    batch_size = check_int("batch_size", batch_size, low=1)
    n_batches = check_int("n_batches", n_batches, low=1)
    batches: list[NDArray[np.intp]] = []
    while len(batches) < n_batches:
        batches.extend(minibatches(n, batch_size, rng, drop_last=True))
    index = np.array(batches[:n_batches])  # (n_batches, batch_size)
    # the mean over each batch as one matrix product: rows of 1/B at the batch's indices
    select = np.zeros((n_batches, n))
    np.put_along_axis(select, index, 1.0 / batch_size, axis=1)
    errors = select @ G - G.mean(axis=0)
    return float(np.einsum("ij,ij->", errors, errors) / n_batches)


def noise_scale(per_example: ArrayLike) -> float:
    """``σ² / ||ḡ||²``: the batch size at which the noise equals the signal.

    With replacement a batch of this size has ``E||ĝ_B − ḡ||² = ||ḡ||²``. McCandlish
    et al. (2018, "An empirical model of large-batch training") call it the simple
    noise scale ``B_simple`` and find that it predicts the largest useful batch size.
    """
    G = _check_per_example(per_example)
    mean = G.mean(axis=0)
    return _spread(G) / float(mean @ mean)
