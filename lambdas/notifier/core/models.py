"""Typed models of every detail-type in the catalog (fields: ``event_base.py``).

Only what a notification cannot do without is required: the status and the id of the thing that
changed. Every other field is optional and lenient (any JSON value is kept as text, JSON encoded in
a string is read decoded where a field says so: ``event_base.py``), and unknown fields are left to
the notification's document, so a payload AWS changes tomorrow still notifies. A required field
that is missing or of the wrong type is refused with an ``InvalidEventError`` naming the detail-type and the field.
"""

from __future__ import annotations

import importlib
from typing import Any

from notifier.core.cloudtrail_models import ApiCallRecord, CalendarEditRecord  # noqa: F401  (models the catalog names)
from notifier.core.event_base import Decoded, Detail, InvalidEventError, Lenient, Refused, Required, SsmEvent
from notifier.core.parameter_policies import policy_fields
from ssm_event_notifier.contract.catalog import DETAIL_TYPES, event_type_of


class CalendarDetail(Detail):
    status = Required("state")
    at_time = Lenient("atTime")
    next_transition_time = Lenient("nextTransitionTime")
    event = Lenient()


class CalendarStateChange(SsmEvent):
    detail: CalendarDetail
    derived_fields = ("calendar_name",)

    @property
    def calendar_name(self) -> str:
        # resources[0] is the calendar document: arn:aws:ssm:<region>:<account>:document/<name>
        for arn in self.resources:
            if ":document/" in arn:
                return arn.split(":document/", 1)[1]
        return "(unnamed calendar)"

    def template_fields(self) -> dict[str, str]:
        return {**super().template_fields(), "calendar_name": self.calendar_name}


class AmiDetail(Detail):
    image_id = Required("ImageId")
    status = Required("State")
    error_message = Lenient("ErrorMessage")
    request_id = Lenient("RequestId")


class AmiStateChange(SsmEvent):
    detail: AmiDetail


class CommandDetail(Detail):
    command_id = Required("command-id")
    document_name = Lenient("document-name")
    requested_date_time = Lenient("requested-date-time")
    expire_after = Lenient("expire-after")
    parameters = Lenient()


class CommandStatusChange(SsmEvent):
    detail: CommandDetail


class CommandInvocationDetail(CommandDetail):
    instance_id = Required("instance-id")


class CommandInvocationStatusChange(SsmEvent):
    detail: CommandInvocationDetail


class WindowDetail(Detail):
    window_id = Required("window-id")


class WindowTargetRegistrationDetail(WindowDetail):
    window_target_id = Required("window-target-id")


class WindowExecutionDetail(WindowDetail):
    window_execution_id = Required("window-execution-id")
    start_time = Lenient("start-time")
    end_time = Lenient("end-time")


class WindowTaskExecutionDetail(WindowExecutionDetail):
    task_execution_id = Required("task-execution-id")


class WindowTaskTargetInvocationDetail(WindowTaskExecutionDetail):
    window_target_id = Lenient("window-target-id")
    owner_information = Lenient("owner-information")


class WindowTargetRegistration(SsmEvent):
    detail: WindowTargetRegistrationDetail


class WindowExecutionStateChange(SsmEvent):
    detail: WindowExecutionDetail


class WindowTaskExecutionStateChange(SsmEvent):
    detail: WindowTaskExecutionDetail


class WindowTaskTargetInvocationStateChange(SsmEvent):
    detail: WindowTaskTargetInvocationDetail


class WindowStateChange(SsmEvent):
    detail: WindowDetail


class WindowTaskRegistrationDetail(WindowDetail):
    window_task_id = Lenient("window-task-id")


class WindowTaskRegistration(SsmEvent):
    detail: WindowTaskRegistrationDetail


class AutomationExecutionDetail(Detail):
    execution_id = Required("ExecutionId")
    status = Required("Status")
    definition = Lenient("Definition")
    start_time = Lenient("StartTime")
    end_time = Lenient("EndTime")
    executed_by = Lenient("ExecutedBy")


class AutomationStepDetail(AutomationExecutionDetail):
    step_name = Lenient("StepName")
    action = Lenient("Action")


class AutomationStepStatusChange(SsmEvent):
    detail: AutomationStepDetail


class AutomationExecutionStatusChange(SsmEvent):
    detail: AutomationExecutionDetail


class AssociationDetail(Detail):
    association_id = Required("association-id")
    document_name = Lenient("document-name")
    schedule_expression = Lenient("schedule-expression")
    last_execution_date = Lenient("last-execution-date")
    association_status_aggregated_count = Decoded("association-status-aggregated-count")


class InstanceAssociationDetail(AssociationDetail):
    instance_id = Required("instance-id")
    detailed_status = Lenient("detailed-status")
    error_code = Lenient("error-code")
    execution_summary = Lenient("execution-summary")


class AssociationStateDetail(AssociationDetail):
    targets = Decoded()  # JSON in a string: [{"key":"InstanceIds","values":["i-1"]}]
    document_version = Lenient("document-version")  # often "Optional.empty": absent


class AssociationStateChange(SsmEvent):
    detail: AssociationStateDetail


class InstanceAssociationStateChange(SsmEvent):
    detail: InstanceAssociationDetail


class ParameterDetail(Detail):
    name = Required()
    status = Required("operation")
    type = Lenient()
    description = Lenient()
    label = Decoded()  # a label operation (LabelParameterVersion): which label, from and to which version
    from_version = Lenient("fromVersion")
    to_version = Lenient("toVersion")


class ParameterStoreChange(SsmEvent):
    detail: ParameterDetail


class ParameterPolicyDetail(Detail):
    name = Required("parameter-name")
    status = Required("policy-type")
    parameter_type = Lenient("parameter-type")
    policy_content = Lenient("policy-content")
    action_status = Lenient("action-status")
    action_reason = Lenient("action-reason")


class ParameterPolicyAction(SsmEvent):
    detail: ParameterPolicyDetail
    derived_fields = ("headline", "action", "due", "policy")

    def template_fields(self) -> dict[str, str]:
        """Plus what the policy asks of the team (`action`, `due`) and the policy decoded."""
        return {**super().template_fields(), **policy_fields(self.detail.status, self.detail.policy_content)}


class InventoryDetail(Detail):
    status = Required("action-status")
    type_name = Required("type-name")
    action = Lenient()
    resource_type = Lenient("resource-type")
    resource_id = Lenient("resource-id")
    action_reason = Lenient("action-reason")


class InventoryResourceStateChange(SsmEvent):
    detail: InventoryDetail
    derived_fields = ("scope",)  # the node, or "all nodes": a delete summary's resource-id is ""

    def template_fields(self) -> dict[str, str]:
        return {**super().template_fields(), "scope": self.detail.resource_id or "all nodes"}


class OpsItemDetail(Detail):
    ops_item_id = Required("ops-item-id")
    title = Lenient()
    ops_item_type = Lenient("ops-item-type")
    created_by = Lenient("created-by")
    modified_by = Lenient("modified-by")
    description = Lenient()


class OpsItemChange(SsmEvent):
    detail: OpsItemDetail


class ChangeRequestDetail(Detail):
    change_request_id = Required("change-request-id")
    status = Required("ops-item-status")
    change_request_title = Lenient("change-request-title")
    ops_item_id = Lenient("ops-item-id")
    change_template_document_name = Lenient("change-template-document-name")
    ops_item_modified_by = Lenient("ops-item-modified-by")
    approvers = Lenient()


class ChangeRequestStatusUpdate(SsmEvent):
    detail: ChangeRequestDetail


class ComplianceDetail(Detail):
    resource_id = Required("resource-id")
    compliance_type = Required("compliance-type")
    status = Required("compliance-status")
    resource_type = Lenient("resource-type")
    severity = Lenient()
    patch_baseline_id = Lenient("patch-baseline-id")
    last_runtime = Lenient("last-runtime")


class ComplianceStateChange(SsmEvent):
    detail: ComplianceDetail


# Each catalog entry names its model: one of this module's, or, for the detail-types few functions
# see (AMI Available and Failed, just-in-time access, managed nodes, Change Manager's reviews), one of
# LATER's, imported on the first event that needs it: no function's init loads them (cold start).
LATER = ("notifier.core.image_models", "notifier.core.node_models", "notifier.core.review_models")


def model_class(name: str) -> type[SsmEvent]:
    """The model class a catalog entry names (KeyError: no such model)."""
    if name not in SsmEvent.defined:
        for module in LATER:
            importlib.import_module(module)
    return SsmEvent.defined[name]


def parse_event(raw: Any, accepted_families: tuple[str, ...] | None = None) -> SsmEvent:
    """Parse an event of the catalog (catalog.event_type_of), or raise InvalidEventError naming the field."""
    if not isinstance(raw, dict):
        raise InvalidEventError("(unknown)", "(event)", f"expected a JSON object, got {type(raw).__name__}")
    detail_type = raw.get("detail-type")
    known = isinstance(detail_type, str) and detail_type in DETAIL_TYPES
    event_type = event_type_of(str(detail_type), raw.get("detail"), accepted_families) if known else None
    if event_type is None:
        family = event_type_of(str(detail_type), raw.get("detail")) if known else None
        reason = (
            f"family {family.family} is not handled by this function" if family else "not a detail-type of the catalog"
        )
        raise InvalidEventError(str(detail_type), "detail-type", reason)
    try:
        return model_class(event_type.model).read(raw)
    except Refused as refused:
        raise InvalidEventError(str(detail_type), refused.field, refused.reason) from refused
