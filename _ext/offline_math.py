"""Typeset the mathematics with the site's own MathJax copy: no CDN, so it works offline.

Sphinx's default loads MathJax from a CDN, so a reader without network (a classroom, a
train, a downloaded copy of the site) sees every formula as raw TeX. This extension serves
MathJax 3.2.2 from the site itself: ``_static/mathjax/tex-chtml.js``.

Where the files come from: the PyPI package ``sphinx-mathjax-offline`` (pinned in
requirements-dev.txt), which vendors the MathJax 3.2.2 distribution. It is chosen over the
``mathjax`` npm package because it needs no Node.js toolchain on a reader's, a student's
or CI's machine: ``pip install -r requirements-dev.txt`` brings it like everything else.
We do not load it as a Sphinx extension, because it copies its whole 24 MB tree (every
combined build, SVG and MathML variants) into every site. We copy what ``tex-chtml.js``
can load, about 8 MB, once into ``_static/mathjax/``:

* ``tex-chtml.js``: TeX input (with ams, newcommand, autoload ...), CommonHTML output, the
  reader's context menu and assistive MathML, in one file that every page with
  mathematics loads (a shared asset, cached once per reader);
* ``output/chtml/fonts/woff-v2/``: the glyphs;
* ``input/tex/extensions/``: TeX packages MathJax autoloads on first use (``\\boldsymbol``,
  ``\\cancel``, ``\\require{...}``);
* ``output/svg*``, ``ui/``, ``a11y/``, ``input/mml*``, ``sre/``: what a reader can switch
  on from the context menu (the SVG renderer, speech and the expression explorer, whose
  semantic enrichment needs the MathML input).

A page requests only ``tex-chtml.js`` and the fonts its formulas use.
tests/site/test_offline.py opens every page with every other host unreachable and fails
on raw TeX left on the page or on a TeX error.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util.fileutil import copy_asset

PACKAGE = "sphinx-mathjax-offline"  # its import name has hyphens: no `import` statement
ENTRY = "tex-chtml.js"
# what ENTRY can load, relative to the MathJax folder (files and whole folders)
PARTS = (
    ENTRY,
    "output/chtml/fonts/woff-v2",
    "input/tex/extensions",
    "output/svg.js",
    "output/svg",
    "ui",
    "a11y",
    "input/mml.js",  # the explorer's semantic enrichment parses MathML
    "input/mml",
    "sre",
)
TARGET = "mathjax"  # under the site's _static/


def mathjax_source() -> Path:
    """The MathJax folder inside the installed ``sphinx-mathjax-offline`` package."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.origin:
        raise ExtensionError(
            f"{PACKAGE} is not installed: it provides the site's own MathJax copy "
            "(pip install -r requirements-dev.txt, or make venv)"
        )
    folder = Path(spec.origin).parent / "static" / "mathjax"
    if not (folder / ENTRY).is_file():
        raise ExtensionError(f"{folder / ENTRY} is missing: reinstall {PACKAGE}")
    return folder


def set_mathjax_path(app: Sphinx, config: Any) -> None:
    """Serve MathJax from _static/ (a relative ``mathjax_path`` is a path under _static/)."""
    mathjax_source()  # fail early, before the notebooks run, if the package is missing
    config.mathjax_path = f"{TARGET}/{ENTRY}"


def copy_mathjax(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    source = mathjax_source()
    target = Path(app.outdir) / "_static" / TARGET
    for part in PARTS:
        path = source / part
        if path.is_dir():
            copy_asset(str(path), str(target / part))
        elif path.is_file():
            (target / part).parent.mkdir(parents=True, exist_ok=True)
            copy_asset(str(path), str((target / part).parent))
        else:
            raise ExtensionError(f"{path} is missing: reinstall {PACKAGE}")


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("config-inited", set_mathjax_path)
    app.connect("build-finished", copy_mathjax)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
