"""The book as a publication: documented API, bibliography, notation, licences, launch links.

- every public function, class and method of the package has a docstring (the API
  appendix, api.md, is generated from them);
- references.bib is well formed and every key the chapters cite is in it (the site
  build fails on an unknown key too; this test names the notebook);
- the notation page names only arguments and state fields that exist in the package;
- the licences are stated in the README, in each data set's README and in the footer
  of every built page;
- the JupyterHub launch link is the nbgitpuller link built from the configured
  repository (checked on a small scratch build with a hub set).

The checks of built pages use the ``site`` / ``html_dir`` fixtures of tests/conftest.py
(one site build per pytest run) and carry the ``build`` marker.
"""

from __future__ import annotations

import html
import importlib
import inspect
import pkgutil
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

import nbformat
import pytest
import yaml

import optimizers

ROOT = Path(__file__).resolve().parents[2]
BIB = ROOT / "references.bib"


def config() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf8"))


# --------------------------------------------------------------------------- docstrings


def public_modules() -> list[ModuleType]:
    """The package and each of its modules, in every layer, whose name has no ``_`` part."""
    names = [
        m.name
        for m in pkgutil.walk_packages(optimizers.__path__, "optimizers.")
        if not any(part.startswith("_") for part in m.name.split("."))
    ]
    return [optimizers] + [importlib.import_module(n) for n in sorted(names)]


# Documented through another entry of api.md: the layers' packages (the page's
# introduction), the ``python -m optimizers.assign`` shim, and the modules inside the
# checks and assign packages (their package's automodule and its docstring).
NOT_ON_THE_API_PAGE = ("optimizers.book", "optimizers.teaching", "optimizers.assign")
INSIDE_A_DOCUMENTED_PACKAGE = ("optimizers.teaching.checks.", "optimizers.teaching.assign.")


def public_names(module: ModuleType) -> list[str]:
    """``__all__`` if the module has one, else its public names defined in the package."""
    if hasattr(module, "__all__"):
        return list(module.__all__)
    return [
        name
        for name, obj in vars(module).items()
        if not name.startswith("_")
        and (inspect.isclass(obj) or inspect.isfunction(obj))
        and getattr(obj, "__module__", "") == module.__name__
    ]


def _own_doc(obj: Any) -> str:
    doc = inspect.getdoc(obj) or ""
    if inspect.isclass(obj) and doc.startswith(f"{obj.__name__}("):
        return ""  # the signature dataclasses write when a class has no docstring
    return doc.strip()


def undocumented() -> list[str]:
    """``module.name`` (or ``module.Class.method``) of every public object without a docstring."""
    missing: set[str] = set()
    for module in public_modules():
        if not _own_doc(module):
            missing.add(module.__name__)
        for name in public_names(module):
            obj = getattr(module, name)
            if inspect.ismodule(obj) or not (inspect.isclass(obj) or callable(obj)):
                continue  # modules are checked on their own; constants need no docstring
            if not getattr(obj, "__module__", "").startswith("optimizers"):
                continue
            where = f"{obj.__module__}.{obj.__qualname__}"
            if not _own_doc(obj):
                missing.add(where)
            if not inspect.isclass(obj):
                continue
            for attr, member in vars(obj).items():
                if attr.startswith("_"):
                    continue
                if isinstance(member, staticmethod | classmethod):
                    member = member.__func__
                if isinstance(member, property) or inspect.isfunction(member):
                    # inherited docstrings count: an override keeps its base's contract
                    if not inspect.getdoc(getattr(obj, attr, member)):
                        missing.add(f"{where}.{attr}")
    return sorted(missing)


def test_every_public_object_has_a_docstring():
    missing = undocumented()
    assert not missing, (
        "public functions, classes and methods without a docstring (the API appendix "
        "api.md is built from them; state the equation or the contract):\n  " + "\n  ".join(missing)
    )


def test_api_page_documents_every_public_module():
    text = (ROOT / "api.md").read_text(encoding="utf8")
    documented = set(re.findall(r"automodule:: (optimizers[\w.]+)", text))
    modules = {
        m.__name__
        for m in public_modules()
        if m.__name__ not in ("optimizers", *NOT_ON_THE_API_PAGE)
        and not m.__name__.startswith(INSIDE_A_DOCUMENTED_PACKAGE)
    }
    absent = sorted(modules - documented)
    assert not absent, "api.md has no `.. automodule::` for: " + ", ".join(absent)


# --------------------------------------------------------------------------- bibliography


def bib_entries() -> dict[str, str]:
    """key -> the text of its entry."""
    text = BIB.read_text(encoding="utf8")
    starts = [(m.start(), m.group(1)) for m in re.finditer(r"^@\w+\{([^,\s]+),", text, re.M)]
    ends = [s for s, _ in starts[1:]] + [len(text)]
    return {key: text[start:end] for (start, key), end in zip(starts, ends, strict=True)}


def test_bibliography_is_configured():
    assert config().get("bibtex_bibfiles") == ["references.bib"]
    page = (ROOT / "references.md").read_text(encoding="utf8")
    assert "```{bibliography}" in page


def test_bib_keys_are_unique_and_entries_complete():
    text = BIB.read_text(encoding="utf8")
    keys = re.findall(r"^@\w+\{([^,\s]+),", text, re.M)
    twice = sorted({k for k in keys if keys.count(k) > 1})
    assert not twice, f"references.bib: keys defined twice: {twice}"
    problems = []
    for key, entry in bib_entries().items():
        for field in ("author", "title", "year"):
            if not re.search(rf"^\s*{field}\s*=", entry, re.M):
                problems.append(f"{key}: no {field}")
        year = re.search(r"year\s*=\s*\{(\d{4})\}", entry)
        if year and year.group(1) not in key:
            problems.append(f"{key}: the key does not contain the year {year.group(1)}")
        for doi in re.findall(r"doi\s*=\s*\{([^}]*)\}", entry):
            if not re.fullmatch(r"10\.\d{4,9}/\S+", doi):
                problems.append(f"{key}: malformed DOI {doi!r}")
    assert not problems, "references.bib:\n  " + "\n  ".join(problems)


def cited_keys(source: str) -> list[str]:
    """The keys of the {cite} roles in MyST text (roles shown as code, `` {cite}`k` ``, skipped)."""
    source = re.sub(r"``.*?``", "", source, flags=re.S)
    keys = []
    for group in re.findall(r"\{cite(?::[a-z]+)?\}`([^`]+)`", source):
        for key in group.split(","):
            keys.append(re.sub(r"\{[^}]*\}", "", key).strip())  # drop {pre}/{post} notes
    return keys


def test_every_cited_key_is_in_the_bibliography():
    known = set(bib_entries())
    unknown = []
    pages = sorted((ROOT / "chapters").glob("*.ipynb")) + sorted(ROOT.glob("*.md"))
    for path in pages:
        if path.suffix == ".ipynb":
            cells = nbformat.read(path, as_version=4).cells
            sources = [(f"cell {i}", c.source) for i, c in enumerate(cells)]
        else:
            sources = [("", path.read_text(encoding="utf8"))]
        for where, source in sources:
            for key in cited_keys(source):
                if key not in known:
                    unknown.append(f"{path.relative_to(ROOT)} {where}: {key}")
    assert not unknown, "citation keys not in references.bib:\n  " + "\n  ".join(unknown)


def test_add_citations_script_is_idempotent_and_touches_only_prose(tmp_path: Path):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import add_citations
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(
            "Adam (Kingma and\nBa, 2015) is popular; `(Kingma and Ba, 2015)` in code stays."
        ),
        nbformat.v4.new_code_cell("# (Kingma and Ba, 2015)"),
    ]
    path = tmp_path / "adam.ipynb"
    nbformat.write(nb, path)
    first = [line for line in add_citations.cite(path) if "->" in line]
    assert len(first) == 1, first
    after = nbformat.read(path, as_version=4)
    assert after.cells[0].source == (
        "Adam {cite:p}`kingma2015adam` is popular; `(Kingma and Ba, 2015)` in code stays."
    )
    assert after.cells[1].source == "# (Kingma and Ba, 2015)"
    second = add_citations.cite(path)
    assert not any("->" in line for line in second), second
    keys = {k for row in add_citations.TABLE for k in cited_keys(row.replacement)}
    assert keys <= set(bib_entries()), sorted(keys - set(bib_entries()))


# --------------------------------------------------------------------------- notation


def package_names() -> set[str]:
    """Every parameter, field, attribute and method name of the package's public API."""
    names: set[str] = set()
    for module in public_modules():
        for name in public_names(module):
            obj = getattr(module, name)
            names.add(name)
            targets = [obj]
            if inspect.isclass(obj):
                targets += [m for m in vars(obj).values() if callable(m)]
                names.update(n for n in vars(obj) if not n.startswith("_"))
                names.update(getattr(obj, "__dataclass_fields__", {}))
            for target in targets:
                try:
                    names.update(inspect.signature(target).parameters)
                except (TypeError, ValueError):
                    pass
    from optimizers import rules

    for state in vars(rules).values():  # the fields of every State class
        if inspect.isclass(state) and issubclass(state, rules.State):
            names.update(state.__dataclass_fields__)
    return names


def test_notation_page_names_exist_in_the_package():
    known = package_names()
    unknown = []
    for line in (ROOT / "notation.md").read_text(encoding="utf8").splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) < 5 or set(cells[1]) <= {"-", " "} or cells[1] == "symbol":
            continue
        for code in re.findall(r"`([^`]+)`", cells[3]):  # the `optimizers` column
            for name in re.findall(r"(?:^|[.(\s])([A-Za-z_][A-Za-z0-9_]*)(?==|,|\)|$)", code):
                if name not in known | {"opt", "schedules", "analysis", "minibatch", "len"}:
                    unknown.append(f"{cells[1]}: `{code}` ({name})")
    assert not unknown, (
        "notation.md names what the package does not have (rename in the page, or the "
        "package changed):\n  " + "\n  ".join(unknown)
    )


def test_rules_docstring_and_notation_page_use_the_same_symbols():
    from optimizers import rules

    page = (ROOT / "notation.md").read_text(encoding="utf8")
    doc = rules.__doc__ or ""
    for symbol, tex in [("θ", r"\theta"), ("η", r"\eta"), ("β", r"\beta"), ("ε", r"\varepsilon")]:
        assert symbol in doc, f"optimizers.rules' docstring no longer uses {symbol}"
        assert tex in page, f"notation.md does not define {tex} ({symbol})"
    assert "step count, 1 at the first step" in doc
    assert re.search(r"\$?t = 1\$? at the first step", page), "notation.md: t = 1 at the first step"


# --------------------------------------------------------------------------- licences


def test_licences_are_stated():
    assert "MIT" in (ROOT / "LICENSE").read_text(encoding="utf8")
    assert "CC BY 4.0" in (ROOT / "LICENSE-text.md").read_text(encoding="utf8")
    readme = (ROOT / "README.md").read_text(encoding="utf8")
    for needle in ("## Licences", "LICENSE", "LICENSE-text.md", "CC BY 4.0", "MIT"):
        assert needle in readme, f"README.md does not mention {needle!r} in its licences"
    data_readmes = sorted((ROOT / "data").glob("*/README.md"))
    assert data_readmes, "no data/*/README.md"
    for path in data_readmes:
        text = path.read_text(encoding="utf8")
        section = re.search(r"^## Licen[cs]e\s*\n(.+?)(?=^## |\Z)", text, re.M | re.S)
        assert section and section.group(1).strip(), (
            f"{path.relative_to(ROOT)} has no (non-empty) '## Licence' section"
        )


def footer_text() -> str:
    footer = (config().get("html") or {}).get("extra_footer") or ""
    return " ".join(re.sub(r"<[^>]+>", " ", footer).split())


def test_footer_is_configured():
    text = footer_text()
    for needle in ("CC BY 4.0", "MIT", "Data sets"):
        assert needle in text, f"_config.yml html.extra_footer does not mention {needle!r}"


@pytest.mark.build
def test_every_built_page_shows_the_licences_in_its_footer(html_dir: Path):
    expected = footer_text()
    missing = []
    pages = sorted(p for p in html_dir.rglob("*.html") if "_static" not in p.parts)
    for page in pages:
        text = page.read_text(encoding="utf8")
        if re.search(r'http-equiv="refresh"', text, re.I):
            continue  # index.html only redirects to the first page
        block = re.search(r'<div class="extra_footer">(.*?)</div>', text, re.S)
        shown = (
            " ".join(re.sub(r"<[^>]+>", " ", html.unescape(block.group(1))).split())
            if block
            else ""
        )
        if expected not in shown:
            missing.append(str(page.relative_to(html_dir)))
    assert pages and not missing, "pages without the licence footer: " + ", ".join(missing)


# --------------------------------------------------------------------------- JupyterHub


def expected_hub_link(hub: str, docname: str) -> str:
    """The nbgitpuller link sphinx-book-theme 1.3 builds (header_buttons/launch.py)."""
    cfg = config()
    url = cfg["repository"]["url"]
    repo = url.rstrip("/").removesuffix(".git").rsplit("/", 1)[-1]
    ui = {"jupyterlab": "lab/tree", "classic": "tree"}[cfg["launch_buttons"]["notebook_interface"]]
    query = urlencode(
        {
            "repo": url,
            "urlpath": f"{ui}/{repo}/{docname}.ipynb",
            "branch": cfg["repository"]["branch"],
        },
        safe="/",
    )
    return f"{hub.rstrip('/')}/hub/user-redirect/git-pull?{query}"


def hrefs(page: Path) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="([^"]+)"', page.read_text("utf8"))]


@pytest.mark.build
def test_site_jupyterhub_button_follows_config(html_dir: Path):
    """No hub configured: no button. A hub configured: the nbgitpuller link on each chapter."""
    hub = (config().get("launch_buttons") or {}).get("jupyterhub_url") or ""
    for page in sorted((html_dir / "chapters").glob("*.html")):
        links = hrefs(page)
        docname = f"chapters/{page.stem}"
        if hub:
            assert expected_hub_link(hub, docname) in links, f"{docname}: no JupyterHub link"
        else:
            pulls = [ln for ln in links if "git-pull" in ln]
            assert not pulls, f"{docname}: JupyterHub links although no hub is set: {pulls}"


@pytest.mark.build
def test_jupyterhub_link_is_built_from_the_repository(tmp_path: Path):
    """A one-page book with this repository's settings and a hub set gets the right link."""
    cfg = config()
    hub = "https://hub.example.edu"
    book = {
        "title": "hub check",
        "only_build_toc_files": True,
        "execute": {"execute_notebooks": "off"},
        "repository": cfg["repository"],
        "launch_buttons": {**cfg["launch_buttons"], "jupyterhub_url": hub},
        "html": {"use_repository_button": True},
    }
    (tmp_path / "_config.yml").write_text(yaml.safe_dump(book), encoding="utf8")
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nchapters:\n  - file: chapters/demo\n", encoding="utf8"
    )
    (tmp_path / "intro.md").write_text("# Hub check\n", encoding="utf8")
    (tmp_path / "chapters").mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Demo")])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, tmp_path / "chapters" / "demo.ipynb")
    exe = Path(sys.executable).parent / "jupyter-book"
    run = subprocess.run(
        [str(exe) if exe.exists() else "jupyter-book", "build", str(tmp_path), "-W", "-n"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    links = hrefs(tmp_path / "_build" / "html" / "chapters" / "demo.html")
    expected = expected_hub_link(hub, "chapters/demo")
    assert expected in links, f"no {expected}; links: {[ln for ln in links if 'hub' in ln]}"


# --------------------------------------------------------------------------- contributors


def test_pre_commit_ruff_matches_the_pinned_ruff():
    pins = dict(
        re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", (ROOT / "requirements-dev.txt").read_text(), re.M)
    )
    hooks = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf8"))
    revs = {r["repo"]: r.get("rev") for r in hooks["repos"]}
    ruff_rev = revs.get("https://github.com/astral-sh/ruff-pre-commit")
    assert ruff_rev == f"v{pins['ruff']}", (
        f".pre-commit-config.yaml runs ruff {ruff_rev}, requirements-dev.txt pins {pins['ruff']}"
    )
