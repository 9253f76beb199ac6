"""Whatever a payload holds, SNS accepts the notification and a subscriber can read it."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notifier.core.models import parse_event
from notifier.core.render import CUT_MARKER, MESSAGE_BUDGET, SNS_MAX_BYTES, SUBJECT_MAX, Notification, cut, render
from tools.harness.samples import load

SUBJECT_RE = re.compile(r"^\[(ERROR|WARNING|INFO)\] [\x20-\x7e]+$")
KB = 1024


def _render(raw: dict[str, Any]) -> Notification:
    return render(parse_event(raw), raw)


def _assert_sns_subject(subject: str) -> None:
    assert SUBJECT_RE.match(subject), repr(subject)
    assert len(subject) <= SUBJECT_MAX
    assert "\n" not in subject and "\r" not in subject
    assert subject == subject.strip()


def _assert_sns_size(notification: Notification) -> None:
    assert notification.size() <= SNS_MAX_BYTES
    # size() must not under-count: check it against an independent count.
    message = len(notification.sns_message().encode("utf-8"))
    attributes = sum(len(k.encode()) + len(v.encode()) for k, v in notification.attributes.items())
    assert message + attributes <= SNS_MAX_BYTES
    json.loads(json.loads(notification.sns_message())["default"])  # still valid JSON


STRANGE_TITLES = {
    "japanese": "\u30d1\u30c3\u30c1\u9069\u7528\u304c\u5931\u6557\u3057\u307e\u3057\u305f",
    "accented": "Cr\u00e9ation \u00e9chou\u00e9e \u00e0 Z\u00fcrich, se\u00f1or",
    "emoji": "\U0001f525 deploy \U0001f680\U0001f468\u200d\U0001f469\u200d\U0001f467 failed \u2705",
    "arabic": "\u0641\u0634\u0644 \u0627\u0644\u062a\u062d\u062f\u064a\u062b",
    "hebrew-rlm": "\u05e2\u05d3\u05db\u05d5\u05df \u200f\u05e0\u05db\u05e9\u05dc\u200f",
    "rlo-override": "invoice \u202egnp.exe\u202c done",
    "controls": "line one\nline two\r\n\ttabbed\x00nul\x07bell\x1b[31mred\x7f\x85\u2028\u2029end",
    "zero-width": "a\u200bb\ufeffc\u2060d",
    "only-controls": "\n\r\t\x00",
    "braces": "{status} {0} {region!r} {",
}


@pytest.mark.parametrize("title", STRANGE_TITLES.values(), ids=STRANGE_TITLES.keys())
def test_strange_text_in_the_subject_fields_gives_a_valid_subject(title: str) -> None:
    raw = load("ops-center/opsitem-create")
    raw["detail"]["title"] = title
    raw["detail"]["ops-item-id"] = "oi-" + title
    notification = _render(raw)
    _assert_sns_subject(notification.subject)
    assert notification.subject.startswith("[INFO] OpsItem oi-")
    assert notification.subject.endswith(" (us-east-1)")
    # The machine document keeps the original text untouched.
    assert notification.document["event"]["detail"]["title"] == title
    assert notification.document["fields"]["title"] == title


def test_accents_are_kept_as_their_base_letters() -> None:
    raw = load("ops-center/opsitem-create")
    raw["detail"]["title"] = "Cr\u00e9ation \u00e9chou\u00e9e \u00e0 Z\u00fcrich"
    assert "Creation echouee a Zurich" in _render(raw).subject


def test_bidi_controls_are_dropped_from_the_subject() -> None:
    raw = load("ops-center/opsitem-create")
    raw["detail"]["title"] = "invoice \u202egnp.exe\u202c done\u200f"
    subject = _render(raw).subject
    assert "invoice gnp.exe done" in subject


def test_control_characters_do_not_reach_subject_attributes_or_text_lines() -> None:
    raw = load("ami/failed")
    nasty = "ami-1\nBcc: victim@example.com\r\n\x00\x1b[2J"
    raw["detail"]["ImageId"] = nasty
    raw["detail"]["State"] = "failed\r\nX-Injected: 1"
    notification = _render(raw)
    _assert_sns_subject(notification.subject)
    for value in notification.attributes.values():
        assert re.fullmatch(r"[\x20-\x7e]+", value), repr(value)
    for line in notification.text.split("\n"):
        assert not re.search(r"[\x00-\x1f\x7f-\x9f]", line), repr(line)
    # Each field keeps to its own line: the injected header is not a line of its own.
    assert not any(line.startswith("Bcc:") for line in notification.text.split("\n"))
    assert not any(line.startswith("X-Injected:") for line in notification.text.split("\n"))


def test_non_ascii_attribute_values_stay_non_empty_ascii() -> None:
    raw = load("calendar/open")
    raw["detail"]["state"] = "\u958b\u3044\u3066\u3044\u308b"
    raw["account"] = "\u202e\u200f"
    notification = _render(raw)
    for key, value in notification.attributes.items():
        assert value, key
        assert re.fullmatch(r"[\x20-\x7e]+", value), (key, value)


@pytest.mark.parametrize("field", ["ErrorMessage", "RequestId", "Unmodelled"])
def test_a_250_kb_string_is_cut_to_fit_sns(field: str) -> None:
    raw = load("ami/failed")
    raw["detail"][field] = "E" * (250 * KB)
    notification = _render(raw)
    _assert_sns_size(notification)
    message = notification.sns_message()
    assert "truncated" in message
    assert notification.document.get("truncated") is True
    assert "...[truncated " in json.dumps(notification.document)
    # What a subscriber needs survives the cut.
    assert notification.document["eventId"] == raw["id"]
    assert notification.document["severity"] == "error"
    assert notification.subject == "[ERROR] AMI ami-0123456789example is failed (us-east-1)"
    assert raw["id"] in notification.text


def test_a_250_kb_description_in_the_text_body_is_cut_with_a_marker() -> None:
    raw = load("ops-center/opsitem-update")
    raw["detail"]["description"] = "d" * (250 * KB)
    notification = _render(raw)
    _assert_sns_size(notification)
    description = [line for line in notification.text.splitlines() if line.startswith("Description:")]
    assert len(description) == 1
    assert "...[truncated " in description[0]
    assert len(description[0]) < 2 * KB


@pytest.mark.parametrize(
    "char",
    ["\U0001f600", '"', "\\", "\x01", "\u00e9"],
    ids=["emoji-4-bytes", "quote", "backslash", "control-escaped", "two-bytes"],
)
def test_250_kb_of_characters_that_grow_when_encoded_still_fit(char: str) -> None:
    raw = load("parameter-store/update")
    raw["detail"]["description"] = char * (250 * KB)
    notification = _render(raw)
    _assert_sns_size(notification)
    assert "truncated" in notification.sns_message()


def test_many_strings_each_under_the_cut_still_fit() -> None:
    raw = load("run-command/command-success")
    raw["detail"]["parameters"] = {f"p{i}": ["v" * 2000] for i in range(200)}
    notification = _render(raw)
    _assert_sns_size(notification)
    assert "truncated" in notification.sns_message()


def test_a_detail_with_20000_small_keys_fits() -> None:
    raw = load("state-manager/instance-association-success")
    for i in range(20_000):
        raw["detail"][f"key-{i:05d}"] = f"value-{i}"
    notification = _render(raw)
    _assert_sns_size(notification)
    assert notification.document["eventId"] == raw["id"]
    assert notification.document["severity"] == "info"
    assert "truncated" in notification.sns_message()
    assert notification.subject.endswith("(us-east-2)")


def test_a_20000_key_parameters_object_fits() -> None:
    raw = load("run-command/command-success")
    raw["detail"]["parameters"] = {f"k{i}": [str(i)] for i in range(20_000)}
    notification = _render(raw)
    _assert_sns_size(notification)
    params = [line for line in notification.text.splitlines() if line.startswith("Parameters:")]
    assert len(params) == 1 and "...[truncated " in params[0]


def test_20000_resources_fit_and_the_text_lists_a_few() -> None:
    raw = load("maintenance-window/execution-success")
    raw["resources"] = [f"arn:aws:ssm:us-east-2:123456789012:maintenancewindow/mw-{i:017d}" for i in range(20_000)]
    notification = _render(raw)
    _assert_sns_size(notification)
    assert sum(line.startswith("Resource:") for line in notification.text.splitlines()) == 10


def test_an_extremely_long_title_is_cut_with_an_ellipsis() -> None:
    raw = load("ops-center/opsitem-create")
    raw["detail"]["title"] = "Disk space low on the fleet " * 4000
    notification = _render(raw)
    subject = notification.subject
    _assert_sns_subject(subject)
    assert subject.startswith("[INFO] OpsItem oi-123456abcdef created (Open): Disk space low")
    assert subject.endswith("... (us-east-1)")
    assert len(subject) == SUBJECT_MAX  # it uses the room it has
    assert "...[truncated " in notification.document["summary"]
    _assert_sns_size(notification)


def test_a_long_region_does_not_push_the_subject_over_the_limit() -> None:
    raw = load("ami/failed")
    raw["region"] = "r" * 500
    _assert_sns_subject(_render(raw).subject)


def test_a_subject_that_fits_is_not_cut() -> None:
    raw = load("ops-center/opsitem-create")
    room = SUBJECT_MAX - len("[INFO] OpsItem oi-123456abcdef created (Open): ") - len(" (us-east-1)")
    raw["detail"]["title"] = "x" * room
    subject = _render(raw).subject
    assert len(subject) == SUBJECT_MAX
    assert "..." not in subject


def test_cut_never_exceeds_its_limit_and_counts_what_it_removed() -> None:
    """cut() promises text within `limit` characters; every key field and the summary rely on it."""
    overshoots = []
    for limit in (64, 100, 1000, 16 * KB):
        for extra in (1, 9, 10, 99, 100, 999, 9_975, 9_999, 99_970, 250 * KB):
            text = "a" * (limit + extra)
            result = cut(text, limit)
            kept, _, rest = result.partition("...[truncated ")
            removed = int(rest.split(" ")[0])
            assert kept == text[: len(kept)]
            assert len(kept) + removed == len(text), (limit, extra, result[-40:])
            assert result.endswith(CUT_MARKER.format(removed))
            if len(result) > limit:
                overshoots.append((limit, extra, len(result)))
    assert overshoots == [], "cut() returned more than `limit` characters (limit, extra, length)"


def test_cut_leaves_short_text_alone() -> None:
    assert cut("short", 5) == "short"
    assert cut("", 0) == ""


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=st.text(max_size=300), status=st.text(min_size=1, max_size=40))
def test_any_text_gives_a_valid_subject_and_attributes(title: str, status: str) -> None:
    raw = load("ops-center/opsitem-update")
    raw["detail"]["title"] = title
    raw["detail"]["status"] = status
    notification = _render(raw)
    _assert_sns_subject(notification.subject)
    assert notification.subject.endswith(" (us-east-1)")
    for value in notification.attributes.values():
        assert re.fullmatch(r"[\x20-\x7e]{1,256}", value), repr(value)
    json.loads(notification.sns_message())


@pytest.mark.parametrize("field", ["State", "ImageId"])
def test_a_huge_status_or_id_still_fits_with_room_to_spare(field: str) -> None:
    raw = load("ami/failed")
    raw["detail"][field] = "F" * 200_000
    notification = render(parse_event(raw), raw)
    assert notification.size() <= MESSAGE_BUDGET
    assert notification.document["truncated"] is True
    assert len(notification.document["status"]) <= 16 * 1024
    assert all(len(line) <= 1100 for line in notification.text.splitlines())
