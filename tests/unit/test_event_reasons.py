"""Every failure message says why: a failed event whose kind is read (AMIs, access requests, operations)
gets its plan; any other says what its event says (EventType.reason_fields), in the JSON document's
`failure` object and in the e-mail text alike."""

from __future__ import annotations

import pytest

from notifier.core.models import parse_event
from notifier.core.render import render
from notifier.core.severity import severity_of
from notifier.failures.event_failures import failed_of_event, failure_extra, said_by_event
from tools.harness.samples import SAMPLE_FILES, load, read, sample_id

FAILED = [p for p in SAMPLE_FILES if severity_of(parse_event(read(p)).detail.status) == "error"]

# Samples whose failure nothing is read for -> the reason their message gives, as their event says it.
SAID = {
    "change-manager/rejected": "Rejected: by arn:aws:iam::123456789012:user/JohnDoe",
    "compliance/association-non-compliant": "non_compliant",
    "compliance/patch-non-compliant": "non_compliant: severity critical",
    "inventory/put-old-schema-failed": (
        "failed: reason The inventory item with type name Custom:MyCustomInventoryType was sent with a disabled "
        "schema verison 1.0. You must send a version greater than 1.0"
    ),
    "parameter-store/policy-expiration": "Expiration: the parameter expired and was deleted",
}


def test_every_failure_sample_is_read_or_said_by_its_event() -> None:
    assert FAILED
    for path in FAILED:
        event = parse_event(read(path))
        report = said_by_event(event)
        assert failed_of_event(event) is not None or (report and report.reasons), sample_id(path)


@pytest.mark.parametrize("sample", sorted(SAID))
def test_a_failure_nothing_is_read_for_says_its_events_reason_in_the_document_and_the_text(sample: str) -> None:
    raw = load(sample)
    event = parse_event(raw)
    assert failed_of_event(event) is None
    report = said_by_event(event)
    assert report is not None
    notification = render(event, raw, failure_extra(report))

    failure = notification.document["failure"]
    assert failure["source"] == "event" and failure["unavailable"] == [] and failure["calls"] == 0
    (reason,) = failure["reasons"]
    assert reason["reason"] == SAID[sample] and reason["count"] == 1
    assert "\nWhy it failed, as the event says:\n" in notification.text
    assert f"\n  {SAID[sample]}: 1 " in notification.text
    assert ", not read" not in notification.text


def test_a_success_says_no_failure() -> None:
    for path in SAMPLE_FILES:
        if path not in FAILED:
            assert said_by_event(parse_event(read(path))) is None, sample_id(path)


def test_a_failed_access_request_and_an_ami_are_read() -> None:
    request = failed_of_event(parse_event(load("node-access/request-failed")))
    assert request is not None and request.kind == "access-request"
    assert request.groups == [
        ("Failed: applicable policies Approval-Policy-Production-Nodes, prod", [("oi-fdac6036584a", None)])
    ]
    image = failed_of_event(parse_event(load("ami/ami-failed")))
    assert image is not None and image.kind == "image"


@pytest.mark.parametrize(
    ("sample", "error"),
    [
        ("ami/failed", "Description of failure"),
        ("ami/ami-failed", "Client.InvalidSnapshot.NotFound: The snapshot 'snap-0123456789abcdef0' does not exist."),
    ],
)
def test_an_ami_read_for_nothing_says_its_events_error_message(sample: str, error: str) -> None:
    """With failureReads=0 an AMI's failure is said by its event: its ErrorMessage, not a bare "failed"."""
    report = said_by_event(parse_event(load(sample)))
    assert report is not None
    assert [(r.reason, r.items) for r in report.reasons] == [
        (f"failed: error {error}", [load(sample)["detail"]["ImageId"]])
    ]
