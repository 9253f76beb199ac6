"""The DynamoDB table of idempotency records."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

# Powertools' DynamoDBPersistenceLayer defaults: partition key "id", TTL attribute "expiration".
KEY_ATTRIBUTE = "id"
EXPIRY_ATTRIBUTE = "expiration"


class IdempotencyTable(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.table = dynamodb.Table(
            self,
            "Table",
            partition_key=dynamodb.Attribute(name=KEY_ATTRIBUTE, type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            time_to_live_attribute=EXPIRY_ATTRIBUTE,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            # Records only live for the dedupe window: nothing to keep once the stack is gone.
            removal_policy=RemovalPolicy.DESTROY,
        )
