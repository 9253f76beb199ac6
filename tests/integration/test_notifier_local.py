"""The notifier's handler against DynamoDB Local (idempotency) and moto (SNS -> SQS).

Every assertion is on what a subscriber receives (the raw-delivery queue and the
envelope queue) or on what is left in the idempotency table.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError

from notifier.core.models import InvalidEventError, parse_event
from notifier.core.render import render
from notifier.delivery.publisher import Publisher
from tools.harness.context import fake_context
from tools.harness.handler_loader import LambdaHandler
from tools.harness.samples import SAMPLE_FILES, family_of, function_of, load, read, sample_id
from tools.harness.subscribers import Subscribers, envelope_attributes, envelope_of, sqs_attributes
from tools.harness.tables import scan_all

ATTRIBUTE_NAMES = {"family", "detail_type", "severity", "status", "account", "region"}

BuildHandler = Callable[[str], LambdaHandler]
Drain = Callable[[str], list[dict[str, Any]]]


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=sample_id)
def test_sample_event_reaches_both_subscribers_once(
    path: Path,
    build_handler: BuildHandler,
    lambda_context: LambdaContext,
    subscribers: Subscribers,
    drain: Drain,
) -> None:
    event = read(path)
    family = family_of(path)
    expected = render(parse_event(copy.deepcopy(event)), copy.deepcopy(event))
    handler = build_handler(function_of(path))

    result = handler(event, lambda_context)

    assert not result.get("duplicate")
    assert result["subject"] == expected.subject
    raw = drain(subscribers.raw_queue_url)
    wrapped = drain(subscribers.envelope_queue_url)
    assert len(raw) == 1, f"raw-delivery queue got {len(raw)} messages"
    assert len(wrapped) == 1, f"envelope queue got {len(wrapped)} messages"

    # Raw delivery: the body is the JSON document, the attributes are SQS message attributes.
    document = json.loads(raw[0]["Body"])
    assert document["version"] == "1"
    assert document["eventId"] == event["id"]
    assert document["family"] == family
    assert document["detailType"] == event["detail-type"]
    assert document["subject"] == expected.subject
    assert document["event"] == event
    attributes = sqs_attributes(raw[0])
    assert set(attributes) - {"name"} == ATTRIBUTE_NAMES  # name: when the event names one (test_message_names)
    assert attributes == expected.attributes
    assert attributes["family"] == family
    assert attributes["detail_type"] == event["detail-type"]
    assert attributes["account"] == event["account"]
    assert attributes["region"] == event["region"]
    assert attributes["severity"] in {"error", "warning", "info"}
    assert attributes["severity"] == document["severity"]
    assert attributes["status"] == document["status"]

    # Envelope: SNS's JSON wrapper with the subject, the same document and the same attributes.
    envelope = envelope_of(wrapped[0])
    assert envelope["Type"] == "Notification"
    assert envelope["TopicArn"] == subscribers.topic_arn
    assert envelope["MessageId"] == result["messageId"]
    assert envelope["Subject"] == expected.subject
    assert json.loads(envelope["Message"]) == document
    assert envelope_attributes(envelope) == attributes


def test_redelivered_event_publishes_once(
    build_handler: BuildHandler,
    lambda_context: LambdaContext,
    subscribers: Subscribers,
    drain: Drain,
) -> None:
    event = load("run-command/command-success")
    handler = build_handler("run-command")

    first = handler(copy.deepcopy(event), lambda_context)
    second = handler(copy.deepcopy(event), fake_context())

    assert not first.get("duplicate")
    assert second.get("duplicate") is True
    assert second["messageId"] == first["messageId"]
    assert len(drain(subscribers.raw_queue_url)) == 1
    envelopes = drain(subscribers.envelope_queue_url)
    assert [envelope_of(m)["MessageId"] for m in envelopes] == [first["messageId"]]


def test_events_sharing_an_id_are_not_duplicates(
    build_handler: BuildHandler, lambda_context: LambdaContext, subscribers: Subscribers, drain: Drain
) -> None:
    # AWS's AMI samples all carry the same id; only the detail differs.
    handler = build_handler("ami")
    results = [handler(load(f"ami/{name}"), lambda_context) for name in ("available", "failed")]

    assert [r.get("duplicate") for r in results] == [None, None]
    statuses = sorted(sqs_attributes(m)["status"] for m in drain(subscribers.raw_queue_url))
    assert statuses == ["available", "failed"]


def test_concurrent_deliveries_publish_once(
    build_handler: BuildHandler, subscribers: Subscribers, drain: Drain, dynamodb: Any, idempotency_table: str
) -> None:
    event = load("maintenance-window/execution-success")
    handler = build_handler("maintenance-window")
    threads_count = 10
    barrier = threading.Barrier(threads_count)
    outcomes: list[dict[str, Any] | BaseException] = [RuntimeError("thread did not run")] * threads_count

    def deliver(index: int) -> None:
        context = fake_context()
        payload = copy.deepcopy(event)
        barrier.wait(timeout=30)
        try:
            outcomes[index] = handler(payload, context)
        except BaseException as error:
            outcomes[index] = error

    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)

    published = [o for o in outcomes if isinstance(o, dict) and not o.get("duplicate")]
    duplicates = [o for o in outcomes if isinstance(o, dict) and o.get("duplicate")]
    in_progress = [o for o in outcomes if isinstance(o, IdempotencyAlreadyInProgressError)]
    unexpected = [o for o in outcomes if not isinstance(o, dict | IdempotencyAlreadyInProgressError)]
    assert not unexpected, f"unexpected outcomes: {unexpected!r}"
    assert len(published) == 1, f"{len(published)} deliveries published"
    assert len(published) + len(duplicates) + len(in_progress) == threads_count
    assert all(d["messageId"] == published[0]["messageId"] for d in duplicates)

    # Lambda retries the ones that found the record in progress: now they are duplicates.
    retry = handler(copy.deepcopy(event), fake_context())
    assert retry.get("duplicate") is True
    assert retry["messageId"] == published[0]["messageId"]
    raw = drain(subscribers.raw_queue_url)
    envelopes = drain(subscribers.envelope_queue_url)
    assert len(raw) == 1
    assert [envelope_of(m)["MessageId"] for m in envelopes] == [published[0]["messageId"]]
    records = scan_all(dynamodb, idempotency_table)
    assert [r["status"]["S"] for r in records] == ["COMPLETED"]


def test_failed_publish_is_retried_and_publishes_once(
    monkeypatch: pytest.MonkeyPatch,
    build_handler: BuildHandler,
    lambda_context: LambdaContext,
    subscribers: Subscribers,
    drain: Drain,
    dynamodb: Any,
    idempotency_table: str,
) -> None:
    calls: list[str] = []

    real_publish = Publisher.publish

    def throttled_once(publisher: Publisher, notification: Any) -> str:
        calls.append(notification.subject)
        if len(calls) == 1:
            raise ClientError({"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, "Publish")
        return real_publish(publisher, notification)

    # moto cannot throttle: fail the first publish in front of the real one.
    monkeypatch.setattr(Publisher, "publish", throttled_once)
    event = load("automation/execution-success")
    handler = build_handler("systems-manager")

    with pytest.raises(ClientError) as raised:
        handler(copy.deepcopy(event), lambda_context)
    assert raised.value.response["Error"]["Code"] == "Throttling"
    assert scan_all(dynamodb, idempotency_table) == [], "the failed attempt left an idempotency record"
    assert drain(subscribers.raw_queue_url) == []

    retry = handler(copy.deepcopy(event), fake_context())

    assert not retry.get("duplicate")
    assert len(calls) == 2
    raw = drain(subscribers.raw_queue_url)
    envelopes = drain(subscribers.envelope_queue_url)
    assert len(raw) == 1
    assert json.loads(raw[0]["Body"])["eventId"] == event["id"]
    assert [envelope_of(m)["MessageId"] for m in envelopes] == [retry["messageId"]]
    assert [r["status"]["S"] for r in scan_all(dynamodb, idempotency_table)] == ["COMPLETED"]


def _ami_without_image_id() -> dict[str, Any]:
    event = load("ami/available")
    del event["detail"]["ImageId"]
    return event


def _command_with_object_id() -> dict[str, Any]:
    event = load("run-command/command-success")
    event["detail"]["command-id"] = {"id": "e8d3c0e4-71f7-4491-898f-c9b35bee5f3b"}
    return event


@pytest.mark.parametrize(
    ("function", "make_event", "detail_type", "field"),
    [
        pytest.param("ami", _ami_without_image_id, "EC2 AMI State Change", "detail.ImageId", id="ami-no-image-id"),
        pytest.param(
            "run-command",
            _command_with_object_id,
            "EC2 Command Status-change Notification",
            "detail.command-id",
            id="command-id-object",
        ),
        pytest.param(
            "ami",
            lambda: load("run-command/command-success"),
            "EC2 Command Status-change Notification",
            "detail-type",
            id="other-family",
        ),
    ],
)
def test_unparseable_event_is_refused_without_side_effects(
    function: str,
    make_event: Callable[[], dict[str, Any]],
    detail_type: str,
    field: str,
    build_handler: BuildHandler,
    lambda_context: LambdaContext,
    subscribers: Subscribers,
    drain: Drain,
    dynamodb: Any,
    idempotency_table: str,
) -> None:
    handler = build_handler(function)

    with pytest.raises(InvalidEventError) as raised:
        handler(make_event(), lambda_context)

    assert raised.value.field == field
    assert raised.value.detail_type == detail_type
    assert detail_type in str(raised.value)
    assert f"'{field}'" in str(raised.value)
    assert drain(subscribers.raw_queue_url) == []
    assert drain(subscribers.envelope_queue_url) == []
    assert scan_all(dynamodb, idempotency_table) == []
