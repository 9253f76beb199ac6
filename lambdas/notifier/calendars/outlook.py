"""What a Change Calendar will do: its transitions to come and the CLOSED period around an instant, from the
calendar's own computation (change_calendar), for the advance notices. Pure: no AWS access."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from notifier.calendars.change_calendar import CLOSED, ChangeCalendar, describe
from notifier.calendars.instants import iso_utc

# A notice needs the transitions of the next days: a bound on how many are listed.
MAX_TRANSITIONS = 50


class Outlook:
    def __init__(self, calendar: ChangeCalendar) -> None:
        self.calendar = calendar
        self.name = calendar.name
        events = calendar.definitions().values()
        # Its own time zone: its first event's, as the calendar's people wrote it.
        self.zone = next((str(e.start.tzinfo) for e in events if e.start.tzinfo is not None), "UTC")

    def transitions(self, after: datetime, until: datetime) -> list[dict[str, Any]]:
        """Each transition in (after, until] (Transition.as_json), with `until`: when the state it begins
        ends (None: not within the calendar's search), and `timeZone`: the calendar's."""
        found: list[dict[str, Any]] = []
        transition = self.calendar.next_transition(after)
        while transition is not None and transition.at <= until and len(found) < MAX_TRANSITIONS:
            following = self.calendar.next_transition(transition.at)
            found.append(
                {
                    **transition.as_json(),
                    "until": iso_utc(following.at) if following else None,
                    "timeZone": self._zone_of(transition.causes) or self.zone,
                }
            )
            transition = following
        return found

    def closed_at(self, moment: datetime) -> dict[str, Any] | None:
        """The CLOSED period `moment` falls in: since, until (ISO, UTC, or None) and its causes as lines; None
        when the calendar is OPEN then."""
        if self.calendar.state_at(moment) != CLOSED:
            return None
        last = self.calendar.last_transition(moment)
        following = self.calendar.next_transition(moment)
        active = self.calendar.active_at(moment)
        return {
            "since": iso_utc(last.at) if last else None,
            "until": iso_utc(following.at) if following else None,
            "causes": [describe(event.as_json()) for event in active],
            "timeZone": self._zone_of(tuple(active)) or self.zone,
        }

    @staticmethod
    def _zone_of(events: Any) -> str | None:
        return next((str(e.start.tzinfo) for e in events if e.start.tzinfo is not None), None)
