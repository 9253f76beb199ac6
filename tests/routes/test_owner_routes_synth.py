"""Routes by owner (match.tags) at synth: a route by tags is delivered by the relay (its view names its
owners' instances only), its addresses subscribe to a topic of the route's own, its queue's filter is
its name in `owner_routes`, and the digest sweeper reads exactly the tags the routes name."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ssm_event_notifier.setting_checks import SettingsError
from tests.infra.conftest import as_list, resources, synthesize

WEB_OWNERS = {
    "name": "web-owners",
    "match": {"tags": {"Team": ["web"]}, "families": ["run-command", "state-manager"]},
    "to": [{"email": ["web@example.com"]}, {"webhook": {"secret": "web/hook", "format": "json"}}],
}


def _synth(tmp_path: Path, *routes: dict[str, Any], **context: Any) -> dict[str, Any]:
    (tmp_path / "routes.json").write_text(json.dumps({"routes": list(routes)}))
    return synthesize(routes=str(tmp_path / "routes.json"), **context)


def _function(template: dict[str, Any], handler: str) -> tuple[str, dict[str, Any]]:
    (found,) = [
        (name, f["Properties"])
        for name, f in resources(template, "AWS::Lambda::Function").items()
        if f["Properties"]["Handler"] == handler
    ]
    return found


def test_a_route_by_tags_is_relayed_its_addresses_on_its_own_topic_and_the_sweeper_reads_its_tags(
    tmp_path: Path,
) -> None:
    template = _synth(tmp_path, WEB_OWNERS)
    subscriptions = [s["Properties"] for s in resources(template, "AWS::SNS::Subscription").values()]
    (email,) = [s for s in subscriptions if s["Protocol"] == "email"]
    # Not the notification topic: the relay publishes the route's view to the route's own topic.
    assert email["Endpoint"] == "web@example.com" and "FilterPolicy" not in email
    assert email["TopicArn"] != {"Ref": _topic_of(template)}
    queues = [s for s in subscriptions if s["Protocol"] == "sqs" and s.get("FilterPolicy", {}).get("owner_routes")]
    assert len(queues) == 2  # the e-mails' topic and the webhook, each its own queue
    assert all(
        q["FilterPolicy"] == {"owner_routes": ["web-owners"], "family": ["run-command", "state-manager"]}
        for q in queues
    )
    _, relay = _function(template, "handlers.route_relay.handler")
    text = json.dumps(relay["Environment"]["Variables"]["ROUTE_DESTINATIONS"]).replace("\\", "")
    assert text.count('"by_tags":true') == 2

    _, sweeper = _function(template, "handlers.operation_sweeper.handler")
    assert json.loads(sweeper["Environment"]["Variables"]["ROUTE_OWNER_TAGS"]) == {"web-owners": {"Team": ["web"]}}
    assert {"ec2:DescribeTags", "ssm:ListTagsForResource"} <= _actions(template, sweeper)
    # And the event functions of the families about nodes: a message about one node names its owners' routes.
    for handler in ("handlers.systems_manager.handler", "handlers.run_command.handler"):
        _, function = _function(template, handler)
        assert (
            function["Environment"]["Variables"]["ROUTE_OWNER_TAGS"]
            == sweeper["Environment"]["Variables"]["ROUTE_OWNER_TAGS"]
        )
        assert {"ec2:DescribeTags", "ssm:ListTagsForResource"} <= _actions(template, function)
    # Not the functions whose messages name no node: an image's, a Maintenance Window's (its target's
    # invocation names none; its fleet message, the sweeper's, names the instances).
    for handler in ("handlers.ami.handler", "handlers.maintenance_window.handler"):
        _, other = _function(template, handler)
        assert "ROUTE_OWNER_TAGS" not in other["Environment"]["Variables"], handler
        assert "ec2:DescribeTags" not in _actions(template, other), handler


def _actions(template: dict[str, Any], function: dict[str, Any]) -> set[str]:
    role = function["Role"]["Fn::GetAtt"][0]
    return {
        action
        for policy in resources(template, "AWS::IAM::Policy").values()
        if {"Ref": role} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        for action in as_list(statement["Action"])
    }


def test_with_a_message_per_instance_a_route_by_tags_is_served_by_the_event_functions(tmp_path: Path) -> None:
    template = _synth(tmp_path, WEB_OWNERS, perInstanceNotifications="each")
    _, function = _function(template, "handlers.run_command.handler")
    assert json.loads(function["Environment"]["Variables"]["ROUTE_OWNER_TAGS"]) == {"web-owners": {"Team": ["web"]}}


def _topic_of(template: dict[str, Any]) -> str:
    """The notification topic's logical id."""
    return next(name for name in resources(template, "AWS::SNS::Topic") if name.startswith("TopicsNotifications"))


def test_without_a_route_by_tags_the_sweeper_reads_no_tags(tmp_path: Path) -> None:
    team = {"name": "team", "match": {"families": ["run-command"]}, "to": [{"email": "t@example.com"}]}
    _, sweeper = _function(_synth(tmp_path, team), "handlers.operation_sweeper.handler")
    assert "ROUTE_OWNER_TAGS" not in sweeper["Environment"]["Variables"]


@pytest.mark.parametrize(
    ("match", "context", "message"),
    [
        ({"tags": {"aws:cloudformation:stack-name": ["x"]}}, {}, "match.tags: 'aws:cloudformation:stack-name' is not"),
        ({"tags": {}}, {}, "match.tags: expected a mapping of tag keys to lists of values"),
        ({"tags": {"Team": []}}, {}, "match.tags.Team: expected a list of one or more values"),
        ({"tags": {"Team": ["web"]}, "families": ["ami"]}, {}, "match.tags: only messages about instances carry tags"),
        (
            {"tags": {"Team": ["web"]}, "detailTypes": ["Parameter Store Change"]},
            {},
            "match.tags: none of match.detailTypes is of a message about instances",
        ),
        # Of a family about nodes, but naming none: a command's own status, a window target's invocation.
        (
            {"tags": {"Team": ["web"]}, "detailTypes": ["EC2 Command Status-change Notification"]},
            {},
            "match.tags: none of match.detailTypes is of a message about instances",
        ),
        (
            {
                "tags": {"Team": ["web"]},
                "detailTypes": ["Maintenance Window Task Target Invocation State-change Notification"],
            },
            {"perInstanceNotifications": "each"},
            "match.tags: none of match.detailTypes is of a message about instances",
        ),
    ],
)
def test_a_bad_route_by_tags_fails_the_synth_naming_the_route_and_the_field(
    tmp_path: Path, match: dict[str, Any], context: dict[str, Any], message: str
) -> None:
    route = {"name": "owners", "match": match, "to": [{"email": "o@example.com"}]}
    with pytest.raises(SettingsError) as refused:
        _synth(tmp_path, route, **context)
    assert f"route 'owners': {message}" in str(refused.value), str(refused.value)


def test_in_organization_mode_the_sweeper_reads_members_tags_through_their_reader_role(tmp_path: Path) -> None:
    from ssm_event_notifier.members import READER_ROLE_NAME
    from tests.infra.test_organization import _member, _stack_set

    # Families without calendars: the reader role exists for the tags alone.
    template = _synth(
        tmp_path,
        WEB_OWNERS,
        organizationId="o-abc123defg",
        memberOrganizationalUnits="r-ab12",
        memberRegions="eu-west-1",
        enabledFamilies="run-command,state-manager",
    )
    member = _member(template)
    (role,) = [r["Properties"] for r in resources(member, "AWS::IAM::Role").values() if "RoleName" in r["Properties"]]
    assert role["RoleName"] == READER_ROLE_NAME
    (policy,) = [p for p in role["Policies"] if p["PolicyName"] == "ReadInstanceTags"]
    granted = {a for s in policy["PolicyDocument"]["Statement"] for a in as_list(s["Action"])}
    assert granted == {"ec2:DescribeTags", "ssm:ListTagsForResource"}
    # The reader trusts the digest sweeper's role (the StackSet passes it), which may assume it.
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in _stack_set(template)["Parameters"]}
    value = parameters["HubCalendarRoleArns"]
    # CDK writes the join of one ARN as that ARN.
    arns = value["Fn::Join"][1] if "Fn::Join" in value else [value]
    _, sweeper = _function(template, "handlers.operation_sweeper.handler")
    trusted = sweeper["Role"]["Fn::GetAtt"][0]
    assert trusted in [arn["Fn::GetAtt"][0] for arn in arns]
    assert sweeper["Environment"]["Variables"]["TAG_READER_ROLE"] == READER_ROLE_NAME
    assumes = [
        statement
        for policy in resources(template, "AWS::IAM::Policy").values()
        if {"Ref": trusted} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Action"] == "sts:AssumeRole"
    ]
    assert len(assumes) == 1 and assumes[0]["Condition"] == {"StringEquals": {"aws:ResourceOrgID": "o-abc123defg"}}
