"""Small real data sets for the book, read with numpy and the standard library only.

The files live in the repository's ``data/`` folder, each with a README that gives
its source, licence and checksum; the installed package carries a copy
(``optimizers/datasets/``), read with :mod:`importlib.resources`, so a plain
``pip install`` of the package works without the repository.
``scripts/extract_data.py`` made them once; the book never needs scikit-learn or
pandas to read them.

- :func:`load_digits`: 1,797 handwritten digits, 8x8 pixels (UCI, Alpaydin & Kaynak 1998).
- :func:`load_seattle_temperatures`: daily maximum and minimum temperatures in
  Seattle, 2012-2015 (NOAA, via vega-datasets).

The training helpers (:func:`~optimizers.training.train_test_split`,
:func:`~optimizers.training.minibatches`) live in :mod:`optimizers.training`.
"""

from __future__ import annotations

import csv
from importlib import resources
from importlib.resources.abc import Traversable

import numpy as np
from numpy.typing import NDArray

#: Where the installed package keeps its data sets, a copy of the repository's ``data/``
#: (``tests/core/test_data.py`` checks that the two are identical).
DATASETS = resources.files(__package__).joinpath("datasets")


def data_path(*parts: str) -> Traversable:
    """A data file inside the package (``data_path("digits", "digits.npz")``).

    Raises ``FileNotFoundError`` naming the file if it is missing.

    >>> data_path("digits", "digits.npz").name
    'digits.npz'
    """
    path = DATASETS.joinpath(*parts)
    if not path.is_file():
        raise FileNotFoundError(
            f"data file {'/'.join(parts)} not found in the installed package {DATASETS}. "
            "Reinstall the package (`pip install .` or the one-line install of the "
            "book's Colab cell); to recreate the files, run `python scripts/extract_data.py` "
            "with scikit-learn and vega_datasets installed."
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
    with data_path("digits", "digits.npz").open("rb") as handle, np.load(handle) as stored:
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
    with path.open("r", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    dates = np.array([row["date"] for row in rows], dtype="datetime64[D]")
    temp_max = np.array([float(row["temp_max"]) for row in rows])
    temp_min = np.array([float(row["temp_min"]) for row in rows])
    order = np.argsort(dates, kind="stable")  # the file is sorted; make sure anyway
    return dates[order], temp_max[order], temp_min[order]
