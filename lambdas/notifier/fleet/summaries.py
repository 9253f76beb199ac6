"""Fleet-wide operations: an operation's summary (counts, failures, duration) from its recorded items."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from notifier.core.render import cut, to_ascii
from notifier.core.severity import Severity, severity_of
from notifier.fleet.observations import is_terminal, parse_time
from ssm_event_notifier.contract.catalog import OPERATION_BY_NAME, OperationKind

UNKNOWN = "Unknown"
RUNNING = "InProgress"
STATUSES_LISTED = 20  # distinct statuses counted one by one; more are summed as "(other)"
REASONS_LISTED = 20  # failure reasons grouped one by one; more are summed as "(other reasons)"
STATUS_MAX = 64

# Where the operation stands when its message is made: it ended with a final status of its own,
# its events stopped for a quiet period (the status is derived from its items), it expired
# without a final status, or it is still running (an interim message about its failures).
Phase = Literal["ended", "quiet", "expired", "interim"]


@dataclass(frozen=True)
class OperationRecord:
    """The operation as recorded: its own item."""

    operation: str
    kind: str
    family: str
    region: str
    account: str
    fields: dict[str, str]
    final_status: str | None = None
    final_time: str | None = None  # the time of the parent event that said it
    last_status: str | None = None  # the last non-final status a parent event said
    expires_at: datetime | None = None
    generation: int = 0  # the wave of a quiet-ended operation
    interim_sent: bool = False


@dataclass(frozen=True)
class ItemState:
    """The latest status of one instance (target) or task of the operation."""

    key: str  # instance id, step name, resource id, or task execution id for a task
    status: str
    time: str | None
    task: str | None = None
    reason: str | None = None  # why it ended so, as its event said (catalog.OperationKind.reason_of)


@dataclass(frozen=True)
class ReasonGroup:
    """Failed items that failed for the same reason."""

    reason: str
    items: list[ItemState]


@dataclass(frozen=True)
class Owner:
    """The route by tags a digest of only its owners' items is for (notifier.fleet.owner_digests)."""

    route: str
    operation_total: int  # the items of the whole operation


@dataclass(frozen=True)
class Digest:
    record: OperationRecord
    phase: Phase
    status: str  # the final status, derived for a quiet-ended operation; Unknown or InProgress otherwise
    total: int
    counts: dict[str, int]
    failed: list[ItemState]  # failed, timed out, cancelled or non-compliant: every one (the rendering cuts)
    reasons: list[ReasonGroup]  # the failed ones grouped by reason, the largest group first
    unfinished: list[ItemState]  # still running or waiting when the digest was made
    tasks: list[ItemState]
    severity: Severity
    started: datetime | None
    ended: datetime | None
    now: datetime
    multi_task: bool = field(default=False)
    single: ItemState | None = None  # the item of a one-item operation
    instances: list[ItemState] = field(default_factory=list)  # every item, as summed up
    owner: Owner | None = None  # a digest of only the items of a route by tags

    @property
    def kind(self) -> OperationKind:
        return OPERATION_BY_NAME[self.record.kind]

    @property
    def final(self) -> bool:
        """Its status is known: the operation said it, or its quiet period derived it."""
        return self.phase in ("ended", "quiet")

    @property
    def duration_seconds(self) -> int | None:
        if self.started is None or self.ended is None or self.ended < self.started:
            return None
        return int((self.ended - self.started).total_seconds())


def _problem(status: str) -> bool:
    return severity_of(status) == "error"


def _counts(instances: Iterable[ItemState]) -> dict[str, int]:
    counted = Counter(cut(to_ascii(item.status) or UNKNOWN, STATUS_MAX) for item in instances)
    ordered = sorted(counted.items(), key=lambda pair: (-pair[1], pair[0]))
    shown = dict(ordered[:STATUSES_LISTED])
    rest = sum(count for _, count in ordered[STATUSES_LISTED:])
    if rest:
        shown["(other)"] = rest
    return shown


def _reasons(failed: list[ItemState]) -> list[ReasonGroup]:
    groups: dict[str, list[ItemState]] = {}
    for item in failed:
        groups.setdefault(cut(to_ascii(item.reason or item.status) or UNKNOWN, 256), []).append(item)
    ordered = [ReasonGroup(reason, items) for reason, items in sorted(groups.items(), key=lambda g: (-len(g[1]), g[0]))]
    if len(ordered) > REASONS_LISTED:
        rest = [item for group in ordered[REASONS_LISTED - 1 :] for item in group.items]
        ordered = [*ordered[: REASONS_LISTED - 1], ReasonGroup("(other reasons)", rest)]
    return ordered


def phase_of(record: OperationRecord, interim: bool = False) -> Phase:
    if interim:
        return "interim"
    if record.final_status:
        return "ended"
    return "quiet" if OPERATION_BY_NAME[record.kind].ends == "quiet" else "expired"


def _status(phase: Phase, record: OperationRecord, failed: list[ItemState], unfinished: list[ItemState]) -> str:
    if phase == "ended":
        return record.final_status or UNKNOWN
    if phase == "interim":
        return RUNNING
    if phase == "expired":
        return UNKNOWN
    failure, success = OPERATION_BY_NAME[record.kind].derived_statuses
    if failed:
        return failure
    return "Incomplete" if unfinished else success


def summarize(
    record: OperationRecord, instances: list[ItemState], tasks: list[ItemState], now: datetime, interim: bool = False
) -> Digest:
    """The digest of an operation from its recorded items (`interim`: while it still runs)."""
    failed = sorted((i for i in instances if _problem(i.status)), key=lambda i: (i.key, i.task or ""))
    unfinished = sorted((i for i in instances if not is_terminal(i.status)), key=lambda i: (i.key, i.task or ""))
    phase = phase_of(record, interim)
    status = _status(phase, record, failed, unfinished)
    statuses = [i.status for i in instances] + [t.status for t in tasks] + [status]
    severities = {severity_of(status) for status in statuses}
    severity: Severity
    if "error" in severities:
        severity = "error"
    elif "warning" in severities or phase == "expired":
        severity = "warning"  # a final status nobody announced is worth a look
    else:
        severity = "info"
    fields = record.fields
    kind = OPERATION_BY_NAME[record.kind]
    started = parse_time(fields.get(kind.start_field)) if kind.start_field else None
    times = [t for t in (parse_time(i.time) for i in instances) if t]
    if started is None and times:
        started = min(times)
    ended = parse_time((fields.get(kind.end_field) if kind.end_field else None) or record.final_time)
    if ended is None and times:
        ended = max(times)  # no final status: the last thing heard
    return Digest(
        record=record,
        phase=phase,
        status=status,
        total=len(instances),
        counts=_counts(instances),
        failed=failed,
        reasons=_reasons(failed),
        unfinished=unfinished,
        tasks=sorted(tasks, key=lambda t: t.key),
        severity=severity,
        started=started,
        ended=ended,
        now=now,
        multi_task=len({i.task for i in instances}) > 1,
        single=instances[0] if len(instances) == 1 else None,
        instances=instances,
    )


def duration_text(seconds: int | None) -> str:
    if seconds is None:
        return "unknown"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"
