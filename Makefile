# Two commands for a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## Build the graph of the sample reports and answer two example questions.
run: $(STAMP)
	$(BIN)/kg build seeds -o out/seeds.trig
	$(BIN)/kg build seeds -o out/seeds.ttl --quiet
	@echo
	@echo "Q1. How many entities of each type does each report name, in how many mentions?"
	$(BIN)/kg query entities-by-type --data out/seeds.trig
	@echo
	@echo "Q2. Which programs appear in the reports of which regions, and how often?"
	$(BIN)/kg query programs-by-region --data out/seeds.trig

## Set up, then run the whole test suite (lint and types included).
test: $(STAMP)
	$(BIN)/ruff check kg tests scripts
	$(BIN)/mypy
	$(BIN)/python -m pytest

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache
