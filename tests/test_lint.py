"""ruff (lint and format check) over the repository, mypy over the package.

The configuration lives in pyproject.toml. A failure shows the tool's report,
which names each file and line. Fix formatting with `.venv/bin/ruff format .`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.lint


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


def test_ruff_lint():
    result = run("ruff", "check", "--no-fix", "--output-format", "concise", ".")
    if result.returncode:
        pytest.fail(f"ruff check found problems:\n{result.stdout}{result.stderr}", pytrace=False)


def test_ruff_format():
    result = run("ruff", "format", "--check", "--diff", ".")
    if result.returncode:
        pytest.fail(
            "ruff format would change these files (run `.venv/bin/ruff format .`):\n"
            f"{result.stdout}{result.stderr}",
            pytrace=False,
        )


def test_mypy_package():
    result = run("mypy")  # files = ["optimizers"] in pyproject.toml
    if result.returncode:
        pytest.fail(f"mypy found problems:\n{result.stdout}{result.stderr}", pytrace=False)
