"""What to read for each kind of failure, and what the answers say of each item: one plan per kind.

A plan reads in up to two rounds (notifier.failures.reasons runs them within the budget):
1. reads that answer for the whole operation (an Automation execution's steps, a window task's
   invocations, a command's invocations) and one read per sampled item (a command's plugins on one
   instance, an instance's association status, an image);
2. follow-ups that need the first round's answers (operation_plans: the command a window task started, the child
   executions of a rate-controlled Automation run).
A read may also find failed items the events did not name (a failed command or execution whose
items' events went elsewhere): they are `found`, with the reason the read gave.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from functools import partial
from typing import Any

from notifier.core.links import console_url
from notifier.core.models import AmiStateChange, CommandInvocationStatusChange, InstanceAssociationStateChange, SsmEvent
from notifier.core.severity import failed
from notifier.failures.budget import Read
from notifier.failures.output import clean_output, signature
from notifier.failures.reads import (
    AccessRequestFacts,
    FailureReads,
    ImageFacts,
    InvocationOutcome,
    PluginOutcome,
    StepOutcome,
)
from ssm_event_notifier.contract.catalog import EVENT_TYPES

Item = tuple[str, str | None]  # (item key, task execution id)
Explained = tuple[str, str]  # (signature: what items are grouped by, output: what the message quotes)
Found = tuple[str, Item, Explained]  # (reason, item, explanation) of a failed item no event named
FOLLOW_UPS_MAX = 3  # commands started by window tasks read per message


def explain_plugins(plugins: list[PluginOutcome]) -> Explained:
    """The failed plugins of a command on one instance: their status details, exit code and output."""
    failing = [p for p in plugins if p.status.lower() not in ("success", "skipped")] or plugins
    parts, outputs = [], []
    for plugin in failing:
        said = ", ".join(
            x for x in (plugin.details, f"exit code {plugin.response_code}" if plugin.response_code else None) if x
        )
        parts.append(f"{plugin.plugin} {plugin.status}" + (f" ({said})" if said else ""))
        outputs.append(clean_output(plugin.output))
    output = "\n".join(o for o in outputs if o)
    return signature(output) or "; ".join(parts), "\n".join(parts + ([output] if output else []))


def explain_step(step: StepOutcome) -> Explained:
    action = f" ({step.action})" if step.action else ""
    failure = clean_output(step.failure or step.status, lines=5)
    return signature(failure) or step.status, f"{step.name}{action} {step.status}: {failure}"


def item_page(
    model: type[SsmEvent] | str | None, item_field: str | None
) -> Callable[[dict[str, str], str], str | None]:
    """The console page of one item: the catalog's page for the detail-type that reports it (parsed as `model`,
    a class or its name)."""
    name = model if isinstance(model, str) or model is None else model.__name__
    path = next((e.console_path for e in EVENT_TYPES if name and e.model == name), None)

    def page(fields: dict[str, str], key: str) -> str | None:
        return console_url(path, {**fields, **({item_field: key} if item_field else {})}) if path else None

    return page


class Plan:
    """The default: nothing to read (a kind this module has no read for)."""

    console = staticmethod(item_page(None, None))

    def __init__(self, reads: FailureReads, fields: dict[str, str], region: str, items: list[Item]) -> None:
        self.reads, self.fields, self.items = reads, {**fields, "region": region}, items
        self.region = shlex.quote(region)
        self.names: dict[str, str] = {}  # what the reads call an item (an image's name)
        self.seen: int | None = None  # how many items the whole-operation reads listed, failed or not

    def whole(self) -> list[Read]:
        return []

    def per_item(self, key: str, task: str | None) -> Callable[[], Any] | None:
        return None

    def explain_item(self, key: str, answer: Any) -> Explained:
        raise NotImplementedError  # only plans with per_item reads are asked

    def explain_whole(self, answers: dict[str, Any]) -> tuple[dict[Item, Explained], list[Found]]:
        """The named items the whole-operation reads explain, and the failed items they found."""
        return {}, []

    def follow_ups(self) -> list[Read]:
        return []

    def explain_follow_ups(self, answers: dict[str, Any], explained: dict[Item, Explained]) -> list[Found]:
        return []

    def next_step(self, key: str, task: str | None) -> str | None:
        """The CLI command that prints an item's full output."""
        return None

    def link(self, key: str) -> str | None:
        """The console page of the failed item."""
        return self.console(self.fields, key)


class CommandPlan(Plan):
    console = staticmethod(item_page(CommandInvocationStatusChange, "instance_id"))

    def whole(self) -> list[Read]:
        command = self.fields.get("command_id")
        if self.items or not command:
            return []
        # The command failed and no instance was named: its invocations say which, and why.
        detail = f"the invocations of command {command} (ssm:ListCommandInvocations)"
        return [Read("invocations", detail, partial(self.reads.command_invocations, command))]

    def per_item(self, key: str, task: str | None) -> Callable[[], Any] | None:
        command = self.fields.get("command_id")
        return partial(self.reads.command_plugins, command, key) if command else None

    def explain_item(self, key: str, answer: Any) -> Explained:
        return explain_plugins(answer)

    def explain_whole(self, answers: dict[str, Any]) -> tuple[dict[Item, Explained], list[Found]]:
        invocations: list[InvocationOutcome] = answers.get("invocations", [])
        if "invocations" in answers:
            self.seen = len(invocations)
        found: list[Found] = [
            (i.status, (i.instance_id, None), explain_plugins(i.plugins)) for i in invocations if failed(i.status)
        ]
        return {}, found

    def next_step(self, key: str, task: str | None) -> str | None:
        command = self.fields.get("command_id")
        if not command:
            return None
        return (
            f"aws ssm get-command-invocation --command-id {shlex.quote(command)} "
            f"--instance-id {shlex.quote(key)} --region {self.region}"
        )


class AssociationPlan(Plan):
    console = staticmethod(item_page(InstanceAssociationStateChange, "instance_id"))

    def per_item(self, key: str, task: str | None) -> Callable[[], Any] | None:
        association = self.fields.get("association_id")
        return partial(self.reads.instance_association, key, association) if association else None

    def explain_item(self, key: str, answer: Any) -> Explained:
        said = ", ".join(
            f"{label} {value}"
            for label, value in (("detailed status", answer.detailed_status), ("error code", answer.error_code))
            if value
        )
        output = said + (f"\noutput: {clean_output(answer.output_url, 300, 1)}" if answer.output_url else "")
        return said or "no status details", output or "no status details"

    def next_step(self, key: str, task: str | None) -> str | None:
        return f"aws ssm describe-instance-associations-status --instance-id {shlex.quote(key)} --region {self.region}"


class ImagePlan(Plan):
    console = staticmethod(item_page(AmiStateChange, "image_id"))

    def per_item(self, key: str, task: str | None) -> Callable[[], Any] | None:
        return partial(self.reads.image, key)

    def explain_item(self, key: str, answer: Any) -> Explained:
        image: ImageFacts = answer
        if image.name:
            self.names[key] = image.name
        reason = clean_output(image.state_reason or "", 300, 3)
        tags = ", ".join(f"{k}={v}" for k, v in sorted(image.tags.items()))
        lines = [reason or "no state reason given", *([f"tags: {clean_output(tags, 500, 1)}"] if tags else [])]
        return signature(reason) or "no state reason given", "\n".join(lines)

    def next_step(self, key: str, task: str | None) -> str | None:
        return f"aws ec2 describe-images --image-ids {shlex.quote(key)} --region {self.region}"


class AccessRequestPlan(Plan):
    """A just-in-time node access request that failed or was rejected: its OpsItem tells where it stands."""

    console = staticmethod(item_page("AccessRequestFailed", "ops_item_id"))

    def per_item(self, key: str, task: str | None) -> Callable[[], Any] | None:
        return partial(self.reads.access_request, key)

    def explain_item(self, key: str, answer: Any) -> Explained:
        request: AccessRequestFacts = answer
        # Its operational data (/aws/accessrequest/...): the reason given, the duration asked, the times.
        data = [
            (name.rsplit("/", 1)[-1] or name, clean_output(value, 300, 2))
            for name, value in sorted(request.data.items())
        ]
        why = [value for name, value in data if any(word in name.lower() for word in _WHY_WORDS)]
        description = clean_output(request.description or "", 300, 2)
        lines = [f"request {request.status}", *([description] if description else []), *(f"{n}: {v}" for n, v in data)]
        return signature(why[0] if why else description) or f"request {request.status}", "\n".join(lines)

    def next_step(self, key: str, task: str | None) -> str | None:
        return f"aws ssm get-ops-item --ops-item-id {shlex.quote(key)} --region {self.region}"


# The operational data that says why a request ended as it did, by its key's last part.
_WHY_WORDS = ("fail", "error", "reason", "denied", "reject")
