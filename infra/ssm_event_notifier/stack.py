"""The SSM Event Notifier stack: rules -> functions -> topic, with storage, calendars, fleet-wide
operations and monitoring, one construct per concern."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack, Token
from constructs import Construct

from ssm_event_notifier.calendars import ChangeCalendars, calendar_files, grant_calendar_reads, schedule_reconciler
from ssm_event_notifier.chat_channels import ChatChannels
from ssm_event_notifier.contract.calendar_rules import content_hash
from ssm_event_notifier.contract.catalog import (
    API_AUDIT,
    CALENDAR_EDITS,
    FAMILIES,
    FAMILY_BY_NAME,
    FUNCTIONS,
    event_types_of,
    failure_read_event_types,
    operation_event_types,
)
from ssm_event_notifier.contract.environment import (
    AuditBursts,
    CalendarEditing,
    Dedupe,
    FailureReading,
    FunctionEnvironment,
    OperationRecording,
    OperationSweeping,
    Publishing,
    Reconciler,
)
from ssm_event_notifier.failure_reads import grant_failure_reads
from ssm_event_notifier.fleet_operations import FleetOperations, OperationsTable
from ssm_event_notifier.functions import NotifierFunction, function_code
from ssm_event_notifier.layer import DependenciesLayer
from ssm_event_notifier.log_encryption import LogEncryption
from ssm_event_notifier.monitoring import Monitoring
from ssm_event_notifier.nag import acknowledge_function_findings
from ssm_event_notifier.organization import OrganizationHub
from ssm_event_notifier.rules import DetailFilters, FamilyRule
from ssm_event_notifier.settings import read_settings
from ssm_event_notifier.storage import IdempotencyTable
from ssm_event_notifier.topics import Topics
from ssm_event_notifier.trail import ManagementEventsTrail


def construct_id(name: str) -> str:
    """'run-command' -> 'RunCommand'."""
    return "".join(part.capitalize() for part in name.split("-"))


class NotifierStack(Stack):
    def __init__(self, scope: Construct, stack_id: str, **kwargs: Any) -> None:
        super().__init__(scope, stack_id, **kwargs)
        settings = read_settings(self.node, region=None if Token.is_unresolved(self.region) else self.region)
        topics = Topics(
            self,
            "Topics",
            notification_emails=settings.notification_emails,
            alarm_emails=settings.alarm_emails,
        )
        table = IdempotencyTable(self, "Idempotency").table
        layer = DependenciesLayer(self, "Dependencies", platform=settings.layer_platform).layer
        code = function_code()
        log_key = LogEncryption(self, "LogEncryption").key
        monitoring = Monitoring(self, "Monitoring", alarm_topic=topics.alarms)
        if topics.undelivered:
            monitoring.watch_dead_letter_queue(
                "UndeliveredEmails", topics.undelivered, "Notifications and alarms SNS could not deliver by e-mail"
            )
        if settings.create_trail:
            ManagementEventsTrail(self, "Trail", log_key=log_key)
        publishing = Publishing(topic_arn=topics.notifications.topic_arn)
        dedupe = Dedupe(table_name=table.table_name, window_seconds=settings.dedupe_window_minutes * 60)

        enabled = [family for family in FAMILIES if family.name in settings.enabled_families]
        calendars = calendar_files()
        monitored = sorted({*calendars, *settings.monitored_calendars})
        filters = DetailFilters(audited_calls=settings.audited_calls, calendars=tuple(monitored))
        self.functions: dict[str, NotifierFunction] = {}
        # Organization mode: the rules listen on the hub's bus, for the organization's accounts, and every
        # function learns the organization (README, Organization). Without it: nothing of this.
        hub = (
            OrganizationHub(
                self,
                "Organization",
                organization=settings.organization,
                families=tuple(enabled),
                filters=filters,
                monitoring=monitoring,
            )
            if settings.organization
            else None
        )
        self.hub = hub
        routing = hub.routing if hub else None
        organization_environment = (hub.environment(),) if hub else ()

        def add_function(
            name: str, handler: str, *environment: FunctionEnvironment, description: str | None = None
        ) -> NotifierFunction:
            """A function with its dead-letter queue, alarms, acknowledged cdk-nag findings and grants."""
            function = NotifierFunction(
                self,
                f"{construct_id(name)}Notifier" if name in FUNCTIONS else construct_id(name),
                name=name,
                handler=handler,
                code=code,
                layer=layer,
                log_retention_days=settings.log_retention_days,
                log_key=log_key,
                environment=(*environment, *organization_environment),
                description=description,
                reserve_concurrency=settings.reserved_concurrency,
            )
            if dedupe in environment:
                function.grant_dedupe(table)
            if publishing in environment:
                topics.grant_publish_notifications(function.role)
                if hub:  # its messages name the account
                    hub.grant_account_names(function)
            monitoring.watch(construct_id(name), function)
            acknowledge_function_findings(function)
            self.functions[name] = function
            return function

        audit = [f for f in enabled if f.name == API_AUDIT]
        # Calendar edits: which calendars the repository deploys (an edit of one by anybody else drifts).
        editing = CalendarEditing(
            repository_hashes={name: content_hash(text) for name, text in calendars.items()},
            reconcile_minutes=settings.reconcile_rate_minutes if monitored else 0,
        )
        edits = [editing for f in enabled if f.name == CALENDAR_EDITS and not filters.admit_nothing(f)]
        for name, handler in FUNCTIONS.items():
            if any(family.function == name for family in enabled):
                # The API audit's burst window and the calendar edits' settings, for the function of each.
                bursts = [AuditBursts(window_seconds=settings.audit_burst_seconds) for f in audit if f.function == name]
                add_function(name, handler, dedupe, publishing, *bursts, *(edits if name == "calendar" else ()))
        if calendars:
            ChangeCalendars(self, "Calendars", files=calendars)
        if "calendar" in self.functions and monitored:
            grant_calendar_reads(self.functions["calendar"], monitored, state=False)
            reconciler = add_function(
                "calendar-reconciler",
                "handlers.calendar_reconciler.handler",
                dedupe,
                publishing,
                Reconciler(calendars=tuple(monitored), grace_minutes=settings.missed_transition_grace_minutes),
            )
            grant_calendar_reads(reconciler, monitored, state=True)
            schedule_reconciler(self, "CalendarReconcilerSchedule", reconciler, settings.reconcile_rate_minutes)
        # Fleet-wide operations: in "digest" mode their events (the operation's own, its tasks' and its
        # items') go only to a buffer, and one message per operation sums them up; "each" keeps one
        # message per event.
        buffered = operation_event_types(tuple(family.name for family in enabled))
        reading = FailureReading(reads=settings.failure_reads, seconds=settings.failure_read_seconds)
        digested: tuple[str, ...] = ()
        if settings.per_instance_notifications == "digest" and buffered:
            digested = tuple(e.detail_type for e in buffered)
            operations = OperationsTable(self, "Operations")
            recorder = add_function(
                "instance-events",
                "handlers.operation_events.handler",
                # Its conditional writes are idempotent themselves (notifier/fleet/recorder.py): no dedupe
                # records, and it publishes nothing.
                OperationRecording(
                    table_name=operations.table.table_name,
                    timeout_seconds=settings.operation_timeout_minutes * 60,
                    settle_seconds=settings.digest_settle_seconds,
                    interim_seconds=settings.interim_after_minutes * 60,
                    quiet_seconds={kind: minutes * 60 for kind, minutes in settings.quiet_minutes},
                ),
                description="SSM Event Notifier: records the events of fleet-wide operations (storm control)",
            )
            sweeper = add_function(
                "digest-sweeper",
                "handlers.operation_sweeper.handler",
                # Each message is claimed in the operations table before it is published.
                OperationSweeping(
                    table_name=operations.table.table_name, interim_seconds=settings.interim_after_minutes * 60
                ),
                publishing,
                description="SSM Event Notifier: publishes one digest per fleet-wide operation (storm control)",
            )
            grant_failure_reads(sweeper, reading)
            # "StormControl": the construct's first name, kept so that its buffer queue is not replaced.
            FleetOperations(
                self,
                "StormControl",
                event_types=buffered,
                table=operations,
                recorder=recorder,
                sweeper=sweeper,
                sweep_rate_minutes=settings.digest_rate_minutes,
                monitoring=monitoring,
                routing=routing,
            )
            CfnOutput(self, "OperationsTableName", value=operations.table.table_name)
        # Failure messages say why (notifier.failures): the functions that publish failures may read.
        enabled_names = {family.name for family in enabled}
        explaining = {
            FAMILY_BY_NAME[e.family].function
            for e in failure_read_event_types()
            if e.family in enabled_names and e.detail_type not in digested
        }
        for name in sorted(explaining):
            grant_failure_reads(self.functions[name], reading)
        for family in enabled:
            if filters.admit_nothing(family):
                continue  # calendar edits without a monitored calendar
            if all(e.detail_type in digested for e in event_types_of(family.name)):
                # Compliance in "digest" mode: every event of the family goes to the buffer. Its
                # function stays (other families use it, and "each" mode needs it).
                continue
            FamilyRule(
                self,
                f"{construct_id(family.name)}Events",
                family=family,
                target=self.functions[family.function],
                excluded=digested,
                routing=routing,
                filters=filters,
            )
        if hub:
            calendar_functions = [self.functions[n] for n in ("calendar", "calendar-reconciler") if n in self.functions]
            for function in calendar_functions:
                hub.grant_calendar_reads(function)
            hub.deploy_members([function.role for function in calendar_functions])
            CfnOutput(self, "HubEventBusArn", value=hub.bus.event_bus_arn)

        if settings.chat:
            relay = add_function(
                "chat-relay",
                "handlers.chat_relay.handler",
                dedupe,
                description="SSM Event Notifier: each notification once more, as a chat card (Slack, Teams)",
            )
            chat = ChatChannels(
                self, "Chat", settings=settings.chat, notifications=topics.notifications, key=topics.key, relay=relay
            )
            CfnOutput(self, "ChatTopicArn", value=chat.topic.topic_arn)

        CfnOutput(self, "NotificationTopicArn", value=topics.notifications.topic_arn)
        CfnOutput(self, "AlarmTopicArn", value=topics.alarms.topic_arn)
        CfnOutput(self, "IdempotencyTableName", value=table.table_name)
