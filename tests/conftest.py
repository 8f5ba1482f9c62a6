"""Fixtures shared by the test modules: the one site build, and the headless browser.

The site build (about 10 to 60 s) happens ONCE per pytest run, however many modules
and xdist workers need it (tests/site/test_book.py checks its HTML, test_browser.py and
test_offline.py open it in Chromium). It goes to a fixed folder, ``_build/test-site``,
under an exclusive file lock: the first worker that asks builds, any other worker waits
for the lock and then reuses that build. A stamp file records which pytest run made the
build (xdist gives all workers of one run the same ``PYTEST_XDIST_TESTRUNUID``), so a new
run always rebuilds from scratch and never trusts a stale site.

To work on the site tests without rebuilding each time, point them at a site that is
already built: ``BOOK_HTML=_build/html pytest tests/site/test_offline.py`` (any folder
holding a built ``index.html``). ``make test`` never sets it.

The browser is Debian's Chromium (``/usr/bin/chromium``) driven by Playwright from PyPI;
``playwright install`` (which downloads a browser) is never needed. If either is
missing, the tests that need it FAIL with how to install it: CI must have it.
"""

from __future__ import annotations

import fcntl
import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE_DIR = ROOT / "_build" / "test-site"  # the build of the current run (gitignored)
SCREENSHOTS = ROOT / "_build" / "screenshots"  # full-page screenshots for review
REPORTS = ROOT / "_build" / "test-report"  # measurements shown at the end of the run

_THIS_PROCESS = uuid.uuid4().hex

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
HOW_TO_INSTALL_BROWSER = (
    "The browser tests need Debian's Chromium at /usr/bin/chromium and Playwright from "
    "PyPI (pinned in requirements-dev.txt). Install Chromium with "
    "`sudo apt-get install chromium` (.ci/run does this in CI) and the Python packages with "
    "`make venv` (or `pip install -r requirements-dev.txt`). Never run `playwright install`: "
    "the tests drive the system Chromium."
)


# --------------------------------------------------------------------------- measurements


def write_report(topic: str, line: str) -> None:
    """Add a line to the measurements pytest prints at the end (works under xdist)."""
    REPORTS.mkdir(parents=True, exist_ok=True)
    with open(REPORTS / f"{topic}.txt", "a", encoding="utf8") as out:
        out.write(line + "\n")


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    if not hasattr(session.config, "workerinput"):  # the main process, before any test
        shutil.rmtree(REPORTS, ignore_errors=True)
        shutil.rmtree(SCREENSHOTS, ignore_errors=True)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for report in sorted(REPORTS.glob("*.txt")) if REPORTS.is_dir() else []:
        terminalreporter.write_sep("-", f"measured: {report.stem}")
        for line in sorted(report.read_text(encoding="utf8").splitlines()):
            terminalreporter.write_line(line)


# --------------------------------------------------------------------------- the site build


class Build:
    """The outcome of one site build: where the HTML is, and what went wrong."""

    def __init__(self, html: Path, failure: str | None) -> None:
        self.html = html
        self.failure = failure


def jupyter_book() -> str:
    exe = Path(sys.executable).parent / "jupyter-book"
    return str(exe) if exe.exists() else "jupyter-book"


def _build_failure(run: subprocess.CompletedProcess[str], log: Path) -> str:
    text = re.sub(r"\x1b\[[0-9;]*m", "", run.stdout + "\n" + run.stderr)
    lines = [ln for ln in text.splitlines() if "[IPKernelApp]" not in ln]
    keys = ("WARNING", "ERROR", "Error", "error:", "Exception", "Traceback", "failed")
    relevant = [ln for ln in lines if any(k in ln for k in keys)]
    return (
        f"the site build failed (jupyter-book build . -W -n --keep-going --all, exit code "
        f"{run.returncode}); full log: {log}\n" + "\n".join(relevant[-60:] or lines[-60:])
    )


def _run_id() -> str:
    """One id per pytest run, the same in every xdist worker of that run."""
    return os.environ.get("PYTEST_XDIST_TESTRUNUID") or _THIS_PROCESS  # no xdist: one process


def build_site(out: Path) -> Build:
    """Build the whole book as `make book` does (every chapter executed), into ``out``."""
    cmd = [
        jupyter_book(), "build", str(ROOT), "--path-output", str(out),
        "--builder", "html", "-W", "-n", "--keep-going", "--all",
    ]  # fmt: skip
    env = {**os.environ, "MPLBACKEND": "Agg", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    run = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1800, cwd=ROOT)
    log = out / "build.log"
    log.write_text(run.stdout + "\n" + run.stderr, encoding="utf8")
    return Build(out / "_build" / "html", _build_failure(run, log) if run.returncode else None)


@pytest.fixture(scope="session")
def site() -> Build:
    """The built book, built once per pytest run and shared by every worker (see above)."""
    prebuilt = os.environ.get("BOOK_HTML")
    if prebuilt:  # a site built beforehand (see the module docstring)
        html = Path(prebuilt).resolve()
        missing = (
            None if (html / "index.html").is_file() else f"BOOK_HTML: {html}/index.html missing"
        )
        return Build(html, missing)
    SITE_DIR.parent.mkdir(parents=True, exist_ok=True)
    stamp, outcome = SITE_DIR / "run-id", SITE_DIR / "outcome.json"
    run_id = _run_id()
    with open(SITE_DIR.parent / "test-site.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if stamp.is_file() and stamp.read_text() == run_id and outcome.is_file():
            failure = json.loads(outcome.read_text(encoding="utf8"))["failure"]
            return Build(SITE_DIR / "_build" / "html", failure)
        shutil.rmtree(SITE_DIR, ignore_errors=True)
        SITE_DIR.mkdir()
        build = build_site(SITE_DIR)
        outcome.write_text(json.dumps({"failure": build.failure}), encoding="utf8")
        stamp.write_text(run_id)  # last: a build cut short is never reused
        return build


@pytest.fixture(scope="session")
def html_dir(site: Build) -> Path:
    """The built HTML, for the checks that need a successful build."""
    if site.failure:
        pytest.skip("the site build failed: see tests/test_book.py::TestSite::test_build_succeeds")
    return site.html


# --------------------------------------------------------------------------- the browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium under Playwright; fails (not skips) if either is missing.

    Module scope, not session: while Playwright's sync API is open, its event loop counts
    as running in this thread, so a later test calling ``asyncio.run`` would fail.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        pytest.fail(f"{error}. {HOW_TO_INSTALL_BROWSER}", pytrace=False)
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} not found. {HOW_TO_INSTALL_BROWSER}", pytrace=False)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


# --------------------------------------------------------------------------- serving the site

TIMEOUT_MS = 120_000  # generous: a 2-core machine also runs the other tests meanwhile


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
    """One page opened in a fresh browser context, offline, with everything that went wrong.

    Every request to another host is aborted at once, as for a reader without network, and
    is an error: a page of the site must be complete on its own (its mathematics included).
    ``context`` takes Playwright's ``new_context`` options (``color_scheme="dark"`` ...);
    ``init_script`` runs before the page's own scripts (to set the theme's stored mode).
    """

    def __init__(
        self,
        browser: Any,
        base: str,
        docname: str,
        *,
        init_script: str | None = None,
        **context: Any,
    ) -> None:
        self.base, self.docname, self.name = base, docname, f"{docname}.html"
        self.context = browser.new_context(viewport={"width": 1200, "height": 900}, **context)
        self.context.set_default_timeout(TIMEOUT_MS)
        if init_script:
            self.context.add_init_script(init_script)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.loaded: dict[str, int] = {}  # local URL path -> bytes of the file served
        self.pending: dict[Any, float] = {}  # requests in flight -> when each was sent
        self.page.on("request", lambda r: self.pending.setdefault(r, time.monotonic()))
        self.page.on("requestfinished", lambda r: self.pending.pop(r, None))
        self.page.on("requestfailed", lambda r: self.pending.pop(r, None))
        self.page.route("**/*", self._offline)
        self.page.on("pageerror", lambda e: self.errors.append(f"uncaught exception: {e}"))
        self.page.on("console", self._console)
        self.page.on("requestfailed", self._failed)
        self.page.on("response", self._response)
        self.page.goto(base + self.name, wait_until="load")

    def _local(self, url: str) -> bool:
        return url.startswith(self.base) or url.startswith("data:")

    def _offline(self, route: Any) -> None:
        url = route.request.url
        if self._local(url):
            route.continue_()
        else:
            self.errors.append(f"request to another host (missing offline): {url}")
            route.abort("internetdisconnected")  # as a reader without network: fail fast

    def _console(self, message: Any) -> None:
        if message.type != "error":
            return
        source = (message.location or {}).get("url", "")
        if message.text.startswith("Failed to load resource") and not self._local(source):
            return  # the request to another host we aborted, reported by _offline already
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

    def settle(self, quiet_ms: int = 500, wait_s: float = TIMEOUT_MS / 1000) -> list[str]:
        """Wait until no request has been in flight for ``quiet_ms``; return what stays open.

        Like Playwright's "networkidle" (which its documentation discourages for tests),
        but after ``wait_s`` it returns the requests still open, each with how long it has
        been open, for the caller to report; an empty list means the page settled. (The
        page has loaded already: ``Visit`` opens it with ``wait_until="load"``.)
        """
        deadline = time.monotonic() + wait_s
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < quiet_ms / 1000:
            if self.pending:
                quiet_since = time.monotonic()
            if time.monotonic() > deadline:
                now = time.monotonic()
                return [
                    f"{r.method} {r.url[:120]} ({r.resource_type}, open {now - t:.0f} s)"
                    for r, t in self.pending.items()
                ]
            self.page.wait_for_timeout(50)  # lets Playwright deliver the page's events
        return []

    def fail(self, what: str) -> None:
        pytest.fail(f"{self.name}: {what}", pytrace=False)

    def check_errors(self, when: str) -> None:
        if self.errors:
            self.fail(f"{when}:\n  " + "\n  ".join(self.errors))

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser: Any, server: str) -> Iterator[Callable[..., Visit]]:
    """``visit(docname, **context)`` opens a page of the served site (see ``Visit``)."""
    visits: list[Visit] = []

    def open_page(docname: str, **options: Any) -> Visit:
        visits.append(Visit(browser, server, docname, **options))
        return visits[-1]

    yield open_page
    for v in visits:
        v.close()
