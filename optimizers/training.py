"""Training a model with mini-batches: the split, the batches and the loop.

- :func:`train_test_split`: shuffle once, keep a test part aside.
- :func:`minibatches`: the index arrays of one epoch's mini-batches.
- :func:`train`: a seeded mini-batch loop for any model of :mod:`optimizers.models`
  and any rule of :mod:`optimizers.rules`; it returns a :class:`TrainResult`
  (losses, times, the final parameters and the final optimizer state).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validate import check_int, check_range
from .errors import warn_diverged, within_bound
from .models import FloatArray, Model
from .rules import UpdateRule


def train_test_split(
    X: ArrayLike, y: ArrayLike, test_fraction: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle the rows once and split them into a training part and a test part.

    The test part gets ``ceil(test_fraction * n)`` rows (the same count as
    scikit-learn's ``train_test_split``), the training part the rest. The shuffle is
    ``np.random.default_rng(seed).permutation(n)``, so the same seed always gives the
    same split. No stratification: each class lands in the test part in roughly
    its overall proportion.

    Returns
    -------
    X_train, X_test, y_train, y_test : numpy.ndarray
        New arrays (copies), in that order.

    Raises
    ------
    ValueError
        If ``X`` and ``y`` have different numbers of rows, if ``test_fraction`` is
        not in (0, 1), or if either part would be empty.
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError("X and y must be arrays with one row per example, got a scalar")
    n = len(X)
    if len(y) != n:
        raise ValueError(f"y must have one entry per row of X ({n}), got {len(y)}")
    test_fraction = check_range("test_fraction", test_fraction, 0.0, 1.0, low_inclusive=False)
    n_test = math.ceil(test_fraction * n)
    if n_test >= n:
        raise ValueError(
            f"test_fraction={test_fraction} leaves no training rows out of n={n}; "
            "use a smaller test_fraction"
        )
    order = np.random.default_rng(seed).permutation(n)
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


def minibatches(
    n: int, batch_size: int, rng: np.random.Generator, drop_last: bool = False
) -> Iterator[NDArray[np.intp]]:
    """The index arrays of the mini-batches of one epoch, as an iterator.

    The indices ``0 .. n-1`` are shuffled once with ``rng.permutation(n)`` and cut
    into consecutive chunks of ``batch_size``. Without ``drop_last`` every index
    appears in exactly one batch (the last batch has ``n % batch_size`` indices when
    ``batch_size`` does not divide ``n``); with ``drop_last`` that short last batch
    is skipped, so every batch has exactly ``batch_size`` indices.

    Call it once per epoch with the same generator: each call draws a fresh
    shuffle, and a seeded generator gives the same sequence of epochs every run::

        rng = np.random.default_rng(0)
        for epoch in range(3):
            for idx in minibatches(len(X), 32, rng):
                loss, grad = model.loss_and_grad(params, X[idx], y[idx])

    Raises
    ------
    ValueError
        If ``n < 1``, or ``batch_size`` is not in ``[1, n]``.
    TypeError
        If ``n`` or ``batch_size`` is not an integer, or ``rng`` is not a
        ``np.random.Generator``.
    """
    n = check_int("n", n, low=1)
    batch_size = check_int("batch_size", batch_size, low=1, high=n)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy Generator such as np.random.default_rng(0), "
            f"got {type(rng).__name__}"
        )
    # Shuffle now (not lazily), so the checks above and the draw from rng happen at
    # the call, even if the caller never iterates.
    order = rng.permutation(n)
    n_batches = n // batch_size if drop_last else math.ceil(n / batch_size)
    return (order[k * batch_size : (k + 1) * batch_size] for k in range(n_batches))


@dataclass
class TrainResult:
    """What :func:`train` returns.

    Attributes
    ----------
    params
        The parameters after the last step.
    losses
        The mini-batch loss at each recorded iteration, measured on that batch
        *before* its step (the loss that comes with the gradient, so it costs
        nothing extra). ``nan`` after a divergence.
    times
        Seconds since the start of training when each recorded step finished: plot
        ``losses`` against ``times`` for loss against wall-clock time.
    iterations
        The iteration numbers (0-based) at which the losses were recorded:
        ``0, record_every, 2*record_every, ...``.
    diverged
        True if training stopped early because the loss or the parameters became
        infinite or nan.
    state
        The optimizer's state after the last step (AdaGrad's sum ``s``, Adam's ``m``
        and ``v`` ...), to inspect what the rule has accumulated.
    checkpoints
        The parameters kept every ``keep_every`` steps, or ``None``.
    """

    params: FloatArray
    losses: FloatArray
    times: FloatArray
    iterations: NDArray[np.int64]
    diverged: bool = False
    state: Any = None
    checkpoints: Checkpoints | None = None


@dataclass
class Checkpoints:
    """Copies of the parameters kept during :func:`train` (with ``keep_every``).

    Attributes
    ----------
    iterations
        The iteration counts at which the parameters were copied:
        ``0, keep_every, 2*keep_every, ...`` and always the last one reached.
    params
        The parameters at those counts, shape ``(len(iterations), n_params)``;
        ``params[0]`` is the start. Evaluate the full loss on them afterwards, so
        that work stays out of ``times``.
    times
        Seconds of training (copying included, nothing else) up to each checkpoint.
    """

    iterations: NDArray[np.int64]
    params: FloatArray
    times: FloatArray


def train(
    model: Model,
    optimizer: UpdateRule,
    X: ArrayLike,
    y: ArrayLike,
    *,
    batch_size: int,
    iterations: int,
    seed: int,
    params: ArrayLike | None = None,
    record_every: int = 1,
    drop_last: bool = False,
    keep_every: int | None = None,
    warn: bool = True,
) -> TrainResult:
    """Train ``model`` on ``(X, y)`` with mini-batch steps of ``optimizer``.

    One iteration takes the next mini-batch, computes its loss and gradient, and
    takes one optimizer step::

        loss, grad = model.loss_and_grad(params, X[idx], y[idx])
        params, state = optimizer.step(params, grad, state)

    The batches come from :func:`minibatches`: every epoch is a
    fresh shuffle drawn from ``np.random.default_rng(seed)``, so the same seed gives
    the same batches and, with a deterministic optimizer, identical losses.
    Training runs for exactly ``iterations`` steps, across as many epochs as needed.

    Parameters
    ----------
    params
        Starting parameters; default ``model.init_params()`` (the model's own
        default seed: ``seed`` here only orders the batches). Never modified.
    record_every
        Record the loss (and time) every ``record_every`` iterations, starting at 0;
        ``len(result.losses) == ceil(iterations / record_every)``.
    drop_last
        Skip each epoch's short last batch, so all batches have ``batch_size`` rows.
    keep_every
        Also keep a copy of the parameters every ``keep_every`` steps (and after the
        last one) in ``result.checkpoints``: to plot the *full* training loss against
        epochs or seconds, evaluated afterwards.

    warn
        Issue one :class:`~optimizers.trajectories.DivergenceWarning` if training diverges.

    Notes
    -----
    If the loss, the gradient or the parameters become nan or infinite (a learning
    rate too large), training stops, the remaining losses are ``nan`` and
    ``result.diverged`` is True. numpy's overflow warnings are silenced inside the
    loop, since that flag (and the one ``DivergenceWarning``) reports the divergence
    instead, as :func:`optimizers.trajectories.run` does.
    """
    X = model._check_X(X)
    y = np.asarray(y)
    n = len(X)
    if y.shape[:1] != (n,):
        raise ValueError(f"y must have one entry per row of X ({n}), got shape {y.shape}")
    batch_size = check_int("batch_size", batch_size, low=1, high=n)
    iterations = check_int("iterations", iterations, low=1)
    record_every = check_int("record_every", record_every, low=1)
    if keep_every is not None:
        keep_every = check_int("keep_every", keep_every, low=1)
    current = model.init_params() if params is None else model._check_params(params)

    rng = np.random.default_rng(seed)
    n_records = math.ceil(iterations / record_every)
    losses = np.full(n_records, np.nan)
    times = np.full(n_records, np.nan)
    recorded_at = np.arange(n_records, dtype=np.int64) * record_every
    diverged = False
    kept_at, kept, kept_times = [0], [current.copy()], [0.0]

    state = optimizer.init(current)
    t = 0
    start = time.perf_counter()
    with np.errstate(over="ignore", invalid="ignore"):
        while t < iterations and not diverged:
            for idx in minibatches(n, batch_size, rng, drop_last=drop_last):
                loss, grad = model.loss_and_grad(current, X[idx], y[idx])
                if not (math.isfinite(loss) and within_bound(grad.ravel()).all()):
                    diverged = True  # stop before stepping with a nan or inf gradient
                    break
                current, state = optimizer.step(current, grad, state)
                if t % record_every == 0:
                    losses[t // record_every] = loss
                    times[t // record_every] = time.perf_counter() - start
                t += 1
                if keep_every is not None and (t % keep_every == 0 or t == iterations):
                    kept_at.append(t)
                    kept.append(current.copy())
                    kept_times.append(time.perf_counter() - start)
                if t == iterations:
                    break
    diverged = diverged or not within_bound(current.ravel()).all()
    if diverged and warn:
        warn_diverged(
            f"training diverged at iteration {t} of {iterations} under {optimizer!r}: "
            "the loss or the parameters became infinite or nan, so training stopped "
            "there (losses are nan afterwards). Try a smaller learning rate."
        )
    checkpoints = None
    if keep_every is not None:
        checkpoints = Checkpoints(
            iterations=np.array(kept_at, dtype=np.int64),
            params=np.array(kept),
            times=np.array(kept_times),
        )
    return TrainResult(
        params=current,
        losses=losses,
        times=times,
        iterations=recorded_at,
        diverged=diverged,
        state=state,
        checkpoints=checkpoints,
    )
