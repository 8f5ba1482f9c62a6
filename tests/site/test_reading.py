"""What a reader of a chapter page sees: the figures' code folded, no stderr or error output.

* In the notebooks (no build needed): the code cell that makes an explorable figure (the
  one that calls ``Explorable(...)``) is tagged ``hide-input``, so the site shows the
  player and folds the code under "Show code cell source".
* On the built chapter pages (marker ``build``): each player's cell is folded that way,
  and no cell shows a stderr stream (a warning, a progress line on stderr) or an error
  (a traceback), collapsed or not. The build already fails on stderr
  (``execute.stderr_output: warn`` with ``-W``); this names the page and the text.

tests/site/test_browser.py checks in Chromium that the folded code is not visible.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat
import pytest
from test_book import ROOT, chapter_docnames, nb_ids, notebooks, rel

EXPLORABLE_CALL = re.compile(r"\bExplorable\(")
FOLD_TAG = "hide-input"


@pytest.mark.parametrize("path", notebooks(), ids=nb_ids())
def test_explorable_cells_are_folded(path: Path):
    nb = nbformat.read(path, as_version=4)
    unfolded = [
        f"{rel(path)}: cell {index} (id {cell.get('id')}) makes an explorable figure "
        f"(calls Explorable(...)) but is not tagged {FOLD_TAG!r}, so the site shows its code "
        "in full"
        for index, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        and EXPLORABLE_CALL.search(cell.source)
        and FOLD_TAG not in cell.get("metadata", {}).get("tags", [])
    ]
    assert not unfolded, "\n".join(unfolded)


# one chunk per notebook cell of a page: myst-nb writes each as <div class="cell ...">
_CELL = re.compile(r'<div class="cell(?: [^"]*)?"')
_CLASSES = re.compile(r'<div class="([^"]*)"')
_TAGS = re.compile(r"<[^>]+>")


def _cells(page: Path) -> list[str]:
    text = page.read_text(encoding="utf8")
    starts = [m.start() for m in _CELL.finditer(text)]
    return [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]


def _excerpt(chunk: str, at: int) -> str:
    """The text of the first <pre> from ``at`` on (an output's text), else of what follows."""
    pre = re.search(r"<pre[^>]*>(.*?)</pre>", chunk[at:], re.DOTALL)
    text = html.unescape(_TAGS.sub(" ", pre.group(1) if pre else chunk[at : at + 1500]))
    return " ".join(text.split())[:200]


CHAPTER_PAGES = [d for d in chapter_docnames() if (ROOT / f"{d}.ipynb").is_file()]


@pytest.mark.build
@pytest.mark.parametrize("docname", CHAPTER_PAGES)
def test_chapter_page_shows_no_stderr_or_error(html_dir: Path, docname: str):
    shown = []
    for number, chunk in enumerate(_cells(html_dir / f"{docname}.html"), start=1):
        for match in _CLASSES.finditer(chunk):
            classes = set(match.group(1).split())
            kind = (
                "a stderr output"
                if {"output", "stderr"} <= classes
                else "an error output"
                if "output" in classes and classes & {"traceback", "error"}
                else None
            )
            if kind:
                shown.append(f"cell {number} shows {kind}: {_excerpt(chunk, match.start())!r}")
    assert not shown, f"{docname}.html:\n  " + "\n  ".join(shown)


@pytest.mark.build
@pytest.mark.parametrize("docname", CHAPTER_PAGES)
def test_player_code_is_folded_on_the_page(html_dir: Path, docname: str):
    unfolded = []
    for number, chunk in enumerate(_cells(html_dir / f"{docname}.html"), start=1):
        if 'class="optx-explorable"' not in chunk:
            continue
        folded = "tag_hide-input" in chunk[: chunk.index(">")] and re.search(
            r'<details class="[^"]*\bhide\b[^"]*\babove-input\b', chunk
        )
        if not folded:
            unfolded.append(
                f"cell {number} shows a player but its code is not folded "
                f"(no hide-input toggle): {_excerpt(chunk, 0)[:120]!r}"
            )
    assert not unfolded, f"{docname}.html:\n  " + "\n  ".join(unfolded)
