"""The API audit's rule, proved with moto's EventBridge pattern matcher: the calls people make notify;
the SSM Agent's and the service's own calls (the API reference's list), reads and calls an AWS
service made on someone's behalf match no rule at all, so they never invoke a function."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from moto.events.models import EventPattern

from ssm_event_notifier.settings import SettingsError
from tests.infra.conftest import EVERY_FAMILY, pattern_rules, synthesize
from tools.harness.samples import load

ACCOUNT = "123456789012"  # the samples' and the synthesized stack's (it is env-agnostic: resolved below)
# "Reference: ec2messages, ssmmessages, and other API operations" (the seed document): what SSM Agent
# and the service call on their own, every few minutes on every node.
AGENT_CALLS = (
    ("ec2messages.amazonaws.com", "AcknowledgeMessage"),
    ("ec2messages.amazonaws.com", "DeleteMessage"),
    ("ec2messages.amazonaws.com", "FailMessage"),
    ("ec2messages.amazonaws.com", "GetEndpoint"),
    ("ec2messages.amazonaws.com", "GetMessages"),
    ("ec2messages.amazonaws.com", "SendReply"),
    ("ssmmessages.amazonaws.com", "CreateControlChannel"),
    ("ssmmessages.amazonaws.com", "CreateDataChannel"),
    ("ssmmessages.amazonaws.com", "OpenControlChannel"),
    ("ssmmessages.amazonaws.com", "OpenDataChannel"),
    ("ssm.amazonaws.com", "DescribeInstanceProperties"),
    ("ssm.amazonaws.com", "DescribeDocumentParameters"),
    ("ssm.amazonaws.com", "ListInstanceAssociations"),
    ("ssm.amazonaws.com", "RegisterManagedInstance"),
    ("ssm.amazonaws.com", "UpdateInstanceAssociationStatus"),
    ("ssm.amazonaws.com", "UpdateInstanceInformation"),
    ("ssm.amazonaws.com", "GetManifest"),
    ("ssm.amazonaws.com", "PutConfigurePackageResult"),
)


def _matching(template: dict[str, Any], event: dict[str, Any]) -> list[str]:
    matched = []
    for name, rule in pattern_rules(template).items():
        text = json.dumps(rule["Properties"]["EventPattern"]).replace('{"Ref": "AWS::AccountId"}', f'"{ACCOUNT}"')
        if EventPattern.load(text).matches_event(event):  # type: ignore[arg-type]
            matched.append(name)
    return matched


def _call(source: str, name: str, **detail: Any) -> dict[str, Any]:
    """The StartSession sample, made into another call (as the agent makes it: an instance's role)."""
    event = copy.deepcopy(load("api-audit/start-session"))
    event["source"] = "aws." + source.split(".")[0]
    event["detail"].update(eventSource=source, eventName=name, **detail)
    return event


@pytest.fixture(scope="module")
def audited() -> dict[str, Any]:
    return synthesize(enabledFamilies=EVERY_FAMILY)


def test_the_audit_is_off_unless_enabled(template: dict[str, Any], audited: dict[str, Any]) -> None:
    session = load("api-audit/start-session")
    assert _matching(template, session) == []
    assert _matching(audited, session) == ["ApiAuditEventsRule56A9AA04"]


@pytest.mark.parametrize(("source", "name"), AGENT_CALLS, ids=[name for _, name in AGENT_CALLS])
def test_no_call_of_the_agent_or_the_service_matches_any_rule(audited: dict[str, Any], source: str, name: str) -> None:
    assert _matching(audited, _call(source, name)) == []
    assert _matching(audited, _call(source, name, readOnly=True)) == []


def test_reads_and_calls_a_service_made_on_someones_behalf_match_no_rule(audited: dict[str, Any]) -> None:
    read = _call("ssm.amazonaws.com", "StartSession", readOnly=True)
    on_behalf = _call("ssm.amazonaws.com", "SendCommand")
    on_behalf["detail"]["userIdentity"]["invokedBy"] = "ssm.amazonaws.com"  # a maintenance window's task
    assert _matching(audited, read) == [] and _matching(audited, on_behalf) == []
    assert _matching(audited, _call("ssm.amazonaws.com", "DeleteParameter")) == ["ApiAuditEventsRule56A9AA04"]


def test_which_calls_notify_is_a_setting() -> None:
    narrow = synthesize(enabledFamilies=EVERY_FAMILY, auditedCalls="StartSession")
    assert _matching(narrow, load("api-audit/start-session")) == ["ApiAuditEventsRule56A9AA04"]
    assert _matching(narrow, load("api-audit/send-command")) == []
    with pytest.raises(SettingsError, match="auditedCalls: 'ssm:SendCommand' is not an API call name"):
        synthesize(enabledFamilies=EVERY_FAMILY, auditedCalls="ssm:SendCommand")
