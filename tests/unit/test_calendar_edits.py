"""What a calendar edit changed (notifier.calendars.edits): the diff of two versions, the transition near it."""

from __future__ import annotations

from datetime import UTC, datetime

from notifier.calendars.change_calendar import ChangeCalendar
from notifier.calendars.edits import diff, edit_text, explain_edit, transition_near

HEAD = "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\nX-CALENDAR-TYPE:{type}\n"


def _calendar(*events: str, kind: str = "DEFAULT_OPEN") -> ChangeCalendar:
    return ChangeCalendar("Freeze", HEAD.format(type=kind) + "".join(events) + "END:VCALENDAR\n")


def _event(uid: str, start: str, end: str, summary: str = "Freeze", extra: str = "") -> str:
    return (
        f"BEGIN:VEVENT\nUID:{uid}\nSUMMARY:{summary}\nDTSTART;TZID=Europe/Berlin:{start}\n"
        f"DTEND;TZID=Europe/Berlin:{end}\n{extra}END:VEVENT\n"
    )


WEEKLY = _event("weekly", "20260102T180000", "20260105T060000", "Weekend", "RRULE:FREQ=WEEKLY;BYDAY=FR\n")
ONCE = _event("once", "20261221T090000", "20261221T120000", "Hotfix")


def test_a_diff_names_each_event_added_removed_moved_or_changed_once() -> None:
    before = _calendar(WEEKLY, ONCE, _event("gone", "20261201T000000", "20261202T000000", "Old"))
    after = _calendar(
        _event("weekly", "20260102T180000", "20260105T060000", "Weekend", "RRULE:FREQ=WEEKLY;BYDAY=SA\n"),
        _event("once", "20261222T090000", "20261222T120000", "Hotfix"),
        _event("new", "20261224T000000", "20261227T000000", "Christmas"),
    )
    found = {(c.change, c.event.uid) for c in diff(before, after)}
    assert found == {("changed", "weekly"), ("moved", "once"), ("removed", "gone"), ("added", "new")}
    (changed,) = [c for c in diff(before, after) if c.change == "changed"]
    assert changed.what() == ["recurrence"]
    assert diff(before, before) == []


def test_a_new_calendar_adds_all_of_its_events() -> None:
    assert [(c.change, c.event.uid) for c in diff(None, _calendar(ONCE))] == [("added", "once")]


def test_a_transition_within_fifteen_minutes_before_or_after_the_edit_is_near() -> None:
    calendar = _calendar(ONCE)  # closes 2026-12-21 08:00 UTC
    assert transition_near([calendar], datetime(2026, 12, 21, 7, 46, tzinfo=UTC)) is not None
    assert transition_near([calendar], datetime(2026, 12, 21, 8, 14, tzinfo=UTC)) is not None
    assert transition_near([calendar], datetime(2026, 12, 21, 7, 44, tzinfo=UTC)) is None
    # A transition the edit removed counts too: the old version had it.
    assert transition_near([_calendar(), calendar], datetime(2026, 12, 21, 8, 5, tzinfo=UTC)) is not None


def test_the_message_says_minutes_after_a_transition_and_a_type_change() -> None:
    before, after = _calendar(ONCE), _calendar(ONCE, kind="DEFAULT_CLOSED")
    edit = explain_edit(before, after, datetime(2026, 12, 21, 8, 5, tzinfo=UTC), "3")
    lines = edit_text({**edit, "version": "4", "watch": "watched", "drift": None})
    assert "What changed: version 3 -> version 4 (0 events changed)" in lines
    assert "  ~ calendar type: DEFAULT_OPEN -> DEFAULT_CLOSED" in lines
    assert any(line.startswith("Warning: this edit came 5 minutes after a transition") for line in lines)
