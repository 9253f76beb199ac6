"""Fleet-wide operations, the scheduled part: publish the message of every operation that ended or
expired, each once.

`sweep`: find the operations whose message is due, claim each, sum it up from what was recorded,
publish it, and take the operation off the list. A failed publish gives the claim back, so the next
sweep publishes; a sweeper that dies holding a claim leaves it to the next one after the lease.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from notifier.core.render import Notification
from notifier.fleet.digest_messages import render_digest
from notifier.fleet.observations import utc_now
from notifier.fleet.operation_store import OperationStore
from notifier.fleet.summaries import summarize

__all__ = ["SweepResult", "sweep", "utc_now"]

LEASE_SECONDS = 300
SWEEP_LIMIT = 25  # messages per sweep; the rest wait for the next one


@dataclass(frozen=True)
class SweepResult:
    published: list[Notification]
    closed: list[str]  # operations with nothing to digest (no instance or task reported)
    failed: list[tuple[str, Exception]]


def sweep(
    store: OperationStore,
    publish: Callable[[Notification], str],
    now: datetime,
    limit: int = SWEEP_LIMIT,
) -> SweepResult:
    """Publish the digest of every operation due at `now`, each once."""
    published: list[Notification] = []
    closed: list[str] = []
    failed: list[tuple[str, Exception]] = []
    for operation in store.due(now, limit):
        claim = store.claim(operation, now, LEASE_SECONDS)
        if claim is None:  # another sweep holds it, or it changed since the query
            continue
        try:
            instances, tasks = store.items(operation)
            if not instances and not tasks:
                # Only the operation's own events arrived: its own notification said it all.
                store.finish(claim, now, None)
                closed.append(operation)
                continue
            notification = render_digest(summarize(claim.record, instances, tasks, now))
            message_id = publish(notification)
        except Exception as error:
            store.release(claim)
            failed.append((operation, error))
            continue
        store.finish(claim, now, message_id)
        published.append(notification)
    return SweepResult(published, closed, failed)
