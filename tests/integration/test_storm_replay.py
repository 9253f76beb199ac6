"""The five routine fleet-wide operations of issue 10 through the template as it is wired: rules ->
buffer queue -> batch function -> operations table -> sweeper -> topic, each function run from its
bundled asset (tools.replay). Each operation: 1,000 items (an Automation runbook: 40 steps) with
failures, in-progress events, 10 % repeats, shuffled."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_replay import replay
from tools import REPO_ROOT
from tools.storm import FLEET


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, list[dict[str, Any]], str]:
    out = tmp_path_factory.mktemp("fleet")
    subprocess.run(
        [sys.executable, "-m", "tools.storm", "--fleet", "--out", str(out)],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    code, rows, stderr = replay(str(out))
    return out, code, rows, stderr


def _latest(folder: Path) -> dict[str, tuple[str, dict[str, Any]]]:
    """Each item's last status in the storm's files, by item name."""
    latest: dict[str, tuple[str, dict[str, Any]]] = {}
    for path in sorted(folder.glob("*.json")):
        event = json.loads(path.read_text())
        detail = event["detail"]
        instances = [arn.split(":instance/", 1)[1] for arn in event["resources"] if ":instance/" in arn]
        name = (
            detail.get("instance-id") or detail.get("resource-id") or detail.get("StepName") or (instances or [None])[0]
        )
        status = detail.get("status") or detail.get("Status") or detail.get("compliance-status")
        newer = name not in latest or event["time"] >= latest[str(name)][1]["time"]
        if name and newer and status not in ("InProgress", "IN_PROGRESS"):
            latest[name] = (status, event)
    return latest


def test_five_operations_over_a_fleet_reach_subscribers_as_five_messages(fleet):
    out, code, rows, stderr = fleet
    assert code == 0, stderr
    outcomes = Counter(row["outcome"] for row in rows)
    assert outcomes["buffered"] == len(list(out.rglob("*.json")))  # every event, and only to the buffer
    assert set(outcomes) == {"buffered", "recorded", "notified", "checked"}, outcomes
    received = [n for row in rows for n in row["notifications"]]
    assert len(received) == len(FLEET) == 5
    assert {n["json"]["detailType"] for n in received} == {"Operation Digest"}
    assert sorted(n["json"]["operation"]["kind"] for n in received) == sorted(
        ["command", "window-execution", "association", "compliance", "automation"]
    )
    assert "subscribers received 5 messages:" in stderr


@pytest.mark.parametrize(("number", "spec"), list(enumerate(FLEET, start=1)), ids=[kind for kind, _, _ in FLEET])
def test_each_message_names_every_failure_with_the_right_counts_and_severity(fleet, number, spec):
    out, _code, rows, _stderr = fleet
    kind, items, failures = spec
    folder = out / f"{number}-{kind}"
    latest = _latest(folder)
    failed = sorted(name for name, (status, _event) in latest.items() if status.lower() in ("failed", "non_compliant"))
    assert len(latest) == items and len(failed) == failures
    operation = {"window": "window-execution"}.get(kind, kind)
    (message,) = [n for row in rows for n in row["notifications"] if n["json"]["operation"]["kind"] == operation]
    document = message["json"]
    assert document["total"] == items
    assert sum(document["counts"].values()) == items
    assert document["severity"] == "error" and message["attributes"]["severity"] == "error"
    named = sorted(f["instanceId"] for f in document["failed"])
    assert named == failed[:100] and document["failedNotShown"] == max(failures - 100, 0)
    reasons = {group["reason"]: group["count"] for group in document["failureReasons"]}
    assert sum(reasons.values()) == failures
    assert f"{failures} of {items}" in message["subject"]
    # The items listed under "Failed, by reason"; "Why it failed" (what the reads said) follows it.
    text = message["email"].split("\nWhy it failed", 1)[0]
    listed = [
        line.split()[0] for line in text.splitlines() if line.startswith("    ") and not line.startswith("    ...")
    ]
    assert len(listed) == min(failures, 100) and set(listed) <= set(failed)
    if kind == "association":  # grouped by the error code each instance's event gave
        assert reasons == {
            "Failed: detailed status Failed, error code 1": 2,
            "Failed: detailed status Failed, error code 127": 1,
        }
    if kind == "compliance":  # grouped by severity
        assert set(reasons) == {f"non_compliant: severity {s}" for s in ("CRITICAL", "HIGH", "MEDIUM")}
    if kind == "automation":  # the failed step, with its action
        assert list(reasons) == ["Failed: action aws:runCommand"] and document["counts"] == {"Success": 39, "Failed": 1}
