"""Payloads written by others, through the real functions (DynamoDB Local, moto SNS, the operations table):
a SendCommand that targets by tag names its targets, and records with null response elements,
lower-case `key`/`values`, 11-digit or masked accounts and normalized times without `T`/`Z` notify
as any other, never crashing a function."""

from __future__ import annotations

import copy
import json
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext

from tests.integration.test_storm_local import (  # noqa: F401  (fixtures)
    Pipeline,
    dead_letter_queue,
    operations_table,
    pipeline,
)
from tools.harness.handler_loader import LambdaHandler
from tools.harness.samples import load
from tools.harness.subscribers import Subscribers

BuildHandler = Callable[[str], LambdaHandler]
Drain = Callable[[str], list[dict[str, Any]]]


def _documents(subscribers: Subscribers, drain: Drain) -> list[dict[str, Any]]:
    return [json.loads(message["Body"]) for message in drain(subscribers.raw_queue_url)]


def _send_command(request: dict[str, Any], response: Any = None) -> dict[str, Any]:
    event = copy.deepcopy(load("api-audit/send-command"))
    event["id"] = str(uuid.uuid4())
    event["detail"]["requestParameters"] = request
    event["detail"]["responseElements"] = response
    return event


@pytest.mark.parametrize(
    ("targets", "named"),
    [
        ([{"key": "tag:Environment", "values": ["prod"]}], "tag:Environment=prod"),
        ([{"Key": "tag:Environment", "Values": ["prod"]}], "tag:Environment=prod"),
        (
            [{"key": "tag:Environment", "values": ["prod"]}, {"key": "tag:Role", "values": ["web", "db"]}],
            "tag:Environment=prod; tag:Role=web, db",
        ),
        ([{"key": "resource-groups:Name", "values": ["payments"]}], "resource-groups:Name=payments"),
    ],
)
def test_a_send_command_by_tag_names_its_targets_in_the_subject_and_the_text(
    targets: list[dict[str, Any]],
    named: str,
    build_handler: BuildHandler,
    lambda_context: LambdaContext,
    subscribers: Subscribers,
    drain: Drain,
) -> None:
    handler = build_handler("systems-manager")
    request = {"targets": targets, "documentName": "AWS-RunShellScript", "parameters": "HIDDEN_DUE_TO_SECURITY_REASONS"}

    handler(_send_command(request), lambda_context)

    (document,) = _documents(subscribers, drain)
    assert document["subject"] == f"[INFO] SendCommand by alice on {named} (us-east-2)"
    assert re.search(rf"\nTarget: +{re.escape(named)}\n", document["text"])
    assert document["fields"]["target"] == named


@pytest.mark.parametrize("response", [None, {}, {"command": None}, "HIDDEN_DUE_TO_SECURITY_REASONS"], ids=repr)
def test_a_record_with_odd_response_elements_notifies(
    response: Any, build_handler: BuildHandler, lambda_context: LambdaContext, subscribers: Subscribers, drain: Drain
) -> None:
    handler = build_handler("systems-manager")
    request = {"instanceIds": ["i-0b1c2d3e4fEXAMPLE"], "documentName": "AWS-RunShellScript"}

    handler(_send_command(request, response), lambda_context)

    (document,) = _documents(subscribers, drain)
    assert document["subject"].endswith(" on i-0b1c2d3e4fEXAMPLE (us-east-2)")
    assert document["event"]["detail"]["responseElements"] == response


ODD_ACCOUNTS = ["12345678901", "************", "1234-5678-9012"]


@pytest.mark.parametrize("account", ODD_ACCOUNTS)
@pytest.mark.parametrize(
    ("sample", "function"),
    [
        ("parameter-store/create", "systems-manager"),
        ("ami/failed", "ami"),
        ("node-access/request-failed", "systems-manager"),
    ],
)
def test_an_odd_account_notifies_naming_it(
    account: str,
    sample: str,
    function: str,
    build_handler: BuildHandler,
    lambda_context: LambdaContext,
    subscribers: Subscribers,
    drain: Drain,
) -> None:
    event = load(sample)
    event["account"] = account

    build_handler(function)(event, lambda_context)

    (document,) = _documents(subscribers, drain)
    assert document["account"] == account and "\nAccount:" in document["text"]


@pytest.mark.parametrize(
    "when",
    ["2025-06-05 09:14:07", "2025-06-05 09:14:07.512", "2025-06-05T09:14:07", "2025-06-05 09:14:07+00:00"],
)
def test_times_without_t_or_z_notify_through_a_function_and_the_fleet_path(
    when: str,
    build_handler: BuildHandler,
    lambda_context: LambdaContext,
    subscribers: Subscribers,
    drain: Drain,
    pipeline: Pipeline,  # noqa: F811  (the imported fixture)
) -> None:
    event = load("parameter-store/create")
    event["time"] = when
    build_handler("systems-manager")(event, lambda_context)
    (document,) = _documents(subscribers, drain)
    assert document["time"].startswith("2025-06-05T09:14:07")

    # A command whose events say their times so, beside one that says them as AWS does.
    parent, invocation = load("run-command/command-failed"), load("run-command/invocation-failed")
    for record in (parent, invocation):
        record["time"] = when
    parent["detail"]["requested-date-time"] = when
    invocation["detail"]["requested-date-time"] = "2025-06-05T09:14:07.512Z"
    for n, account in enumerate(("123456789012", *ODD_ACCOUNTS[:2])):
        events = [{**copy.deepcopy(e), "account": account, "id": f"{e['id']}-{n}"} for e in (parent, invocation)]
        for e in events:
            e["detail"]["command-id"] = f"{e['detail']['command-id']}-{n}"  # one command per account
        pipeline.deliver(events)
    pipeline.sweep()
    digests = [m["document"] for m in pipeline.received() if m["document"]["detailType"] == "Operation Digest"]
    assert sorted(d["account"] for d in digests) == sorted(["123456789012", *ODD_ACCOUNTS[:2]])
    for digest in digests:
        assert digest["duration"]["start"] == "2025-06-05T09:14:07Z"
