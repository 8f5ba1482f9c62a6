"""Live widget response per chapter: the time of one slider move, compute and draw.

Run from the repository root (the chapters' packages installed, e.g. `.venv`):

    python benchmarks/bench_widget_response.py            # every chapter in _toc.yml
    python benchmarks/bench_widget_response.py chapters/gradient-descent

For each chapter notebook listed in _toc.yml, its code cells run in this process (in
the chapters/ folder, as Jupyter runs them) while ``Explorable.__init__`` is wrapped to
record every figure the chapter makes. Then, for each figure and each control, the
live widget's control is set to every one of its values in turn (the others at their
defaults): one "move" is what the kernel does when a student drags the slider one
notch, i.e. the frame function, the overlay SVG and the new ``ipywidgets.HTML`` value
(no front end attached, so no network or browser time). Printed per chapter: figure
(its alt text), frames in its static player, moves timed, median and max ms.
Budget (README): median < 150 ms. Exit status 1 if a figure is over it.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import nbformat
import yaml

os.environ.setdefault("MPLBACKEND", "Agg")

from optimizers.book import explorable

ROOT = Path(__file__).resolve().parents[1]
BUDGET_MS = 150.0


def toc_chapters() -> list[str]:
    """Every notebook entry of _toc.yml, in reading order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf8"))
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("file"), str):
                found.append(node["file"].removesuffix(".ipynb"))
            for key in ("parts", "chapters", "sections"):
                for child in node.get(key) or []:
                    walk(child)

    walk(toc)
    return [f for f in found if (ROOT / f"{f}.ipynb").is_file()]


def run_chapter(docname: str) -> list[explorable.Explorable]:
    """Execute the notebook's code cells here; return the Explorables it made."""
    made: list[explorable.Explorable] = []
    original = explorable.Explorable.__init__

    def recording_init(self: explorable.Explorable, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        made.append(self)

    path = ROOT / f"{docname}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    namespace: dict[str, Any] = {"__name__": "__main__"}
    cwd = Path.cwd()
    explorable.Explorable.__init__ = recording_init  # type: ignore[method-assign]
    try:
        os.chdir(path.parent)
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type != "code" or cell.source.lstrip().startswith(("%", "!")):
                continue
            code = compile(cell.source, f"{docname}.ipynb, cell {index}", "exec")
            with contextlib.redirect_stdout(io.StringIO()):
                exec(code, namespace)
    finally:
        os.chdir(cwd)
        explorable.Explorable.__init__ = original  # type: ignore[method-assign]
    return made


def time_moves(explorable: explorable.Explorable) -> list[float]:
    """Milliseconds of each live move over every value of every control."""
    times = []
    for control, widget in zip(explorable.controls, explorable.inputs, strict=True):
        for value in [*control.values[1:], control.values[0]]:  # each a change
            if value == widget.value:
                continue
            start = time.perf_counter()
            widget.value = value  # the observer computes the frame and redraws
            times.append((time.perf_counter() - start) * 1000)
        widget.value = control.default
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", help="docnames (default: all in _toc.yml)")
    chapters = parser.parse_args().chapters or toc_chapters()
    over = 0
    for docname in chapters:
        start = time.perf_counter()
        made = run_chapter(docname)
        print(
            f"\n{docname}.ipynb: {len(made)} figure(s), ran in {time.perf_counter() - start:.1f} s"
        )
        if not made:
            continue
        print(f"  {'figure':<58} {'frames':>6} {'moves':>5} {'median ms':>9} {'max ms':>7}")
        for figure in made:
            _ = figure.widget  # the live widget, as displayed in Jupyter
            times = time_moves(figure) or [0.0]
            median = statistics.median(times)
            flag = "" if median < BUDGET_MS else f"  OVER the {BUDGET_MS:g} ms budget"
            over += median >= BUDGET_MS
            alt = figure.alt if len(figure.alt) <= 58 else figure.alt[:55] + "..."
            print(
                f"  {alt:<58} {figure.n_frames:>6} {len(times):>5} "
                f"{median:>9.1f} {max(times):>7.1f}{flag}"
            )
    print(f"\nbudget: median move < {BUDGET_MS:g} ms; figures over it: {over}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
