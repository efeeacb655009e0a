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

run: $(VENV)/.installed
	$(FLASK) db upgrade
	$(FLASK) content sync
	$(FLASK) run --host $(HOST) --port $(PORT)

# Runs everything on SQLite, then again on PostgreSQL when TEST_DATABASE_URL names one.
test: $(VENV)/.installed-test
	$(BIN)/ruff check quizapp tests bench
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== again on PostgreSQL"; \
		$(BIN)/python -m pytest; \
	fi

lint: $(VENV)/.installed-test
	$(BIN)/ruff check quizapp tests bench
	$(BIN)/ruff format --check quizapp tests bench

bench: $(VENV)/.installed
	$(BIN)/python bench/run.py

check-content: $(VENV)/.installed
	$(FLASK) content check

clean:
	rm -rf $(VENV) .pytest_cache
