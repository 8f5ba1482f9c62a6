"""Write each inline ``<script>`` once per page (works around a Sphinx 7.4 bug).

Cause of ``Identifier 'THEBE_JS_URL' has already been declared`` on a default
jupyter-book 1.0.4.post1 page:

* sphinx-thebe 0.3.1 adds ``const THEBE_JS_URL = ...`` as an inline script with
  ``app.add_js_file(None, body=...)`` in an ``env-before-read-docs`` handler, i.e.
  after the HTML builder was initialised (sphinx-togglebutton does the same for
  ``var togglebuttonSelector`` in ``builder-inited``).
* Sphinx 7.4's ``Sphinx.add_js_file`` then records the script twice: in the
  registry, and directly in the builder's list with ``filename=None``.
  ``StandaloneHTMLBuilder.prepare_writing`` copies the registry into the builder
  again, this time as ``filename=''``. Its de-duplication compares filenames, and
  ``None != ''``, so every page gets the script twice.
* A second ``const`` declaration of the same name is a SyntaxError, so Chromium
  logs the error (the togglebutton's ``var`` twice is silent but just as doubled).

Disabling thebe does not help: sphinx-thebe adds the script whatever
``launch_buttons.thebe`` says, and jupyter-book always loads sphinx-thebe. So this
extension drops repeated scripts from each page's ``script_files`` at the end of
``html-page-context`` (priority 900, after the themes' handlers). Scripts that are
equal apart from ``None`` versus ``''`` as filename count as one. Remove it once
the pinned Sphinx no longer writes duplicates (tests/test_book.py checks the pages).
"""

from __future__ import annotations

from typing import Any


def _key(js: Any) -> tuple[Any, ...]:
    filename = getattr(js, "filename", js) or ""
    attributes = getattr(js, "attributes", {}) or {}
    return (filename, tuple(sorted((k, str(v)) for k, v in attributes.items())))


def dedupe_script_files(
    app: Any, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple[Any, ...]] = set()
    unique = []
    for js in scripts:
        key = _key(js)
        if key not in seen:
            seen.add(key)
            unique.append(js)
    if len(unique) != len(scripts):
        context["script_files"] = unique


def setup(app: Any) -> dict[str, Any]:
    app.connect("html-page-context", dedupe_script_files, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
