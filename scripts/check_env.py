"""Check that the environment holds every pinned requirement, importable.

`make book` and `make test` run this first, so a missing, wrongly pinned or
broken package fails at once with its name instead of deep inside a build:

    python scripts/check_env.py [requirements-dev.txt]

Checks, for each ``name==version`` line of the requirement files (following ``-r``):
the package is installed at that version and its module imports. ``-e .`` means the
``optimizers`` package imports from this repository. Then ``pip check`` for the
dependencies of the dependencies, and a Python 3 Jupyter kernel for the notebooks.
Uses only the standard library, so it runs even when everything else is broken.
"""

from __future__ import annotations

import importlib
import importlib.metadata as metadata
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIX = "to reinstall the pinned set run: make clean-venv && make test"

# distribution name -> module to import, where the two differ beyond '-' -> '_'
MODULES = {
    "pytest-xdist": "xdist",
    "ipykernel": "ipykernel_launcher",
    "sphinx-mathjax-offline": "sphinx-mathjax-offline",  # its folder keeps the hyphens
}
# not imported: ruff is a binary (run below); jupyterlab only serves students (1.3 s import)
NO_IMPORT = {"ruff", "jupyterlab"}
# modules whose import is worth a deeper look (they are what the book runs)
EXTRA_IMPORTS = {"matplotlib": ["matplotlib.pyplot"], "jupyter-book": ["jupyter_book.cli.main"]}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


Requirement = tuple[str, str, str, Path]


def requirements(path: Path, seen: set[Path] | None = None) -> list[Requirement]:
    """(name, version, line, file) per pinned line; ('-e', target, line, file) per editable."""
    seen = seen if seen is not None else set()
    path = path.resolve()
    if path in seen:
        return []
    seen.add(path)
    found: list[Requirement] = []
    for raw in path.read_text(encoding="utf8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith(("-r ", "--requirement ")):
            found += requirements(path.parent / line.split(None, 1)[1], seen)
        elif line.startswith(("-e ", "--editable ")):
            found.append(("-e", line.split(None, 1)[1], line, path))
        else:
            match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;]+)", line)
            if not match:
                raise SystemExit(f"{path}: line {line!r} is not an exact pin (name==version)")
            found.append((match.group(1), match.group(3), line, path))
    return found


def check_pins(reqs: list[Requirement]) -> list[str]:
    errors: list[str] = []
    pinned: dict[str, Path] = {}
    for name, version, line, path in reqs:
        where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        if name == "-e":
            errors += check_editable(version, where)
            continue
        key = canonical(name)
        if key in pinned:
            errors.append(f"{name} is pinned twice: in {pinned[key].name} and {where}")
        pinned[key] = path
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            errors.append(f"missing dependency: {name} ({where} pins {line})")
            continue
        if installed != version:
            errors.append(f"wrong version of {name}: {installed} installed, {where} pins {line}")
        for module in [MODULES.get(key, key.replace("-", "_")), *EXTRA_IMPORTS.get(key, [])]:
            if key in NO_IMPORT:
                continue
            try:
                imported = importlib.import_module(module)
            except Exception as exc:  # any failure means a broken install
                errors.append(f"broken dependency: {name} ({where}): import {module}: {exc!r}")
                continue
            if getattr(imported, "__file__", None) is None:  # files gone: a namespace package
                errors.append(f"broken dependency: {name} ({where}): {module} has no files")
        if key == "ruff":
            run = subprocess.run(
                [sys.executable, "-m", "ruff", "--version"], capture_output=True, text=True
            )
            if run.returncode != 0:
                errors.append(f"broken dependency: ruff ({where}): {run.stderr.strip()}")
    return errors


def check_editable(target: str, where: Path) -> list[str]:
    if target not in (".", "./"):
        return [f"{where}: unexpected editable requirement {target!r}"]
    try:
        import optimizers
    except Exception as exc:
        return [f"missing dependency: the book's package `optimizers` ({where}: -e .): {exc!r}"]
    location = Path(optimizers.__file__ or "").resolve()
    if not location.is_relative_to(ROOT):
        return [f"`optimizers` is imported from {location}, not from this repository {ROOT}"]
    return []


def check_pip() -> list[str]:
    run = subprocess.run(
        [sys.executable, "-m", "pip", "check"],
        capture_output=True,
        text=True,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    if run.returncode == 0:
        return []
    return [f"pip check: {line}" for line in run.stdout.splitlines() if line.strip()]


def check_kernel() -> list[str]:
    try:
        from jupyter_client.kernelspec import KernelSpecManager

        spec = KernelSpecManager().get_kernel_spec("python3")
    except Exception as exc:
        return [f"no usable Jupyter kernel 'python3' (ipykernel): {exc!r}"]
    python = Path(spec.argv[0])
    if spec.argv[0] != "python" and python.resolve() != Path(sys.executable).resolve():
        return [f"kernel 'python3' runs {python}, not this environment's {sys.executable}"]
    return []


def main(argv: list[str]) -> int:
    files = [Path(a) for a in argv] or [ROOT / "requirements-dev.txt"]
    os.environ.setdefault("MPLBACKEND", "Agg")
    reqs = [r for f in files for r in requirements(f)]
    errors = check_pins(reqs)
    if not errors:  # these only make sense when the pins themselves are fine
        errors += check_pip() + check_kernel()
    if errors:
        print(f"check_env: the environment of {sys.executable} is not usable:", file=sys.stderr)
        for error in errors:
            print(f"  - {error}", file=sys.stderr)
        print(f"  ({FIX})", file=sys.stderr)
        return 1
    print(f"check_env: {len(reqs)} requirements OK in {Path(sys.prefix)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
