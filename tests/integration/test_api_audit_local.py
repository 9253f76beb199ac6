"""The API audit through the real systems-manager handler (DynamoDB Local, moto SNS): a session a
person starts is notified once, and a burst of the same call by one principal is one message."""

from __future__ import annotations

import copy
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from tools.harness.handler_loader import LambdaHandler
from tools.harness.samples import load
from tools.harness.subscribers import Subscribers
from tools.harness.tables import scan_all

BuildHandler = Callable[[str], LambdaHandler]
Drain = Callable[[str], list[dict[str, Any]]]


def _documents(subscribers: Subscribers, drain: Drain) -> list[dict[str, Any]]:
    return [json.loads(message["Body"]) for message in drain(subscribers.raw_queue_url)]


def _another_call(sample: str) -> dict[str, Any]:
    """The same call again: a new event (new ids), as CloudTrail records every call."""
    event = copy.deepcopy(load(sample))
    event["id"] = str(uuid.uuid4())
    event["detail"]["eventID"] = str(uuid.uuid4())
    return event


def test_a_session_started_by_a_person_is_notified_once_saying_who_from_where_and_on_what(
    build_handler: BuildHandler, lambda_context: LambdaContext, subscribers: Subscribers, drain: Drain
) -> None:
    handler = build_handler("systems-manager")
    session = load("api-audit/start-session")
    handler(session, lambda_context)
    handler(copy.deepcopy(session), lambda_context)  # EventBridge delivers it again

    (document,) = _documents(subscribers, drain)
    assert (
        document["subject"]
        == "[INFO] StartSession by OpsAdmin (jane.doe@example.com) on i-0b1c2d3e4fEXAMPLE (us-east-2)"
    )
    text = document["text"]
    for line in (
        "Role session: jane.doe@example.com",
        "Source IP:    203.0.113.24",
        "Target:       i-0b1c2d3e4fEXAMPLE",
    ):
        assert f"\n{line}\n" in text, line
    assert "Further StartSession calls by this principal within 60 s are counted, not notified." in text


def test_fifty_identical_sends_within_the_window_are_one_message_and_the_next_burst_another(
    build_handler: BuildHandler,
    lambda_context: LambdaContext,
    subscribers: Subscribers,
    drain: Drain,
    dynamodb: Any,
    idempotency_table: str,
) -> None:
    handler = build_handler("systems-manager")
    for _ in range(50):
        handler(_another_call("api-audit/send-command"), lambda_context)
    handler(_another_call("api-audit/start-session"), lambda_context)  # another call, another principal

    subjects = sorted(d["subject"] for d in _documents(subscribers, drain))
    assert subjects == [
        "[INFO] SendCommand by alice on i-0b1c2d3e4fEXAMPLE, i-0c4d5e6f7aEXAMPLE (us-east-2)",
        "[INFO] StartSession by OpsAdmin (jane.doe@example.com) on i-0b1c2d3e4fEXAMPLE (us-east-2)",
    ]
    (burst,) = [i for i in scan_all(dynamodb, idempotency_table) if "SendCommand" in i["id"]["S"]]
    assert burst["calls"]["N"] == "50"
    # The window is over (its end moved to the past: a minute is not waited for here).
    dynamodb.update_item(
        TableName=idempotency_table,
        Key={"id": burst["id"]},
        UpdateExpression="SET windowEnd = :past",
        ExpressionAttributeValues={":past": {"N": str(int(time.time()) - 1)}},
    )
    handler(_another_call("api-audit/send-command"), lambda_context)
    assert [d["subject"].split(" on ")[0] for d in _documents(subscribers, drain)] == ["[INFO] SendCommand by alice"]
