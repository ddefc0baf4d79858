# Everything CI runs is a target here. `make demo` and `make test` build .venv themselves.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.DEFAULT_GOAL := help

# Fragments: Airflow environment and checks, operations tooling.
-include mk/*.mk

.PHONY: help venv system-deps demo test check lint types pytest bench fmt clean

help: ## Show the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk -F':.*?## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync -q --compile-bytecode --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	@touch $@

venv: $(STAMP) ## Build or refresh .venv from the lock file

system-deps: ## Install the Debian packages the tests need (PostgreSQL server, promtool)
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
	  { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq postgresql >/dev/null; }

demo: $(STAMP) ## Run the main jobs offline on embedded defaults
	$(BIN)/python scripts/demo.py

check: lint types ## Lint and type-check

lint: $(STAMP) ## ruff lint + format check
	$(BIN)/ruff check src tests bench dags scripts
	$(BIN)/ruff format --check src tests bench dags scripts

types: $(STAMP) ## mypy --strict on the package
	$(BIN)/mypy

pytest: $(STAMP) system-deps ## The whole pytest suite
	$(BIN)/pytest -q -p no:cacheprovider

test: check pytest ## Lint, types and every test

bench: $(STAMP) ## Benchmarks: results in bench/results/ (JSON + markdown); BENCH="warehouse lake" picks suites
	$(BIN)/python -m bench.run $(BENCH)

fmt: $(STAMP) ## Format and auto-fix
	$(BIN)/ruff format src tests bench dags scripts
	$(BIN)/ruff check --fix src tests bench dags scripts

clean: ## Remove the virtual environment and caches
	rm -rf $(VENV) .venv-airflow .venv-dbt .venv-bitsopy .mypy_cache .ruff_cache .pytest_cache demo-lake demo-work
