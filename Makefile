# The two commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint lint-imports typecheck unit bench clean messages

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# `make demo PORT=5001 SANDBOX_PORT=5051` for other ports (a taken one stops it before it
# starts), `VERBOSE=1` to log every HTTP request too.
PORT ?= 5000
SANDBOX_PORT ?= 5050
demo: $(STAMP)
	$(BIN)/hotline demo --port $(PORT) --sandbox-port $(SANDBOX_PORT) $(if $(VERBOSE),--verbose)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The architecture contracts (layers, pure modules) of pyproject.toml's [tool.importlinter].
lint-imports: $(STAMP)
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck lint-imports
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python bench/webhooks.py
	$(BIN)/python bench/webhooks_floor.py --seconds 10 --rounds 3 $(if $(BENCH_DATABASE_URL),--database-url $(BENCH_DATABASE_URL))
	$(BIN)/python bench/ring_latency.py

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache .import_linter_cache

# The console's texts: extract them and merge into the English catalog (then translate it).
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k gettext -k N_ -k ngettext:1,2 -k lazy_gettext -k lazy_ngettext:1,2 --no-location -w 100 -o hotline/translations/messages.pot .
	$(BIN)/pybabel update -i hotline/translations/messages.pot -d hotline/translations -l en --no-fuzzy-matching -w 100
