"""Routes: each notification of a route destination's queue, to that destination, once (notifier.routes)."""

from functools import partial
from typing import Any

import boto3
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from handlers import loaded
from notifier import count, logger, observed
from notifier.core import NotANotification
from notifier.delivery import RefusedEvents
from notifier.routes import NotARouteQueue, RetryLater, RouteRelay, Secrets
from ssm_event_notifier.contract.environment import DeadLetterSending, Dedupe, RouteRelaying
from ssm_event_notifier.contract.routes_file import relayed_destinations

dedupe = Dedupe.read()
relaying = RouteRelaying.read()
relay = RouteRelay(
    sns=boto3.client("sns"),
    sqs=boto3.client("sqs"),
    dynamodb=boto3.client("dynamodb"),
    secrets=Secrets(partial(boto3.client, "secretsmanager")),
    destinations=relayed_destinations(relaying.destinations),
    table_name=dedupe.table_name,
    window_seconds=dedupe.window_seconds,
    pagerduty_url=relaying.pagerduty_url,
    jsm_url=relaying.jsm_url,
)
refused = RefusedEvents(partial(boto3.client, "sqs"), DeadLetterSending.read().queue_url)
# A batch whose every record failed is reported record by record too, not raised: SQS retries them the same way.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def record_handler(record: SQSRecord, lambda_context: LambdaContext) -> str:
    try:
        result = relay.relay(record.event_source_arn, record.body, lambda_context)
    except (NotANotification, NotARouteQueue) as error:
        # Once, with the reason, and the rest of the batch goes on.
        refused.send(record.body, f"{type(error).__name__}: {error}", record.message_id)
        logger.error("record refused", extra={"message_id": record.message_id, "reason": str(error)})
        count("RecordsRefused")
        return "refused"
    except RetryLater as error:
        # The record stays in its queue and comes back: say why (the status and the API's answer, no secret).
        logger.warning("delivery deferred", extra={"message_id": record.message_id, "reason": str(error)})
        count("RouteDeferred")
        raise
    if result.get("duplicate"):
        count("DuplicatesSuppressed")
        return "duplicate"
    if result.get("completionNotRecorded"):
        count("CompletionNotRecorded")
    outcome = "refused" if "refused" in result else "skipped" if "skipped" in result else "delivered"
    count(f"Route{outcome.capitalize()}")
    return outcome


@observed()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return dict(
        process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
    )


loaded()  # the collector resumes (handlers/__init__.py)
