# The two commands: `make run` (the product, with demo data) and `make test` (lint + suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install translations setup run dev test lint format bench-api bench-matching bench-pages clean

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
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0
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

# As `make run`, with Django's auto-reloading development server in place of gunicorn.
dev: setup
	PATH="$(CURDIR)/$(BIN):$$PATH" HOST=$(HOST) PORT=$(PORT) $(BIN)/honcho start -f Procfile.dev

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The suite in TEST_PROCESSES parallel processes (pytest-xdist; one test module per process at a
# time, so module fixtures are built once). TEST_PROCESSES=0 runs it in this process.
TEST_PROCESSES ?= 2
test: lint translations
	$(BIN)/python -m pytest -n $(TEST_PROCESSES) --dist loadfile

# A benchmark, not a test (see devtools/management/commands/bench_api.py): loads a large
# generated data set into the configured database (once), starts gunicorn, and measures the
# engagements and organizations lists, and one engagement's GET and PATCH, under 20 concurrent
# clients against a plain-Django floor.
# Meant for PostgreSQL + Redis, e.g.
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench REDIS_URL=redis://127.0.0.1:6379/0 \
#     make bench-api BENCH_ARGS="--organizations 100000 --engagements 1000000"
BENCH_ARGS ?=
bench-api: install
	$(BIN)/python manage.py bench_api $(BENCH_ARGS)

# The main pages on the demo data, server side (devtools/management/commands/bench_pages.py);
# use a scratch database: DATA_DIR=/tmp/pagebench make bench-pages
PAGE_ARGS ?= --rounds 5
bench-pages: translations
	$(BIN)/python manage.py bench_pages $(PAGE_ARGS)

# The matching engine on a synthetic directory (matching/README.md); use a scratch database:
#   DATA_DIR=/tmp/bench make bench-matching MATCH_ARGS="--companies 10000 --institutions 10000"
MATCH_ARGS ?= --companies 1000 --institutions 1000
bench-matching: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py load_reference
	$(BIN)/python manage.py bench_matching $(MATCH_ARGS)

clean:
	rm -rf var/test-db.sqlite3* .pytest_cache .mypy_cache
