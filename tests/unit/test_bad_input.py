"""Bad input, property-based: every strange event ends in a notification SNS accepts or in a
refusal naming the field; never another exception (strategies: tests/payloads.py)."""

from __future__ import annotations

import copy
from typing import Any

import hypothesis
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notifier.core.models import InvalidEventError, parse_event
from notifier.core.render import render
from tests.payloads import (
    DETAIL_TYPES,
    KB,
    SAMPLE_BY_DETAIL_TYPE,
    assert_names_the_field,
    assert_sns_accepts,
    detail_keys,
    events,
)

FUZZ = settings(max_examples=400, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def outcome(event: Any) -> str:
    """'notified' (and the notification keeps SNS's rules) or 'refused' (naming the field)."""
    received = copy.deepcopy(event)
    try:
        parsed = parse_event(event)
    except InvalidEventError as error:
        assert_names_the_field(error, received)
        return "refused"
    assert_sns_accepts(render(parsed, event))
    assert event == received, "parsing or rendering changed the event"
    return "notified"


@FUZZ
@given(event=events())
def test_any_event_is_notified_within_sns_rules_or_refused_naming_the_field(event: dict[str, Any]) -> None:
    hypothesis.event(outcome(event))


@FUZZ
@given(event=events(keep_required=True))
def test_missing_extra_or_oddly_typed_optional_fields_never_stop_a_notification(event: dict[str, Any]) -> None:
    assert outcome(event) == "notified"


@settings(max_examples=60, deadline=None, database=None)
@given(value=st.one_of(st.none(), st.integers(), st.text(max_size=5), st.lists(st.integers(), max_size=2)))
def test_an_event_that_is_not_an_object_is_refused(value: Any) -> None:
    with pytest.raises(InvalidEventError) as raised:
        parse_event(value)
    assert raised.value.field in ("(event)", "detail-type")


@pytest.mark.parametrize("detail_type", DETAIL_TYPES)
def test_a_missing_required_field_is_refused_naming_it(detail_type: str) -> None:
    required = detail_keys(detail_type, required=True)
    assert required
    for key in required:
        # Nor under another name, nor in the resources (the detail-types AWS documents no fields of read those).
        event = copy.deepcopy(SAMPLE_BY_DETAIL_TYPE[detail_type])
        event["detail"] = {k: v for k, v in event["detail"].items() if k in required and k != key}
        event["resources"] = []
        with pytest.raises(InvalidEventError) as raised:
            parse_event(event)
        assert raised.value.field == f"detail.{key}"
        assert raised.value.detail_type == detail_type


@pytest.mark.parametrize("detail_type", DETAIL_TYPES)
def test_a_null_detail_is_refused_naming_the_detail(detail_type: str) -> None:
    event = copy.deepcopy(SAMPLE_BY_DETAIL_TYPE[detail_type])
    event["detail"] = None
    with pytest.raises(InvalidEventError) as raised:
        parse_event(event)
    assert raised.value.field == "detail"


# The payload grows differently when encoded: 1, 2 or 4 bytes a character, or 6 once JSON-escaped.
CHARS = ["x", "\u05d0", "\U0001f600", "\x00"]


@pytest.mark.parametrize("detail_type", DETAIL_TYPES)
def test_a_250_kb_detail_is_notified_within_sns_rules(detail_type: str) -> None:
    event = copy.deepcopy(SAMPLE_BY_DETAIL_TYPE[detail_type])
    event["detail"]["Unmodelled"] = CHARS[DETAIL_TYPES.index(detail_type) % len(CHARS)] * (250 * KB)

    notification = render(parse_event(event), event)

    assert_sns_accepts(notification)
    assert notification.document["truncated"] is True
    assert notification.document["eventId"] == event["id"]
    assert notification.document["detailType"] == detail_type
