"""Fleet-wide operations, the scheduled part: publish the message of every operation that ended,
went quiet or expired, each once, and one interim message for a long one that has failures.

`sweep`: find the operations due, claim each, sum it up from what was recorded, publish, and take
the operation off the list (or, while it runs, look again later). A failed publish gives the claim
back, so the next sweep publishes; a sweeper that dies holding a claim leaves it to the next one
after the lease.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from notifier.core.render import Notification, Origin
from notifier.fleet.digest_messages import render_digest
from notifier.fleet.observations import is_terminal
from notifier.fleet.operation_store import Claim, OperationStore
from notifier.fleet.summaries import Digest, summarize
from ssm_event_notifier.contract.catalog import OPERATION_BY_NAME
from ssm_event_notifier.contract.environment import INTERIM_AFTER_SECONDS

if TYPE_CHECKING:  # notifier.failures is loaded for the first digest with failures (cold start)
    from notifier.failures.reasons import Failed, FailureReport

LEASE_SECONDS = 300
SWEEP_LIMIT = 25  # operations per sweep; the rest wait for the next one
# How often a running operation without failures is looked at again for the interim message.
INTERIM_RECHECK = timedelta(minutes=5)


# Why an operation's items failed, read for its final message (notifier.failures); None: not read.
ExplainFailures = Callable[[Digest], "FailureReport | None"]
# Organization mode: the account an operation ran in, for its message (core.render.Origin).
OriginOf = Callable[[str], Origin]
# A digest as its message: render_digest, or with each route by owner's view (fleet.owner_digests).
Render = Callable[[Digest, "FailureReport | None", "Origin | None"], Notification]


@dataclass(frozen=True)
class SweepResult:
    published: list[Notification]
    closed: list[str]  # operations that ended with nothing to say (only running statuses heard)
    failed: list[tuple[str, Exception]]


def failed_of(digest: Digest) -> Failed:
    """What notifier.failures needs to know of a digest's failures."""
    from notifier.failures.reasons import Failed

    record = digest.record
    groups = [(group.reason, [(item.key, item.task) for item in group.items]) for group in digest.reasons]
    return Failed(record.kind, record.fields, record.region, groups)


def _still_running(claim: Claim, now: datetime) -> bool:
    """An operation that ends with a final event, has not said it, and has not expired."""
    record = claim.record
    kind = OPERATION_BY_NAME[record.kind]
    expired = record.expires_at is not None and record.expires_at <= now
    return kind.ends == "final-event" and record.final_status is None and not expired


def _check_running(
    store: OperationStore,
    claim: Claim,
    publish: Callable[[Notification], str],
    now: datetime,
    interim_seconds: float,
    origin_of: OriginOf | None,
    render: Render,
    explain: ExplainFailures | None,
) -> Notification | None:
    """While an operation runs: one interim message once it has failures (and why), then look again later."""
    record = claim.record
    expires_at = record.expires_at or now
    notification = None
    message_id = None
    if interim_seconds and not record.interim_sent:
        items, tasks = store.items(claim.operation, record.generation)
        digest = summarize(record, items, tasks, now, interim=True)
        if digest.failed:
            report = explain(digest) if explain else None
            notification = render(digest, report, origin_of(record.account) if origin_of else None)
            message_id = publish(notification)
    sent = record.interim_sent or message_id is not None
    next_check = expires_at if sent or not interim_seconds else min(now + INTERIM_RECHECK, expires_at)
    store.postpone(claim, max(next_check, now), message_id)
    return notification


def sweep(
    store: OperationStore,
    publish: Callable[[Notification], str],
    now: datetime,
    limit: int = SWEEP_LIMIT,
    interim_seconds: float = INTERIM_AFTER_SECONDS,
    explain: ExplainFailures | None = None,
    time_left: Callable[[], float] | None = None,
    time_needed: float = 0.0,
    origin_of: OriginOf | None = None,
    render: Render = render_digest,
) -> SweepResult:
    """Publish the message of every operation due at `now`, each once.

    `time_left()`: seconds before the function times out; no operation is claimed with less than
    `time_needed` left (its reads and publish): it waits for the next sweep instead.
    """
    published: list[Notification] = []
    closed: list[str] = []
    failed: list[tuple[str, Exception]] = []
    for operation in store.due(now, limit):
        if time_left and time_left() < time_needed:
            break
        claim = store.claim(operation, now, LEASE_SECONDS)
        if claim is None:  # another sweep holds it, or it changed since the query
            continue
        quiet = OPERATION_BY_NAME[claim.record.kind].ends == "quiet"
        try:
            if _still_running(claim, now):
                interim = _check_running(store, claim, publish, now, interim_seconds, origin_of, render, explain)
                published += [interim] if interim else []
                continue
            items, tasks = store.items(operation, claim.record.generation)
            known = claim.record.final_status or claim.record.last_status
            if not items and not tasks and not (known and is_terminal(known)):
                # Only running statuses were heard: nothing happened worth a message.
                store.finish(claim, now, None, quiet)
                closed.append(operation)
                continue
            digest = summarize(claim.record, items, tasks, now)
            # Reading never fails the message: explain answers within its budget, errors as lines. A
            # failed operation none of whose items was heard (AWS often sends only its own status) reads
            # them: every failure message says why, or what could not be read.
            report = explain(digest) if explain and digest.severity == "error" else None
            origin = origin_of(claim.record.account) if origin_of else None
            notification = render(digest, report, origin)
            message_id = publish(notification)
        except Exception as error:
            store.release(claim)
            failed.append((operation, error))
            continue
        store.finish(claim, now, message_id, quiet)
        published.append(notification)
    return SweepResult(published, closed, failed)
