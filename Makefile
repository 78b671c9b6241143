# Keyward. A newcomer needs two targets: `make run` and `make test` (`make check` for quick loops).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
# `make run` needs only the runtime; the dev tools (pytest, mypy, Playwright, …) are for tests.
RUN_STAMP := $(VENV)/.runtime-$(shell sha1sum pyproject.toml | cut -c1-12)
PYTEST_ARGS ?=

.PHONY: run test test-lane test-postgres-lane check install lint typecheck test-sqlite test-postgres migrations-check schema bench bench-usage clean chromium load-smoke fuzz-live

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

$(RUN_STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	rm -f $(VENV)/.runtime-*
	touch $@

install: $(STAMP)

run: $(RUN_STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py demo
	PY=$(PY) scripts/run-dev

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy .

schema: install
	$(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

migrations-check: install
	$(PY) manage.py makemigrations --check --dry-run

# The browser tests drive Debian's Chromium; installed once per `make` run when missing.
chromium:
	scripts/ensure-chromium

# The browser tests drive the pages, not the database: they run once, in the SQLite leg (the
# database `make run` serves). Every other test runs on both. Screenshots land in
# test-artifacts/screenshots/ (see tests/browser/conftest.py).
test-sqlite: install chromium
	@echo "=== pytest on SQLite (database cache), with the browser tests ==="
	scripts/with-redis $(VENV)/bin/pytest $(PYTEST_ARGS)

test-postgres: install
	@echo "=== pytest on PostgreSQL (Redis cache), without the browser tests ==="
	scripts/with-postgres scripts/with-redis --as-cache $(VENV)/bin/pytest -m "not browser" $(PYTEST_ARGS)

# Bounded load on gunicorn (2 workers) and a throwaway PostgreSQL: 10 s of concurrent clients;
# fails on any error or lost count (bench-results/load.md). `make bench` runs it for 60 s.
load-smoke: install
	scripts/with-postgres scripts/with-redis --as-cache $(PY) bench/load.py --seconds 10

# Two lanes on two cores, about as long as each other: the PostgreSQL leg, the load smoke and
# the live schemathesis run in one; the static checks and the SQLite leg (with the browser
# tests) in the other. Each step has its own throwaway services; each lane's output is
# printed whole when it ends (-O); a failing step fails `make test`.
test: install chromium
	$(MAKE) --no-print-directory -j2 --output-sync=target test-postgres-lane test-lane

test-postgres-lane: install
	$(MAKE) --no-print-directory -j1 test-postgres load-smoke fuzz-live

test-lane: install chromium
	$(MAKE) --no-print-directory -j1 lint typecheck migrations-check schema test-sqlite

# The quick loop: lint, types, migrations, schema and the suite on SQLite without the browser tests.
check: lint typecheck migrations-check schema
	@echo "=== pytest on SQLite, without browser tests ==="
	scripts/with-redis $(VENV)/bin/pytest -m "not browser" $(PYTEST_ARGS)

# Schemathesis' own runner against a live server (conformance and negative-data checks; a
# "schema validation mismatch" warning fails it): part of `make test`.
fuzz-live: install
	PY=$(PY) scripts/schemathesis-live


clean:
	rm -rf $(VENV) staticfiles .pytest_cache .mypy_cache .ruff_cache test-artifacts

# Key-authentication benchmark (not a test): throwaway PostgreSQL and Redis, bench extra.
bench: install bench-usage
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	scripts/with-postgres scripts/with-redis $(PY) bench/auth.py
	scripts/with-postgres scripts/with-redis --as-cache $(PY) bench/load.py --seconds 60

# Usage reads at 10,000 and 1,000,000 executions, the naive GROUP BY beside them, and
# ingest throughput (throwaway PostgreSQL, Redis as the cache); bench-results/usage.md.
bench-usage: install
	scripts/with-postgres scripts/with-redis --as-cache $(PY) bench/usage.py
