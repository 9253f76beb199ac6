"""Where records are kept: the DynamoDB tables of short-lived records, and the dead-letter queues."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_sqs as sqs
from constructs import Construct

# Powertools' DynamoDBPersistenceLayer defaults: partition key "id", TTL attribute "expiration".
KEY_ATTRIBUTE = "id"
EXPIRY_ATTRIBUTE = "expiration"


def dead_letter_queue(scope: Construct, construct_id: str) -> sqs.Queue:
    """A queue for what could not be delivered or processed: encrypted, TLS only, kept 14 days (alarmed by
    whoever owns it, redriven by hand once the cause is fixed)."""
    return sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=Duration.days(14),
    )


def record_table(
    scope: Construct, construct_id: str, partition_key: str, expiry_attribute: str, sort_key: str | None = None
) -> dynamodb.Table:
    """A table of short-lived records: on demand, TTL, point-in-time recovery, encrypted."""
    return dynamodb.Table(
        scope,
        construct_id,
        partition_key=dynamodb.Attribute(name=partition_key, type=dynamodb.AttributeType.STRING),
        sort_key=dynamodb.Attribute(name=sort_key, type=dynamodb.AttributeType.STRING) if sort_key else None,
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        time_to_live_attribute=expiry_attribute,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True
        ),
        encryption=dynamodb.TableEncryption.AWS_MANAGED,
        # Records only live for a while (dedupe window, operation expiry): nothing to keep once
        # the stack is gone.
        removal_policy=RemovalPolicy.DESTROY,
    )


class IdempotencyTable(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.table = record_table(self, "Table", KEY_ATTRIBUTE, EXPIRY_ATTRIBUTE)
