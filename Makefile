# The two commands: `make run` and `make test`. Both set up everything they need.
PYTHON ?= python3
TOOLS  := .tools
UV     := $(TOOLS)/bin/uv
VENV   := .venv
UV_VERSION := 0.13.9

export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_LINK_MODE := copy

.PHONY: run test lint typecheck setup clean screenshots

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

# Creates .venv if missing and installs the locked dependencies into it, then the Debian
# packages the tests need, only those missing, as "binary:package": the PostgreSQL 15 server
# (the integration tests start their own), Chromium (browser tests), pdftoppm (PDF tests).
DEBIAN_NEEDS := /usr/lib/postgresql/15/bin/pg_ctl:postgresql /usr/bin/chromium:chromium \
                /usr/bin/pdftoppm:poppler-utils
setup: $(UV)
	$(UV) sync --frozen --quiet
	@# Bytecode ahead of time, also where PYTHONDONTWRITEBYTECODE is set: a command that
	@# compiles its imports on every run starts several times slower (docs/performance.md).
	@$(VENV)/bin/python -m compileall -q -j 0 src $(VENV)/lib/python3*/site-packages >/dev/null || true
	@missing=""; \
	for need in $(DEBIAN_NEEDS); do [ -x "$${need%%:*}" ] || missing="$$missing $${need##*:}"; done; \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian packages:$$missing"; \
	    SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
	    $$SUDO apt-get update -qq && \
	    $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "warning: missing$$missing and no apt-get: install them by hand" >&2; \
	  fi; \
	fi

run: setup
	$(VENV)/bin/kneecoach serve

test: setup
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/ruff format --check src tests
	$(VENV)/bin/mypy
	@# Both cores (pytest-xdist); the slow tests are collected first (tests/conftest.py).
	@# One file's tests stay on one worker, in order: some modules build one clinic and
	@# each test goes on from the one before it.
	$(VENV)/bin/pytest -n 2 --dist loadfile

# Phone (360x800) and desktop (1280x900) PNGs of every page, from a seeded demo database.
screenshots: setup
	$(VENV)/bin/python tests/browser/screenshots.py docs/screenshots

lint: setup
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/ruff format --check src tests

typecheck: setup
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache .hypothesis

# One PNG of every exercise's key poses, for review (docs/figures.md).
.PHONY: figures
figures: setup
	$(VENV)/bin/python -m kneecoach.figures.sheet docs/figures/contact-sheet.png

# PNGs of a sample handout and progress report, from a seeded demo person (docs/reports.md).
.PHONY: samples
samples: setup
	$(VENV)/bin/python -m tests.reports.samples docs/samples

# The date-sensitive tests under other clocks (docs/testing.md): a leap day that crosses
# midnight during the run, just past midnight on 1 March, and noon on each day of one week.
# Every Python process of a run, pytest and the `kneecoach` it starts, has tests/clock on
# PYTHONPATH, whose sitecustomize moves its wall clock to KNEECOACH_TEST_NOW (time-machine).
# Narrow or widen it: make test-dates DATES_CLOCKS=2028-02-29T23:59:50 DATES_TESTS=tests
DATES_CLOCKS ?= 2028-02-29T23:59:50 2027-03-01T00:00:05 \
	2026-11-30T12:00:00 2026-12-01T12:00:00 2026-12-02T12:00:00 2026-12-03T12:00:00 \
	2026-12-04T12:00:00 2026-12-05T12:00:00 2026-12-06T12:00:00
DATES_TESTS ?= tests/clock tests/browser tests/web tests/cli tests/reports tests/integration \
	-k "not postgresql"
.PHONY: test-dates
test-dates: setup
	@failed=""; \
	for now in $(DATES_CLOCKS); do \
	  echo "== KNEECOACH_TEST_NOW=$$now"; \
	  env -u KNEECOACH_TEST_NOW_ANCHOR KNEECOACH_TEST_NOW=$$now \
	    PYTHONPATH="$(CURDIR)/tests/clock$${PYTHONPATH:+:$$PYTHONPATH}" \
	    $(VENV)/bin/pytest -q -p no:cacheprovider -W ignore::pytest.PytestAssertRewriteWarning \
	    $(DATES_TESTS) || failed="$$failed $$now"; \
	done; \
	if [ -n "$$failed" ]; then echo "test-dates failed under:$$failed" >&2; exit 1; fi

# A demo clinic (issue 12): a throwaway PostgreSQL under .data/, an admin, two physios and
# six patients with a few weeks of history, served on 127.0.0.1 (the logins are printed).
# Ctrl-C stops it and PostgreSQL; every run starts afresh.
.PHONY: clinic-demo
clinic-demo: setup
	$(VENV)/bin/python scripts/clinic_demo.py
