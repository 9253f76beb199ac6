"""Storm control, scheduled: publish one digest per fleet-wide operation that has ended or expired.

Environment: OPERATIONS_TABLE_NAME, NOTIFICATION_TOPIC_ARN.
"""

import os
from functools import partial
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from notifier import digests
from notifier.operation_store import OperationStore
from notifier.publish import publish

logger = Logger()
tracer = Tracer()
metrics = Metrics()
store = OperationStore(boto3.client("dynamodb"), os.environ["OPERATIONS_TABLE_NAME"])
publish_digest = partial(publish, boto3.client("sns"), os.environ["NOTIFICATION_TOPIC_ARN"])


class DigestsNotPublished(RuntimeError):
    """Some digests could not be published; their claims were released for the next sweep."""


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics(raise_on_empty_metrics=False)
def handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    result = digests.sweep(store, publish_digest, digests.utc_now())
    for notification in result.published:
        logger.info("digest published", extra={"subject": notification.subject})
    metrics.add_metric(name="DigestsPublished", unit=MetricUnit.Count, value=len(result.published))
    if result.failed:
        metrics.add_metric(name="DigestsNotPublished", unit=MetricUnit.Count, value=len(result.failed))
        # Raise, so that the error alarm tells the operations topic; the next sweep retries.
        reasons = "; ".join(f"{operation}: {type(error).__name__}: {error}" for operation, error in result.failed)
        raise DigestsNotPublished(reasons)
    return {"digests": [n.subject for n in result.published], "closed": result.closed}
