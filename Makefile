# The two commands a newcomer runs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# `make run` installs the runtime dependencies only, `make test` the development ones too,
# each from its lock file with hashes checked (`make lock` rewrites both from pyproject.toml).
RUNTIME := $(VENV)/.runtime
STAMP := $(VENV)/.installed
PIP_COMPILE := $(BIN)/pip-compile --quiet --strip-extras --generate-hashes --no-emit-index-url --no-emit-find-links --allow-unsafe

.PHONY: run test test-sqlite test-postgres test-pgbouncer test-postgres-then-pgbouncer pgbouncer lint format migrate migration bench lock fuzz clean fonts

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(RUNTIME): requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(RUNTIME)

$(STAMP): requirements-dev.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(RUNTIME) $(STAMP)

lock: $(STAMP)
	$(PIP_COMPILE) -o requirements.lock pyproject.toml
	$(PIP_COMPILE) --extra dev -o requirements-dev.lock pyproject.toml

# Official documents embed a CJK font: Debian's fonts-wqy-microhei (or set
# GOVFLOW_DOCUMENT_FONT_PATH to another TrueType CJK font).
FONT := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
fonts:
	@test -f $(FONT) || test -n "$$GOVFLOW_DOCUMENT_FONT_PATH" || \
		(apt-get update -qq && apt-get install -y -qq fonts-wqy-microhei)

migrate: $(RUNTIME) fonts
	$(BIN)/alembic upgrade head

run: migrate
	$(BIN)/uvicorn app.main:app --host 127.0.0.1 --port $(PORT) --no-access-log

lint: $(STAMP)
	$(BIN)/hadolint Dockerfile
	$(BIN)/ruff check app tests migrations scripts bench
	$(BIN)/ruff format --check app tests scripts bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

format: $(STAMP)
	$(BIN)/ruff check --fix app tests
	$(BIN)/ruff format app tests

# Each pass has a temporary folder of its own, removed after it: pytest's shared one
# (/tmp/pytest-of-USER) is pruned by other pytest runs on the same machine.
TMP := base=$$(mktemp -d /tmp/govflow-pytest.XXXXXX); trap 'rm -rf "$$base"' EXIT

test-sqlite: $(STAMP) fonts
	$(TMP); GOVFLOW_TEST_DATABASE_URL= $(BIN)/pytest --basetemp="$$base/t" $(PYTEST_ARGS)

# Runs only when GOVFLOW_TEST_POSTGRES_URL is set; a server it cannot reach fails the run.
# The API fuzz, database-restart and soak tests run servers on databases of their own, so
# they run in the SQLite pass only (the fuzz run's database is a fresh test_fuzz_* on the
# PostgreSQL server of GOVFLOW_TEST_POSTGRES_URL, or 127.0.0.1:5432, for about 2 minutes).
test-postgres: $(STAMP) fonts
	@if [ -n "$$GOVFLOW_TEST_POSTGRES_URL" ]; then \
		echo "== PostgreSQL: $$GOVFLOW_TEST_POSTGRES_URL"; $(TMP); \
		GOVFLOW_TEST_DATABASE_URL="$$GOVFLOW_TEST_POSTGRES_URL" $(BIN)/pytest --basetemp="$$base/t" \
			--ignore=tests/test_api_fuzz.py --ignore=tests/test_fault_db_restart.py --ignore=tests/test_soak.py \
			$(PYTEST_ARGS); \
	else \
		echo "== PostgreSQL run skipped: GOVFLOW_TEST_POSTGRES_URL is not set"; \
	fi

# The app behind PgBouncer in transaction mode (GOVFLOW_DB_PGBOUNCER=true, docs/scaling.md):
# a create/action/list/statistics flow per module and the replica routing, through a
# PgBouncer of its own (bench/pgbouncer.py) in front of GOVFLOW_TEST_POSTGRES_URL (~35 s).
PGBOUNCER_SMOKE := \
	tests/test_ticket_intake_and_dispatch.py::test_full_life_dispatch_sign_reply_close \
	tests/test_ticket_reporter_protection.py::test_handlers_see_only_their_departments_tickets \
	tests/test_ticket_categories_lists_and_figures.py::test_list_filters_and_keyword_search \
	tests/test_ticket_categories_lists_and_figures.py::test_statistics_group_rates_and_721_split \
	tests/test_approval_review_and_decision.py::test_full_path_accept_review_recommend_approve_deliver \
	tests/test_approval_catalogue_lists_and_figures.py::test_list_filters_and_keyword_search \
	tests/test_approval_catalogue_lists_and_figures.py::test_statistics_count_each_outcome_and_time_against_the_committed_limit \
	tests/test_case_filing_and_investigation.py::test_ordinary_procedure_from_registration_to_closure \
	tests/test_case_hearing_and_decision.py::test_two_simultaneous_decisions_with_one_number_let_exactly_one_win \
	tests/test_case_lists_and_figures.py::test_list_filters_by_officer_fine_party_and_keyword \
	tests/test_case_lists_and_figures.py::test_statistics_count_what_the_bureau_reports \
	tests/test_read_replica.py

pgbouncer:
	@test -x /usr/sbin/pgbouncer || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null)

test-pgbouncer: $(STAMP) fonts pgbouncer
	@if [ -n "$$GOVFLOW_TEST_POSTGRES_URL" ]; then \
		$(TMP); $(BIN)/python -m bench.pgbouncer "$$GOVFLOW_TEST_POSTGRES_URL" -- \
			$(BIN)/pytest --basetemp="$$base/t" $(PGBOUNCER_SMOKE) $(PYTEST_ARGS); \
	else \
		echo "== PgBouncer run skipped: GOVFLOW_TEST_POSTGRES_URL is not set"; \
	fi

# The SQLite pass runs beside the PostgreSQL passes (two cores; each pass is one Python
# process); the PgBouncer pass follows the PostgreSQL one on the same database. -O keeps
# each pass's output together.
test: lint
	$(MAKE) --no-print-directory -O -j2 test-sqlite test-postgres-then-pgbouncer

test-postgres-then-pgbouncer: test-postgres
	$(MAKE) --no-print-directory test-pgbouncer

# Autogenerate a migration from the models: make migration m="what changed"
migration: $(STAMP)
	$(BIN)/alembic revision --autogenerate -m "$(m)"

# The benchmark (issue 20's targets) against PostgreSQL (GOVFLOW_BENCH_DATABASE_URL); see
# docs/performance.md. BENCH_TICKETS=10000 make bench for the small run.
bench: $(STAMP)
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/pip install --quiet py-spy
	$(BIN)/python -m bench.run

# The API fuzz run at length (tests/test_api_fuzz.py): every phase to its end for each of
# the five callers, FUZZ_EXAMPLES generated cases per operation and phase (about half an
# hour on 2 shared cores at 10). FUZZ_SECONDS=n
# bounds each caller's run instead; FUZZ_SEED=n replays a run.
FUZZ_EXAMPLES ?= 10
FUZZ_SECONDS ?= 0
fuzz: $(STAMP)
	GOVFLOW_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) GOVFLOW_FUZZ_SECONDS=$(FUZZ_SECONDS) \
		GOVFLOW_FUZZ_SEED=$(or $(FUZZ_SEED),random) $(BIN)/pytest tests/test_api_fuzz.py $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache govflow.db*
