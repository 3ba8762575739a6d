# Corridor: two commands do everything on a fresh clone.
#   make run    create .venv, install, build warehouse/corridor.duckdb from raw/
#   make test   run the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-bench test-spark bench install browser postgres duckdb1 dagster check docs rollback clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m orchestration.lib.report.vega  # cache the report's Vega JavaScript (a few seconds, once)
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/corridor build

check: $(STAMP)
	$(BIN)/corridor check

test: $(STAMP) browser postgres duckdb1
	$(BIN)/python -m pytest

# the benchmark suite, tests/benchmarks/ (not part of make test; the full scale takes about 15 minutes):
#   make bench BENCH_ARGS="--reporters 20 --comtrade-rows 100000"
bench: $(STAMP)
	$(BIN)/python -m tests.benchmarks.run $(BENCH_ARGS)

test-bench: $(STAMP)
	$(BIN)/python -m pytest -m bench tests/test_bench.py

# the marts built on a local Apache Spark equal the DuckDB build (not part of make test):
# installs the spark extra (pyspark, dbt-spark; ~450 MB) and Debian's Java 17 if java is missing
test-spark: $(STAMP)
	@command -v java >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; }
	$(BIN)/python -m pip install --quiet -e ".[dev,spark]"
	$(BIN)/python -m pytest -m spark -s tests/test_spark.py

# PostgreSQL server binaries for the production-deployment test (Debian's package; the test starts
# its own throw-away server on 127.0.0.1 and stops it)
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }

# DuckDB 1.x clients in their own environment, for tests/test_compat.py (the published warehouse must
# open in them): the DuckDB CLI 1.5.6 (PyPI duckdb-cli) and the Python package of DuckDB 1.1.3, the
# oldest release that reads the default storage format (CORRIDOR_STORAGE_VERSION=v1.0.0)
DUCKDB1_VENV := .venv-duckdb1
DUCKDB1_PINS := duckdb-cli==1.5.6 duckdb==1.1.3
DUCKDB1      := $(DUCKDB1_VENV)/.installed-$(subst $() ,_,$(DUCKDB1_PINS))

$(DUCKDB1):
	@test -x $(DUCKDB1_VENV)/bin/python || $(PYTHON) -m venv $(DUCKDB1_VENV)
	$(DUCKDB1_VENV)/bin/python -m pip install --quiet $(DUCKDB1_PINS)
	@rm -f $(DUCKDB1_VENV)/.installed-* && touch $@

duckdb1: $(DUCKDB1)

# headless Chromium for the browser tests (Debian's package; needs root, as on CI)
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

docs: $(STAMP)
	$(BIN)/corridor docs --serve

rollback: $(STAMP)
	$(BIN)/corridor rollback $(VERSION)

# the Dagster UI on http://127.0.0.1:3000, over the instance every `corridor build` records its runs in
dagster: $(STAMP)
	$(BIN)/python -c "from orchestration.build import dagster_home, prepare; dagster_home(); prepare()"
	DAGSTER_HOME=$(CURDIR)/.dagster_home $(BIN)/dagster dev -m orchestration.definitions -h 127.0.0.1 -p 3000

clean:
	rm -rf warehouse/build warehouse/corridor.duckdb dbt_project/target dbt_project/logs .dagster_home
