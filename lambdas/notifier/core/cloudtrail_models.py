"""The CloudTrail record of a Systems Manager API call, as EventBridge delivers it ("AWS API Call via
CloudTrail"): who made it (the principal, its role session), from where (source IP, user agent), and
on what (the instance, session, association, parameter or document its request names). A call that
puts a Change Calendar's version into effect is a calendar edit (``CalendarEditRecord``)."""

from __future__ import annotations

from typing import Any, ClassVar

from notifier.core.event_base import Detail, Field, Lenient, Raw, Required, SsmEvent, as_text, decoded_text


class CallStatus(Field[str]):
    """A call's status as text; anything else (absent, null, odd) reads as a success."""

    def __init__(self) -> None:
        super().__init__(None, lambda value: as_text(value) or "Success", False, "Success")


# The request parameters that name what a call acted on, first present wins (per the API reference of
# StartSession, ResumeSession/TerminateSession, SendCommand, the association calls, DeleteParameter(s),
# ModifyDocumentPermission and StartChangeRequestExecution). A SendCommand by tag or resource group has
# `targets` (key and values, in any case) instead of `instanceIds`: "tag:Environment=prod".
TARGET_PARAMETERS = (
    "target",
    "sessionId",
    "instanceIds",
    "targets",
    "associationId",
    "name",
    "names",
    "changeRequestName",
)


class ApiCallDetail(Detail):
    # A call has no status of its own: "Success", or the error it met (set below from errorCode).
    status = CallStatus()  # not Required here: CloudTrail has none
    event_name = Required("eventName")
    event_source = Lenient("eventSource")
    source_ip = Lenient("sourceIPAddress")
    user_agent = Lenient("userAgent")
    error_code = Lenient("errorCode")
    error_message = Lenient("errorMessage")
    event_time = Lenient("eventTime")
    # Taken as they come (any JSON): only what is derived from them is shown.
    user_identity = Raw("userIdentity")
    request_parameters = Raw("requestParameters")
    response_elements = Raw("responseElements")

    @classmethod
    def prepared(cls, data: dict[str, Any]) -> dict[str, Any]:
        if "status" not in data and isinstance(data.get("errorCode"), str):
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
        fields.pop("response_elements", None)
        fields.pop("event_time", None)  # the message's Time already
        identity, request = self.detail.user_identity, self.detail.request_parameters
        principal, who, session = _identity(identity if isinstance(identity, dict) else {})
        request = request if isinstance(request, dict) else {}
        target = next((request[name] for name in TARGET_PARAMETERS if request.get(name)), None)
        derived = {
            "principal": principal,
            "who": f"{who} ({session})" if session else who,
            "session": session,
            "target": decoded_text(target) or "-",
            "document_name": as_text(request.get("documentName")),
        }
        return {**fields, **{k: v for k, v in derived.items() if v}}


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


class CalendarEditRecord(ApiCallRecord):
    """CreateDocument or UpdateDocumentDefaultVersion of a Change Calendar (catalog.CALENDAR_EDIT_CALLS)."""

    derived_fields: ClassVar[tuple[str, ...]] = (*ApiCallRecord.derived_fields, "calendar_name", "document_version")

    @property
    def calendar_name(self) -> str:
        return as_text(_dict(self.detail.request_parameters).get("name")) or "(unnamed calendar)"

    @property
    def document_version(self) -> str:
        """The version put into effect: the one set as default, or a new calendar's first."""
        request, response = _dict(self.detail.request_parameters), _dict(self.detail.response_elements)
        described = _dict(response.get("documentDescription"))
        candidates: tuple[Any, ...] = (
            request.get("documentVersion"),
            _dict(response.get("description")).get("defaultVersion"),
        )
        if self.detail.event_name == "CreateDocument":
            candidates = (described.get("defaultVersion"), described.get("documentVersion"), "1")
        return next((text for value in candidates if (text := as_text(value))), "(unknown)")

    def template_fields(self) -> dict[str, str]:
        return {
            **super().template_fields(),
            "calendar_name": self.calendar_name,
            "document_version": self.document_version,
        }
