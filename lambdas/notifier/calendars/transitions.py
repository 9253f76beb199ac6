"""The last calendar transition notified, per calendar, in the idempotency table.

AWS may announce one transition twice with different event ids, late, or not at all.
One item per calendar remembers the state last notified and when it began; a new
notification first claims the item with a conditional write, so that two deliveries
racing for the same transition publish once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from notifier.dynamo import claimed, conditional, epoch
from notifier.state_table import KEY_ATTRIBUTE, KeyPrefix


@dataclass(frozen=True)
class Notified:
    state: str
    at: datetime
    event_id: str
    mismatch_since: datetime | None = None


def _from_epoch(value: str) -> datetime:
    return datetime.fromtimestamp(int(value), UTC)


class TransitionStore:
    """`key_prefix`: the calendar transitions' (whose items' `state` is OPEN or CLOSED), or the calendar
    edits' (KeyPrefix.CALENDAR_VERSION: `state` is the document version last announced)."""

    def __init__(self, client: Any, table_name: str, key_prefix: KeyPrefix = KeyPrefix.CALENDAR_TRANSITION) -> None:
        self.client = client
        self.table = table_name
        self.key_prefix = key_prefix

    def _key(self, calendar: str) -> dict[str, Any]:
        return {KEY_ATTRIBUTE: {"S": self.key_prefix + calendar}}

    def last(self, calendar: str) -> Notified | None:
        item = self.client.get_item(TableName=self.table, Key=self._key(calendar), ConsistentRead=True).get("Item")
        if not item:
            return None
        since = item.get("mismatchSince", {}).get("N")
        return Notified(
            item["state"]["S"],
            _from_epoch(item["at"]["N"]),
            item["eventId"]["S"],
            _from_epoch(since) if since else None,
        )

    def _item(self, calendar: str, state: str, at: datetime, event_id: str) -> dict[str, Any]:
        return {**self._key(calendar), "state": {"S": state}, "at": {"N": epoch(at)}, "eventId": {"S": event_id}}

    @contextmanager
    def claim(self, calendar: str, state: str, at: datetime, event_id: str) -> Iterator[Notified | None]:
        """Claim the right to announce `state` as of `at`; yields None when it is not news.

        Not news: the same state as the last one notified, or a transition older than it.
        If the block raises (the publish failed), the claim is undone so the retry can claim.
        """
        put = partial(
            conditional,
            self.client.put_item,
            TableName=self.table,
            Item=self._item(calendar, state, at, event_id),
            ConditionExpression="attribute_not_exists(id) OR (#at < :at AND #state <> :state)",
            ExpressionAttributeNames={"#at": "at", "#state": "state"},
            ExpressionAttributeValues={":at": {"N": epoch(at)}, ":state": {"S": state}},
            ReturnValues="ALL_OLD",
        )
        with claimed(put, lambda response: self._undo(calendar, event_id, response.get("Attributes"))) as response:
            yield None if response is None else Notified(state, at, event_id)

    def _undo(self, calendar: str, event_id: str, previous: dict[str, Any] | None) -> None:
        ours = {
            "ConditionExpression": "eventId = :ours",
            "ExpressionAttributeValues": {":ours": {"S": event_id}},
        }
        if previous:
            self.client.put_item(TableName=self.table, Item=previous, **ours)
        else:
            self.client.delete_item(TableName=self.table, Key=self._key(calendar), **ours)

    def baseline(self, calendar: str, state: str, now: datetime) -> bool:
        """Record the state seen when nothing was known yet; False if somebody else did first."""
        written = conditional(
            self.client.put_item,
            TableName=self.table,
            Item=self._item(calendar, state, now, "baseline"),
            ConditionExpression="attribute_not_exists(id)",
        )
        return written is not None

    def mark_mismatch(self, calendar: str, seen: Notified, now: datetime | None) -> None:
        """Start (or, with now=None, clear) the clock of a state that differs from the one notified."""
        expression = "SET mismatchSince = :now" if now else "REMOVE mismatchSince"
        values: dict[str, Any] = {":event": {"S": seen.event_id}}
        if now:
            values[":now"] = {"N": epoch(now)}
        conditional(
            self.client.update_item,
            TableName=self.table,
            Key=self._key(calendar),
            UpdateExpression=expression,
            ConditionExpression="eventId = :event",  # unchanged since we read it; else nothing to do
            ExpressionAttributeValues=values,
        )
