"""Chat: each notification of the chat queue, as a chat card on the chat topic, once (notifier.chat)."""

from functools import partial
from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from handlers import loaded
from notifier import observed
from notifier.chat import ChatRelay, NotANotification
from notifier.delivery import RefusedEvents, RelayedRecords
from ssm_event_notifier.contract.environment import ChatRelaying, DeadLetterSending, Dedupe

dedupe = Dedupe.read()
relay = ChatRelay(
    boto3.client("sns"),
    boto3.client("dynamodb"),
    ChatRelaying.read().topic_arn,
    dedupe.table_name,
    dedupe.window_seconds,
)
refused = RefusedEvents(partial(boto3.client, "sqs"), DeadLetterSending.read().queue_url)
records = RelayedRecords(
    lambda record, context: relay.relay(record.body, context),
    refused,
    never=(NotANotification,),
    counted=lambda result: "ChatCardsPublished",
)


@observed()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return records.handle(event, context)


loaded()  # the collector resumes (handlers/__init__.py)
