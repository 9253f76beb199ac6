"""Scheduled: announce the Change Calendar transitions AWS did not (its events are best effort).

Environment: MONITORED_CALENDARS (comma-separated document names), GRACE_MINUTES, and the
notification function's IDEMPOTENCY_TABLE_NAME and NOTIFICATION_TOPIC_ARN.
"""

import os
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from notifier import calendar_notifications
from notifier.links import partition_of
from notifier.models import parse_event
from notifier.publish import publish
from notifier.render import render
from notifier.transitions import TransitionStore

logger = Logger()
tracer = Tracer()
metrics = Metrics()
ssm = boto3.client("ssm")
sns = boto3.client("sns")
documents = calendar_notifications.CalendarDocuments(ssm)
transitions = TransitionStore(boto3.client("dynamodb"), os.environ["IDEMPOTENCY_TABLE_NAME"])
CALENDARS = [name.strip() for name in os.environ.get("MONITORED_CALENDARS", "").split(",") if name.strip()]
GRACE = timedelta(minutes=int(os.environ.get("GRACE_MINUTES", "20")))


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics(raise_on_empty_metrics=False)
def handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    account = context.invoked_function_arn.split(":")[4]
    region = os.environ.get("AWS_REGION", "us-east-1")
    missed = calendar_notifications.reconcile(CALENDARS, ssm, transitions, datetime.now(UTC), GRACE)
    published = []
    for transition, claim in missed:
        raw = transition.as_event(account, region, partition_of(region))
        parsed = parse_event(raw, ("calendar",))
        with claim as claimed:
            if not claimed:  # a late event or another run announced it meanwhile
                continue
            notification = render(
                parsed,
                raw,
                calendar_notifications.explain(documents, parsed),
                severity="warning",
                headline_prefix="Missed transition: ",
            )
            publish(sns, os.environ["NOTIFICATION_TOPIC_ARN"], notification)
        metrics.add_metric(name="MissedTransitions", unit=MetricUnit.Count, value=1)
        logger.warning(
            "missed transition announced", extra={"calendar": transition.calendar, "state": transition.state}
        )
        published.append(notification.subject)
    return {"checked": len(CALENDARS), "missed": published}
