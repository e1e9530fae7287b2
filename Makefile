# The one entry point for people and CI. `make run` serves the demo, `make test` checks everything.
# Both find PostgreSQL/Redis (DATABASE_URL/REDIS_URL, else 127.0.0.1, else embedded ones under .data/);
# see docs/running.md.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?= -n 2 --dist loadscope
# Runs a command with DATABASE_URL/REDIS_URL set, starting embedded services when needed.
WITH_SERVICES := $(PY) scripts/devservices.py exec --

.PHONY: help venv run test lint migrate seed services services-stop clean distclean _test-with-services

help:
	@echo "make run      serve the demo on http://127.0.0.1:$${PORT:-8000}/ with a Celery worker and beat"
	@echo "make test     ruff, makemigrations --check and the whole pytest suite (PYTEST_ARGS='-k foo')"
	@echo "make lint     ruff check ."
	@echo "make migrate  apply migrations;  make seed  load the demo data"
	@echo "make venv     create $(VENV) and install the project (again when pyproject.toml changes)"
	@echo "make services / services-stop   start (and print) or stop the embedded services"
	@echo "make clean    stop embedded services, remove .data/ and caches;  make distclean  also $(VENV)"

venv: $(STAMP)

# Reinstall only when pyproject.toml is newer than the stamp. A venv whose python no longer runs
# (moved, or made by another machine's interpreter) is made anew with the first Python >= 3.11 found.
$(STAMP): pyproject.toml
	@if ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then \
	  py=""; \
	  for c in python3.13 python3.12 python3.11 python3; do \
	    if command -v $$c >/dev/null && $$c -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then \
	      py=$$c; break; fi; \
	  done; \
	  if [ -z "$$py" ]; then echo "Python 3.11 or newer is needed (python3.11, python3.12 ...)" >&2; exit 1; fi; \
	  echo "creating $(VENV) with $$($$py --version)"; \
	  rm -rf $(VENV); $$py -m venv $(VENV); \
	fi
	$(PY) -m pip install --disable-pip-version-check -q -e '.[dev,embedded]'
	@touch $(STAMP)

run: $(STAMP)
	$(PY) scripts/run.py

test: lint $(STAMP)
	$(WITH_SERVICES) $(MAKE) --no-print-directory _test-with-services

# Runs inside WITH_SERVICES; pytest's own exit status (5 = no tests collected) fails the target.
_test-with-services:
	DJANGO_SETTINGS_MODULE=coop.settings.test $(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS) -m "not celery_worker"
	# Tests that start real Celery workers run alone afterwards: on 2 cores they are timing-sensitive.
	$(PY) -m pytest -m celery_worker

lint: $(STAMP)
	$(VENV)/bin/ruff check .

migrate: $(STAMP)
	$(WITH_SERVICES) $(PY) manage.py migrate

seed: $(STAMP)
	$(WITH_SERVICES) $(PY) manage.py seed_demo

services: $(STAMP)
	@$(PY) scripts/devservices.py env

services-stop:
	@if [ -x $(PY) ]; then $(PY) scripts/devservices.py stop; fi

clean: services-stop
	rm -rf .data .pytest_cache .ruff_cache test-artifacts
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
