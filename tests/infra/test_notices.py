"""Advance notices in the template: one scheduled function, its reads and nothing more; none with
noticeBefore=0; routes may match the notice family only while notices are on."""

from __future__ import annotations

from typing import Any

import pytest

from ssm_event_notifier.setting_checks import SettingsError
from ssm_event_notifier.settings import NotifierSettings
from tests.infra.conftest import as_list, resources, synthesize

HANDLER = "handlers.notices.handler"


def _function(template: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    found = [
        (logical_id, f)
        for logical_id, f in resources(template, "AWS::Lambda::Function").items()
        if f["Properties"]["Handler"] == HANDLER
    ]
    return found[0] if found else None


def _statements(template: dict[str, Any], logical_id: str) -> list[dict[str, Any]]:
    role = template["Resources"][logical_id]["Properties"]["Role"]["Fn::GetAtt"][0]
    return [
        statement
        for policy in resources(template, "AWS::IAM::Policy").values()
        if {"Ref": role} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_the_look_ahead_runs_every_five_minutes_with_the_lead_times_and_the_monitored_calendars(
    template: dict[str, Any],
) -> None:
    found = _function(template)
    assert found is not None
    logical_id, function = found
    variables = function["Properties"]["Environment"]["Variables"]
    assert variables["NOTICE_BEFORE_MINUTES"] == "60"
    assert variables["MONITORED_CALENDARS"] == "ProductionChangeFreeze"
    (schedule,) = [
        rule
        for rule in resources(template, "AWS::Events::Rule").values()
        if rule["Properties"].get("ScheduleExpression")
        and rule["Properties"]["Targets"][0]["Arn"] == {"Fn::GetAtt": [logical_id, "Arn"]}
    ]
    assert schedule["Properties"]["ScheduleExpression"] == "rate(5 minutes)"
    assert schedule["Properties"]["Targets"][0]["RetryPolicy"]["MaximumRetryAttempts"] == 2


def test_it_may_read_the_windows_and_the_monitored_calendars_and_write_only_its_claims(
    template: dict[str, Any],
) -> None:
    found = _function(template)
    assert found is not None
    actions = {action for s in _statements(template, found[0]) for action in as_list(s["Action"])}
    reads = {a for a in actions if a.startswith("ssm:")}
    assert reads == {
        "ssm:DescribeMaintenanceWindows",
        "ssm:DescribeMaintenanceWindowTargets",
        "ssm:DescribeMaintenanceWindowTasks",
        "ssm:DescribeMaintenanceWindowSchedule",
        "ssm:DescribeInstanceInformation",
        "ssm:GetDocument",
    }
    assert not {a for a in actions if a.split(":")[0] in ("ec2", "organizations", "sts")}
    by_action = {action: s for s in _statements(template, found[0]) for action in as_list(s["Action"])}
    assert "maintenancewindow/*" in str(by_action["ssm:DescribeMaintenanceWindowTasks"]["Resource"])
    assert "document/ProductionChangeFreeze" in str(by_action["ssm:GetDocument"]["Resource"])


def test_notice_before_0_makes_no_look_ahead() -> None:
    template = synthesize(noticeBefore="0")
    assert _function(template) is None
    assert not [logical_id for logical_id in template["Resources"] if logical_id.startswith("Notice")]


def _routes(families: list[str]) -> dict[str, Any]:
    return {"routes": [{"name": "changes", "match": {"families": families}, "to": [{"email": ["c@example.com"]}]}]}


def test_a_route_may_match_the_notice_family_and_its_detail_types() -> None:
    settings = NotifierSettings(routes=_routes(["notice"]))  # type: ignore[arg-type]
    assert settings.routes[0].match["families"] == ("notice",)
    NotifierSettings(
        routes={  # type: ignore[arg-type]
            "routes": [
                {
                    "name": "freezes",
                    "match": {"families": ["notice"], "detailTypes": ["Change Calendar Notice"]},
                    "to": [{"email": ["c@example.com"]}],
                }
            ]
        }
    )


def test_a_route_of_notices_only_is_refused_when_notices_are_off() -> None:
    with pytest.raises(SettingsError, match="none of notice is enabled"):
        NotifierSettings(notice_before="0", routes=_routes(["notice"]))  # type: ignore[arg-type]
