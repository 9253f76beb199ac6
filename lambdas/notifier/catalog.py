"""The event catalog: every Systems Manager and EC2 AMI event this project notifies.

Pure data, standard library only: the CDK app imports it to build the rules and
functions, the Lambda code imports it to render. Adding a detail-type means an
entry here, a model in ``models.py``, a sample in ``events/`` and a test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class EventType:
    """One EventBridge detail-type and how to present it."""

    family: str
    detail_type: str
    title: str
    # str.format template over the model's fields (see models.SsmEvent.template_fields).
    subject: str
    # (label, field) pairs shown in the text body, in order; missing fields are skipped.
    key_fields: tuple[tuple[str, str], ...]
    # Console path after the host, str.format over the same fields; None when no page exists.
    console_path: str | None
    # Storm control (see notifier/operations.py): the fleet-wide operation this event belongs to
    # ("command" or "window-execution"), and its role in it: "parent" (the operation's own status,
    # notified as usual and recorded), "instance" (one per instance: recorded, then one digest) or
    # "task" (a step of a window run: recorded, its status shown in the run's digest).
    operation: str | None = None
    role: str | None = None


@dataclass(frozen=True)
class Family:
    name: str
    title: str
    # The EventBridge pattern for `source`, used verbatim by the rule.
    source_pattern: tuple[Any, ...]
    # The Lambda function that handles the family (see FUNCTIONS).
    function: str


FAMILIES: tuple[Family, ...] = (
    Family("calendar", "Change Calendar", ("aws.ssm",), "calendar"),
    Family("ami", "EC2 AMI", ("aws.ec2",), "ami"),
    Family("run-command", "Run Command", ("aws.ssm",), "run-command"),
    Family("maintenance-window", "Maintenance Windows", ("aws.ssm",), "maintenance-window"),
    Family("automation", "Automation", ("aws.ssm",), "systems-manager"),
    Family("state-manager", "State Manager", ("aws.ssm",), "systems-manager"),
    Family("parameter-store", "Parameter Store", ("aws.ssm",), "systems-manager"),
    Family("ops-center", "OpsCenter", ("aws.ssm",), "systems-manager"),
    Family("change-manager", "Change Manager", ("aws.ssm",), "systems-manager"),
    # AWS's own Patch compliance sample carries "source": "aws.123456789012". Only AWS
    # can emit a source that starts with "aws." (PutEvents refuses it), so the prefix
    # admits that variant without admitting anybody's custom events.
    Family("compliance", "Compliance", ({"prefix": "aws."},), "systems-manager"),
)

# Function name -> handler, "module.attribute" inside lambdas/.
FUNCTIONS: dict[str, str] = {
    "calendar": "handlers.calendar.handler",
    "ami": "handlers.ami.handler",
    "run-command": "handlers.run_command.handler",
    "maintenance-window": "handlers.maintenance_window.handler",
    "systems-manager": "handlers.systems_manager.handler",
}

_SSM = "systems-manager"

EVENT_TYPES: tuple[EventType, ...] = (
    EventType(
        "calendar",
        "Calendar State Change",
        "Change Calendar state change",
        "Change Calendar {calendar_name} is now {status}",
        (
            ("Calendar", "calendar_name"),
            ("State", "status"),
            ("At", "at_time"),
            ("Next transition", "next_transition_time"),
            ("Calendar event", "event"),
        ),
        f"{_SSM}/change-calendar?region={{region}}",
    ),
    EventType(
        "ami",
        "EC2 AMI State Change",
        "EC2 AMI state change",
        "AMI {image_id} is {status}",
        (("Image", "image_id"), ("State", "status"), ("Error", "error_message"), ("Request", "request_id")),
        "ec2/home?region={region}#ImageDetails:imageId={image_id}",
    ),
    EventType(
        "run-command",
        "EC2 Command Status-change Notification",
        "Run Command status change",
        "Run Command {document_name} {status}",
        (
            ("Command", "command_id"),
            ("Document", "document_name"),
            ("Status", "status"),
            ("Requested", "requested_date_time"),
            ("Expires", "expire_after"),
            ("Parameters", "parameters"),
        ),
        f"{_SSM}/run-command/{{command_id}}?region={{region}}",
        operation="command",
        role="parent",
    ),
    EventType(
        "run-command",
        "EC2 Command Invocation Status-change Notification",
        "Run Command invocation status change",
        "Run Command {document_name} {status} on {instance_id}",
        (
            ("Command", "command_id"),
            ("Instance", "instance_id"),
            ("Document", "document_name"),
            ("Status", "status"),
            ("Requested", "requested_date_time"),
        ),
        f"{_SSM}/run-command/{{command_id}}/{{instance_id}}?region={{region}}",
        operation="command",
        role="instance",
    ),
    EventType(
        "maintenance-window",
        "Maintenance Window Target Registration Notification",
        "Maintenance Window target registration",
        "Maintenance Window {window_id} target {window_target_id} {status}",
        (("Window", "window_id"), ("Target", "window_target_id"), ("Status", "status")),
        f"{_SSM}/maintenance-windows/{{window_id}}?region={{region}}",
    ),
    EventType(
        "maintenance-window",
        "Maintenance Window Execution State-change Notification",
        "Maintenance Window execution state change",
        "Maintenance Window {window_id} execution {status}",
        (
            ("Window", "window_id"),
            ("Execution", "window_execution_id"),
            ("Status", "status"),
            ("Started", "start_time"),
            ("Ended", "end_time"),
        ),
        f"{_SSM}/maintenance-windows/{{window_id}}?region={{region}}",
        operation="window-execution",
        role="parent",
    ),
    EventType(
        "maintenance-window",
        "Maintenance Window Task Execution State-change Notification",
        "Maintenance Window task execution state change",
        "Maintenance Window {window_id} task {task_execution_id} {status}",
        (
            ("Window", "window_id"),
            ("Execution", "window_execution_id"),
            ("Task execution", "task_execution_id"),
            ("Status", "status"),
            ("Started", "start_time"),
            ("Ended", "end_time"),
        ),
        f"{_SSM}/maintenance-windows/{{window_id}}?region={{region}}",
        operation="window-execution",
        role="task",
    ),
    EventType(
        "maintenance-window",
        "Maintenance Window Task Target Invocation State-change Notification",
        "Maintenance Window task target invocation state change",
        "Maintenance Window {window_id} target {window_target_id} {status}",
        (
            ("Window", "window_id"),
            ("Execution", "window_execution_id"),
            ("Task execution", "task_execution_id"),
            ("Target", "window_target_id"),
            ("Owner information", "owner_information"),
            ("Status", "status"),
            ("Started", "start_time"),
            ("Ended", "end_time"),
        ),
        f"{_SSM}/maintenance-windows/{{window_id}}?region={{region}}",
        operation="window-execution",
        role="instance",
    ),
    EventType(
        "maintenance-window",
        "Maintenance Window State-change Notification",
        "Maintenance Window state change",
        "Maintenance Window {window_id} {status}",
        (("Window", "window_id"), ("Status", "status")),
        f"{_SSM}/maintenance-windows/{{window_id}}?region={{region}}",
    ),
    EventType(
        "automation",
        "EC2 Automation Step Status-change Notification",
        "Automation step status change",
        "Automation {definition} step {step_name} {status}",
        (
            ("Execution", "execution_id"),
            ("Runbook", "definition"),
            ("Step", "step_name"),
            ("Action", "action"),
            ("Status", "status"),
            ("Started", "start_time"),
            ("Ended", "end_time"),
        ),
        f"{_SSM}/automation/execution/{{execution_id}}?region={{region}}",
    ),
    EventType(
        "automation",
        "EC2 Automation Execution Status-change Notification",
        "Automation execution status change",
        "Automation {definition} {status}",
        (
            ("Execution", "execution_id"),
            ("Runbook", "definition"),
            ("Status", "status"),
            ("Executed by", "executed_by"),
            ("Started", "start_time"),
            ("Ended", "end_time"),
        ),
        f"{_SSM}/automation/execution/{{execution_id}}?region={{region}}",
    ),
    EventType(
        "state-manager",
        "EC2 State Manager Association State Change",
        "State Manager association state change",
        "Association {document_name} {status}",
        (
            ("Association", "association_id"),
            ("Document", "document_name"),
            ("Status", "status"),
            ("Schedule", "schedule_expression"),
            ("Last execution", "last_execution_date"),
            ("Counts", "association_status_aggregated_count"),
        ),
        f"{_SSM}/state-manager/{{association_id}}/description?region={{region}}",
    ),
    EventType(
        "state-manager",
        "EC2 State Manager Instance Association State Change",
        "State Manager instance association state change",
        "Association {document_name} {status} on {instance_id}",
        (
            ("Association", "association_id"),
            ("Instance", "instance_id"),
            ("Document", "document_name"),
            ("Status", "status"),
            ("Detailed status", "detailed_status"),
            ("Error code", "error_code"),
            ("Summary", "execution_summary"),
        ),
        f"{_SSM}/state-manager/{{association_id}}/description?region={{region}}",
    ),
    EventType(
        "parameter-store",
        "Parameter Store Change",
        "Parameter Store change",
        "Parameter {name} {status}",
        (("Parameter", "name"), ("Operation", "status"), ("Type", "type"), ("Description", "description")),
        f"{_SSM}/parameters/{{name}}/description?region={{region}}",
    ),
    EventType(
        "ops-center",
        "OpsItem Create",
        "OpsItem created",
        "OpsItem {ops_item_id} created ({status}): {title}",
        (
            ("OpsItem", "ops_item_id"),
            ("Title", "title"),
            ("Status", "status"),
            ("Type", "ops_item_type"),
            ("Created by", "created_by"),
            ("Description", "description"),
        ),
        f"{_SSM}/opsitems/{{ops_item_id}}?region={{region}}",
    ),
    EventType(
        "ops-center",
        "OpsItem Update",
        "OpsItem updated",
        "OpsItem {ops_item_id} updated ({status}): {title}",
        (
            ("OpsItem", "ops_item_id"),
            ("Title", "title"),
            ("Status", "status"),
            ("Type", "ops_item_type"),
            ("Modified by", "modified_by"),
            ("Description", "description"),
        ),
        f"{_SSM}/opsitems/{{ops_item_id}}?region={{region}}",
    ),
    EventType(
        "change-manager",
        "Change Request Status Update",
        "Change request status update",
        "Change request {change_request_title} {status}",
        (
            ("Change request", "change_request_id"),
            ("Title", "change_request_title"),
            ("Status", "status"),
            ("OpsItem", "ops_item_id"),
            ("Template", "change_template_document_name"),
            ("Approvers", "approvers"),
            ("Modified by", "ops_item_modified_by"),
        ),
        f"{_SSM}/opsitems/{{ops_item_id}}?region={{region}}",
    ),
    EventType(
        "compliance",
        "Configuration Compliance State Change",
        "Compliance state change",
        "{compliance_type} compliance {status} on {resource_id}",
        (
            ("Resource", "resource_id"),
            ("Resource type", "resource_type"),
            ("Compliance type", "compliance_type"),
            ("Status", "status"),
            ("Severity", "severity"),
            ("Patch baseline", "patch_baseline_id"),
            ("Last run", "last_runtime"),
        ),
        f"{_SSM}/compliance?region={{region}}",
    ),
)

FAMILY_BY_NAME: dict[str, Family] = {f.name: f for f in FAMILIES}
EVENT_TYPE_BY_DETAIL_TYPE: dict[str, EventType] = {e.detail_type: e for e in EVENT_TYPES}


# Storm control: the event types of fleet-wide operations, and the roles whose events only the
# operation digest reports (in "digest" mode they are not notified one by one).
OPERATION_ROLES = ("parent", "task", "instance")
DIGESTED_ROLES = ("task", "instance")


def operation_event_types(families: tuple[str, ...] | None = None) -> tuple[EventType, ...]:
    """The event types that belong to a fleet-wide operation, optionally of some families only."""
    return tuple(e for e in EVENT_TYPES if e.operation and (families is None or e.family in families))


def event_types_of(family: str) -> tuple[EventType, ...]:
    return tuple(e for e in EVENT_TYPES if e.family == family)


def families_of(function: str) -> tuple[Family, ...]:
    return tuple(f for f in FAMILIES if f.function == function)
