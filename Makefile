# One command per job. `make` alone lists them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Pinned versions with their hashes, from pyproject.toml (`make lock`): runtime + test, and that with JupyterLab on top.
LOCK     := requirements.lock
LAB_LOCK := requirements-lab.lock
# `make lock` resolves with uv, kept in a venv of its own, for the Python and platform the project runs on.
UV_VERSION := 0.13.9
UV         := $(VENV)/lock-tools/bin/uv
LOCK_FLAGS := --quiet --generate-hashes --python-version 3.11 --python-platform x86_64-unknown-linux-gnu \
              --custom-compile-command "make lock"

.DEFAULT_GOAL := help
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
AXE    := node_modules/axe-core/axe.min.js
# The tests run on every core (pytest-xdist); `make test SKIP_BROWSER=1` skips the browser tests (and
# installing Chromium); CI always runs them.
PYTEST_ARGS += -n auto
ifdef SKIP_BROWSER
TEST_DEPS  := $(STAMP)
PYTEST_ARGS += -m "not browser"
else
TEST_DEPS  := $(STAMP) browser-deps
endif

.PHONY: help report test lab lock bench sample-data clean browser-deps

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml $(LOCK)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@# pip compiles what it installs, but not an editable package: without this, where bytecode is not written
	@# (PYTHONDONTWRITEBYTECODE), every kernel compiles the package as it starts (0.05 s of a cold briefing).
	$(BIN)/python -m compileall -q lib
	@touch $(STAMP)

report: $(STAMP) ## Build the latest month's briefing from the bundled returns
	$(BIN)/briefing run --latest

test: $(TEST_DEPS) ## Run every test, browser tests included (skip those with: make test SKIP_BROWSER=1)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

browser-deps: $(AXE) ## Install Debian's Chromium and LibreOffice Calc (if missing) and the pinned axe-core for the browser tests
	@command -v chromium >/dev/null || { echo "Installing Debian's chromium for the browser tests..."; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }
	@command -v soffice >/dev/null || { echo "Installing Debian's libreoffice-calc for the tables.xlsx tests..."; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
	  --no-install-recommends libreoffice-calc >/dev/null; }

$(AXE): package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	@touch $@

lab: $(STAMP) ## Open JupyterLab on the three notebooks (explore.ipynb first)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LAB_LOCK)
	$(BIN)/jupyter lab --ServerApp.root_dir=notebooks explore.ipynb

lock: ## Re-pin requirements.lock from pyproject.toml (and requirements-lab.lock; newest releases: LOCK_ARGS=--upgrade)
	@test -x $(UV) || { $(PYTHON) -m venv $(VENV)/lock-tools && $(VENV)/lock-tools/bin/python -m pip install --quiet uv==$(UV_VERSION); }
	$(UV) pip compile pyproject.toml --extra test $(LOCK_FLAGS) $(LOCK_ARGS) --output-file $(LOCK)
	$(UV) pip compile pyproject.toml --extra test --extra lab --constraint $(LOCK) $(LOCK_FLAGS) $(LOCK_ARGS) --output-file $(LAB_LOCK)

bench: $(STAMP) ## Time a year of briefings against plain papermill and the no-notebook floor (options: BENCH_ARGS=--help)
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)

sample-data: $(STAMP) ## Regenerate the bundled fictional council's returns in data/
	$(BIN)/python -m briefing.sampledata

clean: ## Delete everything under output/
	find output -mindepth 1 ! -name README.md -delete
