"""What to read for a failure message, and the report it gives (`explain_failures`).

The failed items come grouped by the reason their events gave (fleet.summaries.ReasonGroup: a
status, an error code, a step's action). A bounded sample of each group is read, round-robin over
the groups so that every reason gets read before any gets a second read; the items read are then
grouped again by what the reads said (the output's error line, a step's failure message), and the
rest of each group is counted, not read. The instances the message names get their Name tag (or
computer name) in the same parallel round.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from itertools import zip_longest
from typing import Any

from notifier.failures.budget import Read, ReadBudget, Unavailable
from notifier.failures.output import clean_output, signature
from notifier.failures.reads import FailureReads, PluginOutcome, StepOutcome

NAMED_MAX = 100  # instances named per message (fleet.digest_messages.LISTED)
NAME_FILTER_MAX = 100  # ids per DescribeInstances filter


@dataclass(frozen=True)
class ReasonEntry:
    """Items of one reason: as their events said it (`reason`) and, when read, as AWS tells it (`output`)."""

    reason: str
    items: list[str]
    output: str = ""  # clean text: the output's tail, the failure message; "" when not read
    read: int = 0  # how many of the items were read (the others are counted with it, not read)

    @property
    def count(self) -> int:
        return len(self.items)


@dataclass(frozen=True)
class FailureReport:
    reasons: list[ReasonEntry]
    unavailable: list[Unavailable]
    names: dict[str, str] = field(default_factory=dict)  # instance id -> Name tag or computer name
    next_steps: list[str] = field(default_factory=list)  # CLI commands that print the full output
    calls: int = 0


@dataclass(frozen=True)
class Failed:
    """What the caller knows of the failure: the operation's kind and fields, the items by event reason."""

    kind: str  # catalog.OPERATIONS name, or "image" for an AMI
    fields: dict[str, str]
    region: str
    groups: list[tuple[str, list[tuple[str, str | None]]]]  # (reason, [(item key, task execution id)])


Explained = tuple[str, str]  # (signature, output) of one item


def _plugins(plugins: list[PluginOutcome]) -> Explained:
    failed = [p for p in plugins if p.status.lower() not in ("success", "skipped")] or plugins
    parts, outputs = [], []
    for plugin in failed:
        said = ", ".join(
            x for x in (plugin.details, f"exit code {plugin.response_code}" if plugin.response_code else None) if x
        )
        parts.append(f"{plugin.plugin} {plugin.status}" + (f" ({said})" if said else ""))
        outputs.append(clean_output(plugin.output))
    output = "\n".join(o for o in outputs if o)
    return signature(output) or "; ".join(parts), "\n".join(parts + ([output] if output else []))


def _step(step: StepOutcome) -> Explained:
    action = f" ({step.action})" if step.action else ""
    failure = clean_output(step.failure or step.status, lines=5)
    return signature(failure) or step.status, f"{step.name}{action} {step.status}: {failure}"


class _Plan:
    """The reads of one kind of failure: one per item, or one for all items of the operation."""

    def __init__(self, reads: FailureReads, failed: Failed) -> None:
        self.reads, self.failed, self.fields = reads, failed, failed.fields

    def per_item(self, key: str, task: str | None) -> Callable[[], Any] | None:
        kind, fields = self.failed.kind, self.fields
        if kind == "command" and fields.get("command_id"):
            return lambda: self.reads.command_plugins(fields["command_id"], key)
        if kind == "association" and fields.get("association_id"):
            return lambda: self.reads.instance_association(key, fields["association_id"])
        return None

    def explain_item(self, answer: Any) -> Explained:
        if self.failed.kind == "command":
            return _plugins(answer)
        said = ", ".join(
            f"{label} {value}"
            for label, value in (("detailed status", answer.detailed_status), ("error code", answer.error_code))
            if value
        )
        output = said + (f"\noutput: {clean_output(answer.output_url, 300, 1)}" if answer.output_url else "")
        return said or "no status details", output or "no status details"

    def next_step(self, key: str, task: str | None) -> str | None:
        fields, region = self.fields, shlex.quote(self.failed.region)
        quote = shlex.quote
        if self.failed.kind == "command" and fields.get("command_id"):
            return (
                f"aws ssm get-command-invocation --command-id {quote(fields['command_id'])} "
                f"--instance-id {quote(key)} --region {region}"
            )
        if self.failed.kind == "association":
            return f"aws ssm describe-instance-associations-status --instance-id {quote(key)} --region {region}"
        if self.failed.kind == "automation" and fields.get("execution_id"):
            return (
                f"aws ssm describe-automation-step-executions --automation-execution-id "
                f"{quote(fields['execution_id'])} --filters Key=StepExecutionStatus,Values=Failed --region {region}"
            )
        if self.failed.kind == "window-execution" and fields.get("window_execution_id") and task:
            return (
                f"aws ssm describe-maintenance-window-execution-task-invocations --window-execution-id "
                f"{quote(fields['window_execution_id'])} --task-id {quote(task)} --region {region}"
            )
        return None


def _sample(groups: list[tuple[str, list[tuple[str, str | None]]]], limit: int) -> list[tuple[str, str | None]]:
    """Round-robin over the groups: every reason read once before any twice."""
    order = [item for row in zip_longest(*(items for _, items in groups)) for item in row if item is not None]
    return order[:limit]


def _instances(failed: Failed) -> list[str]:
    keys = [key for _, items in failed.groups for key, _ in items]
    return [k for k in keys if k.startswith(("i-", "mi-"))][:NAMED_MAX]


def _name_reads(reads: FailureReads, ids: list[str], calls: int) -> list[Read]:
    planned = []
    ec2 = [i for i in ids if i.startswith("i-")]
    for start in range(0, len(ec2), NAME_FILTER_MAX):
        chunk = ec2[start : start + NAME_FILTER_MAX]
        planned.append(
            Read(f"names:{start}", "instance Name tags (ec2:DescribeInstances)", partial(reads.instance_names, chunk))
        )
    managed = [i for i in ids if i.startswith("mi-")][:50]
    if managed:
        planned.append(
            Read(
                "names:managed",
                "computer names (ssm:DescribeInstanceInformation)",
                lambda: reads.computer_names(managed),
            )
        )
    return planned[:calls]


def _whole_operation(reads: FailureReads, failed: Failed) -> list[Read]:
    """Reads that answer for every item at once: an Automation execution's steps, a window task's invocations."""
    fields = failed.fields
    if failed.kind == "automation" and fields.get("execution_id"):
        execution = fields["execution_id"]
        return [
            Read(
                "steps",
                f"the steps of execution {execution} (ssm:GetAutomationExecution)",
                lambda: reads.automation_steps(execution),
            ),
        ]
    if failed.kind == "window-execution" and fields.get("window_execution_id"):
        tasks = sorted({task for _, items in failed.groups for _, task in items if task})
        window = fields["window_execution_id"]
        return [
            Read(
                f"task:{task}",
                f"the invocations of task {task} (ssm:DescribeMaintenanceWindowExecutionTaskInvocations)",
                partial(reads.window_invocations, window, task),
            )
            for task in tasks
        ]
    return []


def _whole_answers(failed: Failed, answers: dict[str, Any]) -> dict[tuple[str, str | None], Explained]:
    """Each item's explanation from the whole-operation reads."""
    explained: dict[tuple[str, str | None], Explained] = {}
    if failed.kind == "automation" and "steps" in answers:
        by_name = {step.name: step for step in answers["steps"]}
        for _, items in failed.groups:
            for key, task in items:
                if key in by_name:
                    explained[(key, task)] = _step(by_name[key])
    for name, invocations in answers.items():
        if not name.startswith("task:"):
            continue
        task = name.removeprefix("task:")
        by_target = {i.target: i for i in invocations if i.target}
        for _, items in failed.groups:
            for key, item_task in items:
                invocation = by_target.get(key)
                if item_task == task and invocation:
                    details = clean_output(invocation.details or invocation.status, 300, 3)
                    execution = f"\nstarted {invocation.execution_id}" if invocation.execution_id else ""
                    explained[(key, task)] = (signature(details), f"{invocation.status}: {details}{execution}")
    return explained


def explain_failures(reads: FailureReads, failed: Failed, budget: ReadBudget) -> FailureReport:
    """Read why the failed items failed, within `budget`; whatever could not be read says why."""
    plan = _Plan(reads, failed)
    instances = _instances(failed)
    whole = _whole_operation(reads, failed)
    names = _name_reads(reads, instances, max(budget.calls - len(whole) - 1, 0))  # leave one for a reason
    per_item_calls = max(budget.calls - len(whole) - len(names), 0)
    sampled = [
        (key, task, call) for key, task in _sample(failed.groups, per_item_calls) if (call := plan.per_item(key, task))
    ]
    per_item = [Read(f"item:{i}", f"why {key} failed", call) for i, (key, _task, call) in enumerate(sampled)]
    answers = budget.run(whole + names + per_item)
    explained = _whole_answers(failed, answers)
    for i, (key, task, _call) in enumerate(sampled):
        if f"item:{i}" in answers:
            explained[(key, task)] = plan.explain_item(answers[f"item:{i}"])
    found: dict[str, str] = {}
    for name, answer in answers.items():
        if name.startswith("names:"):
            found.update(answer)
    reasons: list[ReasonEntry] = []
    next_steps: list[str] = []
    for reason, items in failed.groups:
        by_signature: dict[str, list[str]] = {}
        outputs: dict[str, str] = {}
        unread: list[str] = []
        for key, task in items:
            if (key, task) in explained:
                said, output = explained[(key, task)]
                by_signature.setdefault(said, []).append(key)
                outputs.setdefault(said, output)
                step = plan.next_step(key, task)
                if step and step not in next_steps and len(next_steps) < 3:
                    next_steps.append(step)
            else:
                unread.append(key)
        for said, keys in sorted(by_signature.items(), key=lambda pair: -len(pair[1])):
            reasons.append(ReasonEntry(reason, keys, outputs[said], len(keys)))
        if unread:
            reasons.append(ReasonEntry(reason, unread))
    return FailureReport(reasons, list(budget.unavailable), found, next_steps, budget.made)
