"""The chat payload (Amazon Q Developer custom notification): valid against the schema kept here, within
its limits, one thread per operation, calendar and image, and untrusted text that stays text."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from jsonschema import Draft202012Validator

from notifier.chat import card as chat
from notifier.chat.card import chat_payload, thread_id
from notifier.core.models import InvalidEventError, parse_event
from notifier.core.render import Extra, render
from notifier.failures.budget import Unavailable
from notifier.failures.event_failures import failure_extra, said_by_event
from notifier.failures.reasons import FailureReport, ReasonEntry
from notifier.fleet.digest_messages import render_digest
from notifier.fleet.summaries import ItemState, OperationRecord, summarize
from tests.payloads import STRANGE, events
from tests.pins.notifications import all_notifications
from tools.harness.digests import run_digest
from tools.harness.samples import load

SCHEMA = json.loads((Path(__file__).parent / "chat_notification_schema.json").read_text())
VALIDATOR = Draft202012Validator(SCHEMA)
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
MB = 1024 * 1024
CONSOLE = "https://eu-west-1.console.aws.amazon.com/systems-manager/run-command/c-9?region=eu-west-1"
# The notifier's own console links (checked by an independent pattern): the only URLs chat may carry.
TRUSTED_URL = re.compile(r"https://[a-z0-9-]+\.console\.aws\.amazon\.com/[A-Za-z0-9._~/?#=:%&+-]*")

HOSTILE = [
    "@here",
    "@channel please look",
    "@everyone",
    "<!channel>",
    "<!here|here>",
    "<@U0123ABCD>",
    "<#C0123ABCD|ops>",
    "<at>Jane Doe</at>",
    "<http://evil.example|click me>",
    "[click](http://evil.example/x)",
    "see https://evil.example/login now",
    "www.evil.example",
    "`rm -rf /`",
    "``` close the fence\n# Heading\n> quote",
    "# Heading",
    "> quoted",
    "* bullet",
    "- item",
    "+ item",
    "1. first",
    "| a | b |\n|---|---|",
    "~strike~ _italic_ *bold*",
    "&lt;!channel&gt;",
    "\u202eevil\u202c @\u200bhere",
    *(text for text in STRANGE if text.strip()),
    "x" * MB,
    "@here " * (MB // 6),
    "`" * MB,
]


# --- the properties every payload keeps ------------------------------------------------------


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def without_code(text: str) -> str:
    """The text outside fenced blocks and inline code spans (after checking nothing inside can close them)."""
    assert text.count("```") % 2 == 0, "an unbalanced code fence"
    fences = re.findall(r"```\n(.*?)\n```", text, flags=re.S)
    assert all("`" not in inside for inside in fences), "a backtick inside a code block"
    text = re.sub(r"```\n.*?\n```", "", text, flags=re.S)
    for line in text.split("\n"):
        assert line.count("`") % 2 == 0, f"an unbalanced code span: {line[:200]!r}"
    return re.sub(r"`[^`\n]*`", "", text)


def assert_safe(payload: dict[str, Any]) -> None:
    """Valid within the limits; no mention, no link but the notifier's, no closable code, no Markdown structure."""
    errors = sorted(VALIDATOR.iter_errors(payload), key=str)
    assert not errors, errors[0].message[:500]
    assert len(json.dumps(payload).encode()) < 256 * 1024
    for text in strings(payload):
        assert not re.search(r"(?i)@(here|channel|everyone)|<[!@#]|</?at>|[<>@]", text), text[:300]
        assert not re.search(r"&(lt|gt|amp);", text), text[:300]
        outside = TRUSTED_URL.sub("URL", without_code(text))
        assert not re.search(r"(?i)://|www\.|\]\(|<http", outside), outside[:300]
        assert not re.search(r"[*~|]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])", outside), outside[:300]
        for line in outside.split("\n"):
            assert not re.match(r"\s*([#>+\-]|\d+[.)](\s|$))", line), line[:300]


# --- documents ---------------------------------------------------------------------------


def report(
    output: str = "Reading package lists...\nE: Unable to locate package foo", name: str = "web-01"
) -> FailureReport:
    ids = [f"i-{n:017x}" for n in range(412)]
    return FailureReport(
        reasons=[
            ReasonEntry("Failed", ids, output=output, read=3, summary="E: Unable to locate package foo"),
            ReasonEntry("TimedOut", ["i-0timedout"], read=0),
        ],
        unavailable=[Unavailable("i-0timedout output", "AccessDeniedException: not allowed")],
        names={ids[0]: name},
        next_steps=[f"aws ssm get-command-invocation --command-id c-9 --instance-id {ids[0]} --region eu-west-1"],
        links=[CONSOLE + "#i-1", "https://evil.example/phish"],
        calls=7,
        noun="instance",
    )


def command(command_id: str = "c-9", account: str = "123456789012", document: str = "AWS-RunShellScript") -> Any:
    return OperationRecord(
        operation=f"command#{command_id}",
        kind="command",
        family="run-command",
        region="eu-west-1",
        account=account,
        fields={"command_id": command_id, "document_name": document},
        final_status="Failed",
        final_time="2026-03-02T10:07:30Z",
    )


def digest(failure: FailureReport | None = None, **record: str) -> dict[str, Any]:
    items = [ItemState(f"i-{n:017x}", "Failed" if n < 412 else "Success", "2026-03-02T10:05:00Z") for n in range(500)]
    return render_digest(summarize(command(**record), items, [], NOW), failure).document


def documents() -> dict[str, dict[str, Any]]:
    seen = all_notifications()
    found = {name: notification["document"] for name, notification in seen["samples"].items()}
    found["missed-transition"] = seen["missed-transition"]["document"]
    found |= {f"digest/{name}": notification["document"] for name, notification in seen["digests"].items()}
    found["digest/with-failure-report"] = digest(report())
    raw = load("run-command/invocation-failed")
    found["event/with-failure-report"] = render(parse_event(raw), raw, failure_extra(report())).document
    return found


DOCUMENTS = documents()


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_every_sample_and_digest_gives_a_valid_payload_within_the_limits(name: str) -> None:
    payload = chat_payload(DOCUMENTS[name])
    assert_safe(payload)
    assert payload["content"]["title"].split(" ")[1] in ("[ERROR]", "[WARNING]", "[INFO]")
    assert DOCUMENTS[name]["region"] in payload["content"]["description"]


def test_the_schema_holds_the_renderers_limits_and_rejects_what_breaks_them() -> None:
    Draft202012Validator.check_schema(SCHEMA)
    content, metadata = SCHEMA["properties"]["content"]["properties"], SCHEMA["properties"]["metadata"]["properties"]
    assert content["title"]["maxLength"] == chat.TITLE_MAX
    assert content["description"]["maxLength"] == chat.DESCRIPTION_MAX
    assert (content["nextSteps"]["maxItems"], content["nextSteps"]["items"]["maxLength"]) == (5, chat.NEXT_STEP_MAX)
    assert (content["keywords"]["maxItems"], content["keywords"]["items"]["maxLength"]) == (10, chat.KEYWORD_MAX)
    assert metadata["threadId"]["maxLength"] == chat.THREAD_ID_MAX
    assert metadata["summary"]["maxLength"] == chat.SUMMARY_MAX
    assert metadata["additionalContext"]["maxProperties"] == chat.CONTEXT_ITEMS
    good = chat_payload(DOCUMENTS["digest/with-failure-report"])
    assert VALIDATOR.is_valid(good)
    for path, bad in [
        (("version",), "1"),
        (("source",), "aws"),
        (("content", "textType"), "markdown"),
        (("content", "title"), "x" * (chat.TITLE_MAX + 1)),
        (("content", "description"), "x" * (chat.DESCRIPTION_MAX + 1)),
        (("content", "nextSteps"), ["step"] * 6),
        (("metadata", "eventType"), "Operation Digest"),
        (("metadata", "threadId"), "t" * 129),
    ]:
        broken = json.loads(json.dumps(good))
        *parents, last = path
        target = broken
        for key in parents:
            target = target[key]
        target[last] = bad
        assert not VALIDATOR.is_valid(broken), path
    del good["content"]["description"]
    assert not VALIDATOR.is_valid(good)


def test_a_failure_shows_its_reasons_names_output_and_next_steps() -> None:
    content = chat_payload(DOCUMENTS["digest/with-failure-report"])["content"]
    description = content["description"]
    assert "Failed: 412 instances: `E: Unable to locate package foo`" in description
    assert "`i-00000000000000000 (web-01)`" in description and "and 402 more" in description
    assert "```\nReading package lists...\n```" in description
    assert "Could not be read (1): i-0timedout output: AccessDeniedException: not allowed" in description
    assert description.endswith(
        "Console: https://eu-west-1.console.aws.amazon.com/systems-manager/run-command/c-9?region=eu-west-1"
    )
    assert content["nextSteps"] == [
        "Full output: `aws ssm get-command-invocation --command-id c-9 --instance-id i-00000000000000000"
        " --region eu-west-1`",
        f"Console: {CONSOLE}#i-1",
    ]  # the link the notifier did not compose is not a next step


# --- threads -------------------------------------------------------------------------------


def _event(sample: str, **detail: str) -> dict[str, Any]:
    raw = load(sample)
    raw["detail"].update(detail)
    return render(parse_event(raw), raw).document


def _with(document: dict[str, Any], **head: str) -> dict[str, Any]:
    return {**document, **head}


def test_one_operation_is_one_thread_and_two_operations_are_two() -> None:
    invocation = _event("run-command/invocation-failed", **{"command-id": "c-9"})
    status = _event("run-command/command-failed", **{"command-id": "c-9"})
    region = dict(account=invocation["account"], region=invocation["region"])
    status = _with(status, **region)
    assert thread_id(invocation) == thread_id(status)
    assert thread_id(invocation) == thread_id(_with(digest(), **region))  # the fleet's message about it
    other = _event("run-command/invocation-failed", **{"command-id": "c-10"})
    assert thread_id(other) != thread_id(invocation)
    assert thread_id(_with(invocation, account="210987654321")) != thread_id(invocation)
    assert thread_id(_with(invocation, region="us-west-2")) != thread_id(invocation)
    assert thread_id(digest(account="210987654321")) != thread_id(digest())
    assert thread_id(digest(command_id="c-10")) != thread_id(digest())
    step = _event("automation/step-failed", ExecutionId="e-1")
    execution = _with(
        _event("automation/execution-failed", ExecutionId="e-1"), account=step["account"], region=step["region"]
    )
    assert thread_id(step) == thread_id(execution) != thread_id(_event("automation/step-failed", ExecutionId="e-2"))


def test_a_calendar_an_image_and_anything_else_have_their_own_threads() -> None:
    opened, closed = _event("calendar/open"), _event("calendar/closed")
    closed = _with(closed, account=opened["account"], region=opened["region"])
    assert thread_id(opened) == thread_id(closed)
    assert thread_id(_with(opened, account="210987654321")) != thread_id(opened)
    other = ["arn:aws:ssm:us-east-2:123456789012:document/OtherCalendar"]
    raw = {**load("calendar/open"), "resources": other}
    assert thread_id(render(parse_event(raw), raw).document) != thread_id(opened)
    failed = _event("ami/failed")
    available = _with(
        _event("ami/available", ImageId=failed["fields"]["image_id"]),
        account=failed["account"],
        region=failed["region"],
    )
    assert thread_id(failed) == thread_id(available) != thread_id(_event("ami/failed", ImageId="ami-0other"))
    opsitem = _event("ops-center/opsitem-create")
    assert thread_id(opsitem) == f"ssm-notifier:event:{opsitem['account']}:{opsitem['region']}:{opsitem['eventId']}"


def test_a_long_or_strange_key_gives_a_stable_bounded_thread_id() -> None:
    for key in ["c-" + "9" * 300, "c 9/../<@U1>", "\u202e" * 10]:
        document = _event("run-command/invocation-failed", **{"command-id": key})
        first, second = thread_id(document), thread_id(json.loads(json.dumps(document)))
        assert first == second and len(first) <= chat.THREAD_ID_MAX
        assert re.fullmatch(SCHEMA["properties"]["metadata"]["properties"]["threadId"]["pattern"], first)
    assert thread_id(_event("run-command/invocation-failed", **{"command-id": "c 9"})) != thread_id(
        _event("run-command/invocation-failed", **{"command-id": "c_9"})
    )


# --- untrusted text ------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE, ids=[f"hostile-{n}" for n in range(len(HOSTILE))])
def test_hostile_text_in_a_parameter_name_an_opsitem_title_or_command_output_stays_text(text: str) -> None:
    payloads = [
        chat_payload(_event("parameter-store/create", name=text, description=text)),
        chat_payload(_event("ops-center/opsitem-create", title=text, description=text)),
        chat_payload(digest(report(output=text, name=text), document=text)),
        chat_payload(_with(_event("run-command/invocation-failed", **{"document-name": text}), accountName=text)),
    ]
    raw = load("calendar/open")
    cause = {"summary": text, "description": text, "start": "2026-03-02T10:00:00Z"}
    explanation = {"name": text, "type": "DEFAULT_OPEN", "state": "OPEN", "causes": [cause], "next": {"state": text}}
    payloads.append(chat_payload(render(parse_event(raw), raw, Extra("calendar", explanation, [])).document))
    for payload in payloads:
        assert_safe(payload)


def test_hostile_text_stays_readable() -> None:
    payload = chat_payload(_event("ops-center/opsitem-create", title="@here see <http://x|y> `now`"))
    assert "\uff20here see \u2039http:\u2044\u2044x\uffe8y\u203a \u02cbnow\u02cb" in payload["content"]["title"]
    output = "step 1\n```\n# done @channel\nE: Unable to locate package foo"
    description = chat_payload(digest(report(output=output)))["content"]["description"]
    assert "```\nstep 1\n\u02cb\u02cb\u02cb\n# done \uff20channel\n```" in description  # the summary line said once


def test_a_document_of_megabytes_and_odd_types_still_gives_a_bounded_valid_payload() -> None:
    huge = "<!channel> [x](https://evil.example) `" + "\u00e9@" * MB
    document: dict[str, Any] = {key: huge for key in DOCUMENTS["event/with-failure-report"]}
    document |= {
        "detailType": "EC2 Command Invocation Status-change Notification",
        "fields": {"command_id": huge, "instance_id": huge, "status": None, "document_name": 7},
        "resources": [huge] * 1000,
        "links": {"console": "https://evil.example/" + huge},
        "failure": {
            "reasons": [{"reason": huge, "count": 10**6, "items": [huge] * 50, "summary": huge, "output": huge}] * 50,
            "unavailable": [{"detail": huge, "error": huge}] * 50,
            "nextSteps": [huge] * 50,
            "links": [huge] * 50,
        },
        "calendar": {"causes": [{"summary": huge, "description": huge}] * 50, "next": {"state": huge}},
    }
    payload = chat_payload(document)
    assert_safe(payload)
    assert "more lines not shown" in payload["content"]["description"]
    for odd in [{}, {"operation": "x", "failed": 3, "failure": [], "links": None, "severity": ["error"]}]:
        assert_safe(chat_payload(odd))


@settings(max_examples=120, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(event=events())
def test_any_strange_event_gives_a_safe_payload(event: dict[str, Any]) -> None:
    try:
        parsed = parse_event(event)
    except InvalidEventError:
        assume(False)
        return
    assert_safe(chat_payload(render(parsed, event).document))


def test_an_id_that_is_only_underscores_stays_plain_text() -> None:
    """Found by the strange-event run above (seed 3): an image id "_" reached the thread id at a word edge."""
    for image_id in ("_", "__", "_x_"):
        event = load("ami/failed")
        event["detail"]["ImageId"] = image_id
        payload = chat_payload(render(parse_event(event), event).document)
        assert_safe(payload)
        assert (
            payload["metadata"]["threadId"]
            != chat_payload(render(parse_event(load("ami/failed")), load("ami/failed")).document)["metadata"][
                "threadId"
            ]
        )


def test_a_windows_notices_and_its_runs_share_the_windows_thread() -> None:
    def run(window: str, execution: str) -> dict[str, Any]:
        return run_digest(
            "window-execution", execution, "FAILED", window_id=window, window_execution_id=execution
        ).document

    place = {"account": "123456789012", "region": "eu-west-1"}
    notice = {"family": "notice", "notice": {"kind": "window", "window": {"id": "mw-1"}}, **place}
    assert thread_id(run("mw-1", "run-1")) == thread_id(run("mw-1", "run-2")) == thread_id(notice)
    assert thread_id(run("mw-2", "run-3")) != thread_id(notice)
    # A task target's own event (perInstanceNotifications=each), with the window's id: the same thread.
    target = _event("maintenance-window/task-target-invocation-failed")
    window, where = target["fields"]["window_id"], {"account": target["account"], "region": target["region"]}
    assert thread_id(target) == thread_id({**run(window, "run-4"), **where})


def test_a_failure_said_by_its_event_is_headed_in_the_card_as_in_the_email() -> None:
    raw = load("change-manager/rejected")
    event = parse_event(raw)
    report = said_by_event(event)
    assert report is not None
    notification = render(event, raw, failure_extra(report))
    description = chat_payload(notification.document)["content"]["description"]
    assert "\nWhy it failed, as the event says:\n" in notification.text
    assert "Why it failed, as the event says:" in description
