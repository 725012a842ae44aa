# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export AGENCY_PORT ?= 8000

.PHONY: run test lint fmt migrate demo bench install clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "agency needs Python 3.11 or newer"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Serve the demo on http://127.0.0.1:$(AGENCY_PORT) (SQLite, in-process jobs).
# Plain http on localhost: cookies cannot be Secure there (deployments keep the default).
run: export AGENCY_SECURE_COOKIES ?= false
run: $(STAMP)
	$(BIN)/agency migrate
	$(BIN)/agency demo
	$(BIN)/agency serve --port $(AGENCY_PORT)

## The whole suite: SQLite always; PostgreSQL/Redis too when AGENCY_TEST_* are set.
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrate: $(STAMP)
	$(BIN)/agency migrate

demo: $(STAMP)
	$(BIN)/agency demo

bench: $(STAMP)
	@ls bench/*.py >/dev/null 2>&1 && for script in bench/*.py; do $(BIN)/python $$script --quick || exit 1; done \
		|| echo "no benchmarks yet"

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
