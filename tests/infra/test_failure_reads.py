"""The failure reads (notifier.failures) of the functions that publish failures: read actions only,
each on the narrowest resource IAM allows, the budget from the settings, and no other function."""

from __future__ import annotations

from typing import Any

import pytest

from ssm_event_notifier.failure_reads import READS_WITHOUT_RESOURCES
from ssm_event_notifier.settings import SettingsError
from tests.infra.conftest import as_list, resources, synthesize

SWEEPER = "handlers.operation_sweeper.handler"
READS = {"FAILURE_READS", "FAILURE_READ_SECONDS"}


def _function(template: dict[str, Any], handler: str = SWEEPER) -> dict[str, Any]:
    (function,) = [
        f for f in resources(template, "AWS::Lambda::Function").values() if f["Properties"]["Handler"] == handler
    ]
    return function


def _sweeper(template: dict[str, Any]) -> dict[str, Any]:
    return _function(template)


def _read_grants(template: dict[str, Any], handler: str = SWEEPER) -> dict[str, str]:
    """Each ssm/ec2 action the function's role is allowed, and its resources as text."""
    role = _function(template, handler)["Properties"]["Role"]["Fn::GetAtt"][0]
    grants: dict[str, str] = {}
    for policy in resources(template, "AWS::IAM::Policy").values():
        if {"Ref": role} not in policy["Properties"]["Roles"]:
            continue
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            for action in as_list(statement["Action"]):
                if action.startswith(("ssm:", "ec2:")):
                    assert statement["Effect"] == "Allow"
                    grants[action] = str(statement["Resource"])
    return grants


def test_the_sweeper_may_read_why_items_failed_and_nothing_else(template):
    grants = _read_grants(template)

    assert sorted(grants) == sorted(
        [
            "ssm:GetAutomationExecution",
            "ssm:DescribeInstanceAssociationsStatus",
            *READS_WITHOUT_RESOURCES,
        ]
    )
    assert all(action.split(":")[1].startswith(("Get", "List", "Describe")) for action in grants)
    assert ":automation-execution/*" in grants["ssm:GetAutomationExecution"]
    assert ":instance/*" in grants["ssm:DescribeInstanceAssociationsStatus"]
    assert ":managed-instance/*" in grants["ssm:DescribeInstanceAssociationsStatus"]
    for action in READS_WITHOUT_RESOURCES:
        assert grants[action] == "*"


def test_the_budget_reaches_the_sweeper_and_zero_reads_grants_nothing():
    variables = _sweeper(synthesize(failureReads="5", failureReadSeconds="2"))["Properties"]["Environment"]
    assert (variables["Variables"]["FAILURE_READS"], variables["Variables"]["FAILURE_READ_SECONDS"]) == ("5", "2")

    off = synthesize(failureReads="0")
    assert _sweeper(off)["Properties"]["Environment"]["Variables"]["FAILURE_READS"] == "0"
    assert _read_grants(off) == {}


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"failureReads": "-1"}, "failureReads: -1 is outside 0"),
        ({"failureReadSeconds": "30"}, "failureReadSeconds: 30 is outside 1"),
        ({"failureReadSeconds": "soon"}, "failureReadSeconds: expected a whole number"),
    ],
)
def test_bad_failure_read_settings_fail_the_synth_naming_the_setting(context, message):
    with pytest.raises(SettingsError, match=message):
        synthesize(**context)


def _readers(template: dict[str, Any]) -> set[str]:
    """The handlers whose function is given a failure-read budget."""
    return {
        f["Properties"]["Handler"]
        for f in resources(template, "AWS::Lambda::Function").values()
        if set(f["Properties"].get("Environment", {}).get("Variables", {})) >= READS
    }


def test_digest_mode_reads_for_the_digests_the_ami_failures_and_the_access_requests_only(template):
    assert _readers(template) == {SWEEPER, "handlers.ami.handler", "handlers.systems_manager.handler"}
    assert _read_grants(template, "handlers.ami.handler") == _read_grants(template)
    for handler in ("handlers.run_command.handler", "handlers.systems_manager.handler", "handlers.calendar.handler"):
        assert not {a for a in _read_grants(template, handler) if a.startswith(("ec2:", "ssm:List", "ssm:GetAuto"))}
    # A just-in-time access request's OpsItem, by the function that publishes its failure, and nobody else.
    (opsitems,) = [
        r for a, r in _read_grants(template, "handlers.systems_manager.handler").items() if a == "ssm:GetOpsItem"
    ]
    assert ":opsitem/*" in opsitems
    assert "ssm:GetOpsItem" not in _read_grants(template) | _read_grants(template, "handlers.ami.handler")


def test_each_mode_reads_where_each_failure_is_published():
    each = synthesize(perInstanceNotifications="each")
    assert _readers(each) == {
        "handlers.ami.handler",
        "handlers.run_command.handler",
        "handlers.maintenance_window.handler",
        "handlers.systems_manager.handler",
    }
    assert _read_grants(each, "handlers.run_command.handler")["ssm:ListCommandInvocations"] == "*"
    assert {"ssm:GetOpsItem", "ssm:GetAutomationExecution"} <= set(
        _read_grants(each, "handlers.systems_manager.handler")
    )
    assert "ec2:DescribeImages" not in _read_grants(each, "handlers.calendar.handler")
