"""One notification function: its role, log group, dead-letter queue and retry policy."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import LAMBDAS_DIR
from infra.layer import ARCHITECTURE, RUNTIME
from infra.settings import LOG_RETENTION_DAYS
from notifier.environment import FunctionEnvironment

ASYNC_RETRIES = 2
_RETENTION = dict(zip(LOG_RETENTION_DAYS, list(logs.RetentionDays)[:-1], strict=True))  # all but INFINITE
# The idempotency calls Powertools makes; nothing else of the table.
TABLE_ACTIONS = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem")


def function_code() -> lambda_.Code:
    """The handlers and the shared library; the dependencies come from the layer."""
    return lambda_.Code.from_asset(str(LAMBDAS_DIR), exclude=["requirements.txt", "**/__pycache__", "**/*.pyc"])


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
        environment: Sequence[FunctionEnvironment],
        description: str | None = None,
    ) -> None:
        """`environment`: what the function reads (notifier.environment), set as its variables."""
        super().__init__(scope, construct_id)
        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        self.log_group = logs.LogGroup(self, "Logs", retention=_RETENTION[log_retention_days])
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
            architecture=ARCHITECTURE,
            handler=handler,
            code=code,
            layers=[layer],
            role=role,
            memory_size=256,
            timeout=Duration.seconds(30),
            tracing=lambda_.Tracing.ACTIVE,
            logging_format=lambda_.LoggingFormat.JSON,
            log_group=self.log_group,
            retry_attempts=ASYNC_RETRIES,
            on_failure=destinations.SqsDestination(self.dead_letter_queue),
            environment={
                "POWERTOOLS_SERVICE_NAME": f"ssm-event-notifier-{name}",
                "POWERTOOLS_METRICS_NAMESPACE": "SsmEventNotifier",
                **{name: value for part in environment for name, value in part.variables().items()},
            },
        )

    def grant_dedupe(self, table: dynamodb.ITable) -> None:
        """The idempotency table: the item calls Powertools makes, nothing else."""
        table.grant(self.role, *TABLE_ACTIONS)
