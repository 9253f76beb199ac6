"""`ssm-event-notifier test-route` on the stand-ins: a stack with routes (the routes and context of
tests/integration/test_routes_replay.py: the same synthesized template), its webhooks, Teams, JSM and Slack
on the tool's HTTP stand-in, their secrets made from the file a replay would take."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ssm_event_notifier.cli.commands import cli
from tools import REPO_ROOT
from tools.harness.local_stack import LocalStack
from tools.harness.services import DynamoDBLocal, moto_process
from tools.harness.stand_ins import stand_ins
from tools.harness.subscribers import drain_queue
from tools.harness.template import Template, ensure_synthesized

ROUTES = REPO_ROOT / "tests" / "fixtures" / "routes_replay.json"
SECRETS = {
    "data/teams": "{receiver}/hooks/data",
    "data/jsm": {"apiKey": "jsm-api-key-route-test"},
    "oncall/pagerduty": {"routingKey": "pd-routing-key-route-test-0123456789"},
}


@pytest.fixture(scope="module")
def stack(dynamodb_local: DynamoDBLocal) -> Iterator[LocalStack]:
    template = Template(ensure_synthesized(context={"routes": str(ROUTES)}))
    with moto_process() as moto, stand_ins(io.StringIO(), moto, dynamodb_local.endpoint_url) as endpoints:
        yield LocalStack(template, endpoints).deploy()


def run(stack: LocalStack, *args: str) -> Result:
    where = ["--endpoint", stack.endpoints["sns"], "--dynamodb-endpoint", stack.endpoints["dynamodb"]]
    return CliRunner().invoke(cli, [*args, *where, "-c", f"routes={ROUTES}"], catch_exceptions=False)


def test_each_destination_of_the_route_accepts_the_test(stack: LocalStack, tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.json"
    secrets.write_text(json.dumps(SECRETS))
    tested = run(stack, "test-route", "data-team", "--secrets", str(secrets))
    assert tested.exit_code == 0, tested.output
    rows = [line for line in tested.output.splitlines() if "data-team/" in line]
    assert len(rows) == 3 and all("delivered" in row for row in rows), tested.output
    # Only the route's destinations: nothing went through the topic to its subscribers.
    assert drain_queue(stack.client("sqs"), stack.subscriber_queue_url, empty_polls=1, pause=0) == []


def test_an_on_call_destination_gets_a_test_incident_opened_and_resolved(stack: LocalStack, tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.json"
    secrets.write_text(json.dumps(SECRETS))
    tested = run(stack, "test-route", "on-call", "--secrets", str(secrets))
    assert tested.exit_code == 0, tested.output
    (row,) = [line for line in tested.output.splitlines() if "on-call/0" in line]
    assert "pagerduty" in row and "delivered" in row and "opened" in tested.output and "resolved" in tested.output


def test_a_destination_that_cannot_be_reached_is_deferred(stack: LocalStack) -> None:
    tested = run(stack, "test-route", "web-owners")  # its secret was never made: the relay cannot post
    assert tested.exit_code == 1
    (row,) = [line for line in tested.output.splitlines() if "web-owners/0" in line]
    assert "deferred" in row, tested.output


def test_a_routes_email_address_is_listed_with_its_subscriptions_state_and_sent_no_test(
    stack: LocalStack, tmp_path: Path
) -> None:
    secrets = tmp_path / "secrets.json"
    secrets.write_text(json.dumps({"payments/hook": {"url": "{receiver}/hooks/payments", "signingKey": "k"}}))
    tested = run(stack, "test-route", "payments-team", "--secrets", str(secrets))
    assert tested.exit_code == 0, tested.output
    (row,) = [line for line in tested.output.splitlines() if "payments@example.com" in line]
    assert "email" in row and "confirmed" in row and "not confirmed" not in row, tested.output  # moto confirms
    assert "no test sent" in tested.output
    (webhook,) = [line for line in tested.output.splitlines() if "payments-team/1" in line]
    assert "delivered" in webhook
    assert drain_queue(stack.client("sqs"), stack.subscriber_queue_url, empty_polls=1, pause=0) == []


def test_an_unknown_route_is_refused_naming_the_routes(stack: LocalStack) -> None:
    tested = run(stack, "test-route", "no-such-team")
    assert tested.exit_code == 2
    assert "data-team" in tested.output and "web-owners" in tested.output
    unnamed = run(stack, "test-route")  # with routes, a test goes through one of them
    assert unnamed.exit_code == 2
    assert "name a route" in unnamed.output and "data-team" in unnamed.output, unnamed.output
