"""Routes (ssm_event_notifier.contract.routes_file). E-mail addresses are subscribed to the notification topic
with the route's match as their filter policy: SNS does the matching. Every other destination (a route's
own topic, a Slack or Teams channel, a webhook, PagerDuty, Jira Service Management) gets a queue of its
own, subscribed the same way, that the route relay reads: a slow or failing destination never delays
another, and each gets each message once. Without routes nothing here is made: the notification topic is
everyone's."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import cast

from aws_cdk import Acknowledgment, ArnFormat, CfnOutput, CfnResource, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from ssm_event_notifier.chat_channels import channel_configuration, channel_role
from ssm_event_notifier.contract.environment import RouteOwners, RouteRelaying
from ssm_event_notifier.contract.route_match import OWNER_TAG_READERS
from ssm_event_notifier.contract.routes_file import ROUTE_METADATA, Destination, RelayedDestination, Route
from ssm_event_notifier.core import NotifierCore, construct_id
from ssm_event_notifier.functions import NotifierFunction
from ssm_event_notifier.members import READER_ROLE_NAME
from ssm_event_notifier.nag import DEAD_LETTER_RULES, acknowledge
from ssm_event_notifier.setting_groups import SlackChannel, TeamsChannel, slack_channel, teams_channel
from ssm_event_notifier.storage import dead_letter_queue

# A destination that is down or throttling keeps its messages in its queue this many tries (each after
# the queue's visibility timeout) before they wait in its dead-letter queue.
DESTINATION_RECEIVE_COUNT = 20
# Batches at once per destination (SQS's least): a destination's rate limit is met by its own pace.
DESTINATION_CONCURRENCY = 2


def add_routes(core: NotifierCore) -> None:
    relayed: list[tuple[Route, int, Destination]] = []
    for route in core.settings.routes:
        policy = _filter_policy(route)
        # A route by tags gets its own view of a message, which only the relay makes: its addresses
        # subscribe to a topic of the route's own, that the relay publishes the view to.
        for address in () if route.tags else route.targets("email"):
            # What SNS could not deliver after its retries waits with the other e-mails' (alarmed).
            subscription = core.topics.notifications.add_subscription(
                subscriptions.EmailSubscription(
                    address, dead_letter_queue=core.topics.undelivered, filter_policy=policy
                )
            )
            cast(CfnResource, subscription.node.default_child).add_metadata(ROUTE_METADATA, route.name)
        relayed += [
            (route, index, d)
            for index, d in enumerate(route.destinations)
            if d.relayed or (route.tags and d.kind == "email")
        ]
    if not relayed:
        return
    owners = {route.name: route.tags for route in core.settings.routes if route.tags}
    if owners:
        read_owner_tags(core, owners)
    relay = core.add_function(
        "route-relay",
        "handlers.route_relay.handler",
        core.dedupe,
        description="SSM Event Notifier: each route's messages to its topics, chat channels, webhooks and on-call "
        "tools, once",
    )
    destinations = {}
    for route, index, destination in relayed:
        feed = RouteDestination(core, f"Route{construct_id(route.name)}To{index}", route, index, destination, relay)
        destinations[feed.queue_arn] = feed.spec.as_json()
    variables = RouteRelaying(destinations=Stack.of(core.scope).to_json_string(destinations)).variables()
    for name, value in variables.items():
        relay.function.add_environment(name, value)


def _filter_policy(route: Route) -> dict[str, sns.SubscriptionFilter] | None:
    policy = route.filter_policy()
    # The conditions as they are (a name, or a prefix or suffix of one): string_filter would take names only.
    return {name: sns.SubscriptionFilter(conditions=values) for name, values in policy.items()} or None


class RouteDestination(Construct):
    """One relayed destination: its queue (subscribed with the route's match), its dead-letter queue, its
    topic when it is a topic of the route's own, or a chat topic and the channels that subscribe to it
    (as chat_channels.py makes them), and what the relay may do for it."""

    def __init__(
        self,
        core: NotifierCore,
        construct_id_: str,
        route: Route,
        index: int,
        destination: Destination,
        relay: NotifierFunction,
    ) -> None:
        super().__init__(core.scope, construct_id_)
        self.dead_letter_queue = dead_letter_queue(self, "DeadLetterQueue")
        acknowledge(self.dead_letter_queue, *DEAD_LETTER_RULES)  # it is one (ssm_event_notifier.nag)
        core.monitoring.watch_dead_letter_queue(
            construct_id_,
            self.dead_letter_queue,
            f"Messages route {route.name} could not deliver to its {destination.kind}",
        )
        queue = relay.read_queue(
            self,
            "Queue",
            dead_letter_queue=self.dead_letter_queue,
            max_receive_count=DESTINATION_RECEIVE_COUNT,
            max_concurrency=DESTINATION_CONCURRENCY,
        )
        self.queue_arn = queue.queue_arn
        # The SNS envelope (not raw delivery): its MessageId is what each delivery is deduplicated on.
        core.topics.notifications.add_subscription(
            subscriptions.SqsSubscription(
                queue,
                raw_message_delivery=False,
                dead_letter_queue=self.dead_letter_queue,
                filter_policy=_filter_policy(route),
            )
        )
        self.dead_letter_queue.grant_send_messages(relay.role)
        topic_arn = ""
        if destination.kind in ("topic", "email", "chat"):
            chat = destination.kind == "chat"
            topic = sns.Topic(
                self,
                "Topic",
                display_name=f"SSM Event Notifier{' chat' if chat else ''}: {route.name}",
                master_key=core.topics.key,
                enforce_ssl=chat,  # as the chat topic
            )
            # Not topic.grant_publish: its key grant has a wildcard action.
            relay.role.add_to_principal_policy(
                iam.PolicyStatement(actions=["sns:Publish"], resources=[topic.topic_arn])
            )
            core.topics.key.grant(relay.role, "kms:GenerateDataKey", "kms:Decrypt")
            topic_arn = topic.topic_arn
            if chat:  # the relay publishes each message's chat card to it, for the route's channels
                self._add_channels(route.name, index, destination, topic)
            else:
                CfnOutput(core.scope, f"{construct_id_}TopicArn", value=topic.topic_arn)
            for address in destination.targets if destination.kind == "email" else ():
                topic.add_subscription(
                    subscriptions.EmailSubscription(address, dead_letter_queue=core.topics.undelivered)
                )
        if destination.secret:
            stack = Stack.of(self)
            # Secrets Manager adds six characters to a secret's name in its ARN.
            arn = stack.format_arn(
                service="secretsmanager",
                resource="secret",
                resource_name=f"{destination.secret}-??????",
                arn_format=ArnFormat.COLON_RESOURCE_NAME,
            )
            relay.role.add_to_principal_policy(
                iam.PolicyStatement(actions=["secretsmanager:GetSecretValue"], resources=[arn])
            )
        self.spec = RelayedDestination(
            id=f"{route.name}/{index}",
            route=route.name,
            kind="topic" if destination.kind == "email" else destination.kind,
            secret=destination.secret,
            format=destination.format,
            topic_arn=topic_arn,
            dead_letter_queue_url=self.dead_letter_queue.queue_url,
            by_tags=bool(route.tags),
        )

    def _add_channels(self, route: str, index: int, destination: Destination, topic: sns.ITopic) -> None:
        """The destination's Slack or Teams channels, each subscribed to its chat topic, as chat's are."""
        role = channel_role(self)
        for number, text in enumerate(destination.targets):
            channel: SlackChannel | TeamsChannel
            if destination.format == "slack":
                channel = slack = slack_channel(text)
                id_ = f"Slack{slack.workspace_id}{slack.channel_id}"
            else:
                channel, id_ = teams_channel(text), f"Teams{number}"
            # Configuration names are per account: the stack's name goes into the hash that makes two
            # stacks', and two routes', names differ (a route's name may hold '.', which they may not).
            unique = hashlib.sha256(f"{Stack.of(self).stack_name}/{route}/{index}/{text}".encode()).hexdigest()[:8]
            name = f"ssm-notifier-{re.sub(r'[^A-Za-z0-9_-]', '-', route)}-{unique}"
            channel_configuration(self, id_, channel, name=name, topic=topic, role=role)


def read_owner_tags(core: NotifierCore, owners: dict[str, Mapping[str, tuple[str, ...]]]) -> None:
    """The tags the routes by tags name are read of the instances of each fleet operation (the digest
    sweeper) and of the node a message is about (the event functions of the families about nodes)."""
    tags = {name: {key: list(values) for key, values in route_tags.items()} for name, route_tags in owners.items()}
    # Organization mode: a member's instances through the member's reader role (organization.py serve).
    reader_role = READER_ROLE_NAME if core.hub and core.hub.tag_reader else ""
    owners_environment = RouteOwners(routes=json.dumps(tags, sort_keys=True), reader_role=reader_role)
    stack = Stack.of(core.scope)
    nodes = f"arn:{stack.partition}:ssm:{stack.region}:{stack.account}:managed-instance/*"
    for reader in (core.functions[name] for name in OWNER_TAG_READERS if name in core.functions):
        for name, value in owners_environment.variables().items():
            reader.function.add_environment(name, value)
        reader.role.add_to_principal_policy(iam.PolicyStatement(actions=["ssm:ListTagsForResource"], resources=[nodes]))
        # DescribeTags has no resource to name (IAM: "*" only).
        reader.role.add_to_principal_policy(iam.PolicyStatement(actions=["ec2:DescribeTags"], resources=["*"]))
        Validations.of(reader).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:"
                "managed-instance/*]",
                reason="Read-only: the managed nodes whose tags the routes by tags need are known only at run time.",
            )
        )
