"""One event's path through a notification function: parse, dedupe, render, publish."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from notifier.core.models import InvalidEventError, SsmEvent, parse_event
from notifier.core.render import Extra, render
from notifier.delivery.publisher import Publisher
from notifier.observability import count, logger, metrics
from notifier.once import Once
from notifier.organization.accounts import AccountNames
from notifier.state_table import KeyPrefix
from ssm_event_notifier.contract.catalog import event_type_of, families_of
from ssm_event_notifier.contract.environment import Dedupe, Organization, Publishing, RouteOwners

# Two events that share an id but differ in type or detail are different events
# (AWS's own samples reuse ids); a redelivery repeats all three.
IDEMPOTENCY_KEY = '[id, "detail-type", detail]'
# A hub (organization mode) keys them by account and region too; a single-account stack keeps the
# key it always had, so that its dedupe records survive an update.
ORGANIZATION_IDEMPOTENCY_KEY = '[id, "detail-type", detail, account, region]'

Explain = Callable[[SsmEvent], Extra | None]
Gate = Callable[[SsmEvent], AbstractContextManager[Any]]


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
        owners = RouteOwners.read()
        self.owners = None
        if owners.routes:  # routes by tags: a message about one node names its owners' routes
            from notifier.owners.node_messages import node_owners

            self.owners = node_owners(owners, Organization.read())
        dedupe = Dedupe.read()
        # Powertools names a record after the function it wraps: records were first written under
        # this name, and keeping it keeps a deployed stack's dedupe state across an update (docs/deploy.md, Upgrade).
        self._notify_once = Once(
            self._notify,
            data="event",
            key=ORGANIZATION_IDEMPOTENCY_KEY if organization else IDEMPOTENCY_KEY,
            record=KeyPrefix.NOTIFIED_EVENT,
            table_name=dedupe.table_name,
            window_seconds=dedupe.window_seconds,
            dynamodb=dynamodb or boto3.client("dynamodb"),
        )

    def handle(self, event: Any, context: LambdaContext) -> dict[str, Any]:
        """Notify one EventBridge event once; raise InvalidEventError (naming the field) for a bad one."""
        metrics.add_dimension("family", family_of(event, self.families))
        try:
            parsed = parse_event(event, self.families)
        except InvalidEventError as error:
            count("InvalidEvents")
            logger.error("event refused", extra={"reason": str(error), "field": error.field})
            raise
        published = self._notify_once(context, event=event, parsed=parsed)
        result = published.result
        if published.not_recorded:
            # SNS has the message, but DynamoDB refused to mark the record COMPLETED through all the
            # SDK's retries: succeed, or Lambda's retry would publish it again.
            count("CompletionNotRecorded")
            reason = str(published.not_recorded)
            logger.warning("published, but the idempotency record was not completed", extra={"reason": reason})
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
            notification = self.owners.tag(notification) if self.owners else notification
            message_id = self.publisher.publish(notification)
            published.update(
                messageId=message_id,
                subject=notification.subject,
                severity=notification.attributes["severity"],
                family=notification.attributes["family"],  # `ssm-event-notifier status`: the last message per family
            )
        logger.info("notification published", extra={"message_id": message_id, "subject": notification.subject})
        return dict(published)
