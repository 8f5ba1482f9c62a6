"""Checks of the book as a whole: chapters, table of contents, environment, built site.

Every failure names the file (and the cell, page or entry) it is about.
The site build (class ``TestSite``, marker ``build``) takes the longest; deselect
it with ``pytest -m "not build"``. ``make test`` runs it. The build itself is the
``site`` fixture of tests/conftest.py: one build per pytest run, shared with the
browser tests (tests/test_browser.py).
"""

from __future__ import annotations

import html
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = ROOT / "chapters"
sys.path.insert(0, str(ROOT / "scripts"))
import colab_cell  # noqa: E402

if TYPE_CHECKING:
    from conftest import Build  # the `site` fixture (one build per run) lives in conftest.py

PAGE_BUDGET_BYTES = 2_500_000  # DESIGN.md: a chapter page stays under 2.5 MB


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


def chapter_files() -> list[Path]:
    return sorted(
        p
        for p in CHAPTERS.rglob("*")
        if p.suffix in {".ipynb", ".md"} and ".ipynb_checkpoints" not in p.parts
    )


def notebooks() -> list[Path]:
    return [p for p in chapter_files() if p.suffix == ".ipynb"]


def config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf8"))


def toc() -> dict:
    return yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf8"))


def toc_files(node: object) -> list[str]:
    """Every `file:` entry of _toc.yml, in reading order (parts, chapters, sections)."""
    found: list[str] = []
    if isinstance(node, dict):
        if isinstance(node.get("file"), str):
            found.append(node["file"])
        for key in ("parts", "chapters", "sections"):
            for child in node.get(key) or []:
                found += toc_files(child)
    return found


def source_of(entry: str) -> Path | None:
    """The file behind a toc entry (entries may omit the suffix)."""
    path = ROOT / entry
    if path.suffix in {".ipynb", ".md"}:
        return path if path.is_file() else None
    for suffix in (".ipynb", ".md"):
        if path.with_suffix(suffix).is_file():
            return path.with_suffix(suffix)
    return None


def nb_ids() -> list[str]:
    return [rel(p) for p in notebooks()]


# --------------------------------------------------------------------------- chapters


def test_there_are_chapters():
    assert notebooks(), f"no notebooks under {rel(CHAPTERS)}/"


@pytest.mark.parametrize("path", notebooks(), ids=nb_ids())
def test_notebook_is_stored_without_outputs(path: Path):
    nb = nbformat.read(path, as_version=4)
    stored = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        what = []
        if cell.get("outputs"):
            what.append(f"{len(cell.outputs)} output(s)")
        if cell.get("execution_count") is not None:
            what.append(f"execution_count {cell.execution_count}")
        if what:
            stored.append(
                f"{rel(path)}: cell {index} (id {cell.get('id')}) stores {', '.join(what)}"
            )
    assert not stored, (
        "notebooks are committed without outputs; clear them with "
        f"`jupyter nbconvert --clear-output --inplace {rel(path)}`:\n" + "\n".join(stored)
    )


@pytest.mark.parametrize("path", notebooks(), ids=nb_ids())
def test_notebook_has_python3_kernelspec(path: Path):
    spec = nbformat.read(path, as_version=4).metadata.get("kernelspec") or {}
    assert spec.get("name") == "python3", (
        f"{rel(path)}: metadata.kernelspec.name is {spec.get('name')!r}, expected 'python3'"
    )
    assert spec.get("language", "python") == "python", (
        f"{rel(path)}: metadata.kernelspec.language is {spec.get('language')!r}, expected 'python'"
    )


@pytest.mark.parametrize("path", notebooks(), ids=nb_ids())
def test_first_code_cell_is_colab_install_cell(path: Path):
    nb = nbformat.read(path, as_version=4)
    found = colab_cell.colab_problems(rel(path), nb, colab_cell.expected_source())
    assert not found, "\n".join(found)


@pytest.mark.parametrize("path", notebooks(), ids=nb_ids())
def test_jupyterlab_folds_what_the_site_hides(path: Path):
    """jupyter.source_hidden on exactly the cells the site removes, folds or collapses."""
    found = colab_cell.fold_problems(rel(path), nbformat.read(path, as_version=4))
    assert not found, "\n".join(found)


def test_colab_cell_installs_from_configured_repository():
    url, branch = colab_cell.repository()
    source = colab_cell.expected_source()
    assert f'url, branch = "{url}", "{branch}"' in source
    assert 'package = f"optimizers[book,teaching] @ git+{url}@{branch}"' in source


def test_colab_cell_extras_exist_in_pyproject():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf8"))["project"]
    extras = set(project.get("optional-dependencies", {}))
    missing = set(colab_cell.EXTRAS.split(",")) - extras
    assert not missing, f"the Colab cell installs extras pyproject.toml lacks: {missing}"


def test_colab_cell_says_that_colab_does_not_render_myst():
    comment = " ".join(
        line.lstrip("# ") for line in colab_cell.expected_source().splitlines() if line[:1] == "#"
    )
    assert "does not render" in comment and "MyST" in comment, comment


def test_colab_cell_is_stable_under_ruff_format():
    """`ruff format` runs over the notebooks; it must not rewrite the generated cell."""
    source = colab_cell.expected_source() + "\n"
    ruff = [sys.executable, "-m", "ruff", "format", "--stdin-filename", "cell.py", "-"]
    formatted = subprocess.run(ruff, input=source, capture_output=True, text=True, cwd=ROOT)
    assert formatted.returncode == 0, formatted.stderr
    assert formatted.stdout == source, "ruff format changes the Colab cell template"


def test_colab_cell_passes_ruff_check():
    """Nor may `ruff check` (the notebooks are linted) find anything in it."""
    source = colab_cell.expected_source() + "\n"
    ruff = [sys.executable, "-m", "ruff", "check", "--stdin-filename", "cell.py", "-"]
    checked = subprocess.run(ruff, input=source, capture_output=True, text=True, cwd=ROOT)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def _run_colab_cell(monkeypatch: pytest.MonkeyPatch, *, importable: bool, on_colab: bool):
    """Execute the Colab cell with `optimizers` importable or not, on Colab or not."""
    import importlib.util

    calls: list[list[str]] = []
    monkeypatch.setattr(subprocess, "run", lambda cmd, **kw: calls.append(cmd))
    monkeypatch.setattr(sys, "path", list(sys.path))
    if on_colab:
        monkeypatch.setitem(sys.modules, "google.colab", type(sys)("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    if not importable:
        real_find_spec = importlib.util.find_spec

        def find_spec(name: str, *args: Any, **kwargs: Any) -> object:
            return None if name == "optimizers" else real_find_spec(name, *args, **kwargs)

        monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    exec(compile(colab_cell.expected_source(), "colab-cell", "exec"), {})
    return calls


def test_colab_cell_does_nothing_when_package_is_importable(monkeypatch: pytest.MonkeyPatch):
    """Locally, on Binder and in CI: no install, no network."""
    calls = _run_colab_cell(monkeypatch, importable=True, on_colab=False)
    assert calls == [], "the Colab cell ran a command although `optimizers` is importable"
    assert _run_colab_cell(monkeypatch, importable=True, on_colab=True) == []


def test_colab_cell_raises_off_colab_without_package(monkeypatch: pytest.MonkeyPatch):
    with pytest.raises(ModuleNotFoundError):
        _run_colab_cell(monkeypatch, importable=False, on_colab=False)


def test_colab_cell_installs_on_colab(monkeypatch: pytest.MonkeyPatch):
    """ONE install: the package with its extras, from the repository (the data sets inside)."""
    path_before = list(sys.path)
    calls = _run_colab_cell(monkeypatch, importable=False, on_colab=True)
    requirement = colab_cell.requirement()
    assert calls == [[sys.executable, "-m", "pip", "install", "--quiet", requirement]], calls
    assert sys.path == path_before, "the Colab cell changed sys.path"


# the folds, on notebooks made here (the generator never touches chapters/ in a test)


def _notebook(tmp_path: Path) -> Path:
    new_md, new_code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        new_md("# A chapter"),
        new_code("import numpy as np"),
        new_code("# Check the numbers stated above.\nassert 1", metadata={"tags": ["remove-cell"]}),
        new_code("make_figure()", metadata={"tags": ["hide-input"]}),
        new_code("shown = 1", metadata={"jupyter": {"source_hidden": True}}),  # folded by hand
        new_md("```{exercise} Do it\n:label: do-it\n\nWrite `f`.\n```"),
        new_md("```{solution-start} do-it\n:class: dropdown\n```\n\nThe idea."),
        new_code("def f():\n    # BEGIN SOLUTION\n    return 1\n    # END SOLUTION"),
        new_md("So `f` returns 1."),
        new_md("```{solution-end}\n```"),
        new_code("check(f)", metadata={"tags": ["exercise-check"], "exercise": "do-it"}),
    ]
    path = tmp_path / "chapter.ipynb"
    nbformat.write(nb, path)
    return path


def _folded(path: Path) -> list[int]:
    cells = nbformat.read(path, as_version=4).cells
    return [i for i, cell in enumerate(cells) if colab_cell.source_hidden(cell)]


def test_generator_inserts_colab_cell_and_folds_what_the_site_hides(tmp_path: Path):
    path = _notebook(tmp_path)
    source = colab_cell.expected_source()
    found = colab_cell.problems(path, source)
    assert any("first code cell" in p for p in found), found
    assert any("cell 4 " in p and "shown in full on the site" in p for p in found), found
    assert colab_cell.write(path, source) is True
    assert colab_cell.problems(path, source) == []
    cells = nbformat.read(path, as_version=4).cells
    assert cells[1].source == source and cells[1].metadata["tags"] == ["remove-cell"]
    # the Colab cell, the check, the figure's code, the solution's code and prose; not the
    # solution's opening cell (a closed dropdown in jupyterlab-myst), nor the exercise check
    assert _folded(path) == [1, 3, 4, 8, 9], [c.source[:20] for c in cells]
    assert "jupyter" not in cells[5].metadata, "an emptied `jupyter` metadata entry was kept"
    assert colab_cell.write(path, source) is False, "a second run changed the notebook"


def test_generator_check_names_each_cell_that_is_not_folded(tmp_path: Path):
    path = _notebook(tmp_path)
    source = colab_cell.expected_source()
    colab_cell.write(path, source)
    nb = nbformat.read(path, as_version=4)
    del nb.cells[3].metadata["jupyter"]  # the check cell, unfolded by hand
    nbformat.write(nb, path)
    found = colab_cell.problems(path, source)
    assert len(found) == 1 and "cell 3 " in found[0] and "'remove-cell'" in found[0], found
    assert colab_cell.main([str(path)]) == 1
    assert colab_cell.main(["--write", str(path)]) == 0
    assert colab_cell.main([str(path)]) == 0


@pytest.mark.parametrize(
    "path", notebooks()[:1] + notebooks()[-1:], ids=nb_ids()[:1] + nb_ids()[-1:]
)
def test_student_notebook_unfolds_the_answer_cells(tmp_path: Path, path: Path):
    """The chapter folds its solutions in JupyterLab; a student's answer cell must be open."""
    from optimizers.teaching import assign

    folded = tmp_path / path.name
    shutil.copy(path, folded)
    colab_cell.write(folded, colab_cell.expected_source())
    chapter = assign.parse_chapter(folded)
    if not chapter.exercises:
        pytest.skip(f"{rel(path)} has no exercises")
    student = assign.make_student(chapter, "test")
    answers = [c for c in student.cells if c.metadata.get("optimizers", {}).get("role") == "answer"]
    assert answers, f"{rel(path)}: the student notebook has no answer cell"
    still = [i for i, c in enumerate(student.cells) if c in answers and colab_cell.source_hidden(c)]
    assert not still, f"{rel(path)}: the student's answer cells {still} are folded"


# --------------------------------------------------------------------------- table of contents


def test_toc_root_exists():
    root = toc().get("root")
    assert root and source_of(root), f"_toc.yml: root {root!r} has no .md/.ipynb file"


def test_every_toc_entry_has_a_file():
    missing = [e for e in toc_files(toc()) if source_of(e) is None]
    missing = [e for e in missing if e != toc().get("root")]
    assert not missing, "_toc.yml lists entries with no .ipynb/.md file: " + ", ".join(
        f"{e} (expected {e}.ipynb or {e}.md)" for e in missing
    )


def test_every_chapter_file_is_in_toc():
    listed = {source_of(e) for e in toc_files(toc())}
    absent = [rel(p) for p in chapter_files() if p not in listed]
    assert not absent, "files under chapters/ that _toc.yml does not list: " + ", ".join(
        f"{p} (add `- file: {p.rsplit('.', 1)[0]}`)" for p in absent
    )


def test_toc_lists_each_file_once():
    entries = [str(source_of(e)) for e in toc_files(toc())]
    twice = sorted({rel(Path(e)) for e in entries if entries.count(e) > 1})
    assert not twice, f"_toc.yml lists these more than once: {', '.join(twice)}"


# --------------------------------------------------------------------------- the built site


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[tuple[str, str]] = []  # (src, inline body)
        self.links: list[str] = []
        self._in_script: dict[str, str | None] | None = None
        self._body: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "script":
            self._in_script = attributes
            self._body = []
        elif tag == "a" and attributes.get("href"):
            self.links.append(html.unescape(attributes["href"] or ""))

    def handle_data(self, data: str) -> None:
        if self._in_script is not None:
            self._body.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._in_script is not None:
            src = self._in_script.get("src") or ""
            kind = self._in_script.get("type") or ""
            self.scripts.append((src, kind + "".join(self._body).strip()))
            self._in_script = None


def parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf8"))
    return page


def chapter_docnames() -> list[str]:
    return [e.removesuffix(".ipynb").removesuffix(".md") for e in toc_files(toc())]


@pytest.mark.build
class TestSite:
    def test_build_succeeds(self, site: Build):
        if site.failure:
            pytest.fail(site.failure, pytrace=False)
        assert (site.html / "index.html").is_file(), f"{site.html}/index.html missing"

    def test_every_chapter_page_exists(self, html_dir: Path):
        missing = [
            f"{d}.html" for d in chapter_docnames() if not (html_dir / f"{d}.html").is_file()
        ]
        assert not missing, f"built site lacks pages for _toc.yml entries: {', '.join(missing)}"

    def test_no_script_is_included_twice(self, html_dir: Path):
        problems = []
        for page in sorted(html_dir.rglob("*.html")):
            scripts = parse(page).scripts
            thebe = sum("THEBE_JS_URL" in body for _, body in scripts)
            if thebe > 1:
                problems.append(
                    f"{page.relative_to(html_dir)}: declares THEBE_JS_URL {thebe} times"
                )
            seen: set[tuple[str, str]] = set()
            for script in scripts:
                if script in seen and (script[0] or script[1]):
                    problems.append(
                        f"{page.relative_to(html_dir)}: script twice: {script[0] or script[1][:80]}"
                    )
                seen.add(script)
        assert not problems, "\n".join(problems)

    @pytest.mark.parametrize("docname", chapter_docnames())
    def test_chapter_offers_its_notebook_for_download(self, html_dir: Path, docname: str):
        if not (ROOT / f"{docname}.ipynb").is_file():
            pytest.skip(f"{docname} is not a notebook")
        page = html_dir / f"{docname}.html"
        links = {urlsplit(link).path for link in parse(page).links}
        depth = docname.count("/")
        expected = "../" * depth + f"_sources/{docname}.ipynb"
        assert expected in links, f"{docname}.html has no download link to {expected}"
        assert (html_dir / "_sources" / f"{docname}.ipynb").is_file(), (
            f"_sources/{docname}.ipynb missing from the built site"
        )

    @pytest.mark.parametrize("docname", chapter_docnames())
    def test_launch_buttons_point_at_configured_repository(self, html_dir: Path, docname: str):
        if not (ROOT / f"{docname}.ipynb").is_file():
            pytest.skip(f"{docname} is not a notebook")
        cfg = config()
        url = cfg["repository"]["url"].rstrip("/").removesuffix(".git")
        branch = cfg["repository"]["branch"]
        org_repo = urlsplit(url).path.strip("/")
        launch = cfg["launch_buttons"]
        binder = (
            f"{launch['binderhub_url'].rstrip('/')}/v2/gh/{org_repo}/{branch}"
            f"?urlpath=lab/tree/{docname}.ipynb"
        )
        colab = f"{launch['colab_url'].rstrip('/')}/github/{org_repo}/blob/{branch}/{docname}.ipynb"
        links = parse(html_dir / f"{docname}.html").links
        for name, expected in (("Binder", binder), ("Colab", colab), ("repository", url)):
            assert expected in links, (
                f"{docname}.html: no {name} link {expected}; links to other hosts: "
                + ", ".join(sorted({ln for ln in links if ln.startswith("http")}))
            )

    @pytest.mark.parametrize("docname", chapter_docnames())
    def test_colab_cell_is_hidden_and_page_within_budget(self, html_dir: Path, docname: str):
        page = html_dir / f"{docname}.html"
        text = page.read_text(encoding="utf8")
        assert colab_cell.MARKER not in text, f"{docname}.html shows the Colab install cell"
        size = page.stat().st_size
        assert size <= PAGE_BUDGET_BYTES, (
            f"{docname}.html is {size / 1e6:.2f} MB, over the {PAGE_BUDGET_BYTES / 1e6} MB budget"
        )

    @pytest.mark.parametrize("docname", chapter_docnames())
    def test_page_has_static_players_and_no_widget_machinery(self, html_dir: Path, docname: str):
        """The site shows each Explorable's precomputed player, never a dead widget."""
        text = (html_dir / f"{docname}.html").read_text(encoding="utf8")
        source = ROOT / f"{docname}.ipynb"
        explorables = (
            source.read_text(encoding="utf8").count("Explorable(") if source.exists() else 0
        )
        # each Explorable's player is one <figure> holding at least one range input or checkbox
        players = text.count('class="optx-explorable"')
        assert players >= min(explorables, 1), (
            f"{docname}.html: {explorables} Explorable call(s) in the notebook but {players} "
            "static player(s) on the page"
        )
        # look at the page's <script> elements only: prose (the API appendix) may name them
        for src, body in parse(html_dir / f"{docname}.html").scripts:
            for marker, why in [
                ("application/vnd.jupyter.widget-state+json", "embedded widget state"),
                ("application/vnd.jupyter.widget-view+json", "a widget view, not the player"),
                ("html-manager", "the ipywidgets html-manager from a CDN"),
                ("require.min.js", "require.js from a CDN"),
            ]:
                assert marker not in src and not body.startswith(marker), (
                    f"{docname}.html has a script with {why} ({marker!r})"
                )
