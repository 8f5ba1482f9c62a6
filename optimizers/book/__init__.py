"""The book's presentation layer: figure style, backgrounds and SVG overlays
(:mod:`optimizers.book.plotting`) and the explorable figures that are live in
JupyterLab and precomputed on the static site (:mod:`optimizers.book.explorable`,
whose player script is ``player.js`` beside it).

Needs the ``[book]`` extra (matplotlib, ipywidgets): ``pip install "optimizers[book]"``.
The numpy-only core (:mod:`optimizers`) never imports this package.
"""

from . import explorable, plotting
from .explorable import Explorable, Slider, Toggle

__all__ = ["Explorable", "Slider", "Toggle", "explorable", "plotting"]
