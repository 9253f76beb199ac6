"""EventBridge rules: one per family, on the default bus and for this account's events only; in
organization mode on the hub's bus, for the organization's accounts (infra/ssm_event_notifier/organization.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_cdk import Duration, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from constructs import Construct

from ssm_event_notifier.contract.catalog import (
    API_AUDIT,
    AUDITED_CALLS,
    CALENDAR_EDITS,
    Family,
    audit_detail_pattern,
    calendar_edit_detail_pattern,
    event_types_of,
)
from ssm_event_notifier.functions import NotifierFunction

# How long EventBridge keeps trying a target it cannot reach before its dead-letter queue.
TARGET_RETRY_ATTEMPTS = 8
TARGET_MAX_EVENT_AGE = Duration.hours(24)
# A schedule's missed tick is worth little once the next one comes: two tries, no age limit.
SCHEDULE_RETRY_ATTEMPTS = 2


def lambda_target(
    function: NotifierFunction,
    *,
    retry_attempts: int = TARGET_RETRY_ATTEMPTS,
    max_event_age: Duration | None = TARGET_MAX_EVENT_AGE,
) -> targets.LambdaFunction:
    """`function` as a rule's target: invocations EventBridge cannot make (throttled, function missing)
    wait in the function's own dead-letter queue, with its failed invocations."""
    return targets.LambdaFunction(
        function.function,
        dead_letter_queue=function.dead_letter_queue,
        retry_attempts=retry_attempts,
        max_event_age=max_event_age,
    )


def source_match(family: Family) -> list[str]:
    """The catalog's source pattern in CDK's terms (plain values or {"prefix": ...})."""
    values: list[str] = []
    for item in family.source_pattern:
        if isinstance(item, dict):
            values += events.Match.prefix(item["prefix"])
        else:
            values.append(item)
    return values


@dataclass(frozen=True)
class Routing:
    """Which bus the rules listen on and whose events they take.

    The default (no bus): the default bus, this stack's account only. With the hub's bus
    (organization mode): every account that may put events on it (the organization), or only
    `included_accounts`, or all but `excluded_accounts`: the filter sits in the rules' patterns.
    """

    event_bus: events.IEventBus | None = None
    included_accounts: tuple[str, ...] = ()
    excluded_accounts: tuple[str, ...] = ()

    def account_match(self, scope: Construct) -> list[str] | None:
        """The pattern's `account`; None: any account."""
        if self.event_bus is None:
            return [Stack.of(scope).account]
        if self.included_accounts:
            return list(self.included_accounts)
        if self.excluded_accounts:
            return events.Match.anything_but(*self.excluded_accounts)
        return None

    @property
    def whose(self) -> str:
        return "of this account" if self.event_bus is None else "of the organization's accounts"


@dataclass(frozen=True)
class DetailFilters:
    """What the settings ask of some families' events' detail: the API audit's calls (auditedCalls),
    the calendar edits' calendars (the monitored ones)."""

    audited_calls: tuple[str, ...] = AUDITED_CALLS
    calendars: tuple[str, ...] = ()

    def of(self, family: Family) -> dict[str, Any] | None:
        if family.name == API_AUDIT:
            return audit_detail_pattern(self.audited_calls)
        if family.name == CALENDAR_EDITS:
            return calendar_edit_detail_pattern(self.calendars)
        return None

    def admit_nothing(self, family: Family) -> bool:
        """Calendar edits without a monitored calendar: no rule (EventBridge refuses an empty list)."""
        return family.name == CALENDAR_EDITS and not self.calendars


def event_pattern(
    scope: Construct,
    family: Family,
    *,
    excluded: tuple[str, ...] = (),
    routing: Routing | None = None,
    filters: DetailFilters | None = None,
) -> events.EventPattern:
    """The family's pattern: its sources, its detail-types but `excluded`, and the routing's accounts;
    for the API audit, only the audited calls people make, for calendar edits only the monitored
    calendars' (DetailFilters).

    One definition for the family rules, the hub's forwarding of its own events and the member
    accounts' rules (infra/ssm_event_notifier/organization.py, infra/ssm_event_notifier/members.py).
    """
    return events.EventPattern(
        source=source_match(family),
        detail_type=[e.detail_type for e in event_types_of(family.name) if e.detail_type not in excluded],
        account=(routing or Routing()).account_match(scope),  # None: any account
        detail=(filters or DetailFilters()).of(family),
    )


class FamilyRule(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        family: Family,
        target: NotifierFunction,
        excluded: tuple[str, ...] = (),
        routing: Routing | None = None,
        filters: DetailFilters | None = None,
    ) -> None:
        """`excluded`: detail-types of the family routed elsewhere (the fleet operations buffer).
        `routing`: None, the default bus and this account (see Routing). `filters`: see DetailFilters."""
        super().__init__(scope, construct_id)
        routing = routing or Routing()
        self.rule = events.Rule(
            self,
            "Rule",
            description=f"SSM Event Notifier: {family.title} events {routing.whose}",
            event_bus=routing.event_bus,
            event_pattern=event_pattern(self, family, excluded=excluded, routing=routing, filters=filters),
            targets=[lambda_target(target)],
        )
