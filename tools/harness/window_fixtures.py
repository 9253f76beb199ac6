"""Maintenance Windows as the SSM stand-in serves them: *.reads.json entries (tools/harness/read_fixtures.py)
for DescribeMaintenanceWindows, and a window's targets, tasks and managed nodes, for the advance notices.
Shared by the tests, the benchmark and anyone writing a folder for `tools.replay --fixtures`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DENIED = {"code": "AccessDeniedException", "message": "User is not authorized to perform this action"}


@dataclass(frozen=True)
class FixtureWindow:
    window_id: str  # mw- and 17 hex digits
    name: str
    schedule: str = "cron(0 2 ? * SAT *)"
    zone: str = "Europe/Paris"
    enabled: bool = True
    duration: int = 3
    cutoff: int = 1
    offset: int = 0
    next_run: str | None = None  # NextExecutionTime, as AWS writes it
    # (name, [(tag key, [values])]) or (name, [("InstanceIds", [ids])])
    targets: list[tuple[str, list[tuple[str, list[str]]]]] = field(default_factory=list)
    tasks: list[tuple[str, str, str]] = field(default_factory=list)  # (name, type, document or runbook)
    denied: tuple[str, ...] = ()  # operations answered AccessDeniedException for this window

    def identity(self) -> dict[str, Any]:
        identity: dict[str, Any] = {
            "WindowId": self.window_id,
            "Name": self.name,
            "Enabled": self.enabled,
            "Duration": self.duration,
            "Cutoff": self.cutoff,
            "Schedule": self.schedule,
            "ScheduleTimezone": self.zone,
        }
        if self.offset:
            identity["ScheduleOffset"] = self.offset
        if self.next_run:
            identity["NextExecutionTime"] = self.next_run
        return identity


def window_id(number: int) -> str:
    return f"mw-{number:017x}"


def _answer(call: str, request: dict[str, Any], answer: dict[str, Any], denied: bool) -> dict[str, Any]:
    if denied:
        return {"call": call, "request": request, "error": DENIED, "status": 400}
    return {"call": call, "request": request, "answer": answer}


def window_entries(windows: list[FixtureWindow], nodes: dict[str, int] | None = None) -> list[dict[str, Any]]:
    """The entries that serve `windows`; `nodes`: "tag:<key>=<value>" -> the managed nodes a target by that one
    tag resolves to (DescribeInstanceInformation)."""
    entries = [
        {
            "call": "ssm.DescribeMaintenanceWindows",
            "request": {},
            "answer": {"WindowIdentities": [w.identity() for w in windows]},
        }
    ]
    for w in windows:
        request = {"WindowId": w.window_id}
        targets = [
            {
                "WindowId": w.window_id,
                "WindowTargetId": f"{index:08x}-0000-4000-8000-{w.window_id[3:15]}",
                "ResourceType": "INSTANCE",
                "Name": name,
                "Targets": [{"Key": key, "Values": values} for key, values in criteria],
            }
            for index, (name, criteria) in enumerate(w.targets)
        ]
        tasks = [
            {
                "WindowId": w.window_id,
                "WindowTaskId": f"task-{index}",
                "Name": name,
                "Type": kind,
                "TaskArn": arn,
                "Priority": index,
            }
            for index, (name, kind, arn) in enumerate(w.tasks)
        ]
        entries.append(
            _answer(
                "ssm.DescribeMaintenanceWindowTargets",
                request,
                {"Targets": targets},
                "DescribeMaintenanceWindowTargets" in w.denied,
            )
        )
        entries.append(
            _answer(
                "ssm.DescribeMaintenanceWindowTasks",
                request,
                {"Tasks": tasks},
                "DescribeMaintenanceWindowTasks" in w.denied,
            )
        )
        if "DescribeMaintenanceWindowSchedule" in w.denied:  # read only for a schedule not evaluated here
            entries.append(_answer("ssm.DescribeMaintenanceWindowSchedule", request, {}, denied=True))
    for number, (criterion, count) in enumerate((nodes or {}).items()):
        key, _, value = criterion.partition("=")
        instances = [{"InstanceId": f"i-{number:05x}{n:012x}", "PingStatus": "Online"} for n in range(count)]
        entries.append(
            {
                "call": "ssm.DescribeInstanceInformation",
                "request": {"Filters": [{"Key": key, "Values": [value]}]},
                "answer": {"InstanceInformationList": instances},
            }
        )
    return entries


def write_windows(folder: Path, windows: list[FixtureWindow], nodes: dict[str, int] | None = None) -> Path:
    """`folder`/windows.reads.json, serving `windows` (replacing what it served)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "windows.reads.json"
    path.write_text(json.dumps(window_entries(windows, nodes), indent=1) + "\n")
    return path
