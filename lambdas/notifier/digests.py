"""Storm control, the moving parts: record each buffered event, and publish each due digest once.

- `Recorder` (the batch function, one SQS record at a time): parse the EventBridge event, record it
  in the operations table. Recording is idempotent by construction: every write is conditional on
  being newer (operations.order_of), so a redelivery, a repeat and an out-of-order event change
  nothing that a delivery in order would not have. That is why it does not use Powertools
  idempotency: it would add two writes per record (the in-progress record, then its completion)
  to a path that takes thousands of events a minute, for no stronger guarantee; the one side
  effect, the digest, is claimed on its own by the sweeper.
- `sweep` (the scheduled function): find the operations whose digest is due, claim each, build the
  digest from what was recorded, publish it, and take the operation off the list. A failed publish
  gives the claim back, so the next sweep publishes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from notifier.models import parse_event
from notifier.operation_store import OperationStore
from notifier.operations import Observation, expiry, observe, render_digest, summarize
from notifier.render import Notification

# Families whose events may be buffered (the catalog's operation event types).
FAMILIES = ("run-command", "maintenance-window")
# Items live well past any operation: SSM's longest command expiry is 30 days.
RETENTION = timedelta(days=35)
DEFAULT_TIMEOUT_SECONDS = 120 * 60
DEFAULT_SETTLE_SECONDS = 60
LEASE_SECONDS = 300
SWEEP_LIMIT = 25  # digests per sweep; the rest wait for the next one

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Recorder:
    store: OperationStore
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    settle_seconds: float = DEFAULT_SETTLE_SECONDS
    clock: Clock = utc_now
    # Operations whose item this batch already opened: one write per operation and batch, not per record.
    _opened: set[str] = field(default_factory=set)

    def start_batch(self) -> None:
        self._opened.clear()

    def record(self, event: Any) -> str:
        """Record one event; returns "recorded" or "stale" (it changed nothing). Raises on bad input."""
        observation = observe(parse_event(event, FAMILIES))
        now = self.clock()
        expires_at = expiry(observation, self.timeout_seconds, now)
        purge_at = max(now, expires_at) + RETENTION
        if observation.role == "parent":
            ready_at = now + timedelta(seconds=self.settle_seconds)
            changed = self.store.record_parent(observation, expires_at, ready_at, purge_at)
            return "recorded" if changed else "stale"
        self._open(observation, expires_at, purge_at)
        return "recorded" if self.store.record_item(observation, purge_at) else "stale"

    def _open(self, observation: Observation, expires_at: datetime, purge_at: datetime) -> None:
        if observation.operation not in self._opened:
            self.store.open_operation(observation, expires_at, purge_at)
            self._opened.add(observation.operation)


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
