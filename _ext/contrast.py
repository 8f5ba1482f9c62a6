"""The site's own style sheet: readable captions in the dark theme (see static/contrast.css).

Registers ``_ext/static/`` as a static folder and loads ``contrast.css`` on every page,
after the theme's style sheets, so its rules win at equal specificity.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

STATIC = Path(__file__).resolve().parent / "static"


def add_static_path(app: Sphinx, config: Any) -> None:
    config.html_static_path = [*config.html_static_path, str(STATIC)]


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("config-inited", add_static_path)
    app.add_css_file("contrast.css")
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
