"""Events that cannot notify are refused naming the field; odd optional fields never break one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from notifier.core.models import InvalidEventError, parse_event
from notifier.core.render import render
from ssm_event_notifier.contract.catalog import EVENT_TYPES
from tests.payloads import model_for
from tools.harness.samples import SAMPLE_FILES, family_of, load, sample_id


def _refusal(raw: Any, accepted_families: tuple[str, ...] | None = None) -> InvalidEventError:
    with pytest.raises(InvalidEventError) as caught:
        parse_event(raw, accepted_families)
    return caught.value


# --- refused --------------------------------------------------------------------------
def test_missing_image_id_names_the_detail_type_and_field() -> None:
    raw = load("ami/failed")
    del raw["detail"]["ImageId"]
    error = _refusal(raw)
    assert "EC2 AMI State Change" in str(error)
    assert "detail.ImageId" in str(error)
    assert error.detail_type == "EC2 AMI State Change"
    assert error.field == "detail.ImageId"
    assert isinstance(error, ValueError)


def test_wrong_type_for_a_required_field_is_refused() -> None:
    raw = load("run-command/command-success")
    raw["detail"]["command-id"] = {"not": "an id"}
    error = _refusal(raw)
    assert error.field == "detail.command-id"
    assert "EC2 Command Status-change Notification" in str(error)
    assert "detail.command-id" in str(error)


def test_empty_required_field_is_refused() -> None:
    raw = load("parameter-store/create")
    raw["detail"]["name"] = ""
    assert _refusal(raw).field == "detail.name"


def test_missing_status_is_refused_under_the_services_own_name() -> None:
    raw = load("compliance/patch-non-compliant")
    del raw["detail"]["compliance-status"]
    error = _refusal(raw)
    assert error.field == "detail.compliance-status"
    assert "Configuration Compliance State Change" in str(error)


def test_unknown_detail_type_is_refused_on_detail_type() -> None:
    raw = load("ami/available")
    raw["detail-type"] = "EC2 Instance State-change Notification"
    error = _refusal(raw)
    assert error.field == "detail-type"
    assert "EC2 Instance State-change Notification" in str(error)
    assert "'detail-type'" in str(error)


def test_missing_detail_type_is_refused_on_detail_type() -> None:
    raw = load("ami/available")
    del raw["detail-type"]
    assert _refusal(raw).field == "detail-type"


def test_detail_type_of_the_wrong_type_is_refused() -> None:
    raw = load("ami/available")
    raw["detail-type"] = ["EC2 AMI State Change"]
    assert _refusal(raw).field == "detail-type"


@pytest.mark.parametrize("raw", [None, [], "{}", 42, b"{}"], ids=repr)
def test_non_object_event_is_refused(raw: Any) -> None:
    error = _refusal(raw)
    assert error.field == "(event)"
    assert type(raw).__name__ in str(error)


def test_missing_id_is_refused() -> None:
    raw = load("calendar/open")
    del raw["id"]
    error = _refusal(raw)
    assert error.field == "id"
    assert "Calendar State Change" in str(error)


def test_detail_that_is_not_an_object_is_refused() -> None:
    raw = load("maintenance-window/window-disabled")
    raw["detail"] = "DISABLED"
    assert _refusal(raw).field == "detail"


def test_a_family_the_function_does_not_handle_is_refused() -> None:
    raw = load("ami/failed")
    error = _refusal(raw, accepted_families=("calendar", "run-command"))
    assert error.field == "detail-type"
    assert error.detail_type == "EC2 AMI State Change"
    assert "EC2 AMI State Change" in str(error)
    assert "ami" in error.reason


def test_accepted_families_admit_their_own_events() -> None:
    raw = load("ami/failed")
    event = parse_event(raw, accepted_families=("ami",))
    assert event.detail.status == "failed"


# --- accepted -------------------------------------------------------------------------
def test_error_message_as_a_number_still_renders() -> None:
    raw = load("ami/failed")
    raw["detail"]["ErrorMessage"] = 42
    notification = render(parse_event(raw), raw)
    assert "42" in [line.split(None, 1)[1] for line in notification.text.splitlines() if line.startswith("Error:")]
    assert notification.attributes["severity"] == "error"
    assert notification.document["event"]["detail"]["ErrorMessage"] == 42


def test_parameters_as_a_list_still_render() -> None:
    raw = load("run-command/command-success")
    raw["detail"]["parameters"] = ["date", "uptime"]
    notification = render(parse_event(raw), raw)
    assert "uptime" in notification.text
    assert notification.document["event"]["detail"]["parameters"] == ["date", "uptime"]


@pytest.mark.parametrize("odd", [None, True, 3.5, {"nested": {"deep": [1, 2]}}, [], ""], ids=repr)
def test_optional_field_of_any_json_type_still_renders(odd: Any) -> None:
    raw = load("ops-center/opsitem-update")
    raw["detail"]["title"] = odd
    raw["detail"]["description"] = odd
    notification = render(parse_event(raw), raw)
    assert notification.subject.startswith("[INFO] OpsItem oi-123456abcdef updated (Open)")
    assert notification.document["event"] == raw


def test_unknown_extra_fields_are_kept_and_do_not_break() -> None:
    raw = load("parameter-store/update")
    raw["detail"]["brand-new-field"] = {"added": "by AWS tomorrow"}
    raw["top-level-novelty"] = [1, 2, 3]
    notification = render(parse_event(raw), raw)
    assert notification.document["event"]["detail"]["brand-new-field"] == {"added": "by AWS tomorrow"}
    assert notification.document["event"]["top-level-novelty"] == [1, 2, 3]
    assert notification.subject == "[INFO] Parameter MyExampleParameter Update (us-east-2)"


def test_numeric_status_and_id_are_taken_as_text() -> None:
    raw = load("run-command/invocation-success")
    raw["detail"]["command-id"] = 12345
    raw["detail"]["status"] = 0
    notification = render(parse_event(raw), raw)
    assert notification.attributes["status"] == "0"
    assert "12345" in notification.text


def _required_aliases(detail_type: str) -> set[str]:
    return {f.alias for f in model_for(detail_type).detail_model.fields.values() if f.required}


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=sample_id)
def test_sample_stripped_to_its_required_fields_still_renders(path: Path) -> None:
    raw = load(sample_id(path))
    keep = _required_aliases(raw["detail-type"])
    raw["detail"] = {k: v for k, v in raw["detail"].items() if k in keep}
    raw["resources"] = []
    notification = render(parse_event(raw), raw)
    assert notification.subject.endswith(f"({raw['region']})")
    assert len(notification.subject) <= 99
    assert raw["id"] in notification.text
    assert notification.document["event"] == raw


def test_every_detail_type_refuses_each_of_its_required_fields() -> None:
    """An event without a required field, nor (for the detail-types AWS documents no fields of) any
    other name of it or resource that names it, is refused naming the field."""
    samples = {(family_of(p), load(sample_id(p))["detail-type"]): sample_id(p) for p in SAMPLE_FILES}
    for event_type in EVENT_TYPES:
        required = _required_aliases(event_type.detail_type)
        for alias in sorted(required):
            raw = load(samples[event_type.family, event_type.detail_type])
            raw["detail"] = {k: v for k, v in raw["detail"].items() if k in required - {alias}}
            raw["resources"] = []
            error = _refusal(raw)
            assert error.field == f"detail.{alias}", (event_type.detail_type, alias)


@pytest.mark.parametrize(
    ("sample", "renamed", "field", "expected"),
    [
        ("managed-nodes/registration", {"instance-id": "InstanceId"}, "instance_id", "mi-0f1e2d3c4b5a69788"),
        ("managed-nodes/deregistration", {"instance-id": None}, "instance_id", "mi-0f1e2d3c4b5a69788"),
        ("change-manager/document-review-approved", {"document-name": None}, "document_name", "PatchWebTierRunbook"),
        ("change-manager/template-review-pending", {"review-status": "ReviewStatus"}, "status", "PENDING"),
        (
            "change-manager/impact-assessment-created",
            {"change-request-id": None},
            "change_request_id",
            "oi-7b9d1f3a5c7e",
        ),
        ("ami/ami-available", {"State": None}, "status", "available"),
        ("ami/ami-failed", {"State": None}, "status", "failed"),
        ("node-access/request-failed", {}, "status", "Failed"),
    ],
)
def test_a_detail_type_aws_documents_no_fields_of_reads_its_other_names(
    sample: str, renamed: dict[str, str | None], field: str, expected: str
) -> None:
    """Its field under the API's spelling, or (renamed to None: absent) the resources' or the detail-type's."""
    raw = load(sample)
    for old, new in renamed.items():
        value = raw["detail"].pop(old)
        if new:
            raw["detail"][new] = value
    assert parse_event(raw).template_fields()[field] == expected


def test_calendar_without_resources_still_names_something() -> None:
    raw = load("calendar/open-with-event")
    raw["resources"] = []
    notification = render(parse_event(raw), raw)
    assert notification.subject == "[INFO] Change Calendar (unnamed calendar) is now OPEN (ap-northeast-1)"
    assert "SampleEvent" in notification.text


def test_change_request_without_opsitem_has_no_console_link() -> None:
    raw = load("change-manager/rejected")
    del raw["detail"]["ops-item-id"]
    notification = render(parse_event(raw), raw)
    assert notification.document["links"] == {}
    assert "Console:" not in notification.text
    assert notification.attributes["severity"] == "error"
