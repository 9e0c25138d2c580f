# Two entry points: `make up` runs the system, `make test` runs the tests.
# Both set up what they need first (a virtualenv in .venv, RabbitMQ, PostgreSQL).
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: setup services up test test-compose bench translations

CHARTS = services/gateway/static/vendor/chart.umd.min.js

setup: $(VENV)/.installed $(CHARTS)

# The charting library the dashboard draws with, from its npm package (pinned, hash-checked).
$(CHARTS): scripts/vendor.sh
	bash scripts/vendor.sh

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/pybabel compile --use-fuzzy -d services/gateway/translations -D messages
	touch $@

services:
	bash scripts/services.sh

up: setup services
	$(BIN)/genie up

test: setup services
	bash scripts/browser.sh
	$(BIN)/python -m pytest -p no:warnings -q --durations=25

# The production topology in Docker containers, broken on purpose (installs Docker if it is missing).
test-compose: setup
	bash scripts/compose-test.sh

bench: setup services
	$(BIN)/python benchmarks/core.py

# The web application's words: extract them from the code and templates, and bring each catalogue up to date.
translations: setup
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k _ --no-location --sort-output -o services/gateway/translations/messages.pot .
	$(BIN)/pybabel update -i services/gateway/translations/messages.pot -d services/gateway/translations -D messages --no-fuzzy-matching
	$(BIN)/pybabel compile -d services/gateway/translations -D messages
