"""Install the book's JupyterLab settings into the environment that runs JupyterLab.

Two files of ``jupyterlab-settings/``, each copied where JupyterLab merges it with what the
environment already has (nothing of the environment's own configuration is replaced):

* ``optimizers-book.json``, JupyterLab "overrides": new defaults for its settings, which
  each user can still change in Settings. They turn off the "Would you like to get
  notified about official Jupyter news?" pop-up and the update check (both would also make
  JupyterLab call a website), so a student's first view of a chapter is the chapter.
  Copied to ``<app dir>/settings/overrides.d/`` (``<app dir>`` is
  ``<sys.prefix>/share/jupyter/lab`` unless ``JUPYTERLAB_DIR`` says otherwise).
* ``page_config.json``, which disables one JupyterLab plugin: the cell toolbar, the row of
  icons that floats over the active cell's top right corner. With jupyterlab-myst 2.7.0
  on JupyterLab 4.6 its layout check throws ("Cannot read properties of undefined
  (reading 'node')", in ``_markdownOverlapsToolbar``) when a rendered Markdown cell is
  active, because jupyterlab-myst renders Markdown cells without the ``renderedInput``
  widget the check reads. Its own setting (``showToolbar: false``) is not enough:
  JupyterLab applies it only to the notebook open when the settings load, and a notebook
  opened later gets a toolbar again. The same actions stay in the Edit menu and on the
  keyboard. Copied to ``<sys.prefix>/etc/jupyter/labconfig/page_config.d/``.

Who runs it: ``make venv`` (and so ``make book``, ``make test``, ``make lab``) for
``.venv``, ``postBuild`` on Binder, and a course hub's administrator once in the hub's
environment (README.md, "Reading and running the book").

    python scripts/install_lab_settings.py           # install (or update)
    python scripts/install_lab_settings.py --check   # exit 1 if missing or out of date
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = ROOT / "jupyterlab-settings" / "optimizers-book.json"
PAGE_CONFIG = ROOT / "jupyterlab-settings" / "page_config.json"


def app_dir() -> Path:
    """JupyterLab's application folder of this Python (as ``jupyter lab path`` prints it)."""
    from jupyterlab.commands import get_app_dir

    return Path(get_app_dir())


def target(app: Path | None = None) -> Path:
    return (app or app_dir()) / "settings" / "overrides.d" / SETTINGS.name


def page_config_target(prefix: Path | None = None) -> Path:
    """Where JupyterLab's server reads this environment's extra page configuration."""
    etc = (prefix or Path(sys.prefix)) / "etc" / "jupyter"
    return etc / "labconfig" / "page_config.d" / "optimizers-book.json"


def load(path: Path) -> object:
    return json.loads(path.read_text(encoding="utf8"))


def _pairs(app: Path | None, prefix: Path | None) -> list[tuple[Path, Path]]:
    return [(SETTINGS, target(app)), (PAGE_CONFIG, page_config_target(prefix))]


def installed(app: Path | None = None, prefix: Path | None = None) -> bool:
    return all(
        path.is_file() and load(path) == load(source) for source, path in _pairs(app, prefix)
    )


def install(app: Path | None = None, prefix: Path | None = None) -> list[Path]:
    written = []
    for source, path in _pairs(app, prefix):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source.read_text(encoding="utf8"), encoding="utf8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check, install nothing")
    args = parser.parse_args(argv)
    if args.check:
        if installed():
            return 0
        print(
            f"{target()} or {page_config_target()}: the book's JupyterLab settings are "
            "missing or out of date; "
            "run `python scripts/install_lab_settings.py` (or `make venv`)",
            file=sys.stderr,
        )
        return 1
    print("installed the book's JupyterLab settings:", *install())
    return 0


if __name__ == "__main__":
    sys.exit(main())
