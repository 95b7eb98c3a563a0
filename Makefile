# fangkong: `make demo` sets up everything and serves the demo; `make test` runs the checks.
SHELL := /bin/bash
PORT ?= 8000
# pytest-xdist workers for `make test` (the machines have 2 cores).
TEST_WORKERS ?= 2
PYTHON ?= python3
UV := $(PYTHON) -m uv
RUN := $(UV) run --frozen
export DJANGO_SETTINGS_MODULE ?= config.settings.base

.PHONY: demo test test-clock setup uv env assets messages migrate serve run-server bench bench-checkins bench-reports bench-passages bench-visits browser-test clean

demo: setup migrate
	$(RUN) fangkong load_demo
	$(RUN) fangkong collectstatic --noinput -v 0
	@echo "fangkong: serving on http://127.0.0.1:$(PORT)/  (Ctrl-C stops)"
	$(MAKE) --no-print-directory run-server BIND=127.0.0.1:$(PORT) WEB_WORKERS=1

# Production: gunicorn (gthread) + WhiteNoise, with the environment of README "Running a county
# server" (e.g. `set -a; . /etc/fangkong/fangkong.env; set +a; make serve`). Refuses to start
# when `check --deploy` finds anything.
BIND ?= 127.0.0.1:$(PORT)
WEB_WORKERS ?= 2
WEB_THREADS ?= 8
serve: setup migrate
	$(RUN) fangkong collectstatic --noinput -v 0
	$(RUN) fangkong check --deploy --fail-level WARNING
	$(MAKE) --no-print-directory run-server

# The task worker (imports, large exports, the scheduled jobs) runs beside the web server and
# stops with it (WORKER=0: the web server alone, e.g. when systemd runs `fangkong worker`).
WORKER ?= 1
run-server:
	@if [ "$(WORKER)" != "0" ]; then \
		$(RUN) fangkong worker & worker=$$!; \
		trap 'kill -TERM $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	fi; \
	$(RUN) gunicorn config.wsgi:application --bind $(BIND) \
		--worker-class gthread --workers $(WEB_WORKERS) --threads $(WEB_THREADS) \
		--max-requests 5000 --max-requests-jitter 500 --graceful-timeout 30 --timeout 120 \
		--access-logfile - --access-logformat '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms' \
		--forwarded-allow-ips "$${FANGKONG_TRUSTED_PROXIES:-127.0.0.1}"

setup: env assets messages

uv:
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv

env: uv
	$(UV) sync --frozen

assets:
	@if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then npm ci --no-audit --no-fund; fi
	npm run --silent build

messages: env
	@if command -v msgfmt >/dev/null 2>&1; then \
		$(RUN) fangkong compilemessages -v 0 --ignore=.venv --ignore=node_modules; \
	else \
		echo "fangkong: msgfmt (gettext) not found; using the committed .mo files"; \
	fi

migrate: env
	$(RUN) fangkong migrate --noinput -v 0

test: setup
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy fangkong config
	DJANGO_SETTINGS_MODULE=config.settings.test $(RUN) pytest -n $(TEST_WORKERS) -m "not serial"
	DJANGO_SETTINGS_MODULE=config.settings.test $(RUN) pytest -m serial
	$(MAKE) --no-print-directory test-clock

# The tests that read the wall clock, run again as if CI had started at the two moments fangkong's
# days turn (README "Tests and the clock"): just before the report day's 16:00 cut-off (08:00
# UTC) and just before Shanghai midnight at a year's end (16:00 UTC, when the UTC and local dates
# part; month and year turn too). Fixed instants, so CI stays deterministic.
CLOCK_INSTANTS ?= 2026-11-30T07:59:59.6+00:00 2026-12-31T15:59:59.6+00:00
CLOCK_TESTS ?= fangkong/core/tests/test_fixed_time_defaults.py fangkong/core/tests/test_validators.py \
	fangkong/core/tests/test_worker.py::test_the_scheduler_enqueues_each_due_job_once_and_the_jobs_do_their_work \
	fangkong/areas/tests/test_changes.py \
	fangkong/accounts/tests/test_today.py fangkong/accounts/tests/test_tokens_throttle.py \
	fangkong/checkpoints/tests/test_views.py fangkong/reports/tests/test_report_day.py \
	fangkong/reports/tests/test_dashboard_report_day.py fangkong/monitoring/tests/test_slots.py
test-clock: env
	@for at in $(CLOCK_INSTANTS); do \
		echo "fangkong: time-bound tests with the clock at $$at"; \
		DJANGO_SETTINGS_MODULE=config.settings.test $(RUN) pytest -p no:cacheprovider \
			-n $(TEST_WORKERS) -m "not serial" --clock-at "$$at" $(CLOCK_TESTS) || exit 1; \
	done

browser-test: setup
	DJANGO_SETTINGS_MODULE=config.settings.test DJANGO_ALLOW_ASYNC_UNSAFE=true $(RUN) pytest tests_browser -p no:cacheprovider

# Import then check-ins; BENCH_ARGS="--skip-import" (or --skip-checkins, --skip-pg) picks parts.
bench: setup
	$(UV) sync --frozen --group bench
	$(UV) run --frozen --group bench python bench/run.py $(BENCH_ARGS)

# The daily report roll-up and dashboard at county size on PostgreSQL; REPORT_ARGS="--residents 100000".
bench-reports: setup
	$(UV) run --frozen python bench/reports.py $(REPORT_ARGS)

# The check-in benchmark alone (gunicorn, SQLite and PostgreSQL); CHECKIN_ARGS="--skip-pg --seconds 5".
bench-checkins: setup
	$(UV) sync --frozen --group bench
	$(UV) run --frozen --group bench python bench/checkins.py $(CHECKIN_ARGS)

# Passages registered at a checkpoint under the same load; PASSAGE_ARGS="--skip-pg --seconds 5".
bench-passages: setup
	$(UV) sync --frozen --group bench
	$(UV) run --frozen --group bench python bench/passages.py $(PASSAGE_ARGS)

# Household visits of a screening round under the same load; VISIT_ARGS="--skip-pg --seconds 5".
bench-visits: setup
	$(UV) sync --frozen --group bench
	$(UV) run --frozen --group bench python bench/visits.py $(VISIT_ARGS)

clean:
	rm -rf .venv node_modules fangkong/static/vendor var/staticfiles
