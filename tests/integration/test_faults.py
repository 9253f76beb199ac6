"""Faults of SNS, DynamoDB and Lambda, and what subscribers and the dead-letter queue get.

The handler runs as Lambda runs an EventBridge event (tools/harness/lambda_async.py): one try and two
retries, each after the failed attempt's deadline, then the on-failure record in the dead-letter
queue. The services are the real local ones; only the faults are injected, as the error answers
the services send (the SDK then retries them as it would in AWS).

Exactly once holds for every fault below but one class: SNS has the message and the function does
not get to record it, because it timed out right after the publish or the answer of the publish
was lost. Then the retry publishes a second copy; the tests pin that bound.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tools.harness.faults import ALWAYS, Faults
from tools.harness.lambda_async import TIMEOUT_ERROR, AsyncInvocation, AsyncLambda, dead_letters
from tools.harness.samples import load
from tools.harness.sdk_hooks import clients_hooked, sdk_backoff_skipped
from tools.harness.subscribers import Subscribers, envelope_of
from tools.harness.tables import scan_all, unique_name

# Seconds per attempt: Lambda's 30 s timeout scaled down. A retry comes after it.
TIMEOUT = 0.3

BuildHandler = Callable[[str], Any]
Drain = Callable[[str], list[dict[str, Any]]]


@pytest.fixture(autouse=True)
def _no_sdk_backoff() -> Iterator[None]:
    with sdk_backoff_skipped():
        yield


@pytest.fixture
def dead_letter_queue(sqs: Any) -> Iterator[str]:
    url: str = sqs.create_queue(QueueName=unique_name("dead-letters"))["QueueUrl"]
    yield url
    sqs.delete_queue(QueueUrl=url)


@pytest.fixture
def faults() -> Faults:
    return Faults()


@pytest.fixture
def as_lambda(build_handler: BuildHandler, faults: Faults, sqs: Any, dead_letter_queue: str) -> AsyncLambda:
    """The systems-manager function, its clients wired to `faults`, invoked as Lambda invokes it."""
    with clients_hooked(faults.attach):
        handler = build_handler("systems-manager")
    return AsyncLambda(handler, sqs, dead_letter_queue, timeout=TIMEOUT, faults=faults)


@pytest.fixture
def event() -> dict[str, Any]:
    return load("change-manager/rejected")


def copies(subscribers: Subscribers, drain: Drain, event: dict[str, Any]) -> int:
    """How many notifications of `event` each subscriber got (raw delivery and SNS envelope agree)."""
    raw = [json.loads(message["Body"]) for message in drain(subscribers.raw_queue_url)]
    wrapped = [json.loads(envelope_of(message)["Message"]) for message in drain(subscribers.envelope_queue_url)]
    assert sorted(map(json.dumps, raw)) == sorted(map(json.dumps, wrapped))
    for document in raw:
        assert document["eventId"] == event["id"]
        assert document["detailType"] == event["detail-type"]
        assert document["severity"] == "error"
        assert document["event"] == event
    return len(raw)


def record_states(dynamodb: Any, table: str) -> list[str]:
    return [item["status"]["S"] for item in scan_all(dynamodb, table)]


def assert_dead_lettered(records: list[dict[str, Any]], event: dict[str, Any], error_type: str, message: str) -> None:
    (record,) = records
    assert record["requestPayload"] == event
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["responsePayload"]["errorType"] == error_type
    assert message in record["responsePayload"]["errorMessage"]


# --- SNS -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "times", "attempts", "publish_requests"),
    [
        # Retried by the SDK (3 requests a call): Lambda never sees them.
        pytest.param("Throttling", 2, 1, 3, id="throttled-twice-sdk-retries"),
        pytest.param("InternalError", 2, 1, 3, id="internal-error-twice-sdk-retries"),
        # The SDK gives up: Powertools deletes the record, Lambda retries, the retry publishes.
        pytest.param("Throttling", 3, 2, 4, id="throttled-3-lambda-retries"),
        pytest.param("Throttling", 8, 3, 9, id="throttled-8-last-retry-publishes"),
        # Not retried by the SDK (KMS throttling is not an SNS throttling code): Lambda retries.
        pytest.param("KMSThrottling", 1, 2, 2, id="kms-throttling-once"),
    ],
)
def test_sns_failing_for_the_first_attempts_publishes_exactly_once(
    error: str,
    times: int,
    attempts: int,
    publish_requests: int,
    as_lambda: AsyncLambda,
    faults: Faults,
    event: dict[str, Any],
    subscribers: Subscribers,
    drain: Drain,
    sqs: Any,
    dead_letter_queue: str,
    dynamodb: Any,
    idempotency_table: str,
) -> None:
    faults.add("sns.Publish", error, times)

    delivery = as_lambda.deliver(event)

    assert delivery.outcome == "notified"
    assert delivery.attempts == attempts
    assert faults.sent["sns.Publish"] == publish_requests
    assert copies(subscribers, drain, event) == 1
    assert dead_letters(sqs, dead_letter_queue) == []
    assert record_states(dynamodb, idempotency_table) == ["COMPLETED"]
    # A redelivery afterwards is a duplicate.
    assert as_lambda.deliver(copy.deepcopy(event)).outcome == "duplicate"
    assert copies(subscribers, drain, event) == 0


@pytest.mark.parametrize(
    ("error", "publish_requests", "error_type"),
    [
        pytest.param("Throttling", 9, "ClientError", id="throttled-throughout"),
        pytest.param("KMSDisabled", 3, "KMSDisabledException", id="kms-key-disabled"),
    ],
)
def test_sns_failing_on_every_attempt_ends_in_the_dead_letter_queue_and_publishes_nothing(
    error: str,
    publish_requests: int,
    error_type: str,
    as_lambda: AsyncLambda,
    faults: Faults,
    event: dict[str, Any],
    subscribers: Subscribers,
    drain: Drain,
    sqs: Any,
    dead_letter_queue: str,
    dynamodb: Any,
    idempotency_table: str,
) -> None:
    faults.add("sns.Publish", error, ALWAYS)

    delivery = as_lambda.deliver(event)

    assert delivery.outcome == "dead-lettered"
    assert delivery.attempts == 3
    assert faults.sent["sns.Publish"] == publish_requests
    assert copies(subscribers, drain, event) == 0
    assert_dead_lettered(dead_letters(sqs, dead_letter_queue), event, error_type, error)
    # Each failed attempt released its record: a redrive, once SNS is back, publishes.
    assert record_states(dynamodb, idempotency_table) == []
    faults.clear()
    assert as_lambda.deliver(copy.deepcopy(event)).outcome == "notified"
    assert copies(subscribers, drain, event) == 1


# --- DynamoDB --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "times", "attempts", "put_requests"),
    [
        pytest.param("ProvisionedThroughputExceededException", 3, 1, 4, id="throttled-3-sdk-retries"),
        pytest.param("ThrottlingException", 4, 2, 5, id="throttled-4-lambda-retries"),
        pytest.param("InternalServerError", 9, 3, 10, id="failing-9-last-retry-publishes"),
    ],
)
def test_conditional_put_throttled_publishes_exactly_once(
    error: str,
    times: int,
    attempts: int,
    put_requests: int,
    as_lambda: AsyncLambda,
    faults: Faults,
    event: dict[str, Any],
    subscribers: Subscribers,
    drain: Drain,
    sqs: Any,
    dead_letter_queue: str,
    dynamodb: Any,
    idempotency_table: str,
) -> None:
    faults.add("dynamodb.PutItem", error, times)

    delivery = as_lambda.deliver(event)

    assert delivery.outcome == "notified"
    assert delivery.attempts == attempts
    assert faults.sent["dynamodb.PutItem"] == put_requests
    assert faults.sent["sns.Publish"] == 1  # nothing is published before the record is written
    assert copies(subscribers, drain, event) == 1
    assert dead_letters(sqs, dead_letter_queue) == []
    assert record_states(dynamodb, idempotency_table) == ["COMPLETED"]


def test_conditional_put_throttled_throughout_ends_in_the_dead_letter_queue_and_publishes_nothing(
    as_lambda: AsyncLambda,
    faults: Faults,
    event: dict[str, Any],
    subscribers: Subscribers,
    drain: Drain,
    sqs: Any,
    dead_letter_queue: str,
    dynamodb: Any,
    idempotency_table: str,
) -> None:
    faults.add("dynamodb.PutItem", "ProvisionedThroughputExceededException", ALWAYS)

    delivery = as_lambda.deliver(event)

    assert delivery.outcome == "dead-lettered"
    assert faults.sent["dynamodb.PutItem"] == 3 * 4
    assert faults.sent["sns.Publish"] == 0
    assert copies(subscribers, drain, event) == 0
    assert_dead_lettered(
        dead_letters(sqs, dead_letter_queue),
        event,
        "IdempotencyPersistenceLayerError",
        "Failed to save in progress record",
    )
    assert record_states(dynamodb, idempotency_table) == []


def test_completion_update_throttled_within_the_sdk_retries_publishes_exactly_once(
    as_lambda: AsyncLambda,
    faults: Faults,
    event: dict[str, Any],
    subscribers: Subscribers,
    drain: Drain,
    dynamodb: Any,
    idempotency_table: str,
) -> None:
    faults.add("dynamodb.UpdateItem", "ProvisionedThroughputExceededException", 3)

    delivery = as_lambda.deliver(event)

    assert (delivery.outcome, delivery.attempts) == ("notified", 1)
    assert faults.sent["dynamodb.UpdateItem"] == 4
    assert copies(subscribers, drain, event) == 1
    assert record_states(dynamodb, idempotency_table) == ["COMPLETED"]
    assert as_lambda.deliver(copy.deepcopy(event)).outcome == "duplicate"
    assert copies(subscribers, drain, event) == 0


def test_completion_update_throttled_throughout_publishes_once_without_a_retry(
    as_lambda: AsyncLambda,
    faults: Faults,
    event: dict[str, Any],
    subscribers: Subscribers,
    drain: Drain,
    sqs: Any,
    dead_letter_queue: str,
    dynamodb: Any,
    idempotency_table: str,
) -> None:
    # Every UpdateItem of the first attempt (the SDK's 4) is refused; later ones succeed.
    faults.add("dynamodb.UpdateItem", "ThrottlingException", 4)

    delivery = as_lambda.deliver(event)

    # SNS has the message: the function succeeds rather than have Lambda publish it again.
    assert (delivery.outcome, delivery.attempts, delivery.errors) == ("notified", 1, [])
    assert copies(subscribers, drain, event) == 1
    assert dead_letters(sqs, dead_letter_queue) == []
    assert record_states(dynamodb, idempotency_table) == ["INPROGRESS"]

    # The documented bound: a redelivery of this event publishes again once the record's
    # in-progress window (the attempt's timeout) is over. Within it, the redelivery is refused
    # as in progress and Lambda's retry, which comes after the window, publishes.
    redelivery = as_lambda.deliver(copy.deepcopy(event))
    assert redelivery.outcome == "notified"
    assert all(error.startswith("IdempotencyAlreadyInProgressError") for error in redelivery.errors)
    assert copies(subscribers, drain, event) == 1  # a second copy in all: the bound of one duplicate
    assert record_states(dynamodb, idempotency_table) == ["COMPLETED"]
    assert as_lambda.deliver(copy.deepcopy(event)).outcome == "duplicate"
    assert copies(subscribers, drain, event) == 0


# --- Lambda timeout and lost answers ---------------------------------------------------


def test_timeout_after_the_publish_gives_at_most_one_duplicate(
    as_lambda: AsyncLambda,
    faults: Faults,
    event: dict[str, Any],
    subscribers: Subscribers,
    drain: Drain,
    sqs: Any,
    dead_letter_queue: str,
    dynamodb: Any,
    idempotency_table: str,
) -> None:
    # The first attempt times out once SNS has the message, before the record is completed.
    faults.add("dynamodb.UpdateItem", "timeout", 1)

    delivery = as_lambda.deliver(event)

    assert delivery.outcome == "notified"
    assert delivery.attempts == 2
    assert delivery.errors == [f"{TIMEOUT_ERROR}: Task timed out after {TIMEOUT:.2f} seconds"]
    assert faults.sent["sns.Publish"] == 2
    assert copies(subscribers, drain, event) == 2  # the bound: one duplicate
    assert dead_letters(sqs, dead_letter_queue) == []
    assert record_states(dynamodb, idempotency_table) == ["COMPLETED"]
    assert as_lambda.deliver(copy.deepcopy(event)).outcome == "duplicate"
    assert copies(subscribers, drain, event) == 0


def test_timeout_before_the_publish_publishes_exactly_once(
    as_lambda: AsyncLambda,
    faults: Faults,
    event: dict[str, Any],
    subscribers: Subscribers,
    drain: Drain,
    dynamodb: Any,
    idempotency_table: str,
) -> None:
    faults.add("sns.Publish", "timeout", 1)

    delivery = as_lambda.deliver(event)

    assert (delivery.outcome, delivery.attempts) == ("notified", 2)
    assert copies(subscribers, drain, event) == 1
    assert record_states(dynamodb, idempotency_table) == ["COMPLETED"]


def test_a_timeout_after_the_publish_on_every_attempt_adds_one_copy_per_attempt(
    as_lambda: AsyncLambda,
    faults: Faults,
    event: dict[str, Any],
    subscribers: Subscribers,
    drain: Drain,
    sqs: Any,
    dead_letter_queue: str,
) -> None:
    # The worst case of the class: every attempt publishes and then times out (DynamoDB hanging).
    faults.add("dynamodb.UpdateItem", "timeout", ALWAYS)

    delivery = as_lambda.deliver(event)

    assert delivery.outcome == "dead-lettered"
    assert copies(subscribers, drain, event) == 3
    assert_dead_lettered(dead_letters(sqs, dead_letter_queue), event, TIMEOUT_ERROR, "Task timed out")


def test_a_lost_publish_answer_gives_at_most_one_duplicate(
    as_lambda: AsyncLambda,
    faults: Faults,
    event: dict[str, Any],
    subscribers: Subscribers,
    drain: Drain,
    dynamodb: Any,
    idempotency_table: str,
) -> None:
    # SNS accepts the message, its answer is lost: the SDK's retry publishes it again.
    faults.add("sns.Publish", "lost-answer", 1)

    delivery: AsyncInvocation = as_lambda.deliver(event)

    assert (delivery.outcome, delivery.attempts) == ("notified", 1)
    assert faults.sent["sns.Publish"] == 2
    assert copies(subscribers, drain, event) == 2
    assert record_states(dynamodb, idempotency_table) == ["COMPLETED"]
