# The two commands of the README: `make run` (the main job) and `make test` (the whole suite).
# Both set themselves up (Debian packages, .venv) on a fresh machine.
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup run test lint format
setup:
	@VENV=$(VENV) scripts/bootstrap.sh

run: setup
	$(BIN)/yibao items --region sanming-mingxi
	$(BIN)/yibao items show 002036006002 --region sanming-mingxi

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
