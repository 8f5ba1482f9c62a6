"""The static site in a real browser: headless Debian Chromium driven by Playwright.

The one build of this run (``site`` in conftest.py), served on 127.0.0.1: every page of
_toc.yml loads without JavaScript errors of its own and without a request to another
host, every image loads, the theme's "next" link leads to the next chapter, every figure
and slider is labelled, the code that builds a player is folded, each page stays within
its weight budget, and every precomputed player answers its sliders by mouse and
keyboard, down to their extreme values. The mathematics (typeset offline, no TeX left)
and the dark theme's contrast are test_offline.py's; JupyterLab is test_jupyterlab.py's.

Offline: requests to any other host are aborted at once and count as errors
(``Visit`` in conftest.py). Full-page screenshots go to ``_build/screenshots/`` and the
measured page weights to the end of pytest's output.

Deselect with ``pytest -m "not browser"``. Chromium or Playwright missing is a failure,
with how to install them (conftest.py).
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SCREENSHOTS, Visit, write_report
from test_book import PAGE_BUDGET_BYTES, chapter_docnames, toc

pytestmark = pytest.mark.browser


def page_names() -> list[str]:
    """The front page and every chapter, in reading order (as the "next" links go)."""
    root = toc()["root"].removesuffix(".md").removesuffix(".ipynb")
    return [root, *(d for d in chapter_docnames() if d != root)]


PAGES = page_names()


# --------------------------------------------------------------------------- each page


@pytest.mark.build  # needs the site build
def test_index_leads_to_the_front_page(visit: Any):
    v = visit("index")
    v.page.wait_for_url(re.compile(re.escape(f"{PAGES[0]}.html") + "$"))
    v.page.wait_for_load_state("load")
    v.check_errors("JavaScript errors on the front page reached from index.html")


# every <img> and every player's SVG <image> background decodes to a picture
_IMAGES_JS = """async () => {
  const bad = [];
  for (const img of document.images) {
    try { await img.decode(); } catch (e) {}
    if (!img.complete || img.naturalWidth === 0)
      bad.push("image " + (img.getAttribute("src") || "").slice(0, 80)
               + " (alt '" + img.alt + "') did not load");
  }
  const backgrounds = document.querySelectorAll("svg image");
  for (const [i, image] of backgrounds.entries()) {
    const probe = new Image();
    probe.src = image.getAttribute("href") || image.getAttribute("xlink:href") || "";
    try { await probe.decode(); } catch (e) {}
    const svg = image.closest("svg");
    if (probe.naturalWidth === 0)
      bad.push("background image of the figure '" + (svg && svg.getAttribute("aria-label"))
               + "' did not load");
  }
  return bad;
}"""

# figures, players and their controls are labelled for screen readers
_A11Y_JS = """() => {
  const bad = [];
  const main = document.querySelector("main") || document.body;
  for (const img of main.querySelectorAll("img"))
    if (!(img.getAttribute("alt") || "").trim())
      bad.push("image " + (img.getAttribute("src") || "").slice(0, 80) + " has no alt text");
  for (const fig of main.querySelectorAll("figure")) {
    const caption = fig.querySelector("figcaption");
    const alts = [...fig.querySelectorAll("img[alt], svg[aria-label]")]
      .map(e => e.getAttribute("alt") || e.getAttribute("aria-label") || "");
    if (!(caption && caption.textContent.trim()) && !alts.some(a => a.trim()))
      bad.push("figure " + (fig.id || "") + " has neither a caption nor alt text");
  }
  for (const [i, fig] of [...main.querySelectorAll("figure.optx-explorable")].entries()) {
    const svg = fig.querySelector("svg");
    const named = svg && (svg.getAttribute("aria-label") || "").trim();
    if (!svg || svg.getAttribute("role") !== "img" || !named)
      bad.push("player " + (i + 1) + ": its <svg> lacks role=img and an aria-label");
    for (const input of fig.querySelectorAll("input")) {
      const label = fig.querySelector("label[for='" + input.id + "']");
      if (!label || !label.textContent.trim())
        bad.push("player " + (i + 1) + ": control " + input.id + " has no <label for>");
    }
  }
  return bad;
}"""


# the code cell that makes a player shows the player and folds its code ("Show code cell
# source"), as the tag hide-input does; tests/site/test_reading.py checks the tag itself
_FOLDED_JS = """() => {
  const bad = [];
  for (const [i, fig] of [...document.querySelectorAll("figure.optx-explorable")].entries()) {
    const cell = fig.closest("div.cell");
    const input = cell && cell.querySelector(".cell_input");
    if (input && input.checkVisibility())
      bad.push("player " + (i + 1) + " ('" + (fig.querySelector("svg") || fig)
               .getAttribute("aria-label") + "'): the code that builds it is shown in full, "
               + "not folded (tag its cell hide-input)");
  }
  return bad;
}"""


@pytest.mark.build  # needs the site build
@pytest.mark.parametrize("docname", PAGES)
def test_page_loads_without_errors_and_within_budget(visit: Any, html_dir: Path, docname: str):
    """No JS errors, every image shown, labelled figures, folded builders, the page weight."""
    v = visit(docname)
    still_open = v.settle(wait_s=45)
    if still_open:  # once more in a fresh browser context; said in the report either way
        write_report("pages that did not settle at the first visit", f"{v.name}: {still_open}")
        v = visit(docname)
        still_open = v.settle()
        if still_open:
            v.fail("requests still open after the page loaded:\n  " + "\n  ".join(still_open))
    v.check_errors("JavaScript errors or requests to other hosts while loading")
    bad_images = v.page.evaluate(_IMAGES_JS)
    if bad_images:
        v.fail("\n  ".join(["images that did not load:", *bad_images]))
    unlabelled = v.page.evaluate(_A11Y_JS)
    if unlabelled:
        v.fail("\n  ".join(["accessibility:", *unlabelled]))
    unfolded = v.page.evaluate(_FOLDED_JS)
    if unfolded:
        v.fail("\n  ".join(["code shown that the site folds:", *unfolded]))
    shot = SCREENSHOTS / f"{docname}.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    v.page.screenshot(path=str(shot), full_page=True)

    # weight: the HTML (images and players are inlined as data: URIs) plus any local file
    # it loads that is its own (not the theme's shared _static/ assets)
    own, shared, math = 0, 0, 0
    for path in v.loaded:
        file = html_dir / path.lstrip("/")
        if path.endswith("/"):
            file = file / "index.html"
        size = file.stat().st_size if file.is_file() else 0
        if path.lstrip("/").startswith("_static/mathjax/"):
            math += size  # the site's MathJax (shared by every page, cached once)
        elif path.lstrip("/").startswith("_static/"):
            shared += size
        else:
            own += size
    write_report(
        "page-weight",
        f"{docname}.html: {own / 1e6:.2f} MB own (HTML + its images; budget "
        f"{PAGE_BUDGET_BYTES / 1e6:.1f} MB), {shared / 1e6:.2f} MB shared theme assets, "
        f"{math / 1e6:.2f} MB shared MathJax",
    )
    assert own <= PAGE_BUDGET_BYTES, (
        f"{docname}.html: the page and its images weigh {own / 1e6:.2f} MB, over the "
        f"{PAGE_BUDGET_BYTES / 1e6:.1f} MB budget"
    )
    v.check_errors("JavaScript errors after loading")


@pytest.mark.build  # needs the site build
def test_site_size_is_reported(html_dir: Path):
    total = sum(f.stat().st_size for f in html_dir.rglob("*") if f.is_file())
    mathjax = html_dir / "_static" / "mathjax"
    math = sum(f.stat().st_size for f in mathjax.rglob("*") if f.is_file())
    write_report(
        "page-weight",
        f"whole site (_build/html): {total / 1e6:.2f} MB, of which MathJax "
        f"(_static/mathjax) {math / 1e6:.2f} MB",
    )
    assert total > 0


def _title(html_file: Path) -> str:
    match = re.search(r"<title>(.*?)</title>", html_file.read_text(encoding="utf8"), re.DOTALL)
    return html.unescape(match.group(1)).strip() if match else ""


@pytest.mark.build  # needs the site build
@pytest.mark.parametrize("index", range(len(PAGES) - 1), ids=PAGES[:-1])
def test_next_link_opens_the_next_chapter(visit: Any, html_dir: Path, index: int):
    v = visit(PAGES[index])
    following = PAGES[index + 1]
    link = v.page.locator("a.right-next")
    if link.count() != 1:
        v.fail(f"{link.count()} 'next' links (a.right-next), expected one to {following}.html")
    v.errors.clear()  # errors of the page itself are test_page_loads_...'s to report
    link.click()
    try:
        v.page.wait_for_url(re.compile(re.escape(f"/{following}.html") + "$"))
    except Exception:
        v.fail(f"the 'next' link led to {v.page.url}, not {following}.html")
    v.page.wait_for_load_state("load")
    expected = _title(html_dir / f"{following}.html")
    assert v.page.title() == expected, (
        f"{v.name}: the 'next' link opened a page titled {v.page.title()!r}, "
        f"expected {expected!r} ({following}.html)"
    )
    v.check_errors(f"JavaScript errors after following 'next' to {following}.html")


# --------------------------------------------------------------------------- players

# the player's state as the reader sees it, and the frame its data says it should show
_STATE_JS = """fig => {
  const script = fig.querySelector("script").textContent;
  const match = script.match(/\\}\\)\\((\\{[\\s\\S]*\\})\\);\\s*$/);
  const data = JSON.parse(match[1]);
  const inputs = [...fig.querySelectorAll("input[data-optx]")];
  const normal = s => {
    const g = document.createElementNS("http://www.w3.org/2000/svg", "g");
    g.innerHTML = s; return g.innerHTML;
  };
  const index = f => inputs.reduce((acc, input, i) => acc * data.sizes[i] + f(input), 0);
  const now = index(x => x.type === "checkbox" ? +x.checked : Number(x.value));
  const initial = index(x => x.type === "checkbox" ? +x.defaultChecked : Number(x.defaultValue));
  return {
    overlay: fig.querySelector(".optx-overlay").innerHTML,
    expected: normal(data.frames[now]),
    defaultFrame: normal(data.frames[initial]),
    values: inputs.map(x => x.type === "checkbox" ? +x.checked : Number(x.value)),
    texts: inputs.map(x => {
      const out = document.getElementById(x.id + "-out"); return out ? out.textContent : "";
    }),
    labels: data.labels,
    controls: inputs.map(x => {
      const l = fig.querySelector("label[for='" + x.id + "']");
      return {id: x.id, type: x.type, label: l ? l.textContent.trim() : x.id};
    }),
    alt: fig.querySelector("svg").getAttribute("aria-label") || "",
  };
}"""


class Player:
    def __init__(self, visit: Visit, number: int) -> None:
        self.v, self.number = visit, number
        self.figure = visit.page.locator("figure.optx-explorable").nth(number - 1)
        self.figure.scroll_into_view_if_needed()
        state = self.state()
        self.alt = state["alt"]
        self.controls = state["controls"]

    def state(self) -> dict[str, Any]:
        return self.figure.evaluate(_STATE_JS)

    def fail(self, control: str, what: str) -> None:
        self.v.fail(f"player {self.number} ({self.alt[:70]!r}), control {control!r}: {what}")

    def check_shown(self, control: str, how: str) -> dict[str, Any]:
        """The overlay is the frame the controls select, and no script failed."""
        state = self.state()
        if self.v.errors:
            self.fail(control, f"JavaScript errors after {how}:\n  " + "\n  ".join(self.v.errors))
        if state["overlay"] != state["expected"]:
            i = [c["label"] for c in state["controls"]].index(control)
            value = state["labels"][i][state["values"][i]]
            self.fail(control, f"after {how} it is at {value!r}, but the figure is not the "
                      "frame for that value: the player did not redraw")  # fmt: skip
        return state


def _players_on(docname: str) -> bool:
    """Whether the chapter's notebook makes an Explorable (so its page must show a player)."""
    source = ROOT / f"{docname}.ipynb"
    return source.is_file() and "Explorable(" in source.read_text(encoding="utf8")


@pytest.mark.build  # needs the site build
@pytest.mark.parametrize("docname", [d for d in PAGES if (ROOT / f"{d}.ipynb").is_file()])
def test_every_player_answers_mouse_and_keyboard(visit: Any, docname: str):
    """Each slider by keyboard (Home, →, End) and mouse (click, drag); each checkbox.

    The figure first shown must be the frame of the controls' defaults; that this frame
    is also the live widget's first figure is checked in Python by
    tests/test_widgets.py::test_static_default_frame_is_the_live_initial_overlay.
    """
    v = visit(docname)
    count = v.page.locator("figure.optx-explorable").count()
    if count == 0 and _players_on(docname):
        v.fail("the notebook displays an Explorable but the page has no player")
    for number in range(1, count + 1):
        player = Player(v, number)
        first = player.state()
        if first["overlay"] != first["defaultFrame"]:
            player.fail("(initial)", "the figure first shown is not the frame of the defaults")
        for i, control in enumerate(player.controls):
            name = control["label"]
            box_input = player.figure.locator(f"#{control['id']}")
            if control["type"] == "checkbox":
                before = player.state()
                box_input.click()
                after = player.check_shown(name, "a mouse click")
                if after["values"][i] == before["values"][i]:
                    player.fail(name, "a mouse click does not toggle it")
                if after["overlay"] == before["overlay"]:
                    player.fail(name, "toggling it by mouse does not change the figure")
                box_input.focus()
                v.page.keyboard.press("Space")
                again = player.check_shown(name, "the Space key")
                if again["overlay"] != before["overlay"]:
                    player.fail(name, "the Space key does not toggle it back")
                continue
            last = len(first["labels"][i]) - 1
            box_input.focus()
            # keyboard: Home and End reach the extreme values, each must give a frame
            states = {}
            for key, value in (("Home", 0), ("ArrowRight", min(1, last)), ("End", last)):
                v.page.keyboard.press(key)
                states[key] = player.check_shown(name, f"the {key} key")
                if states[key]["values"][i] != value:
                    player.fail(name, f"the {key} key set value {states[key]['values'][i]}, "
                                f"expected {value}")  # fmt: skip
                if states[key]["texts"][i] != first["labels"][i][value]:
                    player.fail(name, f"after the {key} key the value shown is "
                                f"{states[key]['texts'][i]!r}, expected "
                                f"{first['labels'][i][value]!r}")  # fmt: skip
            if last > 0 and states["Home"]["overlay"] == states["End"]["overlay"]:
                player.fail(name, "the figure is the same at both ends of the slider (Home, End)")
            if last > 0 and states["Home"]["texts"][i] == states["End"]["texts"][i]:
                player.fail(name, "the value shown is the same at both ends of the slider")
            # mouse: from the left end, a click near the right end of the track, then a
            # drag of the thumb back to the left end
            v.page.keyboard.press("Home")
            box = box_input.bounding_box()
            assert box, f"{v.name}: player {number}, control {name!r} is not visible"
            y = box["y"] + box["height"] / 2
            v.page.mouse.click(box["x"] + box["width"] - 3, y)
            clicked = player.check_shown(name, "a click on the track")
            if last > 0 and clicked["values"][i] != last:
                player.fail(name, f"a click at the right end of the track set value "
                            f"{clicked['values'][i]}, expected {last}")  # fmt: skip
            v.page.mouse.move(box["x"] + box["width"] - 6, y)
            v.page.mouse.down()
            v.page.mouse.move(box["x"] + 2, y, steps=8)
            v.page.mouse.up()
            dragged = player.check_shown(name, "dragging the thumb")
            if last > 0 and dragged["values"][i] != 0:
                player.fail(name, f"dragging the thumb to the left end set value "
                            f"{dragged['values'][i]}, expected 0")  # fmt: skip
            if last > 0 and dragged["overlay"] == clicked["overlay"]:
                player.fail(name, "dragging the thumb does not change the figure")
            # back to the default, so the next control starts from the figure first shown
            default = int(box_input.evaluate("x => Number(x.defaultValue)"))
            box_input.focus()
            for _ in range(default):
                v.page.keyboard.press("ArrowRight")
            player.check_shown(name, "returning to the default")
    v.check_errors("JavaScript errors while using the players")
