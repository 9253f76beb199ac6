"""`SsmEventNotifier`, the construct teams add to their own CDK app, and `assemble`, which composes the
features into a scope (the construct's own, or `NotifierStack`'s)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec

from aws_cdk import CfnOutput, Stack, Token
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from ssm_event_notifier.advance_notices import add_notices
from ssm_event_notifier.calendars import add_calendars
from ssm_event_notifier.chat_channels import add_chat
from ssm_event_notifier.contract.environment import FailureReading
from ssm_event_notifier.core import NotifierCore
from ssm_event_notifier.event_functions import add_event_functions, add_family_rules
from ssm_event_notifier.failure_reads import grant_failure_reads_to_event_functions
from ssm_event_notifier.fleet_operations import add_fleet_operations
from ssm_event_notifier.functions import NotifierFunction
from ssm_event_notifier.nag import acknowledge_accepted_findings
from ssm_event_notifier.organization import OrganizationHub
from ssm_event_notifier.routes import add_routes
from ssm_event_notifier.setting_names import settings_of
from ssm_event_notifier.settings import NotifierSettings

P = ParamSpec("P")


@dataclass(frozen=True)
class Notifier:
    """What the notifier made that its users wire further: subscribe to the topics, alarm on the queues."""

    notification_topic: sns.ITopic
    alarm_topic: sns.ITopic
    chat_topic: sns.ITopic | None
    idempotency_table: dynamodb.ITable
    # By function name ("ami", "run-command", "calendar-reconciler", "digest-sweeper", "notices", ...).
    functions: dict[str, NotifierFunction]
    hub: OrganizationHub | None

    @property
    def dead_letter_queues(self) -> dict[str, sqs.IQueue]:
        return {name: function.dead_letter_queue for name, function in self.functions.items()}


def assemble(scope: Construct, settings: NotifierSettings) -> Notifier:
    """Every feature the settings enable, in `scope`."""
    region = Stack.of(scope).region
    core = NotifierCore(scope, settings, None if Token.is_unresolved(region) else region)
    add_event_functions(core)
    add_calendars(core)
    reading = FailureReading(reads=settings.failure_reads, seconds=settings.failure_read_seconds)
    digested = add_fleet_operations(core, reading)
    grant_failure_reads_to_event_functions(core.functions, {f.name for f in core.enabled}, reading, digested)
    add_family_rules(core, digested)
    add_notices(core)
    if core.hub:
        core.hub.serve(core.functions, read_tags=any(route.tags for route in settings.routes))
        CfnOutput(scope, "HubEventBusArn", value=core.hub.bus.event_bus_arn)
    add_routes(core)
    chat = add_chat(core)
    if chat:
        CfnOutput(scope, "ChatTopicArn", value=chat.topic.topic_arn)
    CfnOutput(scope, "NotificationTopicArn", value=core.topics.notifications.topic_arn)
    CfnOutput(scope, "AlarmTopicArn", value=core.topics.alarms.topic_arn)
    CfnOutput(scope, "IdempotencyTableName", value=core.table.table_name)
    return Notifier(
        notification_topic=core.topics.notifications,
        alarm_topic=core.topics.alarms,
        chat_topic=chat.topic if chat else None,
        idempotency_table=core.table,
        functions=core.functions,
        hub=core.hub,
    )


def _takes_settings(
    settings: Callable[P, NotifierSettings],
) -> Callable[[Callable[..., None]], Callable[Concatenate[Any, Construct, str, P], None]]:
    """Gives the construct the settings' keyword arguments, types and defaults, for type checkers and IDEs."""

    def with_settings(init: Callable[..., None]) -> Callable[Concatenate[Any, Construct, str, P], None]:
        return init

    return with_settings


class SsmEventNotifier(Construct):
    """Systems Manager and EC2 AMI events, explained, to SNS (and chat), each once.

    Every setting is a keyword argument (NotifierSettings documents each; a wrong name or value raises
    SettingsError naming it). The attributes `notification_topic`, `alarm_topic`, `chat_topic`,
    `idempotency_table`, `functions` and `dead_letter_queues` are there to subscribe and alarm on.
    """

    @_takes_settings(NotifierSettings)
    def __init__(self, scope: Construct, construct_id: str, **settings: Any) -> None:
        super().__init__(scope, construct_id)
        self.settings = settings_of(**settings)
        notifier = assemble(self, self.settings)
        self.notification_topic = notifier.notification_topic
        self.alarm_topic = notifier.alarm_topic
        self.chat_topic = notifier.chat_topic
        self.idempotency_table = notifier.idempotency_table
        self.functions = notifier.functions
        self.dead_letter_queues = notifier.dead_letter_queues
        self.hub = notifier.hub
        # The cdk-nag findings this design accepts, each with its reason, on this construct's resources.
        acknowledge_accepted_findings(self)
