"""A route's Slack or Teams channel (Amazon Q Developer) at synth: a relayed destination whose relay
publishes chat cards to a topic of its own (the stack's key), which a channel configuration subscribes
under a role with no permissions and the read-only guardrail, as chat's channels; a bad channel is
refused naming the route and the field."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from ssm_event_notifier.setting_checks import SettingsError
from tests.infra.conftest import as_list, resources, synthesize

SLACK = "T0123ABCD:C0PAYMENTS"
TENANT, TEAM = "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"
TEAMS = f"{TENANT}:{TEAM}:19%3apayments%40thread.tacv2"
ROUTES = [
    {
        "name": "payments.team",
        "match": {"accounts": ["111111111111"], "severities": ["error"]},
        "to": [{"slack": SLACK}, {"teams": TEAMS}],
    },
    # Its name reads as the other's in a configuration name, and it names the same channel.
    {"name": "payments-team", "match": {"families": ["ami"]}, "to": [{"slack": [SLACK, "T0123ABCD:C0IMAGES"]}]},
]
# Configuration names: CloudFormation's pattern and length for both kinds.
CONFIGURATION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
CHANNEL_TYPES = ("AWS::Chatbot::SlackChannelConfiguration", "AWS::Chatbot::MicrosoftTeamsChannelConfiguration")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = tmp_path_factory.mktemp("routes") / "routes.json"
    path.write_text(json.dumps({"routes": ROUTES}))
    # Chat for every message too, in the same channel: its configuration stays, beside the routes'.
    return synthesize(routes=str(path), slackChannels=SLACK)


def _route_topics(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The routes' chat topics, by logical id."""
    return {
        name: topic["Properties"]
        for name, topic in resources(template, "AWS::SNS::Topic").items()
        if topic["Properties"].get("DisplayName", "").startswith("SSM Event Notifier chat: ")
    }


def _channels(template: dict[str, Any]) -> list[dict[str, Any]]:
    return [c["Properties"] for kind in CHANNEL_TYPES for c in resources(template, kind).values()]


def _relay(template: dict[str, Any]) -> dict[str, Any]:
    (relay,) = [
        f["Properties"]
        for f in resources(template, "AWS::Lambda::Function").values()
        if f["Properties"]["Handler"] == "handlers.route_relay.handler"
    ]
    return relay


def test_each_routes_channel_subscribes_a_topic_of_its_own_under_the_read_only_guardrail(
    template: dict[str, Any],
) -> None:
    topics = _route_topics(template)
    assert sorted(t["DisplayName"] for t in topics.values()) == [
        "SSM Event Notifier chat: payments-team",
        "SSM Event Notifier chat: payments.team",
        "SSM Event Notifier chat: payments.team",
    ]
    (notifications,) = [
        t["Properties"] for n, t in resources(template, "AWS::SNS::Topic").items() if n.startswith("TopicsNotif")
    ]
    assert all(t["KmsMasterKeyId"] == notifications["KmsMasterKeyId"] for t in topics.values())  # the stack's key
    by_topic: dict[str, list[dict[str, Any]]] = {}
    for channel in _channels(template):
        (topic,) = channel["SnsTopicArns"]
        by_topic.setdefault(topic.get("Ref", ""), []).append(channel)
        assert "ReadOnlyAccess" in json.dumps(channel["GuardrailPolicies"])
        assert channel["LoggingLevel"] == "ERROR"
    # One topic per destination: the two Slack channels of one destination share theirs.
    assert sorted(len(by_topic[name]) for name in topics) == [1, 1, 2]
    (teams,) = resources(template, "AWS::Chatbot::MicrosoftTeamsChannelConfiguration").values()
    props = teams["Properties"]
    assert (props["TeamsTenantId"], props["TeamId"], props["TeamsChannelId"]) == (
        TENANT,
        TEAM,
        "19%3apayments%40thread.tacv2",
    )
    assert props["SnsTopicArns"][0]["Ref"] in topics
    slack_ids = sorted(
        (c["Properties"]["SlackWorkspaceId"], c["Properties"]["SlackChannelId"])
        for c in resources(template, "AWS::Chatbot::SlackChannelConfiguration").values()
    )
    # The setting's channel and the routes' (the same channel in two routes: a configuration each).
    assert slack_ids == [("T0123ABCD", "C0IMAGES"), *[("T0123ABCD", "C0PAYMENTS")] * 3]


def test_the_channels_role_has_no_permission_and_the_configuration_names_are_unique(template: dict[str, Any]) -> None:
    roles = {c["IamRoleArn"]["Fn::GetAtt"][0] for c in _channels(template)}
    assert len(roles) == 4  # chat's, and one per route destination
    for role in roles:
        props = template["Resources"][role]["Properties"]
        assert "chatbot.amazonaws.com" in json.dumps(props["AssumeRolePolicyDocument"])
        assert "ManagedPolicyArns" not in props and "Policies" not in props
        attached = [
            p for p in resources(template, "AWS::IAM::Policy").values() if {"Ref": role} in p["Properties"]["Roles"]
        ]
        assert attached == []
    names = [c.get("ConfigurationName") or c["SlackChannelConfigurationName"] for c in _channels(template)]
    assert len(set(names)) == len(names) == 5, names
    assert all(CONFIGURATION_NAME.match(name) for name in names), names


def test_the_relay_publishes_to_each_chat_topic_from_the_destinations_queue(template: dict[str, Any]) -> None:
    relay = _relay(template)
    text = json.dumps(relay["Environment"]["Variables"]["ROUTE_DESTINATIONS"]).replace("\\", "")
    assert text.count('"kind":"chat"') == 3
    assert text.count('"format":"slack"') == 2 and text.count('"format":"teams"') == 1
    for topic in _route_topics(template):
        assert topic in text  # its ARN, the destination's topic_arn
    role = relay["Role"]["Fn::GetAtt"][0]
    statements = [
        statement
        for policy in resources(template, "AWS::IAM::Policy").values()
        if {"Ref": role} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    published = {
        resource["Ref"]
        for s in statements
        if "sns:Publish" in as_list(s["Action"])
        for resource in as_list(s["Resource"])
        if isinstance(resource, dict) and "Ref" in resource
    }
    assert set(_route_topics(template)) <= published
    assert any("kms:GenerateDataKey" in as_list(s["Action"]) for s in statements)
    # Each destination's queue is subscribed to the notification topic with its route's match.
    policies = [
        s["Properties"].get("FilterPolicy")
        for s in resources(template, "AWS::SNS::Subscription").values()
        if s["Properties"]["Protocol"] == "sqs"
    ]
    assert policies.count({"account": ["111111111111"], "severity": ["error"]}) == 2
    assert policies.count({"family": ["ami"]}) == 1
    alarms = [a["Properties"]["AlarmDescription"] for a in resources(template, "AWS::CloudWatch::Alarm").values()]
    assert sum("could not deliver to its chat" in a for a in alarms) == 3


def test_a_routes_channel_needs_no_chat_setting(tmp_path: Path) -> None:
    (tmp_path / "routes.json").write_text(json.dumps({"routes": ROUTES[1:]}))
    template = synthesize(routes=str(tmp_path / "routes.json"))
    handlers = {f["Properties"]["Handler"] for f in resources(template, "AWS::Lambda::Function").values()}
    assert "handlers.chat_relay.handler" not in handlers  # chat for every message stays off
    assert len(resources(template, "AWS::Chatbot::SlackChannelConfiguration")) == 2


def _to(*destinations: Any) -> dict[str, Any]:
    return {"routes": [{"name": "team-a", "match": {}, "to": list(destinations)}]}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            _to({"slack": "C0PAYMENTS"}),
            "route 'team-a': to[0]: slack: 'C0PAYMENTS' is not a channel, <workspace id>:<channel id> (T0123",
        ),
        (_to({"slack": "t0123abcd:C0PAYMENTS"}), "route 'team-a': to[0]: slack: 't0123abcd:C0PAYMENTS' is not a"),
        (
            _to({"email": "a@example.com"}, {"teams": f"{TENANT}:{TEAM}:19:payments@thread.tacv2"}),
            f"route 'team-a': to[1]: teams: '{TENANT}:{TEAM}:19:payments@thread.tacv2' is not a channel, "
            "<tenant id>:<team id>:<URL-encoded channel id>",
        ),
        (_to({"teams": [TEAMS, "team:channel"]}), "route 'team-a': to[0]: teams: 'team:channel' is not a channel"),
        (_to({"slack": []}), "route 'team-a': to[0]: slack: expected a value or a list of values"),
        (_to({"teams": 7}), "route 'team-a': to[0]: teams: expected a value or a list of values"),
        # A channel is relayed: it counts towards the relay's destinations.
        (_to(*[{"topic": f"t{n}"} for n in range(10)], {"slack": SLACK}), "to: 11 destinations need the route relay"),
    ],
)
def test_a_bad_channel_fails_the_synth_naming_the_route_and_the_field(
    tmp_path: Path, document: dict[str, Any], message: str
) -> None:
    (tmp_path / "routes.json").write_text(json.dumps(document))
    with pytest.raises(SettingsError) as refused:
        synthesize(routes=str(tmp_path / "routes.json"))
    assert str(refused.value).startswith(f"context routes: {message}"), str(refused.value)
