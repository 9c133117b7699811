# Kefu: `make run` serves the demo, `make test` runs the whole suite (SQLite and PostgreSQL).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/kefu serve

test: setup
	$(BIN)/python scripts/run_tests.py

lint: setup
	$(BIN)/ruff check kefu tests bench scripts
	$(BIN)/ruff format --check kefu tests bench scripts
	$(BIN)/mypy kefu bench

bench: setup
	$(BIN)/kefu bench search

clean:
	rm -rf $(VENV) var
