"""The local pipeline: every sample through the synthesized rules and the bundled functions."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ssm_event_notifier.contract.catalog import FAMILY_BY_NAME, event_type_of
from tools import REPO_ROOT
from tools.harness.lambda_runner import FunctionProcess
from tools.harness.samples import SAMPLE_FILES, load, read
from tools.harness.template import Template, ensure_synthesized


def _event_type(path: Path) -> Any:
    return event_type_of(read(path)["detail-type"], read(path)["detail"])


# Storm control (perInstanceNotifications=digest): every event of a fleet-wide operation goes only to
# the digest buffer, and the operation's one message replaces their notifications.
# The opt-in families (the API audit) have no rule unless enabled: their samples match none here.
OPT_IN = [path for path in SAMPLE_FILES if FAMILY_BY_NAME[_event_type(path).family].opt_in]
NOTIFIED = [path for path in SAMPLE_FILES if not _event_type(path).operation and path not in OPT_IN]
BUFFERED = [path for path in SAMPLE_FILES if _event_type(path).operation]


def replay(*args: str) -> tuple[int, list[dict[str, Any]], str]:
    done = subprocess.run(
        [sys.executable, "-m", "tools.replay", "--json", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return done.returncode, rows, done.stderr


@pytest.fixture(scope="module")
def malformed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("malformed")
    event = load("run-command/command-success")
    event["id"] = "malformed-0001"
    del event["detail"]["command-id"]
    (folder / "command-without-id.json").write_text(json.dumps(event))
    return folder


# The association's recovery, replayed once its failure's message went out (as `make demo` does): in the
# same wave it would be the failure's newer status, and the operation's one message would say Success.
RECOVERY = "events/state-manager/instance-association-recovered.json"


@pytest.fixture(scope="module")
def replayed(malformed: Path) -> tuple[int, list[dict[str, Any]], str]:
    # --calendars: the calendars behind the calendar samples, monitored (the calendar edits' rule names them).
    return replay(
        "--repeat", "2", "--calendars", "events/calendar/documents", "--later", RECOVERY, "events", str(malformed)
    )


def test_every_sample_is_notified_once_then_suppressed_as_a_duplicate(replayed):
    code, rows, stderr = replayed
    samples = [
        row
        for row in rows
        if row["file"].startswith("events/") and row["outcome"] != "buffered" and REPO_ROOT / row["file"] not in OPT_IN
    ]
    unmatched = [row["file"] for row in rows if REPO_ROOT / row["file"] in OPT_IN]
    assert sorted(unmatched) == sorted(2 * [str(p.relative_to(REPO_ROOT)) for p in OPT_IN])
    assert {row["outcome"] for row in rows if REPO_ROOT / row["file"] in OPT_IN} == {"unmatched"}
    assert len(samples) == 2 * len(NOTIFIED), stderr
    first, second = samples[: len(NOTIFIED)], samples[len(NOTIFIED) :]
    assert [row["file"] for row in first] == [str(path.relative_to(REPO_ROOT)) for path in NOTIFIED]
    for row in first:
        assert row["outcome"] == "notified", row
        assert row["rule"] and row["function"]
        (notification,) = row["notifications"]
        assert notification["json"]["eventId"] == row["eventId"]
        assert notification["subject"] == notification["json"]["subject"]
        assert notification["email"].startswith(notification["subject"])
        # name: when the event names a document, runbook, window, calendar, parameter, image or node.
        attributes = set(notification["attributes"]) - {"name"}
        assert attributes == {"family", "detail_type", "severity", "status", "account", "region"}
    for row in second:
        assert row["outcome"] == "duplicate", row
        assert row["notifications"] == []
    assert code == 1  # because of the malformed event, see below


def test_the_events_of_fleet_wide_operations_go_to_the_storm_buffer_and_become_digests(replayed):
    _code, rows, _stderr = replayed
    buffered = [row for row in rows if row["file"].startswith("events/") and row["outcome"] == "buffered"]
    assert sorted(row["file"] for row in buffered) == sorted(2 * [str(p.relative_to(REPO_ROOT)) for p in BUFFERED])
    assert {(row["queue"], row["function"], str(row["notifications"])) for row in buffered} == {
        ("StormControl/Buffer", None, "[]")
    }
    sweeps = [row for row in rows if row["function"] == "DigestSweeper"]
    # Each pass: the samples, then the later recovery; the second pass has nothing new.
    assert [row["outcome"] for row in sweeps] == ["notified", "notified", "checked", "checked"]
    assert [n["subject"] for n in sweeps[1]["notifications"]] == [
        "[INFO] Association AWS-RunShellScript Success on i-0d5e6f7a8bEXAMPLE (us-east-2)"
    ]
    subjects = sorted(n["subject"] for n in sweeps[0]["notifications"])
    # One message per operation the samples belong to; a one-item operation reads like the item's own
    # notification, and an operation whose items never reported says its own status.
    assert subjects == [
        "[ERROR] Association AWS-RunShellScript Failed on i-0d5e6f7a8bEXAMPLE (us-east-2)",
        # Failures heard only through the operation's own status event: their message reads its items.
        "[ERROR] Automation golden-ami-build Failed (us-east-2)",
        "[ERROR] Automation web-tier-install-cwagent Failed on step installCloudWatchAgent (us-east-2)",
        "[ERROR] Maintenance Window mw-0a1b2c3d4eEXAMPLE run FAILED on 9b8a7c6d-5e4f-4a3b-9c2... (us-east-2)",
        "[ERROR] Maintenance Window mw-0f9e8d7c6bEXAMPLE run TIMED_OUT (us-east-2)",
        "[ERROR] Run Command AWS-RunPatchBaseline TimedOut (us-east-2)",
        "[ERROR] Run Command AWS-RunShellScript Failed on i-0b1c2d3e4fEXAMPLE (us-east-2)",
        "[INFO] Association AWS-RunPowerShellScript Success (us-east-2)",
        "[INFO] Association compliance scan compliant on i-01234567890abcdef (us-east-2)",
        "[INFO] Association my-custom-document Success on i-02573cafcfEXAMPLE (us-east-2)",
        "[INFO] Automation runcommand1 Success on step runFixedCmds (us-east-2)",
        "[INFO] Maintenance Window mw-0ed7251d3fcf6e0c2 run SUCCESS (us-east-2)",
        "[INFO] Patch compliance scan compliant on i-01234567890abcdef (us-east-2)",
        "[INFO] Run Command AWS-RunPowerShellScript Success on i-02573cafcfEXAMPLE (us-east-2)",
        # AWS's target invocation sample belongs to a run without a final event, which expired long ago
        # (and the subject is cut to stay under 100 characters).
        "[WARNING] Maintenance Window mw-0ed7251d3fcf6e0c2 run SUCCESS on e32eecb2-646c-4f4b-... (us-east-2)",
    ]


def test_each_failure_message_says_why_from_what_the_stand_in_answered(replayed):
    """The failing samples' reads are answered from the *.reads.json beside them (tools/harness/read_fixtures)."""
    _code, rows, _stderr = replayed
    alone = ("golden-ami-build", "AWS-RunPatchBaseline", "mw-0f9e8d7c6bEXAMPLE")  # test_parent_failures' samples
    said = {
        n["subject"].split(" ", 2)[1]: (n["json"]["failure"], n["email"])
        for row in rows
        if row["file"] == "events/ami/failed.json" or row["function"] == "DigestSweeper"
        for n in row["notifications"]
        if n["json"].get("failure") and not any(name in n["subject"] for name in alone)
    }
    summaries = {source: [r["summary"] for r in failure["reasons"]] for source, (failure, _) in said.items()}
    assert summaries == {
        "AMI": ["Client.InvalidKMSKey.InvalidState: The KMS key provided is in an incorrect state"],
        "Association": ["detailed status Failed, error code 1"],
        "Automation": [
            "Step fails when it is Execution of the step. An error occurred (InvalidInstanceId) when calling the "
            "SendCommand operation: Instances [[i-0e6f7a8b9cEXAMPLE]] not in a valid state for account 1234567..."
        ],
        "Maintenance": ["Cannot find a valid baseurl for repo: amzn2-core/2/x86_64"],  # the command the task ran
        "Run": ["E: Unable to locate package foo"],
    }
    for source, (failure, email) in said.items():
        assert failure["unavailable"] == [] and failure["calls"] <= 20, source
        assert failure["nextSteps"] and failure["links"], source
        assert "\nWhy it failed:\n" in email and "\nNext steps:\n" in email, source
    names = {source: email for source, (_, email) in said.items()}
    assert "ami-0123456789example (golden-al2023-2025-06-02)" in names["AMI"]
    assert "i-0b1c2d3e4fEXAMPLE (web-01)" in names["Run"]
    assert "i-0d5e6f7a8bEXAMPLE (app-02)" in names["Association"]


def test_every_error_message_says_why_or_what_could_not_be_read(replayed):
    """The e-mail text and the JSON document alike: read, as the event says it, or unavailable and why."""
    _code, rows, _stderr = replayed
    errors = [n for row in rows for n in row["notifications"] if n["json"]["severity"] == "error"]
    assert {n["json"]["detailType"] for n in errors} >= {
        "Operation Digest",  # read (digests of the samples' operations)
        "EC2 AMI Failed",  # read
        "JITNA Access Request Failed",  # read
        "Inventory Resource State Change",  # as the event says
        "Change Request Status Update",
        "Parameter Store Policy Action",
    }
    for notification in errors:
        failure = notification["json"].get("failure") or {}
        assert failure.get("reasons") or failure.get("unavailable"), notification["subject"]
        # Every read the samples need is answered (by the functions' own trimmed botocore models too).
        assert failure.get("unavailable") == [], (notification["subject"], failure.get("unavailable"))
        assert "\nWhy it failed" in notification["email"], notification["subject"]
        assert all(r["reason"] in notification["email"] for r in failure.get("reasons", [])), notification["subject"]


def test_an_access_request_waiting_for_approval_says_how_long_it_asks_for(replayed):
    _code, rows, _stderr = replayed
    (pending, *_) = [row for row in rows if row["file"] == "events/node-access/approver-pending-approval.json"]
    (notification,) = pending["notifications"]
    assert notification["json"]["accessRequest"] == {"duration": "PT3600S", "durationText": "1 h"}
    assert "\nAccess asked for: 1 h once approved\n" in notification["email"]


def test_a_malformed_event_is_rejected_naming_the_field_and_lands_in_the_dead_letter_queue(replayed):
    _code, rows, _stderr = replayed
    malformed = [row for row in rows if not row["file"].startswith(("events/", "("))]
    # A command's status goes only to the storm buffer ...
    assert [row["outcome"] for row in malformed] == ["buffered", "buffered"]  # one per pass
    # ... whose batch function refuses it at once, sends it to its dead-letter queue with the reason,
    # and records the rest of its batch.
    batches = [row for row in rows if row["function"] == "InstanceEvents"]
    rejected = [row for row in batches if row["outcome"] == "rejected"]
    assert len(rejected) == 2
    for row in rejected:
        assert row["attempts"] == 1
        assert row["error"] == (
            "1 of 10 records refused: InvalidEventError: invalid EC2 Command Status-change Notification "
            "event: field 'detail.command-id': Field required"
        )
        assert row["deadLetterQueue"].startswith("SsmEventNotifier-InstanceEventsDeadLetterQueue")
        assert row["notifications"] == []
    assert not [row for row in batches if row["outcome"] == "failed"]


def test_an_event_of_another_account_is_unmatched_and_exits_zero():
    code, rows, stderr = replay("--account", "999999999999", "events/ami/failed.json")
    assert code == 0, stderr
    event = [row for row in rows if row["file"] == "events/ami/failed.json"]
    assert [(row["outcome"], row["rule"], row["notifications"]) for row in event] == [("unmatched", None, [])]
    # Then every scheduled function runs once, with nothing to say.
    assert [(row["function"], row["outcome"]) for row in rows if row not in event] == [
        ("CalendarReconciler", "checked"),
        ("DigestSweeper", "checked"),
    ]


def test_the_asset_runs_with_nothing_but_its_code_and_layer_on_the_path():
    template = Template(ensure_synthesized())
    spec = template.find_function("ami")
    assert spec.layer_dirs, "the function has its dependency layer"
    event = load("ami/failed")
    # Without the layer the handler cannot import Powertools: nothing from the virtualenv leaks in,
    # so a runtime dependency missing from lambdas/requirements.txt fails here as in Lambda.
    bare = FunctionProcess(spec.__class__(**{**spec.__dict__, "layer_dirs": ()}), {"PATH": "/usr/bin:/bin"})
    try:
        invocation = bare.invoke(event)
    finally:
        bare.close()
    assert not invocation.ok
    assert invocation.error_type == "Runtime.ImportModuleError"
    assert re.search(r"No module named '(boto3|aws_lambda_powertools)'", invocation.error_message or "")
    # The layer holds every runtime requirement, built for this machine from the same list.
    build = template.layer_build()
    assert build["platform"] == "host"
    assert build["requirements"] == (REPO_ROOT / "lambdas/requirements.txt").read_text()


def test_replaying_a_calendar_event_with_calendars_shows_the_causes_and_the_next_transition():
    code, rows, stderr = replay("--calendars", "events/calendar/documents", "events/calendar/open.json")
    assert code == 0, stderr
    event, schedule, _sweeper = rows
    (notification,) = event["notifications"]
    explanation = notification["json"]["calendar"]
    # AWS's sample says nextTransitionTime 2024-10-11T18:00:07Z: the calendar agrees.
    assert explanation["next"]["at"] == "2024-10-11T18:00:07Z"
    assert explanation["next"]["causes"][0]["summary"] == "Quarter-end freeze"
    assert [cause["summary"] for cause in explanation["causes"]] == ["Data centre migration freeze"]
    assert "Why: these calendar events ended:" in notification["email"]
    assert "Next: CLOSED at 2024-10-11T18:00:07Z" in notification["email"]
    assert schedule["function"] == "CalendarReconciler"
    assert schedule["outcome"] == "checked"  # first sight of each calendar: a silent baseline


def test_invoke_runs_one_function_from_its_asset_and_prints_its_result():
    done = subprocess.run(
        [sys.executable, "-m", "tools.invoke", "ami", "-e", "events/ami/failed.json"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["subject"].startswith("[ERROR] AMI ") and not result.get("duplicate")
    assert "stand-ins: moto server at" in done.stderr
