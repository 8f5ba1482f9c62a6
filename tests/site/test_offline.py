"""Every page complete offline: mathematics typeset by the site's own MathJax, readable text.

A reader without network (a classroom, a train, a downloaded copy of the site) must see
what a reader online sees. Each page of the one build of this run is opened in headless
Chromium with every other host unreachable (``Visit`` in conftest.py: a request to
another host is itself an error), and:

* **mathematics**: the page waits for MathJax (``_static/mathjax/``, see
  _ext/offline_math.py) to finish typesetting, then fails, naming the page, the place
  (sidebar, heading, text ...) and the formula, when any raw TeX is left in the text a
  reader sees (``\\(``, ``$...$``, ``\\frac``: headings, the table of contents and
  collapsed solutions included; code is not searched), or when a formula has a TeX error
  (MathJax's ``merror``, or an undefined macro, which MathJax shows in red);
* **contrast**: the text of figure captions and of the players' controls (labels and
  values) against the background it is actually drawn on, in light mode, with the
  reader's system in dark mode (``prefers-color-scheme: dark``, the theme's default
  ``auto``), and with the theme switched to dark on a light system; WCAG AA asks for at
  least 4.5:1.

The number of formulas typeset per page goes to the end of pytest's output.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import write_report
from test_browser import PAGES

pytestmark = [pytest.mark.browser, pytest.mark.build]

# the front page, every page of _toc.yml, and pages Sphinx adds (their sidebar has the toc)
OFFLINE_PAGES = [*PAGES, "genindex", "search"]

MIN_CONTRAST = 4.5  # WCAG 2 AA for normal text

# Wait for MathJax (if the page loads it), then report what a reader would see wrong.
_MATH_JS = r"""async () => {
  const mj = window.MathJax;
  const result = {loaded: false, formulas: 0, errors: [], raw: [], version: null};
  if (mj && mj.startup && mj.startup.promise) {
    await mj.startup.promise;
    await document.fonts.ready;
    result.loaded = true;
    result.version = mj.version;
    for (const item of mj.startup.document.math) {
      result.formulas += 1;
      const mml = mj.startup.toMML(item.root);
      const error = mml.match(/<merror[^>]*data-mjx-error="([^"]*)"/)
        || mml.match(/<mtext[^>]*mathcolor="red"[^>]*>(\\[^<]*)<\/mtext>/);
      if (error || mml.includes("<merror"))
        result.errors.push({tex: item.math, error: error ? error[1] : "TeX error"});
    }
  }
  result.mathSpans = document.querySelectorAll(".math, .MathJax, mjx-container").length;
  // raw TeX in the text a reader sees: every text node outside code and typeset math
  const skip = "script, style, noscript, template, textarea, pre, code, kbd, samp, "
    + ".highlight, mjx-container, mjx-assistive-mml";
  const pattern = /\\[A-Za-z]+|\\[()[\]{}]|\$\$|\$[^$\s][^$]*\$/;
  const place = el => {
    if (el.closest(".bd-sidebar-primary, nav.bd-docs-nav")) return "left sidebar (contents)";
    if (el.closest(".bd-sidebar-secondary, .bd-toc")) return "right sidebar (on this page)";
    if (el.closest(".prev-next-area")) return "previous/next links";
    if (el.closest("h1, h2, h3, h4, h5, h6")) return "heading";
    if (el.closest("figcaption, caption")) return "caption";
    if (el.closest("figure")) return "figure";
    const section = el.closest("section");
    const heading = section && section.querySelector("h1, h2, h3, h4, h5, h6");
    if (!heading) return "text";
    const title = heading.cloneNode(true);
    title.querySelectorAll(".headerlink").forEach(a => a.remove());
    return "text of section '" + title.textContent.trim().slice(0, 60) + "'";
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest(skip)) continue;
    const match = node.textContent.match(pattern);
    if (!match) continue;
    const text = node.textContent;
    const at = Math.max(0, match.index - 30);
    result.raw.push({place: place(el),
                     text: text.slice(at, match.index + match[0].length + 50).trim()});
  }
  return result;
}"""


@pytest.mark.parametrize("docname", OFFLINE_PAGES)
def test_mathematics_is_typeset_offline(visit: Any, docname: str):
    v = visit(docname)  # loaded: MathJax (a deferred script) has started
    result = v.page.evaluate(_MATH_JS)
    problems = [f"while loading and typesetting: {error}" for error in v.errors]
    if result["mathSpans"] and not result["loaded"]:
        problems.append("the page has mathematics but MathJax did not load")
    for raw in result["raw"]:
        problems.append(f"raw TeX in the {raw['place']}: {raw['text']!r}")
    for error in result["errors"]:
        problems.append(f"TeX error {error['error']!r} in the formula {error['tex']!r}")
    if result["loaded"]:
        write_report(
            "mathematics",
            f"{docname}.html: {result['formulas']} formulas typeset offline "
            f"(MathJax {result['version']})",
        )
    if problems:
        v.fail("\n  ".join([f"{len(problems)} problem(s) with the mathematics:", *problems]))


# What a reader can switch on from MathJax's context menu loads further files: the
# expression explorer (with speech: semantic enrichment, MathML input, SRE's rules), the
# SVG renderer, and TeX packages on first use. Each must come from the site.
_MENU_JS = r"""async () => {
  // a file that cannot load leaves MathJax waiting for ever: give each step 20 s
  const within = (promise, what) => Promise.race([promise, new Promise((_, reject) =>
    setTimeout(() => reject(new Error(what + " did not finish in 20 s")), 20000))]);
  await within(MathJax.startup.promise, "typesetting");
  const failed = [];
  for (const component of ["[tex]/cancel", "[tex]/physics", "[tex]/mhchem", "ui/safe"]) {
    try { await within(MathJax.loader.load(component), component); }
    catch (e) { failed.push(component + ": " + e.message); }
  }
  const menu = MathJax.startup.document.menu;
  for (const [name, value] of [["explorer", true], ["renderer", "SVG"]]) {
    try {
      menu.menu.pool.lookup(name).setValue(value);
      await new Promise(resolve => setTimeout(resolve, 1500));
      await within(menu.loadingPromise || Promise.resolve(), "menu " + name);
    } catch (e) { failed.push("menu " + name + " = " + value + ": " + e.message); }
  }
  return {failed, svg: document.querySelectorAll("mjx-container svg").length};
}"""


def test_mathjax_menu_works_offline(visit: Any):
    """The explorer (speech) and the SVG renderer, switched on as from the context menu."""
    page = "notation" if "notation" in PAGES else next(d for d in PAGES if d.startswith("chap"))
    v = visit(page)
    result = v.page.evaluate(_MENU_JS)
    v.page.wait_for_load_state("load")
    v.check_errors("while switching on the explorer and the SVG renderer offline")
    assert not result["failed"], f"{v.name}: MathJax could not load: {result['failed']}"
    assert result["svg"], f"{v.name}: the SVG renderer typeset nothing"


# The text of captions and of the players' controls: its colour, and the colour it is
# drawn on (the first opaque background among its ancestors, translucent ones blended).
_CONTRAST_JS = r"""() => {
  const parse = c => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const [r, g, b, a = 1] = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return {r, g, b, a};
  };
  const over = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a), g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a), a: 1});
  const background = el => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const bg = parse(getComputedStyle(e).backgroundColor);
      if (bg && bg.a > 0) { layers.push(bg); if (bg.a >= 1) break; }
    }
    let colour = {r: 255, g: 255, b: 255, a: 1};  // the browser's canvas
    for (const layer of layers.reverse()) colour = over(layer, colour);
    return colour;
  };
  const luminance = c => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const rgb = c => `rgb(${Math.round(c.r)}, ${Math.round(c.g)}, ${Math.round(c.b)})`;
  const main = document.querySelector("main") || document.body;
  const texts = [...main.querySelectorAll(
    "figcaption, figure.optx-explorable label, figure.optx-explorable output")];
  return {
    theme: document.documentElement.dataset.theme || "",
    measured: texts.filter(e => e.textContent.trim() && e.checkVisibility()).map(e => {
      const bg = background(e);
      const fg = over(parse(getComputedStyle(e).color), bg);
      const [hi, lo] = [luminance(fg), luminance(bg)].sort((x, y) => y - x);
      const fig = e.closest("figure");
      const alt = fig && (fig.querySelector("svg[aria-label], img[alt]") || fig);
      return {
        what: e.tagName.toLowerCase() + " '" + e.textContent.trim().slice(0, 50) + "'",
        figure: alt ? (alt.getAttribute("aria-label") || alt.getAttribute("alt") || "") : "",
        colour: rgb(fg), background: rgb(bg), ratio: (hi + 0.05) / (lo + 0.05),
      };
    }),
  };
}"""

# how the reader gets each colour mode: Playwright context options, and the mode the
# theme stores when the reader picks one with its button (localStorage "mode")
MODES = {
    "light": ({"color_scheme": "light"}, None, "light"),
    "system-dark": ({"color_scheme": "dark"}, None, "dark"),
    "theme-dark": ({"color_scheme": "light"}, "localStorage.setItem('mode', 'dark')", "dark"),
}
FIGURE_PAGES = [d for d in PAGES if d.startswith("chapters/")]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("docname", FIGURE_PAGES)
def test_captions_and_player_text_are_readable(visit: Any, docname: str, mode: str):
    context, init_script, theme = MODES[mode]
    v = visit(docname, init_script=init_script, **context)  # loaded: the style sheets too
    result = v.page.evaluate(_CONTRAST_JS)
    if result["theme"] != theme:
        v.check_errors("while loading")  # a page that did not load says why first
        v.fail(f"in the {mode} mode the theme is {result['theme']!r}, expected {theme!r}")
    low = [m for m in result["measured"] if m["ratio"] < MIN_CONTRAST]
    if result["measured"]:
        worst = min(m["ratio"] for m in result["measured"])
        write_report(
            "contrast",
            f"{docname}.html, {mode}: {len(result['measured'])} caption and control texts, "
            f"lowest contrast {worst:.1f}:1",
        )
    if low:
        v.fail(
            "\n  ".join(
                [f"text below {MIN_CONTRAST}:1 contrast in the {mode} mode:"]
                + [
                    f"{m['what']} (figure '{m['figure'][:50]}'): {m['colour']} on "
                    f"{m['background']}, {m['ratio']:.1f}:1"
                    for m in low
                ]
            )
        )
    v.check_errors("JavaScript errors")
