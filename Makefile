# One virtualenv (.venv) with the local engine, the local workspace and the test tools; dbx gets
# its own (.venv-dbx, requirements-dbx.txt), as it pins MLflow 2 and pydantic 1.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DBX := .venv-dbx/bin/dbx
ENV ?= dev
WORKFLOW ?=

.PHONY: install demo test benchmark ui clean dbx dist deploy run workspace workspace-stop

# Python writes the bytecode of each module it imports (its default), also where the machine sets
# PYTHONDONTWRITEBYTECODE, as our CI machines do: the tests and the demo start hundreds of
# processes that import MLflow, pandas and scikit-learn, and each would compile them again.
# Compiling every installed module up front instead cost about 48 s of CPU at install; most of
# those modules are never imported.
export PYTHONDONTWRITEBYTECODE :=

# The base Python's pip installs uv into the new virtualenv (pip's --python), which spares
# the venv module's own pip bootstrap (about 5 s); a Python without pip bootstraps it instead.
# uv then installs pip with the rest, from its cache; tools/compile_imports.py says why the last step.
$(STAMP): setup.py unit-requirements.txt local-workspace/pyproject.toml
	$(PYTHON) -m venv --without-pip $(VENV)
	$(PYTHON) -m pip --python $(BIN)/python install --quiet --disable-pip-version-check --upgrade uv \
	  || { $(BIN)/python -m ensurepip --default-pip && \
	       $(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade uv; }
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r unit-requirements.txt pip
	$(BIN)/python tools/compile_imports.py
	touch $(STAMP)

install: $(STAMP)

# The README's main command: the whole model lifecycle on the embedded engine.
demo: install
	$(BIN)/telco-churn story

# The README's test command (CI runs it through .ci/run). dbx's virtualenv is built first, not
# by the first test that needs it while the other workers run.
test: install dbx runtimes $(VENV)/.test-imports-compiled
	$(BIN)/python -m pytest

$(VENV)/.test-imports-compiled: $(STAMP)
	$(BIN)/python tools/compile_imports.py --tests
	touch $@

# benchmarks/README.md: about 5 minutes; `make benchmark ARGS=--quick` for a smoke run.
benchmark: install
	$(BIN)/python -m benchmarks $(ARGS)

ui: install
	$(BIN)/telco-churn ui

# The Python libraries of the Databricks Runtimes that local clusters emulate (17.3 LTS ML: the
# release notes' MLflow, scikit-learn, pandas...), one virtualenv each in ~/.cache/local-workspace,
# built once per machine (about a minute from empty caches; local_workspace/compute/runtimes.py), not by the tests.
.PHONY: runtimes
runtimes: install
	$(BIN)/python -m local_workspace.compute.runtimes

# --- The Databricks side: the same commands against a real workspace (DATABRICKS_HOST and
# DATABRICKS_TOKEN set, or the profiles of .dbx/project.json) or the local one (`make workspace`).

dbx: install
	$(BIN)/python tools/dbx_venv.py

# The wheel that dbx deploys (dbx builds the same one itself before each deploy).
dist: install
	rm -rf dist && $(BIN)/python -m pip wheel --quiet --no-deps --wheel-dir dist .
	@ls dist/*.whl

# make deploy ENV=prod [WORKFLOW=PROD-telco-churn-model-train]: every workflow of ENV, or one.
# Every workflow: the retraining job first, then a copy of the deployment file with its id in the
# monitoring job's run_job_task (dbx 0.8.19 cannot name a job there; docs/monitoring.md). The second
# deploy reuses the wheel the first built seconds before (--no-rebuild).
deploy: dbx
	$(BIN)/telco-churn artifact-volume --environment $(ENV)
ifneq ($(WORKFLOW),)
	$(DBX) deploy $(WORKFLOW) --environment $(ENV)
else
	$(DBX) deploy $(shell echo $(ENV) | tr a-z A-Z)-telco-churn-retraining --environment $(ENV)
	$(BIN)/telco-churn resolve-job-refs --environment $(ENV) --out conf/deployment-resolved.yml
	$(DBX) deploy --deployment-file conf/deployment-resolved.yml --environment $(ENV) --no-rebuild
endif

# make run WORKFLOW=PROD-telco-churn-model-train ENV=prod: run a deployed job and follow it.
run: dbx
	@test -n "$(WORKFLOW)" || { echo "make run needs WORKFLOW=<name of a deployed workflow>"; exit 2; }
	$(DBX) launch $(WORKFLOW) --environment $(ENV) --trace

.PHONY: execute
# make execute WORKFLOW=DEV-telco-churn-model-train CLUSTER=<all-purpose cluster name> [ENV=dev] [TASK=<task_key>]:
# run a workflow's task on a running (or terminated: dbx starts it) interactive cluster, without deploying.
execute: dbx
	@test -n "$(WORKFLOW)" -a -n "$(CLUSTER)" || { echo "make execute needs WORKFLOW=<workflow> CLUSTER=<cluster name>"; exit 2; }
	$(DBX) execute $(WORKFLOW) --cluster-name "$(CLUSTER)" --environment $(ENV) $(if $(TASK),--task $(TASK))

# A local Databricks workspace in .workspace/, in the background (`make workspace-stop` ends it).
workspace: install dbx runtimes
	$(BIN)/telco-churn workspace start
	@echo
	@echo 'Point dbx, the databricks CLI, databricks-sdk and MLflow at it in this shell:'
	@echo '  eval "$$($(BIN)/telco-churn workspace env)"'
	@echo 'then, for example:'
	@echo '  make deploy ENV=prod && make run ENV=prod WORKFLOW=PROD-telco-churn-initial-model-train-register'
	@echo 'Jobs UI and MLflow: the URL above (log in with the token, `$(BIN)/telco-churn workspace env` prints it).'

workspace-stop: install
	$(BIN)/telco-churn workspace stop

clean:
	rm -rf .lakehouse .pytest_cache build dist *.egg-info

# The documentation site (mkdocs.yml, docs/) on http://127.0.0.1:8000, rebuilt on every change.
.PHONY: docs
docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000
