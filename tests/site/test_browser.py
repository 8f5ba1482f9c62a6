"""The book in a real browser: headless Debian Chromium driven by Playwright.

Two readers are checked:

* the static site (the one build of this run, ``site`` in conftest.py, served on
  127.0.0.1): every page of _toc.yml loads without JavaScript errors of its own, every
  image loads, the theme's "next" link leads to the next chapter, every figure and
  slider is labelled, each page stays within its weight budget, and every precomputed
  player answers its sliders by mouse and keyboard, down to their extreme values;
* the Binder student: JupyterLab on localhost runs a chapter, and its first live slider
  redraws the figure through the kernel.

Offline: requests to any other host are aborted at once (``page.route``); only the
console errors of those aborted fetches (MathJax from its CDN) are ignored, never an
error of the page's own scripts. Full-page screenshots go to ``_build/screenshots/``
and the measured page weights to the end of pytest's output.

Deselect with ``pytest -m "not browser"`` (``-m "not build"`` leaves out the tests that
need the site build, and keeps the JupyterLab one). Chromium or Playwright missing is a
failure, with how to install them (conftest.py).
"""

from __future__ import annotations

import functools
import html
import http.server
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from conftest import ROOT, SCREENSHOTS, write_report
from test_book import PAGE_BUDGET_BYTES, chapter_docnames, toc

pytestmark = pytest.mark.browser

TIMEOUT_MS = 30_000  # generous: a 2-core machine also runs the other tests meanwhile


def page_names() -> list[str]:
    """The front page and every chapter, in reading order (as the "next" links go)."""
    root = toc()["root"].removesuffix(".md").removesuffix(".ipynb")
    return [root, *(d for d in chapter_docnames() if d != root)]


PAGES = page_names()


# --------------------------------------------------------------------------- serving the site


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server(html_dir: Path) -> Iterator[str]:
    """The built site on 127.0.0.1 (a free port), as a reader's browser gets it."""
    handler = functools.partial(_Quiet, directory=str(html_dir))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


class Visit:
    """One page opened in a fresh browser context, with everything that went wrong."""

    def __init__(self, browser: Any, base: str, docname: str) -> None:
        self.base, self.docname, self.name = base, docname, f"{docname}.html"
        self.context = browser.new_context(viewport={"width": 1200, "height": 900})
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.loaded: dict[str, int] = {}  # local URL path -> bytes of the file served
        self.page.route("**/*", self._offline)
        self.page.on("pageerror", lambda e: self.errors.append(f"uncaught exception: {e}"))
        self.page.on("console", self._console)
        self.page.on("requestfailed", self._failed)
        self.page.on("response", self._response)
        self.page.goto(base + self.name, wait_until="load")

    def _local(self, url: str) -> bool:
        return url.startswith(self.base) or url.startswith("data:")

    def _offline(self, route: Any) -> None:
        if self._local(route.request.url):
            route.continue_()
        else:
            route.abort("internetdisconnected")  # as a reader without network: fail fast

    def _console(self, message: Any) -> None:
        if message.type != "error":
            return
        source = (message.location or {}).get("url", "")
        if message.text.startswith("Failed to load resource") and not self._local(source):
            return  # a fetch from another host (MathJax's CDN) that we aborted ourselves
        self.errors.append(f"console error: {message.text} (at {source or 'inline'})")

    def _failed(self, request: Any) -> None:
        if self._local(request.url) and not request.url.startswith("data:"):
            self.errors.append(f"request failed: {request.url} ({request.failure})")

    def _response(self, response: Any) -> None:
        url = response.url
        if not url.startswith(self.base):
            return
        if response.status >= 400:
            self.errors.append(f"HTTP {response.status} for {url}")
        else:
            self.loaded[urlsplit(url).path] = int(response.headers.get("content-length") or 0)

    def fail(self, what: str) -> None:
        pytest.fail(f"{self.name}: {what}", pytrace=False)

    def check_errors(self, when: str) -> None:
        if self.errors:
            self.fail(f"{when}:\n  " + "\n  ".join(self.errors))

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser: Any, server: str) -> Iterator[Any]:
    visits: list[Visit] = []

    def open_page(docname: str) -> Visit:
        visits.append(Visit(browser, server, docname))
        return visits[-1]

    yield open_page
    for v in visits:
        v.close()


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


@pytest.mark.build  # needs the site build
@pytest.mark.parametrize("docname", PAGES)
def test_page_loads_without_errors_and_within_budget(visit: Any, html_dir: Path, docname: str):
    """No JS errors, every image shown, labelled figures, a screenshot, the page weight."""
    v = visit(docname)
    v.page.wait_for_load_state("networkidle")
    v.check_errors("JavaScript errors while loading")
    bad_images = v.page.evaluate(_IMAGES_JS)
    if bad_images:
        v.fail("\n  ".join(["images that did not load:", *bad_images]))
    unlabelled = v.page.evaluate(_A11Y_JS)
    if unlabelled:
        v.fail("\n  ".join(["accessibility:", *unlabelled]))
    shot = SCREENSHOTS / f"{docname}.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    v.page.screenshot(path=str(shot), full_page=True)

    # weight: the HTML (images and players are inlined as data: URIs) plus any local file
    # it loads that is its own (not the theme's shared _static/ assets)
    own, shared = 0, 0
    for path in v.loaded:
        file = html_dir / path.lstrip("/")
        if path.endswith("/"):
            file = file / "index.html"
        size = file.stat().st_size if file.is_file() else 0
        if path.lstrip("/").startswith("_static/"):
            shared += size
        else:
            own += size
    write_report(
        "page-weight",
        f"{docname}.html: {own / 1e6:.2f} MB own (HTML + its images; budget "
        f"{PAGE_BUDGET_BYTES / 1e6:.1f} MB), {shared / 1e6:.2f} MB shared theme assets",
    )
    assert own <= PAGE_BUDGET_BYTES, (
        f"{docname}.html: the page and its images weigh {own / 1e6:.2f} MB, over the "
        f"{PAGE_BUDGET_BYTES / 1e6:.1f} MB budget"
    )
    v.check_errors("JavaScript errors after loading")


@pytest.mark.build  # needs the site build
def test_site_size_is_reported(html_dir: Path):
    total = sum(f.stat().st_size for f in html_dir.rglob("*") if f.is_file())
    write_report("page-weight", f"whole site (_build/html): {total / 1e6:.2f} MB")
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


# --------------------------------------------------------------------------- JupyterLab


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _lab_chapter() -> str:
    """gradient-descent if listed, else the first listed chapter with an Explorable."""
    chapters = [d for d in chapter_docnames() if _players_on(d)]
    if not chapters:
        pytest.skip("no chapter in _toc.yml displays an Explorable")
    preferred = "chapters/gradient-descent"
    return preferred if preferred in chapters else chapters[0]


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """JupyterLab on 127.0.0.1 over a copy of the chapters; stopped at the end."""
    tmp = tmp_path_factory.mktemp("lab")
    work = tmp / "work"
    shutil.copytree(ROOT / "chapters", work / "chapters")
    shutil.copytree(ROOT / "data", work / "data")
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        # a clean Jupyter: no user settings, kernels or workspaces from this machine
        "JUPYTER_CONFIG_DIR": str(tmp / "config"),
        "JUPYTER_DATA_DIR": str(tmp / "data"),
        "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "workspaces"),
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
    lab = Path(sys.executable).parent / "jupyter-lab"
    cmd = [
        str(lab) if lab.exists() else "jupyter-lab", "--no-browser", "--ip=127.0.0.1",
        f"--port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={work}", "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]  # fmt: skip
    if os.geteuid() == 0:  # CI containers run as root
        cmd.append("--allow-root")
    log_path = tmp / "jupyterlab.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(
                        f"JupyterLab did not start ({' '.join(cmd)}):\n"
                        + log_path.read_text(encoding="utf8")[-3000:],
                        pytrace=False,
                    )
                time.sleep(0.25)
        yield base, token
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_jupyterlab_runs_a_chapter_and_its_slider_redraws(browser: Any, jupyterlab: Any):
    """The Binder student's path: open, Run All, move the first slider, see a new figure."""
    base, token = jupyterlab
    chapter = _lab_chapter()
    name = f"{chapter}.ipynb in JupyterLab"
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(60_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route(
        "**/*",
        lambda r: r.continue_() if r.request.url.startswith(base) else r.abort(),
    )
    try:
        page.goto(f"{base}/lab/tree/{chapter}.ipynb?token={token}")
        page.get_by_text("Python 3 (ipykernel) | Idle").wait_for()
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        try:
            page.wait_for_function(
                """() => {
                  const p = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
                  return p.length && p.every(e => /^\\[\\d+\\]:$/.test(e.textContent.trim()));
                }""",
                timeout=120_000,
            )
        finally:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "jupyterlab.png"))
        stderr = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
        failed = page.locator(stderr)
        assert failed.count() == 0, f"{name}: a cell wrote an error: {failed.first.inner_text()}"
        # the first live Explorable: a box with a slider and the figure's HTML widget
        widget = page.locator(".widget-vbox:has(.widget-slider):has(svg .optx-overlay)").first
        handle = widget.locator(".noUi-handle").first
        readout = widget.locator(".widget-readout").first
        overlay = widget.locator("svg .optx-overlay").first
        handle.scroll_into_view_if_needed()
        control = widget.locator(".widget-slider .widget-label").first.inner_text()
        box = widget.element_handle()
        start = float(handle.get_attribute("aria-valuenow") or 0)
        keys = ("Home", "ArrowRight", "End") if start else ("End", "Home", "ArrowRight")
        for key in keys:  # each key moves it: both extremes, and one step
            before_svg, before_text = overlay.inner_html(), readout.inner_text()
            handle.focus()
            page.keyboard.press(key)
            try:
                page.wait_for_function(  # the HTML widget replaces its whole <svg>
                    "([w, s]) => w.querySelector('svg .optx-overlay').innerHTML !== s",
                    arg=[box, before_svg],
                    timeout=30_000,
                )
            except Exception:
                pytest.fail(
                    f"{name}: slider {control!r}: the {key} key did not redraw the figure "
                    f"(value {before_text} -> {readout.inner_text()})",
                    pytrace=False,
                )
            assert readout.inner_text() != before_text, (
                f"{name}: slider {control!r}: the {key} key did not change the value shown"
            )
        assert failed.count() == 0, (
            f"{name}: slider {control!r} raised in the kernel: {failed.first.inner_text()}"
        )
        assert not errors, f"{name}: JavaScript errors: {errors}"
    finally:
        context.close()
