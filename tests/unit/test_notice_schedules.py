"""A Maintenance Window's runs from its own schedule (AWS cron in its time zone, rate, at, offset, dates), when
each lead time's notice is due, and the noticeBefore setting."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from notifier.notices.lookahead import due_lead
from notifier.notices.notice_text import span
from notifier.notices.schedules import Schedule, ScheduleError
from ssm_event_notifier.setting_checks import SettingsError
from ssm_event_notifier.settings import NotifierSettings


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def runs(schedule: Schedule, after: str, until: str) -> list[str]:
    return [run.strftime("%Y-%m-%d %H:%M") for run in schedule.runs_between(utc(after), utc(until))]


@pytest.mark.parametrize(
    ("after", "until", "expected"),
    [
        ("2026-01-05", "2026-01-18", ["2026-01-10 01:00", "2026-01-17 01:00"]),  # CET: UTC+1
        ("2026-07-06", "2026-07-19", ["2026-07-11 00:00", "2026-07-18 00:00"]),  # CEST: UTC+2
        ("2026-03-23", "2026-04-05", ["2026-03-28 01:00", "2026-04-04 00:00"]),  # clocks forward Sunday 29 March
        ("2026-10-19", "2026-11-01", ["2026-10-24 00:00", "2026-10-31 01:00"]),  # and back Sunday 25 October
    ],
)
def test_a_saturday_cron_in_paris_runs_at_02_00_paris_time_summer_and_winter(
    after: str, until: str, expected: list[str]
) -> None:
    assert runs(Schedule("cron(0 2 ? * SAT *)", "Europe/Paris"), after, until) == expected


def test_a_time_the_clock_skips_runs_once_when_it_skips_past_and_a_time_it_repeats_runs_once() -> None:
    sunday = Schedule("cron(30 2 ? * SUN *)", "Europe/Paris")
    assert runs(sunday, "2026-03-28", "2026-03-30") == ["2026-03-29 01:00"]  # 02:30 does not exist: 03:00 CEST
    assert runs(sunday, "2026-10-24", "2026-10-26") == ["2026-10-25 00:30"]  # 02:30 twice: the first


@pytest.mark.parametrize(
    ("expression", "zone", "offset", "after", "until", "expected"),
    [
        # AWS numbers days from Sunday = 1: 2-6 is Monday to Friday.
        ("cron(0 4 ? * 2-6 *)", "UTC", 0, "2026-05-16", "2026-05-20", ["2026-05-18 04:00", "2026-05-19 04:00"]),
        # The second Tuesday (Patch Tuesday), 23:00 New York, and two days after it.
        ("cron(0 23 ? * TUE#2 *)", "America/New_York", 2, "2026-01-01", "2026-02-01", ["2026-01-16 04:00"]),
        ("cron(0 23 ? * 3#2 *)", "America/New_York", 0, "2026-01-01", "2026-02-01", ["2026-01-14 04:00"]),
        ("cron(15 6 L * ? 2027)", "UTC", 0, "2026-11-01", "2027-02-01", ["2027-01-31 06:15"]),  # the year field
        ("cron(0 6 ? * 6L *)", "UTC", 0, "2026-05-01", "2026-06-01", ["2026-05-29 06:00"]),  # last Friday
        ("at(2026-05-16T02:00:00)", "Europe/Paris", 0, "2026-05-01", "2026-06-01", ["2026-05-16 00:00"]),
    ],
)
def test_aws_cron_and_at_expressions(
    expression: str, zone: str, offset: int, after: str, until: str, expected: list[str]
) -> None:
    assert runs(Schedule(expression, zone, offset), after, until) == expected


def test_a_rate_counts_from_the_next_run_aws_tells_and_the_dates_bound_the_runs() -> None:
    every_six = Schedule("rate(6 hours)", next_run=utc("2026-05-11T03:00"), end=utc("2026-05-11T16:00"))
    assert runs(every_six, "2026-05-11T04:00", "2026-05-12") == ["2026-05-11 09:00", "2026-05-11 15:00"]
    with pytest.raises(ScheduleError):  # its runs count from a time AWS did not tell
        Schedule("rate(1 day)").runs_between(utc("2026-05-11"), utc("2026-05-12"))


@pytest.mark.parametrize("expression", ["cron(0 4 15W * ? *)", "cron(0 4 * *)", "daily", "cron(0 4 ? * MON *)"])
def test_what_cannot_be_evaluated_here_says_so(expression: str) -> None:
    zone = "Mars/Olympus" if expression.endswith("MON *)") else "UTC"
    with pytest.raises(ScheduleError):
        Schedule(expression, zone).runs_between(utc("2026-05-11"), utc("2026-07-12"))


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-05-15T01:59", None),
        ("2026-05-15T02:00", 1440),  # 24 h before
        ("2026-05-16T00:59", 1440),  # late, but before the 1-hour notice's time
        ("2026-05-16T01:00", 60),
        ("2026-05-16T01:59", 60),
        ("2026-05-16T02:00", None),  # it runs: nothing more to announce
    ],
)
def test_each_lead_is_due_from_its_time_until_the_next_shorter_leads(now: str, expected: int | None) -> None:
    assert due_lead(utc("2026-05-16T02:00"), utc(now), (1440, 60)) == expected


@pytest.mark.parametrize(
    ("minutes", "text"), [(60, "1 h"), (59.6, "1 h"), (90, "1 h 30 min"), (1440, "24 h"), (5, "5 min")]
)
def test_time_left_is_said_in_hours_and_minutes(minutes: float, text: str) -> None:
    assert span(minutes) == text


@pytest.mark.parametrize(
    ("given", "expected"),
    [(None, (60,)), ("1440,60", (1440, 60)), ([60, 1440], (1440, 60)), (30, (30,)), ("0", ()), (0, ())],
)
def test_notice_before_is_a_list_of_lead_times_or_0(given: object, expected: tuple[int, ...]) -> None:
    settings = NotifierSettings() if given is None else NotifierSettings(notice_before=given)  # type: ignore[arg-type]
    assert settings.notice_before == expected


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("60,0", "notice_before: 0 turns notices off"),
        ("20000", "notice_before: 20000 is outside 0..10080"),
        ("soon", "notice_before: expected a whole number"),
    ],
)
def test_a_bad_notice_before_is_refused(given: str, message: str) -> None:
    with pytest.raises(SettingsError) as refused:
        NotifierSettings(notice_before=given)  # type: ignore[arg-type]
    assert str(refused.value).startswith(message)
