# Aduan Langsung — every command sets up what it needs first (a .venv in this folder).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
MO     := translations/en/LC_MESSAGES/messages.mo
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: install run test lint fmt db-check bench bench-submit bench-queue bench-posters bench-routing bench-outbox bench-dashboard bench-flood bench-uploads bench-headers bench-abuse bench-outage bench-backup bench-tick bench-revive bench-photo-writes bench-chat bench-case-flow bench-open311 bench-citizen bench-accounts bench-slow-clients bench-scaleout bench-operations translations extract-messages clean

install: $(STAMP) $(MO)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11, 4) else "Aduan Langsung needs Python 3.11.4 or newer: make PYTHON=python3.12 ...")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

# English catalogue; Indonesian is the source language of every string.
$(MO): translations/en/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel -q compile -d translations -l en

translations: $(MO)

extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ -o translations/messages.pot --no-location --omit-header .
	$(BIN)/pybabel update -i translations/messages.pot -d translations -l en --no-fuzzy-matching

# The demo on HOST:PORT: links, QR codes and e-mails follow them (FLASK_RUN_HOST/PORT, which
# flask run reads too). The outbox worker runs beside the server, so the demo's mail lands
# in instance/mail/ as .eml files (no MAIL_SERVER); Ctrl-C stops both.
run: export FLASK_RUN_HOST := $(HOST)
run: export FLASK_RUN_PORT := $(PORT)
run: install
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi demo seed
	@$(BIN)/flask --app wsgi outbox work & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask --app wsgi run

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The models match what the migrations build: `db upgrade`, then `db check` (what counts as a
# difference: portal/schema_check.py). A fresh SQLite file in a temporary instance folder;
# DB_CHECK_URL=postgresql://… checks that database instead, migrating it first, so give it
# a scratch or test database, never one whose data matters.
db-check: install
	@set -e; instance=$$(mktemp -d); trap 'rm -rf "$$instance"' EXIT; \
	export APP_ENV=development INSTANCE_PATH="$$instance"; \
	if [ -n "$${DB_CHECK_URL:-}" ]; then export DATABASE_URL="$$DB_CHECK_URL"; else unset DATABASE_URL; fi; \
	$(BIN)/flask --app wsgi db upgrade; \
	$(BIN)/flask --app wsgi db check

# Each benchmark prints a table next to the bare stack measured in the same run;
# add --record (BENCH_ARGS=--record) to append it to bench/RESULTS.md.
bench: bench-submit bench-queue bench-posters bench-routing bench-outbox bench-dashboard bench-flood bench-uploads bench-headers bench-abuse bench-outage bench-tick bench-revive bench-photo-writes bench-chat bench-case-flow bench-open311 bench-citizen bench-accounts bench-slow-clients bench-operations

bench-submit: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

bench-queue: install  # PostgreSQL: one database per size, aduan_bench_<cases> (BENCH_QUEUE_DATABASE_URL)
	$(BIN)/python bench/queue_page.py --cases 100000 --cases 1000000 --short $(BENCH_ARGS)

bench-posters: install
	$(BIN)/python bench/posters.py

bench-routing: install
	$(BIN)/python bench/routing.py $(BENCH_ARGS)

bench-outbox: install
	$(BIN)/python bench/outbox.py $(BENCH_ARGS)

bench-uploads: install  # one report's photos: CPU and peak memory per case, next to bare Pillow
	$(BIN)/python bench/uploads.py $(BENCH_ARGS)

bench-dashboard: install  # PostgreSQL: aduan_bench_dash_<cases>, every case in one region (BENCH_DASH_DATABASE_URL)
	$(BIN)/python bench/dashboard.py --cases 1000000 $(BENCH_ARGS)

bench-headers: install  # the security-header hook and the password policy, next to the same page without them
	$(BIN)/python bench/headers.py

bench-backup: install  # backup and restore of 5,000 cases with a 300 KB photo each (SQLite; see bench/backup.py for PostgreSQL)
	$(BIN)/python bench/backup.py --cases 5000 --photo-kb 300

bench-abuse: install  # the abuse-list check at intake, against an empty list and a bare SELECT
	$(BIN)/python bench/abuse_screen.py

bench-tick: install  # the longest wait of a citizen's report while sla tick marks 10,000 cases (SQLite), next to no tick
	$(BIN)/python bench/sla_tick_wait.py

bench-revive: install  # bulk re-send of 10,000 dead e-mails by filter (BENCH_REVIVE_DATABASE_URL for PostgreSQL)
	$(BIN)/python bench/bulk_revive.py $(if $(BENCH_REVIVE_DATABASE_URL),--db $(BENCH_REVIVE_DATABASE_URL))

bench-chat: install  # a WhatsApp citizen's wait for the answer (webhook, outbox, worker), next to a bare webhook
	$(BIN)/python bench/chat_reply.py $(BENCH_ARGS)

bench-case-flow: install  # a transfer until the other region sees it; 100 cases disposed in bulk vs one by one vs bare SQL (BENCH_CASE_FLOW_DATABASE_URL for PostgreSQL)
	$(BIN)/python bench/case_flow.py $(if $(BENCH_CASE_FLOW_DATABASE_URL),--db $(BENCH_CASE_FLOW_DATABASE_URL))

bench-open311: install  # the Open311 API next to a bare Flask JSON view (BENCH_OPEN311_DATABASE_URL for PostgreSQL)
	$(BIN)/python bench/open311.py $(if $(BENCH_OPEN311_DATABASE_URL),--db $(BENCH_OPEN311_DATABASE_URL)) $(BENCH_ARGS)

bench-accounts: install  # staff sign-in (password, 2FA), the account list and the audit trail next to a bare Flask + SQLAlchemy stack (BENCH_ACCOUNTS_DATABASE_URL for PostgreSQL)
	$(BIN)/python bench/accounts.py $(if $(BENCH_ACCOUNTS_DATABASE_URL),--db $(BENCH_ACCOUNTS_DATABASE_URL)) $(BENCH_ARGS)

bench-operations: install  # the observability layer per request (text/json logs to a file, hooks removed, bare Flask), /metrics on 1,000 and 20,000 cases next to a bare count(*), a 500 KB photo in the local and S3 (moto_server) stores next to bare write/fsync and boto3 (BENCH_OPERATIONS_DATABASE_URL, default postgresql://root@localhost/aduan_bench_ops, created when missing: its schema is rebuilt)
	$(BIN)/python bench/operations.py $(if $(BENCH_OPERATIONS_DATABASE_URL),--db $(BENCH_OPERATIONS_DATABASE_URL)) $(BENCH_ARGS)

bench-scaleout: install  # three app hosts behind HAProxy (1, 2, 3 hosts next to a bare Flask stack), one killed under load, a routing change reaching each, two outbox workers (PostgreSQL server: BENCH_SCALEOUT_DB, default postgresql://root@localhost; Redis db 12)
	$(BIN)/python bench/scaleout.py $(if $(BENCH_SCALEOUT_DB),--db $(BENCH_SCALEOUT_DB)) $(BENCH_ARGS)

bench-citizen: install  # every citizen page's weight cold and warm, and the wait on a slow-3G phone with and without a 2 MB photo (Chromium), next to a bare static form
	$(BIN)/python bench/citizen_pages.py $(BENCH_ARGS)

bench-slow-clients: install  # the report form's latency while slow phones upload photos: sync, nginx+sync, gthread (nginx from deploy/nginx), next to a bare Flask app
	$(BIN)/python bench/slow_clients.py $(BENCH_ARGS)

bench-photo-writes: install  # one photo written, fsync'd and renamed into place, next to a plain write
	$(BIN)/python bench/photo_writes.py

bench-outage: install  # submissions while a private PostgreSQL stops for a minute and returns, next to bare Flask
	$(BIN)/python bench/outage.py $(BENCH_ARGS)

bench-flood: install  # rate limits: a flood vs a waiting room, and the limiter's cost (memory and Redis)
	$(BIN)/python bench/flood.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache $(MO)
