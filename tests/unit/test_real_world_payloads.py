"""Real events differ from the documented samples: each variation notifies cleanly and reads sensibly.

Parameter Store Change without ``description`` and with a label operation's
``fromVersion``/``toVersion``/``label``; Automation's ``Nov 29, 2016 7:43:25 PM`` times; hybrid nodes'
``mi-`` ids; JSON encoded inside a string (``targets``, ``association-status-aggregated-count``);
``document-version: "Optional.empty"``. Plus the new detail-types' wording (Parameter Store Policy
Action, Inventory, Maintenance Window task registration).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from notifier.core.models import parse_event
from notifier.core.render import Notification, render
from notifier.fleet.observations import observe, parse_time
from notifier.fleet.summaries import OperationRecord, summarize
from tools.harness.samples import load


def _render(raw: dict[str, Any]) -> Notification:
    notification = render(parse_event(raw), raw)
    json.loads(notification.sns_message())  # what SNS gets is valid JSON
    return notification


def _lines(notification: Notification) -> list[str]:
    return [" ".join(line.split()) for line in notification.text.splitlines()]


def _event(detail_type: str, detail: dict[str, Any], resources: list[str] | None = None) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "11111111-2222-3333-4444-555555555555",
        "detail-type": detail_type,
        "source": "aws.ssm",
        "account": "123456789012",
        "time": "2024-11-29T19:43:35Z",
        "region": "us-east-2",
        "resources": resources or [],
        "detail": detail,
    }


# -- Parameter Store Change ------------------------------------------------------------------------


def test_a_parameter_change_without_description_notifies_without_the_line() -> None:
    raw = load("parameter-store/update")
    del raw["detail"]["description"]
    notification = _render(raw)
    assert notification.subject == "[INFO] Parameter MyExampleParameter Update (us-east-2)"
    assert not any(line.startswith("Description:") for line in _lines(notification))
    assert "description" not in notification.document["fields"]
    assert "Type: String" in _lines(notification)


def test_a_label_operation_shows_the_label_and_both_versions() -> None:
    raw = _event(
        "Parameter Store Change",
        {"name": "/app/db/url", "type": "String", "operation": "LabelParameterVersion", "label": "prod"}
        | {"fromVersion": 3, "toVersion": 4},
        ["arn:aws:ssm:us-east-2:123456789012:parameter/app/db/url"],
    )
    notification = _render(raw)
    assert notification.subject == "[INFO] Parameter /app/db/url LabelParameterVersion (us-east-2)"
    lines = _lines(notification)
    assert {"Label: prod", "From version: 3", "To version: 4"} <= set(lines)
    fields = notification.document["fields"]
    assert (fields["label"], fields["from_version"], fields["to_version"]) == ("prod", "3", "4")


def test_labels_given_as_a_list_read_as_a_list() -> None:
    raw = _event(
        "Parameter Store Change",
        {"name": "/app/db/url", "operation": "LabelParameterVersion", "label": ["prod", "blue"]},
    )
    assert "Label: prod, blue" in _lines(_render(raw))


# -- Automation times ------------------------------------------------------------------------------

# AWS's documented Automation samples (docs.amazonaws.cn, .../monitoring-systems-manager-event-examples.html).
STEP = {
    "version": "0",
    "id": "eeca120b-a321-433e-9635-dab369006a6b",
    "detail-type": "EC2 Automation Step Status-change Notification",
    "source": "aws.ssm",
    "account": "123456789012",
    "time": "2016-11-29T19:43:35Z",
    "region": "us-east-1",
    "resources": [
        "arn:aws:ssm:us-east-2:123456789012:automation-execution/333ba70b-2333-48db-b17e-a5e69c6f4d1c",
        "arn:aws:ssm:us-east-2:123456789012:automation-definition/runcommand1:1",
    ],
    "detail": {
        "ExecutionId": "333ba70b-2333-48db-b17e-a5e69c6f4d1c",
        "Definition": "runcommand1",
        "DefinitionVersion": 1.0,
        "Status": "Success",
        "EndTime": "Nov 29, 2016 7:43:25 PM",
        "StartTime": "Nov 29, 2016 7:43:23 PM",
        "Time": 2630.0,
        "StepName": "runFixedCmds",
        "Action": "aws:runCommand",
    },
}


def test_automation_times_are_shown_as_given() -> None:
    notification = _render(json.loads(json.dumps(STEP)))
    assert notification.subject == "[INFO] Automation runcommand1 step runFixedCmds Success (us-east-1)"
    lines = _lines(notification)
    assert "Started: Nov 29, 2016 7:43:23 PM" in lines
    assert "Ended: Nov 29, 2016 7:43:25 PM" in lines


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nov 29, 2016 7:43:25 PM", datetime(2016, 11, 29, 19, 43, 25, tzinfo=UTC)),
        ("Jun 4, 2025 3:21:02 PM", datetime(2025, 6, 4, 15, 21, 2, tzinfo=UTC)),
        ("Jan 7, 2021 12:03:49 AM", datetime(2021, 1, 7, 0, 3, 49, tzinfo=UTC)),
        ("Sep 30, 2024 12:00:00 PM", datetime(2024, 9, 30, 12, 0, 0, tzinfo=UTC)),
        ("2016-11-29T19:43:25Z", datetime(2016, 11, 29, 19, 43, 25, tzinfo=UTC)),
        ("Foo 29, 2016 7:43:25 PM", None),
        ("Nov 31, 2016 7:43:25 PM", None),
        ("Nov 29, 2016", None),
        ("", None),
    ],
)
def test_parse_time_understands_automation_times(text: str, expected: datetime | None) -> None:
    assert parse_time(text) == expected


def test_an_automation_operation_has_a_duration_from_its_own_times() -> None:
    execution = load("automation/execution-success")
    execution["detail"] |= {"StartTime": "Nov 29, 2016 7:43:20 PM", "EndTime": "Nov 29, 2016 7:43:26 PM"}
    observation = observe(parse_event(execution))
    assert observation.started == datetime(2016, 11, 29, 19, 43, 20, tzinfo=UTC)
    record = OperationRecord(
        operation=observation.operation,
        kind=observation.kind,
        family=observation.family,
        region=observation.region,
        account=observation.account,
        fields=observation.fields,
        final_status="Success",
        final_time="2016-11-29T19:43:35Z",
    )
    digest = summarize(record, [], [], now=datetime(2016, 11, 29, 20, 0, tzinfo=UTC))
    assert digest.started is not None and digest.ended is not None
    assert (digest.ended - digest.started).total_seconds() == 6


# -- hybrid nodes ----------------------------------------------------------------------------------


def test_a_hybrid_nodes_run_command_invocation() -> None:
    raw = load("run-command/invocation-success")
    raw["detail"]["instance-id"] = "mi-0123456789abcdef0"
    raw["resources"] = ["arn:aws:ssm:us-east-2:123456789012:managed-instance/mi-0123456789abcdef0"]
    notification = _render(raw)
    subject = "[INFO] Run Command AWS-RunPowerShellScript Success on mi-0123456789abcdef0 (us-east-2)"
    assert notification.subject == subject
    lines = _lines(notification)
    assert "Instance: mi-0123456789abcdef0" in lines
    assert "Resource: arn:aws:ssm:us-east-2:123456789012:managed-instance/mi-0123456789abcdef0" in lines
    assert notification.document["links"]["console"].endswith("/mi-0123456789abcdef0?region=us-east-2")
    assert observe(parse_event(raw)).instance == "mi-0123456789abcdef0"


def test_a_hybrid_nodes_association_and_compliance() -> None:
    association = load("state-manager/instance-association-failed")
    association["detail"]["instance-id"] = "mi-0abc"
    association["resources"][0] = "arn:aws:ssm:us-east-2:123456789012:managed-instance/mi-0abc"
    notification = _render(association)
    assert notification.subject == "[ERROR] Association AWS-RunShellScript Failed on mi-0abc (us-east-2)"
    assert "Instance: mi-0abc" in _lines(notification)
    compliance = load("compliance/patch-non-compliant")
    compliance["detail"]["resource-id"] = "mi-0abc"
    compliance["resources"] = ["arn:aws:ssm:us-east-2:123456789012:managed-instance/mi-0abc"]
    notification = _render(compliance)
    assert notification.subject == "[ERROR] Patch compliance non_compliant on mi-0abc (us-east-2)"
    assert "Resource: mi-0abc" in _lines(notification)


# -- JSON inside strings, Optional.empty -----------------------------------------------------------


def test_targets_and_counts_encoded_as_json_strings_are_decoded() -> None:
    raw = load("state-manager/association-success")
    raw["detail"]["targets"] = json.dumps([{"key": "InstanceIds", "values": ["i-123", "i-456"]}])
    raw["detail"]["association-status-aggregated-count"] = json.dumps({"Success": 3, "Failed": 1})
    notification = _render(raw)
    lines = _lines(notification)
    assert "Targets: InstanceIds=i-123, i-456" in lines
    assert "Counts: Success 3, Failed 1" in lines
    fields = notification.document["fields"]
    assert fields["targets"] == "InstanceIds=i-123, i-456"
    assert fields["association_status_aggregated_count"] == "Success 3, Failed 1"
    # The event as received stays whole in the document.
    assert notification.document["event"]["detail"]["targets"] == raw["detail"]["targets"]


def test_the_documented_association_reads_decoded() -> None:
    notification = _render(load("state-manager/association-success"))
    lines = _lines(notification)
    assert "Counts: Success 1" in lines
    assert "Targets: InstanceIds=i-12345678" in lines


def test_targets_by_tag_and_several_keys_and_unparsable_json() -> None:
    raw = load("state-manager/association-success")
    raw["detail"]["targets"] = json.dumps(
        [{"Key": "tag:Role", "Values": ["web", "app"]}, {"Key": "tag:Env", "Values": ["prod"]}]
    )
    raw["detail"]["association-status-aggregated-count"] = "{not json"
    lines = _lines(_render(raw))
    assert "Targets: tag:Role=web, app; tag:Env=prod" in lines
    assert "Counts: {not json" in lines  # kept as given, never a crash


def test_document_version_optional_empty_reads_as_absent() -> None:
    raw = load("state-manager/association-success")
    assert raw["detail"]["document-version"] == "Optional.empty"
    notification = _render(raw)
    assert "Optional.empty" not in notification.text
    assert "document_version" not in notification.document["fields"]
    raw["detail"]["document-version"] = "3"
    assert "Document version: 3" in _lines(_render(raw))


# -- the new detail-types --------------------------------------------------------------------------


def test_parameter_policy_samples_say_what_to_do() -> None:
    expired = _render(load("parameter-store/policy-expiration"))
    assert expired.subject == "[ERROR] Parameter /OncallDuties expired and was deleted (us-east-2)"
    warning = _render(load("parameter-store/policy-expiration-notification"))
    assert warning.subject == "[WARNING] Parameter /OncallDuties expires soon (us-east-2)"
    assert any(line.startswith("To do: Update its value") for line in _lines(warning))
    unchanged = _render(load("parameter-store/policy-no-change-notification"))
    assert unchanged.subject.startswith("[WARNING] Parameter /OncallDuties has not changed")
    assert any(line.startswith("To do: Rotate its value") for line in _lines(unchanged))


def test_parameter_policy_content_says_when() -> None:
    raw = load("parameter-store/policy-expiration-notification")
    raw["detail"] |= {
        "parameter-type": "SecureString",
        "policy-content": json.dumps(
            {"Type": "ExpirationNotification", "Version": "1.0", "Attributes": {"Before": "15", "Unit": "Days"}}
        ),
        "action-status": "Finished",
    }
    notification = _render(raw)
    assert notification.subject == "[WARNING] Parameter /OncallDuties expires within 15 days (us-east-2)"
    lines = _lines(notification)
    assert {"When: within 15 days", "Policy: Before 15, Unit Days", "Parameter type: SecureString"} <= set(lines)
    assert notification.document["fields"]["due"] == "within 15 days"
    expired = load("parameter-store/policy-expiration")
    expired["detail"]["policy-content"] = json.dumps(
        {"Type": "Expiration", "Version": "1.0", "Attributes": {"Timestamp": "2024-12-02T21:34:33.000Z"}}
    )
    notification = _render(expired)
    assert notification.subject == (
        "[ERROR] Parameter /OncallDuties expired at 2024-12-02T21:34:33.000Z and was deleted (us-east-2)"
    )
    unchanged = load("parameter-store/policy-no-change-notification")
    unchanged["detail"]["policy-content"] = '{"Type":"NoChangeNotification","Attributes":{"After":"20","Unit":"Days"}}'
    assert _render(unchanged).subject == "[WARNING] Parameter /OncallDuties has not changed for 20 days (us-east-2)"


@pytest.mark.parametrize("content", ["not json", "[1, 2]", '{"Attributes": "x"}', '{"Type": "{due}"}'])
def test_a_strange_policy_content_still_notifies(content: str) -> None:
    raw = load("parameter-store/policy-expiration-notification")
    raw["detail"]["policy-content"] = content
    assert _render(raw).subject == "[WARNING] Parameter /OncallDuties expires soon (us-east-2)"


def test_an_unknown_policy_type_is_information_and_braces_stay_text() -> None:
    raw = load("parameter-store/policy-expiration-notification")
    raw["detail"]["policy-type"] = "Rotation{due}"
    notification = _render(raw)
    assert notification.subject == "[INFO] Parameter /OncallDuties policy Rotation{due} applied (us-east-2)"


def test_inventory_samples() -> None:
    failed = _render(load("inventory/put-old-schema-failed"))
    assert failed.subject == (
        "[ERROR] Inventory put of Custom:MyCustomInventoryType failed (i-01f017c1b2efbe2bc) (us-east-1)"
    )
    assert any(line.startswith("Reason: The inventory item with type name") for line in _lines(failed))
    summary = _render(load("inventory/custom-type-deleted-all-nodes"))
    assert summary.subject == (
        "[INFO] Inventory delete-summary of Custom:MyCustomInventoryType succeeded (all nodes) (us-east-1)"
    )
    assert not any(line.startswith("Node:") for line in _lines(summary))


def test_maintenance_window_task_registration() -> None:
    notification = _render(load("maintenance-window/task-registered"))
    assert notification.subject.startswith("[INFO] Maintenance Window mw-0ed7251d3fcf6e0c2 task REGISTERED: 0c1e3f5a")
    assert "Task: 0c1e3f5a-7b9d-4e2f-8a6c-1d3b5f7e9a20" in _lines(notification)
    raw = load("maintenance-window/task-registered")
    raw["detail"]["status"] = "DEREGISTERED"
    assert _render(raw).subject.startswith("[WARNING] ")
