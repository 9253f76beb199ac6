"""Fleet operations: their events -> buffer queue -> batch function -> operations table -> one message
per operation (its digest), published by a scheduled sweeper (notifier.fleet).

Every event of an operation (its own status, its tasks', its items') reaches only the buffer: the
operation's digest replaces their notifications (perInstanceNotifications "digest"; "each" keeps one
message per event).
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from constructs import Construct

from ssm_event_notifier.contract.catalog import FAMILY_BY_NAME, EventType, operation_event_types
from ssm_event_notifier.contract.environment import (
    FailureReading,
    OperationRecording,
    OperationSweeping,
)
from ssm_event_notifier.contract.operations_table import (
    EXPIRY_ATTRIBUTE,
    PARTITION_KEY,
    READY_INDEX,
    READY_KEY,
    READY_SORT_KEY,
    SORT_KEY,
)
from ssm_event_notifier.core import NotifierCore
from ssm_event_notifier.failure_reads import grant_failure_reads
from ssm_event_notifier.functions import NotifierFunction
from ssm_event_notifier.monitoring import Monitoring
from ssm_event_notifier.rules import (
    SCHEDULE_RETRY_ATTEMPTS,
    TARGET_MAX_EVENT_AGE,
    TARGET_RETRY_ATTEMPTS,
    Routing,
    lambda_target,
    source_match,
)
from ssm_event_notifier.storage import record_table


class OperationsTable(Construct):
    """The latest status of every instance of every operation (notifier/fleet/operation_store.py)."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.table = record_table(self, "Table", PARTITION_KEY, EXPIRY_ATTRIBUTE, sort_key=SORT_KEY)
        # Sparse: only operations still waiting for their digest carry the index's keys, so the
        # sweeper queries what is due instead of scanning the table.
        self.table.add_global_secondary_index(
            index_name=READY_INDEX,
            partition_key=dynamodb.Attribute(name=READY_KEY, type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name=READY_SORT_KEY, type=dynamodb.AttributeType.NUMBER),
            projection_type=dynamodb.ProjectionType.KEYS_ONLY,
        )

    @property
    def index_arn(self) -> str:
        return f"{self.table.table_arn}/index/{READY_INDEX}"

    def grant_record(self, function: NotifierFunction) -> None:
        """The batch function: conditional writes of operations and instances, nothing else."""
        function.role.add_to_policy(
            iam.PolicyStatement(actions=["dynamodb:PutItem", "dynamodb:UpdateItem"], resources=[self.table.table_arn])
        )

    def grant_sweep(self, function: NotifierFunction) -> None:
        """The sweeper: query what is due and an operation's items, claim and close operations."""
        function.role.add_to_policy(
            iam.PolicyStatement(actions=["dynamodb:Query", "dynamodb:UpdateItem"], resources=[self.table.table_arn])
        )
        function.role.add_to_policy(iam.PolicyStatement(actions=["dynamodb:Query"], resources=[self.index_arn]))


class FleetOperations(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        event_types: tuple[EventType, ...],
        table: OperationsTable,
        recorder: NotifierFunction,
        sweeper: NotifierFunction,
        sweep_rate_minutes: int,
        monitoring: Monitoring,
        routing: Routing | None = None,
    ) -> None:
        """`routing`: None, the default bus and this account's events (see ssm_event_notifier.rules.Routing)."""
        super().__init__(scope, construct_id)
        routing = routing or Routing()
        # Read by the recorder; what it cannot record waits in its dead-letter queue, ready to redrive.
        self.buffer = recorder.read_queue(self, "Buffer")
        sources_ = sorted({source for e in event_types for source in source_match(FAMILY_BY_NAME[e.family])})
        self.rule = events.Rule(
            self,
            "Rule",
            description="SSM Event Notifier: events of fleet-wide operations (Run Command, Maintenance Window "
            f"runs, Automation, State Manager, compliance) {routing.whose}, to the digest buffer",
            event_bus=routing.event_bus,
            event_pattern=events.EventPattern(
                source=sources_,
                detail_type=[e.detail_type for e in event_types],
                account=routing.account_match(self),  # None: any account (the hub's bus)
            ),
            targets=[
                targets.SqsQueue(
                    self.buffer,
                    dead_letter_queue=recorder.dead_letter_queue,
                    retry_attempts=TARGET_RETRY_ATTEMPTS,
                    max_event_age=TARGET_MAX_EVENT_AGE,
                )
            ],
        )
        table.grant_record(recorder)
        table.grant_sweep(sweeper)
        events.Rule(
            self,
            "SweepSchedule",
            description="SSM Event Notifier: publish the digests of operations that ended or expired",
            schedule=events.Schedule.rate(Duration.minutes(sweep_rate_minutes)),
            targets=[lambda_target(sweeper, retry_attempts=SCHEDULE_RETRY_ATTEMPTS, max_event_age=None)],
        )
        monitoring.watch_backlog("InstanceEventBuffer", self.buffer)


def add_fleet_operations(core: NotifierCore, reading: FailureReading) -> tuple[str, ...]:
    """The buffer, table, recorder and sweeper when digests are on and an enabled family has fleet
    operations; returns the detail-types that go to the buffer instead of a family's rule."""
    settings = core.settings
    buffered = operation_event_types(tuple(family.name for family in core.enabled))
    if settings.per_instance_notifications != "digest" or not buffered:
        return ()
    operations = OperationsTable(core.scope, "Operations")
    # "instance-events" and "digest-sweeper": the functions' first names, kept with their logical IDs.
    recorder = core.add_function(
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
        description="SSM Event Notifier: records the events of fleet operations",
    )
    sweeper = core.add_function(
        "digest-sweeper",
        "handlers.operation_sweeper.handler",
        # Each message is claimed in the operations table before it is published.
        OperationSweeping(table_name=operations.table.table_name, interim_seconds=settings.interim_after_minutes * 60),
        core.publishing,
        description="SSM Event Notifier: publishes one digest per fleet operation",
    )
    grant_failure_reads(sweeper, reading)
    # "StormControl": the construct's first name, kept so that its buffer queue is not replaced.
    FleetOperations(
        core.scope,
        "StormControl",
        event_types=buffered,
        table=operations,
        recorder=recorder,
        sweeper=sweeper,
        sweep_rate_minutes=settings.digest_rate_minutes,
        monitoring=core.monitoring,
        routing=core.hub.routing if core.hub else None,
    )
    CfnOutput(core.scope, "OperationsTableName", value=operations.table.table_name)
    return tuple(e.detail_type for e in buffered)
