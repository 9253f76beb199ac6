"""The calendar function and the reconciler against DynamoDB Local, moto and the calendar stand-in.

The calendar stand-in (tools/harness/calendar_service.py) answers GetDocument and GetCalendarState
from .ics files: no local service implements Change Calendar.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext

from notifier.calendars import explanations, reconciler
from notifier.calendars.transitions import TransitionStore
from notifier.core.models import parse_event
from notifier.delivery.publisher import Publisher
from tools.harness.calendar_service import calendar_service
from tools.harness.context import fake_context
from tools.harness.handler_loader import LambdaHandler, load_handler, load_module
from tools.harness.samples import load
from tools.harness.subscribers import Subscribers, envelope_of

Drain = Callable[[str], list[dict[str, Any]]]

TEN_TO_NOON = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
X-CALENDAR-TYPE:DEFAULT_OPEN
BEGIN:VEVENT
UID:freeze-1
SUMMARY:Release freeze
DESCRIPTION:Only hotfixes.
DTSTART:{start}
DTEND:{end}
END:VEVENT
END:VCALENDAR
"""


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar_event(state: str, at: str, event_id: str, name: str = "Freeze") -> dict[str, Any]:
    event = load("calendar/open")
    event["id"] = event_id
    event["resources"] = [f"arn:aws:ssm:us-east-1:123456789012:document/{name}"]
    event["detail"] = {"state": state, "atTime": at}
    return event


@pytest.fixture
def calendars(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aws_env: None) -> Iterator[Path]:
    """A folder of calendars served as SSM; Freeze.ics closes 2024-06-10 10:00-12:00 UTC."""
    (tmp_path / "Freeze.ics").write_text(TEN_TO_NOON.format(start="20240610T100000Z", end="20240610T120000Z"))
    with calendar_service([tmp_path]) as (endpoint, _service):
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", endpoint)
        yield tmp_path


@pytest.fixture
def store(idempotency_table: str, dynamodb: Any) -> TransitionStore:
    return TransitionStore(dynamodb, idempotency_table)


@pytest.fixture
def calendar_handler(calendars: Path, store: TransitionStore, subscribers: Subscribers) -> LambdaHandler:
    return load_handler("calendar")


def documents_received(drain: Drain, subscribers: Subscribers) -> list[dict[str, Any]]:
    return [json.loads(envelope_of(m)["Message"]) for m in drain(subscribers.envelope_queue_url)]


def test_a_transition_is_explained_from_the_calendar(calendar_handler, subscribers, drain, lambda_context):
    calendar_handler(calendar_event("CLOSED", "2024-06-10T10:03:00Z", "e-1"), lambda_context)
    (document,) = documents_received(drain, subscribers)
    explanation = document["calendar"]
    assert (explanation["name"], explanation["type"], explanation["state"]) == ("Freeze", "DEFAULT_OPEN", "CLOSED")
    assert [(c["summary"], c["start"], c["end"]) for c in explanation["causes"]] == [
        ("Release freeze", "2024-06-10T10:00:00Z", "2024-06-10T12:00:00Z")
    ]
    assert explanation["next"]["at"] == "2024-06-10T12:00:00Z"
    assert explanation["next"]["state"] == "OPEN"
    assert "Why: calendar events in progress:" in document["text"]
    assert "Release freeze (2024-06-10 10:00 - 2024-06-10 12:00 UTC): Only hotfixes." in document["text"]


def test_the_same_transition_sent_twice_with_different_ids_is_notified_once(
    calendar_handler, subscribers, drain, lambda_context
):
    first = calendar_handler(calendar_event("CLOSED", "2024-06-10T10:00:05Z", "aws-id-1"), lambda_context)
    second = calendar_handler(calendar_event("CLOSED", "2024-06-10T10:00:09Z", "aws-id-2"), fake_context())
    assert "messageId" in first
    assert second["duplicate"] is True
    assert len(documents_received(drain, subscribers)) == 1


def test_an_event_older_than_the_last_transition_is_not_announced_as_current(
    calendar_handler, subscribers, drain, lambda_context
):
    calendar_handler(calendar_event("OPEN", "2024-06-10T12:00:00Z", "reopened"), lambda_context)
    late = calendar_handler(calendar_event("CLOSED", "2024-06-10T10:00:00Z", "late-close"), fake_context())
    assert late["duplicate"] is True
    assert [d["status"] for d in documents_received(drain, subscribers)] == ["OPEN"]


def test_a_failed_publish_releases_the_transition_for_the_retry(
    calendar_handler, subscribers, drain, lambda_context, monkeypatch
):
    real = Publisher.publish
    calls = {"n": 0}

    def flaky(*args: Any) -> str:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("SNS unavailable")
        return real(*args)

    monkeypatch.setattr(Publisher, "publish", flaky)
    event = calendar_event("CLOSED", "2024-06-10T10:00:05Z", "retry-me")
    with pytest.raises(RuntimeError):
        calendar_handler(copy.deepcopy(event), lambda_context)
    assert "messageId" in calendar_handler(copy.deepcopy(event), fake_context())
    assert len(documents_received(drain, subscribers)) == 1


def test_an_unreadable_calendar_still_notifies_and_says_why(calendar_handler, subscribers, drain, lambda_context):
    calendar_handler(calendar_event("OPEN", "2024-06-10T12:00:00Z", "e-9", name="NotShared"), lambda_context)
    (document,) = documents_received(drain, subscribers)
    assert document["calendar"]["unavailable"].startswith("InvalidDocument:")
    assert "Why: explanation unavailable: InvalidDocument" in document["text"]


def test_reconciler_notifies_a_missed_transition_once_after_the_grace_period(calendars, store):
    ssm = boto3.client("ssm")
    grace = timedelta(minutes=20)

    def run(at: str) -> list[str]:
        missed = reconciler.reconcile(["Freeze"], ssm, store, datetime.fromisoformat(at), grace)
        announced = []
        for transition, claim in missed:
            with claim as claimed:
                if claimed:
                    announced.append(f"{transition.calendar} {transition.last_notified}->{transition.state}")
        return announced

    assert run("2024-06-10T09:00:00+00:00") == []  # first sight: the baseline, OPEN
    assert run("2024-06-10T09:55:00+00:00") == []  # states agree
    assert run("2024-06-10T10:05:00+00:00") == []  # CLOSED, but AWS may still be on its way
    assert run("2024-06-10T10:24:00+00:00") == []  # 19 minutes: within the grace period
    assert run("2024-06-10T10:25:00+00:00") == ["Freeze OPEN->CLOSED"]
    assert run("2024-06-10T10:30:00+00:00") == []  # announced once
    # The late AWS event for that closing is not announced again.
    late = calendar_event("CLOSED", "2024-06-10T10:00:00Z", "late")
    with explanations.transition_gate(store, parse_event(late)) as news:
        assert news is False


def test_reconciler_handler_publishes_a_warning_with_the_explanation(calendars, store, subscribers, drain, monkeypatch):
    now = datetime.now(UTC)
    (calendars / "Freeze.ics").write_text(
        TEN_TO_NOON.format(start=stamp(now - timedelta(hours=2)), end=stamp(now + timedelta(hours=2)))
    )
    monkeypatch.setenv("MONITORED_CALENDARS", "Freeze")
    monkeypatch.setenv("GRACE_MINUTES", "20")
    # Last notified: OPEN; seen CLOSED for 30 minutes without any event from AWS.
    store.baseline("Freeze", "OPEN", now - timedelta(hours=3))
    seen = store.last("Freeze")
    assert seen is not None
    store.mark_mismatch("Freeze", seen, now - timedelta(minutes=30))
    reconciler_module = load_module("handlers.calendar_reconciler")
    context: LambdaContext = fake_context(function_name="CalendarReconciler")
    result = reconciler_module.handler({"detail-type": "Scheduled Event"}, context)
    assert result["checked"] == 1
    (document,) = documents_received(drain, subscribers)
    assert document["severity"] == "warning"
    assert document["subject"].startswith("[WARNING] Missed transition: Change Calendar Freeze is now CLOSED")
    assert document["calendar"]["causes"][0]["summary"] == "Release freeze"
    assert reconciler_module.handler({"detail-type": "Scheduled Event"}, fake_context())["missed"] == []
    assert documents_received(drain, subscribers) == []
