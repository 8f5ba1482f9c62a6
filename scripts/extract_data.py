"""Extract the book's two small real data sets into ``data/`` (run once, by hand).

The book itself never needs scikit-learn or vega_datasets: this script copies the
data those packages carry on disk into plain files that ``optimizers.data`` reads
with numpy and the standard library alone.

Usage (from the repository root, in an environment with scikit-learn and
vega_datasets installed)::

    python scripts/extract_data.py

It writes

* ``data/digits/digits.npz`` and ``data/digits/README.md``
* ``data/seattle-weather/seattle-weather.csv`` and ``data/seattle-weather/README.md``

The output is byte-for-byte reproducible: the .npz archive gets fixed timestamps,
so running the script twice gives the same SHA-256 checksums.
"""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
import zipfile
from importlib.metadata import version
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
COMMAND = "python scripts/extract_data.py"


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save_npz_reproducibly(path: Path, **arrays: np.ndarray) -> None:
    """Like ``np.savez_compressed``, but with fixed zip timestamps.

    ``np.savez_compressed`` stamps each member with the current time, so the file's
    checksum would change on every run. Here every member is dated 1980-01-01.
    """
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16  # rw-r--r--, independent of the umask
            archive.writestr(info, buffer.getvalue(), compresslevel=9)


# --------------------------------------------------------------------------- digits


def extract_digits() -> None:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = bunch.images  # float64 (1797, 8, 8) holding the integers 0..16
    target = bunch.target

    # Check before narrowing to uint8 that nothing is lost.
    assert images.shape == (1797, 8, 8), images.shape
    assert target.shape == (1797,), target.shape
    assert np.array_equal(images, np.round(images)), "pixels are not integers"
    assert images.min() == 0 and images.max() == 16, (images.min(), images.max())
    assert set(np.unique(target)) == set(range(10))
    images_u8 = images.astype(np.uint8)
    labels_u8 = target.astype(np.uint8)
    assert np.array_equal(images_u8.reshape(1797, 64), bunch.data)

    folder = DATA / "digits"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "digits.npz"
    save_npz_reproducibly(path, images=images_u8, labels=labels_u8)

    # Read it back the way the book does and compare.
    with np.load(path) as stored:
        assert np.array_equal(stored["images"], images_u8)
        assert np.array_equal(stored["labels"], labels_u8)

    counts = np.bincount(labels_u8, minlength=10)
    counts_text = ", ".join(f"{d}: {c}" for d, c in enumerate(counts))
    readme = f"""# Handwritten digits (UCI "Optical Recognition of Handwritten Digits")

`digits.npz` holds 1,797 handwritten digits, each an 8x8 image of integer
pixel values 0..16, with their labels 0..9.

## Source

- UCI Machine Learning Repository, "Optical Recognition of Handwritten Digits",
  E. Alpaydin and C. Kaynak (1998), <https://doi.org/10.24432/C50P49>
  (<https://archive.ics.uci.edu/dataset/80/optical+recognition+of+handwritten+digits>).
- As shipped by scikit-learn {version("scikit-learn")}
  (`sklearn.datasets.load_digits`, file `sklearn/datasets/data/digits.csv.gz`),
  which is a copy of the *test* part of the UCI data (1,797 of its 5,620 digits;
  the 13 writers of the test part are different from the 30 writers of the
  training part).
- How the images were made (from the UCI description): 32x32 binary bitmaps from
  NIST preprocessing were cut into non-overlapping 4x4 blocks, and each pixel here
  counts the "on" bits in one block, hence 0..16.
- Reference: E. Alpaydin, C. Kaynak, "Cascading Classifiers", Kybernetika 34(4),
  1998; C. Kaynak, "Methods of Combining Multiple Classifiers and Their
  Applications to Handwritten Digit Recognition", MSc thesis, Bogazici University, 1995.

## Licence

Creative Commons Attribution 4.0 International (CC BY 4.0), as stated by the UCI
Machine Learning Repository for this data set. Attribution: Alpaydin, E. and
Kaynak, C. (1998). Optical Recognition of Handwritten Digits [Dataset].
UCI Machine Learning Repository. https://doi.org/10.24432/C50P49.

## Contents

A NumPy `.npz` archive (zip, deflate-compressed) with two arrays:

| key      | dtype   | shape        | values  |
|----------|---------|--------------|---------|
| `images` | `uint8` | (1797, 8, 8) | 0..16   |
| `labels` | `uint8` | (1797,)      | 0..9    |

Images per label: {counts_text}.

Load it with `optimizers.data.load_digits()` (features scaled to [0, 1] by
dividing by 16, flattened to shape (1797, 64)), or directly with
`np.load("data/digits/digits.npz")`.

## Extraction

Made by `{COMMAND}` (run from the repository root with scikit-learn installed):
`sklearn.datasets.load_digits()` -> `images` and `target` cast to `uint8` (checked
lossless) -> `.npz` with fixed timestamps, so the file is reproducible byte for byte.

## Checksum

- sha256: `{sha256(path)}`  digits.npz ({path.stat().st_size} bytes)
"""
    (folder / "README.md").write_text(readme, encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)}: {path.stat().st_size} bytes, sha256 {sha256(path)}")


# ---------------------------------------------------------------- Seattle weather


def extract_seattle_weather() -> None:
    import vega_datasets

    source = Path(vega_datasets.__file__).resolve().parent / "_data" / "seattle-weather.csv"
    with source.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    expected = ["date", "precipitation", "temp_max", "temp_min", "wind", "weather"]
    assert header == expected, header
    assert all(len(row) == 6 for row in body)

    # The only change: dates "2012/01/01" become ISO 8601 "2012-01-01", which
    # numpy parses directly as datetime64[D]. Numbers are copied as text, untouched.
    out_rows = [[row[0].replace("/", "-"), *row[1:]] for row in body]
    dates = np.array([row[0] for row in out_rows], dtype="datetime64[D]")
    assert np.all(np.diff(dates) == np.timedelta64(1, "D")), "dates are not consecutive days"
    for column in range(1, 5):
        values = np.array([float(row[column]) for row in out_rows])
        assert np.all(np.isfinite(values)), header[column]

    folder = DATA / "seattle-weather"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "seattle-weather.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(out_rows)

    temp_max = np.array([float(row[2]) for row in out_rows])
    temp_min = np.array([float(row[3]) for row in out_rows])
    readme = f"""# Seattle daily weather, 2012-2015

`seattle-weather.csv` holds one row per day from {dates[0]} to {dates[-1]}
({len(out_rows)} rows, no gaps, no missing values) plus a header row.

## Source

- vega-datasets, file `data/seattle-weather.csv`
  (<https://github.com/vega/vega-datasets>), as shipped inside the Python package
  `vega_datasets` {version("vega_datasets")} (file `vega_datasets/_data/seattle-weather.csv`,
  sha256 `{sha256(source)}`).
- vega-datasets' `SOURCES.md` says the data come from NOAA (National Centers for
  Environmental Information, Climate Data Online daily records for Seattle, i.e.
  the GHCN-Daily daily summaries; the station is not named there), transformed
  with their `scripts/weather.py`, and that the
  categorical `weather` column was *synthesized* by them from several fields of
  the original data "for instructional purposes". Treat `weather` as a rough
  label, not as an observation.

## Licence

- The NOAA observations are a work of the US Government and are in the public domain.
- The vega-datasets repository is distributed under the BSD 3-Clause licence
  (Copyright University of Washington Interactive Data Lab); the Python package
  `vega_datasets` that carries this copy is MIT-licensed (Jake Vanderplas).

## Columns

| column          | unit / meaning                                      |
|-----------------|-----------------------------------------------------|
| `date`          | ISO 8601 day, `YYYY-MM-DD`                          |
| `precipitation` | daily precipitation, mm                             |
| `temp_max`      | daily maximum temperature, °C                       |
| `temp_min`      | daily minimum temperature, °C                       |
| `wind`          | mean wind speed, m/s                                |
| `weather`       | one of `drizzle`, `fog`, `rain`, `snow`, `sun` (synthesized, see above) |

Ranges: `temp_max` {temp_max.min()} to {temp_max.max()} °C, `temp_min`
{temp_min.min()} to {temp_min.max()} °C.

Load the temperatures with `optimizers.data.load_seattle_temperatures()`.

## Extraction

Made by `{COMMAND}` (run from the repository root with vega_datasets installed).
The only change from the vega_datasets file: dates written `2012/01/01` there are
written `2012-01-01` here; every other field is copied as text, unchanged.

## Checksum

- rows: {len(out_rows)}
- sha256: `{sha256(path)}`  seattle-weather.csv ({path.stat().st_size} bytes)
"""
    (folder / "README.md").write_text(readme, encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)}: {len(out_rows)} rows, sha256 {sha256(path)}")


def copy_into_package() -> None:
    """The installed package reads its own copy (optimizers/datasets/, importlib.resources)."""
    packaged = ROOT / "optimizers" / "datasets"
    for path in sorted(DATA.rglob("*")):
        if path.is_file():
            target = packaged / path.relative_to(DATA)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    print(f"copied {DATA.relative_to(ROOT)}/ to {packaged.relative_to(ROOT)}/")


if __name__ == "__main__":
    extract_digits()
    extract_seattle_weather()
    copy_into_package()
