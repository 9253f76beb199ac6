"""Why it failed, in fleet messages: reads answered by the local stand-in (fixtures), through the
batch function, the operations table and the real sweeper handler, as a subscriber receives it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from notifier.failures.output import OUTPUT_TAIL
from notifier.fleet.operation_store import OperationStore
from tests.integration.test_storm_local import (  # noqa: F401  (fixtures)
    Pipeline,
    dead_letter_queue,
    operations_table,
)
from tools.harness.calendar_service import calendar_service
from tools.harness.handler_loader import load_module
from tools.harness.read_fixtures import ReadFixtures
from tools.storm import generate

OUTPUTS = (
    "Reading package lists...\nE: Unable to locate package foo",
    "Downloading patches\nerror: disk full on /var",
    "Traceback (most recent call last):\nPermissionError: [Errno 13] Permission denied: '/etc/shadow'",
)


@pytest.fixture
def stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The SSM and EC2 stand-in, answering from the fixtures a test writes to tmp_path; before `pipeline`."""
    with calendar_service([], [tmp_path]) as (endpoint, service):
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", endpoint)
        monkeypatch.setenv("AWS_ENDPOINT_URL_EC2", endpoint)
        yield service


@pytest.fixture
def pipeline(
    stand_in: Any,
    operations_table: str,  # noqa: F811  (the imported fixture)
    dead_letter_queue: str,  # noqa: F811  (the imported fixture)
    subscribers: Any,
    dynamodb: Any,
    drain: Any,
) -> Pipeline:
    """The storm pipeline, its handlers loaded after the stand-in's endpoints are set."""
    batch, sweeper = load_module("handlers.operation_events"), load_module("handlers.operation_sweeper")
    return Pipeline(batch, sweeper, OperationStore(dynamodb, operations_table), subscribers, drain, dead_letter_queue)


def write_fixtures(folder: Path, entries: list[dict[str, Any]]) -> None:
    (folder / "fleet.reads.json").write_text(json.dumps(entries))


def invocation(command_id: str, instance: str, output: str, code: int = 100) -> dict[str, Any]:
    plugin = {"Name": "PatchLinux", "Status": "Failed", "StatusDetails": "Failed", "ResponseCode": code}
    return {
        "call": "ssm.ListCommandInvocations",
        "request": {"CommandId": command_id, "InstanceId": instance},
        "answer": {"CommandInvocations": [{"InstanceId": instance, "CommandPlugins": [{**plugin, "Output": output}]}]},
    }


def names(instances: list[str]) -> dict[str, Any]:
    reservations = [
        {"Instances": [{"InstanceId": i, "Tags": [{"Key": "Name", "Value": f"web-{n:04d}"}]}]}
        for n, i in enumerate(instances)
    ]
    return {"call": "ec2.DescribeInstances", "request": {}, "answer": {"Reservations": reservations}}


def reload(stand_in: Any, folder: Path) -> None:
    """The stand-in read its folder when it started: the fixtures the test wrote since."""
    stand_in.reads = ReadFixtures([folder])


def test_1000_failures_with_3_reasons_are_3_groups_read_within_the_bound(
    stand_in: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pipeline: Pipeline
) -> None:
    storm = generate(1000, 1000, kind="command", repeats=0.1, seed=11)
    entries = [invocation(storm.operation_id, i, OUTPUTS[n % 3]) for n, i in enumerate(storm.failed)]
    write_fixtures(tmp_path, [*entries, names(storm.failed)])
    reload(stand_in, tmp_path)

    pipeline.deliver(storm.events)
    pipeline.sweep()
    (message,) = pipeline.received()

    failure = message["document"]["failure"]
    read = [r for r in failure["reasons"] if r["read"]]
    assert sorted(r["output"].split("\n")[-1] for r in read) == sorted(o.split("\n")[-1] for o in OUTPUTS)
    assert sum(r["read"] for r in read) <= 20 and failure["calls"] <= 20
    assert sum(stand_in.reads.calls.values()) <= 20
    (unread,) = [r for r in failure["reasons"] if not r["read"]]
    assert unread["count"] == 1000 - sum(r["read"] for r in read)
    assert failure["unavailable"] == []
    assert failure["nextSteps"][0].startswith(f"aws ssm get-command-invocation --command-id {storm.operation_id} ")
    text = message["document"]["text"]
    assert "Why it failed (read for" in text
    assert "E: Unable to locate package foo" in text and "      | Reading package lists..." in text
    assert "(web-" in text  # names people know
    assert any(entry.get("name", "").startswith("web-") for entry in message["document"]["failed"])
    assert "E: Unable" not in message["subject"]


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (
            {"error": {"code": "AccessDeniedException", "message": "not authorized"}},
            "AccessDeniedException: not authorized",
        ),
        # The SDK retries a throttled read; with its back-off that may outlast a 1 s budget.
        ({"error": {"code": "ThrottlingException", "message": "Rate exceeded"}}, "ThrottlingException|Timeout"),
        ({"answer": {"CommandInvocations": []}}, "NotFound: the read found nothing"),
        ({"answer": {"CommandInvocations": []}, "delay": 5.0}, "Timeout: no answer within the 1 s budget"),
    ],
)
def test_a_read_denied_throttled_empty_or_slow_leaves_the_message_on_time_with_the_unavailable_line(
    stand_in: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fault: dict[str, Any],
    error: str,
    pipeline: Pipeline,
) -> None:
    failures = pipeline.sweeper.failures
    monkeypatch.setattr(failures, "reading", type(failures.reading)(reads=20, seconds=1.0))
    storm = generate(5, 1, kind="command", repeats=0.0, seed=3)
    (instance,) = storm.failed
    write_fixtures(
        tmp_path,
        [{"call": "ssm.ListCommandInvocations", "request": {"CommandId": storm.operation_id}, **fault}],
    )
    reload(stand_in, tmp_path)

    pipeline.deliver(storm.events)
    started = time.monotonic()
    pipeline.sweep()
    took = time.monotonic() - started
    (message,) = pipeline.received()

    assert took < 3.0  # the budget, and the publish
    unavailable = message["document"]["failure"]["unavailable"]
    (line,) = [u for u in unavailable if u["detail"] == f"why {instance} failed"]
    assert line["error"] == error or line["error"].startswith(tuple(error.split("|")))
    assert f"why {instance} failed: {line['error']}" in message["document"]["text"]
    assert message["subject"] == "[ERROR] Run Command AWS-RunPatchBaseline Failed: 1 of 5 instances failed (us-east-1)"


def test_hostile_output_stays_inside_the_body_cut_and_clean(stand_in: Any, tmp_path: Path, pipeline: Pipeline) -> None:
    """Escape sequences, control characters, lone surrogates, header lookalikes and a megabyte of output."""
    hostile = (
        "\x1b[31mE: bad\x07\r\nSubject: you have been hacked\r\nBcc: everyone@example.com\n"
        + "x" * 1_000_000
        + "\nFrom: admin\u2028\udcff\x00\nE: Unable to locate package \x1b]0;title\x07foo"
    )
    storm = generate(5, 1, kind="command", repeats=0.0, seed=5)
    (instance,) = storm.failed
    write_fixtures(tmp_path, [invocation(storm.operation_id, instance, hostile)])
    reload(stand_in, tmp_path)

    pipeline.deliver(storm.events)
    pipeline.sweep()
    (message,) = pipeline.received()

    (reason,) = [r for r in message["document"]["failure"]["reasons"] if r["read"]]
    assert reason["summary"] == "E: Unable to locate package foo"
    assert len(reason["output"]) <= 2 * OUTPUT_TAIL
    text = message["document"]["text"]
    assert len(text.encode()) < 64 * 1024
    assert not [c for c in text if c < " " and c != "\n"] and "\udcff" not in text and "\u2028" not in text
    quoted_lines = [line for line in text.split("\n") if "Subject: you" in line or "From: admin" in line]
    assert quoted_lines and all(line.startswith("      | ") for line in quoted_lines)
    assert "hacked" not in message["subject"] and "Unable" not in message["subject"]
