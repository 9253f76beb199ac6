"""Fleet-wide operations, scheduled: publish one message per operation that has ended or expired."""

from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from notifier.delivery.observability import count, logger, metrics, tracer
from notifier.delivery.publisher import Publisher
from notifier.environment import OperationSweeping, Publishing
from notifier.fleet import sweeper
from notifier.fleet.observations import utc_now
from notifier.fleet.operation_store import OperationStore

settings = OperationSweeping.read()
store = OperationStore(boto3.client("dynamodb"), settings.table_name)
publisher = Publisher(boto3.client("sns"), Publishing.read().topic_arn)


class DigestsNotPublished(RuntimeError):
    """Some operations' messages could not be published; their claims were released for the next sweep."""


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics(raise_on_empty_metrics=False)
def handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    result = sweeper.sweep(store, publisher.publish, utc_now(), interim_seconds=settings.interim_seconds)
    for notification in result.published:
        logger.info("digest published", extra={"subject": notification.subject})
    count("DigestsPublished", len(result.published))
    if result.failed:
        count("DigestsNotPublished", len(result.failed))
        # Raise, so that the error alarm tells the alarm topic; the next sweep retries.
        reasons = "; ".join(f"{operation}: {type(error).__name__}: {error}" for operation, error in result.failed)
        raise DigestsNotPublished(reasons)
    return {"digests": [n.subject for n in result.published], "closed": result.closed}
