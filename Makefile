# Workgate — `make demo` and `make test` do all set-up on a fresh machine (Python 3.12+, Node/npm, make).
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
SQLITE_TEST_URL := sqlite:///$(CURDIR)/var/test.sqlite3
PG_TEST_URL ?= $(or $(TEST_DATABASE_URL),postgres://postgres@127.0.0.1:5432/workgate)
VENDOR := workgate/static/vendor

# A Python 3.12 or newer: on PATH first, then under pyenv.
PYTHON ?= $(shell \
  for c in python3.13 python3.12 python3 python; do \
    p=$$(command -v $$c 2>/dev/null) || continue; \
    $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; exit 0; }; \
  done; \
  root=$$(pyenv root 2>/dev/null || echo $$HOME/.pyenv); \
  for p in $$(ls -d $$root/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
    $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; exit 0; }; \
  done)

.PHONY: help install demo test test-sqlite test-postgres lint fmt bench messages serve worker clean check-python

help:
	@echo "make demo    install, migrate, load the simulated community and serve http://127.0.0.1:8000"
	@echo "make test    install and run lint, migration check and the whole suite on SQLite and PostgreSQL, side by side"
	@echo "make bench   run the benchmarks and write docs/benchmarks.md"
	@echo "make messages  update the zh-Hans / en catalogues after changing user-visible text"

check-python:
	@if [ -z "$(PYTHON)" ]; then \
	  echo "Workgate needs Python 3.12 or newer, and none was found on PATH or under pyenv."; \
	  echo "Install it (e.g. 'pyenv install 3.12' or your system's python3.12 package), or run"; \
	  echo "'make PYTHON=/path/to/python3.12 ...'."; exit 1; fi

$(BIN)/python: | check-python
	@echo "Creating $(VENV) with $(PYTHON)"
	@$(PYTHON) -m venv $(VENV)

$(BIN)/uv: | $(BIN)/python
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: pyproject.toml uv.lock | $(BIN)/uv
	@$(BIN)/uv sync --quiet --frozen --python $(BIN)/python
	@touch $@

node_modules/.synced: package.json package-lock.json
	@command -v npm >/dev/null || { echo "Workgate needs Node.js with npm to install its page assets."; exit 1; }
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(VENDOR)/.copied: node_modules/.synced
	@mkdir -p $(VENDOR)
	@cp node_modules/htmx.org/dist/htmx.min.js node_modules/echarts/dist/echarts.min.js \
	    node_modules/@picocss/pico/css/pico.min.css node_modules/jsqr/dist/jsQR.js $(VENDOR)/
	@touch $@

install: $(VENV)/.synced $(VENDOR)/.copied
	@mkdir -p var || { echo "Cannot create var/ here: make this directory writable."; exit 1; }
	@test -w var || { echo "var/ is not writable: Workgate keeps its database and files there. Fix its permissions (chmod u+w var)."; exit 1; }
	@$(BIN)/workgate messages compile
	@$(BIN)/workgate collectstatic --noinput --verbosity 0

demo: install
	@$(BIN)/workgate demo $(if $(SCALE),--scale $(SCALE))

serve: install
	@$(BIN)/workgate serve

worker: install
	@$(BIN)/workgate worker

lint: install
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .

fmt: install
	@$(BIN)/ruff format .
	@$(BIN)/ruff check --fix .

messages: install
	@$(BIN)/workgate messages update

# The two runs go side by side (each its own var/ directory and database): on two cores the
# suite takes the longer run's time instead of the sum. Each run's output is printed whole when
# it ends (--output-sync), so the two never interleave.
test: install lint
	@WORKGATE_VAR_DIR=$(CURDIR)/var/test DATABASE_URL= $(BIN)/workgate makemigrations --check --dry-run
	@echo "== Test suite on SQLite and on PostgreSQL, side by side (each printed when it ends) =="
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

test-sqlite:
	@echo "== Test suite on SQLite =="
	@WORKGATE_VAR_DIR=$(CURDIR)/var/test-sqlite DATABASE_URL=$(SQLITE_TEST_URL) $(BIN)/pytest $(PYTEST_ARGS)

test-postgres:
	@if $(BIN)/python scripts/pg_reachable.py "$(PG_TEST_URL)"; then \
	  echo "== Test suite on PostgreSQL =="; \
	  WORKGATE_VAR_DIR=$(CURDIR)/var/test-pg DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest $(PYTEST_ARGS); \
	elif [ "$$CI" = "true" ]; then \
	  echo "PostgreSQL is not reachable at $(PG_TEST_URL), and CI must test on it."; \
	  echo "Start it (pg_ctlcluster <version> main start) or set TEST_DATABASE_URL."; exit 1; \
	else \
	  echo "PostgreSQL is not reachable at $(PG_TEST_URL): the PostgreSQL run is skipped."; \
	fi

bench: install
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && apt-get install -y -qq wrk >/dev/null; } \
	  || { echo "The HTTP benchmark needs wrk: apt-get install wrk"; exit 1; }
	@$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) node_modules $(VENDOR) var
