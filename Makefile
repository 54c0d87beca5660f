# `make run` and `make test` do all set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
TEST_DATABASE_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/test
# The language registry is standard-library Python, so this works before .venv exists.
LANGS := $(shell $(PYTHON) domain/languages.py)
PO := $(foreach lang,$(LANGS),locales/$(lang)/LC_MESSAGES/khabar.po)
MO := $(PO:.po=.mo)

.PHONY: all run test test-sqlite test-pg lint lock upgrade-check messages locale-preview clean

all: $(STAMP) $(MO)

# Exact versions with hashes from the committed lock (make lock refreshes it), then the project itself
# without resolving anything: a fresh machine installs what was tested here.
$(STAMP): pyproject.toml requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Refresh the locks after a change to pyproject.toml, keeping every pin the ranges still allow.
lock: $(STAMP)
	$(BIN)/python scripts/lock.py

# The newest versions the ranges allow, in a separate venv, through the whole suite on SQLite: an
# upgrade is then a deliberate commit (make lock with --upgrade, i.e. `scripts/lock.py --upgrade`).
UPGRADE_VENV := build/upgrade-venv
upgrade-check: $(STAMP)
	rm -rf $(UPGRADE_VENV)
	$(PYTHON) -m venv $(UPGRADE_VENV)
	$(UPGRADE_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(UPGRADE_VENV)/bin/python -m pip install --quiet --upgrade '.[dev]'
	$(UPGRADE_VENV)/bin/python -m pip list --format=freeze > build/upgrade-versions.txt
	@echo "== newest allowed versions that differ from the lock =="
	@$(BIN)/python scripts/lock.py --diff build/upgrade-versions.txt || true
	@echo "== suite on SQLite with the newest versions =="
	env -u TEST_DATABASE_URL $(UPGRADE_VENV)/bin/python -m pytest -p no:cacheprovider

locales/%/LC_MESSAGES/khabar.mo: locales/%/LC_MESSAGES/khabar.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -D khabar -i $< -o $@ -l $* >/dev/null

run: all
	@if [ -n "$$BOT_TOKEN" ] || grep -qs '^BOT_TOKEN=..*' .env; then \
		$(BIN)/khabar run; \
	else \
		echo "No BOT_TOKEN: starting the sandbox (local Telegram emulator)."; \
		$(BIN)/khabar sandbox; \
	fi

lint: all
	$(BIN)/python scripts/lock.py --check
	$(BIN)/ruff check bot domain handlers storage tests benchmarks scripts
	$(BIN)/ruff format --check bot domain handlers storage tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint test-sqlite test-pg

# Three pytest-xdist workers, each on a database of its own (tests/parallel.py); `-n 0` to debug in one
# process. Three on two cores: the tests that wait on `khabar` processes, PostgreSQL or real rate
# limits leave a core idle, which the third fills (2-core machine, quiet: SQLite 49 -> 38-41 s,
# PostgreSQL 64 -> 50-54 s). worksteal: a worker left with long-running tests hands the rest on.
PYTEST_PARALLEL ?= -n 3 --dist worksteal

test-sqlite: all
	@echo "== tests on SQLite =="
	env -u TEST_DATABASE_URL $(BIN)/pytest $(PYTEST_PARALLEL)

test-pg: all
	@if $(BIN)/python -m tests.pg_ready "$(TEST_DATABASE_URL)"; then \
		echo "== tests on PostgreSQL =="; \
		TEST_DATABASE_URL="$(TEST_DATABASE_URL)" $(BIN)/pytest $(PYTEST_PARALLEL); \
	elif [ "$$CI" = "true" ]; then \
		echo "PostgreSQL is required in CI but $(TEST_DATABASE_URL) is not reachable"; exit 1; \
	else \
		echo "== PostgreSQL not reachable at $(TEST_DATABASE_URL): skipping the PostgreSQL run =="; \
	fi

# Extract from the whole tree (babel.cfg picks bot/, handlers/ and the form files) and merge into
# the committed catalogs. A missing catalog is created; check its Plural-Forms header against CLDR
# (tests/test_translations.py does) before committing it.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k N_ -k ngettext:1,2 -k pgettext:1c,2 --add-comments=TRANSLATORS: --no-location --sort-output \
		--project=khabar -o locales/khabar.pot .
	for lang in $(LANGS); do \
		if [ -f locales/$$lang/LC_MESSAGES/khabar.po ]; then \
			$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -D khabar -i locales/khabar.pot \
				-d locales -l $$lang; \
		else \
			$(BIN)/pybabel init -D khabar -i locales/khabar.pot -d locales -l $$lang; \
		fi; \
	done
	$(MAKE) --no-print-directory $(MO)

# Every catalog message and form label in the three languages side by side, for a human reviewer.
locale-preview: all
	$(BIN)/python -m bot.runtime.i18n_preview -o build/locale-preview.md

clean:
	rm -rf $(VENV) locales/*/LC_MESSAGES/*.mo .mypy_cache .pytest_cache .ruff_cache
