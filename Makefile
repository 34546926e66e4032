# Two commands: `make run` (the product, embedded defaults) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-postgres lint schema web bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

web/dist/index.html: $(shell find web -path web/node_modules -prune -o -path web/dist -prune -o -type f -print 2>/dev/null) schema.graphql
	@if [ -f web/package.json ]; then cd web && npm ci --no-audit --no-fund && npm run build; fi

web: web/dist/index.html

run: $(STAMP) web
	$(BIN)/helpdesk run

test: $(STAMP) web
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-postgres: $(STAMP) web
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check app tests bench
	$(BIN)/ruff format --check app tests bench
	$(BIN)/mypy app
	$(BIN)/lint-imports

# The product against the bare stack (needs wrk); see the README's Benchmarks.
bench: $(STAMP)
	$(BIN)/python bench/bench_ceiling.py $(BENCH_ARGS)

schema: $(STAMP)
	$(BIN)/strawberry export-schema app.api:schema --output schema.graphql

clean:
	rm -rf $(VENV) web/node_modules web/dist
