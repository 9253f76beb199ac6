"""The Lambda handler every notification function shares: parse, dedupe, render, publish.

Settings come from the environment the stack sets:
IDEMPOTENCY_TABLE_NAME, NOTIFICATION_TOPIC_ARN, DEDUPE_WINDOW_SECONDS, and
Powertools' own POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyPersistenceLayerError
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from notifier.catalog import EVENT_TYPE_BY_DETAIL_TYPE, families_of
from notifier.models import InvalidEventError, SsmEvent, parse_event
from notifier.publish import publish
from notifier.render import Extra, render

# Two events that share an id but differ in type or detail are different events
# (AWS's own samples reuse ids); a redelivery repeats all three.
IDEMPOTENCY_KEY = '[id, "detail-type", detail]'
DEFAULT_DEDUPE_WINDOW_SECONDS = 24 * 3600

LambdaHandler = Callable[[Any, LambdaContext], dict[str, Any]]


def _mark_duplicate(response: Any, record: DataRecord) -> Any:
    """Powertools calls this when it answers from an earlier execution instead of running again."""
    return {**response, "duplicate": True} if isinstance(response, dict) else response


def _family_of(event: Any) -> str:
    detail_type = event.get("detail-type") if isinstance(event, dict) else None
    event_type = EVENT_TYPE_BY_DETAIL_TYPE.get(detail_type) if isinstance(detail_type, str) else None
    return event_type.family if event_type else "unknown"


def make_handler(
    function: str,
    enrich: Callable[[SsmEvent], Extra | None] | None = None,
    gate: Callable[[SsmEvent], AbstractContextManager[Any]] | None = None,
) -> LambdaHandler:
    """Build the handler of one function of the catalog (see catalog.FUNCTIONS).

    `enrich` adds a section to the notification; `gate` is entered around the publish
    and yields a false value when the event is not news (it undoes itself on failure).
    """
    families = tuple(family.name for family in families_of(function))
    if not families:
        raise ValueError(f"no family of the catalog is handled by function {function!r}")
    logger = Logger()
    tracer = Tracer()
    metrics = Metrics()
    topic_arn = os.environ["NOTIFICATION_TOPIC_ARN"]
    sns_client = boto3.client("sns")
    persistence = DynamoDBPersistenceLayer(table_name=os.environ["IDEMPOTENCY_TABLE_NAME"])
    config = IdempotencyConfig(
        event_key_jmespath=IDEMPOTENCY_KEY,
        raise_on_no_idempotency_key=True,
        expires_after_seconds=int(os.environ.get("DEDUPE_WINDOW_SECONDS", DEFAULT_DEDUPE_WINDOW_SECONDS)),
        response_hook=_mark_duplicate,  # type: ignore[arg-type]  # Powertools types it as a Protocol
    )

    @idempotent_function(data_keyword_argument="event", config=config, persistence_store=persistence)
    def notify(event: dict[str, Any], parsed: SsmEvent, published: dict[str, Any]) -> dict[str, Any]:
        extra = enrich(parsed) if enrich else None
        with gate(parsed) if gate else nullcontext(True) as news:
            if not news:
                logger.info("not news: this transition was already notified")
                return {"duplicate": True, "reason": "transition already notified"}
            notification = render(parsed, event, extra)
            message_id = publish(sns_client, topic_arn, notification)
            published.update(
                messageId=message_id, subject=notification.subject, severity=notification.attributes["severity"]
            )
        logger.info("notification published", extra={"message_id": message_id, "subject": notification.subject})
        return dict(published)

    @logger.inject_lambda_context(correlation_id_path="id", clear_state=True)
    @tracer.capture_lambda_handler
    @metrics.log_metrics(raise_on_empty_metrics=False)
    def handler(event: Any, context: LambdaContext) -> dict[str, Any]:
        config.register_lambda_context(context)
        metrics.add_dimension("family", _family_of(event))
        try:
            parsed = parse_event(event, families)
        except InvalidEventError as error:
            metrics.add_metric(name="InvalidEvents", unit=MetricUnit.Count, value=1)
            logger.error("event refused", extra={"reason": str(error), "field": error.field})
            raise
        published: dict[str, Any] = {}
        try:
            result = notify(event=event, parsed=parsed, published=published)
        except IdempotencyPersistenceLayerError as error:
            if not published:
                raise
            # SNS has the message, but DynamoDB refused to mark the record COMPLETED through all the
            # SDK's retries. Raising would make Lambda retry and publish it again: succeed instead.
            # The record stays IN_PROGRESS until this attempt's timeout (README: exactly once).
            metrics.add_metric(name="CompletionNotRecorded", unit=MetricUnit.Count, value=1)
            logger.warning("published, but the idempotency record was not completed", extra={"reason": str(error)})
            result = published
        if result.get("duplicate"):
            metrics.add_metric(name="DuplicatesSuppressed", unit=MetricUnit.Count, value=1)
            logger.info("duplicate suppressed", extra={"message_id": result.get("messageId")})
        else:
            metrics.add_metric(name="NotificationsPublished", unit=MetricUnit.Count, value=1)
        return result

    return handler
