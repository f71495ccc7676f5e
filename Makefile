# The two commands: `make run` and `make test`. Everything else is a step of theirs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
FLASK  := $(PY) -m flask --app wsgi
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test test-sqlite test-postgres install translations translations-update node vendor clean

run: install translations vendor
	LABO_ENV=development $(FLASK) db upgrade
	LABO_ENV=development $(FLASK) labo seed --demo
	@echo "Labo: http://$(HOST):$(PORT)  (demo accounts above; stop with Ctrl+C)"
	LABO_ENV=development $(FLASK) run --host $(HOST) --port $(PORT)

# The SQLite pass (browser tests included) and the PostgreSQL pass run side by
# side, one per core; the PostgreSQL pass's output follows the SQLite one's.
# The PostgreSQL pass ends ~200 s before the SQLite one: then its core runs
# these browser flows (on SQLite, as every browser test), left out of the
# SQLite pass, so that both cores finish together.
SECOND_LANE = tests/browser/test_walks.py tests/browser/test_questionnaires.py tests/browser/test_fund_journey.py \
	tests/browser/test_training.py tests/browser/test_fund_public.py tests/browser/test_fund.py \
	tests/browser/test_letter.py tests/browser/test_opinions.py

test: install translations node
	@start=$$(date +%s); mkdir -p test-artifacts; \
	( $(MAKE) --no-print-directory test-postgres > test-artifacts/postgres.log 2>&1; echo $$? > test-artifacts/postgres.status; \
	  $(PY) -m pytest $(SECOND_LANE) > test-artifacts/second-lane.log 2>&1; echo $$? > test-artifacts/second-lane.status ) & \
	pg=$$!; \
	$(PY) -m pytest -m "not faults" $(addprefix --ignore=,$(SECOND_LANE)); sqlite=$$?; \
	wait $$pg; postgres=$$(cat test-artifacts/postgres.status 2>/dev/null || echo 1); \
	second=$$(cat test-artifacts/second-lane.status 2>/dev/null || echo 1); \
	echo "=== PostgreSQL pass ==="; cat test-artifacts/postgres.log; \
	echo "=== Browser flows run after it (SQLite) ==="; cat test-artifacts/second-lane.log; \
	echo "make test: $$(( $$(date +%s) - start )) s (SQLite pass: exit $$sqlite, PostgreSQL pass: exit $$postgres, browser flows after it: exit $$second)"; \
	test $$sqlite -eq 0 && test $$postgres -eq 0 && test $$second -eq 0

# The whole suite on SQLite, browser tests included (the fault tests, which
# stop and kill PostgreSQL servers of their own, run in the PostgreSQL pass).
test-sqlite:
	$(PY) -m pytest -m "not faults"

# The same suite (less the browser tests, and SQLite's own) on a throwaway PostgreSQL cluster.
test-postgres:
	$(PY) tests/pgcluster.py -- $(PY) -m pytest -m "not browser and not static and not sqlite"

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || { \
	  echo "Could not create the virtualenv: on Debian/Ubuntu, run 'apt-get install python3-venv'."; exit 1; }
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

translations: install
	$(PY) -m babel.messages.frontend compile --statistics -d labo/translations

translations-update: install
	$(FLASK) labo translate update

# Browser-test tools from npm (playwright-core, axe-core); no browser download.
# Also the site's own vendor files (chart.js, pinned in package.json), copied
# into static/vendor/ where the app serves them (no CDN).
node: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  test node_modules/.package-lock.json -nt package-lock.json || npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the browser tests will be skipped (or fail with LABO_REQUIRE_BROWSER=1)."; fi
	@$(MAKE) --no-print-directory vendor

# Without npm the pages still work: every chart has its data table, and the
# live boards fall back to their forms (a page reload shows the others' notes).
VENDOR_FILES := chart.js/dist/chart.umd.min.js socket.io-client/dist/socket.io.min.js socket.io-client/dist/socket.io.min.js.map
vendor:
	@if ! test -f node_modules/socket.io-client/dist/socket.io.min.js || ! test -f node_modules/chart.js/dist/chart.umd.min.js; then \
	  if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --loglevel=error; \
	  else echo "npm not found: the COPIL's charts will show as tables only, and live boards update on reload."; fi; \
	fi
	@mkdir -p static/vendor; for f in $(VENDOR_FILES); do \
	  test -f node_modules/$$f && cp node_modules/$$f static/vendor/ || true; done

clean:
	rm -rf $(VENV) node_modules static/vendor instance test-artifacts .pytest_cache
