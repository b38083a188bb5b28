# Sitepulse developer commands. Everything runs from the project's own venvs:
#   .venv      Python 3.13 (same minor as the Lambda runtime): app, tests, local stack
#   .venv-sam  AWS SAM CLI, kept apart because it pins conflicting versions
#   .venv-docs mkdocs-material for the documentation site (requirements-docs.txt)
SHELL := /bin/bash
PYENV_ROOT ?= $(shell pyenv root 2>/dev/null || echo $(HOME)/.pyenv)
# First Python 3.13 that actually runs (a pyenv shim may exist without the version being active).
PYTHON313 ?= $(shell for p in $(PYENV_ROOT)/versions/3.13*/bin/python3.13 $$(command -v python3.13); do \
	"$$p" -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null && { echo "$$p"; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
SAM := .venv-sam/bin/sam
HOST ?= 127.0.0.1
PORT ?= 3000
DEMO ?= 1
FN ?=
EVENT ?=
LOAD_TIME ?= 2m
LOAD_USERS ?= 20
NAME ?=
SCOPES ?=
KEY_ARGS ?=
URL ?=
KEY ?=
# The smoke suite needs only the standard library: a deploy job runs it without the project venv.
SMOKE_PYTHON ?= $(if $(wildcard $(PY)),$(PY),python3)

.PHONY: help install system-packages run test unit integration browser screenshots chaos lint format validate openapi fuzz bench bench-report scaling smoke load invoke ingest key build docs ci clean

help:
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/; s/$$(HOST)/$(HOST)/g; s/$$(PORT)/$(PORT)/g' \
		| column -t -s $$'\t'

# Output on stderr: `make ingest | jq .` must see only the result, even on a first run.
$(VENV)/.installed: requirements-dev.txt layers/requirements.txt
	@test -n "$(PYTHON313)" || { echo "Python 3.13 not found (pyenv install 3.13 or set PYTHON313=...)" >&2; exit 1; }
	@echo "installing the project venv ($(VENV))..." >&2
	@test -x $(PY) || $(PYTHON313) -m venv $(VENV) >&2
	@$(PY) -m pip install --quiet --upgrade pip >&2
	@$(PY) -m pip install --quiet -r requirements-dev.txt >&2
	@touch $@

.venv-sam/.installed: requirements-sam.txt
	test -x .venv-sam/bin/python || $(PYTHON313) -m venv .venv-sam
	.venv-sam/bin/python -m pip install --quiet --upgrade pip
	.venv-sam/bin/python -m pip install --quiet -r requirements-sam.txt
	touch $@

.venv-docs/.installed: requirements-docs.txt
	@test -n "$(PYTHON313)" || { echo "Python 3.13 not found (pyenv install 3.13 or set PYTHON313=...)" >&2; exit 1; }
	test -x .venv-docs/bin/python || $(PYTHON313) -m venv .venv-docs
	.venv-docs/bin/python -m pip install --quiet --upgrade pip
	.venv-docs/bin/python -m pip install --quiet -r requirements-docs.txt
	touch $@

install: $(VENV)/.installed ## create the venv and install pinned dependencies

run: $(VENV)/.installed ## start the whole stack on http://$(HOST):$(PORT) (DEMO=0: empty; PARAMS="Name=Value ...": template parameters; Ctrl-C stops it)
	@HOST=$(HOST) PORT=$(PORT) $(PY) -m local $(if $(filter 0 no false,$(DEMO)),--no-demo) $(if $(PARAMS),--parameter-overrides $(PARAMS))

# Debian packages the tests use: Chromium and its driver (console tests), curl and jq (the docs'
# runnable examples). Installed with apt when missing (as root, or through sudo); without either,
# this says what to install and the tests that need them are skipped or fail with that message.
SYSTEM_PACKAGES := chromium:chromium chromedriver:chromium-driver curl:curl jq:jq
system-packages:
	@missing=""; for pair in $(SYSTEM_PACKAGES); do command -v "$${pair%%:*}" >/dev/null || missing="$$missing $${pair#*:}"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then APT=""; elif command -v sudo >/dev/null; then APT="sudo"; else \
		echo "missing Debian packages:$$missing (apt-get install$$missing)" >&2; exit 0; fi; \
	echo "installing Debian packages:$$missing..." >&2; \
	$$APT apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$APT apt-get install -y -qq $$missing >/dev/null

# The least-privilege tests expand SAM policy templates with the SAM CLI venv: installed here too.
test: $(VENV)/.installed .venv-sam/.installed system-packages ## every test: unit, integration, browser, chaos, security (installs what they need; 20+ min on 2 cores)
	$(PY) -m pytest

unit: $(VENV)/.installed .venv-sam/.installed ## unit tests only
	$(PY) -m pytest tests/unit

integration: $(VENV)/.installed .venv-sam/.installed system-packages ## integration tests only (over HTTP against a local stack)
	$(PY) -m pytest tests/integration

browser: $(VENV)/.installed system-packages ## console tests in headless Chromium against a local stack with demo data
	$(PY) -m pytest tests/browser

screenshots: $(VENV)/.installed ## docs/console-*.png: every console page at 1280x800 (local stack with demo data)
	$(PY) -m tests.browser.screenshots

chaos: $(VENV)/.installed ## chaos tests only: 10 % AWS faults, killed workers, load smoke
	$(PY) -m pytest tests/chaos

lint: $(VENV)/.installed ## ruff lint + format check, OpenAPI document up to date, GitHub workflows (schema + zizmor, offline)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m local.contract.openapi --check
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-actions .github/actions/*/action.yml
	$(VENV)/bin/zizmor --offline --quiet .github/

format: $(VENV)/.installed ## apply ruff fixes and formatting
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

validate: .venv-sam/.installed ## sam validate --lint: the stack and the pipeline bootstrap template
	$(SAM) validate --lint
	$(SAM) validate --lint -t pipeline/bootstrap.yaml

build: .venv-sam/.installed ## sam build (needs python3.13 on PATH: the project venv provides it)
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(SAM) build

openapi: $(VENV)/.installed ## regenerate layers/sitepulse/openapi.json from the handlers
	$(PY) -m local.contract.openapi

fuzz: $(VENV)/.installed ## contract fuzzing (schemathesis, all checks, 150 examples/operation) against `make run`, or a stack it starts [EXAMPLES=n FUZZ_ARGS="--phases … --include-path-regex …"]
	$(PY) -m local.contract.fuzz $(if $(EXAMPLES),--examples $(EXAMPLES)) $(FUZZ_ARGS)

bench: $(VENV)/.installed ## request / capacity / latency figures per API call
	$(PY) -m bench

invoke: $(VENV)/.installed ## run one handler against the running local stack: make invoke FN=<LogicalId> EVENT=events/x.json
	@$(PY) -m local.lambdas.invoke --function "$(FN)" --event "$(EVENT)"

key: $(VENV)/.installed ## create an API key in the running local stack: make key NAME=ci SCOPES=occupancy:read[,…] [KEY_ARGS="--buildings viboo"]
	@test -n "$(NAME)" -a -n "$(SCOPES)" || { echo 'usage: make key NAME=<name> SCOPES=<scope,…> [KEY_ARGS="--buildings b --expires-at 2030-01-01T00:00:00Z"]'; exit 2; }
	PYTHONPATH=layers $(PY) -m sitepulse.access.cli create --name "$(NAME)" --scopes "$(SCOPES)" $(KEY_ARGS)

ingest: $(VENV)/.installed ## run the ingestion function now against the running local stack; prints its JSON result
	@$(PY) -m local.lambdas.invoke --function IngestFunction --event events/IngestFunction.json

load: $(VENV)/.installed ## locust load test against the running stack (or one it starts): LOAD_TIME=2m LOAD_USERS=20
	$(PY) -m bench.load --time $(LOAD_TIME) --users $(LOAD_USERS)

scaling: $(VENV)/.installed ## capacity and monthly cost at 1k / 100k / 1M sensors from the measured per-call costs: rewrites the tables in docs/scaling.md
	$(PY) -m bench.scaling --write docs/scaling.md
	@echo "docs/scaling.md: tables recomputed (python -m bench.scaling prints them)"

smoke: ## smoke suite against a deployed or local stack: make smoke URL=https://… KEY=… [SMOKE_WRITES=1: idempotent writes too]
	@test -n "$(URL)" || { echo 'usage: make smoke URL=<API base URL> KEY=<API key> (or SMOKE_KEY in the environment) [SMOKE_WRITES=1]' >&2; exit 2; }
	@$(if $(KEY),SMOKE_KEY='$(KEY)') $(SMOKE_PYTHON) -m smoke --url '$(URL)'

bench-report: $(VENV)/.installed ## full-scale store uptime pipeline: ingestion + report figures (bench/out/)
	$(PY) -m bench.report_pipeline

docs: .venv-docs/.installed ## build the documentation site into site/ (mkdocs --strict: a broken link or anchor fails)
	NO_MKDOCS_2_WARNING=1 .venv-docs/bin/mkdocs build --strict

ci: install lint validate docs test ## what .ci/run does

clean:
	rm -rf .aws-sam .pytest_cache .ruff_cache .sitepulse site
