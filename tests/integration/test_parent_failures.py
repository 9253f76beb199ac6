"""A failure heard only through its own status event says why: an Automation execution Failed, a Run
Command TimedOut and a Maintenance Window run TIMED_OUT (AWS often sends only the parent's event)
read their items within the message's budget, and a just-in-time access request that failed reads
its OpsItem. The reads are answered by the local stand-in from the samples' *.reads.json, or denied;
the messages are what the subscriber's queue receives (the digest sweeper's, the function's)."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext

from tests.integration.test_failure_reasons import pipeline, reload, stand_in  # noqa: F401  (fixtures)
from tests.integration.test_storm_local import (  # noqa: F401  (fixtures)
    Pipeline,
    dead_letter_queue,
    operations_table,
)
from tools.harness.handler_loader import LambdaHandler
from tools.harness.samples import EVENTS_DIR, load
from tools.harness.subscribers import Subscribers

# sample -> (the call its message reads first, what the reasons say, the items named, the count row)
PARENTS = {
    "run-command/command-timed-out": (
        "ssm.ListCommandInvocations",
        ["Still downloading from amzn2-core: 3 of 42", "PatchLinux TimedOut (ExecutionTimedOut, exit code -1)"],
        ["i-0a2b4c6d8eEXAMPLE", "i-0f1e3d5c7bEXAMPLE"],
        ("Instances", "0 of 3 heard"),
    ),
    "automation/execution-failed-alone": (
        "ssm.GetAutomationExecution",
        ["Step timed out while step is verifying the SSM Agent is online on instance i-0c1d2e3f4aEXAMPLE."],
        ["waitForAgent"],
        ("Steps", "0 of 3 heard"),
    ),
    "maintenance-window/execution-timed-out": (
        "ssm.DescribeMaintenanceWindowExecutionTasks",
        ["Command 6b8d0f2b-4d6f-4b8d-0f2b-4d6f8EXAMPLE timed out on 2 of 12 instances: ExecutionTimedOut"],
        ["b3d5f7b9-1d3f-4b5d-7f9b-1d3f5EXAMPLE"],
        ("Targets", "0 of 1 heard"),
    ),
}
DENIED = {"error": {"code": "AccessDeniedException", "message": "not authorized to perform this read"}}


def _answered_as_the_sample_says(sample: str, folder: Path) -> None:
    shutil.copy(EVENTS_DIR / f"{sample}.reads.json", folder / "sample.reads.json")


def _denied(call: str, folder: Path) -> None:
    (folder / "denied.reads.json").write_text(json.dumps([{"call": call, "request": {}, **DENIED}]))


def _digest_of(sample: str, operations: Pipeline) -> dict[str, Any]:
    operations.deliver([load(sample)])
    operations.sweep()
    (message,) = operations.received()
    document: dict[str, Any] = message["document"]
    assert document["detailType"] == "Operation Digest" and document["severity"] == "error"
    assert document["total"] == 0  # only the operation's own event was heard
    return document


@pytest.mark.parametrize("sample", sorted(PARENTS))
def test_a_parent_only_failure_reads_its_items_and_says_why(
    sample: str,
    tmp_path: Path,
    pipeline: Pipeline,  # noqa: F811  (the imported fixture)
    stand_in: Any,  # noqa: F811  (the imported fixture)
) -> None:
    call, said, items, heard = PARENTS[sample]
    _answered_as_the_sample_says(sample, tmp_path)
    reload(stand_in, tmp_path)

    document = _digest_of(sample, pipeline)

    failure = document["failure"]
    assert failure["unavailable"] == [] and failure["source"] == "reads"
    outputs = "\n".join(r["output"] or "" for r in failure["reasons"])
    assert all(line in outputs for line in said), outputs
    assert sorted(key for r in failure["reasons"] for key in r["items"]) == items
    assert 1 <= failure["calls"] <= 20 and stand_in.reads.calls[call] == 1
    text = document["text"]  # the e-mail says the same
    assert re.search(rf"\n{heard[0]}: +{heard[1]}\n", text) and "0: none" not in text
    assert "\nWhy it failed:\n" in text and all(line in text for line in said)


@pytest.mark.parametrize("sample", sorted(PARENTS))
def test_a_parent_only_failure_whose_read_is_denied_says_what_could_not_be_read(
    sample: str,
    tmp_path: Path,
    pipeline: Pipeline,  # noqa: F811  (the imported fixture)
    stand_in: Any,  # noqa: F811  (the imported fixture)
) -> None:
    call = PARENTS[sample][0]
    _denied(call, tmp_path)
    reload(stand_in, tmp_path)

    document = _digest_of(sample, pipeline)

    (unavailable,) = document["failure"]["unavailable"]
    assert unavailable["error"] == "AccessDeniedException: not authorized to perform this read"
    assert f"(ssm:{call.removeprefix('ssm.')})" in unavailable["detail"]
    assert "\nCould not be read:\n" in document["text"] and "AccessDeniedException" in document["text"]
    assert "0 heard" in document["text"]


def _published(
    sample: str, handler: LambdaHandler, context: LambdaContext, subscribers: Subscribers, drain: Any
) -> dict[str, Any]:
    handler(load(sample), context)
    (raw,) = drain(subscribers.raw_queue_url)
    drain(subscribers.envelope_queue_url)
    document: dict[str, Any] = json.loads(raw["Body"])
    return document


@pytest.mark.parametrize("denied", [False, True], ids=["answered", "denied"])
def test_a_failed_access_request_reads_its_opsitem(
    denied: bool,
    tmp_path: Path,
    stand_in: Any,  # noqa: F811  (the imported fixture)
    build_handler: Callable[[str], LambdaHandler],
    lambda_context: LambdaContext,
    subscribers: Subscribers,
    drain: Any,
) -> None:
    if denied:
        _denied("ssm.GetOpsItem", tmp_path)
    else:
        _answered_as_the_sample_says("node-access/request-failed", tmp_path)
    reload(stand_in, tmp_path)

    document = _published(
        "node-access/request-failed", build_handler("systems-manager"), lambda_context, subscribers, drain
    )

    failure = document["failure"]
    (reason,) = failure["reasons"]
    # What the event says is the reason the read is grouped under; the read says the rest.
    assert reason["reason"] == "Failed: applicable policies Approval-Policy-Production-Nodes, prod"
    assert reason["items"] == ["oi-fdac6036584a"]
    if denied:
        assert reason["read"] == 0
        (unavailable,) = failure["unavailable"]
        assert unavailable["error"].startswith("AccessDeniedException")
        assert "\nCould not be read:\n" in document["text"]
    else:
        assert failure["unavailable"] == [] and reason["read"] == 1
        assert reason["summary"].startswith("More than one manual approval policy applies to the node")
        assert "accessduration: PT7200S" in reason["output"]
        assert failure["nextSteps"] == ["aws ssm get-ops-item --ops-item-id oi-fdac6036584a --region us-east-2"]
        assert "More than one manual approval policy" in document["text"]
