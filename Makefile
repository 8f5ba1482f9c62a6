# Two commands on a fresh machine with CPython 3.11 or newer (see README.md):
#   make book   build the site into _build/html (every chapter executed, warnings are errors)
#   make test   the whole test suite, site build included
# Both first create .venv (if it is missing, broken, made by another Python than
# $(PYTHON), or older than the requirement files) and check that every pinned dependency
# is installed and importable. `make lab` opens the chapters in JupyterLab.

# Any CPython from 3.11 up: `python3`, or name one: make PYTHON=python3.13 test
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
REQS   := requirements.txt requirements-dev.txt pyproject.toml

# Which interpreter a Python is: implementation, version X.Y and installation (a venv
# reports its base's), so a venv is rebuilt exactly when $(PYTHON) is another interpreter
# (another version, or another installation), or when the venv no longer runs at all.
IDENTIFY := import sys; print(sys.implementation.name, '%d.%d' % sys.version_info[:2], sys.base_prefix)
ifneq ($(shell $(BIN)/python -c "$(IDENTIFY)" 2>/dev/null),$(shell $(PYTHON) -c "$(IDENTIFY)" 2>/dev/null))
  $(shell rm -f $(STAMP))
endif

# pytest workers: measured on 2 cores, `-n 2` runs the site build beside the
# notebook runs and the linters (see README.md for the times).
PYTEST_WORKERS ?= 2
# jupyter-book: -W warnings are errors, -n nitpicky references, --keep-going reports
# every warning before failing, --all rebuilds every page (fresh environment), so a
# page with a warning cannot pass just because it was not re-read.
JB_FLAGS := --builder html -W -n --keep-going --all

export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PIP_NO_INPUT := 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1
export MPLBACKEND := Agg

.PHONY: book test lab venv check-env lint colab-cell clean clean-venv help
.DEFAULT_GOAL := help

help:
	@echo "make book    build the site into _build/html (creates $(VENV) first)"
	@echo "make test    run the whole test suite, site build included"
	@echo "make lab     open the chapters in JupyterLab, with the book's environment"
	@echo "make lint    ruff (lint + format check) and mypy only"
	@echo "make colab-cell  regenerate each chapter's Colab install cell and JupyterLab folds"
	@echo "make clean   remove _build and caches;  make clean-venv  remove $(VENV)"

# (Re)create the virtual environment when it is missing, broken, made by another
# interpreter, or older than the requirement files; then install the pins and the package
# (pip install -e .) and the book's JupyterLab settings (scripts/install_lab_settings.py).
$(STAMP): $(REQS)
	@command -v $(PYTHON) >/dev/null 2>&1 || { \
	  echo "error: $(PYTHON) not found. Install CPython 3.11 or newer (Debian: apt-get install python3 python3-venv)"; \
	  echo "       or name one: make PYTHON=/path/to/python3.12 ..."; exit 1; }
	@$(PYTHON) -c "import sys; sys.exit(not (sys.implementation.name == 'cpython' and sys.version_info >= (3, 11)))" 2>/dev/null || { \
	  echo "error: $(PYTHON) is $$($(PYTHON) -c 'import platform; print(platform.python_implementation() + " " + platform.python_version())' 2>&1);" \
	    "the book needs CPython 3.11 or newer. Name one: make PYTHON=/path/to/python3.12 ..."; exit 1; }
	@if [ "$$($(BIN)/python -c "$(IDENTIFY)" 2>/dev/null)" != "$$($(PYTHON) -c "$(IDENTIFY)")" ]; then \
	  echo "creating $(VENV) with $(PYTHON) ($$($(PYTHON) --version 2>&1))"; rm -rf $(VENV); \
	  $(PYTHON) -m venv $(VENV) || { echo "error: '$(PYTHON) -m venv' failed (Debian: apt-get install python3-venv)"; exit 1; }; \
	fi
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python scripts/install_lab_settings.py
	@touch $(STAMP)

venv: $(STAMP)

check-env: $(STAMP)
	@$(BIN)/python scripts/check_env.py requirements-dev.txt
	@$(BIN)/python scripts/install_lab_settings.py --check 2>/dev/null || $(BIN)/python scripts/install_lab_settings.py

book: check-env
	@rm -rf _build/html _build/jupyter_execute
	$(BIN)/jupyter-book build . $(JB_FLAGS)
	@echo
	@echo "The book is in _build/html. Open _build/html/index.html in a browser, or serve it:"
	@echo "    $(BIN)/python -m http.server -d _build/html 8000    # then http://localhost:8000"

test: check-env
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadscope

# JupyterLab on chapters/ with the book's environment: the pinned packages, jupyterlab-myst
# (MyST rendered as on the site) and the book's settings (no news pop-up, no cell toolbar)
lab: check-env
	$(BIN)/jupyter lab --ServerApp.root_dir=chapters $(if $(filter 0,$(shell id -u)),--allow-root)

lint: check-env
	$(BIN)/python -m pytest -m lint

colab-cell: check-env
	$(BIN)/python scripts/colab_cell.py --write

clean:
	rm -rf _build .pytest_cache .hypothesis .ruff_cache .mypy_cache
	find . -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +

clean-venv:
	rm -rf $(VENV)
