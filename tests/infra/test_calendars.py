"""Calendars as code: every calendars/*.ics becomes a ChangeCalendar document; bad files fail the synth."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ssm_event_notifier.calendars import CalendarFileError, calendar_files
from tests.infra.conftest import as_list, resources
from tools import REPO_ROOT

GOOD = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
X-CALENDAR-TYPE:DEFAULT_CLOSED
BEGIN:VEVENT
UID:window-1
SUMMARY:Patch window
DTSTART;TZID=EST5EDT:20210101
DTEND;TZID=EST5EDT:20210102
END:VEVENT
END:VCALENDAR
"""


def test_each_calendar_file_is_a_change_calendar_document_updated_as_a_new_version(template):
    documents = resources(template, "AWS::SSM::Document")
    assert set(documents) and len(documents) == len(list(Path("calendars").glob("*.ics")))
    for document in documents.values():
        props = document["Properties"]
        assert props["DocumentType"] == "ChangeCalendar"
        assert props["DocumentFormat"] == "TEXT"
        assert props["UpdateMethod"] == "NewVersion"
        assert props["Content"] == Path(f"calendars/{props['Name']}.ics").read_text()


def test_the_calendar_functions_read_only_the_monitored_calendars(template):
    policies = resources(template, "AWS::IAM::Policy").values()
    ssm_statements = [
        statement
        for policy in policies
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if any(action in ("ssm:GetDocument", "ssm:GetCalendarState") for action in as_list(statement["Action"]))
    ]
    # The calendar function and the advance notices read documents; the reconciler also asks for the state.
    assert sorted(sorted(as_list(s["Action"])) for s in ssm_statements) == [
        ["ssm:GetCalendarState", "ssm:GetDocument"],
        ["ssm:GetDocument"],
        ["ssm:GetDocument"],
    ]
    for statement in ssm_statements:
        assert "ProductionChangeFreeze" in str(statement["Resource"])
        assert ":document/" in str(statement["Resource"])


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (GOOD.replace("X-CALENDAR-TYPE:DEFAULT_CLOSED", "X-CALENDAR-TYPE:SOMETIMES"), "X-CALENDAR-TYPE must be"),
        (GOOD.replace("PRODID:-//test//EN\n", ""), "VCALENDAR has no PRODID"),
        (GOOD.replace("SUMMARY:Patch window\n", ""), "event window-1: SUMMARY is missing"),
        (GOOD.replace("DTEND;TZID=EST5EDT:20210102", "DTEND;TZID=EST5EDT:20201231"), "DTEND must be after DTSTART"),
        (GOOD.replace("TZID=EST5EDT:20210101", "TZID=Mars/Olympus:20210101T100000"), "unknown time zone TZID=Mars"),
        (GOOD.replace("END:VEVENT", "EXDATE:20210105T000000Z\nEND:VEVENT"), "EXDATE is not supported"),
        (GOOD.replace("END:VEVENT", "RECURRENCE-ID:20210105T000000Z\nEND:VEVENT"), "RECURRENCE-ID is not supported"),
        (GOOD.replace("UID:window-1\n", ""), "event #1 (no UID): UID is missing"),
        (GOOD.replace("END:VEVENT", "DESCRIPTION:" + "x" * 70_000 + "\nEND:VEVENT"), "larger than 64 KB"),
    ],
)
def test_a_broken_calendar_names_the_file_the_event_and_the_rule(tmp_path, broken, message):
    folder = tmp_path / "calendars"
    folder.mkdir()
    (folder / "Good.ics").write_text(GOOD)
    (folder / "Broken.ics").write_text(broken)
    with pytest.raises(CalendarFileError, match=r"calendars/Broken\.ics") as failure:
        calendar_files(folder)
    assert message in str(failure.value)
    assert "Good.ics" not in str(failure.value)


def test_valid_calendars_pass(tmp_path):
    (tmp_path / "Good.ics").write_text(GOOD)
    assert calendar_files(tmp_path) == {"Good": GOOD}


def test_a_broken_calendar_fails_the_synth_with_a_message_a_person_can_act_on(tmp_path):
    # A copy of the app, so that the broken file never meets a synth another test runs at the same time.
    app = tmp_path / "app"
    ignore = shutil.ignore_patterns("__pycache__")
    for folder in ("infra", "lambdas", "calendars"):
        shutil.copytree(REPO_ROOT / folder, app / folder, ignore=ignore)
    shutil.copy(REPO_ROOT / "app.py", app / "app.py")
    broken = app / "calendars/ZzBroken.ics"
    broken.write_text(GOOD.replace("DTEND;TZID=EST5EDT:20210102", "DTEND;TZID=EST5EDT:20201231"))
    done = subprocess.run(
        [sys.executable, "app.py"],
        cwd=app,
        capture_output=True,
        text=True,
        check=False,
        env={
            "CDK_OUTDIR": str(tmp_path / "out"),
            "PATH": "/usr/bin:/bin",
            "CDK_CONTEXT_JSON": '{"aws:cdk:bundling-stacks": []}',
        },
    )
    assert done.returncode != 0
    assert "calendars/ZzBroken.ics: event window-1: DTEND must be after DTSTART" in done.stderr
