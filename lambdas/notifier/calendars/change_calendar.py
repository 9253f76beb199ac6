"""Change Calendars: parse the iCalendar content, compute the state at an instant, explain it.

A Change Calendar is an SSM document whose content is iCalendar. Its type
(X-CALENDAR-TYPE) says what its events do: on a DEFAULT_OPEN calendar an event closes
it, on a DEFAULT_CLOSED calendar an event opens it. Pure logic: no AWS access here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import icalendar

from notifier.calendars.instants import iso_utc
from notifier.calendars.recurrences import occurrences
from ssm_event_notifier.contract.calendar_rules import aware as _aware
from ssm_event_notifier.contract.calendar_rules import date_in_zone as _date_in_zone
from ssm_event_notifier.contract.calendar_rules import text_of as _text
from ssm_event_notifier.contract.calendar_rules import validate

OPEN, CLOSED = "OPEN", "CLOSED"
UPCOMING_DAYS = 7
# How far ahead the next transition is looked for, in growing windows (most are near).
SEARCH_WINDOWS = (timedelta(days=8), timedelta(days=62), timedelta(days=400))
# AWS announces transitions "best effort within 15 minutes".
AWS_TOLERANCE = timedelta(minutes=15)


class CalendarError(ValueError):
    """A calendar that cannot be used; the message names the event UID and the rule broken."""


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    summary: str
    description: str
    start: datetime  # timezone-aware
    end: datetime
    rule: str = ""  # the RRULE of a recurring event's definition (ChangeCalendar.definitions)

    def active_at(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def as_json(self) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "summary": self.summary,
            "description": self.description,
            "start": iso_utc(self.start),
            "end": iso_utc(self.end),
            "timeZone": str(self.start.tzinfo),
            "startLocal": self.start.isoformat(),
            "endLocal": self.end.isoformat(),
            **({"rule": self.rule} if self.rule else {}),
        }


def _event_of(component: Any, rule: str = "") -> CalendarEvent:
    begin, finish = _aware(component["DTSTART"].dt), _aware(component["DTEND"].dt)
    tzid = component["DTSTART"].params.get("TZID")
    if tzid and not isinstance(component["DTSTART"].dt, datetime):
        begin, finish = _date_in_zone(component["DTSTART"].dt, tzid), _date_in_zone(component["DTEND"].dt, tzid)
    summary, description = _text(component, "SUMMARY"), _text(component, "DESCRIPTION")
    return CalendarEvent(_text(component, "UID"), summary, description, begin, finish, rule)


@dataclass(frozen=True)
class Transition:
    at: datetime
    state: str
    causes: tuple[CalendarEvent, ...]

    def as_json(self) -> dict[str, Any]:
        return {"at": iso_utc(self.at), "state": self.state, "causes": [e.as_json() for e in self.causes]}


class ChangeCalendar:
    def __init__(self, name: str, text: str) -> None:
        problems = validate(text, name)
        if problems:
            raise CalendarError("; ".join(problems))
        self.name = name
        self.text = text
        self._ical = icalendar.Calendar.from_ical(text)
        self.type = str(self._ical.get("X-CALENDAR-TYPE"))
        self.default_state = OPEN if self.type == "DEFAULT_OPEN" else CLOSED
        self.event_state = CLOSED if self.type == "DEFAULT_OPEN" else OPEN

    def events_between(self, start: datetime, end: datetime) -> list[CalendarEvent]:
        """Every occurrence (recurrences expanded) that overlaps [start, end), by start time."""
        found = [_event_of(event) for event in occurrences(self._ical, start, end)]
        return sorted((e for e in found if e.start < end and e.end > start), key=lambda e: (e.start, e.end, e.uid))

    def definitions(self) -> dict[str, CalendarEvent]:
        """Each VEVENT as written (a recurring one: its first occurrence and its RRULE), by UID."""
        found = {}
        for number, component in enumerate(self._ical.walk("VEVENT"), start=1):
            rule = component.get("RRULE")
            event = _event_of(component, rule.to_ical().decode() if rule is not None else "")
            found[event.uid or f"#{number}"] = event
        return found

    def active_at(self, moment: datetime) -> list[CalendarEvent]:
        return [
            e
            for e in self.events_between(moment - timedelta(seconds=1), moment + timedelta(seconds=1))
            if e.active_at(moment)
        ]

    def state_at(self, moment: datetime) -> str:
        return self.event_state if self.active_at(moment) else self.default_state

    def _transition_at(self, boundary: datetime) -> Transition:
        state = self.state_at(boundary)
        if state == self.event_state:
            causes = self.active_at(boundary)  # the events that begin (or hold) the state
        else:
            causes = [e for e in self.active_at(boundary - timedelta(seconds=1)) if e.end <= boundary]
        return Transition(boundary, state, tuple(causes))

    def next_transition(self, after: datetime) -> Transition | None:
        """The first instant after `after` at which the state changes."""
        state = self.state_at(after)
        for window in SEARCH_WINDOWS:
            events = self.events_between(after, after + window)
            boundaries = sorted({t for e in events for t in (e.start, e.end) if after < t <= after + window})
            for boundary in boundaries:
                if self.state_at(boundary) != state:
                    return self._transition_at(boundary)
        return None

    def last_transition(self, until: datetime) -> Transition | None:
        """The latest instant at or before `until` at which the state changed."""
        state = self.state_at(until)
        for window in SEARCH_WINDOWS:
            events = self.events_between(until - window, until + timedelta(seconds=1))
            boundaries = sorted(
                {t for e in events for t in (e.start, e.end) if until - window < t <= until}, reverse=True
            )
            for boundary in boundaries:
                if self.state_at(boundary) == state and self.state_at(boundary - timedelta(seconds=1)) != state:
                    return self._transition_at(boundary)
        return None

    def explain(self, state: str, at: datetime) -> dict[str, Any]:
        """Why the calendar is `state` at `at` (AWS announces up to 15 minutes late), what comes next."""
        last = self.last_transition(at + AWS_TOLERANCE)
        if last is not None and last.state != state:
            last = self.last_transition(at)
        causes = last.causes if last is not None and last.state == state else ()
        since = last.at if last is not None and last.state == state else at
        upcoming = self.events_between(since, since + timedelta(days=UPCOMING_DAYS))
        following = self.next_transition(since)
        return {
            "name": self.name,
            "type": self.type,
            "state": state,
            "since": iso_utc(since),
            "causes": [e.as_json() for e in causes],
            "next": following.as_json() if following else None,
            "upcoming": [e.as_json() for e in upcoming],
        }


def explanation_text(explanation: dict[str, Any]) -> list[str]:
    """The lines the e-mail body gets for a calendar explanation."""
    if explanation.get("unavailable"):
        return [f"Why: explanation unavailable: {explanation['unavailable']}"]
    effect = "close" if explanation["type"] == "DEFAULT_OPEN" else "open"
    lines = [f"Calendar type: {explanation['type']} (events {effect} it)"]
    causes = explanation["causes"]
    default_state = OPEN if explanation["type"] == "DEFAULT_OPEN" else CLOSED
    if causes:
        why = "these calendar events ended" if explanation["state"] == default_state else "calendar events in progress"
        lines += [f"Why: {why}:"] + [f"  - {describe(cause)}" for cause in causes]
    elif explanation["state"] == default_state:
        lines.append("Why: no calendar event is in progress, so the calendar is in its default state")
    else:
        lines.append("Why: no calendar event explains this state (was the calendar edited?)")
    lines.append(next_line(explanation.get("next")))
    if explanation["upcoming"]:
        lines += [f"Coming {UPCOMING_DAYS} days:"] + [f"  - {describe(e)}" for e in explanation["upcoming"]]
    return lines


def next_line(following: dict[str, Any] | None, label: str = "Next") -> str:
    """The line that says a calendar's next transition (Transition.as_json) and the events behind it."""
    if not following:
        return f"{label}: no transition in the next 400 days"
    behind = ", ".join(describe(cause) for cause in following["causes"]) or "calendar events ending"
    return f"{label}: {following['state']} at {following['at']} ({behind})"


def first_time(*values: Any) -> datetime:
    """The first of `values` that reads as a time (timezone-aware; a naive one is UTC), else now."""
    for value in values:
        try:
            moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        except ValueError:
            continue
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return datetime.now(UTC)


def describe(event: dict[str, Any]) -> str:
    """A calendar event (CalendarEvent.as_json) in a line: its summary, times in its own zone and UTC."""
    return f"{event['summary']} ({times(event)})" + (f": {event['description']}" if event.get("description") else "")


def times(event: dict[str, Any]) -> str:
    """When a calendar event (CalendarEvent.as_json) is, in its own time zone and in UTC."""
    zone = event.get("timeZone", "UTC")
    local = f"{event['startLocal'][:16].replace('T', ' ')} - {event['endLocal'][:16].replace('T', ' ')} {zone}"
    utc = f"{event['start'][:16].replace('T', ' ')} - {event['end'][:16].replace('T', ' ')} UTC"
    return utc if zone in ("UTC", "Etc/UTC") else f"{local}; {utc}"
