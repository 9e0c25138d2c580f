# Two entry points: `make up` runs the system, `make test` runs the tests.
# Both set up what they need first (a virtualenv in .venv, RabbitMQ, PostgreSQL).
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: setup services up test bench

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

services:
	bash scripts/services.sh

up: setup services
	$(BIN)/genie up

test: setup services
	bash scripts/browser.sh
	$(BIN)/python -m pytest -p no:warnings -q

bench: setup services
	$(BIN)/python benchmarks/core.py
