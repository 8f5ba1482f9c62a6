"""The package works when installed from a wheel, away from the repository.

Builds a wheel of the checkout, installs it (without dependencies) into a folder
outside the checkout, and from there loads both data sets and executes one chapter
with the installed package first on the path: no ``data/`` or ``chapters/`` beside it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHAPTER = "gradient-descent"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(work / "dist"), str(ROOT)],
        capture_output=True, text=True, timeout=300, cwd=work,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr
    (wheel,) = (work / "dist").glob("optimizers-*.whl")
    target = work / "site"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
         str(wheel)],
        capture_output=True, text=True, timeout=300, cwd=work,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr
    shutil.rmtree(work / "dist")
    return target


def run_outside(installed: Path, code: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(installed), "MPLBACKEND": "Agg"}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=installed.parent, env=env,
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_the_wheel_carries_the_data_sets_and_the_player_script(installed: Path) -> None:
    package = installed / "optimizers"
    for name in ["datasets/digits/digits.npz", "datasets/seattle-weather/seattle-weather.csv",
                 "datasets/digits/README.md", "book/player.js", "py.typed"]:  # fmt: skip
        assert (package / name).is_file(), f"the wheel lacks optimizers/{name}"


def test_the_installed_package_loads_both_data_sets(installed: Path) -> None:
    result = run_outside(
        installed,
        "import optimizers as opt, pathlib, sys\n"
        f"assert pathlib.Path(opt.__file__).is_relative_to({str(installed)!r}), opt.__file__\n"
        "X, y = opt.load_digits()\n"
        "dates, tmax, tmin = opt.load_seattle_temperatures()\n"
        "print(X.shape, y.shape, len(dates))\n",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["(1797,", "64)", "(1797,)", "1461"]
    assert result.stderr == ""


def test_a_chapter_runs_with_the_installed_package(installed: Path) -> None:
    notebook = installed.parent / f"{CHAPTER}.ipynb"
    shutil.copy(ROOT / "chapters" / f"{CHAPTER}.ipynb", notebook)
    code = (
        "import nbformat, pathlib, optimizers\n"
        "from nbclient import NotebookClient\n"
        f"assert pathlib.Path(optimizers.__file__).is_relative_to({str(installed)!r})\n"
        f"nb = nbformat.read({str(notebook)!r}, as_version=4)\n"
        "where_from = 'import optimizers; print(optimizers.__file__)'\n"
        "nb.cells.append(nbformat.v4.new_code_cell(where_from))\n"
        f"where = {{'metadata': {{'path': {str(installed.parent)!r}}}}}\n"
        "NotebookClient(nb, timeout=120, kernel_name='python3', resources=where).execute()\n"
        f"nbformat.write(nb, {str(notebook)!r})\n"
    )
    result = run_outside(installed, code)
    assert result.returncode == 0, result.stderr[-3000:]
    cells = json.loads(notebook.read_text())["cells"]
    errors = [o for c in cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []
    # the chapter's kernel imported the installed copy, not the checkout
    (printed,) = cells[-1]["outputs"]
    text = "".join(printed["text"]).strip()
    assert Path(text).is_relative_to(installed), text


def test_the_wheel_holds_the_package_and_nothing_of_the_repository(installed: Path) -> None:
    names = {p.name for p in installed.iterdir()} - {"bin"}
    assert {n for n in names if not n.endswith(".dist-info")} == {"optimizers"}
