"""Storm control: record the buffered events of fleet-wide operations (SQS batches, partial failures).

Environment: OPERATIONS_TABLE_NAME, OPERATION_TIMEOUT_SECONDS, DIGEST_SETTLE_SECONDS.
"""

import json
import os
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from notifier.digests import DEFAULT_SETTLE_SECONDS, DEFAULT_TIMEOUT_SECONDS, Recorder
from notifier.operation_store import OperationStore

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)
recorder = Recorder(
    OperationStore(boto3.client("dynamodb"), os.environ["OPERATIONS_TABLE_NAME"]),
    timeout_seconds=float(os.environ.get("OPERATION_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS)),
    settle_seconds=float(os.environ.get("DIGEST_SETTLE_SECONDS", DEFAULT_SETTLE_SECONDS)),
)


def record_handler(record: SQSRecord) -> str:
    # The body is the EventBridge event as the rule matched it. A record that raises is reported
    # back as a batch item failure: SQS redelivers it, then moves it to the dead-letter queue.
    try:
        outcome = recorder.record(json.loads(record.body))
    except Exception:
        logger.exception("event not recorded", extra={"message_id": record.message_id})
        metrics.add_metric(name="EventsNotRecorded", unit=MetricUnit.Count, value=1)
        raise
    metrics.add_metric(
        name="EventsRecorded" if outcome == "recorded" else "StaleEvents", unit=MetricUnit.Count, value=1
    )
    return outcome


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics(raise_on_empty_metrics=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    recorder.start_batch()
    return dict(
        process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
    )
