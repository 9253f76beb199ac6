"""Instants as Change Calendar writes them (GetCalendarState, its events): UTC, ISO 8601, a Z.

Apart from `change_calendar` so that what needs only this, the reconciler's run that misses
nothing, does not load the iCalendar library (a large part of a cold start).
"""

from datetime import UTC, datetime


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
