"""Fleet-wide operations: an operation's summary (counts, failures, duration) from its recorded items."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from notifier.core.catalog import OPERATION_BY_NAME, OperationKind
from notifier.core.render import cut, to_ascii
from notifier.core.severity import Severity, severity_of
from notifier.fleet.observations import is_terminal, parse_time

UNKNOWN = "Unknown"
STATUSES_LISTED = 20  # distinct statuses counted one by one; more are summed as "(other)"
STATUS_MAX = 64


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


@dataclass(frozen=True)
class ItemState:
    """The latest status of one instance (target) or task of the operation."""

    key: str  # instance id, or task execution id for a task
    status: str
    time: str | None
    task: str | None = None


@dataclass(frozen=True)
class Digest:
    record: OperationRecord
    total: int
    counts: dict[str, int]
    failed: list[ItemState]  # failed, timed out or cancelled: every one (the rendering cuts)
    unfinished: list[ItemState]  # still running or waiting when the digest was made
    tasks: list[ItemState]
    severity: Severity
    started: datetime | None
    ended: datetime | None
    now: datetime
    multi_task: bool = field(default=False)

    @property
    def kind(self) -> OperationKind:
        return OPERATION_BY_NAME[self.record.kind]

    @property
    def final(self) -> bool:
        return self.record.final_status is not None

    @property
    def status(self) -> str:
        return self.record.final_status or UNKNOWN

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


def summarize(record: OperationRecord, instances: list[ItemState], tasks: list[ItemState], now: datetime) -> Digest:
    """The digest of an operation from its recorded items."""
    failed = sorted((i for i in instances if _problem(i.status)), key=lambda i: (i.key, i.task or ""))
    unfinished = sorted((i for i in instances if not is_terminal(i.status)), key=lambda i: (i.key, i.task or ""))
    statuses = [i.status for i in instances] + [t.status for t in tasks]
    if record.final_status:
        statuses.append(record.final_status)
    severities = {severity_of(status) for status in statuses}
    severity: Severity
    if "error" in severities:
        severity = "error"
    elif "warning" in severities or not record.final_status:
        severity = "warning"  # a final status nobody announced is worth a look
    else:
        severity = "info"
    fields = record.fields
    kind = OPERATION_BY_NAME[record.kind]
    started = parse_time(fields.get(kind.start_field))
    times = [t for t in (parse_time(i.time) for i in instances) if t]
    if started is None and times:
        started = min(times)
    ended = parse_time((fields.get(kind.end_field) if kind.end_field else None) or record.final_time)
    if ended is None and times:
        ended = max(times)  # no final status: the last thing heard
    return Digest(
        record=record,
        total=len(instances),
        counts=_counts(instances),
        failed=failed,
        unfinished=unfinished,
        tasks=sorted(tasks, key=lambda t: t.key),
        severity=severity,
        started=started,
        ended=ended,
        now=now,
        multi_task=len({i.task for i in instances}) > 1,
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
