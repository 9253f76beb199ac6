"""The reads that say why something failed, and what instances are called: SSM and EC2, one call each.

Each method is one API call (the budget counts calls) and returns plain data; errors are the SDK's
own (the budget turns them into an "unavailable" line). Answers are read defensively: a field AWS
leaves out is None, never a KeyError.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config


@dataclass(frozen=True)
class PluginOutcome:
    """One plugin (step) of a command on one instance."""

    plugin: str
    status: str
    details: str | None  # StatusDetails
    response_code: int | None
    output: str  # the plugin's output as ListCommandInvocations gives it (its first 2,500 characters)


@dataclass(frozen=True)
class StepOutcome:
    """One step of an Automation execution, or a child execution of a rate-controlled run."""

    name: str
    action: str | None
    status: str
    failure: str | None  # FailureMessage, else FailureDetails' type and stage


@dataclass(frozen=True)
class AutomationRun:
    """An Automation execution's steps; a rate-controlled run (one child execution per target) has none."""

    steps: list[StepOutcome]
    rate_controlled: bool
    status: str = "-"  # AutomationExecutionStatus
    failure: str | None = None  # the execution's own FailureMessage (a failure no step explains)


@dataclass(frozen=True)
class InvocationOutcome:
    """A command on one instance, with its plugins."""

    instance_id: str
    status: str
    plugins: list[PluginOutcome]


@dataclass(frozen=True)
class AssociationOutcome:
    detailed_status: str | None
    error_code: str | None
    output_url: str | None


@dataclass(frozen=True)
class WindowInvocation:
    """One invocation of a maintenance window task (a target)."""

    invocation_id: str
    target: str | None  # WindowTargetId
    status: str
    details: str | None
    execution_id: str | None  # the command id, Automation execution id, ... the task started
    task_type: str | None  # RUN_COMMAND, AUTOMATION, STEP_FUNCTIONS, LAMBDA


@dataclass(frozen=True)
class WindowTask:
    """One task execution of a maintenance window run."""

    task_id: str  # TaskExecutionId
    status: str
    details: str | None


@dataclass(frozen=True)
class AccessRequestFacts:
    """A just-in-time node access request: its OpsItem's status, description and operational data."""

    status: str
    description: str | None
    data: dict[str, str]  # OperationalData: key -> value


@dataclass(frozen=True)
class ImageFacts:
    name: str | None
    tags: dict[str, str]
    state_reason: str | None


def _tags(entries: Any) -> dict[str, str]:
    return {str(t.get("Key")): str(t.get("Value", "")) for t in entries or [] if isinstance(t, dict) and t.get("Key")}


class FailureReads:
    def __init__(self, ssm: Any, ec2: Any) -> None:
        self.ssm = ssm
        self.ec2 = ec2

    @classmethod
    def create(cls, seconds: float) -> FailureReads:
        """Clients for a message's reads: a read is worth nothing after the message's time is up."""
        config = Config(
            connect_timeout=min(1.0, seconds), read_timeout=seconds, retries={"max_attempts": 2, "mode": "standard"}
        )
        return cls(boto3.client("ssm", config=config), boto3.client("ec2", config=config))

    def command_plugins(self, command_id: str, instance_id: str) -> list[PluginOutcome]:
        """The plugins of a command on one instance."""
        response = self.ssm.list_command_invocations(CommandId=command_id, InstanceId=instance_id, Details=True)
        return [p for invocation in _invocations(response) for p in invocation.plugins]

    def command_invocations(self, command_id: str) -> list[InvocationOutcome]:
        """A command's first 50 invocations (one per instance), with their plugins."""
        response = self.ssm.list_command_invocations(CommandId=command_id, Details=True, MaxResults=50)
        return _invocations(response)

    def automation_run(self, execution_id: str) -> AutomationRun:
        execution = self.ssm.get_automation_execution(AutomationExecutionId=execution_id)["AutomationExecution"]
        steps = [
            StepOutcome(
                name=str(step.get("StepName") or "-"),
                action=step.get("Action"),
                status=str(step.get("StepStatus") or "-"),
                failure=_failure_of(step),
            )
            for step in execution.get("StepExecutions", [])
        ]
        rate_controlled = bool(execution.get("TargetParameterName") or execution.get("Targets"))
        status = str(execution.get("AutomationExecutionStatus") or "-")
        return AutomationRun(steps, rate_controlled, status, execution.get("FailureMessage"))

    def child_executions(self, execution_id: str) -> list[StepOutcome]:
        """The failed child executions of a rate-controlled run (one per target), named by their target."""
        response = self.ssm.describe_automation_executions(
            Filters=[
                {"Key": "ParentExecutionId", "Values": [execution_id]},
                {"Key": "ExecutionStatus", "Values": ["Failed", "TimedOut", "Cancelled"]},
            ],
            MaxResults=50,
        )
        return [
            StepOutcome(
                name=str(child.get("Target") or child.get("AutomationExecutionId") or "-"),
                action=child.get("DocumentName"),
                status=str(child.get("AutomationExecutionStatus") or "-"),
                failure=child.get("FailureMessage"),
            )
            for child in response.get("AutomationExecutionMetadataList", [])
        ]

    def instance_association(self, instance_id: str, association_id: str) -> AssociationOutcome | None:
        response = self.ssm.describe_instance_associations_status(InstanceId=instance_id)
        for info in response.get("InstanceAssociationStatusInfos", []):
            if info.get("AssociationId") == association_id:
                url = ((info.get("OutputUrl") or {}).get("S3OutputUrl") or {}).get("OutputUrl")
                return AssociationOutcome(info.get("DetailedStatus"), info.get("ErrorCode"), url)
        return None

    def window_invocations(self, window_execution_id: str, task_execution_id: str) -> list[WindowInvocation]:
        response = self.ssm.describe_maintenance_window_execution_task_invocations(
            WindowExecutionId=window_execution_id, TaskId=task_execution_id, MaxResults=100
        )
        return [
            WindowInvocation(
                invocation_id=str(item.get("InvocationId") or "-"),
                target=item.get("WindowTargetId"),
                status=str(item.get("Status") or "-"),
                details=item.get("StatusDetails"),
                execution_id=item.get("ExecutionId"),
                task_type=item.get("TaskType"),
            )
            for item in response.get("WindowExecutionTaskInvocationIdentities", [])
        ]

    def window_tasks(self, window_execution_id: str) -> list[WindowTask]:
        """The task executions of a maintenance window run."""
        response = self.ssm.describe_maintenance_window_execution_tasks(WindowExecutionId=window_execution_id)
        return [
            WindowTask(
                str(task.get("TaskExecutionId") or "-"), str(task.get("Status") or "-"), task.get("StatusDetails")
            )
            for task in response.get("WindowExecutionTaskIdentities") or []
        ]

    def access_request(self, ops_item_id: str) -> AccessRequestFacts | None:
        """A just-in-time access request, as its OpsItem (type /aws/accessrequest) holds it."""
        item = self.ssm.get_ops_item(OpsItemId=ops_item_id).get("OpsItem")
        if not item:
            return None
        data = {
            str(key): str(value.get("Value") if isinstance(value, dict) else value)
            for key, value in (item.get("OperationalData") or {}).items()
        }
        return AccessRequestFacts(str(item.get("Status") or "-"), item.get("Description"), data)

    def image(self, image_id: str) -> ImageFacts | None:
        images = self.ec2.describe_images(ImageIds=[image_id]).get("Images", [])
        if not images:
            return None
        image = images[0]
        reason = (image.get("StateReason") or {}).get("Message")
        return ImageFacts(image.get("Name"), _tags(image.get("Tags")), reason)

    def instance_names(self, instance_ids: list[str]) -> dict[str, str]:
        """Name tags of EC2 instances (a filter, so that an unknown or non-EC2 id fails nothing)."""
        response = self.ec2.describe_instances(Filters=[{"Name": "instance-id", "Values": instance_ids}])
        names = {}
        for reservation in response.get("Reservations", []):
            for instance in reservation.get("Instances", []):
                name = _tags(instance.get("Tags")).get("Name")
                if name and instance.get("InstanceId"):
                    names[instance["InstanceId"]] = name
        return names

    def computer_names(self, instance_ids: list[str]) -> dict[str, str]:
        """Computer names of managed nodes (hybrid ones have no EC2 tags)."""
        response = self.ssm.describe_instance_information(Filters=[{"Key": "InstanceIds", "Values": instance_ids}])
        return {
            info["InstanceId"]: info["ComputerName"]
            for info in response.get("InstanceInformationList", [])
            if info.get("InstanceId") and info.get("ComputerName")
        }


def _invocations(response: dict[str, Any]) -> list[InvocationOutcome]:
    outcomes = []
    for invocation in response.get("CommandInvocations", []):
        plugins = []
        for plugin in invocation.get("CommandPlugins", []):
            code = plugin.get("ResponseCode")
            plugins.append(
                PluginOutcome(
                    plugin=str(plugin.get("Name") or "-"),
                    status=str(plugin.get("Status") or "-"),
                    details=plugin.get("StatusDetails"),
                    response_code=code if isinstance(code, int) else None,
                    output=str(plugin.get("Output") or ""),
                )
            )
        instance = str(invocation.get("InstanceId") or "-")
        outcomes.append(InvocationOutcome(instance, str(invocation.get("Status") or "-"), plugins))
    return outcomes


def _failure_of(step: dict[str, Any]) -> str | None:
    if step.get("FailureMessage"):
        return str(step["FailureMessage"])
    details = step.get("FailureDetails") or {}
    said = [str(details[k]) for k in ("FailureType", "FailureStage") if details.get(k)]
    return ", ".join(said) or None
