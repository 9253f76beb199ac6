"""Fleet-wide operations, the pure part of recording: which operation and item an event belongs to,
which of two observations of the same item is newer, and when an operation expires.

Which detail-types belong to which kind of operation, and in which role, is catalog data
(``catalog.OPERATIONS`` and each entry's ``operation`` and ``role``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from notifier.core.models import SsmEvent
from notifier.core.severity import normalize_status
from notifier.organization.scope import SINGLE_ACCOUNT, Scope
from ssm_event_notifier.contract.catalog import OPERATION_BY_NAME, Ending, OperationKind, Role, event_type_parsed_as

OPERATION_ITEM = "#operation"  # sort key of the operation's own item; "#" sorts before any id
TASK_PREFIX = "#task#"

# Statuses after which nothing more happens to a command, an invocation, a window run, a task, a
# target, an Automation execution or step, an association on an instance, or a resource's compliance
# (the services' vocabularies, compared after normalize_status).
_TERMINAL = {
    "compliant",
    "noncompliant",
    "rejected",
    "exited",
    "completedwithsuccess",
    "changecalendaroverriderejected",
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
_WAITING = {"pending", "scheduled", "waiting", "pendingapproval", "approved"}


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


# Automation's StartTime and EndTime read like "Nov 29, 2016 7:43:25 PM" (UTC, English month names).
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _automation_time(value: str) -> datetime | None:
    # strptime's %b follows the locale: read the month by its English name first.
    month, _, rest = value.strip().partition(" ")
    if month[:3].title() not in _MONTHS:
        return None
    try:
        return datetime.strptime(f"{_MONTHS.index(month[:3].title()) + 1:02d} {rest}", "%m %d, %Y %I:%M:%S %p")
    except ValueError:
        return None


def parse_time(value: Any) -> datetime | None:
    """An aware datetime from an event's time field (ISO 8601, or Automation's "Nov 29, 2016 7:43:25 PM"),
    None when it is missing or not a time."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            parsed = _automation_time(value)
            if parsed is None:
                return None
            moment = parsed
    else:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Observation:
    """What one event says about its operation, ready to be recorded."""

    operation: str  # the table's partition key, e.g. "command#<command id>" (operation_key)
    kind: str  # a catalog.OPERATIONS name
    role: Role
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
    instance: str | None = None  # the item's name: an instance, target, step or resource
    task: str | None = None
    reason: str | None = None  # why an item failed, as its event says (kind.reason_fields)
    ends: Ending = "final-event"

    @property
    def final(self) -> bool:
        """A final status of the operation itself: only an operation that ends with a final event has one."""
        return self.role == "parent" and self.ends == "final-event" and is_terminal(self.status)


class NotAnOperationEvent(ValueError):
    """An event of the catalog that belongs to no fleet-wide operation (routed here by mistake)."""


def _extra(parsed: SsmEvent, name: str) -> str | None:
    value = parsed.detail.received.get(name)
    return value if isinstance(value, str) and value else None


def target_of(parsed: SsmEvent) -> str:
    """The instance a Maintenance Window target event is about.

    AWS's target invocation sample names only the registered target (window-target-id), which may
    stand for many instances: an instance id in the detail or an instance ARN in `resources` is
    preferred.
    """
    fields = parsed.template_fields()
    for candidate in (_extra(parsed, "instance-id"), _extra(parsed, "resource-id")):
        if candidate:
            return candidate
    for arn in parsed.resources:
        for marker in (":instance/", ":managed-instance/"):
            if marker in arn:
                return arn.split(marker, 1)[1]
    return fields.get("window_target_id") or "(unknown target)"


def operation_key(
    kind: OperationKind, fields: dict[str, str], account: str, region: str, scope: Scope = SINGLE_ACCOUNT
) -> str:
    """The operation's partition key: "command#<command id>", "association#<account>/<region>/<id>".

    In organization mode every key holds the account and region (a quiet-ended one always does).
    """
    key = "/".join(fields.get(name) or "-" for name in kind.key_fields)
    if kind.ends == "quiet":
        return f"{kind.name}#{account}/{region}/{key}"
    return f"{kind.name}#{scope.key(key, account, region)}"


def parameters_digest(fields: dict[str, str]) -> dict[str, str]:
    """A short digest of a command's parameters (their JSON, keys sorted), for its operation record: the
    same document run again with the same parameters (the next patch night) is the same thing to an
    on-call tool (routes/incidents.py), while each run has a command id of its own."""
    parameters = fields.get("parameters")
    return {"parameters_digest": hashlib.sha256(parameters.encode()).hexdigest()[:16]} if parameters else {}


def items_digest(keys: Iterable[str]) -> str | None:
    """A short digest of the items an operation's message is about (a command's instances, its targets),
    whatever their order: the same document with the same parameters on the same instances is the same
    thing to an on-call tool; on other instances, another (routes/incidents.py)."""
    listed = sorted(set(keys))
    return hashlib.sha256("\n".join(listed).encode()).hexdigest()[:16] if listed else None


def observe(parsed: SsmEvent, scope: Scope = SINGLE_ACCOUNT) -> Observation:
    """The observation an event of a fleet-wide operation makes; NotAnOperationEvent otherwise."""
    event_type = event_type_parsed_as(parsed.detail_type, type(parsed).__name__)
    if not event_type.operation or not event_type.role:
        raise NotAnOperationEvent(f"{parsed.detail_type} events belong to no fleet-wide operation")
    kind = OPERATION_BY_NAME[event_type.operation]
    fields = parsed.template_fields()
    fields.update(parameters_digest(fields))
    status = parsed.detail.status
    moment = parse_time(parsed.time)
    role = event_type.role
    instance = None
    if role == "item":
        named = fields.get(kind.item_field) if kind.item_field else target_of(parsed)
        instance = named or f"(unknown {kind.item_noun})"
    task = fields.get(kind.task_field) if kind.task_field else None
    recorded = kind.fields + (kind.parent_fields if role == "parent" else ())
    if role == "parent":
        item = OPERATION_ITEM
    elif role == "task":
        item = TASK_PREFIX + str(task)
    else:
        item = f"{task}/{instance}" if kind.task_field else str(instance)
    return Observation(
        operation=operation_key(kind, fields, parsed.account, parsed.region, scope),
        kind=kind.name,
        role=role,
        item=item,
        status=status,
        order=order_of(moment, status),
        time=moment,
        family=event_type.family,
        region=parsed.region,
        account=parsed.account,
        fields={name: fields[name] for name in recorded if fields.get(name)},
        started=parse_time(fields.get(kind.start_field)) if kind.start_field else None,
        expire_after=parse_time(fields.get("expire_after")) if role == "parent" else None,
        instance=instance,
        task=task,
        reason=kind.reason_of(status, fields) if role == "item" else None,
        ends=kind.ends,
    )


def start_of(observation: Observation, now: datetime) -> datetime:
    """When the operation started, as far as this event tells: its start field, else the event's time."""
    return observation.started or observation.time or now


def expiry(observation: Observation, timeout_seconds: float, now: datetime) -> datetime:
    """When to give up waiting for the operation's final status.

    The later of the command's expire-after (if this event says it) and the operation's start plus
    the configured timeout: expire-after only bounds when an invocation may *start*, and a command
    that started in time may still be running after it.
    """
    start = start_of(observation, now)
    candidates = [datetime.fromtimestamp(start.timestamp() + timeout_seconds, UTC)]
    if observation.expire_after:
        candidates.append(observation.expire_after)
    return max(candidates)
