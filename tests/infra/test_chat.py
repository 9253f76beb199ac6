"""Chat in the template: nothing without a channel; with channels, the chat queue on the notification
topic (severity filter), the relay, the chat topic, and a read-only channel per Slack or Teams channel."""

from __future__ import annotations

from typing import Any

import pytest

from ssm_event_notifier.settings import SettingsError
from tests.infra.conftest import as_list, resources, synthesize

SLACK = "T0123ABCD:C0456EFGH"
TENANT, TEAM = "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"
TEAMS = f"{TENANT}:{TEAM}:19%3aabcdef%40thread.tacv2"
CHAT_TYPES = (
    "AWS::Chatbot::SlackChannelConfiguration",
    "AWS::Chatbot::MicrosoftTeamsChannelConfiguration",
    "AWS::SNS::Subscription",
)


@pytest.fixture(scope="module")
def chat() -> dict[str, Any]:
    return synthesize(slackChannels=SLACK, teamsChannels=TEAMS)


def _relay(template: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    ((logical_id, function),) = [
        (k, f)
        for k, f in resources(template, "AWS::Lambda::Function").items()
        if f["Properties"]["Handler"] == "handlers.chat_relay.handler"
    ]
    return logical_id, function


def test_no_channel_no_chat_resource(template: dict[str, Any]) -> None:
    for resource_type in CHAT_TYPES:
        assert resources(template, resource_type) == {}
    handlers = {f["Properties"]["Handler"] for f in resources(template, "AWS::Lambda::Function").values()}
    assert "handlers.chat_relay.handler" not in handlers
    assert "ChatTopicArn" not in template.get("Outputs", {})


def test_each_channel_gets_the_chat_topic_with_a_read_only_guardrail(chat: dict[str, Any]) -> None:
    (slack,) = resources(chat, "AWS::Chatbot::SlackChannelConfiguration").values()
    (teams,) = resources(chat, "AWS::Chatbot::MicrosoftTeamsChannelConfiguration").values()
    topics = resources(chat, "AWS::SNS::Topic")
    (chat_topic,) = [k for k, t in topics.items() if t["Properties"].get("DisplayName") == "SSM Event Notifier chat"]
    assert slack["Properties"]["SlackWorkspaceId"] == "T0123ABCD"
    assert slack["Properties"]["SlackChannelId"] == "C0456EFGH"
    assert (teams["Properties"]["TeamId"], teams["Properties"]["TeamsTenantId"]) == (TEAM, TENANT)
    assert teams["Properties"]["TeamsChannelId"] == "19%3aabcdef%40thread.tacv2"
    for channel in (slack, teams):
        props = channel["Properties"]
        assert props["SnsTopicArns"] == [{"Ref": chat_topic}]
        assert "ReadOnlyAccess" in str(props["GuardrailPolicies"])
        assert props["LoggingLevel"] == "ERROR"
    role = slack["Properties"]["IamRoleArn"]["Fn::GetAtt"][0]
    assert teams["Properties"]["IamRoleArn"]["Fn::GetAtt"][0] == role
    policies = [p for p in resources(chat, "AWS::IAM::Policy").values() if {"Ref": role} in p["Properties"]["Roles"]]
    assert policies == [] and "ManagedPolicyArns" not in resources(chat, "AWS::IAM::Role")[role]["Properties"]


def test_chat_gets_errors_and_warnings_through_its_own_queue_and_relay(chat: dict[str, Any]) -> None:
    (subscription,) = [
        s for s in resources(chat, "AWS::SNS::Subscription").values() if s["Properties"]["Protocol"] == "sqs"
    ]
    props = subscription["Properties"]
    assert props["FilterPolicy"] == {"severity": ["error", "warning"]}
    assert props.get("RawMessageDelivery") in (None, False)  # the envelope: its MessageId dedupes the card
    relay_id, relay = _relay(chat)
    # What SNS cannot deliver to the chat queue waits in the relay's dead-letter queue (alarmed).
    dead_letters = relay["Properties"]["Environment"]["Variables"]["DEAD_LETTER_QUEUE_URL"]["Ref"]
    assert props["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": [dead_letters, "Arn"]}}
    variables = relay["Properties"]["Environment"]["Variables"]
    assert {"CHAT_TOPIC_ARN", "IDEMPOTENCY_TABLE_NAME", "DEAD_LETTER_QUEUE_URL"} <= set(variables)
    (mapping,) = [
        m
        for m in resources(chat, "AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": relay_id}
    ]
    assert mapping["Properties"]["EventSourceArn"] == {"Fn::GetAtt": [props["Endpoint"]["Fn::GetAtt"][0], "Arn"]}
    assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    role = relay["Properties"]["Role"]["Fn::GetAtt"][0]
    published = [
        s["Resource"]
        for p in resources(chat, "AWS::IAM::Policy").values()
        if {"Ref": role} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if "sns:Publish" in as_list(s["Action"])
    ]
    assert published == [{"Ref": variables["CHAT_TOPIC_ARN"]["Ref"]}]  # the chat topic, never the notifications'


def test_chat_severities_widen_the_filter() -> None:
    template = synthesize(slackChannels=SLACK, chatSeverities="error,warning,info")
    (subscription,) = [
        s for s in resources(template, "AWS::SNS::Subscription").values() if s["Properties"]["Protocol"] == "sqs"
    ]
    assert subscription["Properties"]["FilterPolicy"] == {"severity": ["error", "warning", "info"]}


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"slackChannels": "C0456EFGH"}, "slackChannels: 'C0456EFGH' is not <workspace id>:<channel id>"),
        ({"teamsChannels": "team:channel"}, "teamsChannels: 'team:channel' is not <tenant id>"),
        (
            {"slackChannels": SLACK, "chatSeverities": "fatal"},
            "chatSeverities: unknown fatal; known: error, warning, info",
        ),
    ],
)
def test_bad_chat_settings_fail_the_synth_naming_the_setting(context: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        synthesize(**context)
