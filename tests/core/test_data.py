"""The data files in data/ and the loaders in optimizers.data."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizers import data
from optimizers.data import DATASETS, load_digits, load_seattle_temperatures
from optimizers.training import minibatches, train_test_split

# ------------------------------------------------------------------ the files


def readme_checksum(readme: Path, filename: str) -> str:
    """The sha256 that a data README states for ``filename``."""
    text = readme.read_text(encoding="utf-8")
    match = re.search(r"sha256: `([0-9a-f]{64})`\s+" + re.escape(filename), text)
    assert match, f"{readme} states no sha256 for {filename}"
    return match.group(1)


ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / "data"


@pytest.mark.parametrize(
    "name",
    sorted(str(p.relative_to(DATA_DIR)) for p in DATA_DIR.rglob("*") if p.is_file()),
)
def test_the_package_copy_of_data_is_identical_to_the_repository_data(name: str) -> None:
    # data/ is the book's layout; optimizers/datasets/ is what an installed package reads
    packaged = Path(str(DATASETS)) / name
    assert packaged.is_file(), (
        f"optimizers/datasets/{name} is missing: cp -r data/* optimizers/datasets/"
    )
    assert packaged.read_bytes() == (DATA_DIR / name).read_bytes(), (
        f"optimizers/datasets/{name} differs from data/{name}: cp -r data/* optimizers/datasets/"
    )


def test_the_package_carries_no_data_file_the_repository_lacks() -> None:
    packaged = Path(str(DATASETS))
    extra = [
        str(p.relative_to(packaged))
        for p in packaged.rglob("*")
        if p.is_file() and not (DATA_DIR / p.relative_to(packaged)).is_file()
    ]
    assert extra == []


@pytest.mark.parametrize(
    ("folder", "filename"),
    [("digits", "digits.npz"), ("seattle-weather", "seattle-weather.csv")],
)
def test_data_file_matches_the_checksum_in_its_readme(folder: str, filename: str) -> None:
    path = DATA_DIR / folder / filename
    readme = DATA_DIR / folder / "README.md"
    assert path.is_file() and readme.is_file()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == readme_checksum(readme, filename)
    assert path.stat().st_size < 100_000  # small enough to commit


@pytest.mark.parametrize("folder", ["digits", "seattle-weather"])
def test_readme_states_source_licence_and_extraction(folder: str) -> None:
    text = (DATA_DIR / folder / "README.md").read_text(encoding="utf-8")
    for heading in ("## Source", "## Licence", "## Extraction", "## Checksum"):
        assert heading in text
    assert "python scripts/extract_data.py" in text


def test_digits_file_holds_uint8_images_and_labels() -> None:
    with np.load(DATA_DIR / "digits" / "digits.npz") as stored:
        assert sorted(stored.files) == ["images", "labels"]
        images, labels = stored["images"], stored["labels"]
    assert images.shape == (1797, 8, 8) and images.dtype == np.uint8
    assert labels.shape == (1797,) and labels.dtype == np.uint8
    assert images.max() == 16 and labels.max() == 9


def test_seattle_file_has_the_rows_its_readme_states() -> None:
    path = DATA_DIR / "seattle-weather" / "seattle-weather.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "date,precipitation,temp_max,temp_min,wind,weather"
    readme = (DATA_DIR / "seattle-weather" / "README.md").read_text(encoding="utf-8")
    stated_rows = int(re.search(r"rows: (\d+)", readme).group(1))  # type: ignore[union-attr]
    assert len(lines) - 1 == stated_rows == 1461


# --------------------------------------------------------------------- loaders


def test_load_digits_scaled() -> None:
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    assert set(np.unique(y)) == set(range(10))
    assert np.all((np.bincount(y) >= 170) & (np.bincount(y) <= 190))  # about balanced


def test_load_digits_unscaled_keeps_the_counts() -> None:
    X_raw, y_raw = load_digits(scale=False)
    X, y = load_digits()
    assert X_raw.dtype == np.float64
    assert np.array_equal(X_raw, np.round(X_raw)) and X_raw.max() == 16.0
    assert np.array_equal(X_raw / 16, X) and np.array_equal(y_raw, y)


def test_load_seattle_temperatures() -> None:
    dates, temp_max, temp_min = load_seattle_temperatures()
    assert dates.dtype == np.dtype("datetime64[D]")
    assert temp_max.dtype == np.float64 and temp_min.dtype == np.float64
    assert dates.shape == temp_max.shape == temp_min.shape == (1461,)
    assert dates[0] == np.datetime64("2012-01-01") and dates[-1] == np.datetime64("2015-12-31")
    assert np.all(np.diff(dates) == np.timedelta64(1, "D"))  # every day, in order
    assert np.all(temp_max >= temp_min)
    assert -10 < temp_min.min() and temp_max.max() < 40  # °C, not °F
    # Seattle summers are warmer than its winters.
    month = dates.astype("datetime64[M]").astype(int) % 12 + 1
    assert temp_max[month == 7].mean() > temp_max[month == 1].mean() + 10


def test_missing_data_folder_raises_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(data, "DATASETS", tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match=r"digits/digits\.npz"):
        load_digits()
    with pytest.raises(FileNotFoundError, match=r"seattle-weather\.csv"):
        load_seattle_temperatures()


# ------------------------------------------------------------ train_test_split


def test_train_test_split_sizes_and_partition() -> None:
    n = 1797
    X = np.arange(n * 2).reshape(n, 2)
    y = np.arange(n)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.2, seed=0)
    assert len(X_test) == len(y_test) == 360  # ceil(0.2 * 1797), as scikit-learn
    assert len(X_train) == len(y_train) == 1437
    # Rows stay together, and every row lands in exactly one part.
    assert np.array_equal(X_train[:, 0] // 2, y_train)
    assert np.array_equal(np.sort(np.concatenate([y_train, y_test])), y)


def test_train_test_split_is_seeded() -> None:
    X, y = np.arange(100.0).reshape(50, 2), np.arange(50)
    first = train_test_split(X, y, seed=3)
    again = train_test_split(X, y, seed=3)
    other = train_test_split(X, y, seed=4)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not np.array_equal(first[3], other[3])


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1, 1.5])
def test_train_test_split_rejects_bad_fraction(fraction: float) -> None:
    with pytest.raises(ValueError, match=r"test_fraction must be in \(0, 1\)"):
        train_test_split(np.zeros((10, 2)), np.zeros(10), test_fraction=fraction)


def test_train_test_split_rejects_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="y must have one entry per row of X"):
        train_test_split(np.zeros((10, 2)), np.zeros(9))


def test_train_test_split_needs_a_training_part() -> None:
    with pytest.raises(ValueError, match="no training rows"):
        train_test_split(np.zeros((2, 2)), np.zeros(2), test_fraction=0.9)


# ----------------------------------------------------------------- minibatches


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 300),
    batch_size=st.integers(1, 300),
    drop_last=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_minibatches_cover_every_index_once(
    n: int, batch_size: int, drop_last: bool, seed: int
) -> None:
    batch_size = min(batch_size, n)
    batches = list(minibatches(n, batch_size, np.random.default_rng(seed), drop_last=drop_last))
    sizes = [len(b) for b in batches]
    seen = np.concatenate(batches)
    if drop_last:
        assert all(s == batch_size for s in sizes)
        assert len(batches) == n // batch_size
        assert len(np.unique(seen)) == len(seen)  # no index twice
    else:
        assert all(s == batch_size for s in sizes[:-1]) and 1 <= sizes[-1] <= batch_size
        assert np.array_equal(np.sort(seen), np.arange(n))  # every index exactly once


def test_minibatches_are_seeded_and_reshuffled_every_epoch() -> None:
    def two_epochs(seed: int) -> list[np.ndarray]:
        rng = np.random.default_rng(seed)
        return [np.concatenate(list(minibatches(20, 6, rng))) for _ in range(2)]

    first, again = two_epochs(0), two_epochs(0)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not np.array_equal(first[0], first[1])  # a fresh shuffle each epoch
    assert not np.array_equal(first[0], two_epochs(1)[0])


def test_minibatches_validate_eagerly() -> None:
    rng = np.random.default_rng(0)
    # The error comes from the call itself, before any iteration.
    with pytest.raises(ValueError, match=r"batch_size must be an integer in \[1, 10\], got 11"):
        minibatches(10, 11, rng)
    with pytest.raises(ValueError, match=r"batch_size must be an integer in \[1, 10\], got 0"):
        minibatches(10, 0, rng)
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        minibatches(0, 1, rng)
    with pytest.raises(TypeError, match="batch_size must be an integer"):
        minibatches(10, 2.5, rng)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="rng must be a numpy Generator"):
        minibatches(10, 2, 0)  # type: ignore[arg-type]
