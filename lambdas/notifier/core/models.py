"""Typed models of every detail-type in the catalog (Powertools Parser on EventBridgeModel).

Only what a notification cannot do without is required: the status and the id of
the thing that changed. Every other field is optional and lenient (any JSON value
is kept as text), and unknown fields are kept, so a payload AWS changes tomorrow
still notifies. A required field that is missing or of the wrong type is refused
with an ``InvalidEventError`` naming the detail-type and the field.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, ValidationError

from notifier.core.catalog import EVENT_TYPE_BY_DETAIL_TYPE, EVENT_TYPES


class InvalidEventError(ValueError):
    """An event this project refuses; the message names the detail-type and the field."""

    def __init__(self, detail_type: str, field: str, reason: str) -> None:
        self.detail_type = detail_type
        self.field = field
        self.reason = reason
        super().__init__(f"invalid {detail_type!s} event: field '{field}': {reason}")


def _as_text(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float)):
        return json.dumps(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


Required = Annotated[str, StringConstraints(min_length=1)]
# Any JSON value, kept as text; missing is None.
Lenient = Annotated[str | None, BeforeValidator(_as_text)]


class Detail(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, coerce_numbers_to_str=True)

    status: Required


class SsmEvent(EventBridgeModel):
    """An event of the catalog; subclasses type ``detail``."""

    model_config = ConfigDict(populate_by_name=True, extra="allow")

    # AWS's own AMI samples carry "time": "yyyy-mm-ddThh:mm:ssZ": keep what cannot be parsed.
    time: datetime | str = Field(union_mode="left_to_right")  # type: ignore[assignment]
    detail: Detail

    def template_fields(self) -> dict[str, str]:
        """The values that subjects, key fields and console paths are written with."""
        fields: dict[str, str] = {"region": self.region, "account": self.account}
        for name in type(self.detail).model_fields:
            value = getattr(self.detail, name)
            if value is not None:
                fields[name] = value if isinstance(value, str) else _as_text(value)
        return fields


# --- calendar -------------------------------------------------------------------------
class CalendarDetail(Detail):
    status: Required = Field(alias="state")
    at_time: Lenient = Field(None, alias="atTime")
    next_transition_time: Lenient = Field(None, alias="nextTransitionTime")
    event: Lenient = None


class CalendarStateChange(SsmEvent):
    detail: CalendarDetail

    @property
    def calendar_name(self) -> str:
        # resources[0] is the calendar document: arn:aws:ssm:<region>:<account>:document/<name>
        for arn in self.resources:
            if ":document/" in arn:
                return arn.split(":document/", 1)[1]
        return "(unnamed calendar)"

    def template_fields(self) -> dict[str, str]:
        return {**super().template_fields(), "calendar_name": self.calendar_name}


# --- ami ------------------------------------------------------------------------------
class AmiDetail(Detail):
    image_id: Required = Field(alias="ImageId")
    status: Required = Field(alias="State")
    error_message: Lenient = Field(None, alias="ErrorMessage")
    request_id: Lenient = Field(None, alias="RequestId")


class AmiStateChange(SsmEvent):
    detail: AmiDetail


# --- run-command ----------------------------------------------------------------------
class CommandDetail(Detail):
    command_id: Required = Field(alias="command-id")
    document_name: Lenient = Field(None, alias="document-name")
    requested_date_time: Lenient = Field(None, alias="requested-date-time")
    expire_after: Lenient = Field(None, alias="expire-after")
    parameters: Lenient = None


class CommandStatusChange(SsmEvent):
    detail: CommandDetail


class CommandInvocationDetail(CommandDetail):
    instance_id: Required = Field(alias="instance-id")


class CommandInvocationStatusChange(SsmEvent):
    detail: CommandInvocationDetail


# --- maintenance-window ---------------------------------------------------------------
class WindowDetail(Detail):
    window_id: Required = Field(alias="window-id")


class WindowTargetRegistrationDetail(WindowDetail):
    window_target_id: Required = Field(alias="window-target-id")


class WindowExecutionDetail(WindowDetail):
    window_execution_id: Required = Field(alias="window-execution-id")
    start_time: Lenient = Field(None, alias="start-time")
    end_time: Lenient = Field(None, alias="end-time")


class WindowTaskExecutionDetail(WindowExecutionDetail):
    task_execution_id: Required = Field(alias="task-execution-id")


class WindowTaskTargetInvocationDetail(WindowTaskExecutionDetail):
    window_target_id: Lenient = Field(None, alias="window-target-id")
    owner_information: Lenient = Field(None, alias="owner-information")


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


# --- automation -----------------------------------------------------------------------
class AutomationExecutionDetail(Detail):
    execution_id: Required = Field(alias="ExecutionId")
    status: Required = Field(alias="Status")
    definition: Lenient = Field(None, alias="Definition")
    start_time: Lenient = Field(None, alias="StartTime")
    end_time: Lenient = Field(None, alias="EndTime")
    executed_by: Lenient = Field(None, alias="ExecutedBy")


class AutomationStepDetail(AutomationExecutionDetail):
    step_name: Lenient = Field(None, alias="StepName")
    action: Lenient = Field(None, alias="Action")


class AutomationStepStatusChange(SsmEvent):
    detail: AutomationStepDetail


class AutomationExecutionStatusChange(SsmEvent):
    detail: AutomationExecutionDetail


# --- state-manager --------------------------------------------------------------------
class AssociationDetail(Detail):
    association_id: Required = Field(alias="association-id")
    document_name: Lenient = Field(None, alias="document-name")
    schedule_expression: Lenient = Field(None, alias="schedule-expression")
    last_execution_date: Lenient = Field(None, alias="last-execution-date")
    association_status_aggregated_count: Lenient = Field(None, alias="association-status-aggregated-count")


class InstanceAssociationDetail(AssociationDetail):
    instance_id: Required = Field(alias="instance-id")
    detailed_status: Lenient = Field(None, alias="detailed-status")
    error_code: Lenient = Field(None, alias="error-code")
    execution_summary: Lenient = Field(None, alias="execution-summary")


class AssociationStateChange(SsmEvent):
    detail: AssociationDetail


class InstanceAssociationStateChange(SsmEvent):
    detail: InstanceAssociationDetail


# --- parameter-store ------------------------------------------------------------------
class ParameterDetail(Detail):
    name: Required
    status: Required = Field(alias="operation")
    type: Lenient = None
    description: Lenient = None


class ParameterStoreChange(SsmEvent):
    detail: ParameterDetail


# --- ops-center -----------------------------------------------------------------------
class OpsItemDetail(Detail):
    ops_item_id: Required = Field(alias="ops-item-id")
    title: Lenient = None
    ops_item_type: Lenient = Field(None, alias="ops-item-type")
    created_by: Lenient = Field(None, alias="created-by")
    modified_by: Lenient = Field(None, alias="modified-by")
    description: Lenient = None


class OpsItemChange(SsmEvent):
    detail: OpsItemDetail


# --- change-manager -------------------------------------------------------------------
class ChangeRequestDetail(Detail):
    change_request_id: Required = Field(alias="change-request-id")
    status: Required = Field(alias="ops-item-status")
    change_request_title: Lenient = Field(None, alias="change-request-title")
    ops_item_id: Lenient = Field(None, alias="ops-item-id")
    change_template_document_name: Lenient = Field(None, alias="change-template-document-name")
    ops_item_modified_by: Lenient = Field(None, alias="ops-item-modified-by")
    approvers: Lenient = None


class ChangeRequestStatusUpdate(SsmEvent):
    detail: ChangeRequestDetail


# --- compliance -----------------------------------------------------------------------
class ComplianceDetail(Detail):
    resource_id: Required = Field(alias="resource-id")
    compliance_type: Required = Field(alias="compliance-type")
    status: Required = Field(alias="compliance-status")
    resource_type: Lenient = Field(None, alias="resource-type")
    severity: Lenient = None
    patch_baseline_id: Lenient = Field(None, alias="patch-baseline-id")
    last_runtime: Lenient = Field(None, alias="last-runtime")


class ComplianceStateChange(SsmEvent):
    detail: ComplianceDetail


# Each catalog entry names its model: the lookup is derived, so a detail-type is written once.
_MODEL_CLASSES = {
    cls.__name__: cls for cls in globals().values() if isinstance(cls, type) and issubclass(cls, SsmEvent)
}
MODELS: dict[str, type[SsmEvent]] = {e.detail_type: _MODEL_CLASSES[e.model] for e in EVENT_TYPES}


def _field_name(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(event)"


def parse_event(raw: Any, accepted_families: tuple[str, ...] | None = None) -> SsmEvent:
    """Parse an EventBridge event of the catalog, or raise InvalidEventError naming the field."""
    if not isinstance(raw, dict):
        raise InvalidEventError("(unknown)", "(event)", f"expected a JSON object, got {type(raw).__name__}")
    detail_type = raw.get("detail-type")
    if not isinstance(detail_type, str) or detail_type not in EVENT_TYPE_BY_DETAIL_TYPE:
        raise InvalidEventError(str(detail_type), "detail-type", "not a detail-type of the catalog")
    event_type = EVENT_TYPE_BY_DETAIL_TYPE[detail_type]
    if accepted_families is not None and event_type.family not in accepted_families:
        raise InvalidEventError(
            detail_type, "detail-type", f"family {event_type.family} is not handled by this function"
        )
    try:
        return MODELS[detail_type].model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        raise InvalidEventError(detail_type, _field_name(first["loc"]), first["msg"]) from error
