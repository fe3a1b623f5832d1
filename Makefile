# 共建 Gongjian — the commands a person types. `make run` and `make test` need nothing installed by hand
# beyond Python 3.11, Node.js 20 and (for browser tests) Debian's package manager.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 1
DEMO ?= 1
export PORT WORKERS

.PHONY: install run dev test test-serial lane-sqlite lane-postgresql lane-frontend test-tools test-backend test-sqlite test-postgresql test-frontend lint openapi openapi-check migrate bench bench-wire attack-memory spa clean

install: $(VENV)/.installed frontend/node_modules/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

# The SPA is optional until frontend/package.json exists.
frontend/node_modules/.installed: $(wildcard frontend/package.json frontend/package-lock.json frontend/miniapp/package.json)
	@if [ -f frontend/package.json ]; then cd frontend && npm ci --no-audit --no-fund && touch node_modules/.installed; fi

# The administrators' SPA (served at /) and the members' app's mobile web build (served at /m/).
spa: install
	@if [ -f frontend/package.json ]; then cd frontend && npm run build && npm run build:miniapp; fi

migrate: $(VENV)/.installed
	$(BIN)/gongjian migrate

# Installs, migrates, loads reference data (and the demo community on a new database, unless
# DEMO=0), creates the first admin if none exists, builds the SPA and the members' mobile web app,
# and serves all of it on $(PORT) (the mobile web app at /m/).
run: install spa migrate
	$(BIN)/gongjian load-reference
	@if [ "$(DEMO)" != "0" ]; then $(BIN)/gongjian load-demo; else echo "DEMO=0: demo community skipped"; fi
	$(BIN)/gongjian ensure-admin
	$(BIN)/gongjian serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

# API with auto-reload, and Vite's dev server proxying /api to it.
dev: install migrate
	$(BIN)/gongjian ensure-admin
	@if [ -f frontend/package.json ]; then (cd frontend && npm run dev &) ; fi
	$(BIN)/uvicorn gongjian.app:app --reload --reload-dir backend --host $(HOST) --port $(PORT)

lint: $(VENV)/.installed
	$(BIN)/ruff check backend tests bench
	$(BIN)/ruff format --check backend tests bench
	$(BIN)/mypy

# Regenerates openapi.yaml (and the SPA's TypeScript types once there is a frontend).
openapi: $(VENV)/.installed
	$(BIN)/gongjian openapi
	@if [ -f frontend/package.json ]; then cd frontend && npm run --silent openapi; fi

# Everything CI runs (.ci/run), in lanes side by side on a 2-core machine: pip and npm install at
# once, then lint + pytest on SQLite | pytest on PostgreSQL | the front-end's npm test (its browser
# tests mostly wait). Each lane's output is printed whole when the lane ends (make -O), so a failure
# reads as it would alone; make exits non-zero naming the lane. `make test-serial` runs them in turn.
TEST_LANES ?= 3
test: test-tools
	@$(MAKE) --no-print-directory -j2 -Orecurse install
	@echo "== lanes (output of each when it ends): lint + SQLite | PostgreSQL | front-end"
	@$(MAKE) --no-print-directory -j$(TEST_LANES) -Orecurse lane-sqlite lane-postgresql lane-frontend

test-serial: install test-tools lint test-backend test-frontend

lane-sqlite: $(VENV)/.installed
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory test-sqlite

lane-postgresql: $(VENV)/.installed
	@$(MAKE) --no-print-directory test-postgresql

lane-frontend: install
	@$(MAKE) --no-print-directory test-frontend

# System tools some tests use (pdftotext to read back the Chinese in generated PDFs), from Debian's
# archive when missing. The browser tests install Chromium themselves the same way.
test-tools:
	@command -v pdftotext >/dev/null 2>&1 || { echo "installing poppler-utils"; \
	  (apt-get update -qq && apt-get install -y -qq poppler-utils) >/dev/null 2>&1 || echo "poppler-utils not installed: PDF text checks will be skipped"; }

# pytest on SQLite, then the same suite on PostgreSQL when TEST_DATABASE_URL is set; two workers
# (pytest-xdist), each with its own database (tests/conftest.py). PYTEST_WORKERS=0 runs serially;
# PYTEST_ARGS narrows a run (`make test-sqlite PYTEST_ARGS=tests/stats`).
PYTEST_WORKERS ?= 2
PYTEST_ARGS ?=
test-backend: test-sqlite test-postgresql

test-sqlite: $(VENV)/.installed
	@echo "== pytest on SQLite"
	env -u TEST_DATABASE_URL $(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

test-postgresql: $(VENV)/.installed
	@if [ -n "$$TEST_DATABASE_URL" ]; then echo "== the same suite on PostgreSQL"; $(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS); \
	else echo "TEST_DATABASE_URL not set: PostgreSQL run skipped"; fi

test-frontend: install
	@if [ -f frontend/package.json ]; then cd frontend && npm test; fi

# The benchmark (README, "Performance"); BENCH_ROUNDS, BENCH_DURATION, BENCH_LISTS=organizations,…,
# BENCH_BASELINE=<another checkout>/backend (compared round by round), BENCH_DATABASE_URL.
bench: install
	$(BIN)/python bench/run.py

# Bytes on the wire for the SPA's and the mobile web app's first screen at phone width, cold and
# returning (frontend/scripts/wire-bytes.mjs; Chromium, the built front ends, gongjian serve).
bench-wire: spa
	cd frontend && node scripts/wire-bytes.mjs

# Peak memory of a server under the hardening issue's two memory attacks (bench/attack_memory.py);
# ATTACK_BACKEND=<another checkout>/backend measures that code instead.
attack-memory: install
	$(BIN)/python bench/attack_memory.py $(ATTACK_BACKEND)

clean:
	rm -rf $(VENV) frontend/node_modules frontend/dist frontend/miniapp/node_modules frontend/miniapp/dist var
