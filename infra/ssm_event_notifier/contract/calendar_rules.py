"""The rules a Change Calendar's content must keep, shared by the construct (a calendar given to it is
checked at synth) and the functions (a calendar they read is checked before it is used)."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from typing import Any

TYPES = ("DEFAULT_OPEN", "DEFAULT_CLOSED")
MAX_BYTES = 64 * 1024


def content_hash(text: str) -> str:
    """A calendar's content as the repository and SSM hold it: line endings and trailing space aside."""
    normal = "\n".join(line.rstrip() for line in text.strip().splitlines())
    return hashlib.sha256(normal.encode()).hexdigest()[:16]


def aware(value: date | datetime) -> datetime:
    """Dates become midnight; floating times are taken as UTC, as Change Calendar does."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def date_in_zone(value: date, tzid: str) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(value.year, value.month, value.day, tzinfo=ZoneInfo(tzid))


def text_of(component: Any, name: str) -> str:
    value = component.get(name)
    return str(value) if value is not None else ""


def validate(text: str, source: str = "calendar") -> list[str]:
    """Every rule the content breaks, each naming the source, the event UID and the rule."""
    if len(text.encode()) > MAX_BYTES:
        return [f"{source}: larger than {MAX_BYTES // 1024} KB, the Change Calendar limit"]
    import icalendar  # here, not at the top: functions that never validate a calendar do not load it

    try:
        calendar = icalendar.Calendar.from_ical(text)
    except ValueError as error:
        return [f"{source}: not iCalendar: {error}"]
    problems = []
    if calendar.name != "VCALENDAR":
        problems.append(f"{source}: the content must be one VCALENDAR, found {calendar.name}")
    for prop in ("VERSION", "PRODID"):
        if calendar.get(prop) is None:
            problems.append(f"{source}: VCALENDAR has no {prop}")
    if str(calendar.get("X-CALENDAR-TYPE")) not in TYPES:
        problems.append(
            f"{source}: X-CALENDAR-TYPE must be DEFAULT_OPEN or DEFAULT_CLOSED, found {calendar.get('X-CALENDAR-TYPE')}"
        )
    for number, event in enumerate(calendar.walk("VEVENT"), start=1):
        uid = text_of(event, "UID")
        where = f"{source}: event {uid or f'#{number} (no UID)'}"
        for prop in ("UID", "SUMMARY", "DTSTART", "DTEND"):
            if event.get(prop) is None:
                problems.append(f"{where}: {prop} is missing")
        for prop in ("EXDATE", "RECURRENCE-ID"):
            if event.get(prop) is not None:
                problems.append(f"{where}: {prop} is not supported by Change Calendar import")
        times = {}
        for prop in ("DTSTART", "DTEND"):
            field = event.get(prop)
            if field is None:
                continue
            tzid = field.params.get("TZID")
            # icalendar turns an unknown TZID into a naive time without a word: refuse it.
            if tzid and isinstance(field.dt, datetime) and field.dt.tzinfo is None:
                problems.append(f"{where}: {prop} has an unknown time zone TZID={tzid}")
            elif tzid and not isinstance(field.dt, datetime):
                times[prop] = aware(date_in_zone(field.dt, tzid))
            else:
                times[prop] = aware(field.dt)
        if len(times) == 2 and times["DTEND"] <= times["DTSTART"]:
            problems.append(f"{where}: DTEND must be after DTSTART")
    return problems
