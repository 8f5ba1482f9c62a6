"""The notebooks as a student meets them: JupyterLab (Binder, a course hub, ``make lab``).

A JupyterLab server on 127.0.0.1 over a copy of ``chapters/``, started from this
environment as a student's is (its JupyterLab, jupyterlab-myst and the book's settings
overrides; a clean user configuration), opened in headless Chromium with every other host
unreachable:

* on two chapters (``LAB_CHAPTERS``), as opened, before running anything: no pop-up or
  dialog covers the notebook (the news question is turned off by
  ``jupyterlab-settings/optimizers-book.json``); the Markdown is rendered by
  jupyterlab-myst and no raw MyST (a role such as ``{cite:p}`...```, a directive fence,
  a ``:label:`` option, a ``(target)=``) or raw TeX is visible in it; each cell that the
  site hides or folds (the Colab set-up, the checks of the prose's numbers, the code of
  the figures, the solutions; scripts/colab_cell.py lists them) is collapsed to its
  one-line placeholder and every other cell is not; each solution opens as a closed
  dropdown; every local link opens a file of the server; a click on a placeholder
  unfolds the cell. A screenshot of each goes to
  ``_build/screenshots/jupyterlab-NAME.png``;
* the Binder student's path: Run All on a chapter with a live figure, then its first
  slider redraws the figure through the kernel (screenshot ``jupyterlab.png``), with no
  JavaScript error and no cell toolbar (the book's page configuration disables it: its
  layout check throws on jupyterlab-myst's Markdown cells; see
  scripts/install_lab_settings.py).

Plus three quick checks without a browser: the settings overrides and the page
configuration are installed in this environment, the overrides name settings that
JupyterLab really has, and the page configuration that JupyterLab's server builds
disables the cell toolbar.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import nbformat
import pytest
from conftest import ROOT, SCREENSHOTS, write_report
from test_book import chapter_docnames

sys.path.insert(0, str(ROOT / "scripts"))
import colab_cell
import install_lab_settings

# the pattern chapter, and one with citations, variants in subsections and prose solutions
LAB_CHAPTERS = ["chapters/gradient-descent", "chapters/adam"]
CHAPTERS = ROOT / "chapters"  # what the server's copy is made from


# --------------------------------------------------------------------------- the settings


def test_book_settings_are_installed_for_jupyterlab():
    assert install_lab_settings.installed(), (
        f"{install_lab_settings.target()} or {install_lab_settings.page_config_target()} is "
        "missing or differs from jupyterlab-settings/: JupyterLab would greet the student "
        "with the news pop-up and a cell toolbar that throws. "
        "Run `python scripts/install_lab_settings.py` (make venv does)."
    )


def test_book_settings_name_real_jupyterlab_settings():
    """Each overridden setting exists in JupyterLab's schemas, with an allowed value."""
    schemas = install_lab_settings.app_dir() / "schemas"
    overrides = install_lab_settings.load(install_lab_settings.SETTINGS)
    assert isinstance(overrides, dict) and overrides
    wrong = []
    for plugin, values in overrides.items():
        package, _, name = plugin.partition(":")
        schema_file = schemas / package / f"{name}.json"
        if not schema_file.is_file():
            wrong.append(f"{plugin}: no such settings plugin ({schema_file} missing)")
            continue
        properties = json.loads(schema_file.read_text(encoding="utf8"))["properties"]
        for key, value in values.items():
            spec = properties.get(key)
            if spec is None:
                wrong.append(f"{plugin}: no setting {key!r} (it has {', '.join(properties)})")
                continue
            allowed = [c["const"] for c in spec.get("oneOf", []) if "const" in c]
            kinds: dict[str, type | tuple[type, ...]] = {
                "boolean": bool,
                "string": str,
                "number": (int, float),
            }
            if allowed and value not in allowed:
                wrong.append(f"{plugin}: {key} = {value!r}, not one of {allowed}")
            elif spec.get("type") in kinds and not isinstance(value, kinds[spec["type"]]):
                wrong.append(f"{plugin}: {key} = {value!r} is not a {spec['type']}")
    assert not wrong, "jupyterlab-settings/optimizers-book.json:\n" + "\n".join(wrong)


def test_page_config_disables_the_cell_toolbar_in_jupyterlab():
    """What JupyterLab's server sends the browser names the plugin, and the plugin exists."""
    from jupyterlab_server.config import get_page_config

    disabled = install_lab_settings.load(install_lab_settings.PAGE_CONFIG)["disabledExtensions"]
    schemas = install_lab_settings.app_dir() / "schemas"
    for plugin in disabled:
        package, _, name = plugin.partition(":")
        assert (schemas / package / f"{name}.json").is_file(), f"{plugin}: no such plugin"
    served = get_page_config([], str(install_lab_settings.app_dir() / "settings"))
    missing = [p for p in disabled if p not in served["disabledExtensions"]]
    assert not missing, f"JupyterLab's page configuration does not disable {missing}"


# --------------------------------------------------------------------------- the server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path]]:
    """JupyterLab on 127.0.0.1 over a copy of the chapters; stopped at the end."""
    tmp = tmp_path_factory.mktemp("lab")
    work = tmp / "work"
    shutil.copytree(CHAPTERS, work / "chapters")
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        # a clean Jupyter: no user settings, kernels or workspaces from this machine; the
        # environment's own JupyterLab settings (the book's overrides) stay
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
        f"--ServerApp.root_dir={work}",
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
        yield base, token, work
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Lab:
    """One notebook opened in JupyterLab in a fresh browser context, offline."""

    def __init__(self, browser: Any, jupyterlab: Any, chapter: str, height: int = 900) -> None:
        base, token, self.work = jupyterlab
        self.name = f"{chapter}.ipynb in JupyterLab"
        self.context = browser.new_context(viewport={"width": 1280, "height": height})
        self.context.set_default_timeout(60_000)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", self._error)
        self.page.route(
            "**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort()
        )
        # ?reset: a fresh workspace, not the tabs an earlier test left open
        self.page.goto(f"{base}/lab/tree/{chapter}.ipynb?reset&token={token}")

    def _error(self, error: Any) -> None:
        stack = (getattr(error, "stack", "") or "").splitlines()[1:4]  # where it was thrown
        self.errors.append(" | ".join([str(error), *(line.strip() for line in stack)]))

    def fail(self, what: str) -> None:
        pytest.fail(f"{self.name}: {what}", pytrace=False)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def lab(browser: Any, jupyterlab: Any) -> Iterator[Any]:
    opened: list[Lab] = []

    def open_notebook(chapter: str, **options: Any) -> Lab:
        opened.append(Lab(browser, jupyterlab, chapter, **options))
        return opened[-1]

    yield open_notebook
    for one in opened:
        one.close()


# --------------------------------------------------------------------------- reading


# What each notebook cell looks like: collapsed or not, and the text of its rendered
# Markdown outside code and typeset mathematics (raw MyST would show there).
_CELLS_JS = r"""() => [...document.querySelectorAll(".jp-Notebook .jp-Cell")].map(cell => {
  const visible = e => !!e && e.checkVisibility();
  const myst = cell.querySelector(":scope .jp-Cell-inputWrapper .myst")
    || cell.querySelector(":scope .jp-Cell-inputWrapper .jp-RenderedMarkdown");
  let text = "";
  if (myst) {
    const walker = document.createTreeWalker(myst, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode())
      if (!n.parentElement.closest("code, pre, .katex-mathml, annotation, mjx-container"))
        text += n.textContent;
  }
  return {
    markdown: cell.classList.contains("jp-MarkdownCell"),
    placeholder: visible(cell.querySelector(".jp-InputPlaceholder")),
    editor: visible(cell.querySelector(".jp-InputArea-editor")),
    myst: !!cell.querySelector(".myst"), mystShown: visible(myst), text,
    closedDropdowns: [...cell.querySelectorAll(".myst details")].filter(d => !d.open).length,
    // links as JupyterLab resolved them: a local one points at the server's /files/...
    links: [...(myst ? myst.querySelectorAll("a") : [])]
      .map(a => [a.textContent.trim().slice(0, 60), a.getAttribute("href") || "", a.href]),
    // a directive left as a code block: a Markdown renderer takes {name} for its language
    rawDirectives: [...(myst ? myst.querySelectorAll("code[class*='language-{']") : [])]
      .map(c => (c.textContent.split("\n")[0] || "").slice(0, 60)
                + " (a code block of language " + c.className.replace("language-", "") + ")"),
  };
})"""

# raw MyST (and TeX) that a rendered Markdown cell must not show
RAW_MYST = [
    ("a role", re.compile(r"\{[a-z][\w:-]*\}`?[^`\s]*`?")),
    ("a directive fence", re.compile(r"(?m)^\s*(`{3,}|:{3,})\s*\{[\w:-]+\}.*$")),
    ("a directive option", re.compile(r"(?m)^\s*:[a-z][\w-]*:(\s.*)?$")),
    ("a target label", re.compile(r"(?m)^\s*\([\w-]+\)=\s*$")),
    ("an unknown directive", re.compile(r"Unknown (Directive|Role)")),
    ("raw TeX", re.compile(r"\$[^$\s][^$]*\$|\\[(\[]|\\begin\{")),
]
TOASTS = ".Toastify__toast, .jp-Notification-Toast, .jp-Dialog"


def _solution_opening(cell: Any) -> bool:
    return cell.cell_type == "markdown" and bool(colab_cell.SOLUTION_START.match(cell.source))


@pytest.mark.browser
@pytest.mark.parametrize("chapter", LAB_CHAPTERS)
def test_chapter_reads_in_jupyterlab_as_on_the_site(lab: Any, chapter: str):
    if chapter not in chapter_docnames():
        pytest.skip(f"{chapter} is not in _toc.yml")
    v = lab(chapter, height=1400)
    nb = nbformat.read(v.work / f"{chapter}.ipynb", as_version=4)
    markdown = sum(c.cell_type == "markdown" for c in nb.cells)
    page = v.page
    # JupyterLab attaches the cells in batches; wait for all, each Markdown one rendered
    # (by jupyterlab-myst: .myst; by JupyterLab's own renderer: .jp-RenderedMarkdown)
    page.wait_for_function(
        """([count, markdown]) => {
          const cells = document.querySelectorAll(".jp-Notebook .jp-Cell");
          const rendered = [...document.querySelectorAll(".jp-Notebook .jp-MarkdownCell")]
            .filter(c => c.querySelector(".myst, .jp-RenderedMarkdown, .jp-InputPlaceholder"));
          return cells.length === count && rendered.length === markdown;
        }""",
        arg=[len(nb.cells), markdown],
    )
    page.wait_for_timeout(3000)  # let the start-up notifications appear, if any
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"jupyterlab-{Path(chapter).name}.png"))

    problems = []
    covering = page.locator(TOASTS)
    for i in range(covering.count()):
        if covering.nth(i).is_visible():
            text = " ".join(covering.nth(i).inner_text().split())
            problems.append(f"a pop-up covers the notebook: {text[:120]!r}")
    cells = page.evaluate(_CELLS_JS)
    if len(cells) != len(nb.cells):
        v.fail(f"JupyterLab shows {len(cells)} cells, the notebook has {len(nb.cells)}")
    if markdown and not any(c["myst"] for c in cells):
        problems.append("the Markdown is not rendered by jupyterlab-myst (installed? enabled?)")
    for index, (cell, shown, reason) in enumerate(
        zip(nb.cells, cells, colab_cell.fold_reasons(nb.cells), strict=True)
    ):
        first_line = (cell.source.splitlines() or [""])[0]
        where = f"cell {index} ({cell.cell_type}, {first_line[:50]!r})"
        if reason and not (shown["placeholder"] and not shown["editor"] and not shown["mystShown"]):
            problems.append(f"{where} {reason} but is not collapsed")
        elif not reason and shown["placeholder"]:
            problems.append(f"{where} is collapsed, but the site shows it")
        if cell.cell_type != "markdown" or not shown["mystShown"]:
            continue
        for raw in shown["rawDirectives"]:
            problems.append(f"{where} shows raw MyST (a directive): {raw!r}")
        for what, pattern in RAW_MYST:
            match = pattern.search(shown["text"])
            if match:
                problems.append(f"{where} shows raw MyST ({what}): {match.group(0)[:80]!r}")
        if _solution_opening(cell) and ":class: dropdown" in cell.source:
            if not shown["closedDropdowns"]:
                problems.append(f"{where} opens a solution, but not as a closed dropdown")
        for text, attribute, href in shown["links"]:
            if not attribute:  # jupyterlab-myst empties the href of a path it cannot resolve
                problems.append(f"{where}: the link {text!r} leads nowhere")
            elif attribute.startswith("#") or urlsplit(href).netloc != urlsplit(page.url).netloc:
                continue  # within the page, or to another site
            elif "/files/" not in urlsplit(href).path:
                problems.append(f"{where}: the link {text!r} ({attribute}) is not to a file")
            else:
                status = page.request.get(href.split("#")[0]).status  # what a click opens
                if status != 200:
                    problems.append(f"{where}: the link {text!r} ({href}) answers HTTP {status}")
    if problems:
        v.fail(f"{len(problems)} difference(s) from the site:\n  " + "\n  ".join(problems))

    # a student can still unfold a collapsed cell (and run it: the next test runs them all)
    first = next((i for i, r in enumerate(colab_cell.fold_reasons(nb.cells)) if r), None)
    if first is not None:
        target = page.locator(".jp-Notebook .jp-Cell").nth(first)
        target.locator(".jp-InputPlaceholder").click()
        try:
            target.locator(".jp-InputArea-editor").wait_for(state="visible", timeout=10_000)
        except Exception:
            v.fail(f"cell {first}: a click on its placeholder does not unfold it")
    assert not v.errors, f"{v.name}: JavaScript errors: {v.errors}"


# --------------------------------------------------------------------------- running


def _players_on(docname: str) -> bool:
    """Whether the chapter's notebook makes an Explorable (so its page must show a player)."""
    source = ROOT / f"{docname}.ipynb"
    return source.is_file() and "Explorable(" in source.read_text(encoding="utf8")


def _lab_chapter() -> str:
    """gradient-descent if listed, else the first listed chapter with an Explorable."""
    chapters = [d for d in chapter_docnames() if _players_on(d)]
    if not chapters:
        pytest.skip("no chapter in _toc.yml displays an Explorable")
    preferred = "chapters/gradient-descent"
    return preferred if preferred in chapters else chapters[0]


@pytest.mark.browser
def test_jupyterlab_runs_a_chapter_and_its_slider_redraws(lab: Any):
    """The Binder student's path: open, Run All, move the first slider, see a new figure."""
    chapter = _lab_chapter()
    v = lab(chapter)
    name, page = v.name, v.page
    page.get_by_text("Python 3 (ipykernel) | Idle").wait_for()
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    try:
        # every cell has run: each prompt shows its number (a collapsed cell has no prompt
        # on show, only its placeholder), and no cell is waiting or running ([*])
        page.wait_for_function(
            """() => {
              const cells = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell')];
              const prompt = c => (c.querySelector('.jp-InputPrompt') || {}).textContent || '';
              const collapsed = c => {
                const p = c.querySelector('.jp-InputPlaceholder');
                return !!p && p.checkVisibility();
              };
              const shown = cells.filter(c => !collapsed(c));
              return cells.length && !cells.some(c => prompt(c).includes('*'))
                && shown.every(c => /^\\[\\d+\\]:$/.test(prompt(c).trim()));
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
    idle = page.get_by_text("Python 3 (ipykernel) | Idle")
    redrawn = "([w, s]) => w.querySelector('svg .optx-overlay').innerHTML !== s"
    for key in keys:  # each key moves it: both extremes, and one step
        # the kernel has finished the last redraw and echoed the last value: a key pressed
        # before the echo arrives can be undone by it (seen once in CI under load)
        idle.wait_for()
        page.wait_for_timeout(500)
        before_svg, before_text = overlay.inner_html(), readout.inner_text()
        for attempt in (1, 2):
            handle.focus()
            page.keyboard.press(key)
            try:
                page.wait_for_function(redrawn, arg=[box, before_svg], timeout=30_000)
                break
            except Exception:
                if attempt == 2:
                    pytest.fail(
                        f"{name}: slider {control!r}: the {key} key did not redraw the figure, "
                        f"pressed twice (value {before_text} -> {readout.inner_text()})",
                        pytrace=False,
                    )
                write_report("JupyterLab: slider keys pressed twice", f"{name}: {key}")
        assert readout.inner_text() != before_text, (
            f"{name}: slider {control!r}: the {key} key did not change the value shown"
        )
    assert failed.count() == 0, (
        f"{name}: slider {control!r} raised in the kernel: {failed.first.inner_text()}"
    )
    assert not v.errors, f"{name}: JavaScript errors: {v.errors}"
    assert page.locator(".jp-cell-toolbar").count() == 0, (
        f"{name}: a cell toolbar is shown (jupyterlab-settings/page_config.json disables it)"
    )
