"""The `name` attribute (what a route's match.names filters on) and, in organization mode, the
`organizational_units` attribute: what each detail-type's messages name, decided here from what the
event is about (not read back from the catalog); a fleet operation's digest; the cut; the OUs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from notifier.core.models import parse_event
from notifier.core.render import ATTRIBUTE_VALUE_MAX, Origin, render
from notifier.fleet.digest_messages import render_digest
from notifier.fleet.summaries import ItemState, summarize
from ssm_event_notifier.contract.catalog import EVENT_TYPES, OPERATIONS, event_type_parsed_as
from tests.unit.test_operation_kinds import NOW, record
from tools.harness.samples import SAMPLE_FILES, load, read, sample_id

# Sample -> the name its messages carry: the document, runbook, window, calendar, parameter or image
# the event is about; None: the event is about none (an inventory type, an OpsItem, a compliance
# scan of a resource, a session).
EXPECTED_NAME: dict[str, str | None] = {
    # AMI events carry the image's id and no name: the id is the name a route can use.
    "ami/available": "ami-0123456789example",
    "ami/deregistered": "ami-0123456789example",
    "ami/disabled": "ami-0123456789example",
    "ami/failed": "ami-0123456789example",
    "ami/ami-available": "ami-0abcdef1234567890",
    "ami/ami-failed": "ami-0fedcba9876543210",
    "api-audit/send-command": "AWS-RunShellScript",  # the document the command runs
    "api-audit/start-session": None,
    "automation/execution-failed": "web-tier-install-cwagent",  # the runbook
    "automation/execution-failed-alone": "golden-ami-build",
    "automation/execution-success": "runcommand1",
    "automation/step-failed": "web-tier-install-cwagent",  # the runbook, not the step
    "automation/step-success": "runcommand1",
    "calendar/closed": "MyCalendar",
    "calendar/open-with-event": "SampleChangeCalendar",
    "calendar/open": "MyCalendar",
    "calendar-edits/created": "SampleChangeCalendar",
    "calendar-edits/drift": "ProductionChangeFreeze",
    "calendar-edits/edited": "SampleChangeCalendar",
    "change-manager/in-progress": "MyChangeTemplate",  # the change template (a document)
    "change-manager/rejected": "MyChangeTemplate",
    "change-manager/impact-assessment-created": "PatchWebTierRunbook",  # the change request's runbook
    "change-manager/template-review-pending": "MyChangeTemplate",  # the document reviewed
    "change-manager/document-review-approved": "PatchWebTierRunbook",
    # Access requests and managed node events are about one node: its id is the name a route can use.
    "managed-nodes/deregistration": "mi-0f1e2d3c4b5a69788",
    "managed-nodes/public-key-update": "mi-0f1e2d3c4b5a69788",
    "managed-nodes/registration": "mi-0f1e2d3c4b5a69788",
    "node-access/approver-approved": "i-0b3952fba006f5f0d",
    "node-access/approver-pending-approval": "i-0b3952fba006f5f0d",
    "node-access/request-failed": "i-05d8934df93bb43db",
    "node-access/requester-approved": "i-0b3952fba006f5f0d",
    "node-access/requester-pending-approval": "i-0b3952fba006f5f0d",
    "compliance/association-compliant": None,
    "compliance/association-non-compliant": None,
    "compliance/patch-compliant": None,
    "compliance/patch-non-compliant": None,
    "inventory/custom-type-deleted-all-nodes": None,
    "inventory/custom-type-deleted": None,
    "inventory/put-old-schema-failed": None,
    # Window events carry the window's id and no name.
    "maintenance-window/execution-failed": "mw-0a1b2c3d4eEXAMPLE",
    "maintenance-window/execution-success": "mw-0ed7251d3fcf6e0c2",
    "maintenance-window/execution-timed-out": "mw-0f9e8d7c6bEXAMPLE",
    "maintenance-window/target-registered": "mw-0ed7251d3fcf6e0c2",
    "maintenance-window/task-execution-failed": "mw-0a1b2c3d4eEXAMPLE",
    "maintenance-window/task-execution-success": "mw-0ed7251d3fcf6e0c2",
    "maintenance-window/task-registered": "mw-0ed7251d3fcf6e0c2",
    "maintenance-window/task-target-invocation-failed": "mw-0a1b2c3d4eEXAMPLE",
    "maintenance-window/task-target-invocation-success": "mw-0ed7251d3fcf6e0c2",
    "maintenance-window/window-disabled": "mw-0c50858d01EXAMPLE",
    "ops-center/opsitem-create": None,
    "ops-center/opsitem-update": None,
    "parameter-store/create": "MyExampleParameter",
    "parameter-store/delete": "MyExampleParameter",
    "parameter-store/policy-expiration-notification": "/OncallDuties",
    "parameter-store/policy-expiration": "/OncallDuties",
    "parameter-store/policy-no-change-notification": "/OncallDuties",
    "parameter-store/update": "MyExampleParameter",
    "run-command/command-failed": "AWS-RunShellScript",  # the document, not the command id
    "run-command/command-success": "AWS-RunPowerShellScript",
    "run-command/command-timed-out": "AWS-RunPatchBaseline",
    "run-command/invocation-failed": "AWS-RunShellScript",
    "run-command/invocation-success": "AWS-RunPowerShellScript",
    "state-manager/association-success": "AWS-RunPowerShellScript",  # the document, not the association id
    "state-manager/instance-association-failed": "AWS-RunShellScript",
    "state-manager/instance-association-recovered": "AWS-RunShellScript",
    "state-manager/instance-association-success": "my-custom-document",
}


def test_every_sample_and_so_every_detail_type_has_its_name_decided() -> None:
    assert sorted(EXPECTED_NAME) == sorted(sample_id(path) for path in SAMPLE_FILES)
    covered = set()
    for path in SAMPLE_FILES:
        parsed = parse_event(read(path))
        covered.add(event_type_parsed_as(parsed.detail_type, type(parsed).__name__))
    assert covered == set(EVENT_TYPES)


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=sample_id)
def test_each_message_names_what_its_event_is_about(path: Path) -> None:
    raw = read(path)
    assert render(parse_event(raw), raw).attributes.get("name") == EXPECTED_NAME[sample_id(path)]


def test_a_long_name_is_cut_like_the_other_attributes_and_an_unprintable_one_left_out() -> None:
    raw = load("parameter-store/update")
    raw["detail"]["name"] = "/team/" + "x" * 1000
    assert render(parse_event(raw), raw).attributes["name"] == ("/team/" + "x" * 1000)[:ATTRIBUTE_VALUE_MAX]
    raw["detail"]["name"] = "\n\t "
    assert "name" not in render(parse_event(raw), raw).attributes


FAILED = [ItemState("i-1", "Failed", "2026-03-02T10:05:00Z")]


@pytest.mark.parametrize(
    ("kind", "family", "fields", "name"),
    [
        (
            "command",
            "run-command",
            {"command_id": "c-1", "document_name": "AWS-RunPatchBaseline"},
            "AWS-RunPatchBaseline",
        ),
        ("command", "run-command", {"command_id": "c-1"}, None),  # the command id is no name
        ("window-execution", "maintenance-window", {"window_id": "mw-1", "window_execution_id": "w-1"}, "mw-1"),
        ("automation", "automation", {"execution_id": "e-1", "definition": "Patch-Fleet"}, "Patch-Fleet"),
        ("association", "state-manager", {"association_id": "a-1", "document_name": "My-Doc"}, "My-Doc"),
        ("compliance", "compliance", {"compliance_type": "Patch", "patch_baseline_id": "pb-1"}, None),
    ],
)
def test_a_digest_names_what_its_operation_runs(kind: str, family: str, fields: dict[str, str], name: str) -> None:
    digest = summarize(record(kind, family, "Failed", **fields), FAILED, [], NOW)
    assert render_digest(digest).attributes.get("name") == name


def test_every_event_type_of_an_operation_names_the_same_field_and_the_operation_records_it() -> None:
    for kind in OPERATIONS:
        named = {e.name_field for e in EVENT_TYPES if e.operation == kind.name}
        assert len(named) == 1, (kind.name, named)
        assert named <= {None, *kind.fields}, kind.name


def test_a_hub_message_carries_its_accounts_ous_as_a_list_and_none_when_they_were_not_read() -> None:
    raw = load("parameter-store/update")
    units = ("ou-ab12-prod0001", "ou-ab12-work0001", "r-ab12")
    notification = render(parse_event(raw), raw, origin=Origin("prod-web", units))
    assert json.loads(notification.attributes["organizational_units"]) == list(units)
    assert len(notification.attributes) <= 10  # SQS raw delivery drops them beyond 10
    assert "organizational_units" not in render(parse_event(raw), raw, origin=Origin("prod-web")).attributes
    assert "organizational_units" not in render(parse_event(raw), raw).attributes  # a single-account stack
    digest = summarize(record("command", "run-command", "Failed", command_id="c-1"), FAILED, [], NOW)
    digested = render_digest(digest, origin=Origin(None, units))
    assert json.loads(digested.attributes["organizational_units"]) == list(units)
