# Svar: `make run` serves the portal with demo content; `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test lint format bench messages migration-reset clean

run: $(VENV)/.installed
	$(BIN)/portal db upgrade
	$(BIN)/portal demo
	$(BIN)/portal serve --host $(HOST) --port $(PORT)

# Two processes each (the CI machine has 2 cores); browser tests run on their own, after the rest.
test: $(VENV)/.installed-test chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n 2 -m "not browser"
	$(BIN)/pytest -n 2 -m browser

lint:
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format:
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

bench: $(VENV)/.installed-test
	$(BIN)/python -m bench

# Re-extract translatable strings and merge them into the sv and nb catalogs.
messages: $(VENV)/.installed
	$(BIN)/python -m portal.i18n.extract

# Before the first release the schema lives in one initial migration, regenerated from the models.
migration-reset: $(VENV)/.installed
	rm -f portal/db/migrations/versions/*.py /tmp/svar-migration.sqlite3
	$(BIN)/python -c "from portal.db.migrate import revision; revision('sqlite:////tmp/svar-migration.sqlite3', 'initial schema')"

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV) || { \
	  echo "python3 -m venv failed; installing Debian's python3-venv"; \
	  apt-get update -qq && apt-get install -y -qq python3-venv && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: $(VENV)/bin/python pyproject.toml
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install -q -e '.[test,redis]'
	touch $@

# Browser tests drive Debian's Chromium; Playwright's own browser downloads are never used.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

clean:
	rm -rf $(VENV) var .pytest_cache
