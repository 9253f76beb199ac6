"""Fleet-wide operations of every source: their keys, reasons, derived statuses and messages (pure)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

from notifier.core.models import parse_event
from notifier.fleet.digest_messages import render_digest
from notifier.fleet.observations import observe
from notifier.fleet.summaries import ItemState, OperationRecord, summarize
from tools.harness.samples import load

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def record(kind: str, family: str, final: str | None = None, **fields: str) -> OperationRecord:
    return OperationRecord(
        operation=f"{kind}#x",
        kind=kind,
        family=family,
        region="eu-west-1",
        account="123456789012",
        fields=fields,
        final_status=final,
        final_time="2026-03-02T10:07:30Z" if final else None,
        expires_at=datetime(2026, 3, 2, 12, 0, tzinfo=UTC),
    )


def test_an_automation_step_is_an_item_of_its_execution_named_by_the_step() -> None:
    step = observe(parse_event(load("automation/step-success")))
    execution = observe(parse_event(load("automation/execution-success")))
    assert step.operation == execution.operation == "automation#333ba70b-2333-48db-b17e-a5e69c6f4d1c"
    assert (step.role, step.item, step.reason) == ("item", "runFixedCmds", "Success: action aws:runCommand")
    assert execution.final and execution.fields["definition"] == "runcommand1"


def test_an_association_run_is_keyed_by_account_region_and_association() -> None:
    event = load("state-manager/instance-association-success")
    observation = observe(parse_event(event))
    assert observation.operation == "association#123456789012/us-east-2/34fcb7e0-9a14-4984-9989-0e04e3f60bd8"
    assert observation.item == "i-02573cafcfEXAMPLE"
    assert observation.reason == "Success: error code testErrorCode"
    elsewhere = copy.deepcopy(event)
    elsewhere["region"] = "eu-west-1"
    assert observe(parse_event(elsewhere)).operation != observation.operation
    # The association's own status change is recorded but ends nothing: only the quiet period does.
    parent = observe(parse_event(load("state-manager/association-success")))
    assert parent.role == "parent" and not parent.final


def test_a_compliance_wave_is_keyed_by_type_and_baseline_and_failures_by_severity() -> None:
    patch = observe(parse_event(load("compliance/patch-non-compliant")))
    association = observe(parse_event(load("compliance/association-non-compliant")))
    assert patch.operation == "compliance#123456789012/us-east-2/Patch/PB789"
    assert association.operation == "compliance#123456789012/us-east-2/Association/-"
    assert (patch.item, patch.reason) == ("i-01234567890abcdef", "non_compliant: severity critical")
    assert patch.ends == "quiet"


def test_a_quiet_operation_derives_its_status_from_its_items() -> None:
    items = [ItemState(f"i-{n}", "COMPLIANT" if n < 4 else "NON_COMPLIANT", None, None) for n in range(10)]
    wave = record("compliance", "compliance", compliance_type="Patch", patch_baseline_id="pb-1")
    digest = summarize(wave, items, [], NOW)
    assert (digest.phase, digest.status, digest.severity) == ("quiet", "NonCompliant", "error")
    notification = render_digest(digest)
    assert (
        notification.subject
        == "[ERROR] Patch compliance scan NonCompliant: 6 of 10 instances non-compliant (eu-west-1)"
    )
    assert "Non-compliant, by reason (6 of 10):" in notification.text
    every_one = summarize(wave, items[:4], [], NOW)
    assert (every_one.status, every_one.severity) == ("Compliant", "info")


def test_failures_are_grouped_by_the_reason_their_events_gave_the_largest_group_first() -> None:
    reasons = ["Failed: detailed status Failed, error code 1"] * 2 + ["Failed: error code 127"]
    items = [ItemState(f"i-{n}", "Failed", None, None, reason) for n, reason in enumerate(reasons)]
    items += [ItemState(f"i-ok{n}", "Success", None, None, "Success") for n in range(7)]
    run = record("association", "state-manager", association_id="a-1", document_name="AWS-UpdateSSMAgent")
    notification = render_digest(summarize(run, items, [], NOW))
    assert notification.subject == "[ERROR] Association AWS-UpdateSSMAgent Failed: 3 of 10 instances failed (eu-west-1)"
    text = notification.text
    assert (
        "Failed, by reason (3 of 10):\n"
        "  Failed: detailed status Failed, error code 1 (2):\n"
        "    i-0  Failed\n"
        "    i-1  Failed\n"
        "  Failed: error code 127 (1):\n"
        "    i-2  Failed\n"
    ) in text
    assert notification.document["failureReasons"] == [
        {"reason": "Failed: detailed status Failed, error code 1", "count": 2, "items": ["i-0", "i-1"]},
        {"reason": "Failed: error code 127", "count": 1, "items": ["i-2"]},
    ]
    assert notification.document["failed"][2]["reason"] == "Failed: error code 127"


def test_a_one_instance_command_reads_like_an_ordinary_notification() -> None:
    command = record("command", "run-command", "Failed", command_id="c-1", document_name="AWS-RunShellScript")
    notification = render_digest(summarize(command, [ItemState("i-0abc", "Failed", None)], [], NOW))
    assert notification.subject == "[ERROR] Run Command AWS-RunShellScript Failed on i-0abc (eu-west-1)"
    assert notification.document["summary"] == "Run Command AWS-RunShellScript Failed on i-0abc"
    assert "digest" not in notification.text.lower() and "instead of one" not in notification.text


def test_an_operation_whose_items_never_reported_says_its_own_final_status() -> None:
    command = record("command", "run-command", "Failed", command_id="c-1", document_name="AWS-RunShellScript")
    notification = render_digest(summarize(command, [], [], NOW))
    assert notification.subject == "[ERROR] Run Command AWS-RunShellScript Failed (eu-west-1)"


def test_an_interim_message_says_the_operation_is_still_running_and_what_failed_so_far() -> None:
    execution = record("automation", "automation", None, execution_id="e-1", definition="Patch-Fleet")
    steps = [ItemState(f"step{n}", "Success", None) for n in range(5)] + [ItemState("reboot", "Failed", None)]
    notification = render_digest(summarize(execution, steps, [], NOW, interim=True))
    assert (
        notification.subject == "[ERROR] Automation Patch-Fleet still running: 1 of 6 steps failed so far (eu-west-1)"
    )
    assert notification.document["operation"]["phase"] == "interim"
    assert "its final message follows when it ends" in notification.text
    assert notification.document["links"]["console"].endswith("/automation/execution/e-1?region=eu-west-1")
