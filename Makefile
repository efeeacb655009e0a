# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app quizapp
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint bench check-content clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# Links in mail (written to instance/outbox/ without MAIL_URL) point at this server.
run: $(VENV)/.installed
	$(FLASK) db upgrade
	$(FLASK) content sync
	SERVER_NAME=$${SERVER_NAME:-$(HOST):$(PORT)} $(FLASK) run --host $(HOST) --port $(PORT)

# Runs everything on SQLite (browser tests included) and, at the same time on the second core,
# again on PostgreSQL: the database in TEST_DATABASE_URL, else a throwaway server when
# PostgreSQL is installed, else it says so. The PostgreSQL half's report follows the SQLite one.
test: $(VENV)/.installed-test
	$(BIN)/ruff check quizapp tests bench
	@mkdir -p test-output
	@$(BIN)/python -m tests.pgserver $(BIN)/python -m pytest --ignore=tests/browser \
		-p no:cacheprovider >test-output/postgresql.log 2>&1 & postgresql=$$!; \
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest; sqlite=$$?; \
	wait $$postgresql; postgresql=$$?; \
	echo "== the same tests on PostgreSQL (test-output/postgresql.log)"; \
	cat test-output/postgresql.log; \
	exit $$(( sqlite || postgresql ))

lint: $(VENV)/.installed-test
	$(BIN)/ruff check quizapp tests bench
	$(BIN)/ruff format --check quizapp tests bench

# The scale benchmark, not part of `make test` (bench/README.md). One database and one request:
# make bench BENCH_ARGS="--db sqlite --only gradebook"
bench: $(VENV)/.installed
	$(BIN)/python bench/run.py $(BENCH_ARGS)

check-content: $(VENV)/.installed
	$(FLASK) content check

clean:
	rm -rf $(VENV) .pytest_cache
