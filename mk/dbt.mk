# dbt environment and the proof that dbt and the fast runner build the same warehouse. Included by
# the Makefile (`-include mk/*.mk`); uses its VENV/BIN/STAMP. dbt pins many libraries, so it lives
# in its own venv with the project installed without dependencies, pinned by constraints/dbt.txt.
DBT_VENV := .venv-dbt
DBT_BIN := $(DBT_VENV)/bin
DBT_STAMP := $(DBT_VENV)/.installed
DBT_PYTHON ?= python3.11
DBT_CONSTRAINTS := constraints/dbt.txt

.PHONY: dbt-venv dbt-check dbt-constraints

$(DBT_STAMP): $(DBT_CONSTRAINTS) pyproject.toml | $(STAMP)
	$(BIN)/uv venv -q --allow-existing --python $(DBT_PYTHON) $(DBT_VENV)
	$(BIN)/uv pip sync -q --compile-bytecode --python $(DBT_BIN)/python $(DBT_CONSTRAINTS)
	$(BIN)/uv pip install -q --python $(DBT_BIN)/python --no-deps -e .
	@touch $@

dbt-venv: $(DBT_STAMP) ## Build .venv-dbt (dbt-core + dbt-duckdb + dbt-postgres, pinned by constraints/)

dbt-check: $(DBT_STAMP) system-deps ## dbt builds the warehouse project: same tables as the runner, tests pass
	DO_NOT_TRACK=1 $(DBT_BIN)/python scripts/dbt_check.py

dbt-constraints: $(STAMP) ## Re-resolve constraints/dbt.txt (dbt + runtime deps; needs PyPI)
	$(BIN)/uv pip compile -q --python-version 3.11 --python-platform x86_64-unknown-linux-gnu \
	  --custom-compile-command "make dbt-constraints" \
	  pyproject.toml constraints/dbt.in -o $(DBT_CONSTRAINTS)

# `make test` proves the project with dbt itself.
test: dbt-check
# `make bench` sets a dbt build of a daily batch beside the runner's.
bench: $(DBT_STAMP)
