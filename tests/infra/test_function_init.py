"""Each function's init as Lambda runs it (its handler imported with the template's environment, in
a fresh process): the collector runs again afterwards, what was loaded is frozen, and what the
function's usual events do not need is not loaded yet (cold start, issue 13; README "Benchmarks")."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

from tests.infra.conftest import STACK_HANDLERS, resources, synthesize
from tests.infra.test_chat import SLACK
from tools import LAMBDAS_DIR

# What no function's init loads: the failure reads (their clients and plans: notifier.failures but
# the explainer that loads them) wait for a failure, the dead-letter queue's client for a refused record.
READS = {path.stem for path in (LAMBDAS_DIR / "notifier" / "failures").glob("*.py")} - {"__init__", "explainer"}
# Nor the models of the detail-types few events are (notifier.core.models.LATER): the first such event does.
LATER_MODELS = {"notifier.core.image_models", "notifier.core.node_models", "notifier.core.review_models"}
NEVER_AT_INIT = {"modules": {f"notifier.failures.{name}" for name in READS} | LATER_MODELS, "clients": {"ec2", "sqs"}}
# What one function's init does not load: most reconciler runs miss no transition, and only a
# missed one needs a calendar parsed.
NOT_AT_INIT = {"handlers.calendar_reconciler": {"icalendar", "notifier.calendars.change_calendar"}}

INIT = """
import gc, importlib, json, sys
import boto3
made = []  # the clients the init makes, by service
boto3.setup_default_session()
boto3.DEFAULT_SESSION.events.register(
    "creating-client-class", lambda event_name, **_: made.append(event_name.rsplit(".", 1)[1])
)
importlib.import_module(sys.argv[1])
print(json.dumps({
    "collecting": gc.isenabled(),
    "frozen": gc.get_freeze_count(),
    "modules": sorted(sys.modules),
    "clients": sorted(made),
}))
"""


CHAT_RELAY = "handlers.chat_relay.handler"  # in the stack when a chat channel is set
MODULES = sorted(handler.rsplit(".", 1)[0] for handler in (*STACK_HANDLERS, CHAT_RELAY))


@pytest.fixture(scope="module")
def functions(every_family: dict[str, Any]) -> dict[str, Any]:
    """Every function's resource, the chat relay's too."""
    with_chat = synthesize(slackChannels=SLACK)
    return {**resources(every_family, "AWS::Lambda::Function"), **resources(with_chat, "AWS::Lambda::Function")}


def environment_of(functions: dict[str, Any], module: str) -> dict[str, str]:
    """The function's variables in the template, its references as placeholder names."""
    for logical_id, function in functions.items():
        props = function["Properties"]
        if props["Handler"] == f"{module}.handler":
            variables = props["Environment"]["Variables"]
            return {name: v if isinstance(v, str) else f"placeholder-{logical_id}" for name, v in variables.items()}
    raise AssertionError(f"no function runs {module}")


def init(functions: dict[str, Any], module: str) -> dict[str, Any]:
    environment = {
        **environment_of(functions, module),
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_LAMBDA_FUNCTION_NAME": module,
        "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR",
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        [sys.executable, "-c", INIT, module], cwd=LAMBDAS_DIR, env=environment, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


@pytest.fixture(scope="module")
def init_of(functions: dict[str, Any]) -> Callable[[str], dict[str, Any]]:
    """A function's init, run once per module of tests."""
    return functools.cache(functools.partial(init, functions))


def _loaded(modules: list[str], names: set[str]) -> set[str]:
    return {m for m in modules for name in names if m == name or m.startswith(f"{name}.")}


@pytest.mark.parametrize("module", MODULES)
def test_a_function_init_ends_with_the_collector_on_and_what_it_loaded_frozen(init_of, module: str) -> None:
    answer = init_of(module)
    assert answer["collecting"], f"{module} left the garbage collector off: does it end with loaded()?"
    assert answer["frozen"] > 100_000  # boto3, botocore's models, Powertools: the function's life long


@pytest.mark.parametrize("module", MODULES)
def test_a_function_init_loads_nothing_its_usual_events_do_not_need(init_of, module: str) -> None:
    answer = init_of(module)
    assert not _loaded(answer["modules"], NEVER_AT_INIT["modules"] | NOT_AT_INIT.get(module, set()))
    assert not set(answer["clients"]) & NEVER_AT_INIT["clients"]
    assert {"dynamodb"} <= set(answer["clients"])  # the check sees the clients an init makes


@pytest.mark.parametrize("module", MODULES)
def test_a_function_init_makes_one_client_per_service(init_of, module: str) -> None:
    """Each client opens its own connections (in Lambda, a TLS handshake on its first call)."""
    clients = init_of(module)["clients"]
    assert len(clients) == len(set(clients)), f"{module} makes {clients}"
