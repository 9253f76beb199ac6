"""One notification function: its role, log group, dead-letter queue and retry policy."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Acknowledgment, Duration, Validations
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from ssm_event_notifier import local_build
from ssm_event_notifier.contract.environment import DeadLetterSending, FunctionEnvironment
from ssm_event_notifier.layer import ARCHITECTURE, NEWEST_RUNTIME_RULES, RUNTIME, RUNTIME_REASON, code_asset
from ssm_event_notifier.settings import LOG_RETENTION_DAYS
from ssm_event_notifier.storage import dead_letter_queue

ASYNC_RETRIES = 2
# A queue a function reads: records per batch; tries before SQS moves a record to the dead-letter queue
# (AWS advises 5 or more, so that a throttled batch does not send good records there); a visibility
# timeout of six times the function's, as AWS advises for SQS event sources.
BATCH_SIZE = 10
MAX_RECEIVE_COUNT = 5
VISIBILITY_TIMEOUT = Duration.seconds(6 * 30)
_RETENTION = dict(zip(LOG_RETENTION_DAYS, list(logs.RetentionDays)[:-1], strict=True))  # all but INFINITE
# Reserved concurrency: the most instances of a function a burst can run at once, set aside from the
# account's pool (1,000 by default, of which Lambda keeps 100 unreserved), so that no event storm of
# this stack can starve the account's other functions, nor theirs this one (the sum: docs/security.md,
# Security checks). The numbers, per kind of invocation:
# - a family function (one asynchronous invocation per event, from EventBridge): 10. Its events are
#   rare (calendar transitions, images, parameters, OpsItems, single commands) and take a fraction of
#   a second, up to failureReadSeconds when a failure is explained: 10 notify hundreds a minute. Above
#   that Lambda throttles, keeps the throttled events in its asynchronous queue and retries them for
#   up to 6 hours without spending their 2 retries: a burst is notified later, never lost.
# - fleet-wide bursts (a Run Command to 10,000 instances: 22,000 events in minutes) never reach those
#   functions in "digest" mode: they wait in the fleet operations buffer (SQS), whose reader runs 5 batches of 10
#   at a time. `make bench` measured 61 events/s per concurrent reader on DynamoDB Local (489/s with 8):
#   5 drain 22,000 events in about 75 s (the goal: 300 s) and keep one operation's partition under
#   DynamoDB's 1,000 writes/s (8 readers peaked at 788). The event source mapping's maximum
#   concurrency is the same 5, so SQS never hands the reader more batches than it may run (a throttled
#   batch would count towards the redrive to the dead-letter queue).
# - the chat relay: 2, SQS's smallest maximum concurrency; chat takes a few cards a minute.
# - the scheduled functions (reconciler, digest sweeper, notices): 2, one run per schedule and its retry.
# - the route relay: 20, and 2 batches at once from each destination's queue (ssm_event_notifier.routes).
RESERVED_CONCURRENCY = {
    "instance-events": 5,
    "chat-relay": 2,
    "calendar-reconciler": 2,
    "digest-sweeper": 2,
    "notices": 2,
    "route-relay": 20,
}
EVENT_FUNCTION_CONCURRENCY = 10
# The idempotency calls Powertools makes; nothing else of the table.
TABLE_ACTIONS = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem")


def function_code() -> lambda_.Code:
    """The handlers and the shared library, with bytecode for the runtime (ssm_event_notifier/layer.py); the
    dependencies come from the layer."""
    return code_asset()


def reserved_concurrency(name: str) -> int:
    """The function's reserved concurrency (see RESERVED_CONCURRENCY)."""
    return RESERVED_CONCURRENCY.get(name, EVENT_FUNCTION_CONCURRENCY)


class NotifierFunction(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        handler: str,
        code: lambda_.Code,
        layer: lambda_.ILayerVersion,
        log_retention_days: int,
        log_key: kms.IKey,
        environment: Sequence[FunctionEnvironment],
        description: str | None = None,
        reserve_concurrency: bool = True,
        platform: str = "lambda",
    ) -> None:
        """`environment`: what the function reads (ssm_event_notifier.contract.environment), set as its variables;
        `platform`: the layer's (ssm_event_notifier.local_build: what a local build declares besides)."""
        super().__init__(scope, construct_id)
        self.reserved_concurrency = reserved_concurrency(name)
        self.concurrency_reserved = reserve_concurrency
        self.dead_letter_queue = dead_letter_queue(self, "DeadLetterQueue")
        # Encrypted with the stack's log key (ssm_event_notifier/log_encryption.py); the logical ID stays "Logs".
        self.log_group = logs.LogGroup(self, "Logs", retention=_RETENTION[log_retention_days], encryption_key=log_key)
        # An own role instead of AWSLambdaBasicExecutionRole: writes to its own log group only.
        self.role = role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[self.log_group.log_group_arn],
            )
        )
        self.function = lambda_.Function(
            self,
            "Function",
            description=description or f"SSM Event Notifier: {name} events",
            runtime=RUNTIME,
            architecture=local_build.architecture(platform, ARCHITECTURE),
            handler=handler,
            code=code,
            layers=[layer],
            role=role,
            memory_size=256,
            timeout=Duration.seconds(30),
            reserved_concurrent_executions=self.reserved_concurrency if reserve_concurrency else None,
            tracing=lambda_.Tracing.ACTIVE,
            logging_format=lambda_.LoggingFormat.JSON,
            log_group=self.log_group,
            retry_attempts=ASYNC_RETRIES,
            on_failure=destinations.SqsDestination(self.dead_letter_queue),
            environment={
                "POWERTOOLS_SERVICE_NAME": f"ssm-event-notifier-{name}",
                "POWERTOOLS_METRICS_NAMESPACE": "SsmEventNotifier",
                **{name: value for part in environment for name, value in part.variables().items()},
                **local_build.endpoint_variables(platform),
            },
        )
        for rule in NEWEST_RUNTIME_RULES:  # the runtime the bytecode is compiled for (ssm_event_notifier/layer.py)
            Validations.of(self.function).acknowledge(Acknowledgment(id=rule, reason=RUNTIME_REASON))

    def read_queue(
        self,
        scope: Construct,
        construct_id: str,
        *,
        dead_letter_queue: sqs.IQueue | None = None,
        max_receive_count: int = MAX_RECEIVE_COUNT,
        max_concurrency: int | None = None,
    ) -> sqs.Queue:
        """A queue this function reads in batches, reporting the records that failed, no more batches at
        once than it may run; a record that fails `max_receive_count` times waits in `dead_letter_queue`
        (the function's own by default), alarmed, ready to redrive; one it can never handle goes to the
        function's at once, with the reason. `max_concurrency`: batches at once from this queue (all the
        function may run, by default)."""
        queue = sqs.Queue(
            scope,
            construct_id,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            visibility_timeout=VISIBILITY_TIMEOUT,
            dead_letter_queue=sqs.DeadLetterQueue(
                max_receive_count=max_receive_count, queue=dead_letter_queue or self.dead_letter_queue
            ),
        )
        self.function.add_event_source(
            sources.SqsEventSource(
                queue,
                batch_size=BATCH_SIZE,
                report_batch_item_failures=True,
                max_concurrency=max_concurrency or self.reserved_concurrency,
            )
        )
        for name, value in DeadLetterSending(queue_url=self.dead_letter_queue.queue_url).variables().items():
            self.function.add_environment(name, value)
        self.dead_letter_queue.grant_send_messages(self.role)
        return queue

    def grant_dedupe(self, table: dynamodb.ITable) -> None:
        """The idempotency table: the item calls Powertools makes, nothing else."""
        table.grant(self.role, *TABLE_ACTIONS)
