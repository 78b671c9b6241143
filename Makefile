# Keyward. A newcomer needs two targets: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
PYTEST_ARGS ?=

.PHONY: run test install lint typecheck test-sqlite test-postgres migrations-check schema bench bench-usage clean chromium load-smoke fuzz-live

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

run: install
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

# Browser screenshots land in test-artifacts/screenshots/ (see tests/browser/conftest.py).
test-sqlite: install chromium
	@echo "=== pytest on SQLite (database cache) ==="
	scripts/with-redis $(VENV)/bin/pytest $(PYTEST_ARGS)

test-postgres: install chromium
	@echo "=== pytest on PostgreSQL (Redis cache) ==="
	scripts/with-postgres scripts/with-redis --as-cache $(VENV)/bin/pytest $(PYTEST_ARGS)

# Bounded load on gunicorn (2 workers) and a throwaway PostgreSQL: 10 s of concurrent clients;
# fails on any error or lost count (bench-results/load.md). `make bench` runs it for 60 s.
load-smoke: install
	scripts/with-postgres scripts/with-redis --as-cache $(PY) bench/load.py --seconds 10

# Schemathesis' own runner against a live server (conformance and negative-data checks);
# not yet part of `make test`: see README, "How we test".
fuzz-live: install
	PY=$(PY) scripts/schemathesis-live

test: lint typecheck migrations-check schema test-sqlite test-postgres load-smoke

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
