"""Scheduled: advance notices of Maintenance Window runs and monitored Change Calendar transitions.

The look-ahead runs as of its schedule's tick (the event's `time`), not as of when it started: a retry
of the same tick computes the same notices, which their claims then send once.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import botocore
from aws_lambda_powertools.utilities.typing import LambdaContext

from handlers import loaded
from notifier import count, logger, observed
from notifier.calendars import CalendarDocuments, CalendarUnavailable, Outlook
from notifier.delivery import Publisher
from notifier.notices import LookAhead, NoticeClaims, Where, WindowReader
from notifier.organization import AccountNames, Scope
from ssm_event_notifier.contract.environment import Dedupe, Noticing, Organization, Publishing

# The layer's SSM model is cut to the other functions' calls; this function's own is beside botocore
# (ssm_event_notifier.service_models.SEPARATE), found first through AWS_DATA_PATH. Set before any client.
MODELS = Path(botocore.__file__).parent.parent / "ssm_event_notifier_models" / "notices"
if MODELS.is_dir():
    os.environ.setdefault("AWS_DATA_PATH", str(MODELS))
settings = Noticing.read()
ssm = boto3.client("ssm")
dynamodb = boto3.client("dynamodb")
table_name = Dedupe.read().table_name
publisher = Publisher(boto3.client("sns"), Publishing.read().topic_arn)
documents = CalendarDocuments(ssm)
organization = Organization.read().enabled
scope = Scope(organization)
accounts = AccountNames(boto3.client("organizations")) if organization else None
PUBLISH_SECONDS = 5  # what one notice needs besides its reads: its claim, its publish, its record


def tick(event: Any) -> datetime:
    """The schedule's time, as EventBridge sends it; now when the event has none."""
    try:
        moment = datetime.fromisoformat(str(event["time"]).replace("Z", "+00:00"))
    except (KeyError, TypeError, ValueError):
        return datetime.now(UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def outlooks() -> list[Outlook]:
    """The monitored calendars' futures; one that cannot be read is left out of this run, and said in the log."""
    found = []
    for name in settings.calendars:
        try:
            found.append(Outlook(documents.get(name)))
        except CalendarUnavailable as error:
            count("NoticeCalendarsUnread")
            logger.warning(
                "calendar not read: no notice of its transitions", extra={"calendar": name, "why": str(error)}
            )
    return found


@observed()
def handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    now = tick(event)
    account = context.invoked_function_arn.split(":")[4]
    region = os.environ.get("AWS_REGION", "us-east-1")
    claims = NoticeClaims(dynamodb, table_name, scope.key("", account, region))
    look_ahead = LookAhead(
        settings.lead_minutes,
        settings.rate_minutes,
        claims,
        publisher.publish,
        outlooks(),
        time_left=lambda: context.get_remaining_time_in_millis() / 1000,
        time_needed=settings.read_seconds + PUBLISH_SECONDS,
    )
    reader = WindowReader(ssm, settings.reads, settings.read_seconds)
    where = Where(account, region, accounts.origin(account) if accounts else None)
    outcome = look_ahead.run(reader, now, where)
    for notification in outcome.published:
        logger.info("notice published", extra={"subject": notification.subject})
    count("NoticesPublished", len(outcome.published))
    count("NoticeCorrections", outcome.corrections)
    count("NoticeReadCalls", outcome.calls)
    if outcome.deferred:
        count("NoticesDeferred", outcome.deferred)
        logger.warning("notices left for the next run: no time left", extra={"deferred": outcome.deferred})
    return {"notices": [n.subject for n in outcome.published], "calls": outcome.calls, "at": now.isoformat()}


loaded()  # the collector resumes (handlers/__init__.py)
