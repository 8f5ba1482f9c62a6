"""Small real data sets for the book, read with numpy and the standard library only.

The files live in the repository's ``data/`` folder, each with a README that gives
its source, licence and checksum. ``scripts/extract_data.py`` made them once; the
book never needs scikit-learn or pandas to read them.

- :func:`load_digits`: 1,797 handwritten digits, 8x8 pixels (UCI, Alpaydin & Kaynak 1998).
- :func:`load_seattle_temperatures`: daily maximum and minimum temperatures in
  Seattle, 2012-2015 (NOAA, via vega-datasets).

Plus two helpers every training loop needs: :func:`train_test_split` and
:func:`minibatches`.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validate import check_int

#: The repository's ``data/`` folder (the package is installed editable, ``pip install -e .``).
DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def data_path(*parts: str) -> Path:
    """Path of a file inside ``data/``; raise ``FileNotFoundError`` if it is missing.

    >>> data_path("digits", "digits.npz").name
    'digits.npz'
    """
    path = DATA_DIR.joinpath(*parts)
    if not path.is_file():
        raise FileNotFoundError(
            f"data file {path} not found. The data sets ship in the repository's data/ "
            "folder next to the optimizers/ package: work from a clone of the repository "
            "and install the package with `pip install -e .` (a plain, non-editable "
            "install does not carry data/). To recreate the files, run "
            "`python scripts/extract_data.py` with scikit-learn and vega_datasets installed."
        )
    return path


def load_digits(scale: bool = True) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """The UCI handwritten digits: 1,797 images of 8x8 pixels and their labels.

    Parameters
    ----------
    scale
        If True (default), divide the pixel values 0..16 by 16 so that every
        feature lies in [0, 1]. If False, keep the raw counts 0..16 (as floats).

    Returns
    -------
    X : float64 array, shape (1797, 64)
        One flattened image per row (row-major: pixel ``(i, j)`` is column ``8*i + j``).
    y : int64 array, shape (1797,)
        The digit shown, 0..9.

    Source: ``data/digits/README.md`` (UCI "Optical Recognition of Handwritten
    Digits", CC BY 4.0, as shipped by scikit-learn).
    """
    with np.load(data_path("digits", "digits.npz")) as stored:
        images = stored["images"]
        labels = stored["labels"]
    X = images.reshape(len(images), -1).astype(np.float64)
    if scale:
        X /= 16.0  # pixels count "on" bits in a 4x4 block: 0..16
    y = labels.astype(np.int64)
    return X, y


def load_seattle_temperatures() -> tuple[
    NDArray[np.datetime64], NDArray[np.float64], NDArray[np.float64]
]:
    """Daily maximum and minimum temperatures in Seattle, 2012-01-01 to 2015-12-31.

    Returns
    -------
    dates : datetime64[D] array, shape (1461,)
        Consecutive days, in increasing order.
    temp_max, temp_min : float64 arrays, shape (1461,)
        The day's maximum and minimum temperature in °C.

    Source: ``data/seattle-weather/README.md`` (NOAA daily records, public domain,
    via vega-datasets).
    """
    path = data_path("seattle-weather", "seattle-weather.csv")
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    dates = np.array([row["date"] for row in rows], dtype="datetime64[D]")
    temp_max = np.array([float(row["temp_max"]) for row in rows])
    temp_min = np.array([float(row["temp_min"]) for row in rows])
    order = np.argsort(dates, kind="stable")  # the file is sorted; make sure anyway
    return dates[order], temp_max[order], temp_min[order]


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
    if isinstance(test_fraction, bool) or not isinstance(test_fraction, int | float):
        raise TypeError(f"test_fraction must be a number in (0, 1), got {test_fraction!r}")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction!r}")
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
    batch_size = check_int("batch_size", batch_size, low=1)
    if batch_size > n:
        raise ValueError(f"batch_size must be in [1, n] = [1, {n}], got {batch_size}")
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
