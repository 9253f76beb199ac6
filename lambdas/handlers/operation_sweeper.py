"""Fleet-wide operations, scheduled: publish one message per operation that has ended or expired."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from handlers import loaded
from notifier import count, logger, observed
from notifier.delivery import Publisher
from notifier.failures import FailureExplainer
from notifier.fleet import Digest, OperationStore, failed_of, owner_split, render_digest, sweep, utc_now
from notifier.organization import AccountNames
from ssm_event_notifier.contract.environment import OperationSweeping, Organization, Publishing, RouteOwners

if TYPE_CHECKING:  # loaded for the first digest with failures (cold start)
    from notifier.failures import FailureReport

settings = OperationSweeping.read()
store = OperationStore(boto3.client("dynamodb"), settings.table_name)
publisher = Publisher(boto3.client("sns"), Publishing.read().topic_arn)
failures = FailureExplainer()
accounts = AccountNames(boto3.client("organizations")) if Organization.read().enabled else None
owners = RouteOwners.read()
render = owner_split(owners, Organization.read()).render if owners.routes else render_digest
PUBLISH_SECONDS = 5  # what one operation needs besides its reads: its items' query, the publish


def explain(digest: Digest) -> FailureReport | None:
    """Why the operation's items failed, read within the message's budget (none when reads are off)."""
    return failures.read_failures(failed_of(digest))


class DigestsNotPublished(RuntimeError):
    """Some operations' messages could not be published; their claims were released for the next sweep."""


@observed()
def handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    result = sweep(
        store,
        publisher.publish,
        utc_now(),
        interim_seconds=settings.interim_seconds,
        explain=explain,
        time_left=lambda: context.get_remaining_time_in_millis() / 1000,
        time_needed=failures.reading.seconds + PUBLISH_SECONDS,
        origin_of=accounts.origin if accounts else None,
        render=render,
    )
    for notification in result.published:
        logger.info("digest published", extra={"subject": notification.subject})
    count("DigestsPublished", len(result.published))
    if result.failed:
        count("DigestsNotPublished", len(result.failed))
        # Raise, so that the error alarm tells the alarm topic; the next sweep retries.
        reasons = "; ".join(f"{operation}: {type(error).__name__}: {error}" for operation, error in result.failed)
        raise DigestsNotPublished(reasons)
    return {"digests": [n.subject for n in result.published], "closed": result.closed}


loaded()  # the collector resumes (handlers/__init__.py)
