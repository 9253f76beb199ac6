"""Chat: each notification of the chat queue, as a chat card on the chat topic, once (notifier.chat)."""

from functools import partial
from typing import Any

import boto3
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from handlers import loaded
from notifier import count, logger, observed
from notifier.chat import ChatRelay, NotANotification
from notifier.delivery import RefusedEvents
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
# A batch whose every record failed is reported record by record too, not raised: SQS retries them the same way.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def record_handler(record: SQSRecord, lambda_context: LambdaContext) -> str:
    try:
        result = relay.relay(record.body, lambda_context)
    except NotANotification as error:
        # Once, with the reason, and the rest of the batch goes on.
        refused.send(record.body, f"{type(error).__name__}: {error}", record.message_id)
        logger.error("record refused", extra={"message_id": record.message_id, "reason": str(error)})
        count("RecordsRefused")
        return "refused"
    if result.get("duplicate"):
        count("DuplicatesSuppressed")
        return "duplicate"
    if result.get("completionNotRecorded"):
        count("CompletionNotRecorded")
    count("ChatCardsPublished")
    return "published"


@observed()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return dict(
        process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
    )


loaded()  # the collector resumes (handlers/__init__.py)
