# One virtualenv (.venv) with the local engine and the test tools; dbx gets its own (.venv-dbx).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test benchmark ui clean

$(STAMP): setup.py unit-requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip uv
	# Compiled bytecode up front: this saves every new process seconds of recompiling its
	# imports where PYTHONDONTWRITEBYTECODE is set (as on our CI machines).
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -r unit-requirements.txt
	touch $(STAMP)

install: $(STAMP)

# The README's main command: the whole model lifecycle on the embedded engine.
demo: install
	$(BIN)/telco-churn story

# The README's test command (CI runs it through .ci/run).
test: install
	$(BIN)/python -m pytest

# benchmarks/README.md: about 5 minutes; `make benchmark ARGS=--quick` for a smoke run.
benchmark: install
	$(BIN)/python -m benchmarks $(ARGS)

ui: install
	$(BIN)/telco-churn ui

clean:
	rm -rf .lakehouse .pytest_cache build dist *.egg-info
