"""One message per image and state: Amazon EC2 reports an image's state as EC2 AMI State Change and as
EC2 AMI Available (or Failed); whichever arrives first is notified, the other is not news."""

from __future__ import annotations

import copy
import importlib
from collections.abc import Callable
from typing import Any

import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext

from tools.harness.context import fake_context
from tools.harness.handler_loader import LambdaHandler
from tools.harness.samples import load
from tools.harness.subscribers import Subscribers, sqs_attributes


def _state_change_of(event: dict[str, Any]) -> dict[str, Any]:
    """The same image and state as EC2 AMI State Change tells it: another event, its own id."""
    other = copy.deepcopy(event)
    other["detail-type"] = "EC2 AMI State Change"
    other["id"] = "state-change-" + event["id"]
    return other


@pytest.mark.parametrize("sample", ["ami/ami-available", "ami/ami-failed"])
@pytest.mark.parametrize("first", ["own detail-type", "state change"])
def test_an_image_state_reported_by_both_detail_types_is_one_message(
    sample: str,
    first: str,
    build_handler: Callable[[str], LambdaHandler],
    lambda_context: LambdaContext,
    subscribers: Subscribers,
    drain: Callable[[str], list[dict[str, Any]]],
) -> None:
    own = load(sample)
    reports = [own, _state_change_of(own)]
    if first == "state change":
        reports.reverse()
    handler = build_handler("ami")

    results = [handler(copy.deepcopy(report), fake_context()) for report in reports]

    assert [bool(r.get("duplicate")) for r in results] == [False, True]
    (message,) = drain(subscribers.raw_queue_url)
    assert sqs_attributes(message)["detail_type"] == reports[0]["detail-type"]
    assert sqs_attributes(message)["status"] == own["detail"]["State"]
    # A redelivery of either is a duplicate as before; another state of the image is news.
    assert handler(copy.deepcopy(reports[1]), lambda_context).get("duplicate") is True
    disabled = _state_change_of(own)
    disabled["id"], disabled["detail"]["State"] = "disabled-" + own["id"], "disabled"
    assert not handler(disabled, lambda_context).get("duplicate")
    assert [sqs_attributes(m)["status"] for m in drain(subscribers.raw_queue_url)] == ["disabled"]


def test_a_failed_publish_gives_the_state_back_to_the_other_report(
    build_handler: Callable[[str], LambdaHandler],
    lambda_context: LambdaContext,
    subscribers: Subscribers,
    drain: Callable[[str], list[dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    own = load("ami/ami-available")
    handler = build_handler("ami")
    publisher = importlib.import_module("handlers.ami").delivery.publisher  # the module build_handler loaded
    publish = publisher.publish

    def refused(notification: Any) -> str:
        raise RuntimeError("SNS is down")

    monkeypatch.setattr(publisher, "publish", refused)
    with pytest.raises(RuntimeError):
        handler(copy.deepcopy(own), lambda_context)
    monkeypatch.setattr(publisher, "publish", publish)

    result = handler(_state_change_of(own), fake_context())

    assert not result.get("duplicate")
    assert len(drain(subscribers.raw_queue_url)) == 1
