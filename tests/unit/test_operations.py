"""Storm control, the pure part: which operation an event belongs to, which status wins, the digest."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest

from notifier.core.models import parse_event
from notifier.core.render import MESSAGE_BUDGET, SUBJECT_MAX
from notifier.fleet.digest_messages import LISTED, render_digest
from notifier.fleet.observations import (
    OPERATION_ITEM,
    NotAnOperationEvent,
    expiry,
    is_terminal,
    observe,
    order_of,
)
from notifier.fleet.summaries import ItemState, OperationRecord, summarize
from ssm_event_notifier.contract import catalog
from tools.harness.samples import load

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
AT = datetime(2026, 3, 2, 10, 0, 5, tzinfo=UTC)


def command_record(final: str | None = "Failed", **fields: str) -> OperationRecord:
    return OperationRecord(
        operation="command#c-1",
        kind="command",
        family="run-command",
        region="eu-west-1",
        account="123456789012",
        fields={
            "command_id": "c-1",
            "document_name": "AWS-RunPatchBaseline",
            "requested_date_time": "2026-03-02T10:00:00.000Z",
            **fields,
        },
        final_status=final,
        final_time="2026-03-02T10:07:30Z" if final else None,
        expires_at=datetime(2026, 3, 2, 12, 0, tzinfo=UTC),
    )


def instances(statuses: dict[str, int]) -> list[ItemState]:
    items = []
    for status, count in statuses.items():
        items += [ItemState(f"i-{status.lower()}{n:04d}", status, "2026-03-02T10:05:00Z") for n in range(count)]
    return items


def test_the_catalog_names_the_operation_and_role_of_ten_detail_types_of_five_sources() -> None:
    roles = {e.detail_type: (e.operation, e.role) for e in catalog.EVENT_TYPES if e.operation}
    assert roles == {
        "EC2 Command Status-change Notification": ("command", "parent"),
        "EC2 Command Invocation Status-change Notification": ("command", "item"),
        "Maintenance Window Execution State-change Notification": ("window-execution", "parent"),
        "Maintenance Window Task Execution State-change Notification": ("window-execution", "task"),
        "Maintenance Window Task Target Invocation State-change Notification": ("window-execution", "item"),
        "EC2 Automation Execution Status-change Notification": ("automation", "parent"),
        "EC2 Automation Step Status-change Notification": ("automation", "item"),
        "EC2 State Manager Association State Change": ("association", "parent"),
        "EC2 State Manager Instance Association State Change": ("association", "item"),
        "Configuration Compliance State Change": ("compliance", "item"),
    }
    assert {kind.name: kind.ends for kind in catalog.OPERATIONS} == {
        "command": "final-event",
        "window-execution": "final-event",
        "automation": "final-event",
        "association": "quiet",
        "compliance": "quiet",
    }
    assert all(e.operation in catalog.OPERATION_BY_NAME for e in catalog.EVENT_TYPES if e.operation)


@pytest.mark.parametrize(
    ("status", "terminal"),
    [
        ("Success", True),
        ("Failed", True),
        ("TimedOut", True),
        ("Delivery Timed Out", True),
        ("Cancelled", True),
        ("SKIPPED_OVERLAPPING", True),
        ("TIMED_OUT", True),
        ("InProgress", False),
        ("IN_PROGRESS", False),
        ("Pending", False),
        ("Cancelling", False),
        ("Delayed", False),
        ("SomethingNew", False),
    ],
)
def test_terminal_statuses_of_both_vocabularies(status: str, terminal: bool) -> None:
    assert is_terminal(status) is terminal


def test_a_finished_status_beats_a_running_one_of_the_same_second_and_a_repeat_ties() -> None:
    assert order_of(AT, "Success") > order_of(AT, "InProgress") > order_of(AT, "Pending")
    assert order_of(AT, "Success") == order_of(AT, "Success")  # a repeat changes nothing
    assert order_of(AT + timedelta(seconds=1), "InProgress") > order_of(AT, "Failed")  # later is newer
    assert order_of(None, "Success") < order_of(AT, "Pending")  # no time: anything timed wins


def test_an_invocation_is_an_instance_item_of_its_command() -> None:
    observation = observe(parse_event(load("run-command/invocation-success")))
    assert (observation.operation, observation.role, observation.item) == (
        "command#e8d3c0e4-71f7-4491-898f-c9b35bee5f3b",
        "item",
        "i-02573cafcfEXAMPLE",
    )
    assert observation.started == datetime(2024, 7, 10, 21, 51, 30, 49000, tzinfo=UTC)
    assert is_terminal(observation.status) and not observation.final  # an item's status ends no operation


def test_the_command_event_is_the_operation_item_with_its_expire_after() -> None:
    observation = observe(parse_event(load("run-command/command-success")))
    assert (observation.item, observation.role) == (OPERATION_ITEM, "parent")
    assert observation.expire_after == datetime(2024, 7, 14, 22, 1, 30, 49000, tzinfo=UTC)
    assert observation.fields["document_name"] == "AWS-RunPowerShellScript"


def test_window_events_belong_to_the_window_execution() -> None:
    target = observe(parse_event(load("maintenance-window/task-target-invocation-success")))
    task = observe(parse_event(load("maintenance-window/task-execution-success")))
    run = observe(parse_event(load("maintenance-window/execution-success")))
    assert target.operation == "window-execution#791b72e0-f0da-4021-8b35-f95dfEXAMPLE"
    # AWS's sample names no instance: the registered target stands for it.
    assert target.item == "c9b05aba-197f-4d8d-be34-e73fbEXAMPLE/e32eecb2-646c-4f4b-8ed1-205fbEXAMPLE"
    assert (task.item, task.role) == ("#task#6417e808-7f35-4d1a-843f-123456789012", "task")
    assert (run.item, run.role, run.operation) == (
        OPERATION_ITEM,
        "parent",
        "window-execution#14bea65d-5ccc-462d-a2f3-e99c8EXAMPLE",
    )


def test_an_instance_named_by_the_event_wins_over_the_window_target() -> None:
    event = load("maintenance-window/task-target-invocation-success")
    with_arn = copy.deepcopy(event)
    with_arn["resources"].append("arn:aws:ec2:us-east-2:123456789012:instance/i-0abc")
    assert observe(parse_event(with_arn)).instance == "i-0abc"
    event["detail"]["instance-id"] = "mi-0def"
    assert observe(parse_event(event)).instance == "mi-0def"


def test_events_of_no_operation_are_refused() -> None:
    with pytest.raises(NotAnOperationEvent, match="EC2 AMI State Change"):
        observe(parse_event(load("ami/failed")))


def test_the_expiry_is_the_later_of_expire_after_and_the_start_plus_the_timeout() -> None:
    parent = observe(parse_event(load("run-command/command-success")))  # requested 21:51:30, expires +4 days
    assert expiry(parent, 3600, NOW) == parent.expire_after
    invocation = observe(parse_event(load("run-command/invocation-success")))
    assert expiry(invocation, 3600, NOW) == datetime(2024, 7, 10, 22, 51, 30, 49000, tzinfo=UTC)


def test_a_digest_counts_statuses_and_names_every_failed_timed_out_or_cancelled_instance() -> None:
    items = instances({"Success": 995, "Failed": 2, "TimedOut": 1, "Cancelled": 1, "InProgress": 1})
    digest = summarize(command_record(), items, [], NOW)
    # Most frequent first, then by name.
    assert list(digest.counts.items()) == [
        ("Success", 995),
        ("Failed", 2),
        ("Cancelled", 1),
        ("InProgress", 1),
        ("TimedOut", 1),
    ]
    assert [i.status for i in digest.failed] == ["Cancelled", "Failed", "Failed", "TimedOut"]
    assert [i.key for i in digest.unfinished] == ["i-inprogress0000"]
    assert digest.severity == "error"
    assert digest.duration_seconds == 450  # requested 10:00:00, the final event at 10:07:30


@pytest.mark.parametrize(
    ("final", "statuses", "severity"),
    [
        ("Success", {"Success": 3}, "info"),
        ("Success", {"Success": 2, "Failed": 1}, "error"),  # any failed instance
        ("Failed", {"Success": 3}, "error"),
        (None, {"Success": 3}, "warning"),  # nobody said how it ended
        (None, {"Success": 2, "Failed": 1}, "error"),
        ("Success", {"Success": 2, "Delayed": 1}, "warning"),
    ],
)
def test_digest_severity(final: str | None, statuses: dict[str, int], severity: str) -> None:
    assert summarize(command_record(final), instances(statuses), [], NOW).severity == severity


def test_the_e_mail_as_a_subscriber_reads_it() -> None:
    notification = render_digest(summarize(command_record(), instances({"Success": 998, "Failed": 2}), [], NOW))
    assert notification.subject == (
        "[ERROR] Run Command AWS-RunPatchBaseline Failed: 2 of 1000 instances failed (eu-west-1)"
    )
    assert notification.text.splitlines()[:21] == [
        notification.subject,
        "",
        "Digest of a fleet-wide operation: Run Command AWS-RunPatchBaseline Failed: 2 of 1000 instances failed",
        "",
        "Command:      c-1",
        "Document:     AWS-RunPatchBaseline",
        "Final status: Failed",
        "Instances:    1000: 998 Success, 2 Failed",
        "Requested:    2026-03-02T10:00:00Z",
        "Ended:        2026-03-02T10:07:30Z",
        "Duration:     7 min 30 s",
        "Account:      123456789012",
        "Region:       eu-west-1",
        "Console:      https://eu-west-1.console.aws.amazon.com/systems-manager/run-command/c-1?region=eu-west-1",
        "",
        "Failed, by reason (2 of 1000):",
        "  Failed (2):",
        "    i-failed0000  Failed",
        "    i-failed0001  Failed",
        "",
        "One message for the whole operation instead of one per instance.",
    ]
    assert notification.attributes == {
        "family": "run-command",
        "detail_type": "Operation Digest",
        "severity": "error",
        "status": "Failed",
        "account": "123456789012",
        "region": "eu-west-1",
        "name": "AWS-RunPatchBaseline",
    }
    document = notification.document
    assert document["version"] == "1"
    assert (document["total"], document["failedNotShown"], document["duration"]["seconds"]) == (1000, 0, 450)
    assert document["failed"][0] == {"instanceId": "i-failed0000", "status": "Failed", "time": "2026-03-02T10:05:00Z"}


def test_a_long_list_is_cut_with_a_count_of_the_rest() -> None:
    notification = render_digest(summarize(command_record(), instances({"Failed": 250, "Success": 10}), [], NOW))
    assert len(notification.document["failed"]) == LISTED
    assert notification.document["failedNotShown"] == 250 - LISTED
    assert f"  ... and {250 - LISTED} more" in notification.text
    assert notification.text.count("  i-failed") == LISTED


def test_an_unknown_final_status_says_so_and_when_it_was_given_up() -> None:
    record = command_record(final=None)
    notification = render_digest(summarize(record, instances({"Success": 4}), [], NOW))
    assert (
        notification.subject
        == "[WARNING] Run Command AWS-RunPatchBaseline status unknown: 4 instances succeeded (eu-west-1)"
    )
    assert "Final status: unknown: no final status by 2026-03-02T12:00:00Z" in notification.text
    assert (notification.document["status"], notification.document["operation"]["final"]) == ("Unknown", False)
    assert notification.document["duration"]["end"] == "2026-03-02T10:05:00Z"  # the last event heard


def test_whatever_the_values_the_digest_is_one_sns_accepts() -> None:
    huge = [ItemState(f"i-{n}" + "\u00e9x" * 5000, "Failed", None) for n in range(LISTED * 3)]
    odd = [ItemState(f"i-{n}", f"Status{n}\n" + "y" * 5000, "\u2028" * 100) for n in range(500)]
    record = command_record(document_name="Doc\u00fcment " * 100)
    notification = render_digest(summarize(record, huge + odd, [], NOW))
    assert len(notification.subject) <= SUBJECT_MAX
    assert notification.subject.isascii() and notification.subject.isprintable()
    assert notification.size() <= MESSAGE_BUDGET
    assert len(notification.document["counts"]) == 21  # 20 statuses and "(other)"
    assert notification.document["failed"]
    assert notification.document["failedNotShown"] == len(huge) - len(notification.document["failed"])


def test_a_window_run_lists_its_tasks_and_the_task_of_each_failure_when_there_are_several() -> None:
    record = OperationRecord(
        operation="window-execution#w-1",
        kind="window-execution",
        family="maintenance-window",
        region="us-east-1",
        account="123456789012",
        fields={"window_id": "mw-1", "window_execution_id": "w-1", "start_time": "2026-03-02T10:00:00Z"},
        final_status="FAILED",
        final_time="2026-03-02T11:00:00Z",
    )
    targets = [
        ItemState("i-1", "SUCCESS", None, "task-a"),
        ItemState("i-1", "FAILED", None, "task-b"),
        ItemState("i-2", "SUCCESS", None, "task-b"),
    ]
    tasks = [ItemState("task-b", "FAILED", None), ItemState("task-a", "SUCCESS", None)]
    notification = render_digest(summarize(record, targets, tasks, NOW))
    assert notification.subject == "[ERROR] Maintenance Window mw-1 run FAILED: 1 of 3 targets failed (us-east-1)"
    assert "Tasks:        task-a SUCCESS, task-b FAILED" in notification.text
    assert "  i-1  FAILED  (task task-b)" in notification.text
    assert notification.document["failed"] == [
        {"instanceId": "i-1", "status": "FAILED", "time": None, "taskExecutionId": "task-b"}
    ]
    assert notification.document["links"]["console"].endswith("/maintenance-windows/mw-1?region=us-east-1")
