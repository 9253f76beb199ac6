"""Chat, exactly once per channel: notifications published by a real function to the notification
topic (moto), delivered by SNS to a chat queue through the severity filter, relayed by the real chat
relay handler (its dedupe in DynamoDB Local) to the chat topic, under the fault suite's publish faults.
The e-mail and JSON subscribers are the fault suite's; here, what the chat channel receives."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext

from tools.harness.context import fake_context
from tools.harness.faults import Faults, LambdaTimeout
from tools.harness.handler_loader import LambdaHandler, load_module
from tools.harness.samples import load
from tools.harness.sdk_hooks import Calls, clients_hooked
from tools.harness.sqs_records import received_record
from tools.harness.subscribers import Subscribers, envelope_of
from tools.harness.tables import unique_name

BuildHandler = Callable[[str], LambdaHandler]


class Chat:
    """The chat queue on the notification topic, the chat topic and what its channel receives."""

    def __init__(self, sns: Any, sqs: Any, notification_topic: str) -> None:
        self.sns, self.sqs = sns, sqs
        self.queue_url, self.queue_arn = self._queue("chat")
        self.sqs.set_queue_attributes(QueueUrl=self.queue_url, Attributes={"VisibilityTimeout": "0"})
        filter_policy = json.dumps({"severity": ["error", "warning"]})
        sns.subscribe(
            TopicArn=notification_topic,
            Protocol="sqs",
            Endpoint=self.queue_arn,
            Attributes={"FilterPolicy": filter_policy, "RawMessageDelivery": "false"},
        )
        self.topic_arn = sns.create_topic(Name=unique_name("chat-topic"))["TopicArn"]
        self.channel_url, channel_arn = self._queue("channel")
        sns.subscribe(TopicArn=self.topic_arn, Protocol="sqs", Endpoint=channel_arn)
        self.dead_letter_url, _ = self._queue("chat-dead-letters")

    def _queue(self, name: str) -> tuple[str, str]:
        url: str = self.sqs.create_queue(QueueName=unique_name(name))["QueueUrl"]
        arn: str = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    def run_relay(self, handler: LambdaHandler, context: LambdaContext, rounds: int = 5) -> int:
        """Lambda's SQS event source: batches until the queue is empty; failed records come back. Returns batches.

        After a timed-out batch, SQS gives it back once its visibility timeout (six times the function's
        timeout) is over: by then the idempotency record the timeout left in progress has expired.
        """
        batches = 0
        for _ in range(rounds):
            messages = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages", [])
            if not messages:
                break
            batches += 1
            try:
                failed = {
                    f["itemIdentifier"]
                    for f in handler({"Records": [received_record(m, self.queue_arn) for m in messages]}, context)[
                        "batchItemFailures"
                    ]
                }
            except LambdaTimeout:
                time.sleep(context.get_remaining_time_in_millis() / 1000 + 0.1)
                continue  # the whole batch comes back
            done = [m for m in messages if m["MessageId"] not in failed]
            for message in done:
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        return batches

    def cards(self) -> list[dict[str, Any]]:
        cards = []
        while messages := self.sqs.receive_message(QueueUrl=self.channel_url, MaxNumberOfMessages=10).get("Messages"):
            for message in messages:
                cards.append(json.loads(envelope_of(message)["Message"]))
                self.sqs.delete_message(QueueUrl=self.channel_url, ReceiptHandle=message["ReceiptHandle"])
        return cards


@pytest.fixture
def chat(sns: Any, sqs: Any, subscribers: Subscribers, monkeypatch: pytest.MonkeyPatch) -> Iterator[Chat]:
    channel = Chat(sns, sqs, subscribers.topic_arn)
    monkeypatch.setenv("CHAT_TOPIC_ARN", channel.topic_arn)
    monkeypatch.setenv("DEAD_LETTER_QUEUE_URL", channel.dead_letter_url)
    yield channel


@pytest.fixture
def faults() -> Faults:
    return Faults()


@pytest.fixture
def relay(chat: Chat, faults: Faults, idempotency_table: str) -> Any:
    with clients_hooked(faults.attach):
        return load_module("handlers.chat_relay").handler


def _notify(build_handler: BuildHandler, context: LambdaContext, *samples: str) -> None:
    handler = build_handler("systems-manager")
    for sample in samples:
        handler(load(sample), context)


def test_errors_and_warnings_reach_chat_once_and_information_does_not(
    chat: Chat, relay: Any, build_handler: BuildHandler, lambda_context: LambdaContext
) -> None:
    _notify(
        build_handler, lambda_context, "change-manager/rejected", "parameter-store/delete", "parameter-store/create"
    )
    chat.run_relay(relay, lambda_context)

    cards = chat.cards()
    assert sorted(card["content"]["title"].split("] ", 1)[1] for card in cards) == sorted(
        ["Change request A change request title Rejected", "Parameter MyExampleParameter Delete"]
    )
    assert all(card["version"] == "1.0" and card["source"] == "custom" for card in cards)


@pytest.mark.parametrize(
    ("error", "times"),
    [
        pytest.param("Throttling", 2, id="throttled-twice-sdk-retries"),
        pytest.param("Throttling", 3, id="throttled-3-record-retried"),
        pytest.param("KMSThrottling", 1, id="kms-throttling-record-retried"),
        pytest.param("timeout", 1, id="timeout-before-the-publish"),
    ],
)
def test_a_failing_chat_publish_posts_the_card_exactly_once(
    error: str,
    times: int,
    chat: Chat,
    relay: Any,
    faults: Faults,
    build_handler: BuildHandler,
    lambda_context: LambdaContext,
) -> None:
    faults.add("sns.Publish", error, times)
    _notify(build_handler, lambda_context, "change-manager/rejected")

    chat.run_relay(relay, fake_context(remaining_time_in_millis=300))  # a 0.3 s function, as the fault suite's

    (card,) = chat.cards()
    assert card["content"]["title"].endswith("Change request A change request title Rejected")


def test_a_redelivered_notification_posts_nothing_more(
    chat: Chat, relay: Any, sqs: Any, build_handler: BuildHandler, lambda_context: LambdaContext
) -> None:
    _notify(build_handler, lambda_context, "change-manager/rejected")
    (message,) = sqs.receive_message(QueueUrl=chat.queue_url, MaxNumberOfMessages=10)["Messages"]
    record = received_record(message, chat.queue_arn)
    relay({"Records": [record]}, lambda_context)
    relay({"Records": [record]}, lambda_context)  # SQS delivers it again: its MessageId is the same

    assert len(chat.cards()) == 1


def test_a_record_that_is_not_a_notification_goes_to_the_dead_letter_queue_naming_why(
    chat: Chat, relay: Any, sqs: Any, lambda_context: LambdaContext
) -> None:
    sqs.send_message(QueueUrl=chat.queue_url, MessageBody='{"Type": "Notification", "Message": "not json"}')
    chat.run_relay(relay, lambda_context)

    (dead,) = sqs.receive_message(QueueUrl=chat.dead_letter_url, MaxNumberOfMessages=10)["Messages"]
    assert json.loads(dead["Body"])["reason"].startswith("NotANotification: the record is not an SNS notification")
    assert chat.cards() == []


def test_a_card_costs_two_dedupe_writes_and_one_publish_and_a_redelivery_one_read(
    chat: Chat, faults: Faults, idempotency_table: str, build_handler: BuildHandler, lambda_context: LambdaContext
) -> None:
    """The calls per notification with chat on (docs/chat.md); the notification's own path is unchanged."""
    calls = Calls()
    with clients_hooked(calls.attach):
        relay = load_module("handlers.chat_relay").handler
    calls.take()
    _notify(build_handler, lambda_context, "change-manager/rejected")
    (message,) = chat.sqs.receive_message(QueueUrl=chat.queue_url, MaxNumberOfMessages=10)["Messages"]
    record = received_record(message, chat.queue_arn)

    relay({"Records": [record]}, lambda_context)
    assert calls.take() == {"dynamodb.PutItem": 1, "dynamodb.UpdateItem": 1, "sns.Publish": 1}
    relay({"Records": [record]}, lambda_context)
    assert calls.take() == {"dynamodb.PutItem": 1}  # the failed conditional put answers: a duplicate
