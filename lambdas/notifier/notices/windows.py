"""The Maintenance Windows of an account and region, and what one run will touch, read from SSM.

The list (DescribeMaintenanceWindows, 100 a page) says each window's schedule; a window with a run to
announce is read further within a budget (notifier.failures' ReadBudget: N calls, S seconds): its
targets and tasks (DescribeMaintenanceWindowTargets, DescribeMaintenanceWindowTasks), and how many
managed nodes its tag targets resolve to (DescribeInstanceInformation). A read denied, throttled or
not made in time becomes a line of the notice, which goes out all the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from notifier.notices.schedules import Schedule, ScheduleError, utc

if TYPE_CHECKING:  # loaded by the first notice due: most runs announce nothing
    from notifier.failures.budget import Unavailable

PAGE = 100
NODES_PAGE = 50


@dataclass(frozen=True)
class Window:
    window_id: str
    name: str
    enabled: bool
    schedule: Schedule
    duration_hours: int
    cutoff_hours: int
    description: str = ""

    @classmethod
    def of(cls, identity: dict[str, Any]) -> Window:
        """A window as DescribeMaintenanceWindows lists it."""
        schedule = Schedule(
            expression=str(identity.get("Schedule") or ""),
            zone=str(identity.get("ScheduleTimezone") or "UTC"),
            offset_days=int(identity.get("ScheduleOffset") or 0),
            start=utc(identity.get("StartDate")),
            end=utc(identity.get("EndDate")),
            next_run=utc(identity.get("NextExecutionTime")),
        )
        return cls(
            window_id=str(identity["WindowId"]),
            name=str(identity.get("Name") or identity["WindowId"]),
            enabled=bool(identity.get("Enabled")),
            schedule=schedule,
            duration_hours=int(identity.get("Duration") or 0),
            cutoff_hours=int(identity.get("Cutoff") or 0),
            description=str(identity.get("Description") or ""),
        )


@dataclass(frozen=True)
class Target:
    name: str
    criteria: str  # "tag:Team=web", "InstanceIds=i-1,i-2", "resource-groups:Name=web"
    nodes: int | None  # managed nodes it resolves to; None: not counted
    more: bool = False  # more nodes than counted (the budget ended the count)


@dataclass(frozen=True)
class Task:
    name: str
    kind: str  # RUN_COMMAND, AUTOMATION, LAMBDA, STEP_FUNCTIONS
    runs: str  # the document, runbook, function or state machine


@dataclass
class RunDetails:
    """What a window's run will touch, as far as the budget read it."""

    targets: list[Target] | None = None  # None: not read
    tasks: list[Task] | None = None
    unavailable: list[Unavailable] = field(default_factory=list)
    calls: int = 0


class WindowReader:
    def __init__(self, ssm: Any, reads: int, seconds: float) -> None:
        self.ssm, self.reads, self.seconds = ssm, reads, seconds
        self.calls = 0  # every call made, for the run's metrics and the benchmark

    def windows(self) -> list[Window]:
        """Every window of the account and region; the SDK's error raises (nothing to announce without it)."""
        found, token = [], None
        while True:
            self.calls += 1
            page = self.ssm.describe_maintenance_windows(MaxResults=PAGE, **({"NextToken": token} if token else {}))
            found += [Window.of(identity) for identity in page.get("WindowIdentities", [])]
            token = page.get("NextToken")
            if not token:
                return found

    def runs_between(self, window: Window, after: datetime, until: datetime) -> list[datetime]:
        """The window's runs in (after, until]: from its schedule, or AWS's when it cannot be evaluated here."""
        try:
            return window.schedule.runs_between(after, until)
        except ScheduleError:
            self.calls += 1
            answer = self.ssm.describe_maintenance_window_schedule(WindowId=window.window_id, MaxResults=25)
            times = (utc(run.get("ExecutionTime")) for run in answer.get("ScheduledWindowExecutions", []))
            return sorted(run for run in times if run is not None and after < run <= until)

    def details(self, window: Window) -> RunDetails:
        """Its targets (and how many nodes each resolves to) and tasks, within the budget."""
        from notifier.failures.budget import Read, ReadBudget

        budget = ReadBudget(calls=self.reads, seconds=self.seconds)
        first = [
            Read("targets", "its targets (ssm:DescribeMaintenanceWindowTargets)", lambda: self._targets(window)),
            Read("tasks", "its tasks (ssm:DescribeMaintenanceWindowTasks)", lambda: self._tasks(window)),
        ]
        # Each answer is the call's whole response: an empty list of targets or tasks is an answer.
        answers = budget.run(first)
        details = RunDetails(tasks=_tasks(answers["tasks"]) if "tasks" in answers else None)
        if "targets" in answers:
            raw_targets: list[dict[str, Any]] = list(answers["targets"].get("Targets", []))
            counts = budget.run(
                [
                    Read(
                        str(index),
                        f"the managed nodes of target {_target_name(t)} (ssm:DescribeInstanceInformation)",
                        partial(self._count, filters),
                    )
                    for index, t in enumerate(raw_targets)
                    if (filters := _node_filters(t)) is not None
                ]
            )
            details.targets = [_target(t, counts.get(str(index))) for index, t in enumerate(raw_targets)]
        details.unavailable, details.calls = budget.unavailable, budget.made
        self.calls += budget.made
        return details

    def _targets(self, window: Window) -> dict[str, Any]:
        return dict(self.ssm.describe_maintenance_window_targets(WindowId=window.window_id, MaxResults=PAGE))

    def _tasks(self, window: Window) -> dict[str, Any]:
        return dict(self.ssm.describe_maintenance_window_tasks(WindowId=window.window_id, MaxResults=PAGE))

    def _count(self, filters: list[dict[str, Any]]) -> tuple[int, bool]:
        """The managed nodes a tag target resolves to: one page (the first 50), and whether there are more."""
        answer = self.ssm.describe_instance_information(Filters=filters, MaxResults=NODES_PAGE)
        return len(answer.get("InstanceInformationList", [])), bool(answer.get("NextToken"))


def _tasks(answer: dict[str, Any]) -> list[Task]:
    tasks = sorted(answer.get("Tasks", []), key=lambda task: (task.get("Priority", 0), str(task.get("Name", ""))))
    return [
        Task(str(t.get("Name") or t.get("WindowTaskId") or "-"), str(t.get("Type") or "-"), str(t.get("TaskArn")))
        for t in tasks
    ]


def _target_name(target: dict[str, Any]) -> str:
    return str(target.get("Name") or target.get("WindowTargetId") or "-")


def _criteria(target: dict[str, Any]) -> str:
    return "; ".join(f"{c.get('Key')}={','.join(map(str, c.get('Values', [])))}" for c in target.get("Targets", []))


def _node_filters(target: dict[str, Any]) -> list[dict[str, Any]] | None:
    """DescribeInstanceInformation's filters for a target by tags; None for other targets (not read)."""
    keys = target.get("Targets", [])
    if not keys or not all(str(c.get("Key", "")).startswith(("tag:", "tag-key")) for c in keys):
        return None
    return [{"Key": str(c["Key"]), "Values": [str(v) for v in c.get("Values", [])]} for c in keys]


def _target(target: dict[str, Any], count: tuple[int, bool] | None) -> Target:
    keys = target.get("Targets", [])
    ids = next((c.get("Values", []) for c in keys if c.get("Key") == "InstanceIds"), None)
    if ids is not None:
        return Target(_target_name(target), _criteria(target), len(ids))
    nodes, more = count if count is not None else (None, False)
    return Target(_target_name(target), _criteria(target), nodes, more)
