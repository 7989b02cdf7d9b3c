# Parley: the two commands are `make demo` and `make test`.
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/parley
DEMO_DB ?= var/demo.sqlite3

.PHONY: demo test lint typecheck test-sqlite test-postgres bench clean

$(STAMP): pyproject.toml
	@PY=$$(scripts/find-python) || exit 1; \
	  [ -x $(BIN)/python ] || $$PY -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	@mkdir -p var
	DATABASE_URL=sqlite:///$(DEMO_DB) $(BIN)/parley demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy parley

test-sqlite: $(STAMP)
	DATABASE_URL= DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest -q

test-postgres: $(STAMP)
	DATABASE_URL=$(PG_URL) DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest -q

test: lint typecheck test-sqlite test-postgres

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var
