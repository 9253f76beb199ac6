"""DynamoDB tables shaped like the stack's, made on the stand-ins for one test or run, and read back.

``unique_name`` names every resource the harness makes, so that tests sharing one DynamoDB Local
and one moto server never see each other's tables, topics or queues.
"""

from __future__ import annotations

import uuid
from typing import Any

from ssm_event_notifier.contract import operations_table  # the schema the stack and the functions share


def unique_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def _wait_until_created(dynamodb: Any, name: str) -> None:
    dynamodb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 100})


def create_idempotency_table(dynamodb: Any, name: str) -> str:
    """A table shaped like the stack's: partition key `id` (S), TTL on `expiration`."""
    dynamodb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    _wait_until_created(dynamodb, name)
    dynamodb.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiration"}
    )
    return name


def create_operations_table(dynamodb: Any, name: str) -> str:
    """A table shaped like the stack's operations table (ssm_event_notifier.fleet_operations), with its sparse index."""
    dynamodb.create_table(
        TableName=name,
        AttributeDefinitions=[
            {"AttributeName": operations_table.PARTITION_KEY, "AttributeType": "S"},
            {"AttributeName": operations_table.SORT_KEY, "AttributeType": "S"},
            {"AttributeName": operations_table.READY_KEY, "AttributeType": "S"},
            {"AttributeName": operations_table.READY_SORT_KEY, "AttributeType": "N"},
        ],
        KeySchema=[
            {"AttributeName": operations_table.PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": operations_table.SORT_KEY, "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": operations_table.READY_INDEX,
                "KeySchema": [
                    {"AttributeName": operations_table.READY_KEY, "KeyType": "HASH"},
                    {"AttributeName": operations_table.READY_SORT_KEY, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    _wait_until_created(dynamodb, name)
    return name


def scan_all(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    """Every item of the table, consistently read, page after page."""
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    while True:
        page = dynamodb.scan(**kwargs)
        items += page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
