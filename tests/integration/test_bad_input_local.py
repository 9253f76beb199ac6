"""Strange events through the handler, DynamoDB Local and moto's SNS: what a subscriber gets.

Each example ends with exactly one message SNS accepted, that both subscribers receive and that
keeps SNS's rules, or with a refusal naming the field and nothing published
(strategies: tests/payloads.py; the same property without the services: tests/unit/test_bad_input.py).
"""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from notifier.core.models import InvalidEventError
from notifier.core.render import SNS_MAX_BYTES
from ssm_event_notifier.contract.catalog import FAMILY_BY_NAME, FUNCTIONS, event_type_of
from tests.payloads import SUBJECT, assert_names_the_field, events
from tools.harness.context import fake_context
from tools.harness.handler_loader import LambdaHandler
from tools.harness.subscribers import Subscribers, envelope_of


def receive_now(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    """What the queue holds now: moto delivers from SNS to SQS inside the publish call."""
    messages: list[dict[str, Any]] = sqs.receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], WaitTimeSeconds=0
    ).get("Messages", [])
    for message in messages:
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return messages


@pytest.fixture
def handlers(build_handler: Any) -> dict[str, LambdaHandler]:
    return {function: build_handler(function) for function in FUNCTIONS}


@settings(
    max_examples=50,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(event=events())
def test_a_strange_event_is_published_once_within_sns_rules_or_refused_with_nothing_sent(
    event: dict[str, Any], handlers: dict[str, LambdaHandler], subscribers: Subscribers, sqs: Any
) -> None:
    if isinstance(event.get("id"), str):
        event["id"] += f"-{uuid.uuid4().hex[:8]}"  # each example a new event for the idempotency table
    detail_type = event["detail-type"]
    function = FAMILY_BY_NAME[event_type_of(detail_type, event.get("detail")).family].function  # type: ignore[union-attr]
    sent = copy.deepcopy(event)

    try:
        result = handlers[function](event, fake_context())
    except InvalidEventError as error:
        assert_names_the_field(error, sent)
        assert receive_now(sqs, subscribers.raw_queue_url) == []
        assert receive_now(sqs, subscribers.envelope_queue_url) == []
        return

    if result.get("reason") == "already notified":
        # One message per calendar transition, calendar version or burst of one principal's calls:
        # an earlier example announced this one.
        assert receive_now(sqs, subscribers.raw_queue_url) == []
        assert receive_now(sqs, subscribers.envelope_queue_url) == []
        return
    assert not result.get("duplicate")
    (raw,) = receive_now(sqs, subscribers.raw_queue_url)
    (wrapped,) = receive_now(sqs, subscribers.envelope_queue_url)
    document = json.loads(raw["Body"])
    envelope = envelope_of(wrapped)
    assert document["eventId"] == sent["id"]
    assert document["detailType"] == detail_type
    assert envelope["MessageId"] == result["messageId"]
    assert envelope["Subject"] == result["subject"] == document["subject"]
    assert SUBJECT.fullmatch(envelope["Subject"]) and len(envelope["Subject"]) < 100
    assert json.loads(envelope["Message"]) == document
    assert len(raw["Body"].encode()) <= SNS_MAX_BYTES
    attributes = {name: value["StringValue"] for name, value in raw.get("MessageAttributes", {}).items()}
    # name: when the event names a document, runbook, window, calendar, parameter or image.
    assert set(attributes) - {"name"} == {"family", "detail_type", "severity", "status", "account", "region"}
    assert all(value.isascii() and value.isprintable() and value for value in attributes.values())
