"""The plans of failures that a whole-operation read explains: an Automation execution's steps (and a
rate-controlled run's children), a window task's invocations (and the commands they ran)."""

from __future__ import annotations

import shlex
from functools import partial
from typing import Any

from notifier.core.models import AutomationStepStatusChange, WindowTaskTargetInvocationStateChange
from notifier.core.severity import failed
from notifier.failures.budget import Read
from notifier.failures.output import clean_output, signature
from notifier.failures.plans import (
    FOLLOW_UPS_MAX,
    Explained,
    Found,
    Item,
    Plan,
    explain_plugins,
    explain_step,
    item_page,
)
from notifier.failures.reads import FailureReads, InvocationOutcome, StepOutcome


class AutomationPlan(Plan):
    console = staticmethod(item_page(AutomationStepStatusChange, "step_name"))
    rate_controlled = False  # known once the execution is read

    def whole(self) -> list[Read]:
        execution = self.fields.get("execution_id")
        if not execution:
            return []
        detail = f"the steps of execution {execution} (ssm:GetAutomationExecution)"
        return [Read("run", detail, partial(self.reads.automation_run, execution))]

    def explain_whole(self, answers: dict[str, Any]) -> tuple[dict[Item, Explained], list[Found]]:
        run = answers.get("run")
        if run is None:
            return {}, []
        self.rate_controlled = run.rate_controlled
        named = {key for key, _ in self.items}
        explained: dict[Item, Explained] = {(s.name, None): explain_step(s) for s in run.steps if s.name in named}
        found: list[Found] = [
            (s.action or s.status, (s.name, None), explain_step(s))
            for s in run.steps
            if s.name not in named and failed(s.status)
        ]
        return explained, found

    def follow_ups(self) -> list[Read]:
        execution = self.fields.get("execution_id")
        if not execution or not self.rate_controlled:
            return []
        detail = f"the failed child executions of {execution} (ssm:DescribeAutomationExecutions)"
        return [Read("children", detail, partial(self.reads.child_executions, execution))]

    def explain_follow_ups(self, answers: dict[str, Any], explained: dict[Item, Explained]) -> list[Found]:
        children: list[StepOutcome] = answers.get("children", [])
        return [(f"child execution {c.status}", (c.name, None), explain_step(c)) for c in children]

    def next_step(self, key: str, task: str | None) -> str | None:
        execution = self.fields.get("execution_id")
        if not execution:
            return None
        return (
            f"aws ssm describe-automation-step-executions --automation-execution-id {shlex.quote(execution)} "
            f"--filters Key=StepExecutionStatus,Values=Failed --region {self.region}"
        )


class WindowPlan(Plan):
    """A window task's invocations (one per target), then the command each failed one started."""

    console = staticmethod(item_page(WindowTaskTargetInvocationStateChange, None))

    def __init__(self, reads: FailureReads, fields: dict[str, str], region: str, items: list[Item]) -> None:
        super().__init__(reads, fields, region, items)
        self.started: dict[Item, str] = {}  # item -> the command its invocation started

    def _tasks(self) -> list[str]:
        named = sorted({task for _, task in self.items if task})
        return named or [t for t in (self.fields.get("task_execution_id"),) if t and not self.items]

    def whole(self) -> list[Read]:
        window = self.fields.get("window_execution_id")
        if not window:
            return []
        return [
            Read(
                f"task:{task}",
                f"the invocations of task {task} (ssm:DescribeMaintenanceWindowExecutionTaskInvocations)",
                partial(self.reads.window_invocations, window, task),
            )
            for task in self._tasks()
        ]

    def explain_whole(self, answers: dict[str, Any]) -> tuple[dict[Item, Explained], list[Found]]:
        named = set(self.items)
        explained: dict[Item, Explained] = {}
        found: list[Found] = []
        for name, invocations in answers.items():
            if not name.startswith("task:"):
                continue
            task = name.removeprefix("task:")
            for invocation in invocations:
                item = (invocation.target or invocation.invocation_id, task)
                if not failed(invocation.status) and (item not in named or item in explained):
                    continue  # a target's invocations: the failed one says why
                details = clean_output(invocation.details or invocation.status, 300, 3)
                said = (signature(details), f"{invocation.status}: {details}")
                if invocation.execution_id and invocation.task_type in (None, "RUN_COMMAND"):
                    self.started[item] = invocation.execution_id
                if item in named:
                    explained[item] = said
                else:
                    found.append((invocation.status, item, said))
        return explained, found

    def follow_ups(self) -> list[Read]:
        commands = list(dict.fromkeys(self.started.values()))[:FOLLOW_UPS_MAX]
        return [
            Read(
                f"command:{command}",
                f"the command {command} a window task started (ssm:ListCommandInvocations)",
                partial(self.reads.command_invocations, command),
            )
            for command in commands
        ]

    def explain_follow_ups(self, answers: dict[str, Any], explained: dict[Item, Explained]) -> list[Found]:
        for item, command in self.started.items():
            invocations: list[InvocationOutcome] = answers.get(f"command:{command}", [])
            failing = [i for i in invocations if failed(i.status)]
            if item in explained and failing:
                said, output = explain_plugins(failing[0].plugins)
                more = f" (and {len(failing) - 1} more instances)" if len(failing) > 1 else ""
                head = explained[item][1]
                explained[item] = (said, f"{head}\ncommand {command} on {failing[0].instance_id}{more}:\n{output}")
        return []

    def next_step(self, key: str, task: str | None) -> str | None:
        command = self.started.get((key, task))
        if command:
            quoted = shlex.quote(command)
            return f"aws ssm list-command-invocations --command-id {quoted} --details --region {self.region}"
        window = self.fields.get("window_execution_id")
        if not window or not task:
            return None
        return (
            f"aws ssm describe-maintenance-window-execution-task-invocations --window-execution-id "
            f"{shlex.quote(window)} --task-id {shlex.quote(task)} --region {self.region}"
        )
