"""Fleet-wide operations: record each buffered event of an operation in the operations table.

`Recorder` (the batch function, one SQS record at a time): parse the EventBridge event, record it
  in the operations table. Recording is idempotent by construction: every write is conditional on
  being newer (operations.order_of), so a redelivery, a repeat and an out-of-order event change
  nothing that a delivery in order would not have. That is why it does not use Powertools
  idempotency: it would add two writes per record (the in-progress record, then its completion)
  to a path that takes thousands of events a minute, for no stronger guarantee; the one side
  effect, the operation's message, is claimed on its own by the sweeper (sweeper.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from notifier.core.catalog import operation_families
from notifier.core.models import parse_event
from notifier.environment import DIGEST_SETTLE_SECONDS, OPERATION_TIMEOUT_SECONDS
from notifier.fleet.observations import Observation, expiry, observe, utc_now
from notifier.fleet.operation_store import OperationStore

# Families whose events may be buffered (the catalog's operation event types).
FAMILIES = operation_families()
# Items live well past any operation: SSM's longest command expiry is 30 days.
RETENTION = timedelta(days=35)

Clock = Callable[[], datetime]


@dataclass
class Recorder:
    store: OperationStore
    timeout_seconds: float = OPERATION_TIMEOUT_SECONDS
    settle_seconds: float = DIGEST_SETTLE_SECONDS
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
