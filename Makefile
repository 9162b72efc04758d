# Dockside: `make run` serves the app with demo data; `make test` runs the whole suite.
VENV    := .venv
PY      := $(VENV)/bin/python
FLASK   := $(VENV)/bin/flask --app wsgi
PORT    ?= 5000
APP_ENV ?= development
export APP_ENV

.PHONY: run test test-fast browser bench clean
.PHONY: translations security

$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

run: $(VENV)/.installed translations
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: $(VENV)/.installed browser translations
	$(PY) -m pytest

# The inner loop: SQLite only, no browser (about 1.5 minutes).
test-fast: $(VENV)/.installed translations
	env -u TEST_DATABASE_URL $(PY) -m pytest -m "not browser"

# The browser tests drive Debian's Chromium; install it when missing and we may.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's chromium for the browser tests..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "chromium is missing and cannot be installed here: browser tests will be skipped."; \
	  fi; \
	fi

# The message catalogues: translations/<locale>/LC_MESSAGES/messages.po is checked in,
# the compiled messages.mo that Flask-Babel reads is not.
translations: $(VENV)/.installed
	$(VENV)/bin/pybabel -q compile -d translations

# bandit on our code and pip-audit on the pins; CI runs this before the tests.
security: $(VENV)/.installed
	VENV=$(VENV) bash .ci/security

# Benchmarks (docs/benchmarks.md): about 15 minutes, never part of `make test`. Writes
# bench/results/latest.json and the table in docs/benchmarks.md. PostgreSQL too when
# BENCH_DATABASE_URL is set: that database is WIPED. BENCH_ARGS=--quick checks it runs.
bench: $(VENV)/.installed
	$(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache
