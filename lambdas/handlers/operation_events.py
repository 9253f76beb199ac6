"""Fleet-wide operations: record the buffered events of operations (SQS batches, partial failures)."""

import json
from typing import Any

import boto3
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from notifier.delivery.observability import count, logger, metrics, tracer
from notifier.environment import OperationRecording
from notifier.fleet.operation_store import OperationStore
from notifier.fleet.recorder import Recorder

settings = OperationRecording.read()
processor = BatchProcessor(event_type=EventType.SQS)
recorder = Recorder(
    OperationStore(boto3.client("dynamodb"), settings.table_name),
    timeout_seconds=settings.timeout_seconds,
    settle_seconds=settings.settle_seconds,
)


def record_handler(record: SQSRecord) -> str:
    # The body is the EventBridge event as the rule matched it. A record that raises is reported
    # back as a batch item failure: SQS redelivers it, then moves it to the dead-letter queue.
    try:
        outcome = recorder.record(json.loads(record.body))
    except Exception:
        logger.exception("event not recorded", extra={"message_id": record.message_id})
        count("EventsNotRecorded")
        raise
    count("EventsRecorded" if outcome == "recorded" else "StaleEvents")
    return outcome


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics(raise_on_empty_metrics=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    recorder.start_batch()
    return dict(
        process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
    )
