"""Every function of the local build, run by the real SAM CLI in Docker (`sam local invoke`) against the
stand-ins: the message the subscriber queue receives, once; the second invocation a duplicate; a bad event
refused naming the field. The message expected is the one the library renders for the same sample
(tests/pins/notifications.json): its subject and its filterable attributes.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from notifier.calendars import TransitionStore
from tests.pins.pin import NOTIFICATIONS
from tests.sam.conftest import RECONCILED, SamStack, scheduled_event
from tools import REPO_ROOT
from tools.harness.sam_cli import SAM_PATH_WARNING, SamInvocation
from tools.harness.samples import load
from tools.harness.sqs_records import as_queued
from tools.sam import fed_queue

# Each function EventBridge invokes, with a sample of its families.
EVENT_FUNCTIONS = {
    "AmiNotifier": "ami/failed",
    "CalendarNotifier": "calendar/open",
    "RunCommandNotifier": "run-command/invocation-failed",
    "MaintenanceWindowNotifier": "maintenance-window/window-disabled",
    "SystemsManagerNotifier": "parameter-store/update",
}
# Every function of the default stack: those above, the reconciler's and the fleet operations' two; and the
# advance notices' look-ahead, which needs windows served and a time of its own (tools.replay --now): run from
# its asset by tests/integration/test_notices_local.py, not here.
EVERY_FUNCTION = {*EVENT_FUNCTIONS, "CalendarReconciler", "InstanceEvents", "DigestSweeper", "Notices"}


def pinned(sample: str) -> dict[str, Any]:
    notification: dict[str, Any] = json.loads(NOTIFICATIONS.read_text())["samples"][sample]
    return notification


def ran(invocation: SamInvocation, outcome: str) -> None:
    """The invocation ended so, and SAM named every resource without guessing (the local build's SamResourceId)."""
    assert invocation.outcome == outcome, f"{invocation.error}\n" + "\n".join(invocation.logs[-30:])
    assert SAM_PATH_WARNING not in invocation.stderr


def test_the_default_stack_has_exactly_the_functions_checked_here(sam_stack: SamStack):
    assert {spec.construct_id for spec in sam_stack.template.functions().values()} == EVERY_FUNCTION


@pytest.mark.parametrize("function_id", sorted(EVENT_FUNCTIONS))
def test_an_event_function_notifies_once_and_the_second_invocation_is_a_duplicate(
    sam_stack: SamStack, function_id: str
):
    sample = EVENT_FUNCTIONS[function_id]
    event = load(sample)
    invocation, received = sam_stack.invoke(function_id, event)
    ran(invocation, "notified")
    assert isinstance(invocation.answer, dict) and invocation.answer.get("messageId")
    (message,) = received
    expected = pinned(sample)
    assert message["subject"] == expected["subject"]
    assert expected["attributes"].items() <= message["attributes"].items()
    assert message["json"]["eventId"] == event["id"]
    again, received = sam_stack.invoke(function_id, event)
    ran(again, "duplicate")
    assert received == []


def test_a_bad_event_is_refused_naming_the_field_and_nothing_is_sent(sam_stack: SamStack):
    event = load("ami/failed")
    event["id"] = f"sam-bad-{uuid.uuid4()}"
    del event["detail"]["ImageId"]
    invocation, received = sam_stack.invoke("AmiNotifier", event)
    ran(invocation, "rejected")
    assert invocation.error is not None and "'detail.ImageId'" in invocation.error[1]
    assert "EC2 AMI State Change" in invocation.error[1]
    assert received == []


def test_the_reconciler_announces_a_missed_transition_once(sam_stack: SamStack):
    """Last notified OPEN; the calendar stand-in says CLOSED, for longer than the grace period."""
    environment = sam_stack.stack.function_environment(
        next(s.logical_id for s in sam_stack.template.functions().values() if s.construct_id == "CalendarReconciler")
    )
    store = TransitionStore(sam_stack.client("dynamodb"), environment["IDEMPOTENCY_TABLE_NAME"])
    now = datetime.now(UTC)
    assert store.baseline(RECONCILED, "OPEN", now - timedelta(hours=3))
    seen = store.last(RECONCILED)
    assert seen is not None
    store.mark_mismatch(RECONCILED, seen, now - timedelta(minutes=int(environment["GRACE_MINUTES"]) + 10))
    invocation, received = sam_stack.invoke("CalendarReconciler", scheduled_event())
    ran(invocation, "notified")
    (message,) = received
    assert message["subject"].startswith(f"[WARNING] Missed transition: Change Calendar {RECONCILED} is now CLOSED")
    assert message["attributes"]["status"] == "CLOSED"
    again, received = sam_stack.invoke("CalendarReconciler", scheduled_event())
    ran(again, "notified")
    assert isinstance(again.answer, dict) and again.answer["missed"] == []
    assert received == []


def test_the_notices_function_announces_the_windows_due_as_of_its_event_once(sam_stack: SamStack):
    """examples/scheduled-event.json: the Friday afternoon of `make demo`, whose windows (examples/notices) run
    within the hour: each announced once, the same run again announces nothing."""
    event = json.loads((REPO_ROOT / "examples" / "scheduled-event.json").read_text())
    invocation, received = sam_stack.invoke("Notices", event)
    ran(invocation, "notified")
    assert isinstance(invocation.answer, dict)
    subjects = sorted(message["subject"] for message in received)
    assert subjects == sorted(invocation.answer["notices"])
    assert any(s.startswith("[INFO] Maintenance Window web-canary runs in 25 min") for s in subjects), subjects
    assert any("Maintenance Window patch-night runs in 55 min" in s for s in subjects), subjects
    again, received = sam_stack.invoke("Notices", event)
    ran(again, "notified")
    assert received == [] and isinstance(again.answer, dict) and again.answer["notices"] == []


def test_a_run_command_recorded_from_the_buffer_is_digested_by_the_sweeper_once(sam_stack: SamStack):
    """The buffer's batch (the command's status and its one invocation's) recorded by InstanceEvents, without a
    message; then one digest from the sweeper, and nothing from its next run."""
    reader = sam_stack.template.find_function("instance-events").logical_id
    queue = fed_queue(sam_stack.template, reader)
    assert queue is not None
    events = [load("run-command/invocation-failed"), load("run-command/command-failed")]
    batch = as_queued(events, sam_stack.stack.attributes[(queue, "Arn")])  # as `make sam-invoke` hands them
    invocation, received = sam_stack.invoke("InstanceEvents", batch)
    ran(invocation, "notified")
    assert invocation.answer == {"batchItemFailures": []}
    assert received == []
    invocation, received = sam_stack.invoke("DigestSweeper", scheduled_event())
    ran(invocation, "notified")
    (message,) = received
    assert message["attributes"]["detail_type"] == "Operation Digest"
    assert message["attributes"]["status"] == "Failed" and message["attributes"]["family"] == "run-command"
    assert events[1]["detail"]["command-id"] in message["email"]
    again, received = sam_stack.invoke("DigestSweeper", scheduled_event())
    ran(again, "notified")
    assert received == []
