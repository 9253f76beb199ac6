"""Every AWS sample event renders into a notification a subscriber can use."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from notifier.core.models import parse_event
from notifier.core.render import SUBJECT_MAX, Notification, render
from tools.harness.samples import SAMPLE_FILES, read, sample_id

# What an operations team expects from each sample, decided from the AWS semantics of
# the state (not read back from severity.py).
EXPECTED_SEVERITY: dict[str, str] = {
    "ami/available": "info",
    "ami/deregistered": "warning",
    "ami/disabled": "warning",
    "ami/failed": "error",
    "ami/ami-available": "info",
    "ami/ami-failed": "error",
    "automation/execution-success": "info",
    "automation/execution-failed-alone": "error",
    "automation/step-success": "info",
    "calendar/closed": "info",
    "calendar/open": "info",
    "calendar/open-with-event": "info",
    "change-manager/in-progress": "info",
    "change-manager/rejected": "error",
    "change-manager/impact-assessment-created": "info",
    "change-manager/template-review-pending": "info",
    "change-manager/document-review-approved": "info",
    "compliance/association-compliant": "info",
    "compliance/association-non-compliant": "error",
    "compliance/patch-compliant": "info",
    "compliance/patch-non-compliant": "error",
    # An unexpected node is a security event: a registration is a warning (its catalog entry's least severity).
    "managed-nodes/registration": "warning",
    "managed-nodes/deregistration": "warning",
    "managed-nodes/public-key-update": "info",
    "node-access/approver-pending-approval": "warning",  # its approvers must act
    "node-access/approver-approved": "info",
    "node-access/request-failed": "error",
    "node-access/requester-pending-approval": "warning",
    "node-access/requester-approved": "info",
    "maintenance-window/execution-success": "info",
    "maintenance-window/execution-timed-out": "error",
    "maintenance-window/target-registered": "info",
    "maintenance-window/task-execution-success": "info",
    "maintenance-window/task-target-invocation-success": "info",
    "maintenance-window/window-disabled": "warning",
    "ops-center/opsitem-create": "info",
    "ops-center/opsitem-update": "info",
    "parameter-store/create": "info",
    "parameter-store/delete": "warning",
    "parameter-store/update": "info",
    "run-command/command-success": "info",
    "run-command/command-timed-out": "error",
    "run-command/invocation-success": "info",
    "state-manager/association-success": "info",
    "state-manager/instance-association-success": "info",
}

SUBJECT_RE = re.compile(r"^\[(ERROR|WARNING|INFO)\] [\x20-\x7e]+$")
ATTRIBUTE_KEYS = {"family", "detail_type", "severity", "status", "account", "region"}
DOCUMENT_KEYS = {
    "version",
    "family",
    "detailType",
    "severity",
    "status",
    "subject",
    "summary",
    "account",
    "region",
    "time",
    "eventId",
    "resources",
    "fields",
    "links",
    "event",
}


def _render(path: Path) -> tuple[dict[str, Any], Notification]:
    raw = read(path)
    return raw, render(parse_event(raw), raw)


def test_the_severity_table_names_only_samples_that_exist() -> None:
    # A new sample may come without a row here: the pins (tests/pins) then fix its severity.
    assert set(EXPECTED_SEVERITY) <= {sample_id(p) for p in SAMPLE_FILES}


@pytest.mark.parametrize("path", [p for p in SAMPLE_FILES if sample_id(p) in EXPECTED_SEVERITY], ids=sample_id)
def test_sample_severity(path: Path) -> None:
    _, notification = _render(path)
    expected = EXPECTED_SEVERITY[sample_id(path)]
    assert notification.attributes["severity"] == expected
    assert notification.document["severity"] == expected
    assert notification.subject.startswith(f"[{expected.upper()}] ")
    assert f"Severity: {expected}." in notification.text


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=sample_id)
def test_sample_subject(path: Path) -> None:
    raw, notification = _render(path)
    subject = notification.subject
    assert SUBJECT_RE.match(subject), subject
    assert len(subject) <= SUBJECT_MAX
    assert len(subject) < 100
    assert subject.endswith(f"({raw['region']})")


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=sample_id)
def test_sample_attributes(path: Path) -> None:
    raw, notification = _render(path)
    attributes = notification.attributes
    # `name` too when the event names a document, runbook, window, calendar, parameter or image (test_message_names)
    assert set(attributes) - {"name"} == ATTRIBUTE_KEYS
    assert len(attributes) <= 10  # SQS raw message delivery drops them beyond 10
    for key, value in attributes.items():
        assert isinstance(value, str) and value.strip(), key
    assert attributes["family"] == path.parent.name
    assert attributes["detail_type"] == raw["detail-type"]
    assert attributes["account"] == raw["account"]
    assert attributes["region"] == raw["region"]


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=sample_id)
def test_sample_document(path: Path) -> None:
    raw, notification = _render(path)
    document = notification.document
    assert document["version"] == "1"
    assert set(document) >= DOCUMENT_KEYS, DOCUMENT_KEYS - set(document)
    assert document["event"] == raw
    assert document["family"] == path.parent.name
    assert document["detailType"] == raw["detail-type"]
    assert document["eventId"] == raw["id"]
    assert document["account"] == raw["account"]
    assert document["region"] == raw["region"]
    assert document["resources"] == raw["resources"]
    assert document["subject"] == notification.subject
    assert document["status"] == notification.attributes["status"]
    assert "truncated" not in document  # the samples are small
    # What machine subscribers get must survive the trip through SNS as JSON.
    message = json.loads(notification.sns_message())
    assert json.loads(message["default"]) == document
    assert message["email"] == notification.text


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=sample_id)
def test_sample_text_body(path: Path) -> None:
    raw, notification = _render(path)
    text = notification.text
    assert raw["account"] in text
    assert raw["region"] in text
    assert raw["id"] in text
    host = f"https://{raw['region']}.console.aws.amazon.com/"
    console = [line for line in text.splitlines() if line.startswith("Console:")]
    assert len(console) == 1, text
    link = console[0].split(None, 1)[1]
    assert link.startswith(host), link
    assert notification.document["links"] == {"console": link}
    assert f"region={raw['region']}" in link


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=sample_id)
def test_sample_size_is_far_below_the_sns_limit(path: Path) -> None:
    _, notification = _render(path)
    assert 0 < notification.size() < 16 * 1024


def test_ami_sample_with_placeholder_time_keeps_it() -> None:
    """AWS's AMI samples say "time": "yyyy-mm-ddThh:mm:ssZ"; the notification shows it as is."""
    raw, notification = _render(next(p for p in SAMPLE_FILES if sample_id(p) == "ami/failed"))
    assert raw["time"] == "yyyy-mm-ddThh:mm:ssZ"
    assert notification.document["time"] == "yyyy-mm-ddThh:mm:ssZ"
    assert "Description of failure" in notification.text
    assert notification.attributes["status"] == "failed"


def test_parsed_time_is_rendered_as_utc_iso() -> None:
    path = next(p for p in SAMPLE_FILES if sample_id(p) == "parameter-store/delete")
    _, notification = _render(path)
    assert notification.document["time"] == "2024-05-22T16:45:48Z"


def test_calendar_subject_names_the_calendar_and_its_state() -> None:
    path = next(p for p in SAMPLE_FILES if sample_id(p) == "calendar/closed")
    _, notification = _render(path)
    assert "MyCalendar" in notification.subject
    assert "CLOSED" in notification.subject
    assert notification.attributes["status"] == "CLOSED"


def test_empty_optional_fields_are_not_shown() -> None:
    """AMI samples carry "ErrorMessage": ""; an empty "Error:" line would only confuse."""
    path = next(p for p in SAMPLE_FILES if sample_id(p) == "ami/available")
    _, notification = _render(path)
    assert not any(line.startswith("Error:") for line in notification.text.splitlines())
