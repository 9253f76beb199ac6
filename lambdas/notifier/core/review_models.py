"""Change Manager's reviews: an impact assessment created for a change request, and the review status of
a change template or of a document (a runbook) that needs approval before use. Loaded on the first
such event (``models.LATER``): no function's init loads it.

AWS documents these detail-types by name only (the EventBridge events reference), with no sample and
no field list. Each model reads the names Change Manager's own events use (``change-request-id``,
``ops-item-id``, ``document-name``...) and their API spellings (``DocumentName``, ``ReviewStatus``...),
falls back to what the event's resources name (an OpsItem, a document), and refuses only an event
that names nothing it is about.
"""

from __future__ import annotations

from typing import Any, Self

from notifier.core.event_base import Decoded, Detail, Lenient, Required, SsmEvent
from notifier.core.node_models import status_said, with_first


def _named_by_resources(data: Any, field: str, marker: str, candidates: tuple[str, ...]) -> Any:
    """`data` whose detail names nothing of `candidates`, with `field` taken from the first resource ARN
    holding `marker` (":document/", ":opsitem/"); `data` as it is otherwise."""
    detail = data.get("detail") if isinstance(data, dict) else None
    if not isinstance(detail, dict) or any(detail.get(k) not in (None, "") for k in (field, *candidates)):
        return data
    resources = data.get("resources")
    arns = [a for a in resources if isinstance(a, str) and marker in a] if isinstance(resources, list) else []
    return {**data, "detail": {**detail, field: arns[0].split(marker, 1)[1]}} if arns else data


# --- impact assessment ----------------------------------------------------------------
_REQUEST_KEYS = ("ChangeRequestId", "changeRequestId", "ops-item-id", "OpsItemId")


class ImpactAssessmentDetail(Detail):
    status = status_said("Created")
    change_request_id = Required("change-request-id")  # or the OpsItem it is, by any of _REQUEST_KEYS
    change_request_title = Lenient("change-request-title")
    ops_item_id = Lenient("ops-item-id")
    runbook = Lenient("runbook-document-name")
    impacted_resources = Decoded("impacted-resources")
    created_by = Lenient("created-by")

    @classmethod
    def prepared(cls, data: dict[str, Any]) -> dict[str, Any]:
        return with_first(with_first(data, "change-request-id", _REQUEST_KEYS), "ops-item-id", ("OpsItemId",))


class ImpactAssessmentCreated(SsmEvent):
    detail: ImpactAssessmentDetail

    @classmethod
    def read(cls, data: Any) -> Self:
        return super().read(_named_by_resources(data, "change-request-id", ":opsitem/", _REQUEST_KEYS))


# --- reviews --------------------------------------------------------------------------
_NAME_KEYS = ("DocumentName", "documentName", "name", "Name")
_REVIEW_KEYS = ("ReviewStatus", "reviewStatus", "status", "Status")


class ReviewDetail(Detail):
    status = status_said("Updated", "review-status")  # PENDING, APPROVED, REJECTED, NOT_REVIEWED
    document_name = Required("document-name")  # or any of _NAME_KEYS, or the resources' document
    document_version = Lenient("document-version")
    document_type = Lenient("document-type")
    author = Lenient()
    reviewer = Lenient()
    comment = Lenient()

    @classmethod
    def prepared(cls, data: dict[str, Any]) -> dict[str, Any]:
        return with_first(with_first(data, "document-name", _NAME_KEYS), "review-status", _REVIEW_KEYS)


class ReviewEvent(SsmEvent):
    detail: ReviewDetail

    @classmethod
    def read(cls, data: Any) -> Self:
        return super().read(_named_by_resources(data, "document-name", ":document/", _NAME_KEYS))


class TemplateReviewStatusUpdate(ReviewEvent):
    detail: ReviewDetail


class DocumentReviewStatusUpdate(ReviewEvent):
    detail: ReviewDetail
