"""The notifications users receive, computed from fixed inputs: every sample in events/, each calendar
sample with its explanation (and each calendar edit with its diff), a missed calendar transition,
and the digests of fixed operations."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from notifier.calendars.change_calendar import ChangeCalendar
from notifier.calendars.edit_messages import CalendarEditMessages
from notifier.calendars.explanations import explain_transition
from notifier.core.models import parse_event
from notifier.core.render import Notification, render
from notifier.fleet.digest_messages import render_digest
from notifier.fleet.summaries import ItemState, OperationRecord, summarize
from ssm_event_notifier.contract.calendar_rules import content_hash
from ssm_event_notifier.contract.environment import CalendarEditing
from tools import REPO_ROOT
from tools.harness.samples import CALENDAR_DOCUMENTS, SAMPLE_FILES, family_of, read, sample_id

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def as_seen(notification: Notification) -> dict[str, Any]:
    """Everything a subscriber can see of one notification, the SNS message as sent included."""
    return {
        "subject": notification.subject,
        "text": notification.text,
        "document": notification.document,
        "attributes": notification.attributes,
        "sns_message": notification.sns_message(),
    }


class _Documents:
    """The calendar documents of events/calendar/documents, as the calendar function reads them."""

    def get(self, name: str, account: str = "", region: str = "") -> ChangeCalendar:
        return ChangeCalendar(name, (CALENDAR_DOCUMENTS / f"{name}.ics").read_text())

    def version(self, name: str, version: str, account: str = "", region: str = "") -> ChangeCalendar:
        """<name>@<version>.ics, else the calendar of the repository (as the local stand-in serves them)."""
        path = CALENDAR_DOCUMENTS / f"{name}@{version}.ics"
        return ChangeCalendar(name, (path if path.exists() else REPO_ROOT / "calendars" / f"{name}.ics").read_text())


class _NoVersionsYet:
    """The calendar edits' store before any edit was announced: each diff is from the version before."""

    def last(self, calendar: str) -> None:
        return None


def _edit_messages() -> CalendarEditMessages:
    repository = {path.stem: content_hash(path.read_text()) for path in (REPO_ROOT / "calendars").glob("*.ics")}
    settings = CalendarEditing(repository_hashes=repository, reconcile_minutes=5)
    return CalendarEditMessages(_Documents(), _NoVersionsYet(), settings)  # type: ignore[arg-type]


def samples() -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for path in SAMPLE_FILES:
        raw = read(path)
        name = sample_id(path)
        seen[name] = as_seen(render(parse_event(read(path)), raw))
        if family_of(path) == "calendar":
            parsed = parse_event(read(path))
            extra = explain_transition(_Documents(), parsed)  # type: ignore[arg-type]
            seen[name + "+explained"] = as_seen(render(parsed, raw, extra))
        if family_of(path) == "calendar-edits":
            parsed = parse_event(read(path))
            seen[name + "+explained"] = as_seen(render(parsed, raw, _edit_messages().explain(parsed)))  # type: ignore[arg-type]
    return seen


def missed_transition() -> dict[str, Any]:
    raw = {
        "version": "0",
        "id": "missed-00000000-0000-0000-0000-000000000000",
        "detail-type": "Calendar State Change",
        "source": "ssm-event-notifier.reconciler",
        "account": "123456789012",
        "time": "2024-06-20T00:30:00Z",
        "region": "us-east-2",
        "resources": ["arn:aws:ssm:us-east-2:123456789012:document/SampleChangeCalendar"],
        "detail": {"state": "CLOSED", "atTime": "2024-06-20T00:10:00Z"},
    }
    parsed = parse_event(json.loads(json.dumps(raw)))
    extra = explain_transition(_Documents(), parsed)  # type: ignore[arg-type]
    return as_seen(render(parsed, raw, extra, severity="warning", headline_prefix="Missed transition: "))


def _instances(statuses: dict[str, int], task: str | None = None) -> list[ItemState]:
    return [
        ItemState(f"i-{status.lower()}{n:04d}", status, "2026-03-02T10:05:00Z", task)
        for status, count in statuses.items()
        for n in range(count)
    ]


def digests() -> dict[str, Any]:
    command = OperationRecord(
        operation="command#c-1",
        kind="command",
        family="run-command",
        region="eu-west-1",
        account="123456789012",
        fields={
            "command_id": "c-1",
            "document_name": "AWS-RunPatchBaseline",
            "requested_date_time": "2026-03-02T10:00:00.000Z",
        },
        final_status="Failed",
        final_time="2026-03-02T10:07:30Z",
        expires_at=datetime(2026, 3, 2, 12, 0, tzinfo=UTC),
    )
    expired = OperationRecord(
        operation="command#c-2",
        kind="command",
        family="run-command",
        region="eu-west-1",
        account="123456789012",
        fields={"command_id": "c-2", "document_name": "AWS-RunShellScript"},
        last_status="InProgress",
        expires_at=datetime(2026, 3, 2, 12, 0, tzinfo=UTC),
    )
    window = OperationRecord(
        operation="window-execution#w-1",
        kind="window-execution",
        family="maintenance-window",
        region="us-east-1",
        account="123456789012",
        fields={
            "window_id": "mw-1",
            "window_execution_id": "w-1",
            "start_time": "2026-03-02T10:00:00Z",
            "end_time": "2026-03-02T10:20:00Z",
        },
        final_status="FAILED",
        final_time="2026-03-02T10:20:00Z",
    )
    tasks = [ItemState("t-1", "SUCCESS", "2026-03-02T10:10:00Z"), ItemState("t-2", "FAILED", "2026-03-02T10:19:00Z")]
    window_items = _instances({"SUCCESS": 3}, "t-1") + _instances({"FAILED": 2, "TIMED_OUT": 1}, "t-2")
    return {
        "command-failed": as_seen(
            render_digest(summarize(command, _instances({"Success": 998, "Failed": 2}), [], NOW))
        ),
        "command-succeeded": as_seen(render_digest(summarize(command, _instances({"Success": 3}), [], NOW))),
        "command-150-failed": as_seen(render_digest(summarize(command, _instances({"Failed": 150}), [], NOW))),
        "command-expired": as_seen(
            render_digest(summarize(expired, _instances({"Success": 2, "InProgress": 1}), [], NOW))
        ),
        "window-failed": as_seen(render_digest(summarize(window, window_items, tasks, NOW))),
    }


def all_notifications() -> dict[str, Any]:
    return {"samples": samples(), "missed-transition": missed_transition(), "digests": digests()}
