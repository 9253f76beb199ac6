"""What every feature builds on: the topics, the idempotency table, the functions' code and layer, the
log key, the alarms, the optional trail and, in organization mode, the hub; and one way to add a function.

The core and the features make their constructs in the notifier's own scope, not in one of their own:
`NotifierStack` puts them straight into the stack, as it did before the features were split, so a stack
deployed from an earlier version keeps every logical ID (tests/pins/logical_ids.json)."""

from __future__ import annotations

from aws_cdk import Aspects
from constructs import Construct

from ssm_event_notifier import local_build
from ssm_event_notifier.contract.catalog import FAMILIES, FUNCTIONS, Family
from ssm_event_notifier.contract.environment import Dedupe, FunctionEnvironment, Publishing
from ssm_event_notifier.functions import NotifierFunction, function_code
from ssm_event_notifier.layer import DependenciesLayer
from ssm_event_notifier.log_encryption import LogEncryption
from ssm_event_notifier.monitoring import Monitoring
from ssm_event_notifier.nag import acknowledge_function_findings
from ssm_event_notifier.organization import OrganizationHub
from ssm_event_notifier.rules import DetailFilters
from ssm_event_notifier.setting_groups import organization_settings
from ssm_event_notifier.settings import NotifierSettings
from ssm_event_notifier.storage import IdempotencyTable
from ssm_event_notifier.topics import Topics
from ssm_event_notifier.trail import ManagementEventsTrail


def construct_id(name: str) -> str:
    """'run-command' -> 'RunCommand'."""
    return "".join(part.capitalize() for part in name.split("-"))


class NotifierCore:
    def __init__(self, scope: Construct, settings: NotifierSettings, region: str | None) -> None:
        """`region`: the stack's, None when it is environment-agnostic."""
        self.scope, self.settings = scope, settings
        # The Change Calendars deployed with the notifier (name -> iCalendar text).
        self.calendars = dict(settings.calendars)
        self.topics = Topics(
            scope,
            "Topics",
            notification_emails=tuple(settings.notification_emails),
            alarm_emails=tuple(settings.alarm_emails),
            routed_emails=any(route.targets("email") for route in settings.routes),
        )
        self.table = IdempotencyTable(scope, "Idempotency").table
        self.layer = DependenciesLayer(scope, "Dependencies", platform=settings.layer_platform).layer
        if local_build.is_local(settings.layer_platform):
            Aspects.of(scope).add(local_build.SamResourceIds())
        self.code = function_code()
        self.log_key = LogEncryption(scope, "LogEncryption").key
        self.monitoring = Monitoring(scope, "Monitoring", alarm_topic=self.topics.alarms)
        if self.topics.undelivered:
            self.monitoring.watch_dead_letter_queue(
                "UndeliveredEmails", self.topics.undelivered, "Notifications and alarms SNS could not deliver by e-mail"
            )
        if settings.create_trail:
            ManagementEventsTrail(scope, "Trail", log_key=self.log_key)
        self.publishing = Publishing(topic_arn=self.topics.notifications.topic_arn)
        self.dedupe = Dedupe(table_name=self.table.table_name, window_seconds=settings.dedupe_window_minutes * 60)
        self.enabled: tuple[Family, ...] = tuple(f for f in FAMILIES if f.name in settings.enabled_families)
        self.monitored = tuple(sorted({*self.calendars, *settings.monitored_calendars}))
        self.filters = DetailFilters(audited_calls=tuple(settings.audited_calls), calendars=self.monitored)
        self.functions: dict[str, NotifierFunction] = {}
        # Organization mode: the rules listen on the hub's bus, for the organization's accounts, and every
        # function learns the organization (docs/organization.md).
        organization = organization_settings(settings, region)
        self.hub = (
            OrganizationHub(
                scope,
                "Organization",
                organization=organization,
                families=self.enabled,
                filters=self.filters,
                monitoring=self.monitoring,
            )
            if organization
            else None
        )

    def enables(self, family: str) -> bool:
        return any(f.name == family and not self.filters.admit_nothing(f) for f in self.enabled)

    def add_function(
        self, name: str, handler: str, *environment: FunctionEnvironment, description: str | None = None
    ) -> NotifierFunction:
        """A function with its dead-letter queue, alarms, acknowledged cdk-nag findings and grants."""
        function = NotifierFunction(
            self.scope,
            f"{construct_id(name)}Notifier" if name in FUNCTIONS else construct_id(name),
            name=name,
            handler=handler,
            code=self.code,
            layer=self.layer,
            log_retention_days=self.settings.log_retention_days,
            log_key=self.log_key,
            environment=(*environment, *((self.hub.environment(),) if self.hub else ())),
            description=description,
            reserve_concurrency=self.settings.reserved_concurrency,
            platform=self.settings.layer_platform,
        )
        if self.dedupe in environment:
            function.grant_dedupe(self.table)
        if self.publishing in environment:
            self.topics.grant_publish_notifications(function.role)
            if self.hub:  # its messages name the account
                self.hub.grant_account_names(function)
        self.monitoring.watch(construct_id(name), function)
        acknowledge_function_findings(function)
        self.functions[name] = function
        return function
