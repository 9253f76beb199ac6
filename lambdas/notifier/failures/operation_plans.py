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
from notifier.failures.reads import FailureReads, InvocationOutcome, StepOutcome, WindowTask


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
        self.rate_controlled, self.seen = run.rate_controlled, len(run.steps)
        named = {key for key, _ in self.items}
        explained: dict[Item, Explained] = {(s.name, None): explain_step(s) for s in run.steps if s.name in named}
        found: list[Found] = [
            (s.action or s.status, (s.name, None), explain_step(s))
            for s in run.steps
            if s.name not in named and failed(s.status)
        ]
        if run.failure and not explained and not found:
            # The execution failed, timed out or was cancelled with no step failing: its own message says why.
            said = explain_step(StepOutcome(self.fields["execution_id"], None, run.status, run.failure))
            found.append((f"execution {run.status}", (self.fields["execution_id"], None), said))
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
        self.failed_tasks: list[WindowTask] = []  # read when no target nor task was heard

    def _tasks(self) -> list[str]:
        named = sorted({task for _, task in self.items if task})
        return named or [t for t in (self.fields.get("task_execution_id"),) if t and not self.items]

    def _invocation_reads(self, window: str, tasks: list[str]) -> list[Read]:
        return [
            Read(
                f"task:{task}",
                f"the invocations of task {task} (ssm:DescribeMaintenanceWindowExecutionTaskInvocations)",
                partial(self.reads.window_invocations, window, task),
            )
            for task in tasks
        ]

    def whole(self) -> list[Read]:
        window = self.fields.get("window_execution_id")
        if not window:
            return []
        if tasks := self._tasks():
            return self._invocation_reads(window, tasks)
        # The run failed and none of its targets or tasks was heard: its tasks say which failed.
        detail = f"the tasks of window run {window} (ssm:DescribeMaintenanceWindowExecutionTasks)"
        return [Read("tasks", detail, partial(self.reads.window_tasks, window))]

    def explain_whole(self, answers: dict[str, Any]) -> tuple[dict[Item, Explained], list[Found]]:
        tasks: list[WindowTask] = answers.get("tasks", [])
        self.failed_tasks = [t for t in tasks if failed(t.status)]
        return self._invocations(answers)

    def _invocations(self, answers: dict[str, Any]) -> tuple[dict[Item, Explained], list[Found]]:
        """The targets the invocations answered explain (the named ones), and the failed ones they found."""
        named = set(self.items)
        explained: dict[Item, Explained] = {}
        found: list[Found] = []
        for name, invocations in answers.items():
            if not name.startswith("task:"):
                continue
            task = name.removeprefix("task:")
            self.seen = (self.seen or 0) + len(invocations)
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
        window = self.fields.get("window_execution_id")
        if self.failed_tasks and window:  # the invocations of the failed tasks the first round found
            return self._invocation_reads(window, [t.task_id for t in self.failed_tasks[:FOLLOW_UPS_MAX]])
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
        if self.failed_tasks:
            _, found = self._invocations(answers)
            # A failed task none of whose invocations was read failed: its own status details say why.
            shown = {task for _, (_, task), _ in found}
            for task in self.failed_tasks:
                if task.task_id not in shown:
                    details = clean_output(task.details or task.status, 300, 3)
                    own = (signature(details), f"task {task.status}: {details}")
                    found.append((f"task {task.status}", (task.task_id, task.task_id), own))
            return found
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
