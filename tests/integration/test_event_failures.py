"""Why it failed, in one event's own message (the AMI function always; the others with
perInstanceNotifications "each"): the real handlers, the reads answered by the SSM and EC2 stand-in
from the *.reads.json beside the samples, the message as the subscriber's queue receives it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext

from tools.harness.calendar_service import calendar_service
from tools.harness.handler_loader import LambdaHandler
from tools.harness.samples import EVENTS_DIR, function_of, load
from tools.harness.subscribers import Subscribers

APT = "E: Unable to locate package foo"
STEP = "Step fails when it is Execution of the step. An error occurred (InvalidInstanceId)"
# sample -> (what the message says failed, a line it quotes from the read, the item it names)
SAMPLES = {
    "ami/failed": (
        "Client.InvalidKMSKey.InvalidState: The KMS key provided is in an incorrect state",
        "tags: Name=golden-al2023-2025-06-02, Pipeline=golden-ami-nightly, Team=platform",
        "ami-0123456789example (golden-al2023-2025-06-02)",
    ),
    "run-command/invocation-failed": (
        APT,
        "aws:runShellScript Failed (Failed, exit code 100)",
        "i-0b1c2d3e4fEXAMPLE (web-01)",
    ),
    # The command failed as a whole: its invocations say on which instance, and why.
    "run-command/command-failed": (
        APT,
        "aws:runShellScript Failed (Failed, exit code 100)",
        "i-0b1c2d3e4fEXAMPLE (web-01)",
    ),
    "automation/step-failed": (STEP, "installCloudWatchAgent (aws:runCommand) Failed", "installCloudWatchAgent"),
    "automation/execution-failed": (STEP, "installCloudWatchAgent (aws:runCommand) Failed", "installCloudWatchAgent"),
    "state-manager/instance-association-failed": (
        "detailed status Failed, error code 1",
        "output: https://s3.us-east-2.amazonaws.com/ssm-association-logs-123456789012/state-manager/",
        "i-0d5e6f7a8bEXAMPLE (app-02)",
    ),
    "maintenance-window/task-target-invocation-failed": (
        "Cannot find a valid baseurl for repo: amzn2-core/2/x86_64",
        "command 5e7a9c1b-3d5f-4a6b-8c0d-2e4f6EXAMPLE on i-0c4d5e6f7aEXAMPLE:",
        "9b8a7c6d-5e4f-4a3b-9c2d-1e0f2EXAMPLE",
    ),
    "maintenance-window/task-execution-failed": (
        "Cannot find a valid baseurl for repo: amzn2-core/2/x86_64",
        "PatchLinux Failed (Failed, exit code 1)",
        "9b8a7c6d-5e4f-4a3b-9c2d-1e0f2EXAMPLE",
    ),
}


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The SSM and EC2 reads answered from events/**/*.reads.json, as `make demo` answers them."""
    with calendar_service([], [EVENTS_DIR]) as (endpoint, service):
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", endpoint)
        monkeypatch.setenv("AWS_ENDPOINT_URL_EC2", endpoint)
        yield service


def _published(
    sample: str,
    build_handler: Callable[[str], LambdaHandler],
    context: LambdaContext,
    subscribers: Subscribers,
    drain: Callable[[str], list[dict[str, Any]]],
) -> tuple[dict[str, Any], str]:
    handler = build_handler(function_of(EVENTS_DIR / f"{sample}.json"))
    handler(load(sample), context)
    (raw,) = drain(subscribers.raw_queue_url)
    (wrapped,) = drain(subscribers.envelope_queue_url)
    return json.loads(raw["Body"]), json.loads(wrapped["Body"])["Message"]


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_a_failure_message_says_why_names_the_item_and_the_next_step(
    sample: str,
    stand_in: Any,
    build_handler: Callable[[str], LambdaHandler],
    lambda_context: LambdaContext,
    subscribers: Subscribers,
    drain: Callable[[str], list[dict[str, Any]]],
) -> None:
    summary, quoted, named = SAMPLES[sample]
    document, _message = _published(sample, build_handler, lambda_context, subscribers, drain)

    failure = document["failure"]
    assert failure["unavailable"] == []
    (reason,) = failure["reasons"]
    assert reason["summary"].startswith(summary) and reason["count"] == reason["read"] == 1
    assert any(line.startswith(quoted) for line in reason["output"].split("\n")), reason["output"]
    assert failure["nextSteps"][0].startswith(("aws ssm ", "aws ec2 ")) and failure["links"][0].startswith("https://")
    assert 1 <= failure["calls"] <= 20
    text = document["text"]  # what e-mail subscribers read
    assert "\nWhy it failed:\n" in text and f"\n    {named}" in text and "\nNext steps:\n" in text
    assert summary not in document["subject"]  # what instances say never reaches the subject


def test_a_success_reads_nothing(
    stand_in: Any,
    build_handler: Callable[[str], LambdaHandler],
    lambda_context: LambdaContext,
    subscribers: Subscribers,
    drain: Callable[[str], list[dict[str, Any]]],
) -> None:
    document, message = _published("ami/available", build_handler, lambda_context, subscribers, drain)
    assert "failure" not in document and "Why it failed" not in message
    assert sum(stand_in.reads.calls.values()) == 0
