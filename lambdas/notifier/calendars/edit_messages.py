"""Calendar edits: one message per version of a monitored Change Calendar put into effect, saying who
changed it, what changed (notifier.calendars.edits) and whether it drifted from the repository.

A console edit makes four calls (PutCalendar, CreateDocument refused, UpdateDocument,
UpdateDocumentDefaultVersion); the rule lets only the one that puts the version into effect through
(catalog.CALENDAR_EDIT_CALLS). The version last announced per calendar is kept in the idempotency
table (a TransitionStore under its own key prefix): it is the version the next edit is compared
with, and claiming it makes the message go out once per version, however often the record comes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from notifier.calendars.change_calendar import first_time
from notifier.calendars.documents import CalendarDocuments, CalendarUnavailable
from notifier.calendars.edits import edit_text, explain_edit
from notifier.calendars.transitions import TransitionStore
from notifier.core.cloudtrail_models import CalendarEditRecord
from notifier.core.render import Extra
from notifier.organization.scope import SINGLE_ACCOUNT, Scope
from notifier.state_table import KeyPrefix
from ssm_event_notifier.contract.calendar_rules import content_hash
from ssm_event_notifier.contract.environment import CalendarEditing

# Who deploys the calendars of the repository (calendars/*.ics): CloudFormation, on the deployer's behalf.
DEPLOYMENT = "cloudformation.amazonaws.com"


def edit_time(event: CalendarEditRecord) -> datetime:
    return first_time(event.detail.event_time, event.time)


def by_deployment(event: CalendarEditRecord) -> bool:
    identity = event.detail.user_identity if isinstance(event.detail.user_identity, dict) else {}
    return DEPLOYMENT in (identity.get("invokedBy"), event.detail.source_ip)


def version_store(client: Any, table_name: str) -> TransitionStore:
    """The version last announced per calendar, kept as a calendar's transitions are (under its own prefix)."""
    return TransitionStore(client, table_name, KeyPrefix.CALENDAR_VERSION)


def _version_before(version: str) -> str | None:
    """Without a version announced before: the one before it, as SSM numbers them (none before 1)."""
    return str(int(version) - 1) if version.isdigit() and int(version) > 1 else None


class CalendarEditMessages:
    def __init__(
        self,
        documents: CalendarDocuments,
        versions: TransitionStore,
        settings: CalendarEditing,
        scope: Scope = SINGLE_ACCOUNT,
    ) -> None:
        self.documents, self.versions, self.settings, self.scope = documents, versions, settings, scope

    def _record(self, event: CalendarEditRecord) -> str:
        return self.scope.key(event.calendar_name, event.account, event.region)

    def explain(self, event: CalendarEditRecord) -> Extra:
        """The `calendarEdit` section: the diff from the version last announced (or the one before)."""
        name, version, at = event.calendar_name, event.document_version, edit_time(event)
        seen = self.versions.last(self._record(event))
        previous = seen.state if seen and seen.state != version else _version_before(version)
        where: dict[str, str] = {"account": event.account, "region": event.region}
        edit: dict[str, Any]
        try:
            after = self.documents.version(name, version, **where)
        except CalendarUnavailable as error:
            edit = {"name": name, "editedAt": at.isoformat(), "previousVersion": previous, "unavailable": str(error)}
            after = None
        if after is not None:
            before, missing = None, None
            try:
                before = self.documents.version(name, previous, **where) if previous else None
            except CalendarUnavailable as error:
                missing = str(error)
            edit = {**explain_edit(before, after, at, previous), "previousUnavailable": missing}
        edit["version"] = version
        edit["watch"] = (
            f"The missed-transition reconciler checks this calendar every {self.settings.reconcile_minutes} minutes "
            "and announces a transition AWS does not; one AWS announces twice is notified once."
            if self.settings.reconcile_minutes
            else "No missed-transition reconciler watches this calendar: check its state (GetCalendarState)."
        )
        repository = self.settings.repository_hashes.get(name)
        drifted = repository and not by_deployment(event) and (after is None or content_hash(after.text) != repository)
        edit["drift"] = f"calendars/{name}.ics" if drifted else None
        warn = edit.get("nearTransition") or edit["drift"]
        return Extra("calendarEdit", edit, edit_text(edit), severity="warning" if warn else None)

    @contextmanager
    def gate(self, event: CalendarEditRecord) -> Iterator[bool]:
        """True when this version is news for the calendar; undone if the publish fails."""
        record, version = self._record(event), event.document_version
        with self.versions.claim(record, version, edit_time(event), event.id) as claimed:
            yield claimed is not None
