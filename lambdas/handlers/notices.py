"""Scheduled: advance notices of Maintenance Window runs and monitored Change Calendar transitions.

The look-ahead runs as of its schedule's tick (the event's `time`), not as of when it started: a retry
of the same tick computes the same notices, which their claims then send once.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import botocore
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError

from handlers import loaded
from notifier import count, logger, observed
from notifier.calendars import CalendarDocuments, CalendarUnavailable, Outlook
from notifier.delivery import Publisher
from notifier.notices import LookAhead, NoticeClaims, Where, WindowReader
from notifier.organization import AccountNames, MemberAccounts, MemberClients, Scope
from ssm_event_notifier.contract.environment import Dedupe, Noticing, Organization, Publishing

if TYPE_CHECKING:
    from notifier.core import Notification

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
organization = Organization.read()
scope = Scope(organization.enabled)
organizations = boto3.client("organizations") if organization.enabled else None
accounts = AccountNames(organizations) if organizations else None
# In a hub: the members' windows too, through the reader role their stack made for this function.
members = (
    MemberClients(boto3.client("sts"), settings.reader_role, organization.hub_account)
    if organizations and settings.reader_role
    else None
)
member_accounts = MemberAccounts(organizations) if members else None
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


def places(account: str, region: str) -> list[tuple[str, str, Callable[[], Any]]]:
    """(account, region, its SSM client) of each place whose windows are announced: the function's own; in a
    hub, every member account's in every member region too, through its reader role."""
    found: list[tuple[str, str, Callable[[], Any]]] = [(account, region, lambda: ssm)]
    if members is None or member_accounts is None:
        return found
    listed = member_accounts.of(settings.member_units, settings.included_accounts, settings.excluded_accounts)
    for member in listed:
        for member_region in settings.member_regions:
            if (member, member_region) != (account, region):
                found.append((member, member_region, partial(members.client, "ssm", member, member_region)))
    return found


class NoticesIncomplete(RuntimeError):
    """The windows of some places could not be read (their notices wait for a run that can); the others went out."""


@observed()
def handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    now = tick(event)
    account = context.invoked_function_arn.split(":")[4]
    region = os.environ.get("AWS_REGION", "us-east-1")
    published: list[Notification] = []
    calls, corrections, unread = 0, 0, []
    for index, (where_account, where_region, client) in enumerate(places(account, region)):
        own = index == 0  # the monitored calendars are the hub's own: announced, and checked, there only
        look_ahead = LookAhead(
            settings.lead_minutes,
            settings.rate_minutes,
            NoticeClaims(dynamodb, table_name, scope.key("", where_account, where_region)),
            publisher.publish,
            outlooks() if own else (),
            time_left=lambda: context.get_remaining_time_in_millis() / 1000,
            time_needed=settings.read_seconds + PUBLISH_SECONDS,
        )
        where = Where(where_account, where_region, accounts.origin(where_account) if accounts else None)
        try:
            reader = WindowReader(client(), settings.reads, settings.read_seconds)
            outcome = look_ahead.run(reader, now, where, calendar_notices=own)
        except (ClientError, BotoCoreError) as error:
            unread.append(f"{where_account}/{where_region}: {type(error).__name__}: {error}")
            continue
        published += outcome.published
        unread += [f"{where_account}/{where_region}: {why}" for why in outcome.unread]
        calls += outcome.calls
        corrections += outcome.corrections
        if outcome.deferred:
            count("NoticesDeferred", outcome.deferred)
            logger.warning("notices left for the next run: no time left", extra={"deferred": outcome.deferred})
    for notification in published:
        logger.info("notice published", extra={"subject": notification.subject})
    count("NoticesPublished", len(published))
    count("NoticeCorrections", corrections)
    count("NoticeReadCalls", calls)
    if unread:
        # A place's windows or a window's schedule not read. Raise, so that the error alarm tells the alarm
        # topic; the next run reads them again.
        count("NoticeReadsFailed", len(unread))
        raise NoticesIncomplete("; ".join(unread))
    return {"notices": [n.subject for n in published], "calls": calls, "at": now.isoformat()}


loaded()  # the collector resumes (handlers/__init__.py)
