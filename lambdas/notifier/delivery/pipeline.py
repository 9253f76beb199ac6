"""One event's path through a notification function: parse, dedupe, render, publish."""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import boto3
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyPersistenceLayerError
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from notifier.core.models import InvalidEventError, SsmEvent, parse_event
from notifier.core.render import Extra, render
from notifier.delivery.observability import count, logger, metrics
from notifier.delivery.publisher import Publisher
from notifier.organization.accounts import AccountNames
from ssm_event_notifier.contract.catalog import event_type_of, families_of
from ssm_event_notifier.contract.environment import Dedupe, Organization, Publishing

# Two events that share an id but differ in type or detail are different events
# (AWS's own samples reuse ids); a redelivery repeats all three.
IDEMPOTENCY_KEY = '[id, "detail-type", detail]'
# A hub (organization mode) keys them by account and region too; a single-account stack keeps the
# key it always had, so that its dedupe records survive an update.
ORGANIZATION_IDEMPOTENCY_KEY = '[id, "detail-type", detail, account, region]'
# Powertools prefixes each record's key with "<Lambda function>.<module>.<qualname>" of the function
# it wraps. Records were first written under this name: keeping it keeps the dedupe state of a
# deployed stack across an update (README: Upgrades).
RECORD_KEY_NAME = "notifier.handler.make_handler.<locals>.notify"

Explain = Callable[[SsmEvent], Extra | None]
Gate = Callable[[SsmEvent], AbstractContextManager[Any]]


def _mark_duplicate(response: Any, record: DataRecord) -> Any:
    """Powertools calls this when it answers from an earlier execution instead of running again."""
    return {**response, "duplicate": True} if isinstance(response, dict) else response


def family_of(event: Any, families: tuple[str, ...] | None = None) -> str:
    """The family of the catalog (among `families`) an event belongs to ("unknown" when of none)."""
    detail_type = event.get("detail-type") if isinstance(event, dict) else None
    detail = event.get("detail") if isinstance(event, dict) else None
    event_type = event_type_of(detail_type, detail, families) if isinstance(detail_type, str) else None
    return event_type.family if event_type else "unknown"


class Delivery:
    """The pipeline of one catalog function (catalog.FUNCTIONS), built once per execution environment.

    `explain` adds a section to the notification; `gate` is entered around the publish and yields
    a false value when the event is not news (it undoes itself if the publish fails). `dynamodb`:
    the function's own DynamoDB client, when its hooks have one (one client: one connection to open).
    """

    def __init__(
        self, function: str, explain: Explain | None = None, gate: Gate | None = None, dynamodb: Any = None
    ) -> None:
        self.families = tuple(family.name for family in families_of(function))
        if not self.families:
            raise ValueError(f"no family of the catalog is handled by function {function!r}")
        self.explain = explain
        self.gate = gate
        self.publisher = Publisher(boto3.client("sns"), Publishing.read().topic_arn)
        organization = Organization.read().enabled
        self.accounts = AccountNames(boto3.client("organizations")) if organization else None
        dedupe = Dedupe.read()
        self.config = IdempotencyConfig(
            event_key_jmespath=ORGANIZATION_IDEMPOTENCY_KEY if organization else IDEMPOTENCY_KEY,
            raise_on_no_idempotency_key=True,
            expires_after_seconds=dedupe.window_seconds,
            response_hook=_mark_duplicate,  # type: ignore[arg-type]  # Powertools types it as a Protocol
        )
        # A client of the default session: Powertools would otherwise make a session of its own,
        # which loads botocore's endpoint and service data again (75-100 ms of each cold start).
        persistence = DynamoDBPersistenceLayer(
            table_name=dedupe.table_name, boto3_client=dynamodb or boto3.client("dynamodb")
        )
        lambda_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "test-func")  # Powertools' own default
        self._notify_once = idempotent_function(
            data_keyword_argument="event",
            config=self.config,
            persistence_store=persistence,
            key_prefix=f"{lambda_name}.{RECORD_KEY_NAME}",
        )(self._notify)

    def handle(self, event: Any, context: LambdaContext) -> dict[str, Any]:
        """Notify one EventBridge event once; raise InvalidEventError (naming the field) for a bad one."""
        self.config.register_lambda_context(context)
        metrics.add_dimension("family", family_of(event, self.families))
        try:
            parsed = parse_event(event, self.families)
        except InvalidEventError as error:
            count("InvalidEvents")
            logger.error("event refused", extra={"reason": str(error), "field": error.field})
            raise
        published: dict[str, Any] = {}
        try:
            result: dict[str, Any] = self._notify_once(event=event, parsed=parsed, published=published)
        except IdempotencyPersistenceLayerError as error:
            if not published:
                raise
            # SNS has the message, but DynamoDB refused to mark the record COMPLETED through all the
            # SDK's retries. Raising would make Lambda retry and publish it again: succeed instead.
            # The record stays IN_PROGRESS until this attempt's timeout (README: exactly once).
            count("CompletionNotRecorded")
            logger.warning("published, but the idempotency record was not completed", extra={"reason": str(error)})
            result = published
        if result.get("duplicate"):
            count("DuplicatesSuppressed")
            logger.info("duplicate suppressed", extra={"message_id": result.get("messageId")})
        else:
            count("NotificationsPublished")
        return result

    def _notify(self, event: dict[str, Any], parsed: SsmEvent, published: dict[str, Any]) -> dict[str, Any]:
        extra = self.explain(parsed) if self.explain else None
        with self.gate(parsed) if self.gate else nullcontext(True) as news:
            if not news:
                logger.info("not news: already notified (a calendar transition, a burst of calls)")
                return {"duplicate": True, "reason": "already notified"}
            origin = self.accounts.origin(parsed.account) if self.accounts else None
            notification = render(parsed, event, extra, origin=origin)
            message_id = self.publisher.publish(notification)
            published.update(
                messageId=message_id, subject=notification.subject, severity=notification.attributes["severity"]
            )
        logger.info("notification published", extra={"message_id": message_id, "subject": notification.subject})
        return dict(published)
