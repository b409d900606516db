# One command per job. `make` alone lists them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
AXE    := node_modules/axe-core/axe.min.js
# `make test SKIP_BROWSER=1` skips the browser tests (and installing Chromium); CI always runs them.
ifdef SKIP_BROWSER
TEST_DEPS  := $(STAMP)
PYTEST_ARGS += -m "not browser"
else
TEST_DEPS  := $(STAMP) browser-deps
endif

.PHONY: help report test lab bench sample-data clean browser-deps

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@# pip compiles what it installs, but not an editable package: without this, where bytecode is not written
	@# (PYTHONDONTWRITEBYTECODE), every kernel compiles the package as it starts (0.05 s of a cold briefing).
	$(BIN)/python -m compileall -q lib
	@touch $(STAMP)

report: $(STAMP) ## Build the latest month's briefing from the bundled returns
	$(BIN)/briefing run --latest

test: $(TEST_DEPS) ## Run every test, browser tests included (skip those with: make test SKIP_BROWSER=1)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

browser-deps: $(AXE) ## Install Debian's Chromium (if missing) and the pinned axe-core for the browser tests
	@command -v chromium >/dev/null || { echo "Installing Debian's chromium for the browser tests..."; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

$(AXE): package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	@touch $@

lab: $(STAMP) ## Open JupyterLab on the notebooks
	$(BIN)/python -m pip install --quiet -e ".[lab]"
	$(BIN)/jupyter lab notebooks/

bench: $(STAMP) ## Time a year of briefings against plain papermill and the no-notebook floor (options: BENCH_ARGS=--help)
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)

sample-data: $(STAMP) ## Regenerate the bundled fictional council's returns in data/
	$(BIN)/python -m briefing.sampledata

clean: ## Delete everything under output/
	find output -mindepth 1 ! -name README.md -delete
