"""Storm control, the pure part: one digest per fleet-wide operation instead of one message per instance.

A Run Command sent to 1,000 instances emits an invocation event per instance and status change, and
a Maintenance Window run a task target invocation event per target. These events are recorded per
operation (see operation_store.py) and summed up in one digest once the operation ends. This module
holds what needs no AWS: which operation and item an event belongs to, which of two observations of
the same item is newer, when an operation expires, and the digest itself (subject, text, JSON
document, attributes) within SNS's limits.

Operations:
- "command": one Run Command (command id); items: one per instance.
- "window-execution": one Maintenance Window run (window execution id); items: one per task
  execution and target, and one per task execution (its own status).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from notifier.catalog import EVENT_TYPE_BY_DETAIL_TYPE, FAMILY_BY_NAME
from notifier.links import console_url
from notifier.models import SsmEvent
from notifier.render import MESSAGE_BUDGET, SCHEMA_VERSION, Notification, cut, make_subject, to_ascii
from notifier.severity import Severity, normalize_status, severity_of

OPERATION_ITEM = "#operation"  # sort key of the operation's own item; "#" sorts before any id
TASK_PREFIX = "#task#"
DIGEST_DETAIL_TYPE = "Operation Digest"
UNKNOWN = "Unknown"
# Instances (and unfinished ones) named in one digest; the rest are counted.
LISTED = 100
STATUSES_LISTED = 20  # distinct statuses counted one by one; more are summed as "(other)"
ID_MAX = 128
STATUS_MAX = 64

# Statuses after which nothing more happens to a command, an invocation, a window run, a task or a
# target (Run Command and Maintenance Windows vocabularies, compared after normalize_status).
_TERMINAL = {
    "success",
    "failed",
    "timedout",
    "deliverytimedout",
    "executiontimedout",
    "cancelled",
    "canceled",
    "undeliverable",
    "terminated",
    "rateexceeded",
    "accessdenied",
    "noinstancesintag",
    "incomplete",
    "completedwithfailure",
    "skippedoverlapping",
}
_WAITING = {"pending", "scheduled"}


def is_terminal(status: str) -> bool:
    return normalize_status(status) in _TERMINAL


def rank(status: str) -> int:
    """0 waiting, 1 running (and any word AWS adds later), 2 finished."""
    word = normalize_status(status)
    if word in _TERMINAL:
        return 2
    return 0 if word in _WAITING else 1


def order_of(moment: datetime | None, status: str) -> int:
    """The number that decides which of two observations of one item is newer.

    Event times have whole seconds, so an instance's InProgress and Success events often share
    one: the status's rank breaks the tie, and a finished status is never replaced by an older
    or equally old running one. An exact repeat has the same number and changes nothing.
    """
    millis = int(moment.timestamp() * 1000) if moment else 0
    return millis * 10 + rank(status)


def parse_time(value: Any) -> datetime | None:
    """An aware datetime from an event's time field, None when it is missing or not a time."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Observation:
    """What one event says about its operation, ready to be recorded."""

    operation: str  # the table's partition key, e.g. "command#<command id>"
    kind: str  # "command" or "window-execution"
    role: str  # "parent", "task" or "instance"
    item: str  # the sort key of the item it writes
    status: str
    order: int
    time: datetime | None
    family: str
    region: str
    account: str
    # What the digest shows about the operation (ids, document, requested/start/end times).
    fields: dict[str, str]
    started: datetime | None  # when the operation started, as far as this event tells
    expire_after: datetime | None = None  # a command's expire-after (its parent events carry it)
    instance: str | None = None
    task: str | None = None

    @property
    def terminal(self) -> bool:
        return is_terminal(self.status)


class NotAnOperationEvent(ValueError):
    """An event of the catalog that belongs to no fleet-wide operation (routed here by mistake)."""


def _extra(parsed: SsmEvent, name: str) -> str | None:
    value = (parsed.detail.model_extra or {}).get(name)
    return value if isinstance(value, str) and value else None


def target_of(parsed: SsmEvent) -> str:
    """The instance a per-target event is about.

    Run Command invocations name it (detail.instance-id). AWS's Maintenance Window target
    invocation sample names only the registered target (window-target-id), which may stand for
    many instances: an instance id in the detail or an instance ARN in `resources` is preferred.
    """
    fields = parsed.template_fields()
    for candidate in (fields.get("instance_id"), _extra(parsed, "instance-id"), _extra(parsed, "resource-id")):
        if candidate:
            return candidate
    for arn in parsed.resources:
        for marker in (":instance/", ":managed-instance/"):
            if marker in arn:
                return arn.split(marker, 1)[1]
    return fields.get("window_target_id") or "(unknown target)"


_COMMAND_FIELDS = ("command_id", "document_name", "requested_date_time")
_WINDOW_FIELDS = ("window_id", "window_execution_id")


def observe(parsed: SsmEvent) -> Observation:
    """The observation an event of a fleet-wide operation makes; NotAnOperationEvent otherwise."""
    event_type = EVENT_TYPE_BY_DETAIL_TYPE[parsed.detail_type]
    if not event_type.operation or not event_type.role:
        raise NotAnOperationEvent(f"{parsed.detail_type} events belong to no fleet-wide operation")
    fields = parsed.template_fields()
    status = parsed.detail.status
    moment = parse_time(parsed.time)
    role = event_type.role
    instance = target_of(parsed) if role == "instance" else None
    task = fields.get("task_execution_id") if event_type.operation == "window-execution" else None
    if event_type.operation == "command":
        key = f"command#{fields['command_id']}"
        shown = {name: fields[name] for name in _COMMAND_FIELDS if fields.get(name)}
        started = parse_time(fields.get("requested_date_time"))
        item = instance if role == "instance" else OPERATION_ITEM
    else:
        key = f"window-execution#{fields['window_execution_id']}"
        shown = {name: fields[name] for name in _WINDOW_FIELDS if fields.get(name)}
        started = parse_time(fields.get("start_time"))
        if role == "parent":
            shown.update({name: fields[name] for name in ("start_time", "end_time") if fields.get(name)})
            item = OPERATION_ITEM
        elif role == "task":
            item = TASK_PREFIX + str(task)
        else:
            item = f"{task}/{instance}"
    return Observation(
        operation=key,
        kind=event_type.operation,
        role=role,
        item=str(item),
        status=status,
        order=order_of(moment, status),
        time=moment,
        family=event_type.family,
        region=parsed.region,
        account=parsed.account,
        fields=shown,
        started=started,
        expire_after=parse_time(fields.get("expire_after")) if role == "parent" else None,
        instance=instance,
        task=task,
    )


def expiry(observation: Observation, timeout_seconds: float, now: datetime) -> datetime:
    """When to give up waiting for the operation's final status.

    The later of the command's expire-after (if this event says it) and the operation's start plus
    the configured timeout: expire-after only bounds when an invocation may *start*, and a command
    that started in time may still be running after it.
    """
    start = observation.started or observation.time or now
    candidates = [datetime.fromtimestamp(start.timestamp() + timeout_seconds, UTC)]
    if observation.expire_after:
        candidates.append(observation.expire_after)
    return max(candidates)


# --- the digest -----------------------------------------------------------------------


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
    started = parse_time(fields.get("start_time") or fields.get("requested_date_time"))
    times = [t for t in (parse_time(i.time) for i in instances) if t]
    if started is None and times:
        started = min(times)
    ended = parse_time(fields.get("end_time") or record.final_time)
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


def _noun(digest: Digest, count: int = 2) -> str:
    noun = "instance" if digest.record.kind == "command" else "target"
    return noun if count == 1 else noun + "s"


def _name(digest: Digest) -> str:
    fields = digest.record.fields
    if digest.record.kind == "command":
        return f"Run Command {fields.get('document_name') or fields.get('command_id', '-')}"
    return f"Maintenance Window {fields.get('window_id', '-')} run"


def headline(digest: Digest) -> str:
    noun = _noun(digest, digest.total)
    status = digest.status if digest.final else "status unknown"
    if digest.failed:
        counts = f"{len(digest.failed)} of {digest.total} {noun} failed"
    elif digest.unfinished:
        counts = f"{len(digest.unfinished)} of {digest.total} {noun} unfinished"
    else:
        counts = f"{digest.total} {noun} succeeded" if digest.total else f"no {noun} reported"
    return f"{_name(digest)} {status}: {counts}"


def _links(digest: Digest) -> dict[str, str]:
    record = digest.record
    fields = {**record.fields, "region": record.region}
    # The parent event type's console page: the command, or the window.
    for event_type in EVENT_TYPE_BY_DETAIL_TYPE.values():
        if event_type.operation == record.kind and event_type.role == "parent" and event_type.console_path:
            link = console_url(event_type.console_path, fields)
            return {"console": link} if link else {}
    return {}


def _item_json(item: ItemState, kind: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "instanceId": cut(item.key, ID_MAX),
        "status": cut(item.status, STATUS_MAX),
        "time": cut(item.time, STATUS_MAX) if item.time else None,
    }
    if kind == "window-execution":
        entry["taskExecutionId"] = cut(item.task or "", ID_MAX)
    return entry


def _item_line(item: ItemState, multi_task: bool) -> str:
    line = f"  {to_ascii(cut(item.key, ID_MAX))}  {to_ascii(cut(item.status, STATUS_MAX))}"
    if multi_task and item.task:
        line += f"  (task {to_ascii(cut(item.task, ID_MAX))})"
    return line


_FIELD_LABELS = (
    ("Command", "command_id"),
    ("Document", "document_name"),
    ("Window", "window_id"),
    ("Execution", "window_execution_id"),
)


def _text(digest: Digest, subject: str, summary: str, links: dict[str, str], listed: int) -> str:
    record = digest.record
    noun = _noun(digest)
    counts = ", ".join(f"{count} {status}" for status, count in digest.counts.items()) or "none"
    if digest.final:
        final = record.final_status or UNKNOWN
    else:
        last = f" (last known: {record.last_status})" if record.last_status else ""
        expired = iso(record.expires_at) or "its expiry"
        final = f"unknown: no final status by {expired}{last}"
    rows = [(label, record.fields[name]) for label, name in _FIELD_LABELS if record.fields.get(name)]
    rows += [("Final status", final), (noun.capitalize(), f"{digest.total}: {counts}")]
    if digest.tasks:
        rows.append(("Tasks", ", ".join(f"{t.key} {t.status}" for t in digest.tasks[:10])))
    rows += [
        ("Requested" if record.kind == "command" else "Started", iso(digest.started) or "unknown"),
        ("Ended" if digest.final else "Last event", iso(digest.ended) or "unknown"),
        ("Duration", duration_text(digest.duration_seconds)),
        ("Account", record.account),
        ("Region", record.region),
    ]
    if links.get("console"):
        rows.append(("Console", links["console"]))
    width = max(len(label) for label, _ in rows) + 2
    lines = [subject, "", summary, ""]
    lines += [f"{label + ':':<{width}}{to_ascii(cut(value, 1000))}" for label, value in rows]
    for title, items in (("Failed, timed out or cancelled", digest.failed), ("Not finished", digest.unfinished)):
        if not items:
            continue
        lines += ["", f"{title} ({len(items)}):"]
        lines += [_item_line(item, digest.multi_task) for item in items[:listed]]
        if len(items) > listed:
            lines.append(f"  ... and {len(items) - listed} more")
    family = FAMILY_BY_NAME[record.family]
    lines += [
        "",
        f"One digest for the whole operation instead of one message per {_noun(digest, 1)}.",
        f"Severity: {digest.severity}. Family: {family.title}. Sent by SSM Event Notifier.",
    ]
    return "\n".join(lines)


def _render(digest: Digest, listed: int) -> Notification:
    record = digest.record
    text_headline = headline(digest)
    subject = make_subject(digest.severity, text_headline, record.region)
    summary = cut(to_ascii(f"Digest of a fleet-wide operation: {text_headline}"), 1000)
    links = _links(digest)
    text = _text(digest, subject, summary, links, listed)
    document: dict[str, Any] = {
        "version": SCHEMA_VERSION,
        "family": record.family,
        "detailType": DIGEST_DETAIL_TYPE,
        "severity": digest.severity,
        "status": digest.status,
        "subject": subject,
        "summary": summary,
        "text": text,
        "account": record.account,
        "region": record.region,
        "time": iso(digest.now),
        "operation": {
            "kind": record.kind,
            "key": record.operation,
            **{name: cut(value, 1000) for name, value in record.fields.items()},
            "finalStatus": record.final_status,
            "final": digest.final,
            "lastKnownStatus": record.last_status,
            "expiresAt": iso(record.expires_at),
        },
        "total": digest.total,
        "counts": digest.counts,
        "failed": [_item_json(item, record.kind) for item in digest.failed[:listed]],
        "failedNotShown": max(len(digest.failed) - listed, 0),
        "unfinished": [_item_json(item, record.kind) for item in digest.unfinished[:listed]],
        "unfinishedNotShown": max(len(digest.unfinished) - listed, 0),
        "duration": {
            "start": iso(digest.started),
            "end": iso(digest.ended),
            "seconds": digest.duration_seconds,
        },
        "links": links,
    }
    if record.kind == "window-execution":
        document["tasks"] = [
            {
                "taskExecutionId": cut(t.key, ID_MAX),
                "status": cut(t.status, STATUS_MAX),
                "time": t.time and cut(t.time, STATUS_MAX),
            }
            for t in digest.tasks[:listed]
        ]
    attributes = {
        "family": record.family,
        "detail_type": DIGEST_DETAIL_TYPE,
        "severity": digest.severity,
        "status": to_ascii(digest.status)[:256] or UNKNOWN,
        "account": to_ascii(record.account)[:256] or "unknown",
        "region": to_ascii(record.region)[:256] or "unknown",
    }
    return Notification(subject, text, document, attributes)


def render_digest(digest: Digest) -> Notification:
    """The digest as a notification SNS accepts: fewer instances named until it fits 256 KB."""
    listed = LISTED
    notification = _render(digest, listed)
    while notification.size() > MESSAGE_BUDGET and listed > 1:
        listed //= 2
        notification = _render(digest, listed)
    if notification.size() > MESSAGE_BUDGET:  # pathological field values: the envelope only
        document = dict(notification.document, operation={"kind": digest.record.kind}, truncated=True)
        notification = replace(notification, text=cut(notification.text, 32 * 1024), document=document)
    return notification
