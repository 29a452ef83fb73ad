# 达人任务市场 — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.DEFAULT_GOAL := help

.PHONY: help install run test lint format messages migrate clean

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $@

install: $(STAMP) ## Create the virtualenv and install everything

run: install ## Migrate, load demo data, start web + worker + beat (SQLite, no servers needed)
	@bash scripts/run.sh

test: install lint ## Lint, then the whole suite (uses local PostgreSQL/Redis when they answer)
	@eval "$$($(PY) scripts/services.py)"; \
	  echo "database: $${DATABASE_URL:-sqlite (start PostgreSQL for the full suite)}; broker: $${REDIS_URL:-none (start Redis for the worker tests)}"; \
	  $(PY) -m pytest $(PYTEST_ARGS)

lint: install ## ruff check and ruff format --check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install ## Apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: install ## Extract strings into locale/ and compile the .mo files
	$(PY) manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=var --no-obsolete
	$(PY) manage.py compilemessages --ignore=.venv

migrate: install ## Apply migrations to the configured database
	$(PY) manage.py migrate

clean: ## Remove the virtualenv and local data (var/)
	rm -rf $(VENV) var
