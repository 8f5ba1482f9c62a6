"""Leave the ipywidgets state out of the site's pages.

myst-nb writes the executed notebook's widget state into every page that has widgets,
as ``<script type="application/vnd.jupyter.widget-state+json">`` (and, unless
``nb_ipywidgets_js: {}``, the html-manager from a CDN to render it). The site shows the
static players (text/html) instead of the widgets, so the state is dead weight: about
one background PNG per explorable. Runs after myst-nb's handler (priority 900).
"""

from __future__ import annotations

from typing import Any

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def drop_widget_state(
    app: Any, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    scripts = context.get("script_files")
    if scripts:
        kept = [
            js
            for js in scripts
            if (getattr(js, "attributes", None) or {}).get("type") != WIDGET_STATE
        ]
        if len(kept) != len(scripts):
            context["script_files"] = kept


def setup(app: Any) -> dict[str, Any]:
    app.connect("html-page-context", drop_widget_state, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
