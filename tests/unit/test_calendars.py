"""Change Calendar state at fixed instants, against hand-checked expectations."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pytest

from notifier.calendars.change_calendar import CLOSED, OPEN, ChangeCalendar, explanation_text
from tools import LAMBDAS_DIR


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def calendar(kind: str, *events: str) -> ChangeCalendar:
    body = "".join(f"BEGIN:VEVENT\n{event.strip()}\nEND:VEVENT\n" for event in events)
    return ChangeCalendar(
        "Test", f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\nX-CALENDAR-TYPE:{kind}\n{body}END:VCALENDAR\n"
    )


TEN_TO_NOON = "UID:a\nSUMMARY:Deploy freeze\nDTSTART:20240610T100000Z\nDTEND:20240610T120000Z"


@pytest.mark.parametrize(
    ("kind", "moment", "state"),
    [
        ("DEFAULT_OPEN", "2024-06-10T09:59:59", OPEN),
        ("DEFAULT_OPEN", "2024-06-10T10:00:00", CLOSED),
        ("DEFAULT_OPEN", "2024-06-10T11:59:59", CLOSED),
        ("DEFAULT_OPEN", "2024-06-10T12:00:00", OPEN),  # DTEND is exclusive
        ("DEFAULT_CLOSED", "2024-06-10T09:59:59", CLOSED),
        ("DEFAULT_CLOSED", "2024-06-10T10:00:00", OPEN),
        ("DEFAULT_CLOSED", "2024-06-10T12:00:00", CLOSED),
    ],
)
def test_an_event_flips_the_default_state_while_it_lasts(kind, moment, state):
    assert calendar(kind, TEN_TO_NOON).state_at(utc(moment)) == state


WEEKLY_BERLIN = """UID:weekly
SUMMARY:Friday night patching
DTSTART;TZID=Europe/Berlin:20240315T220000
DTEND;TZID=Europe/Berlin:20240316T020000
RRULE:FREQ=WEEKLY"""


@pytest.mark.parametrize(
    ("moment", "state"),
    [
        # Before the change to summer time (31 March 2024): 22:00 CET is 21:00 UTC.
        ("2024-03-22T20:59:59", CLOSED),
        ("2024-03-22T21:00:00", OPEN),
        ("2024-03-23T00:59:59", OPEN),
        ("2024-03-23T01:00:00", CLOSED),
        # After it: 22:00 CEST is 20:00 UTC.
        ("2024-04-05T19:59:59", CLOSED),
        ("2024-04-05T20:00:00", OPEN),
        ("2024-04-05T23:59:59", OPEN),
        ("2024-04-06T00:00:00", CLOSED),
    ],
)
def test_a_weekly_rule_keeps_local_time_across_daylight_saving(moment, state):
    assert calendar("DEFAULT_CLOSED", WEEKLY_BERLIN).state_at(utc(moment)) == state


def test_next_transition_across_daylight_saving_names_the_event():
    following = calendar("DEFAULT_CLOSED", WEEKLY_BERLIN).next_transition(utc("2024-03-30T12:00:00"))
    assert following is not None
    assert (following.at, following.state) == (utc("2024-04-05T20:00:00"), OPEN)
    assert [cause.summary for cause in following.causes] == ["Friday night patching"]


OVERLAPPING = (
    "UID:a\nSUMMARY:A\nDTSTART:20240610T100000Z\nDTEND:20240610T120000Z",
    "UID:b\nSUMMARY:B\nDTSTART:20240610T110000Z\nDTEND:20240610T130000Z",
)


def test_overlapping_events_close_once_and_reopen_when_the_last_one_ends():
    cal = calendar("DEFAULT_OPEN", *OVERLAPPING)
    first = cal.next_transition(utc("2024-06-10T09:00:00"))
    assert first is not None and (first.at, first.state) == (utc("2024-06-10T10:00:00"), CLOSED)
    assert [c.uid for c in first.causes] == ["a"]
    second = cal.next_transition(first.at)
    assert second is not None and (second.at, second.state) == (utc("2024-06-10T13:00:00"), OPEN)
    assert [c.uid for c in second.causes] == ["b"]  # A ended at noon without changing the state
    assert cal.state_at(utc("2024-06-10T12:00:00")) == CLOSED


def test_adjacent_events_make_no_transition_between_them():
    cal = calendar(
        "DEFAULT_OPEN",
        "UID:a\nSUMMARY:A\nDTSTART:20240610T100000Z\nDTEND:20240610T110000Z",
        "UID:b\nSUMMARY:B\nDTSTART:20240610T110000Z\nDTEND:20240610T120000Z",
    )
    assert cal.state_at(utc("2024-06-10T11:00:00")) == CLOSED
    following = cal.next_transition(utc("2024-06-10T10:30:00"))
    assert following is not None and (following.at, following.state) == (utc("2024-06-10T12:00:00"), OPEN)


def test_a_date_only_value_with_tzid_starts_at_midnight_in_that_zone():
    # AWS's own samples write DTSTART;TZID=EST5EDT:20210101 (midnight in New York = 05:00 UTC).
    cal = calendar(
        "DEFAULT_OPEN", "UID:ny\nSUMMARY:New Year\nDTSTART;TZID=EST5EDT:20210101\nDTEND;TZID=EST5EDT:20210102"
    )
    assert cal.state_at(utc("2021-01-01T04:59:59")) == OPEN
    assert cal.state_at(utc("2021-01-01T05:00:00")) == CLOSED
    assert cal.state_at(utc("2021-01-02T04:59:59")) == CLOSED
    assert cal.state_at(utc("2021-01-02T05:00:00")) == OPEN


SEED = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//AWS//Change Calendar 1.0//EN
X-CALENDAR-TYPE:DEFAULT_CLOSED
BEGIN:VEVENT
UID:e9ab8ac1-bda1-4ab5-8d8f-8f7c0d5930fa
SUMMARY:SampleCalendarEvent
DESCRIPTION:Sample Calendar Event
DTSTART;TZID=Etc/UTC:20240620T000000
DTEND;TZID=Etc/UTC:20240620T001000
END:VEVENT
END:VCALENDAR
"""


def test_the_seed_calendar_opens_for_ten_minutes_and_explains_it():
    cal = ChangeCalendar("SampleChangeCalendar", SEED)
    assert cal.type == "DEFAULT_CLOSED"
    assert [cal.state_at(utc(t)) for t in ("2024-06-19T23:59:59", "2024-06-20T00:00:00", "2024-06-20T00:10:00")] == [
        CLOSED,
        OPEN,
        CLOSED,
    ]
    # AWS announces "best effort within 15 minutes": an OPEN at 00:04 is explained by the event.
    explanation = cal.explain(OPEN, utc("2024-06-20T00:04:00"))
    assert explanation["since"] == "2024-06-20T00:00:00Z"
    assert [c["summary"] for c in explanation["causes"]] == ["SampleCalendarEvent"]
    assert explanation["causes"][0]["start"] == "2024-06-20T00:00:00Z"
    assert explanation["next"] == {
        "at": "2024-06-20T00:10:00Z",
        "state": CLOSED,
        "causes": explanation["causes"],
    }
    text = "\n".join(explanation_text(explanation))
    assert "DEFAULT_CLOSED (events open it)" in text
    assert "SampleCalendarEvent (2024-06-20 00:00 - 2024-06-20 00:10 UTC): Sample Calendar Event" in text
    assert "Next: CLOSED at 2024-06-20T00:10:00Z" in text


def test_a_closing_is_explained_by_the_event_that_ended_and_upcoming_lists_the_week():
    cal = calendar("DEFAULT_CLOSED", WEEKLY_BERLIN)
    explanation = cal.explain(CLOSED, utc("2024-03-23T01:05:00"))
    assert explanation["since"] == "2024-03-23T01:00:00Z"
    assert [c["end"] for c in explanation["causes"]] == ["2024-03-23T01:00:00Z"]
    assert explanation["next"]["at"] == "2024-03-29T21:00:00Z"
    assert [e["start"] for e in explanation["upcoming"]] == ["2024-03-29T21:00:00Z"]
    assert explanation["causes"][0]["timeZone"] == "Europe/Berlin"
    assert explanation["causes"][0]["startLocal"] == "2024-03-22T22:00:00+01:00"
    assert "these calendar events ended" in "\n".join(explanation_text(explanation))


def test_a_state_no_event_explains_says_so():
    explanation = calendar("DEFAULT_OPEN", TEN_TO_NOON).explain(CLOSED, utc("2024-06-11T09:00:00"))
    assert explanation["causes"] == []
    assert "no calendar event explains this state" in "\n".join(explanation_text(explanation))


def test_a_calendar_with_x_wr_timezone_reads_its_floating_times_in_that_zone():
    # Google Calendar's exports: times without TZID are in X-WR-TIMEZONE (x_wr_timezone's correction).
    floating = ChangeCalendar(
        "Test",
        "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\nX-CALENDAR-TYPE:DEFAULT_OPEN\n"
        "X-WR-TIMEZONE:Asia/Tokyo\nBEGIN:VEVENT\nUID:a\nSUMMARY:Freeze\nDTSTART:20240610T100000\nDTEND:20240610T120000\n"
        "END:VEVENT\nEND:VCALENDAR\n",
    )
    for _ in range(2):  # the correction's module is imported on first use, then used again
        (event,) = floating.events_between(utc("2024-06-10T00:00:00"), utc("2024-06-11T00:00:00"))
        assert event.start == utc("2024-06-10T01:00:00")  # 10:00 in Tokyo
    assert floating.state_at(utc("2024-06-10T01:30:00")) == CLOSED
    assert floating.state_at(utc("2024-06-10T10:30:00")) == OPEN


def test_the_calendar_code_loads_no_command_line_library_for_calendars_without_x_wr_timezone():
    """x_wr_timezone imports click (its command line) at import: 15-20 ms of a cold start."""
    ical = (
        f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//t//EN\nX-CALENDAR-TYPE:DEFAULT_OPEN\n{TEN_TO_NOON}\nEND:VCALENDAR\n"
    )
    ical = ical.replace("UID:a", "BEGIN:VEVENT\nUID:a").replace("\nEND:VCALENDAR", "\nEND:VEVENT\nEND:VCALENDAR")
    script = "\n".join(
        [
            "import sys; from datetime import datetime, UTC",
            "from notifier.calendars.change_calendar import ChangeCalendar",
            f"calendar = ChangeCalendar('T', {ical!r})",
            "day = datetime(2024, 6, 10, tzinfo=UTC), datetime(2024, 6, 11, tzinfo=UTC)",
            "assert len(calendar.events_between(*day)) == 1",
            "real = {name for name, module in sys.modules.items() if type(module).__name__ == 'module'}",
            "print(sorted({'click', 'x_wr_timezone'} & real))",
        ]
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=LAMBDAS_DIR, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
