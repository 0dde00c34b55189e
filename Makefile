# Two commands for a fresh machine (Python 3.11, nothing installed):
#   make run   — set up .venv, simulate the default county into data/01_raw if it is empty,
#                run the default pipeline
#   make test  — set up .venv (and headless Chromium) and run the test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9

# Telemetry off everywhere kedro or mlflow runs (kedro-telemetry and MLflow are separate).
export KEDRO_DISABLE_TELEMETRY := 1
export DO_NOT_TRACK := true
export MLFLOW_DISABLE_TELEMETRY := true
export KEDRO_LOGGING_CONFIG := conf/logging.yml

.PHONY: purge-personal-data install browser java run simulate simulate-counties province province-spark simulate-if-empty test test-fast lint benchmark benchmark-scale benchmark-counties mlflow-ui clean-data

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Re-installs whenever the lock or the project metadata changes.
$(VENV)/.installed: requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q "uv==$(UV_VERSION)"
	$(BIN)/uv pip install --python $(BIN)/python --compile-bytecode -q -r requirements.lock
	$(BIN)/uv pip install --python $(BIN)/python --compile-bytecode -q --no-deps -e .
	touch $@

install: $(VENV)/.installed conf/local/credentials.yml

# Headless Chromium and a CJK font, for the tests that open the HTML reports (Debian packages;
# root or sudo). Playwright drives this browser: it downloads none of its own.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list :lang=zh 2>/dev/null | grep -q .; then \
		echo "installing Debian chromium and fonts-wqy-zenhei"; \
		$(SUDO) apt-get update -q && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-wqy-zenhei; \
	fi

# Java 17 for Spark (the `spark` environment and its equality test), from Debian where missing.
java:
	@if ! command -v java >/dev/null 2>&1; then \
		echo "installing Debian openjdk-17-jre-headless (Spark)"; \
		$(SUDO) apt-get update -q && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q openjdk-17-jre-headless; \
	fi

# Where the data layers live, and the world simulated when the raw folder is empty.
DATA_DIR ?= data
SCALE ?= county

simulate: install
	$(BIN)/kedro run --pipelines=simulation --params "data_dir=$(DATA_DIR),simulation.scale=$(SCALE)"

# A province county by county (simulation.county_number), one process per county so memory
# stays that of one county: counties 1…N of the province layout (42), each into its own data
# folder $(PROVINCE_DIR)/county_<k> (01_raw as a county's exports; a folder that holds files
# is left as it is). County 1 is the default county.
PROVINCE_DIR ?= data/province
N ?= 42
simulate-counties: install
	@for k in $$(seq 1 $(N)); do \
		dir=$(PROVINCE_DIR)/county_$$(printf %02d $$k); mkdir -p $$dir/01_raw; \
		if [ -n "$$(find $$dir/01_raw -mindepth 1 -print -quit)" ]; then \
			echo "$$dir/01_raw holds files: simulating nothing there"; continue; fi; \
		$(BIN)/kedro run --pipelines=simulation \
			--params "data_dir=$$dir,simulation.county_number=$$k" || exit 1; \
	done

# The province end to end, county by county: each county cleaned and featured in its own
# process, the province's models and village products over every county (conf/province),
# then each county's lists with the province's models and village products.
PROVINCE_PRODUCTS = $(PROVINCE_DIR)/07_model_output/village_product_recommendations.csv
province: simulate-counties conf/local/credentials.yml
	@for dir in $(PROVINCE_DIR)/county_*; do \
		$(BIN)/kedro run --params "data_dir=$$dir" || exit 1; done
	$(BIN)/kedro run --env=province --pipelines=exit_model --params "data_dir=$(PROVINCE_DIR)"
	$(BIN)/kedro run --env=province --pipelines=monitoring_risk --params "data_dir=$(PROVINCE_DIR)"
	$(BIN)/kedro run --env=province --pipelines=product_recommendation --params "data_dir=$(PROVINCE_DIR)"
	@for dir in $(PROVINCE_DIR)/county_*; do \
		$(BIN)/kedro run --pipelines=household_ranking --params \
			"data_dir=$$dir,exit_model_name=poverty_exit_province,village_products_file=$(PROVINCE_PRODUCTS)" && \
		$(BIN)/kedro run --pipelines=monitoring_lists \
			--params "data_dir=$$dir,monitoring_model_name=monitoring_risk_province" || exit 1; \
	done
	$(BIN)/kedro run --env=province --pipelines=province_summary --params "data_dir=$(PROVINCE_DIR)"

# The same province with Spark (conf/spark, local[2] here; see README for a cluster): every
# county's cleaning and features as one Spark task each, the province's exit model on one
# machine, then its scores over every county through mlflow.pyfunc.spark_udf.
province-spark: simulate-counties java conf/local/credentials.yml
	$(BIN)/kedro run --env=spark --pipelines=spark_counties --params "data_dir=$(PROVINCE_DIR)"
	$(BIN)/kedro run --env=province --pipelines=exit_model --params "data_dir=$(PROVINCE_DIR)"
	$(BIN)/kedro run --env=spark --pipelines=spark_scores \
		--params "data_dir=$(PROVINCE_DIR),exit_model_name=poverty_exit_province"

# A random local key for household pseudonyms, created once (conf/local is git-ignored).
conf/local/credentials.yml:
	@mkdir -p conf/local
	@$(BIN)/python -c "import secrets; print('pseudonym_secret:\n  key: ' + secrets.token_hex(32))" > $@
	@chmod 600 $@
	@echo "created $@ with a random pseudonym key: keep it to join outputs back to households"

# Real exports are never overwritten: the simulator runs only into an empty raw folder.
simulate-if-empty: install
	@if [ -z "$$(find $(DATA_DIR)/01_raw -mindepth 1 ! -name .gitkeep -print -quit 2>/dev/null)" ]; then \
		echo "$(DATA_DIR)/01_raw is empty: simulating the $(SCALE) world"; \
		$(BIN)/kedro run --pipelines=simulation --params "data_dir=$(DATA_DIR),simulation.scale=$(SCALE)"; \
	else \
		echo "$(DATA_DIR)/01_raw holds files: using them, simulating nothing"; \
	fi

run: simulate-if-empty
	$(BIN)/kedro run --params "data_dir=$(DATA_DIR)"
	$(BIN)/kedro run --pipelines=exit_model --params "data_dir=$(DATA_DIR)"
	$(BIN)/kedro run --pipelines=monitoring_risk --params "data_dir=$(DATA_DIR)"
	$(BIN)/kedro run --pipelines=product_recommendation --params "data_dir=$(DATA_DIR)"
	$(BIN)/kedro run --pipelines=measure_effects --params "data_dir=$(DATA_DIR)"
	$(BIN)/kedro run --pipelines=household_ranking --params "data_dir=$(DATA_DIR)"
	$(BIN)/kedro run --pipelines=monitoring_lists --params "data_dir=$(DATA_DIR)"
	$(BIN)/kedro run --pipelines=monitoring_visits_model --params "data_dir=$(DATA_DIR)"
	$(BIN)/kedro run --pipelines=monitoring_visits --params "data_dir=$(DATA_DIR)"

test: install browser java
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/python -m pytest

# The edit loop: everything but the tests marked slow (whole simulated county, Kedro CLI,
# MLflow subprocesses, headless Chromium).
test-fast: install
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/python -m pytest -m "not slow"

lint: install
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/ruff format --check src tests benchmarks examples

benchmark: install
	$(BIN)/python benchmarks/run.py

# How time and memory grow with the world: COUNTIES="1 2 4 8" worlds, every step of make run.
COUNTIES ?= 1 2 4
benchmark-scale: install
	$(BIN)/python benchmarks/scale.py --counties $(COUNTIES)

# The same for provinces made and processed county by county (#16): COUNTIES="1 3 12".
benchmark-counties: install
	$(BIN)/python benchmarks/scale.py --county-by-county --counties $(COUNTIES)

# Personal data past cleaning.personal_data.retention_years (README "Personal data").
purge-personal-data: install
	$(BIN)/python -m ecpa_pipeline.purge --data-dir $(DATA_DIR)

mlflow-ui: install
	$(BIN)/mlflow ui --backend-store-uri sqlite:///$(CURDIR)/mlflow.db --host 127.0.0.1 --port 5000

clean-data:
	find data -mindepth 2 ! -name .gitkeep -delete
