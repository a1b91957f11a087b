# Sangam — the two contract commands are `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# The demo's own Shopify app secret (the sandbox app signs with it, the hub verifies with it);
# production sets SHOPIFY_API_SECRET itself (DEBUG=False refuses to start without it).
export SHOPIFY_API_SECRET ?= sangam-demo-app-secret

.PHONY: install install-dev demo serve test lint migrate bench worker beat clean browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/python manage.py migrate --noinput

## The main job: a working hub on the embedded defaults (SQLite, eager tasks), connected to the sandbox.
demo: migrate
	$(BIN)/python manage.py demo
	@echo "Serving the dashboard at http://$(HOST):$(PORT)  (login: demo / demo)"
	$(BIN)/python manage.py runserver $(HOST):$(PORT) --noreload

serve: migrate
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## Debian's Chromium for the browser tests (tests/browser); Playwright drives it, since a
## browser download is not possible. Installed with apt (root or sudo) when missing. Where it
## cannot be installed the browser tests are skipped, except under CI=true, where it fails.
CHROMIUM ?= /usr/bin/chromium
browser:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO="sudo -n"; fi; \
	  { DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium >/dev/null 2>&1 \
	    || { $$SUDO apt-get update -q >/dev/null 2>&1 && \
	         DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium >/dev/null; }; } \
	  || { if [ -n "$$CI" ]; then echo "make browser: could not install chromium" >&2; exit 1; fi; \
	       echo "make browser: chromium not installed (no root or sudo): browser tests skip" >&2; }; }

## Lint and run the whole test suite.
test: install-dev browser
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/pytest

lint: install-dev
	$(BIN)/ruff check .

worker: install
	$(BIN)/celery -A config worker --loglevel=INFO

beat: install
	$(BIN)/celery -A config beat --loglevel=INFO

bench: install-dev
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/webhooks.py

clean:
	rm -rf $(VENV) var/*.sqlite3* var/sandbox
