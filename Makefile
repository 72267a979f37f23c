# hubsim: two commands are all the set-up there is.
#   make run   - create .venv if missing, install hubsim, run the default scenario
#   make test  - create .venv with the test extra, run the whole suite (slow checks included)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SCENARIO ?= scenarios/baseline.toml
REPLICATIONS ?= 10

# Debian's chromium package: tests/app/test_app_browser.py drives it through Playwright
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test lint bench clean chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(VENV)/.installed $@

run: $(VENV)/.installed
	$(BIN)/hubsim run $(SCENARIO) --replications $(REPLICATIONS)

chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else \
	    echo "make: the browser test needs Debian's chromium: sudo apt-get install chromium" >&2; \
	    exit 1; \
	  fi; \
	fi

test: $(VENV)/.installed-test chromium
	$(BIN)/ruff check hubsim tests benchmarks scripts notebooks
	$(BIN)/mypy
	HUBSIM_CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest -n 2 -p no:cacheprovider --durations=15
	HUBSIM_NOTEBOOK_REPLICATIONS=2 $(BIN)/python -m pytest -n 2 -p no:cacheprovider --nbmake notebooks

lint: $(VENV)/.installed-test
	$(BIN)/ruff check hubsim tests benchmarks scripts notebooks
	$(BIN)/mypy

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(VENV) results .hypothesis .pytest_cache
