"""The plans' second round and the failures they find, against real SDK clients and the SSM and
EC2 stand-in: a rate-controlled Automation run's child executions, the command a window task ran,
a command that failed on instances no event named (and their names, read after they are found)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from notifier.failures.budget import ReadBudget
from notifier.failures.reads import FailureReads
from notifier.failures.reasons import Failed, explain_failures
from tools.harness.calendar_service import calendar_service
from tools.harness.read_fixtures import ReadFixtures

REGION = "us-east-2"
# SSM's ids are 36 characters (the SDK checks): one per role.
EXECUTION, COMMAND, STARTED, WINDOW_RUN, TASK = (
    f"{n}" * 8 + f"-{n * 4}-{n * 4}-{n * 4}-" + f"{n}" * 12 for n in "12345"
)


@pytest.fixture
def stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The stand-in, and the SDK's clients pointed at it (as the functions' environment points them)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with calendar_service([], [tmp_path]) as (endpoint, service):
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", endpoint)
        monkeypatch.setenv("AWS_ENDPOINT_URL_EC2", endpoint)
        yield service


def _reads(stand_in: Any, folder: Path, entries: list[dict[str, Any]]) -> FailureReads:
    (folder / "plans.reads.json").write_text(json.dumps(entries))
    stand_in.reads = ReadFixtures([folder])
    return FailureReads.create(3)


def _plugin(output: str) -> dict[str, Any]:
    return {
        "Name": "aws:runShellScript",
        "Status": "Failed",
        "StatusDetails": "Failed",
        "ResponseCode": 1,
        "Output": output,
    }


def test_a_rate_controlled_run_names_its_failed_children_by_target(stand_in: Any, tmp_path: Path) -> None:
    reads = _reads(
        stand_in,
        tmp_path,
        [
            {
                "call": "ssm.GetAutomationExecution",
                "request": {"AutomationExecutionId": EXECUTION},
                "answer": {
                    "AutomationExecution": {
                        "AutomationExecutionId": EXECUTION,
                        "AutomationExecutionStatus": "Failed",
                        "TargetParameterName": "InstanceId",
                        "StepExecutions": [],
                    }
                },
            },
            {
                "call": "ssm.DescribeAutomationExecutions",
                "request": {},
                "answer": {
                    "AutomationExecutionMetadataList": [
                        {
                            "AutomationExecutionId": f"child-{n}",
                            "AutomationExecutionStatus": "Failed",
                            "DocumentName": "AWS-RestartEC2Instance",
                            "Target": f"i-0{n}",
                            "FailureMessage": "Step fails when it is Verifying. Instance is not in a running state.",
                        }
                        for n in range(3)
                    ]
                },
            },
        ],
    )
    report = explain_failures(reads, Failed("automation", {"execution_id": EXECUTION}, REGION, []), ReadBudget(20, 3))

    (entry,) = report.reasons
    assert entry.reason == "child execution Failed" and entry.items == ["i-00", "i-01", "i-02"]
    assert entry.summary == "Step fails when it is Verifying. Instance is not in a running state."
    assert stand_in.reads.calls["ssm.DescribeAutomationExecutions"] == 1 and report.unavailable == []


def test_a_command_that_failed_as_a_whole_finds_its_instances_then_reads_their_names(
    stand_in: Any, tmp_path: Path
) -> None:
    invocations = [
        {
            "InstanceId": f"i-0{n}",
            "Status": "Failed" if n < 2 else "Success",
            "CommandPlugins": [_plugin(f"E: disk {n}")],
        }
        for n in range(3)
    ]
    reads = _reads(
        stand_in,
        tmp_path,
        [
            {
                "call": "ssm.ListCommandInvocations",
                "request": {"CommandId": COMMAND},
                "answer": {"CommandInvocations": invocations},
            },
            {
                "call": "ec2.DescribeInstances",
                "request": {"Filters": [{"Name": "instance-id", "Values": ["i-00", "i-01"]}]},
                "answer": {
                    "Reservations": [
                        {"Instances": [{"InstanceId": "i-00", "Tags": [{"Key": "Name", "Value": "db-1"}]}]}
                    ]
                },
            },
        ],
    )
    report = explain_failures(reads, Failed("command", {"command_id": COMMAND}, REGION, []), ReadBudget(20, 3))

    assert sorted((e.summary, tuple(e.items)) for e in report.reasons) == [
        ("E: disk 0", ("i-00",)),
        ("E: disk 1", ("i-01",)),
    ]
    assert report.names == {"i-00": "db-1"}
    assert report.calls == 2 and report.unavailable == []


def test_a_window_task_quotes_the_command_it_ran_within_the_bound(stand_in: Any, tmp_path: Path) -> None:
    reads = _reads(
        stand_in,
        tmp_path,
        [
            {
                "call": "ssm.DescribeMaintenanceWindowExecutionTaskInvocations",
                "request": {"WindowExecutionId": WINDOW_RUN, "TaskId": TASK},
                "answer": {
                    "WindowExecutionTaskInvocationIdentities": [
                        {
                            "InvocationId": "inv-1",
                            "WindowTargetId": "target-1",
                            "Status": "FAILED",
                            "StatusDetails": "Failed",
                            "ExecutionId": STARTED,
                            "TaskType": "RUN_COMMAND",
                        },
                    ]
                },
            },
            {
                "call": "ssm.ListCommandInvocations",
                "request": {"CommandId": STARTED},
                "answer": {
                    "CommandInvocations": [
                        {
                            "InstanceId": "i-9",
                            "Status": "Failed",
                            "CommandPlugins": [_plugin("yum: Cannot find a valid baseurl")],
                        }
                    ]
                },
            },
        ],
    )
    failed = Failed("window-execution", {"window_execution_id": WINDOW_RUN}, REGION, [("FAILED", [("target-1", TASK)])])
    report = explain_failures(reads, failed, ReadBudget(2, 3))

    (entry,) = report.reasons
    assert entry.summary == "yum: Cannot find a valid baseurl" and f"command {STARTED} on i-9:" in entry.output
    assert report.calls == 2  # the task's invocations, then the command: the bound holds
    assert report.next_steps == [f"aws ssm list-command-invocations --command-id {STARTED} --details --region {REGION}"]
