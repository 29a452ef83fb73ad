# 达人任务市场 — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/mk_bench
BENCH_MONTH ?= 2026-10
# I6 at scale (make bench-incentives): its own database, dropped and created on each run.
BENCH_INC_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/mk_bench_inc
# Issue 10 (B1–B4): a dedicated database and the data set's scale (BENCH_SCALE=0.1: a tenth of
# everything, the sweeper's backlogs too; BENCH_B3_SIZES=10000,100000 sets those alone).
BENCH10_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/mk_bench10
BENCH_SCALE ?= 1
BENCH_RUN_ID := $(shell date +%Y%m%dT%H%M%S)
BENCH10 = BENCH10_DATABASE_URL=$(BENCH10_DATABASE_URL) DATABASE_URL=$(BENCH10_DATABASE_URL) \
  BENCH_SCALE=$(BENCH_SCALE) BENCH_RUN_ID=$(BENCH_RUN_ID)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.DEFAULT_GOAL := help

.PHONY: help install run test lint format messages migrate clean bench-agencies bench bench-tools

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

lint: install ## ruff check, ruff format --check and the import contracts (lint-imports)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	PYTHONPATH=. $(VENV)/bin/lint-imports

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

.PHONY: bench-incentives
bench-incentives: install ## I6: time growth_evaluate on 100k accounts/2M 视频号 lives vs hand SQL (PostgreSQL)
	@case "$(notdir $(BENCH_INC_DATABASE_URL))" in *bench*) ;; \
	  *) echo "refusing to drop $(notdir $(BENCH_INC_DATABASE_URL)): not a …bench… database"; exit 1;; esac
	dropdb -h 127.0.0.1 -U postgres --if-exists $(notdir $(BENCH_INC_DATABASE_URL))
	createdb -h 127.0.0.1 -U postgres $(notdir $(BENCH_INC_DATABASE_URL))
	DATABASE_URL=$(BENCH_INC_DATABASE_URL) $(PY) manage.py migrate --noinput
	DATABASE_URL=$(BENCH_INC_DATABASE_URL) $(PY) -m bench.incentives generate --accounts 100000 \
	  --sessions 2000000 --month $(BENCH_MONTH)
	DATABASE_URL=$(BENCH_INC_DATABASE_URL) $(PY) -m bench.incentives run --month $(BENCH_MONTH) --write-docs

bench-tools: ## Install wrk and pgbench (Debian 12: pgbench ships in postgresql-15) if missing
	@command -v wrk >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq wrk; }
	@command -v pgbench >/dev/null || ls /usr/lib/postgresql/*/bin/pgbench >/dev/null 2>&1 || \
	  { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq postgresql-contrib; }

bench: install bench-tools ## Issue 10: B1–B4 on 1M tasks (BENCH_SCALE to shrink); writes docs/performance.md
	@case "$(notdir $(BENCH10_DATABASE_URL))" in mk_bench10*) ;; \
	  *) echo "refusing to drop $(notdir $(BENCH10_DATABASE_URL)): not a mk_bench10… database"; exit 1;; esac
	dropdb -h 127.0.0.1 -U postgres --if-exists $(notdir $(BENCH10_DATABASE_URL))
	createdb -h 127.0.0.1 -U postgres $(notdir $(BENCH10_DATABASE_URL))
	$(BENCH10) $(PY) manage.py migrate --noinput
	$(BENCH10) $(PY) -m bench.generate
	$(BENCH10) $(PY) -m bench.plaza
	$(BENCH10) $(PY) -m bench.http
	$(BENCH10) $(PY) -m bench.settlement
	$(BENCH10) $(PY) -m bench.sweeper
	$(BENCH10) $(PY) -m bench.common --write-docs

clean: ## Remove the virtualenv and local data (var/)
	rm -rf $(VENV) var
