"""Advance notices: the real look-ahead handler on the stand-ins (the SSM stand-in serving windows and a
calendar from files, DynamoDB Local, moto's SNS), run tick by tick as its schedule would run it."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tools import REPO_ROOT
from tools.harness.calendar_service import calendar_service
from tools.harness.context import fake_context
from tools.harness.handler_loader import load_module
from tools.harness.read_fixtures import ReadFixtures
from tools.harness.subscribers import Subscribers, envelope_attributes, envelope_of
from tools.harness.tables import unique_name
from tools.harness.window_fixtures import FixtureWindow, window_id, write_windows

PATCH_NIGHT = FixtureWindow(
    window_id(1),
    "patch-night",
    targets=[("web-servers", [("tag:Team", ["web"])]), ("canaries", [("InstanceIds", ["i-0a", "i-0b"])])],
    tasks=[("patch", "RUN_COMMAND", "AWS-RunPatchBaseline")],
)
# A DEFAULT_OPEN calendar closed every weekend, Friday 18:00 to Monday 06:00 Paris time.
FREEZE = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//tests//notices//EN
X-CALENDAR-TYPE:DEFAULT_OPEN
BEGIN:VEVENT
UID:weekend@tests
SUMMARY:Weekend freeze
DTSTART;TZID=Europe/Paris:20260102T180000
DTEND;TZID=Europe/Paris:20260105T060000
RRULE:FREQ=WEEKLY;BYDAY=FR
END:VEVENT
END:VCALENDAR
"""


# Far ahead: DynamoDB Local expires the claims (TTL) of runs past.


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def ticks(start: str, end: str, minutes: int = 5) -> list[datetime]:
    first, last = utc(start), utc(end)
    return [first + timedelta(minutes=minutes * n) for n in range(int((last - first) / timedelta(minutes=minutes)) + 1)]


@dataclass
class Rig:
    folder: Path
    service: Any
    subscribers: Subscribers
    drain: Callable[[str], list[dict[str, Any]]]
    handler: Callable[[Any, Any], dict[str, Any]]

    def serve(self, *windows: FixtureWindow) -> None:
        write_windows(self.folder, list(windows), nodes={"tag:Team=web": 118})
        self.service.reads = ReadFixtures([self.folder])

    def tick(self, at: datetime) -> list[str]:
        """One scheduled run as of `at`; the subjects it published."""
        event = {
            "id": f"tick-{at.isoformat()}",
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "detail": {},
        }
        return list(self.handler(event, fake_context())["notices"])

    def received(self) -> list[dict[str, Any]]:
        messages = [envelope_of(m) for m in self.drain(self.subscribers.envelope_queue_url)]
        return [
            {"subject": m["Subject"], "attributes": envelope_attributes(m), **json.loads(m["Message"])}
            for m in messages
        ]


def rig_with(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    subscribers: Subscribers,
    drain: Any,
    *,
    leads: str,
    calendars: bool = False,
) -> Generator[Rig, None, None]:
    folder, calendar_folder = tmp_path / "reads", tmp_path / "calendars"
    folder.mkdir()
    calendar_folder.mkdir()
    if calendars:
        (calendar_folder / "WeekendFreeze.ics").write_text(FREEZE)
    with calendar_service([calendar_folder], [folder]) as (endpoint, service):
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", endpoint)
        monkeypatch.setenv("NOTICE_BEFORE_MINUTES", leads)
        monkeypatch.setenv("MONITORED_CALENDARS", "WeekendFreeze" if calendars else "")
        handler = load_module("handlers.notices").handler
        yield Rig(folder, service, subscribers, drain, handler)


@pytest.fixture
def rig(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, idempotency_table: str, subscribers: Subscribers, drain: Any
) -> Iterator[Rig]:
    yield from rig_with(tmp_path, monkeypatch, subscribers, drain, leads="60")


@pytest.mark.parametrize(
    ("saturday", "hour_before", "run"),
    [
        # Winter (CET, UTC+1): 02:00 Paris is 01:00 UTC, so the notice goes out between 00:00 and 01:00 UTC.
        ("2035-01-13", "2035-01-13T00:00:00", "2035-01-13T01:00:00Z"),
        # Summer (CEST, UTC+2): 02:00 Paris is 00:00 UTC, so the hour before is Friday 23:00 to midnight UTC.
        ("2035-07-14", "2035-07-13T23:00:00", "2035-07-14T00:00:00Z"),
    ],
)
def test_the_notice_goes_out_once_in_the_hour_before_the_run_summer_and_winter(
    rig: Rig, saturday: str, hour_before: str, run: str
) -> None:
    rig.serve(PATCH_NIGHT)
    sent: list[tuple[datetime, str]] = []
    start = utc(hour_before) - timedelta(hours=2)
    # Every 5 minutes from 3 hours before the run to an hour after it; each tick run twice (a retry, or an
    # overlapping run of the schedule), and once more 2 minutes later (a late, overlapping run).
    for at in ticks(start.isoformat()[:19], (start + timedelta(hours=4)).isoformat()[:19]):
        for moment in (at, at, at + timedelta(minutes=2)):
            sent += [(moment, subject) for subject in rig.tick(moment)]
    assert len(sent) == 1, sent
    ((moment, subject),) = sent
    assert utc(hour_before) <= moment < utc(hour_before) + timedelta(hours=1)
    assert subject == "[INFO] Maintenance Window patch-night runs in 1 h (Sat 02:00 Europe/Paris) (us-east-1)"
    (message,) = rig.received()
    assert message["notice"]["at"] == run
    assert message["attributes"]["family"] == "notice"
    assert message["attributes"]["detail_type"] == "Maintenance Window Notice"
    assert message["attributes"]["lead_minutes"] == "60"
    assert message["attributes"]["name"] == PATCH_NIGHT.window_id
    assert "Runs at:  Sat " + saturday + " 02:00 Europe/Paris" in message["text"]
    assert "Targets (2, 120 managed nodes):" in message["text"]  # 118 by tag, 2 by id
    assert "  - web-servers: tag:Team=web (118 managed nodes)" in message["text"]
    assert "Tasks (1):\n  - patch: RUN_COMMAND AWS-RunPatchBaseline" in message["text"]


def test_a_disabled_window_gets_no_notice(rig: Rig) -> None:
    rig.serve(replace(PATCH_NIGHT, enabled=False))
    assert [s for at in ticks("2035-01-12T23:00:00", "2035-01-13T01:30:00") for s in rig.tick(at)] == []


@pytest.fixture
def two_leads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, idempotency_table: str, subscribers: Subscribers, drain: Any
) -> Iterator[Rig]:
    yield from rig_with(tmp_path, monkeypatch, subscribers, drain, leads="1440,60")


def test_two_lead_times_give_two_notices(two_leads: Rig) -> None:
    two_leads.serve(PATCH_NIGHT)
    moments = [
        *ticks("2035-01-11T23:50:00", "2035-01-12T01:30:00"),  # around 24 h before
        *ticks("2035-01-12T02:00:00", "2035-01-12T22:00:00", minutes=60),
        *ticks("2035-01-12T23:50:00", "2035-01-13T01:30:00"),  # around 1 h before, and after
    ]
    sent = [(at, s) for at in moments for s in two_leads.tick(at)]
    assert [(at.isoformat(), s.split(" runs in ")[1][:4]) for at, s in sent] == [
        ("2035-01-12T01:00:00+00:00", "24 h"),
        ("2035-01-13T00:00:00+00:00", "1 h "),
    ]
    assert [m["notice"]["leadMinutes"] for m in two_leads.received()] == [1440, 60]


def test_a_window_edited_after_its_notice_gets_one_correction(two_leads: Rig) -> None:
    two_leads.serve(PATCH_NIGHT)
    assert len(two_leads.tick(utc("2035-01-12T01:00:00"))) == 1  # 24 h before Saturday 02:00 Paris
    moved = replace(PATCH_NIGHT, schedule="cron(0 4 ? * SAT *)")  # two hours later
    two_leads.serve(moved)
    corrected = [s for at in ticks("2035-01-12T02:00:00", "2035-01-12T02:20:00") for s in two_leads.tick(at)]
    assert corrected == ["[INFO] Correction: patch-night now runs Sat 04:00 Europe/Paris (was Sat 02:00) (us-east-1)"]
    # The new run's own notices follow when due; the old run's 1-hour notice never comes.
    later = [
        s
        for at in [
            *ticks("2035-01-12T02:55:00", "2035-01-12T03:10:00"),
            *ticks("2035-01-12T23:55:00", "2035-01-13T03:05:00"),
        ]
        for s in two_leads.tick(at)
    ]
    assert [s.split(" (")[0] for s in later] == [
        "[INFO] Maintenance Window patch-night runs in 24 h",
        "[INFO] Maintenance Window patch-night runs in 1 h",
    ]
    assert "Sat 04:00" in later[1]
    messages = two_leads.received()
    assert messages[1]["status"] == "Rescheduled"
    assert messages[1]["notice"]["nextRun"] == "2035-01-13T03:00:00Z"


def test_a_disabled_window_after_its_notice_is_cancelled(two_leads: Rig) -> None:
    two_leads.serve(PATCH_NIGHT)
    two_leads.tick(utc("2035-01-12T01:00:00"))
    two_leads.serve(replace(PATCH_NIGHT, enabled=False))
    assert two_leads.tick(utc("2035-01-12T01:05:00")) == [
        "[INFO] Correction: patch-night will not run Sat 02:00 Europe/Paris (us-east-1)"
    ]
    assert two_leads.tick(utc("2035-01-12T01:10:00")) == []


@pytest.fixture
def with_calendar(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, idempotency_table: str, subscribers: Subscribers, drain: Any
) -> Iterator[Rig]:
    yield from rig_with(tmp_path, monkeypatch, subscribers, drain, leads="60", calendars=True)


def test_a_calendar_transition_notice_names_the_windows_inside_the_closed_period(with_calendar: Rig) -> None:
    with_calendar.serve(
        PATCH_NIGHT, replace(PATCH_NIGHT, window_id=window_id(2), name="weekday", schedule="cron(0 3 ? * TUE *)")
    )
    # Friday 12 January 2035, 17:00 Paris (16:00 UTC): the freeze closes in an hour.
    assert with_calendar.tick(utc("2035-01-12T16:00:00")) == [
        "[INFO] WeekendFreeze closes in 1 h: Fri 18:00 to Mon 06:00 Europe/Paris (us-east-1)"
    ]
    (message,) = with_calendar.received()
    assert message["detailType"] == "Change Calendar Notice"
    assert [w["name"] for w in message["notice"]["windows"]] == ["patch-night"]
    assert (
        "patch-night (" + PATCH_NIGHT.window_id + "): Sat 2035-01-13 02:00 Europe/Paris (01:00 UTC)" in message["text"]
    )


def test_a_window_that_runs_inside_a_closed_period_is_a_warning(with_calendar: Rig) -> None:
    with_calendar.serve(PATCH_NIGHT)
    (subject,) = with_calendar.tick(utc("2035-01-13T00:00:00"))
    assert subject.startswith("[WARNING] Maintenance Window patch-night runs in 1 h")
    (message,) = with_calendar.received()
    assert message["severity"] == "warning"
    assert [c["name"] for c in message["notice"]["closedCalendars"]] == ["WeekendFreeze"]
    assert "Change Calendar WeekendFreeze is CLOSED then, until Mon 2035-01-15 06:00 Europe/Paris" in message["text"]


def test_a_window_without_targets_is_a_warning(rig: Rig) -> None:
    rig.serve(replace(PATCH_NIGHT, targets=[]))
    (subject,) = rig.tick(utc("2035-01-13T00:00:00"))
    assert subject.startswith("[WARNING] ")
    assert "Targets: none: the run will touch nothing" in rig.received()[0]["text"]


def test_reads_denied_the_notice_still_goes_out_naming_what_was_not_read(rig: Rig) -> None:
    rig.serve(replace(PATCH_NIGHT, denied=("DescribeMaintenanceWindowTargets", "DescribeMaintenanceWindowTasks")))
    (subject,) = rig.tick(utc("2035-01-13T00:00:00"))
    assert subject.startswith("[INFO] Maintenance Window patch-night runs in 1 h")
    (message,) = rig.received()
    assert message["notice"]["targets"] is None and message["notice"]["tasks"] is None
    assert "Not read (the notice went out without it):" in message["text"]
    assert "  - its targets (ssm:DescribeMaintenanceWindowTargets): AccessDeniedException: " in message["text"]
    assert "  - its tasks (ssm:DescribeMaintenanceWindowTasks): AccessDeniedException: " in message["text"]


def test_a_window_whose_schedule_cannot_be_read_fails_the_run_naming_it_after_the_other_notices(rig: Rig) -> None:
    """A rate schedule without its next run is read from AWS (DescribeMaintenanceWindowSchedule): denied, that
    window gets no notice, and the run fails naming it (the error alarm tells the alarm topic), not silently."""
    unknown = FixtureWindow(
        window_id(2), "every-week", schedule="rate(7 days)", denied=("DescribeMaintenanceWindowSchedule",)
    )
    rig.serve(PATCH_NIGHT, unknown)
    with pytest.raises(
        Exception, match=rf"^123456789012/us-east-1: window {unknown.window_id}: its schedule: AccessDeniedException: "
    ):
        rig.tick(utc("2035-01-13T00:00:00"))
    (message,) = rig.received()
    assert message["subject"].startswith("[INFO] Maintenance Window patch-night runs in 1 h")


def test_the_replay_runs_the_look_ahead_only_as_of_now_with_the_windows_of_its_fixtures() -> None:
    """tools.replay --now TIME --fixtures DIR: the scheduled functions run as of TIME, the stand-in serves the
    windows of DIR (examples/notices: `make demo`'s); without --now the look-ahead does not run."""
    command = [sys.executable, "-m", "tools.replay", "--json", "--fixtures", "examples/notices"]
    sample = "events/ami/available.json"
    runs = [
        subprocess.run(
            [*command, *now, sample], cwd=REPO_ROOT, capture_output=True, text=True, timeout=600, check=False
        )
        for now in (["--now", "2035-01-12T16:05:00Z"], [])
    ]
    assert [run.returncode for run in runs] == [0, 0], runs[0].stderr[-2000:]
    rows = [[json.loads(line) for line in run.stdout.splitlines() if line.strip()] for run in runs]
    noticed = [
        [n["subject"] for r in found if "Notice" in str(r.get("function")) for n in r["notifications"]]
        for found in rows
    ]
    assert noticed == [
        [
            "[INFO] ProductionChangeFreeze closes in 55 min: Fri 18:00 to Mon 06:00 Europe/Berlin (us-east-1)",
            "[WARNING] Maintenance Window patch-night runs in 55 min (Fri 18:00 Europe/Berlin) (us-east-1)",
            "[INFO] Maintenance Window web-canary runs in 25 min (Fri 17:30 Europe/Berlin) (us-east-1)",
        ],
        [],
    ]


def test_a_notice_that_would_not_fit_in_the_time_left_goes_out_in_the_next_run(rig: Rig) -> None:
    rig.serve(PATCH_NIGHT)
    event = {"id": "tick", "time": "2035-01-13T00:00:00Z", "detail-type": "Scheduled Event", "detail": {}}
    assert rig.handler(event, fake_context(remaining_time_in_millis=4_000))["notices"] == []
    assert len(rig.tick(utc("2035-01-13T00:05:00"))) == 1


def test_a_hub_announces_every_members_windows_through_its_reader_role(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    idempotency_table: str,
    subscribers: Subscribers,
    drain: Any,
    organization: Any,
) -> None:
    """Organization mode: the member accounts listed from the member OU (moto's Organizations), read through
    their reader role (moto's STS), in each member region; each place's notice claimed on its own."""
    organizations = organization
    root = organizations.list_roots()["Roots"][0]["Id"]
    unit = organizations.create_organizational_unit(ParentId=root, Name=unique_name("patching"))["OrganizationalUnit"]
    created = organizations.create_account(AccountName="web", Email=f"{unique_name('web')}@example.com")
    status = organizations.describe_create_account_status(CreateAccountRequestId=created["CreateAccountStatus"]["Id"])
    member = status["CreateAccountStatus"]["AccountId"]
    organizations.move_account(AccountId=member, SourceParentId=root, DestinationParentId=unit["Id"])
    for name, value in {
        "ORGANIZATION_ID": organizations.describe_organization()["Organization"]["Id"],
        "HUB_ACCOUNT": "123456789012",
        "NOTICE_MEMBER_UNITS": unit["Id"],
        "NOTICE_MEMBER_REGIONS": "us-east-1,eu-west-1",
        "NOTICE_READER_ROLE": "SsmEventNotifierCalendarReader",
    }.items():
        monkeypatch.setenv(name, value)
    rigs = rig_with(tmp_path, monkeypatch, subscribers, drain, leads="60")
    hub = next(rigs)
    try:
        hub.serve(PATCH_NIGHT)
        assert len(hub.tick(utc("2035-01-13T00:00:00"))) == 3
        assert hub.tick(utc("2035-01-13T00:05:00")) == []  # each place's claim holds
        places = sorted((m["account"], m["region"]) for m in hub.received())
    finally:
        rigs.close()
    # moto draws the member's id at random: it may sort before the hub's.
    assert places == sorted([("123456789012", "us-east-1"), (member, "eu-west-1"), (member, "us-east-1")])
