# The two commands: `make run` (the product, with demo data) and `make test` (lint + suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install translations setup run test lint format bench-api bench-matching clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

# The Japanese catalogue is compiled with polib (pure Python): no gettext install needed.
translations: install
	$(BIN)/python manage.py compile_translations

setup: translations
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py load_reference
	$(BIN)/python manage.py load_demo

# Web app, Celery worker and Celery beat in the foreground; Ctrl-C stops all three. On Ctrl-C
# honcho sends SIGTERM to each process group and SIGKILLs whatever is left 5 s later, so the
# Procfile's worker runs a thread pool (prefork children would get the SIGTERM too, and that can
# wedge the worker's shutdown) and stops cleanly within about 2 s. `manage.py check_worker` tells
# whether a worker answers.
run: setup
	@echo "Open http://$(HOST):$(PORT)/ (logins above). Ctrl-C stops web, worker and beat."
	PATH="$(CURDIR)/$(BIN):$$PATH" HOST=$(HOST) PORT=$(PORT) $(BIN)/honcho start -f Procfile

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint translations
	$(BIN)/python -m pytest

clean:
	rm -rf var/test-db.sqlite3* .pytest_cache
