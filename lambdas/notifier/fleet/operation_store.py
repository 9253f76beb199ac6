"""The operations table (DynamoDB): the latest status of every instance of every fleet-wide operation.

One partition per operation (`operation` = "command#<id>" or "window-execution#<id>"):
- `item` = "#operation": the operation's own status, the fields the digest shows, `expiresAt`,
  and while no digest has gone out `undigested` = "1" with `readyAt` (epoch seconds): the sparse
  index READY_INDEX lists exactly the operations waiting for their digest, by when they are due;
- `item` = instance id (commands) or "<task execution>/<instance>" (window runs): the latest
  status of one instance, with the `order` that made it the latest (operations.order_of);
- `item` = "#task#<task execution>": a window task's own latest status.
Every write is conditional: out-of-order, repeated and concurrent deliveries leave the state one
delivery in order would; nothing reopens an operation whose digest went out.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from notifier.fleet.observations import OPERATION_ITEM, TASK_PREFIX, Observation, iso
from notifier.fleet.summaries import ItemState, OperationRecord
from notifier.fleet.table_schema import (
    EXPIRY_ATTRIBUTE,
    PARTITION_KEY,
    READY_INDEX,
    READY_KEY,
    READY_SORT_KEY,
    SORT_KEY,
)

FIELD_PREFIX = "f_"
_WAITING = "1"


def _epoch(moment: datetime) -> str:
    return str(int(moment.timestamp()))


def _conditional_failed(error: ClientError) -> bool:
    return bool(error.response["Error"]["Code"] == "ConditionalCheckFailedException")


@dataclass(frozen=True)
class Claim:
    """The right to publish one operation's digest, held until `finish` or `release`."""

    operation: str
    claim_id: str
    record: OperationRecord


class OperationStore:
    def __init__(self, client: Any, table_name: str) -> None:
        self.client = client
        self.table = table_name

    def _key(self, operation: str, item: str = OPERATION_ITEM) -> dict[str, Any]:
        return {PARTITION_KEY: {"S": operation}, SORT_KEY: {"S": item}}

    def _conditional(self, call: Any, **kwargs: Any) -> bool:
        """A conditional write whose failed condition means "nothing to do": False then."""
        try:
            call(TableName=self.table, **kwargs)
        except ClientError as error:
            if _conditional_failed(error):
                return False
            raise
        return True

    def _update(self, key: dict[str, Any], **kwargs: Any) -> bool:
        return self._conditional(self.client.update_item, Key=key, **kwargs)

    # --- what the batch function writes -------------------------------------------------

    def open_operation(self, observation: Observation, expires_at: datetime, purge_at: datetime) -> bool:
        """Create the operation's item if needed (from any of its events), with its expiry as `readyAt`.

        False when its digest went out already (a late event: recorded, but nothing reopens).
        """
        names = {"#ready": READY_KEY}
        values: dict[str, Any] = {
            ":kind": {"S": observation.kind},
            ":family": {"S": observation.family},
            ":region": {"S": observation.region},
            ":account": {"S": observation.account},
            ":expires": {"N": _epoch(expires_at)},
            ":waiting": {"S": _WAITING},
            ":purge": {"N": _epoch(purge_at)},
        }
        # Attribute names go through placeholders: several (region, status, order, time) are
        # DynamoDB reserved words.
        for name in ("kind", "family", "region", "account"):
            names[f"#{name}"] = name
        sets = [
            "#kind = if_not_exists(#kind, :kind)",
            "#family = if_not_exists(#family, :family)",
            "#region = if_not_exists(#region, :region)",
            "#account = if_not_exists(#account, :account)",
            "expiresAt = if_not_exists(expiresAt, :expires)",
            f"{READY_SORT_KEY} = if_not_exists({READY_SORT_KEY}, :expires)",
            "#ready = :waiting",
            f"{EXPIRY_ATTRIBUTE} = :purge",
        ]
        for index, (name, value) in enumerate(sorted(observation.fields.items())):
            names[f"#f{index}"] = FIELD_PREFIX + name
            values[f":f{index}"] = {"S": value}
            sets.append(f"#f{index} = if_not_exists(#f{index}, :f{index})")
        return self._update(
            self._key(observation.operation),
            UpdateExpression="SET " + ", ".join(sets),
            ConditionExpression="attribute_not_exists(digestedAt)",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def record_parent(
        self, observation: Observation, expires_at: datetime, ready_at: datetime, purge_at: datetime
    ) -> bool:
        """The operation's own status: a final one makes the digest due at `ready_at`.

        A running status (with a command's expire-after) moves the expiry; it never replaces a
        final status. Of two final statuses the newer one wins. False when it changed nothing.
        """
        self.open_operation(observation, expires_at, purge_at)
        names = {"#ready": READY_KEY}
        values: dict[str, Any] = {
            ":status": {"S": observation.status},
            ":order": {"N": str(observation.order)},
            ":expires": {"N": _epoch(expires_at)},
            ":waiting": {"S": _WAITING},
        }
        sets = ["expiresAt = :expires"]
        for index, (name, value) in enumerate(sorted(observation.fields.items())):
            names[f"#f{index}"] = FIELD_PREFIX + name
            values[f":f{index}"] = {"S": value}
            sets.append(f"#f{index} = :f{index}")  # the parent's own word on its fields wins
        if observation.terminal:
            values[":ready"] = {"N": _epoch(ready_at)}
            values[":time"] = {"S": iso(observation.time) or ""}
            sets += ["finalStatus = :status", "finalOrder = :order", "finalTime = :time", f"{READY_SORT_KEY} = :ready"]
            condition = "attribute_not_exists(finalOrder) OR finalOrder < :order"
        else:
            sets += ["lastStatus = :status", "lastOrder = :order", f"{READY_SORT_KEY} = :expires"]
            condition = "attribute_not_exists(finalOrder) AND (attribute_not_exists(lastOrder) OR lastOrder < :order)"
        sets.append("#ready = :waiting")
        return self._update(
            self._key(observation.operation),
            UpdateExpression="SET " + ", ".join(sets),
            ConditionExpression=f"attribute_not_exists(digestedAt) AND ({condition})",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def record_item(self, observation: Observation, purge_at: datetime) -> bool:
        """An instance's (or a task's) status, only if newer than the one recorded; False if not."""
        item: dict[str, Any] = {
            **self._key(observation.operation, observation.item),
            "status": {"S": observation.status},
            "order": {"N": str(observation.order)},
            EXPIRY_ATTRIBUTE: {"N": _epoch(purge_at)},
        }
        if observation.time:
            item["time"] = {"S": str(iso(observation.time))}
        if observation.task:
            item["task"] = {"S": observation.task}
        return self._conditional(
            self.client.put_item,
            Item=item,
            # Newer only: a repeat (same order) or an older status (lower order) changes nothing.
            ConditionExpression="attribute_not_exists(#order) OR #order < :order",
            ExpressionAttributeNames={"#order": "order"},
            ExpressionAttributeValues={":order": {"N": str(observation.order)}},
        )

    # --- what the sweeper reads and writes ---------------------------------------------

    def due(self, now: datetime, limit: int) -> list[str]:
        """Operations whose digest is due (final status settled, or expired), oldest first."""
        response = self.client.query(
            TableName=self.table,
            IndexName=READY_INDEX,
            KeyConditionExpression="#ready = :waiting AND #at <= :now",
            ExpressionAttributeNames={"#ready": READY_KEY, "#at": READY_SORT_KEY},
            ExpressionAttributeValues={":waiting": {"S": _WAITING}, ":now": {"N": _epoch(now)}},
            Limit=limit,
        )
        return [item[PARTITION_KEY]["S"] for item in response.get("Items", [])]

    def claim(self, operation: str, now: datetime, lease_seconds: int) -> Claim | None:
        """Claim an operation's digest for `lease_seconds`; None when it is not due or somebody holds it.

        A sweeper that dies holding a claim (timeout) leaves it to the next one after the lease.
        """
        claim_id = str(uuid.uuid4())
        try:
            response = self.client.update_item(
                TableName=self.table,
                Key=self._key(operation),
                UpdateExpression="SET leaseUntil = :until, claimId = :claim",
                ConditionExpression="attribute_exists(#ready) AND #at <= :now "
                "AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)",
                ExpressionAttributeNames={"#ready": READY_KEY, "#at": READY_SORT_KEY},
                ExpressionAttributeValues={
                    ":now": {"N": _epoch(now)},
                    ":until": {"N": str(int(now.timestamp()) + lease_seconds)},
                    ":claim": {"S": claim_id},
                },
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if _conditional_failed(error):
                return None
            raise
        return Claim(operation, claim_id, _record(response["Attributes"]))

    def items(self, operation: str) -> tuple[list[ItemState], list[ItemState]]:
        """(instances, tasks) of the operation, each at its latest status."""
        instances: list[ItemState] = []
        tasks: list[ItemState] = []
        for item in self._query(operation):
            key = item[SORT_KEY]["S"]
            time = item.get("time", {}).get("S")
            status = item.get("status", {}).get("S", "")
            if key.startswith(TASK_PREFIX):
                tasks.append(ItemState(key.removeprefix(TASK_PREFIX), status, time))
            elif key != OPERATION_ITEM:
                task = item.get("task", {}).get("S")
                instance = key.split("/", 1)[1] if task and "/" in key else key
                instances.append(ItemState(instance, status, time, task))
        return instances, tasks

    def _query(self, operation: str) -> Iterator[dict[str, Any]]:
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "#op = :op",
            "ExpressionAttributeNames": {"#op": PARTITION_KEY},
            "ExpressionAttributeValues": {":op": {"S": operation}},
            "ConsistentRead": True,
        }
        while True:
            page = self.client.query(**kwargs)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def finish(self, claim: Claim, now: datetime, message_id: str | None) -> bool:
        """The digest went out (or there was nothing to say): take the operation off the index.

        False when the claim was lost meanwhile (the lease ran out and another sweep took it).
        """
        values: dict[str, Any] = {":claim": {"S": claim.claim_id}, ":now": {"N": _epoch(now)}}
        sets = ["digestedAt = :now"]
        if message_id:
            values[":message"] = {"S": message_id}
            sets.append("messageId = :message")
        return self._update(
            self._key(claim.operation),
            UpdateExpression=f"SET {', '.join(sets)} REMOVE #ready, leaseUntil",
            ConditionExpression="claimId = :claim",
            ExpressionAttributeNames={"#ready": READY_KEY},
            ExpressionAttributeValues=values,
        )

    def release(self, claim: Claim) -> None:
        """The publish failed: give the claim back so that the next sweep publishes."""
        self._update(
            self._key(claim.operation),
            UpdateExpression="REMOVE leaseUntil, claimId",
            ConditionExpression="claimId = :claim",
            ExpressionAttributeValues={":claim": {"S": claim.claim_id}},
        )


def _record(item: dict[str, Any]) -> OperationRecord:
    def text(name: str) -> str | None:
        value = item.get(name, {}).get("S")
        return value if isinstance(value, str) else None

    expires = item.get("expiresAt", {}).get("N")
    return OperationRecord(
        operation=item[PARTITION_KEY]["S"],
        kind=text("kind") or "command",
        family=text("family") or ("run-command" if text("kind") == "command" else "maintenance-window"),
        region=text("region") or "-",
        account=text("account") or "-",
        fields={
            name.removeprefix(FIELD_PREFIX): value["S"]
            for name, value in item.items()
            if name.startswith(FIELD_PREFIX) and "S" in value
        },
        final_status=text("finalStatus"),
        final_time=text("finalTime"),
        last_status=text("lastStatus"),
        expires_at=datetime.fromtimestamp(int(expires), UTC) if expires else None,
    )
