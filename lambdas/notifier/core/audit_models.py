"""The CloudTrail record of a Systems Manager API call, as EventBridge delivers it ("AWS API Call via
CloudTrail"): who made it (the principal, its role session), from where (source IP, user agent), and
on what (the instance, session, association, parameter or document its request names)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import BeforeValidator, Field, model_validator

from notifier.core.event_base import Detail, Lenient, Required, SsmEvent, as_text

# A call's status as text; anything else (absent, null, odd) reads as a success.
CallStatus = Annotated[str, BeforeValidator(lambda value: as_text(value) or "Success")]

# The request parameters that name what a call acted on, first present wins (per the API reference of
# StartSession, ResumeSession/TerminateSession, SendCommand, the association calls, DeleteParameter(s),
# ModifyDocumentPermission and StartChangeRequestExecution).
TARGET_PARAMETERS = ("target", "sessionId", "instanceIds", "associationId", "name", "names", "changeRequestName")


class ApiCallDetail(Detail):
    # A call has no status of its own: "Success", or the error it met (set below from errorCode).
    status: CallStatus = "Success"  # not Required here: CloudTrail has none
    event_name: Required = Field(alias="eventName")
    event_source: Lenient = Field(None, alias="eventSource")
    source_ip: Lenient = Field(None, alias="sourceIPAddress")
    user_agent: Lenient = Field(None, alias="userAgent")
    error_code: Lenient = Field(None, alias="errorCode")
    error_message: Lenient = Field(None, alias="errorMessage")
    # Taken as they come (any JSON): only what is derived from them is shown.
    user_identity: Any = Field(None, alias="userIdentity")
    request_parameters: Any = Field(None, alias="requestParameters")

    @model_validator(mode="before")
    @classmethod
    def _status(cls, data: Any) -> Any:
        if isinstance(data, dict) and "status" not in data and isinstance(data.get("errorCode"), str):
            return {**data, "status": data["errorCode"] or "Success"}
        return data


def _identity(identity: dict[str, Any]) -> tuple[str, str, str | None]:
    """(principal ARN, who it is in a word, its role session) of a CloudTrail userIdentity."""
    arn = str(identity.get("arn") or identity.get("principalId") or identity.get("type") or "unknown")
    kind = identity.get("type")
    resource = arn.split(":", 5)[-1]  # user/alice, assumed-role/Role/session, root
    if kind == "AssumedRole" and resource.startswith("assumed-role/"):
        _, role, *session = resource.split("/", 2)
        return arn.rsplit("/", 1)[0] if session else arn, role, session[0] if session else None
    if kind == "Root":
        return arn, "root", None
    return arn, resource.rsplit("/", 1)[-1] or arn, None


class ApiCallRecord(SsmEvent):
    detail: ApiCallDetail
    derived_fields: ClassVar[tuple[str, ...]] = ("who", "principal", "session", "target", "document_name")

    def template_fields(self) -> dict[str, str]:
        fields = {
            k: v for k, v in super().template_fields().items() if k not in ("user_identity", "request_parameters")
        }
        identity, request = self.detail.user_identity, self.detail.request_parameters
        principal, who, session = _identity(identity if isinstance(identity, dict) else {})
        request = request if isinstance(request, dict) else {}
        target = next((request[name] for name in TARGET_PARAMETERS if request.get(name)), None)
        derived = {
            "principal": principal,
            "who": f"{who} ({session})" if session else who,
            "session": session,
            "target": ", ".join(map(str, target)) if isinstance(target, list) else as_text(target) or "-",
            "document_name": as_text(request.get("documentName")),
        }
        return {**fields, **{k: v for k, v in derived.items() if v}}
