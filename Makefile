# 达人任务市场 — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/mk_bench
BENCH_MONTH ?= 2026-10

.DEFAULT_GOAL := help

.PHONY: help install run test lint format messages migrate clean bench-agencies

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

bench-agencies: install ## Issue 7: time score_agencies on 10k agencies/2M sessions (PostgreSQL)
	createdb -h 127.0.0.1 -U postgres $(notdir $(BENCH_DATABASE_URL)) || true
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) manage.py migrate --noinput
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) -m bench.agencies generate --agencies 10000 \
	  --creators 200000 --sessions 2000000 --month $(BENCH_MONTH)
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) -m bench.agencies run --month $(BENCH_MONTH) --write-docs

clean: ## Remove the virtualenv and local data (var/)
	rm -rf $(VENV) var
