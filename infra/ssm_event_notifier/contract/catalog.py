"""The event catalog: every Systems Manager and EC2 AMI event this project notifies, the one source of truth.

Pure data, standard library only: the CDK app reads it to build the rules, functions and the fleet
buffer; the Lambda code reads it to parse (each entry names its model in ``models.py``), to render
and to record fleet-wide operations. Adding a detail-type means an entry here, a model, a sample in
``events/<family>/`` and the row of docs/events.md (CONTRIBUTING.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

# The role of a detail-type in a fleet-wide operation (notifier.fleet): "parent", the operation's own
# status; "task", a Maintenance Window task whose status the operation's message shows; "item", one
# per instance, target, step or resource, counted and named in the operation's message.
Role = Literal["parent", "task", "item"]
# How an operation ends: with its own final event ("final-event": a command, a window run, an
# Automation execution), or, for sources that have none, when its events stop for a quiet period
# ("quiet": a State Manager association run, a compliance scan wave).
Ending = Literal["final-event", "quiet"]


@dataclass(frozen=True)
class Family:
    name: str
    title: str
    # The EventBridge pattern for `source`, used verbatim by the rule.
    source_pattern: tuple[Any, ...]
    # The Lambda function that handles the family (see FUNCTIONS).
    function: str
    # Off unless named in enabledFamilies ("all" leaves it out): the API audit needs a trail, and costs.
    opt_in: bool = False


@dataclass(frozen=True)
class OperationKind:
    """A kind of fleet-wide operation: its events are recorded and summed up in one message."""

    name: str  # the operation's key prefix in the operations table, e.g. "command"
    # The model fields whose values identify one operation (a missing one counts as "-"). The key of
    # a quiet-ended operation also holds the account and region: its fields are not unique ids.
    key_fields: tuple[str, ...]
    # How the message names the operation: str.format with the first of `name_fields` present.
    name_template: str
    name_fields: tuple[str, ...]
    item_noun: str  # what its items are ("instance", "step"), as the message counts them
    # Model fields every event of the operation records, and the ones only its parent events do.
    fields: tuple[str, ...]
    parent_fields: tuple[str, ...]
    # (label, field) pairs the message shows first.
    labels: tuple[tuple[str, str], ...]
    start_label: str
    start_field: str | None = None  # when the operation started, as its events say
    end_field: str | None = None  # when it ended, if its parent events say
    # The field that names an item; None: the instance a Maintenance Window target event is about.
    item_field: str | None = None
    # The field that groups items by task (Maintenance Window task executions), if any.
    task_field: str | None = None
    ends: Ending = "final-event"
    # (label, field) pairs of an item's event that say why it failed: failures are grouped by them
    # (after the item's status).
    reason_fields: tuple[tuple[str, str], ...] = ()
    failed_word: str = "failed"  # "2 of 1000 instances failed"
    # A quiet-ended operation has no status of its own: it is the first word when an item failed,
    # the second when every item succeeded.
    derived_statuses: tuple[str, str] = ("Failed", "Success")

    def reason_of(self, status: str, fields: dict[str, str]) -> str:
        """Why an item ended as it did, as its event says: "Failed: error code 1"; the status alone otherwise."""
        return reason_said(status, fields, self.reason_fields)


def reason_said(status: str, fields: dict[str, str], reason_fields: tuple[tuple[str, str], ...]) -> str:
    """What an event says of why it ended as it did, `reason_fields` (label, field) after its status."""
    said = [f"{label} {fields[name]}" for label, name in reason_fields if fields.get(name)]
    return f"{status}: {', '.join(said)}" if said else status


@dataclass(frozen=True)
class EventType:
    """One EventBridge detail-type and how to present it."""

    family: str
    detail_type: str
    model: str  # the class in models.py that parses it
    title: str
    # str.format template over the model's fields (see models.SsmEvent.template_fields).
    subject: str
    # (label, field) pairs shown in the text body, in order; missing fields are skipped.
    key_fields: tuple[tuple[str, str], ...]
    # Console path after the host, str.format over the same fields; None when no page exists.
    console_path: str | None
    # The fleet-wide operation (an OPERATIONS name) this detail-type belongs to, and its role in it.
    operation: str | None = None
    role: Role | None = None
    # CloudTrail's one detail-type is two families' (the API audit's, calendar edits'): the calls
    # (detail.eventName) that make an event this entry's; () for every other entry.
    event_names: tuple[str, ...] = ()
    # The field that names what the event is about (a document, runbook, window, calendar, parameter
    # or image): the message's `name` attribute, which a route's match.names filters on; None: it names
    # none. Chosen per entry rather than guessed from field names: ids of runs and items (a command's,
    # an OpsItem's) are not names a team routes on, and windows and images are named by their ids, the
    # only names their events carry. A fleet operation's digest takes its event types' (operation_name_field).
    name_field: str | None = None
    # The least severity of its messages, whatever its status says ("warning": an unexpected managed
    # node is a security event); None: its status alone decides (core.severity).
    least_severity: str | None = None
    # (label, field) pairs that say why it failed, when its status is a failure: the message's failure
    # reasons when nothing is read for it, and the reason its reads are grouped under otherwise.
    reason_fields: tuple[tuple[str, str], ...] = ()


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
    Family("inventory", "Inventory", ("aws.ssm",), "systems-manager"),
    # Just-in-time node access: requests that wait for an approval, are decided, or fail.
    Family("node-access", "Just-in-time node access", ("aws.ssm",), "systems-manager"),
    # Hybrid and multicloud nodes joining and leaving Systems Manager, and rotating their keys.
    Family("managed-nodes", "Managed nodes", ("aws.ssm",), "systems-manager"),
    # AWS's own Patch compliance sample carries "source": "aws.123456789012". Only AWS
    # can emit a source that starts with "aws." (PutEvents refuses it), so the prefix
    # admits that variant without admitting anybody's custom events.
    Family("compliance", "Compliance", ({"prefix": "aws."},), "systems-manager"),
    # CloudTrail records of the calls people make (a trail must exist: docs/api-audit.md).
    Family("api-audit", "Systems Manager API audit", ("aws.ssm",), "systems-manager", opt_in=True),
    # CloudTrail records of the edits of the monitored Change Calendars (a trail must exist: docs/calendars.md).
    Family("calendar-edits", "Change Calendar edits", ("aws.ssm",), "calendar"),
)

API_AUDIT = "api-audit"
CALENDAR_EDITS = "calendar-edits"
# The detail-type of a fleet operation's one message (its digest), in its attributes and JSON document.
DIGEST_DETAIL_TYPE = "Operation Digest"
# Advance notices (notifier.notices): what is about to happen, from a scheduled look-ahead, not from an
# event. A family of messages, not of events: no rule, no sample, not in FAMILIES (enabledFamilies);
# the setting noticeBefore turns it on or off, and routes match it by its name.
NOTICE = "notice"
NOTICE_FAMILY = Family(NOTICE, "Advance notice", (), "notices")
WINDOW_NOTICE_DETAIL_TYPE = "Maintenance Window Notice"
CALENDAR_NOTICE_DETAIL_TYPE = "Change Calendar Notice"
NOTICE_DETAIL_TYPES = (WINDOW_NOTICE_DETAIL_TYPE, CALENDAR_NOTICE_DETAIL_TYPE)
# The calls the API audit notifies by default (setting auditedCalls): what operations and security
# teams want to see people do. Never the SSM Agent's and the service's own calls (ec2messages:*,
# ssmmessages:*, UpdateInstanceInformation every 5 minutes, ListInstanceAssociations, ...), nor reads.
AUDITED_CALLS = (
    "StartSession",
    "ResumeSession",
    "TerminateSession",
    "SendCommand",
    "CreateAssociation",
    "UpdateAssociation",
    "DeleteAssociation",
    "DeleteParameter",
    "DeleteParameters",
    "ModifyDocumentPermission",
    "StartChangeRequestExecution",
)


def audit_detail_pattern(calls: tuple[str, ...] = AUDITED_CALLS) -> dict[str, Any]:
    """The API audit rule's `detail`: Systems Manager's own calls, by name, written (not read), and made
    by a person or a system (not by an AWS service on their behalf: invokedBy), so that the agents' and
    the service's calls never invoke a function."""
    return {
        "eventSource": ["ssm.amazonaws.com"],
        "eventName": list(calls),
        "readOnly": [False],
        "userIdentity": {"invokedBy": [{"exists": False}]},
    }


# The calls that put a new version of a Change Calendar into effect: a calendar created, or its default
# version set (the console's edit ends so; `aws ssm update-document-default-version` too). The other
# calls of an edit (PutCalendar, UpdateDocument, a CreateDocument refused) change nothing in effect.
CALENDAR_EDIT_CALLS = ("CreateDocument", "UpdateDocumentDefaultVersion")


def calendar_edit_detail_pattern(calendars: tuple[str, ...]) -> dict[str, Any]:
    """The calendar edits rule's `detail`: the calls that change the monitored `calendars`, made and
    not refused (by anybody: CloudFormation's own edits are told apart in the message)."""
    return {
        "eventSource": ["ssm.amazonaws.com"],
        "eventName": list(CALENDAR_EDIT_CALLS),
        "errorCode": [{"exists": False}],
        "requestParameters": {"name": list(calendars)},
    }


# Function name -> handler, "module.attribute" inside lambdas/.
FUNCTIONS: dict[str, str] = {
    "calendar": "handlers.calendar.handler",
    "ami": "handlers.ami.handler",
    "run-command": "handlers.run_command.handler",
    "maintenance-window": "handlers.maintenance_window.handler",
    "systems-manager": "handlers.systems_manager.handler",
}

OPERATIONS: tuple[OperationKind, ...] = (
    OperationKind(
        name="command",
        key_fields=("command_id",),
        name_template="Run Command {}",
        name_fields=("document_name", "command_id"),
        item_noun="instance",
        fields=("command_id", "document_name", "requested_date_time"),
        parent_fields=("parameters_digest",),
        labels=(("Command", "command_id"), ("Document", "document_name")),
        start_field="requested_date_time",
        start_label="Requested",
        item_field="instance_id",
    ),
    OperationKind(
        name="window-execution",
        key_fields=("window_execution_id",),
        name_template="Maintenance Window {} run",
        name_fields=("window_id",),
        item_noun="target",
        fields=("window_id", "window_execution_id"),
        parent_fields=("start_time", "end_time"),
        labels=(("Window", "window_id"), ("Execution", "window_execution_id")),
        start_field="start_time",
        start_label="Started",
        end_field="end_time",
        task_field="task_execution_id",
    ),
    OperationKind(
        name="automation",
        key_fields=("execution_id",),
        name_template="Automation {}",
        name_fields=("definition", "execution_id"),
        item_noun="step",
        fields=("execution_id", "definition"),
        parent_fields=("executed_by", "start_time", "end_time"),
        labels=(("Execution", "execution_id"), ("Runbook", "definition"), ("Executed by", "executed_by")),
        start_field="start_time",
        start_label="Started",
        end_field="end_time",
        item_field="step_name",
        reason_fields=(("action", "action"),),
    ),
    OperationKind(
        name="association",
        key_fields=("association_id",),
        name_template="Association {}",
        name_fields=("document_name", "association_id"),
        item_noun="instance",
        fields=("association_id", "document_name"),
        parent_fields=("schedule_expression",),
        labels=(("Association", "association_id"), ("Document", "document_name"), ("Schedule", "schedule_expression")),
        start_label="First event",
        item_field="instance_id",
        ends="quiet",
        reason_fields=(("detailed status", "detailed_status"), ("error code", "error_code")),
    ),
    OperationKind(
        name="compliance",
        key_fields=("compliance_type", "patch_baseline_id"),
        name_template="{} compliance scan",
        name_fields=("compliance_type",),
        item_noun="instance",
        fields=("compliance_type", "patch_baseline_id"),
        parent_fields=(),
        labels=(("Compliance type", "compliance_type"), ("Patch baseline", "patch_baseline_id")),
        start_label="First event",
        item_field="resource_id",
        ends="quiet",
        reason_fields=(("severity", "severity"),),
        failed_word="non-compliant",
        derived_statuses=("NonCompliant", "Compliant"),
    ),
)

_SSM = "systems-manager"
# Key fields that several entries show: an image's, a managed node's, a reviewed document's.
_IMAGE_FIELDS = (("Image", "image_id"), ("State", "status"), ("Error", "error_message"), ("Request", "request_id"))
_NODE_FIELDS = (
    ("Node", "instance_id"),
    ("Status", "status"),
    ("Computer name", "computer_name"),
    ("IP address", "ip_address"),
    ("Platform", "platform"),
    ("Activation", "activation_id"),
    ("IAM role", "iam_role"),
    ("Agent version", "agent_version"),
)
_REVIEW_REASONS = (("by", "reviewer"), ("comment", "comment"))
_REVIEW_FIELDS = (
    ("Document", "document_name"),
    ("Version", "document_version"),
    ("Review status", "status"),
    ("Document type", "document_type"),
    ("Author", "author"),
    ("Reviewer", "reviewer"),
    ("Comment", "comment"),
)

EVENT_TYPES: tuple[EventType, ...] = (
    EventType(
        family="calendar",
        detail_type="Calendar State Change",
        model="CalendarStateChange",
        title="Change Calendar state change",
        subject="Change Calendar {calendar_name} is now {status}",
        key_fields=(
            ("Calendar", "calendar_name"),
            ("State", "status"),
            ("At", "at_time"),
            ("Next transition", "next_transition_time"),
            ("Calendar event", "event"),
        ),
        console_path=f"{_SSM}/change-calendar?region={{region}}",
        name_field="calendar_name",
    ),
    EventType(
        family="ami",
        detail_type="EC2 AMI State Change",
        model="AmiStateChange",
        title="EC2 AMI state change",
        subject="AMI {image_id} is {status}",
        key_fields=_IMAGE_FIELDS,
        console_path="ec2/home?region={region}#ImageDetails:imageId={image_id}",
        name_field="image_id",
        reason_fields=(("error", "error_message"),),
    ),
    # Sent beside EC2 AMI State Change for the same image and state: one message per image and state,
    # whichever arrives first (notifier.images).
    EventType(
        family="ami",
        detail_type="EC2 AMI Available",
        model="AmiAvailable",
        title="EC2 AMI available",
        subject="AMI {image_id} is {status}",
        key_fields=_IMAGE_FIELDS,
        console_path="ec2/home?region={region}#ImageDetails:imageId={image_id}",
        name_field="image_id",
        reason_fields=(("error", "error_message"),),
    ),
    EventType(
        family="ami",
        detail_type="EC2 AMI Failed",
        model="AmiFailed",
        title="EC2 AMI failed",
        subject="AMI {image_id} is {status}",
        key_fields=_IMAGE_FIELDS,
        console_path="ec2/home?region={region}#ImageDetails:imageId={image_id}",
        name_field="image_id",
        reason_fields=(("error", "error_message"),),
    ),
    EventType(
        family="run-command",
        detail_type="EC2 Command Status-change Notification",
        model="CommandStatusChange",
        title="Run Command status change",
        subject="Run Command {document_name} {status}",
        key_fields=(
            ("Command", "command_id"),
            ("Document", "document_name"),
            ("Status", "status"),
            ("Requested", "requested_date_time"),
            ("Expires", "expire_after"),
            ("Parameters", "parameters"),
        ),
        console_path=f"{_SSM}/run-command/{{command_id}}?region={{region}}",
        name_field="document_name",
        operation="command",
        role="parent",
    ),
    EventType(
        family="run-command",
        detail_type="EC2 Command Invocation Status-change Notification",
        model="CommandInvocationStatusChange",
        title="Run Command invocation status change",
        subject="Run Command {document_name} {status} on {instance_id}",
        key_fields=(
            ("Command", "command_id"),
            ("Instance", "instance_id"),
            ("Document", "document_name"),
            ("Status", "status"),
            ("Requested", "requested_date_time"),
        ),
        console_path=f"{_SSM}/run-command/{{command_id}}/{{instance_id}}?region={{region}}",
        name_field="document_name",
        operation="command",
        role="item",
    ),
    EventType(
        family="maintenance-window",
        detail_type="Maintenance Window Target Registration Notification",
        model="WindowTargetRegistration",
        title="Maintenance Window target registration",
        subject="Maintenance Window {window_id} target {window_target_id} {status}",
        key_fields=(("Window", "window_id"), ("Target", "window_target_id"), ("Status", "status")),
        console_path=f"{_SSM}/maintenance-windows/{{window_id}}?region={{region}}",
        name_field="window_id",
    ),
    EventType(
        family="maintenance-window",
        detail_type="Maintenance Window Execution State-change Notification",
        model="WindowExecutionStateChange",
        title="Maintenance Window execution state change",
        subject="Maintenance Window {window_id} execution {status}",
        key_fields=(
            ("Window", "window_id"),
            ("Execution", "window_execution_id"),
            ("Status", "status"),
            ("Started", "start_time"),
            ("Ended", "end_time"),
        ),
        console_path=f"{_SSM}/maintenance-windows/{{window_id}}?region={{region}}",
        name_field="window_id",
        operation="window-execution",
        role="parent",
    ),
    EventType(
        family="maintenance-window",
        detail_type="Maintenance Window Task Execution State-change Notification",
        model="WindowTaskExecutionStateChange",
        title="Maintenance Window task execution state change",
        subject="Maintenance Window {window_id} task {task_execution_id} {status}",
        key_fields=(
            ("Window", "window_id"),
            ("Execution", "window_execution_id"),
            ("Task execution", "task_execution_id"),
            ("Status", "status"),
            ("Started", "start_time"),
            ("Ended", "end_time"),
        ),
        console_path=f"{_SSM}/maintenance-windows/{{window_id}}?region={{region}}",
        name_field="window_id",
        operation="window-execution",
        role="task",
    ),
    EventType(
        family="maintenance-window",
        detail_type="Maintenance Window Task Target Invocation State-change Notification",
        model="WindowTaskTargetInvocationStateChange",
        title="Maintenance Window task target invocation state change",
        subject="Maintenance Window {window_id} target {window_target_id} {status}",
        key_fields=(
            ("Window", "window_id"),
            ("Execution", "window_execution_id"),
            ("Task execution", "task_execution_id"),
            ("Target", "window_target_id"),
            ("Owner information", "owner_information"),
            ("Status", "status"),
            ("Started", "start_time"),
            ("Ended", "end_time"),
        ),
        console_path=f"{_SSM}/maintenance-windows/{{window_id}}?region={{region}}",
        name_field="window_id",
        operation="window-execution",
        role="item",
    ),
    EventType(
        family="maintenance-window",
        detail_type="Maintenance Window State-change Notification",
        model="WindowStateChange",
        title="Maintenance Window state change",
        subject="Maintenance Window {window_id} {status}",
        key_fields=(("Window", "window_id"), ("Status", "status")),
        console_path=f"{_SSM}/maintenance-windows/{{window_id}}?region={{region}}",
        name_field="window_id",
    ),
    EventType(
        family="maintenance-window",
        detail_type="Maintenance Window Task Registration Notification",
        model="WindowTaskRegistration",
        title="Maintenance Window task registration",
        subject="Maintenance Window {window_id} task {status}: {window_task_id}",
        key_fields=(("Window", "window_id"), ("Task", "window_task_id"), ("Status", "status")),
        console_path=f"{_SSM}/maintenance-windows/{{window_id}}?region={{region}}",
        name_field="window_id",
    ),
    EventType(
        family="automation",
        detail_type="EC2 Automation Step Status-change Notification",
        model="AutomationStepStatusChange",
        title="Automation step status change",
        subject="Automation {definition} step {step_name} {status}",
        key_fields=(
            ("Execution", "execution_id"),
            ("Runbook", "definition"),
            ("Step", "step_name"),
            ("Action", "action"),
            ("Status", "status"),
            ("Started", "start_time"),
            ("Ended", "end_time"),
        ),
        console_path=f"{_SSM}/automation/execution/{{execution_id}}?region={{region}}",
        name_field="definition",
        operation="automation",
        role="item",
    ),
    EventType(
        family="automation",
        detail_type="EC2 Automation Execution Status-change Notification",
        model="AutomationExecutionStatusChange",
        title="Automation execution status change",
        subject="Automation {definition} {status}",
        key_fields=(
            ("Execution", "execution_id"),
            ("Runbook", "definition"),
            ("Status", "status"),
            ("Executed by", "executed_by"),
            ("Started", "start_time"),
            ("Ended", "end_time"),
        ),
        console_path=f"{_SSM}/automation/execution/{{execution_id}}?region={{region}}",
        name_field="definition",
        operation="automation",
        role="parent",
    ),
    EventType(
        family="state-manager",
        detail_type="EC2 State Manager Association State Change",
        model="AssociationStateChange",
        title="State Manager association state change",
        subject="Association {document_name} {status}",
        key_fields=(
            ("Association", "association_id"),
            ("Document", "document_name"),
            ("Status", "status"),
            ("Schedule", "schedule_expression"),
            ("Last execution", "last_execution_date"),
            ("Counts", "association_status_aggregated_count"),
            ("Targets", "targets"),
            ("Document version", "document_version"),
        ),
        console_path=f"{_SSM}/state-manager/{{association_id}}/description?region={{region}}",
        name_field="document_name",
        operation="association",
        role="parent",
    ),
    EventType(
        family="state-manager",
        detail_type="EC2 State Manager Instance Association State Change",
        model="InstanceAssociationStateChange",
        title="State Manager instance association state change",
        subject="Association {document_name} {status} on {instance_id}",
        key_fields=(
            ("Association", "association_id"),
            ("Instance", "instance_id"),
            ("Document", "document_name"),
            ("Status", "status"),
            ("Detailed status", "detailed_status"),
            ("Error code", "error_code"),
            ("Summary", "execution_summary"),
        ),
        console_path=f"{_SSM}/state-manager/{{association_id}}/description?region={{region}}",
        name_field="document_name",
        operation="association",
        role="item",
    ),
    EventType(
        family="parameter-store",
        detail_type="Parameter Store Change",
        model="ParameterStoreChange",
        title="Parameter Store change",
        subject="Parameter {name} {status}",
        key_fields=(
            ("Parameter", "name"),
            ("Operation", "status"),
            ("Type", "type"),
            ("Label", "label"),
            ("From version", "from_version"),
            ("To version", "to_version"),
            ("Description", "description"),
        ),
        console_path=f"{_SSM}/parameters/{{name}}/description?region={{region}}",
        name_field="name",
    ),
    EventType(
        family="parameter-store",
        detail_type="Parameter Store Policy Action",
        model="ParameterPolicyAction",
        reason_fields=(("the parameter", "headline"),),
        title="Parameter Store policy action",
        # headline and action: what the policy asks (core/parameter_policies.py), "expires within 15 days".
        subject="Parameter {name} {headline}",
        key_fields=(
            ("Parameter", "name"),
            ("Policy type", "status"),
            ("To do", "action"),
            ("When", "due"),
            ("Policy", "policy"),
            ("Parameter type", "parameter_type"),
            ("Policy status", "action_status"),
            ("Reason", "action_reason"),
        ),
        console_path=f"{_SSM}/parameters/{{name}}/description?region={{region}}",
        name_field="name",
    ),
    EventType(
        family="inventory",
        detail_type="Inventory Resource State Change",
        model="InventoryResourceStateChange",
        reason_fields=(("reason", "action_reason"),),
        title="Inventory resource state change",
        # scope: the node, or "all nodes" for a delete summary (its resource-id is "").
        subject="Inventory {action} of {type_name} {status} ({scope})",
        key_fields=(
            ("Inventory type", "type_name"),
            ("Action", "action"),
            ("Status", "status"),
            ("Node", "resource_id"),
            ("Resource type", "resource_type"),
            ("Reason", "action_reason"),
        ),
        console_path=f"{_SSM}/inventory?region={{region}}",
    ),
    EventType(
        family="ops-center",
        detail_type="OpsItem Create",
        model="OpsItemChange",
        title="OpsItem created",
        subject="OpsItem {ops_item_id} created ({status}): {title}",
        key_fields=(
            ("OpsItem", "ops_item_id"),
            ("Title", "title"),
            ("Status", "status"),
            ("Type", "ops_item_type"),
            ("Created by", "created_by"),
            ("Description", "description"),
        ),
        console_path=f"{_SSM}/opsitems/{{ops_item_id}}?region={{region}}",
    ),
    EventType(
        family="ops-center",
        detail_type="OpsItem Update",
        model="OpsItemChange",
        title="OpsItem updated",
        subject="OpsItem {ops_item_id} updated ({status}): {title}",
        key_fields=(
            ("OpsItem", "ops_item_id"),
            ("Title", "title"),
            ("Status", "status"),
            ("Type", "ops_item_type"),
            ("Modified by", "modified_by"),
            ("Description", "description"),
        ),
        console_path=f"{_SSM}/opsitems/{{ops_item_id}}?region={{region}}",
    ),
    EventType(
        family="change-manager",
        detail_type="Change Request Status Update",
        model="ChangeRequestStatusUpdate",
        reason_fields=(("by", "ops_item_modified_by"),),
        title="Change request status update",
        subject="Change request {change_request_title} {status}",
        key_fields=(
            ("Change request", "change_request_id"),
            ("Title", "change_request_title"),
            ("Status", "status"),
            ("OpsItem", "ops_item_id"),
            ("Template", "change_template_document_name"),
            ("Approvers", "approvers"),
            ("Modified by", "ops_item_modified_by"),
        ),
        console_path=f"{_SSM}/opsitems/{{ops_item_id}}?region={{region}}",
        name_field="change_template_document_name",
    ),
    EventType(
        family="change-manager",
        detail_type="Impact Assessment Created",
        model="ImpactAssessmentCreated",
        title="Change Manager impact assessment created",
        subject="Impact assessment created for change request {change_request_id}",
        key_fields=(
            ("Change request", "change_request_id"),
            ("Title", "change_request_title"),
            ("OpsItem", "ops_item_id"),
            ("Runbook", "runbook"),
            ("Impacted resources", "impacted_resources"),
            ("Created by", "created_by"),
        ),
        console_path=f"{_SSM}/opsitems/{{ops_item_id}}?region={{region}}",
        name_field="runbook",
    ),
    EventType(
        family="change-manager",
        detail_type="Change Request Template Document Review Status Update",
        model="TemplateReviewStatusUpdate",
        reason_fields=_REVIEW_REASONS,
        title="Change template review status update",
        subject="Change template {document_name} review {status}",
        key_fields=_REVIEW_FIELDS,
        console_path=f"{_SSM}/documents/{{document_name}}/description?region={{region}}",
        name_field="document_name",
    ),
    EventType(
        family="change-manager",
        detail_type="Document Review Status Update",
        model="DocumentReviewStatusUpdate",
        reason_fields=_REVIEW_REASONS,
        title="Document review status update",
        subject="Document {document_name} review {status}",
        key_fields=_REVIEW_FIELDS,
        console_path=f"{_SSM}/documents/{{document_name}}/description?region={{region}}",
        name_field="document_name",
    ),
    EventType(
        family="node-access",
        detail_type="Approver Access Request Status Update",
        model="ApproverAccessRequest",
        reason_fields=(("at step", "step_name"),),
        title="Just-in-time node access request, for its approvers",
        # headline: what the status asks ("needs approval"); node: the node's id, from its ARN.
        subject="Access to {node} {headline}: requested by {requester}",
        key_fields=(
            ("Access request", "ops_item_id"),
            ("Status", "status"),
            ("Node", "node"),
            ("Requested by", "requester"),
            ("Reason", "request_reason"),
            ("Approvers", "approvers"),
            ("Approval step", "step_name"),
            ("Title", "title"),
            ("Requested", "start_time"),
            ("Node ARN", "target_resource_arn"),
            ("Approval workflow", "execution_id"),
        ),
        # The request is an OpsItem (type /aws/accessrequest): its page shows it, and its approvers act on it.
        console_path=f"{_SSM}/opsitems/{{ops_item_id}}?region={{region}}",
        name_field="node",
    ),
    EventType(
        family="node-access",
        detail_type="Requester Access Request Status Update",
        model="RequesterAccessRequest",
        title="Just-in-time node access request, for its requester",
        subject="Access to {node} {headline}: requested by {requester}",
        key_fields=(
            ("Access request", "ops_item_id"),
            ("Status", "status"),
            ("Node", "node"),
            ("Requested by", "requester"),
            ("Title", "title"),
            ("Since", "start_time"),
            ("Node ARN", "target_resource_arn"),
            ("Approval workflow", "execution_id"),
        ),
        console_path=f"{_SSM}/opsitems/{{ops_item_id}}?region={{region}}",
        name_field="node",
    ),
    EventType(
        family="node-access",
        detail_type="JITNA Access Request Failed",
        model="AccessRequestFailed",
        reason_fields=(("reason", "failure_reason"), ("applicable policies", "applicable_policies")),
        title="Just-in-time node access request failed",
        subject="Access request to {node} failed: requested by {requester}",
        key_fields=(
            ("Access request", "ops_item_id"),
            ("Status", "status"),
            ("Node", "node"),
            ("Requested by", "requester"),
            ("Reason", "failure_reason"),
            ("Applicable policies", "applicable_policies"),
            ("Created", "created_date"),
            ("Node ARN", "target_resource_arn"),
        ),
        console_path=f"{_SSM}/opsitems/{{ops_item_id}}?region={{region}}",
        name_field="node",
    ),
    EventType(
        family="managed-nodes",
        detail_type="SSM Managed Instance Registration",
        model="ManagedNodeRegistration",
        title="Managed node registered",
        subject="Managed node {instance_id} registered with Systems Manager",
        key_fields=_NODE_FIELDS,
        console_path=f"{_SSM}/fleet-manager/managed-nodes/{{instance_id}}/general?region={{region}}",
        name_field="instance_id",
        least_severity="warning",
    ),
    EventType(
        family="managed-nodes",
        detail_type="SSM Managed Instance Deregistration",
        model="ManagedNodeDeregistration",
        title="Managed node deregistered",
        subject="Managed node {instance_id} deregistered from Systems Manager",
        key_fields=_NODE_FIELDS,
        console_path=f"{_SSM}/fleet-manager/managed-nodes?region={{region}}",
        name_field="instance_id",
    ),
    EventType(
        family="managed-nodes",
        detail_type="SSM Managed Instance Public Key Update",
        model="ManagedNodeKeyUpdate",
        title="Managed node public key updated",
        subject="Managed node {instance_id} updated its public key",
        key_fields=_NODE_FIELDS,
        console_path=f"{_SSM}/fleet-manager/managed-nodes/{{instance_id}}/general?region={{region}}",
        name_field="instance_id",
    ),
    EventType(
        family="compliance",
        detail_type="Configuration Compliance State Change",
        model="ComplianceStateChange",
        title="Compliance state change",
        subject="{compliance_type} compliance {status} on {resource_id}",
        key_fields=(
            ("Resource", "resource_id"),
            ("Resource type", "resource_type"),
            ("Compliance type", "compliance_type"),
            ("Status", "status"),
            ("Severity", "severity"),
            ("Patch baseline", "patch_baseline_id"),
            ("Last run", "last_runtime"),
        ),
        console_path=f"{_SSM}/compliance?region={{region}}",
        operation="compliance",
        role="item",
    ),
    EventType(
        family="api-audit",
        detail_type="AWS API Call via CloudTrail",
        model="ApiCallRecord",
        reason_fields=(("error", "error_message"),),
        title="Systems Manager API call",
        subject="{event_name} by {who} on {target}",
        key_fields=(
            ("Call", "event_name"),
            ("By", "who"),
            ("Principal", "principal"),
            ("Role session", "session"),
            ("Target", "target"),
            ("Document", "document_name"),
            ("Source IP", "source_ip"),
            ("User agent", "user_agent"),
            ("Status", "status"),
            ("Error", "error_message"),
        ),
        console_path="cloudtrailv2/home?region={region}#/events?EventName={event_name}",
        name_field="document_name",
    ),
    EventType(
        family="calendar-edits",
        detail_type="AWS API Call via CloudTrail",
        model="CalendarEditRecord",
        title="Change Calendar edit",
        subject="Calendar {calendar_name} edited: version {document_version} by {who}",
        key_fields=(
            ("Calendar", "calendar_name"),
            ("Version", "document_version"),
            ("Call", "event_name"),
            ("By", "who"),
            ("Principal", "principal"),
            ("Role session", "session"),
            ("Source IP", "source_ip"),
            ("User agent", "user_agent"),
        ),
        console_path=f"{_SSM}/change-calendar?region={{region}}",
        name_field="calendar_name",
        event_names=CALENDAR_EDIT_CALLS,
    ),
)

# The families whose failure messages say why, from what AWS tells when asked (notifier.failures):
# fleet-wide operations, AMIs and just-in-time access requests. Not compliance: a scan's finding is
# its own reason. Every other failure says what its event says (EventType.reason_fields).
FAILURE_READ_FAMILIES = ("ami", "run-command", "maintenance-window", "automation", "state-manager", "node-access")
# Of those, the families whose single events are read (the others' are parts of operations).
EVENT_READ_FAMILIES = ("ami", "node-access")

# Every family a message may carry: the event families and the notices'.
FAMILY_BY_NAME: dict[str, Family] = {f.name: f for f in (*FAMILIES, NOTICE_FAMILY)}
_EVENT_TYPE_BY_MODEL: dict[tuple[str, str], EventType] = {(e.detail_type, e.model): e for e in EVENT_TYPES}
DETAIL_TYPES: frozenset[str] = frozenset(e.detail_type for e in EVENT_TYPES)


def event_type_parsed_as(detail_type: str, model: str) -> EventType:
    """The entry of an event its model (a class name in models.py) parsed: CloudTrail's records have two."""
    return _EVENT_TYPE_BY_MODEL[detail_type, model]


def event_type_of(detail_type: str, detail: Any = None, families: tuple[str, ...] | None = None) -> EventType | None:
    """The entry of an event: by its detail-type, among `families` (those a function handles) if given;
    of a detail-type two families share, the one whose `event_names` hold detail.eventName, else the
    one without (the API audit's calls are a setting)."""
    candidates = [e for e in EVENT_TYPES if e.detail_type == detail_type and (families is None or e.family in families)]
    called = detail.get("eventName") if isinstance(detail, dict) else None
    named = [e for e in candidates if called in e.event_names]
    found = named or [e for e in candidates if not e.event_names]  # an entry with calls admits only those
    return found[0] if found else None


OPERATION_BY_NAME: dict[str, OperationKind] = {o.name: o for o in OPERATIONS}


def operation_event_types(families: tuple[str, ...] | None = None) -> tuple[EventType, ...]:
    """The event types that belong to a fleet-wide operation, optionally of some families only."""
    return tuple(e for e in EVENT_TYPES if e.operation and (families is None or e.family in families))


def failure_read_event_types() -> tuple[EventType, ...]:
    """The event types whose failure messages read why (FAILURE_READ_FAMILIES): AMIs', access requests',
    operations'."""
    return tuple(
        e for e in EVENT_TYPES if e.family in FAILURE_READ_FAMILIES and (e.operation or e.family in EVENT_READ_FAMILIES)
    )


def operation_families() -> tuple[str, ...]:
    """The families some of whose events belong to a fleet-wide operation."""
    return tuple(dict.fromkeys(e.family for e in operation_event_types()))


def operation_name_field(operation: str) -> str | None:
    """The field that names what an operation runs (its document, runbook, window): its event types'."""
    return next((e.name_field for e in EVENT_TYPES if e.operation == operation and e.name_field), None)


def parent_event_type(operation: str) -> EventType | None:
    """The detail-type that carries an operation's own status."""
    return next((e for e in EVENT_TYPES if e.operation == operation and e.role == "parent"), None)


def event_types_of(family: str) -> tuple[EventType, ...]:
    return tuple(e for e in EVENT_TYPES if e.family == family)


def families_of(function: str) -> tuple[Family, ...]:
    return tuple(f for f in FAMILIES if f.function == function)
