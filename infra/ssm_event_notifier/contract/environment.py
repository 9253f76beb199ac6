"""The environment the stack gives each function: every variable's name and default, written once.

Standard library only: ``infra/`` builds these dataclasses with its values and sets
``.variables()`` on the function; the function reads them back with ``.read()``. Powertools'
own variables (POWERTOOLS_SERVICE_NAME, ...) are Powertools' business and not listed here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, TypeVar

DEDUPE_WINDOW_SECONDS = 24 * 3600
OPERATION_TIMEOUT_SECONDS = 120 * 60
DIGEST_SETTLE_SECONDS = 60
# A running operation with failures gets one interim message after this long (0: never).
INTERIM_AFTER_SECONDS = 30 * 60
# How long the events of an operation without a final event (an association run, a compliance
# scan wave) must stop before its message goes out.
QUIET_PERIOD_SECONDS = 5 * 60
MISSED_TRANSITION_GRACE_MINUTES = 20
# What a failure message may spend reading why items failed and what instances are called
# (notifier.failures): API calls (0: none) and seconds of wall time, per message.
FAILURE_READS = 20
FAILURE_READ_SECONDS = 3.0
# The API audit: the same call by the same principal within this window is one message.
AUDIT_BURST_SECONDS = 60
# Advance notices: how long before a Maintenance Window run or a Change Calendar transition (minutes,
# one notice per lead time), how often the look-ahead runs, and what one window's notice may read.
NOTICE_BEFORE_MINUTES = (60,)
NOTICE_RATE_MINUTES = 5
NOTICE_READS = 6
NOTICE_READ_SECONDS = 3.0


def _names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


def _variable(name: str, parse: Callable[[str], Any] = str, default: Any = MISSING, factory: Any = MISSING) -> Any:
    return field(default=default, default_factory=factory, metadata={"variable": name, "parse": parse})


def _minutes(text: str) -> tuple[int, ...]:
    return tuple(int(value) for value in _names(text))


def _seconds_by_name(text: str) -> dict[str, float]:
    """ "association=300,compliance=600" -> {"association": 300.0, "compliance": 600.0}."""
    pairs = (item.split("=", 1) for item in _names(text))
    return {name.strip(): float(value) for name, value in pairs}


def _text_by_name(text: str) -> dict[str, str]:
    """ "ProductionChangeFreeze=1f2e3d" -> {"ProductionChangeFreeze": "1f2e3d"}."""
    pairs = (item.split("=", 1) for item in _names(text))
    return {name.strip(): value.strip() for name, value in pairs}


def _pairs_text(value: dict[str, Any]) -> str:
    """The inverse of _seconds_by_name and _text_by_name."""
    return ",".join(
        f"{name}={value[name]:g}" if isinstance(value[name], float) else f"{name}={value[name]}"
        for name in sorted(value)
    )


Settings = TypeVar("Settings", bound="FunctionEnvironment")


@dataclass(frozen=True)
class FunctionEnvironment:
    """A group of variables one kind of function reads."""

    def variables(self) -> dict[str, str]:
        """The variables to set on the function (CDK tokens pass through as strings)."""
        result = {}
        for spec in fields(self):
            value = getattr(self, spec.name)
            if isinstance(value, tuple):
                text = ",".join(map(str, value))
            elif isinstance(value, dict):
                text = _pairs_text(value)
            else:
                text = str(value)
            result[spec.metadata["variable"]] = text
        return result

    @classmethod
    def read(cls: type[Settings], environ: Mapping[str, str] = os.environ) -> Settings:
        """The settings as the function sees them; a missing variable without a default raises KeyError."""
        values = {}
        for spec in fields(cls):
            name = spec.metadata["variable"]
            if name in environ:
                values[spec.name] = spec.metadata["parse"](environ[name])
            elif spec.default is MISSING and spec.default_factory is MISSING:
                raise KeyError(f"environment variable {name} is not set")
        return cls(**values)


@dataclass(frozen=True)
class Publishing(FunctionEnvironment):
    """Every function that publishes to the notification topic."""

    topic_arn: str = _variable("NOTIFICATION_TOPIC_ARN")


@dataclass(frozen=True)
class Dedupe(FunctionEnvironment):
    """Every function that keeps Powertools idempotency records (and calendar transitions)."""

    table_name: str = _variable("IDEMPOTENCY_TABLE_NAME")
    window_seconds: int = _variable("DEDUPE_WINDOW_SECONDS", int, DEDUPE_WINDOW_SECONDS)


@dataclass(frozen=True)
class Reconciler(FunctionEnvironment):
    """The missed-transition reconciler (notifier.calendars)."""

    calendars: tuple[str, ...] = _variable("MONITORED_CALENDARS", _names, ())
    grace_minutes: int = _variable("GRACE_MINUTES", int, MISSED_TRANSITION_GRACE_MINUTES)


@dataclass(frozen=True)
class OperationRecording(FunctionEnvironment):
    """The function that records the events of fleet-wide operations (notifier.fleet)."""

    table_name: str = _variable("OPERATIONS_TABLE_NAME")
    timeout_seconds: float = _variable("OPERATION_TIMEOUT_SECONDS", float, OPERATION_TIMEOUT_SECONDS)
    settle_seconds: float = _variable("DIGEST_SETTLE_SECONDS", float, DIGEST_SETTLE_SECONDS)
    interim_seconds: float = _variable("INTERIM_AFTER_SECONDS", float, INTERIM_AFTER_SECONDS)
    # Quiet periods by operation kind (catalog.OPERATIONS names); a kind not listed: QUIET_PERIOD_SECONDS.
    quiet_seconds: dict[str, float] = _variable("QUIET_PERIOD_SECONDS", _seconds_by_name, factory=dict)  # noqa: RUF009 (a dataclasses.field)


@dataclass(frozen=True)
class OperationSweeping(FunctionEnvironment):
    """The scheduled function that sends one message per ended fleet-wide operation."""

    table_name: str = _variable("OPERATIONS_TABLE_NAME")
    interim_seconds: float = _variable("INTERIM_AFTER_SECONDS", float, INTERIM_AFTER_SECONDS)


@dataclass(frozen=True)
class FailureReading(FunctionEnvironment):
    """How much one failure message may read to say why (notifier.failures)."""

    reads: int = _variable("FAILURE_READS", int, FAILURE_READS)
    seconds: float = _variable("FAILURE_READ_SECONDS", float, FAILURE_READ_SECONDS)


@dataclass(frozen=True)
class DeadLetterSending(FunctionEnvironment):
    """A function that reads a queue and sends the records it can never process to its dead-letter queue."""

    queue_url: str = _variable("DEAD_LETTER_QUEUE_URL")


@dataclass(frozen=True)
class Organization(FunctionEnvironment):
    """Organization mode (the hub): events come from every account and region of the organization.

    Set on every function of a hub stack, and on none of a single-account stack (whose keys and
    messages stay what they were: see docs/organization.md).
    """

    organization_id: str = _variable("ORGANIZATION_ID", default="")
    # The role each member account's stack creates for the hub's calendar functions (its name: the
    # same in every member account; the hub builds its ARN from the event's account).
    calendar_reader_role: str = _variable("CALENDAR_READER_ROLE", default="")
    hub_account: str = _variable("HUB_ACCOUNT", default="")

    @property
    def enabled(self) -> bool:
        return bool(self.organization_id)


@dataclass(frozen=True)
class ChatRelaying(FunctionEnvironment):
    """The chat relay (notifier.chat): the topic the chat channels subscribe to."""

    topic_arn: str = _variable("CHAT_TOPIC_ARN")


@dataclass(frozen=True)
class AuditBursts(FunctionEnvironment):
    """The API audit (notifier.api_audit): how long a burst of the same call by one principal is one message."""

    window_seconds: int = _variable("AUDIT_BURST_SECONDS", int, AUDIT_BURST_SECONDS)


@dataclass(frozen=True)
class CalendarEditing(FunctionEnvironment):
    """Calendar edits (notifier.calendars.edit_messages): which calendars the repository holds, and how
    often the missed-transition reconciler looks (0: no reconciler)."""

    # calendars/<name>.ics -> change_calendar.content_hash of its content, as deployed.
    repository_hashes: dict[str, str] = _variable("REPOSITORY_CALENDARS", _text_by_name, factory=dict)  # noqa: RUF009 (a dataclasses.field)
    reconcile_minutes: int = _variable("RECONCILE_RATE_MINUTES", int, 0)


@dataclass(frozen=True)
class Noticing(FunctionEnvironment):
    """The look-ahead (notifier.notices): the lead times, the calendars whose transitions and CLOSED
    periods it announces, how often it runs and what one window's notice may read."""

    lead_minutes: tuple[int, ...] = _variable("NOTICE_BEFORE_MINUTES", _minutes, NOTICE_BEFORE_MINUTES)
    calendars: tuple[str, ...] = _variable("MONITORED_CALENDARS", _names, ())
    rate_minutes: int = _variable("NOTICE_RATE_MINUTES", int, NOTICE_RATE_MINUTES)
    reads: int = _variable("NOTICE_READS", int, NOTICE_READS)
    read_seconds: float = _variable("NOTICE_READ_SECONDS", float, NOTICE_READ_SECONDS)
    # Organization mode: the members whose windows are announced too (their accounts listed from the OUs,
    # or only the included ones, never the excluded), in each member region, through their reader role.
    member_units: tuple[str, ...] = _variable("NOTICE_MEMBER_UNITS", _names, ())
    member_regions: tuple[str, ...] = _variable("NOTICE_MEMBER_REGIONS", _names, ())
    included_accounts: tuple[str, ...] = _variable("NOTICE_INCLUDED_ACCOUNTS", _names, ())
    excluded_accounts: tuple[str, ...] = _variable("NOTICE_EXCLUDED_ACCOUNTS", _names, ())
    reader_role: str = _variable("NOTICE_READER_ROLE", default="")


# Hosts the route relay may reach over plain http besides this machine's loopback: declared by the local
# build only (ssm_event_notifier.local_build), where a function runs in a container that reaches the local
# stand-ins through the Docker bridge's address. The Lambda build declares it not: https only.
LOCAL_HTTP_HOSTS = "LOCAL_HTTP_HOSTS"
PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"
JSM_ALERTS_URL = "https://api.atlassian.com/jsm/ops/integration/v2/alerts"


@dataclass(frozen=True)
class RouteRelaying(FunctionEnvironment):
    """The route relay (notifier.routes): each destination it delivers to, by the ARN of the queue that
    feeds it (a JSON object: see contract.routes_file.RelayedDestination), and where the on-call APIs are."""

    destinations: str = _variable("ROUTE_DESTINATIONS")
    pagerduty_url: str = _variable("PAGERDUTY_EVENTS_URL", default=PAGERDUTY_EVENTS_URL)
    jsm_url: str = _variable("JSM_ALERTS_URL", default=JSM_ALERTS_URL)
    # How long a message that could not be delivered now (429, 5xx, no answer) waits before its second try;
    # each later try waits twice as long, up to 15 minutes (notifier.routes.retries.retry_delay).
    retry_first_seconds: int = _variable("ROUTE_RETRY_FIRST_SECONDS", int, 30)


@dataclass(frozen=True)
class RouteOwners(FunctionEnvironment):
    """The routes that match on tags (the digest sweeper, and the event functions of messages about one node):
    a JSON object, route name -> {tag key: [values]}. Empty: no route does, and no tag is read."""

    routes: str = _variable("ROUTE_OWNER_TAGS", default="")
    # Organization mode: the role of each member account that lets the hub read its instances' tags.
    reader_role: str = _variable("TAG_READER_ROLE", default="")
