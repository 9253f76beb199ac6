"""Routes: each notification of a route destination's queue, to that destination, once (notifier.routes)."""

from functools import partial
from typing import Any

import boto3
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from handlers import loaded
from notifier import count, logger, observed
from notifier.core import NotANotification
from notifier.delivery import RefusedEvents, RelayedRecords
from notifier.routes import Deferrals, NotARouteQueue, RetryLater, RouteRelay, Secrets
from ssm_event_notifier.contract.environment import DeadLetterSending, Dedupe, RouteRelaying
from ssm_event_notifier.contract.routes_file import relayed_destinations

dedupe = Dedupe.read()
relaying = RouteRelaying.read()
sqs = boto3.client("sqs")  # one client: the relay's, and the deferrals' visibility changes
relay = RouteRelay(
    sns=boto3.client("sns"),
    sqs=sqs,
    dynamodb=boto3.client("dynamodb"),
    secrets=Secrets(partial(boto3.client, "secretsmanager")),
    destinations=relayed_destinations(relaying.destinations),
    table_name=dedupe.table_name,
    window_seconds=dedupe.window_seconds,
    pagerduty_url=relaying.pagerduty_url,
    jsm_url=relaying.jsm_url,
)
refused = RefusedEvents(partial(boto3.client, "sqs"), DeadLetterSending.read().queue_url)
deferrals = Deferrals(sqs, relaying.retry_first_seconds)


def relay_one(record: SQSRecord, context: LambdaContext) -> dict[str, Any]:
    try:
        return relay.relay(record.event_source_arn, record.body, context)
    except RetryLater as error:
        # The record stays in its queue and comes back after its retry delay: say why (the status and the
        # API's answer, no secret) and when.
        receives = int(record.attributes.get("ApproximateReceiveCount") or 1)
        delay = deferrals.defer(record.event_source_arn, record.receipt_handle, receives, error.retry_after)
        extra: dict[str, Any] = {"message_id": record.message_id, "reason": str(error)}
        extra |= {"retry_in_seconds": delay} if isinstance(delay, int) else {"retry_delay": delay}
        logger.warning("delivery deferred", extra=extra)
        count("RouteDeferred")
        raise


def counted(result: dict[str, Any]) -> str:
    outcome = "refused" if "refused" in result else "skipped" if "skipped" in result else "delivered"
    return f"Route{outcome.capitalize()}"


records = RelayedRecords(relay_one, refused, never=(NotANotification, NotARouteQueue), counted=counted)


@observed()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return records.handle(event, context)


loaded()  # the collector resumes (handlers/__init__.py)
