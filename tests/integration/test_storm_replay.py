"""A storm through the template as it is wired: rule -> buffer queue -> batch function -> sweeper."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from tests.integration.test_replay import replay
from tools import REPO_ROOT


def storm(out: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "tools.storm", "--out", str(out), *args],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
        timeout=60,
    )


def test_a_command_and_a_window_run_on_50_instances_each_reach_subscribers_as_two_messages_apiece(tmp_path):
    storm(tmp_path / "a-command", "--instances", "50", "--failures", "2", "--seed", "21")
    storm(tmp_path / "b-window", "--instances", "50", "--failures", "1", "--kind", "window", "--seed", "22")

    code, rows, stderr = replay(str(tmp_path))

    assert code == 0, stderr
    outcomes = Counter(row["outcome"] for row in rows)
    # 110 + 110 events; the command's and the window run's own final events reach their family function too.
    assert outcomes == {"buffered": 223, "recorded": 23, "notified": 3, "checked": 1}, outcomes
    instance_rows = [row for row in rows if "Invocation" in (row["detailType"] or "")]
    assert {(row["outcome"], row["queue"]) for row in instance_rows} == {("buffered", "StormControl/Buffer")}
    received = [n for row in rows for n in row["notifications"]]
    assert sorted(n["json"]["detailType"] for n in received) == [
        "EC2 Command Status-change Notification",
        "Maintenance Window Execution State-change Notification",
        "Operation Digest",
        "Operation Digest",
    ]
    digests = {n["json"]["family"]: n for n in received if n["json"]["detailType"] == "Operation Digest"}
    command, window = digests["run-command"], digests["maintenance-window"]
    assert command["json"]["counts"] == {"Success": 48, "Failed": 2}
    assert window["json"]["counts"] == {"SUCCESS": 49, "FAILED": 1}
    details = [json.loads(p.read_text())["detail"] for p in sorted((tmp_path / "a-command").glob("*.json"))]
    failing = sorted({d["instance-id"] for d in details if "instance-id" in d and d["status"] == "Failed"})
    assert len(failing) == 2
    assert [f["instanceId"] for f in command["json"]["failed"]] == failing
    assert command["subject"] == "[ERROR] Run Command AWS-RunPatchBaseline Failed: 2 of 50 instances failed (us-east-1)"
    assert all(f"  {instance}  Failed" in command["email"] for instance in failing)
    assert command["attributes"]["detail_type"] == "Operation Digest"
