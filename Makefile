# Two commands on a fresh machine with Python 3.11 (see README.md):
#   make book   build the site into _build/html (every chapter executed, warnings are errors)
#   make test   the whole test suite, site build included
# Both first create .venv (if it is missing, broken, or older than the requirement
# files) and check that every pinned dependency is installed and importable.

PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
REQS   := requirements.txt requirements-dev.txt pyproject.toml

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

# A venv whose python no longer runs (moved, or its base Python removed) is rebuilt.
ifneq ($(shell $(BIN)/python -c "import sys; print(sys.version_info[:2] == (3, 11))" 2>/dev/null),True)
  $(shell rm -f $(STAMP))
endif

.PHONY: book test venv check-env lint colab-cell clean clean-venv help
.DEFAULT_GOAL := help

help:
	@echo "make book    build the site into _build/html (creates $(VENV) first)"
	@echo "make test    run the whole test suite, site build included"
	@echo "make lint    ruff (lint + format check) and mypy only"
	@echo "make colab-cell  regenerate each chapter's Colab install cell from _config.yml"
	@echo "make clean   remove _build and caches;  make clean-venv  remove $(VENV)"

# (Re)create the virtual environment when it is missing, broken, or older than
# the requirement files; then install the pins and the package (pip install -e .).
$(STAMP): $(REQS)
	@command -v $(PYTHON) >/dev/null 2>&1 || { \
	  echo "error: $(PYTHON) not found. Install Python 3.11 (Debian: apt-get install python3.11 python3.11-venv)"; \
	  echo "       or point the Makefile at one: make PYTHON=/path/to/python3.11 ..."; exit 1; }
	@if ! $(BIN)/python -c "import sys; sys.exit(sys.version_info[:2] != (3, 11))" >/dev/null 2>&1; then \
	  echo "creating $(VENV) with $(PYTHON)"; rm -rf $(VENV); \
	  $(PYTHON) -m venv $(VENV) || { echo "error: '$(PYTHON) -m venv' failed (Debian: apt-get install python3.11-venv)"; exit 1; }; \
	fi
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

venv: $(STAMP)

check-env: $(STAMP)
	@$(BIN)/python scripts/check_env.py requirements-dev.txt

book: check-env
	@rm -rf _build/html _build/jupyter_execute
	$(BIN)/jupyter-book build . $(JB_FLAGS)
	@echo
	@echo "The book is in _build/html. Open _build/html/index.html in a browser, or serve it:"
	@echo "    $(BIN)/python -m http.server -d _build/html 8000    # then http://localhost:8000"

test: check-env
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadscope

lint: check-env
	$(BIN)/python -m pytest -m lint

colab-cell: check-env
	$(BIN)/python scripts/colab_cell.py --write

clean:
	rm -rf _build .pytest_cache .hypothesis .ruff_cache .mypy_cache
	find . -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +

clean-venv:
	rm -rf $(VENV)
