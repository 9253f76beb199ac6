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

from notifier.core.models import parse_event
from notifier.fleet.observations import Observation, expiry, observe, start_of, utc_now
from notifier.fleet.operation_store import OperationStore
from notifier.organization.scope import SINGLE_ACCOUNT, Scope
from ssm_event_notifier.contract.catalog import operation_families
from ssm_event_notifier.contract.environment import (
    DIGEST_SETTLE_SECONDS,
    INTERIM_AFTER_SECONDS,
    OPERATION_TIMEOUT_SECONDS,
    QUIET_PERIOD_SECONDS,
)

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
    interim_seconds: float = INTERIM_AFTER_SECONDS  # 0: no interim message
    quiet_seconds: dict[str, float] = field(default_factory=dict)  # by kind; QUIET_PERIOD_SECONDS if not given
    clock: Clock = utc_now
    scope: Scope = SINGLE_ACCOUNT  # organization mode: operations keyed by account and region too
    # The generation of each operation this batch already opened: one write per operation and
    # batch, not per record.
    _opened: dict[str, int] = field(default_factory=dict)

    def start_batch(self) -> None:
        self._opened.clear()

    def record(self, event: Any) -> str:
        """Record one event; returns "recorded" or "stale" (it changed nothing). Raises on bad input."""
        observation = observe(parse_event(event, FAMILIES), self.scope)
        now = self.clock()
        expires_at = expiry(observation, self.timeout_seconds, now)
        purge_at = max(now, expires_at) + RETENTION
        generation = self._open(observation, now, expires_at, purge_at)
        if observation.role == "parent":
            ready_at = now + timedelta(seconds=self.settle_seconds)
            changed = self.store.record_parent(observation, expires_at, ready_at)
        else:
            changed = self.store.record_item(observation, purge_at, generation)
        return "recorded" if changed else "stale"

    def first_check(self, observation: Observation, now: datetime, expires_at: datetime) -> datetime:
        """When the sweeper first looks at the operation, unless its final event says so sooner.

        A quiet-ended operation: when its quiet period ends (every batch of its events moves it).
        Otherwise the interim check (its start plus the interim time), or the expiry if sooner.
        """
        if observation.ends == "quiet":
            quiet = self.quiet_seconds.get(observation.kind, QUIET_PERIOD_SECONDS)
            return now + timedelta(seconds=quiet)
        if not self.interim_seconds:
            return expires_at
        return min(start_of(observation, now) + timedelta(seconds=self.interim_seconds), expires_at)

    def _open(self, observation: Observation, now: datetime, expires_at: datetime, purge_at: datetime) -> int:
        if observation.operation not in self._opened:
            ready_at = self.first_check(observation, now, expires_at)
            self._opened[observation.operation] = self.store.open_operation(
                observation, now, expires_at, ready_at, purge_at
            )
        return self._opened[observation.operation]
