# SIKS-NG: `make run` starts the whole system on the embedded stack; `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PACKAGES := libs/events services/registry services/proposals services/verification services/lks services/integration services/eligibility
STAMP := $(VENV)/.siks-installed

.PHONY: install run test lint demo bench clean

$(STAMP): constraints.txt requirements-dev.txt $(addsuffix /pyproject.toml,$(PACKAGES))
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -r requirements-dev.txt $(addprefix -e ,$(PACKAGES))
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/siks run

# Two xdist workers, each with its own embedded PostgreSQL and broker and its own temp dir (the log watch
# reads every worker's): most tests wait on group joins and restarts, not on the CPU. PYTEST_WORKERS=0
# runs the suite in one process (for -s or --pdb).
PYTEST_WORKERS ?= 2
test: install
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# Needs the system running (`make run` in another terminal): loads a generated regency (Kota Kediri)
# into the registry, walks one death report and one move through it, then one proposal from a village
# through field verification and the regency office to the registry.
DEMO_DATABASE_URL ?= postgresql://postgres@127.0.0.1:55432/siks
DEMO_DIR := .siks/demo
demo: install
	$(BIN)/siks-registry generate $(DEMO_DIR) --households 500 --regency 3571 --islands DTKS,PKH,BPNT --conflicts 3
	DATABASE_URL=$(DEMO_DATABASE_URL) $(BIN)/siks-registry import $(DEMO_DIR)/DTKS.csv $(DEMO_DIR)/PKH.csv \
		$(DEMO_DIR)/BPNT.csv --report $(DEMO_DIR)/import-report.json
	$(BIN)/siks-integration demo --region 3571
	$(BIN)/siks-proposals demo --village 3571011001

# The fault suite (tests/faults) at ten times the sizes `make test` runs it with: real processes, real
# signals, a TCP proxy for cuts and delays; each scenario prints its outcome and recovery time.
.PHONY: soak
soak: install
	FAULT_SCALE=10 $(BIN)/python -m pytest tests/faults -o timeout=3600 $(PYTEST_ARGS)

# On demand, never in CI: our backbone side by side with the raw libraries doing the same work, the
# bulk import vs a raw COPY, then whole flows through `siks run` (bench/README.md records one run).
# BENCH_ARGS go to backbone.py, BENCH_IMPORT_ARGS to registry_import.py, BENCH_FLOWS_ARGS to flows.py.
BENCH_IMPORT_ARGS ?=
BENCH_FLOWS_ARGS ?=
bench: install
	$(BIN)/python -m pip install --quiet -c constraints.txt 'eventsourcing[postgres]'
	$(BIN)/python bench/backbone.py $(BENCH_ARGS)
	$(BIN)/python bench/registry_import.py $(BENCH_IMPORT_ARGS)
	$(BIN)/python bench/flows.py $(BENCH_FLOWS_ARGS)
	$(BIN)/python bench/eligibility.py $(BENCH_ELIGIBILITY_ARGS)

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .siks
