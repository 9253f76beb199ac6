"""What the calendar function adds to the standard pipeline, and the missed-transition reconciler.

- explain: fetch the calendar document (cached per version) and say why it changed state;
- gate: one notification per (calendar, state) transition, never an older one;
- reconcile: compare GetCalendarState with the state last notified, and announce a
  transition AWS did not (its events are best effort within 15 minutes).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from notifier.calendars import CalendarError, ChangeCalendar, explanation_text, iso_utc
from notifier.models import CalendarStateChange, SsmEvent
from notifier.render import Extra
from notifier.transitions import TransitionStore

CACHE_SECONDS = 60.0


class CalendarDocuments:
    """Calendar documents read with ssm:GetDocument (TEXT), parsed once per document version."""

    def __init__(self, ssm_client: Any, clock: Callable[[], float] = time.monotonic) -> None:
        self.ssm = ssm_client
        self.clock = clock
        self._cache: dict[str, tuple[float, str, ChangeCalendar]] = {}

    def get(self, name: str) -> ChangeCalendar:
        """The parsed calendar; raises CalendarUnavailable saying why it cannot be had."""
        cached = self._cache.get(name)
        if cached and self.clock() - cached[0] < CACHE_SECONDS:
            return cached[2]
        try:
            document = self.ssm.get_document(Name=name, DocumentFormat="TEXT")
        except ClientError as error:
            detail = error.response.get("Error", {})
            raise CalendarUnavailable(f"{detail.get('Code')}: {detail.get('Message')}") from error
        version = str(document.get("DocumentVersion"))
        if cached and cached[1] == version:
            calendar = cached[2]
        else:
            try:
                calendar = ChangeCalendar(name, document["Content"])
            except CalendarError as error:
                raise CalendarUnavailable(f"the calendar document cannot be read: {error}") from error
        self._cache[name] = (self.clock(), version, calendar)
        return calendar


class CalendarUnavailable(Exception):
    pass


def _transition_time(event: CalendarStateChange) -> datetime:
    for value in (event.detail.at_time, event.time):
        try:
            moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        except ValueError:
            continue
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return datetime.now(UTC)


def explain(documents: CalendarDocuments, event: SsmEvent) -> Extra:
    """The `calendar` section of the notification: causes, next transition, coming events."""
    assert isinstance(event, CalendarStateChange)
    state, at = event.detail.status, _transition_time(event)
    try:
        explanation = documents.get(event.calendar_name).explain(state, at)
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
def gate(store: TransitionStore, event: SsmEvent) -> Iterator[bool]:
    """True when this (calendar, state) transition is news; undone if the publish fails."""
    assert isinstance(event, CalendarStateChange)
    with store.claim(event.calendar_name, event.detail.status, _transition_time(event), event.id) as claimed:
        yield claimed is not None


@dataclass(frozen=True)
class MissedTransition:
    calendar: str
    state: str
    last_notified: str
    since: datetime
    next_transition: str | None

    def as_event(self, account: str, region: str, partition: str = "aws") -> dict[str, Any]:
        """A Calendar State Change event, as AWS would have sent it, for the standard renderer."""
        now = iso_utc(datetime.now(UTC))
        detail: dict[str, Any] = {"state": self.state, "atTime": iso_utc(self.since)}
        if self.next_transition:
            detail["nextTransitionTime"] = self.next_transition
        return {
            "version": "0",
            "id": f"missed-{uuid.uuid4()}",
            "detail-type": "Calendar State Change",
            "source": "ssm-event-notifier.reconciler",
            "account": account,
            "time": now,
            "region": region,
            "resources": [f"arn:{partition}:ssm:{region}:{account}:document/{self.calendar}"],
            "detail": detail,
        }


def reconcile(
    calendars: list[str], ssm_client: Any, store: TransitionStore, now: datetime, grace: timedelta
) -> list[tuple[MissedTransition, Any]]:
    """Transitions AWS has not announced for longer than `grace`, each with its open claim.

    The caller publishes each and then closes the claim (a context manager); a failed publish
    undoes it. Calendars seen for the first time are recorded silently as a baseline.
    """
    missed = []
    for name in calendars:
        state = ssm_client.get_calendar_state(CalendarNames=[name], AtTime=iso_utc(now))
        actual = state["State"]
        seen = store.last(name)
        if seen is None:
            store.baseline(name, actual, now)
        elif seen.state == actual:
            if seen.mismatch_since:
                store.mark_mismatch(name, seen, None)
        elif seen.mismatch_since is None:
            store.mark_mismatch(name, seen, now)
        elif now - seen.mismatch_since >= grace:
            transition = MissedTransition(
                name, actual, seen.state, seen.mismatch_since, state.get("NextTransitionTime")
            )
            missed.append((transition, store.claim(name, actual, now, f"reconciler-{uuid.uuid4()}")))
    return missed
