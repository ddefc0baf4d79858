# Airflow environment and checks, operations tooling. Included by the Makefile (`-include mk/*.mk`);
# uses its VENV/BIN/STAMP/SUDO. Airflow lives in its own venv (it pins many libraries) with the
# project installed into it without dependencies, everything pinned by constraints/airflow.txt.
AIRFLOW_VENV := .venv-airflow
AIRFLOW_BIN := $(AIRFLOW_VENV)/bin
AIRFLOW_STAMP := $(AIRFLOW_VENV)/.installed
AIRFLOW_PYTHON ?= python3.11
AIRFLOW_CONSTRAINTS := constraints/airflow.txt
PROM_RULES := deploy/prometheus/bitsodata-rules.yml

.PHONY: airflow-venv airflow-check airflow-constraints promtool-check system-deps-ops

$(AIRFLOW_STAMP): $(AIRFLOW_CONSTRAINTS) pyproject.toml | $(STAMP)
	$(BIN)/uv venv -q --allow-existing --python $(AIRFLOW_PYTHON) $(AIRFLOW_VENV)
	$(BIN)/uv pip sync -q --compile-bytecode --python $(AIRFLOW_BIN)/python $(AIRFLOW_CONSTRAINTS)
	$(BIN)/uv pip install -q --python $(AIRFLOW_BIN)/python --no-deps -e .
	@touch $@

airflow-venv: $(AIRFLOW_STAMP) ## Build .venv-airflow (Airflow 3 + bitsodata, pinned by constraints/)

airflow-check: $(AIRFLOW_STAMP) ## Import every DAG and run each end to end with `airflow dags test`
	$(AIRFLOW_BIN)/python scripts/airflow_check.py

airflow-constraints: $(STAMP) ## Re-resolve constraints/airflow.txt (Airflow + runtime deps; needs PyPI)
	$(BIN)/uv pip compile -q --python-version 3.11 --python-platform x86_64-unknown-linux-gnu \
	  --custom-compile-command "make airflow-constraints" \
	  pyproject.toml constraints/airflow.in -o $(AIRFLOW_CONSTRAINTS)

system-deps-ops: ## Install promtool (Debian package prometheus) when missing
	@command -v promtool >/dev/null 2>&1 || \
	  { $(SUDO) apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends prometheus >/dev/null; }

promtool-check: system-deps-ops ## Validate and unit-test the Prometheus rules with promtool
	promtool check rules $(PROM_RULES)
	cd $(dir $(PROM_RULES)) && promtool test rules bitsodata-rules.test.yml

# Hooks into the main targets: the tests need promtool, and `make test` runs the DAGs for real.
system-deps: system-deps-ops
test: airflow-check
