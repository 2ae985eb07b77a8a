# Kakekomi: `make run` starts the whole stack, `make test` runs every check.
# Two environments: the gateway (.venv, Python >= 3.11) and Rasa (bot/.venv, Python 3.10).

SHELL := /bin/bash
PYTHON ?= python3
UV := $(PYTHON) -m uv
PY := .venv/bin/python
BOT_PY := bot/.venv/bin/python
BOT_CLI := $(BOT_PY) -m kakekomi_bot.maintain
# Rasa needs Python 3.10. pyenv's shim answers for python3.10 only when that version is
# selected, so take pyenv's 3.10 directly when there is one, else whatever python3.10 is.
PYENV_ROOT ?= $(HOME)/.pyenv
BOT_PYTHON ?= $(firstword $(wildcard $(PYENV_ROOT)/versions/3.10*/bin/python3.10) python3.10)

# uv uses the Pythons on this machine (pyenv's 3.10 for bot/) and never downloads one.
export UV_PYTHON_DOWNLOADS := never
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 3

.PHONY: bench bench-redis run test sync uv model lint validate compare promote test-bot test-nlu test-conversations test-gateway widget-deps clean help

run: model ## start Rasa, the action server and the gateway on the current model
	$(PY) -m kakekomi_stack --model "$$($(BOT_CLI) model-path --config bot/config.yml)"

test: lint validate test-bot test-nlu test-conversations test-gateway ## the whole suite
	@echo; echo "NLU quality of the model (all of it: reports/report.md):"; sed '/^## /,$$d' reports/report.md

uv: ## install uv (the installer both environments use) if it is missing
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet 'uv>=0.5,<1'

sync: uv ## install both environments from their lock files
	$(UV) sync --frozen --compile-bytecode
	$(UV) --directory bot sync --frozen --compile-bytecode --python "$(BOT_PYTHON)"

model: sync ## train the model (production and CI) unless one exists for the current data
	$(BOT_CLI) train --config bot/config.yml

lint: sync ## ruff, mypy (strict, in both environments) and hadolint
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(BOT_PY) -m mypy --config-file bot/pyproject.toml
	.venv/bin/hadolint Dockerfile

validate: sync ## our data checks, then Rasa's own with warnings as errors
	$(BOT_CLI) validate

compare: sync ## two models or report.json files side by side: make compare A=... B=...
	$(BOT_CLI) compare "$(A)" "$(B)"

promote: sync ## make a model live if it catches every must-catch example: make promote MODEL=...
	$(BOT_CLI) promote "$(MODEL)" $(if $(MARGIN),--margin $(MARGIN)) $(if $(FORCE),--force)

test-bot: model ## tokenizer golden tests, components, actions, and Rasa's logs on the real model
	$(BOT_PY) -m pytest -c bot/pyproject.toml tests/common tests/bot tests/actions

test-nlu: model ## held-out and benchmark scores per language; fails below the quality gate
	$(BOT_CLI) evaluate --gate --model "$$($(BOT_CLI) model-path --config bot/config.yml)"

test-conversations: model ## conversation tests on the real model
	bot/.venv/bin/rasa test core --stories tests/bot/conversations.yml \
		--model "$$($(BOT_CLI) model-path --config bot/config.yml)" \
		--fail-on-prediction-errors --out results/conversations --no-plot

widget-deps: ## axe-core from npm for the widget's accessibility audit (tests/widget/package-lock.json)
	npm ci --prefix tests/widget --no-audit --no-fund --loglevel=error

test-gateway: model widget-deps ## language detection per language, gateway unit tests, the NGO toolkit, end-to-end
	$(PY) scripts/detection_accuracy.py
	KAKEKOMI_TEST_MODEL="$$($(BOT_CLI) model-path --config bot/config.yml)" $(PY) -m pytest

bench: model ## latency, throughput, cold start and memory of the whole stack on this machine
	$(PY) scripts/bench.py --model "$$($(BOT_CLI) model-path --config bot/config.yml)"

bench-redis: model ## the same, scaled out: conversations in Redis, two Rasa workers
	$(PY) scripts/bench.py --model "$$($(BOT_CLI) model-path --config bot/config.yml)" \
		--redis --rasa-workers 2 --out reports/bench-redis.json

clean: ## remove test results, reports and pytest's cache
	rm -rf results reports .pytest_cache

help: ## list these targets (plain `make` is `make run`)
	@echo "Kakekomi: make <target>"
	@awk 'BEGIN { FS = ":[^#]*## " } /^[a-zA-Z0-9_-]+:[^=]*## / { printf "  %-20s %s\n", $$1, $$2 }' \
		$(MAKEFILE_LIST)
