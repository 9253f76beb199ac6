"""Calendar edits through the synthesized stack (tools.replay: the template's rules, moto's pattern
matcher, the bundled calendar function, DynamoDB Local, the SSM stand-in serving the versions).

The four CloudTrail records of a console edit (the seed article: PutCalendar, CreateDocument refused,
UpdateDocument, UpdateDocumentDefaultVersion) give one message, with the diff between the versions;
the same edit 10 minutes before a transition is a warning; the records again give nothing more.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_replay import replay
from tools import REPO_ROOT

RECORDS = json.loads((REPO_ROOT / "tests/fixtures/calendar_edit_records.json").read_text())
SERVED = ("--calendars", "events/calendar/documents", "-c", "monitoredCalendars=SampleChangeCalendar")


def _write(folder: Path, records: list[dict[str, Any]]) -> Path:
    folder.mkdir()
    for number, record in enumerate(records, start=1):
        name = f"{number}-{record['detail']['eventName']}.json"
        (folder / name).write_text(json.dumps(record))
    return folder


def _at(records: list[dict[str, Any]], when: str) -> list[dict[str, Any]]:
    """The same edit made at another time (new event ids: other calls)."""
    moved = copy.deepcopy(records)
    for record in moved:
        record["id"] = record["id"][:-4] + "beef"
        record["time"] = record["detail"]["eventTime"] = when
    return moved


def _messages(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [notification for row in rows for notification in row["notifications"]]


@pytest.fixture(scope="module")
def console_edit(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, list[dict[str, Any]], str]:
    folder = _write(tmp_path_factory.mktemp("edit") / "records", RECORDS)
    # And the record that put version 2 into effect once more, under a new id (as a second trail
    # or a replay of the archive would send it).
    again = copy.deepcopy(RECORDS[-1])
    again["id"] = "another-delivery-of-version-2"
    (folder / "5-again.json").write_text(json.dumps(again))
    return replay("--repeat", "2", *SERVED, str(folder))


def test_a_console_edit_is_one_message_with_the_events_it_added(console_edit):
    code, rows, stderr = console_edit
    assert code == 0, stderr
    first = rows[: len(RECORDS) + 1]
    assert [row["outcome"] for row in first] == ["unmatched", "unmatched", "unmatched", "notified", "duplicate"]
    (message,) = _messages(rows)
    assert message["subject"] == (
        "[INFO] Calendar SampleChangeCalendar edited: version 2 by OpsAdmin (yamada.taro) (ap-northeast-1)"
    )
    edit = message["json"]["calendarEdit"]
    assert (edit["previousVersion"], edit["version"], edit["nearTransition"], edit["drift"]) == ("1", "2", None, None)
    (added,) = edit["changes"]
    assert (added["change"], added["summary"]) == ("added", "SampleCalendarEvent")
    assert (added["after"]["start"], added["after"]["end"]) == ("2024-06-20T00:00:00Z", "2024-06-20T00:10:00Z")
    text = message["email"]
    assert "What changed: version 1 -> version 2 (1 event changed)" in text
    assert "  + added: SampleCalendarEvent (2024-06-20 00:00 - 2024-06-20 00:10 UTC): Sample Calendar Event" in text
    assert "Role session: yamada.taro" in text and "Source IP:    198.51.100.17" in text


def test_the_records_delivered_again_give_nothing_more(console_edit):
    _, rows, _ = console_edit
    second = rows[len(RECORDS) + 1 :]
    delivered = [row for row in second if row["file"].endswith(".json")]
    assert [row["outcome"] for row in delivered] == ["unmatched", "unmatched", "unmatched", "duplicate", "duplicate"]
    assert len(_messages(rows)) == 1


def test_the_same_edit_ten_minutes_before_a_transition_is_a_warning(tmp_path: Path):
    folder = _write(tmp_path / "records", _at(RECORDS, "2024-06-19T23:50:00Z"))
    code, rows, stderr = replay(*SERVED, str(folder))
    assert code == 0, stderr
    (message,) = _messages(rows)
    assert message["subject"].startswith("[WARNING] Calendar SampleChangeCalendar edited: version 2")
    edit = message["json"]["calendarEdit"]
    assert (edit["nearTransition"]["state"], edit["nearTransition"]["at"]) == ("OPEN", "2024-06-20T00:00:00Z")
    assert edit["nearTransition"]["minutes"] == 10
    text = message["email"]
    assert (
        "Warning: this edit came 10 minutes before a transition (OPEN at 2024-06-20T00:00:00Z): AWS may announce "
        "that state change twice or not at all." in text
    )
    assert "The missed-transition reconciler checks this calendar every 5 minutes" in text
    assert "Next transition after the edit: OPEN at 2024-06-20T00:00:00Z (SampleCalendarEvent" in text


def test_an_edit_of_a_repository_calendar_by_a_person_is_drift(tmp_path: Path):
    code, rows, stderr = replay("--calendars", "events/calendar/documents", "events/calendar-edits/drift.json")
    assert code == 0, stderr
    (message,) = _messages(rows)
    edit = message["json"]["calendarEdit"]
    assert edit["drift"] == "calendars/ProductionChangeFreeze.ics"
    assert [(c["change"], c["summary"]) for c in edit["changes"]] == [
        ("added", "Payments hotfix freeze"),
        ("moved", "Year-end change freeze"),
    ]
    assert "Drift: this calendar's source is calendars/ProductionChangeFreeze.ics in the repository" in message["email"]
    # CloudFormation's own edit (a deploy) is no drift; nor is a person's that restores the repository's content.
    deployed = json.loads((REPO_ROOT / "events/calendar-edits/drift.json").read_text())
    deployed["id"] = "deployed-by-cloudformation"
    deployed["detail"]["userIdentity"]["invokedBy"] = "cloudformation.amazonaws.com"
    deployed["detail"]["sourceIPAddress"] = "cloudformation.amazonaws.com"
    restored = json.loads((REPO_ROOT / "events/calendar-edits/drift.json").read_text())
    restored["id"] = "restored-by-hand"
    restored["time"] = restored["detail"]["eventTime"] = "2026-12-18T16:55:00Z"
    restored["detail"]["requestParameters"]["documentVersion"] = "5"  # no file of it: the repository's content
    (tmp_path / "a-deployed.json").write_text(json.dumps(deployed))
    (tmp_path / "b-restored.json").write_text(json.dumps(restored))
    code, rows, stderr = replay("--calendars", "events/calendar/documents", str(tmp_path))
    assert code == 0, stderr
    messages = _messages(rows)
    assert [m["json"]["calendarEdit"]["version"] for m in messages] == ["2", "5"]
    assert [m["json"]["calendarEdit"]["drift"] for m in messages] == [None, None]
    assert not any("Drift:" in m["email"] for m in messages)
    # Version 5 is compared with the version announced before it (2), not with the one before by number (4).
    assert messages[1]["json"]["calendarEdit"]["previousVersion"] == "2"
