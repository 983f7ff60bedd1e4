# The two commands of the README: `make run` (the main job) and `make test` (the whole suite).
# Both set themselves up (Debian packages, .venv) on a fresh machine.
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup run test lint format
setup:
	@VENV=$(VENV) scripts/bootstrap.sh

# The main job: verify a sample 住院费用报销 case with two defects and write its notice.
CASE ?= samples/cases/c058
run: setup
	$(BIN)/yibao verify $(CASE) --notice out/notice.pdf

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
