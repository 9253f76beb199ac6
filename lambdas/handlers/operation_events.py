"""Fleet-wide operations: record the buffered events of operations (SQS batches, partial failures)."""

import json
from functools import partial
from typing import Any

import boto3
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from handlers import loaded
from notifier import count, logger, observed
from notifier.core import InvalidEventError
from notifier.delivery import RefusedEvents
from notifier.fleet import NotAnOperationEvent, OperationStore, Recorder
from notifier.organization import Scope
from ssm_event_notifier.contract.environment import DeadLetterSending, OperationRecording, Organization

settings = OperationRecording.read()
processor = BatchProcessor(event_type=EventType.SQS)
recorder = Recorder(
    OperationStore(boto3.client("dynamodb"), settings.table_name),
    timeout_seconds=settings.timeout_seconds,
    settle_seconds=settings.settle_seconds,
    interim_seconds=settings.interim_seconds,
    quiet_seconds=settings.quiet_seconds,
    scope=Scope(Organization.read().enabled),
)
refused = RefusedEvents(partial(boto3.client, "sqs"), DeadLetterSending.read().queue_url)
# Errors no retry can mend: the event itself is wrong.
REFUSALS = (InvalidEventError, NotAnOperationEvent, json.JSONDecodeError)


def record_handler(record: SQSRecord) -> str:
    # The body is the EventBridge event as the rule matched it.
    try:
        outcome = recorder.record(json.loads(record.body))
    except REFUSALS as error:
        # Once, with the reason, and the rest of the batch goes on.
        reason = f"{type(error).__name__}: {error}"
        refused.send(record.body, reason, record.message_id)
        logger.error("event refused", extra={"message_id": record.message_id, "reason": reason})
        count("EventsRefused")
        return "refused"
    except Exception:
        # A passing failure (throttled, an operation being summed up): reported back as a batch item
        # failure, so that SQS delivers it again, then moves it to the dead-letter queue.
        logger.exception("event not recorded", extra={"message_id": record.message_id})
        count("EventsNotRecorded")
        raise
    count("EventsRecorded" if outcome == "recorded" else "StaleEvents")
    return outcome


@observed()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    recorder.start_batch()
    return dict(
        process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
    )


loaded()  # the collector resumes (handlers/__init__.py)
