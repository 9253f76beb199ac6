"""What a Change Calendar edit changed: its events added, removed, moved or changed between two
versions, its next transition after the edit, and whether the edit came near a transition. Pure.

AWS announces a calendar's transitions "best effort within 15 minutes", and an edit within 15 minutes
of a transition may make it announce that transition twice or not at all (the seed article on
Change Calendar's API calls): such an edit is a warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from notifier.calendars.change_calendar import (
    AWS_TOLERANCE,
    CalendarEvent,
    ChangeCalendar,
    Transition,
    describe,
    next_line,
    times,
)
from notifier.calendars.instants import iso_utc


@dataclass(frozen=True)
class EventChange:
    change: str  # "added", "removed", "moved", "changed"
    before: CalendarEvent | None
    after: CalendarEvent | None

    @property
    def event(self) -> CalendarEvent:
        found = self.after or self.before
        assert found is not None
        return found

    def what(self) -> list[str]:
        """A changed event's fields that differ."""
        if self.before is None or self.after is None:
            return []
        pairs = (("summary", "summary"), ("description", "description"), ("recurrence", "rule"))
        return [label for label, name in pairs if getattr(self.before, name) != getattr(self.after, name)]

    def as_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {"change": self.change, "uid": self.event.uid, "summary": self.event.summary}
        if self.before:
            found["before"] = self.before.as_json()
        if self.after:
            found["after"] = self.after.as_json()
        if self.change == "changed":
            found["fields"] = self.what()
        return found


def diff(before: ChangeCalendar | None, after: ChangeCalendar) -> list[EventChange]:
    """The calendar's events (VEVENTs as written, by UID) that the new version added, removed, moved or changed."""
    old, new = (before.definitions() if before else {}), after.definitions()
    changes = [EventChange("removed", old[uid], None) for uid in old if uid not in new]
    for uid, event in new.items():
        was = old.get(uid)
        if was is None:
            changes.append(EventChange("added", None, event))
        elif (was.start, was.end) != (event.start, event.end):
            changes.append(EventChange("moved", was, event))
        elif (was.summary, was.description, was.rule) != (event.summary, event.description, event.rule):
            changes.append(EventChange("changed", was, event))
    return sorted(changes, key=lambda c: (c.event.start, c.event.uid))


def transition_near(calendars: list[ChangeCalendar], at: datetime) -> Transition | None:
    """The transition of any of the calendars (before and after the edit) within 15 minutes of `at`."""
    found = [t for c in calendars if (t := c.next_transition(at - AWS_TOLERANCE)) and t.at <= at + AWS_TOLERANCE]
    return min(found, key=lambda t: abs(t.at - at)) if found else None


def explain_edit(
    before: ChangeCalendar | None, after: ChangeCalendar, at: datetime, previous_version: str | None
) -> dict[str, Any]:
    """The `calendarEdit` section of the message (JSON), without what the caller adds (drift, reconciler)."""
    following = after.next_transition(at)
    near = transition_near([after, *([before] if before else [])], at)
    return {
        "name": after.name,
        "editedAt": iso_utc(at),
        "previousVersion": previous_version,
        "type": after.type,
        "previousType": before.type if before else None,
        "changes": [change.as_json() for change in diff(before, after)],
        "next": following.as_json() if following else None,
        "nearTransition": {**near.as_json(), "minutes": round((near.at - at).total_seconds() / 60)} if near else None,
    }


def _change_line(change: dict[str, Any]) -> str:
    mark = {"added": "+", "removed": "-"}.get(change["change"], "~")
    if change["change"] == "moved":
        return f"  {mark} moved: {change['summary']}: {times(change['before'])} -> {times(change['after'])}"
    if change["change"] == "changed":
        return f"  {mark} changed ({', '.join(change['fields'])}): {describe(change['after'])}"
    return f"  {mark} {change['change']}: {describe(change.get('after') or change['before'])}"


def edit_text(edit: dict[str, Any]) -> list[str]:
    """The lines the e-mail body gets for a calendar edit."""
    lines = []
    if edit.get("unavailable"):
        lines.append(f"What changed: unknown, the new version could not be read: {edit['unavailable']}")
    else:
        was = f"version {edit['previousVersion']}" if edit.get("previousVersion") else "a new calendar"
        count = len(edit["changes"])
        lines.append(
            f"What changed: {was} -> version {edit['version']} ({count} event{'' if count == 1 else 's'} changed)"
        )
        if edit.get("previousUnavailable"):
            lines.append(f"  (the previous version could not be read: {edit['previousUnavailable']})")
        if edit.get("previousType") and edit["previousType"] != edit["type"]:
            lines.append(f"  ~ calendar type: {edit['previousType']} -> {edit['type']}")
        lines += [_change_line(change) for change in edit["changes"]]
        lines.append(next_line(edit.get("next"), "Next transition after the edit"))
    near = edit.get("nearTransition")
    if near:
        when = f"{abs(near['minutes'])} minutes {'before' if near['minutes'] >= 0 else 'after'}"
        lines.append(
            f"Warning: this edit came {when} a transition ({near['state']} at {near['at']}): AWS may announce "
            "that state change twice or not at all."
        )
        lines.append(f"  {edit['watch']}")
    if edit.get("drift"):
        lines.append(
            f"Drift: this calendar's source is {edit['drift']} in the repository, and this edit was made outside "
            "the deployment: the calendar no longer matches the repository (a later deploy that changes the "
            "file replaces this edit)."
        )
    return lines
