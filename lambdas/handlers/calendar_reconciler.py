"""Scheduled: announce the Change Calendar transitions AWS did not (its events are best effort).

Most runs find none: parsing, rendering and the calendars' own documents are loaded for the first
missed transition, not at cold start.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from functools import cache, partial
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from handlers import loaded
from notifier import count, logger, observed
from notifier.calendars import MissedTransition, TransitionStore, reconcile
from notifier.core import partition_of
from notifier.delivery import Publisher
from notifier.organization import AccountNames, Scope
from ssm_event_notifier.contract.environment import Dedupe, Organization, Publishing, Reconciler

if TYPE_CHECKING:
    from notifier.calendars import CalendarDocuments
    from notifier.core import Notification, SsmEvent

settings = Reconciler.read()
ssm = boto3.client("ssm")
transitions = TransitionStore(boto3.client("dynamodb"), Dedupe.read().table_name)
publisher = Publisher(boto3.client("sns"), Publishing.read().topic_arn)
# In a hub: the hub account's own calendars, their records keyed by account and region as the
# calendar function keys them, the account named in the message.
organization = Organization.read().enabled
scope = Scope(organization)
accounts = AccountNames(boto3.client("organizations")) if organization else None


def parsed_event(transition: MissedTransition, account: str, region: str) -> tuple[dict[str, Any], SsmEvent]:
    """The event AWS did not send, and its model (parsing loaded now: most runs miss nothing)."""
    from notifier.core import parse_event

    raw = transition.as_event(account, region, partition_of(region))
    return raw, parse_event(raw, ("calendar",))


@cache
def calendar_documents() -> CalendarDocuments:
    """Made on the first missed transition, then kept (its reads are cached)."""
    from notifier.calendars import CalendarDocuments

    return CalendarDocuments(ssm)


def announcement(raw: dict[str, Any], parsed: SsmEvent, account: str) -> Notification:
    """The notification of a missed transition, explained from its calendar."""
    from notifier.calendars import missed_transition_notification

    origin = accounts.origin(account) if accounts else None
    return missed_transition_notification(calendar_documents(), raw, parsed, origin)


@observed()
def handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    account = context.invoked_function_arn.split(":")[4]
    region = os.environ.get("AWS_REGION", "us-east-1")
    grace = timedelta(minutes=settings.grace_minutes)
    record_of = partial(scope.key, account=account, region=region)
    missed = reconcile(list(settings.calendars), ssm, transitions, datetime.now(UTC), grace, record_of)
    published = []
    for transition, claim in missed:
        raw, parsed = parsed_event(transition, account, region)
        with claim as claimed:
            if not claimed:  # a late event or another run announced it meanwhile
                continue
            notification = announcement(raw, parsed, account)
            publisher.publish(notification)
        count("MissedTransitions")
        logger.warning(
            "missed transition announced", extra={"calendar": transition.calendar, "state": transition.state}
        )
        published.append(notification.subject)
    return {"checked": len(settings.calendars), "missed": published}


loaded()  # the collector resumes (handlers/__init__.py)
