"""The event functions: one per catalog function (catalog.FUNCTIONS) that an enabled family uses, each
with what its families read besides deduplication and publishing."""

from __future__ import annotations

from ssm_event_notifier.contract.calendar_rules import content_hash
from ssm_event_notifier.contract.catalog import API_AUDIT, CALENDAR_EDITS, FUNCTIONS, event_types_of
from ssm_event_notifier.contract.environment import AuditBursts, CalendarEditing, FunctionEnvironment
from ssm_event_notifier.core import NotifierCore, construct_id
from ssm_event_notifier.rules import FamilyRule


def add_event_functions(core: NotifierCore) -> None:
    settings = core.settings
    extra: dict[str, list[FunctionEnvironment]] = {name: [] for name in FUNCTIONS}
    for family in core.enabled:
        if family.name == API_AUDIT:  # the burst window
            extra[family.function].append(AuditBursts(window_seconds=settings.audit_burst_seconds))
        if family.name == CALENDAR_EDITS and core.enables(CALENDAR_EDITS):
            # Which calendars the notifier deploys: an edit of one by anybody else is drift.
            extra[family.function].append(
                CalendarEditing(
                    repository_hashes={name: content_hash(text) for name, text in core.calendars.items()},
                    reconcile_minutes=settings.reconcile_rate_minutes if core.monitored else 0,
                )
            )
    for name, handler in FUNCTIONS.items():
        if any(family.function == name for family in core.enabled):
            core.add_function(name, handler, core.dedupe, core.publishing, *extra[name])


def add_family_rules(core: NotifierCore, digested: tuple[str, ...]) -> None:
    """A rule per enabled family, to its function, for the detail-types that are not digested."""
    for family in core.enabled:
        if core.filters.admit_nothing(family):
            continue  # calendar edits without a monitored calendar
        if all(e.detail_type in digested for e in event_types_of(family.name)):
            # Compliance with digests on: every event of the family goes to the buffer. Its function
            # stays (other families use it, and "each" needs it).
            continue
        FamilyRule(
            core.scope,
            f"{construct_id(family.name)}Events",
            family=family,
            target=core.functions[family.function],
            excluded=digested,
            routing=core.hub.routing if core.hub else None,
            filters=core.filters,
        )
