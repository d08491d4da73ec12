# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test install bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## Create the virtual environment, migrate, load demo content, serve on 127.0.0.1:8000 (SQLite).
run: $(STAMP)
	$(BIN)/forum serve --demo --host 127.0.0.1 --port 8000

## Install what the tests need and run them all (SQLite, PostgreSQL, headless Chromium).
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Run the benchmarks and print their figures (see bench/README.md).
bench: $(STAMP)
	$(BIN)/python bench/pages.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
