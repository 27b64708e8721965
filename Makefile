# Atlas ERP: `make run` serves the demo, `make test` runs every check.
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
LINT_PATHS := src tests $(wildcard bench)

.PHONY: run test bench bench-quick bench-search fuzz soak faults lint typecheck install install-dev browser pango clean

$(BIN)/python:
	@scripts/ensure-venv.sh $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	@scripts/ensure-pango.sh
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install pango
	$(BIN)/atlas-erp serve --demo

lint: install-dev
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)

typecheck: install-dev
	$(BIN)/mypy --strict src

# Debian's Chromium for the browser tests (tests/e2e), installed when missing and allowed.
browser:
	@scripts/ensure-browser.sh

# Debian's Pango for WeasyPrint (invoice PDFs), installed when missing and allowed.
pango:
	@scripts/ensure-pango.sh

test: lint typecheck browser pango
	$(BIN)/python -m pytest -n 2 --durations=30 $(PYTEST_ARGS)

bench: install-dev
	$(BIN)/python -m bench

bench-quick: install-dev
	$(BIN)/python -m bench --quick

# The API fuzzed far longer than in `make test` (tests/security/test_fuzz.py).
fuzz: install-dev
	ATLAS_FUZZ_EXAMPLES=$${ATLAS_FUZZ_EXAMPLES:-300} $(BIN)/python -m pytest -q -p no:randomly tests/security/test_fuzz.py

# Many workspaces under concurrent load, checked for leaks and lost writes (bench/soak.py).
soak: install-dev
	$(BIN)/python -m bench.soak

# PostgreSQL stopped and killed under load; the service must fail fast and recover (bench/faults.py).
faults: install-dev
	$(BIN)/python -m bench.faults

# The global search's plans and times as the app role, with and without the DBA's opt-in (bench/search.py).
bench-search: install-dev
	$(BIN)/python -m bench.search --leakproof

# Stops the embedded servers (run, tests, bench) before removing their data.
clean:
	-[ -x $(BIN)/python ] && $(BIN)/python -c 'from pathlib import Path; from atlas.db.embedded import EmbeddedPostgres; [EmbeddedPostgres(p.parent, 1).stop() for p in Path(".atlas").glob("*/pgdata")]'
	rm -rf $(VENV) .atlas .pytest_cache .mypy_cache .ruff_cache
