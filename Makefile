# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi

.PHONY: run test torture fuzz install install-dev chromium engines clean

# Reinstall whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -U pip
	$(BIN)/python -m pip install -q -e .
	$(FLASK) build-static
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## Run the app with demo data on SQLite (instance/fieldnotes.sqlite) at http://127.0.0.1:5000
run: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	$(FLASK) run --host 127.0.0.1 --port 5000

## Run every test, browser tests included; on PostgreSQL too when FIELDNOTES_TEST_DATABASE_URL is set
# One test process per core (pytest-xdist; each has its own PostgreSQL database): TEST_WORKERS=0 runs in one.
TEST_WORKERS ?= auto
test: install-dev chromium engines
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --durations=15 $(PYTEST_ARGS)

## The sync torture run (a benchmark, minutes long): 20 phones, replays, kill -9 of the app; DB=<PostgreSQL URL> or SQLite
torture: install
	$(BIN)/python bench/torture.py $(DB) $(TORTURE_ARGS)

## A longer fuzzing campaign than `make test` runs (3,000 and 500): FUZZ_EXAMPLES requests per database to every
## route, no 5xx allowed; then API_FUZZ_EXAMPLES schemathesis cases against /api/v1, checked against its OpenAPI document
FUZZ_EXAMPLES ?= 6000
API_FUZZ_EXAMPLES ?= 5000
fuzz: install-dev
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) API_FUZZ_EXAMPLES=$(API_FUZZ_EXAMPLES) $(BIN)/python -m pytest -p no:cacheprovider \
		tests/test_fuzz.py tests/test_api_schemathesis.py $(PYTEST_ARGS)

chromium:
	@scripts/ensure-chromium

engines:
	@scripts/ensure-engines

clean:
	rm -rf $(VENV) .pytest_cache build

.PHONY: phone screenshots
$(VENV)/.installed-phone: $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[phone]'
	touch $@

## Try it on a real phone: the demo over HTTPS on the local network at https://<this machine's LAN IP>:8443/,
## with a QR code to scan (README, "Trying it on a real phone"); PHONE_ARGS="--port 9443" and so on
phone: $(VENV)/.installed-phone
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	$(FLASK) serve-phone $(PHONE_ARGS)

## Screenshots of the demo study at phone and laptop sizes into docs/screenshots/ (the README shows them)
screenshots: install-dev chromium
	$(BIN)/python scripts/screenshots.py

## Browse and the journey matrix at 10k, 100k and 1M notes on PostgreSQL in one run (long: seeds first): DB=<PostgreSQL URL>
.PHONY: bench-browse-1m
bench-browse-1m: install
	BENCH_SIZES=10000,100000,1000000 $(BIN)/python bench/summaries_bench.py $(DB)
