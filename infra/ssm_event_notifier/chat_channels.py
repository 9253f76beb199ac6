"""Chat (Amazon Q Developer in chat applications): notification topic -> chat queue (the severities
chat gets) -> chat relay function -> chat topic -> a channel configuration per Slack or Teams channel.

Chat is one more subscriber of the notification topic: what its other subscribers receive does not
change, and a failure of chat never touches them. Nothing of this exists when no channel is set.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from aws_cdk import aws_chatbot as chatbot
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from ssm_event_notifier.contract.environment import ChatRelaying
from ssm_event_notifier.core import NotifierCore
from ssm_event_notifier.functions import NotifierFunction
from ssm_event_notifier.setting_groups import ChatSettings, SlackChannel, TeamsChannel, chat_settings

# What people may do from a chat channel: read, nothing else (the channel role itself has no policy:
# notifications need none).
GUARDRAIL = "ReadOnlyAccess"


class ChatChannels(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: ChatSettings,
        notifications: sns.ITopic,
        key: kms.IKey,
        relay: NotifierFunction,
    ) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(self, "Topic", display_name="SSM Event Notifier chat", master_key=key, enforce_ssl=True)
        self.queue = relay.read_queue(self, "Queue")
        self._feed(relay, notifications, settings.severities, key)
        self._add_channels(settings)

    def _feed(
        self, relay: NotifierFunction, notifications: sns.ITopic, severities: tuple[str, ...], key: kms.IKey
    ) -> None:
        """Notification topic -> chat queue (the severities chat gets) -> relay -> chat topic."""
        # The SNS envelope (not raw delivery): its MessageId is what the relay dedupes on. A notification SNS
        # cannot deliver to the queue (a queue or key policy that refuses it) waits in the relay's
        # dead-letter queue, alarmed, instead of being dropped.
        notifications.add_subscription(
            subscriptions.SqsSubscription(
                self.queue,
                raw_message_delivery=False,
                dead_letter_queue=relay.dead_letter_queue,
                filter_policy={"severity": sns.SubscriptionFilter.string_filter(allowlist=list(severities))},
            )
        )
        for name, value in ChatRelaying(topic_arn=self.topic.topic_arn).variables().items():
            relay.function.add_environment(name, value)
        relay.role.add_to_principal_policy(
            iam.PolicyStatement(actions=["sns:Publish"], resources=[self.topic.topic_arn])
        )
        key.grant(relay.role, "kms:GenerateDataKey", "kms:Decrypt")

    def _add_channels(self, settings: ChatSettings) -> None:
        """A channel configuration per Slack or Teams channel, under one role with no permissions."""
        self.role = channel_role(self)
        self.channels = [
            channel_configuration(
                self,
                f"Slack{slack.workspace_id}{slack.channel_id}",
                slack,
                name=f"ssm-notifier-{slack.channel_id}"[:128],
                topic=self.topic,
                role=self.role,
            )
            for slack in settings.slack
        ]
        self.channels += [
            channel_configuration(
                self, f"Teams{index}", teams, name=f"ssm-notifier-teams-{index}", topic=self.topic, role=self.role
            )
            for index, teams in enumerate(settings.teams)
        ]


def channel_role(scope: Construct) -> iam.Role:
    """The role of `scope`'s channel configurations: no policy at all (notifications need none)."""
    Validations.of(scope).acknowledge(
        Acknowledgment(
            id="AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/ReadOnlyAccess]",
            reason="ReadOnlyAccess is the channels' guardrail (the most anyone may do from chat), not a "
            "permission of any role: the channel role has no policy.",
        )
    )
    return iam.Role(
        scope,
        "ChannelRole",
        assumed_by=iam.ServicePrincipal("chatbot.amazonaws.com"),
        description="SSM Event Notifier chat channels: notifications only, no permissions",
    )


def channel_configuration(
    scope: Construct, id_: str, channel: SlackChannel | TeamsChannel, *, name: str, topic: sns.ITopic, role: iam.IRole
) -> Construct:
    """A Slack or Teams channel of Amazon Q Developer that gets what `topic` publishes; `name`: its
    configuration's, unique in the stack (letters, digits, '-' and '_', at most 128)."""
    guardrail = iam.ManagedPolicy.from_aws_managed_policy_name(GUARDRAIL)
    if isinstance(channel, SlackChannel):
        return chatbot.SlackChannelConfiguration(
            scope,
            id_,
            slack_channel_configuration_name=name,
            slack_workspace_id=channel.workspace_id,
            slack_channel_id=channel.channel_id,
            notification_topics=[topic],
            role=role,
            guardrail_policies=[guardrail],
            logging_level=chatbot.LoggingLevel.ERROR,
        )
    # Teams has no L2 construct.
    return chatbot.CfnMicrosoftTeamsChannelConfiguration(
        scope,
        id_,
        configuration_name=name,
        iam_role_arn=role.role_arn,
        team_id=channel.team_id,
        teams_tenant_id=channel.tenant_id,
        teams_channel_id=channel.channel_id,
        sns_topic_arns=[topic.topic_arn],
        guardrail_policies=[guardrail.managed_policy_arn],
        logging_level="ERROR",
    )


def add_chat(core: NotifierCore) -> ChatChannels | None:
    """The relay and the channels, when a channel is configured."""
    settings = chat_settings(core.settings)
    if not settings:
        return None
    relay = core.add_function(
        "chat-relay",
        "handlers.chat_relay.handler",
        core.dedupe,
        description="SSM Event Notifier: each notification once more, as a chat card (Slack, Teams)",
    )
    topics = core.topics
    return ChatChannels(
        core.scope, "Chat", settings=settings, notifications=topics.notifications, key=topics.key, relay=relay
    )
