"""What the calendar function adds to the delivery pipeline: why a calendar changed state, and
one notification per (calendar, state) transition; and the reconciler's notification of a
transition AWS did not announce, explained the same way."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from notifier.calendars.change_calendar import explanation_text, first_time
from notifier.calendars.documents import CalendarDocuments, CalendarUnavailable
from notifier.calendars.transitions import TransitionStore
from notifier.core.models import CalendarStateChange, SsmEvent
from notifier.core.render import Extra, Notification, Origin, render
from notifier.organization.scope import SINGLE_ACCOUNT, Scope


def _transition_time(event: CalendarStateChange) -> datetime:
    return first_time(event.detail.at_time, event.time)


def explain_transition(documents: CalendarDocuments, event: SsmEvent) -> Extra:
    """The `calendar` section of the notification: causes, next transition, coming events."""
    assert isinstance(event, CalendarStateChange)
    state, at = event.detail.status, _transition_time(event)
    try:
        explanation = documents.get(event.calendar_name, event.account, event.region).explain(state, at)
    except CalendarUnavailable as error:
        explanation = {
            "name": event.calendar_name,
            "type": None,
            "state": state,
            "causes": [],
            "next": None,
            "upcoming": [],
            "unavailable": str(error),
        }
    return Extra("calendar", explanation, explanation_text(explanation))


@contextmanager
def transition_gate(store: TransitionStore, event: SsmEvent, scope: Scope = SINGLE_ACCOUNT) -> Iterator[bool]:
    """True when this (calendar, state) transition is news; undone if the publish fails.

    In a hub the record is the calendar's in its account and region: two accounts' calendars of
    the same name never suppress each other.
    """
    assert isinstance(event, CalendarStateChange)
    calendar = scope.key(event.calendar_name, event.account, event.region)
    with store.claim(calendar, event.detail.status, _transition_time(event), event.id) as claimed:
        yield claimed is not None


def missed_transition_notification(
    documents: CalendarDocuments, raw: dict[str, Any], parsed: SsmEvent, origin: Origin | None
) -> Notification:
    """The notification of a missed transition (`raw`: the event AWS did not send), explained from its calendar."""
    extra = explain_transition(documents, parsed)
    return render(parsed, raw, extra, severity="warning", headline_prefix="Missed transition: ", origin=origin)
