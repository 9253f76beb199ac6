"""The operations table (DynamoDB): conditional writes, queries and claims (layout: operations_table.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from notifier.core.render import cut
from notifier.dynamo import conditional, epoch
from notifier.fleet.observations import OPERATION_ITEM, Observation, iso
from notifier.fleet.stored_items import FIELD_PREFIX, generation_of, operation_record, split_items
from notifier.fleet.summaries import ItemState, OperationRecord
from ssm_event_notifier.contract.operations_table import (
    EXPIRY_ATTRIBUTE,
    PARTITION_KEY,
    READY_INDEX,
    READY_KEY,
    READY_SORT_KEY,
    SORT_KEY,
)

_WAITING = "1"
REASON_MAX = 256


def _field_sets(observation: Observation, names: dict[str, str], values: dict[str, Any], keep: bool) -> list[str]:
    """SET clauses for the event's fields (placeholders into names, values); `keep`: a recorded value stays."""
    for index, (name, value) in enumerate(sorted(observation.fields.items())):
        names[f"#f{index}"] = FIELD_PREFIX + name
        values[f":f{index}"] = {"S": value}
    return [
        f"#f{i} = if_not_exists(#f{i}, :f{i})" if keep else f"#f{i} = :f{i}" for i in range(len(observation.fields))
    ]


class OperationBeingSummarized(RuntimeError):
    """A quiet-ended operation's message is being made right now: the event waits for the next wave.

    Raised to the batch function, so that SQS delivers the record again after its visibility timeout.
    """


@dataclass(frozen=True)
class Claim:
    """The right to publish one operation's message, held until `finish`, `postpone` or `release`."""

    operation: str
    claim_id: str
    record: OperationRecord


class OperationStore:
    def __init__(self, client: Any, table_name: str) -> None:
        self.client = client
        self.table = table_name

    def _key(self, operation: str, item: str = OPERATION_ITEM) -> dict[str, Any]:
        return {PARTITION_KEY: {"S": operation}, SORT_KEY: {"S": item}}

    def _conditional(self, call: Any, **kwargs: Any) -> dict[str, Any] | None:
        """A conditional write whose failed condition means "nothing to do": None then."""
        return conditional(call, TableName=self.table, **kwargs)

    def _update(self, key: dict[str, Any], **kwargs: Any) -> bool:
        return self._conditional(self.client.update_item, Key=key, **kwargs) is not None

    # --- what the batch function writes -------------------------------------------------

    def open_operation(
        self, observation: Observation, now: datetime, expires_at: datetime, ready_at: datetime, purge_at: datetime
    ) -> int:
        """Create the operation's item if needed (from any of its events); returns its generation.

        `ready_at`: when the sweeper first looks at it (the expiry, or the interim check) for an
        operation that ends with a final event, kept once set; when its quiet period ends for a
        quiet-ended one, moved by every batch of its events. A late event of an operation whose
        message went out is still recorded, but nothing reopens it.
        """
        quiet = observation.ends == "quiet"
        names = {"#ready": READY_KEY, **{f"#{name}": name for name in ("kind", "family", "region", "account")}}
        values: dict[str, Any] = {
            ":kind": {"S": observation.kind},
            ":family": {"S": observation.family},
            ":region": {"S": observation.region},
            ":account": {"S": observation.account},
            ":expires": {"N": epoch(expires_at)},
            ":at": {"N": epoch(ready_at)},
            ":waiting": {"S": _WAITING},
            ":purge": {"N": epoch(purge_at)},
            ":zero": {"N": "0"},
        }
        # Attribute names go through placeholders: several (region, status, order, time) are
        # DynamoDB reserved words.
        sets = [f"#{name} = if_not_exists(#{name}, :{name})" for name in ("kind", "family", "region", "account")]
        sets += [
            "expiresAt = if_not_exists(expiresAt, :expires)",
            f"{READY_SORT_KEY} = " + (":at" if quiet else f"if_not_exists({READY_SORT_KEY}, :at)"),
            "#ready = :waiting",
            "generation = if_not_exists(generation, :zero)",
            f"{EXPIRY_ATTRIBUTE} = :purge",
        ]
        sets += _field_sets(observation, names, values, keep=True)
        if quiet:
            # Never while the sweeper sums the wave up: the event would fall between two waves.
            values[":now"] = {"N": epoch(now)}
            condition = "attribute_not_exists(leaseUntil) OR leaseUntil < :now"
        else:
            condition = "attribute_not_exists(digestedAt)"
        response = self._conditional(
            self.client.update_item,
            Key=self._key(observation.operation),
            UpdateExpression="SET " + ", ".join(sets),
            ConditionExpression=condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
        )
        if response is None and quiet:
            raise OperationBeingSummarized(f"{observation.operation}: its message is being made; retried later")
        return generation_of(response["Attributes"]) if response else 0

    def record_parent(self, observation: Observation, expires_at: datetime, ready_at: datetime) -> bool:
        """The operation's own status: a final one makes the message due at `ready_at`.

        A running status (with a command's expire-after) moves the expiry; it never replaces a
        final status. Of two final statuses the newer one wins. False when it changed nothing.
        """
        names = {"#ready": READY_KEY}
        values: dict[str, Any] = {
            ":status": {"S": observation.status},
            ":order": {"N": str(observation.order)},
            ":expires": {"N": epoch(expires_at)},
        }
        sets = ["expiresAt = :expires"]
        sets += _field_sets(observation, names, values, keep=False)  # the parent's own word wins
        if observation.final:
            values[":ready"] = {"N": epoch(ready_at)}
            values[":time"] = {"S": iso(observation.time) or ""}
            values[":waiting"] = {"S": _WAITING}
            sets += ["finalStatus = :status", "finalOrder = :order", "finalTime = :time"]
            sets += [f"{READY_SORT_KEY} = :ready", "#ready = :waiting"]
            condition = "attribute_not_exists(finalOrder) OR finalOrder < :order"
        else:
            # The sweeper looks at a running operation when its first check comes (open_operation).
            names.pop("#ready")
            sets += ["lastStatus = :status", "lastOrder = :order"]
            condition = "attribute_not_exists(finalOrder) AND (attribute_not_exists(lastOrder) OR lastOrder < :order)"
        return self._update(
            self._key(observation.operation),
            UpdateExpression="SET " + ", ".join(sets),
            ConditionExpression=f"attribute_not_exists(digestedAt) AND ({condition})",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def record_item(self, observation: Observation, purge_at: datetime, generation: int = 0) -> bool:
        """An item's (or a task's) status, only if newer than the one recorded; False if not."""
        item: dict[str, Any] = {
            **self._key(observation.operation, observation.item),
            "status": {"S": observation.status},
            "order": {"N": str(observation.order)},
            EXPIRY_ATTRIBUTE: {"N": epoch(purge_at)},
        }
        if observation.time:
            item["time"] = {"S": str(iso(observation.time))}
        if observation.task:
            item["task"] = {"S": observation.task}
        if observation.reason:
            item["reason"] = {"S": cut(observation.reason, REASON_MAX)}
        if generation:
            item["generation"] = {"N": str(generation)}
        return (
            self._conditional(
                self.client.put_item,
                Item=item,
                # Newer only: a repeat (same order) or an older status (lower order) changes nothing.
                ConditionExpression="attribute_not_exists(#order) OR #order < :order",
                ExpressionAttributeNames={"#order": "order"},
                ExpressionAttributeValues={":order": {"N": str(observation.order)}},
            )
            is not None
        )

    # --- what the sweeper reads and writes ---------------------------------------------

    def due(self, now: datetime, limit: int) -> list[str]:
        """Operations the sweeper has to look at now (ended, quiet, expired or an interim check), oldest first."""
        response = self.client.query(
            TableName=self.table,
            IndexName=READY_INDEX,
            KeyConditionExpression="#ready = :waiting AND #at <= :now",
            ExpressionAttributeNames={"#ready": READY_KEY, "#at": READY_SORT_KEY},
            ExpressionAttributeValues={":waiting": {"S": _WAITING}, ":now": {"N": epoch(now)}},
            Limit=limit,
        )
        return [item[PARTITION_KEY]["S"] for item in response.get("Items", [])]

    def claim(self, operation: str, now: datetime, lease_seconds: int) -> Claim | None:
        """Claim an operation's message for `lease_seconds`; None when it is not due or somebody holds it.

        A sweeper that dies holding a claim (timeout) leaves it to the next one after the lease.
        """
        claim_id = str(uuid.uuid4())
        response = self._conditional(
            self.client.update_item,
            Key=self._key(operation),
            UpdateExpression="SET leaseUntil = :until, claimId = :claim",
            ConditionExpression="attribute_exists(#ready) AND #at <= :now "
            "AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)",
            ExpressionAttributeNames={"#ready": READY_KEY, "#at": READY_SORT_KEY},
            ExpressionAttributeValues={
                ":now": {"N": epoch(now)},
                ":until": {"N": str(int(now.timestamp()) + lease_seconds)},
                ":claim": {"S": claim_id},
            },
            ReturnValues="ALL_NEW",
        )
        return Claim(operation, claim_id, operation_record(response["Attributes"])) if response else None

    def items(self, operation: str, generation: int = 0) -> tuple[list[ItemState], list[ItemState]]:
        """(items, tasks) of the operation's wave `generation`, each at its latest status."""
        return split_items(list(self._query(operation)), generation)

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

    def finish(self, claim: Claim, now: datetime, message_id: str | None, quiet: bool = False) -> bool:
        """The message went out (or there was nothing to say): take the operation off the index.

        A quiet-ended operation moves to its next generation instead, ready for its next wave.
        False when the claim was lost meanwhile (the lease ran out and another sweep took it).
        """
        values: dict[str, Any] = {":claim": {"S": claim.claim_id}, ":now": {"N": epoch(now)}}
        sets = ["lastMessageAt = :now" if quiet else "digestedAt = :now"]
        removed = ["#ready", "leaseUntil", "claimId"]
        if message_id:
            values[":message"] = {"S": message_id}
            sets.append("messageId = :message")
        if quiet:
            values[":next"] = {"N": str(claim.record.generation + 1)}
            sets.append("generation = :next")
            # lastOrder stays: a redelivered status of this wave must not speak for the next one.
            removed += ["lastStatus", "interimMessageId"]
        return self._update(
            self._key(claim.operation),
            UpdateExpression=f"SET {', '.join(sets)} REMOVE {', '.join(removed)}",
            ConditionExpression="claimId = :claim",
            ExpressionAttributeNames={"#ready": READY_KEY},
            ExpressionAttributeValues=values,
        )

    def postpone(self, claim: Claim, next_check: datetime, interim_message_id: str | None) -> None:
        """A running operation was looked at (and its interim message sent): look again at `next_check`."""
        values: dict[str, Any] = {":claim": {"S": claim.claim_id}, ":at": {"N": epoch(next_check)}}
        sets = [f"{READY_SORT_KEY} = :at"]
        if interim_message_id:
            values[":message"] = {"S": interim_message_id}
            sets.append("interimMessageId = :message")
        if not self._update(
            self._key(claim.operation),
            UpdateExpression=f"SET {', '.join(sets)} REMOVE leaseUntil, claimId",
            ConditionExpression="claimId = :claim AND attribute_not_exists(finalOrder)",
            ExpressionAttributeValues=values,
        ):
            self.release(claim)  # its final status came meanwhile, and set when its message is due

    def release(self, claim: Claim) -> None:
        """The publish failed: give the claim back so that the next sweep publishes."""
        self._update(
            self._key(claim.operation),
            UpdateExpression="REMOVE leaseUntil, claimId",
            ConditionExpression="claimId = :claim",
            ExpressionAttributeValues={":claim": {"S": claim.claim_id}},
        )
