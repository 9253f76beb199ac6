"""Each notice sent once, whatever the schedule's retries and overlapping runs: a conditional write per
notice in the idempotency table, given back if the publish fails; and the window runs announced and
still to come, so that a run that moved or was cancelled after its notice gets one correction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from notifier.dynamo import claimed, conditional, epoch
from notifier.state_table import EXPIRY_ATTRIBUTE, KEY_ATTRIBUTE, KeyPrefix, fitting

# Kept a while after the run or transition they are about: a late retry still finds them.
KEEP_AFTER = timedelta(days=2)
ANNOUNCED = "runs"


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def announced_entry(window_id: str, run: datetime) -> str:
    return f"{window_id}|{iso(run)}"


class NoticeClaims:
    def __init__(self, client: Any, table_name: str, scope: str = "") -> None:
        """`scope`: "" in a single-account stack, "<account>/<region>/" in a hub (keys by account and region)."""
        self.client, self.table, self.scope = client, table_name, scope

    def _key(self, prefix: KeyPrefix, rest: str) -> dict[str, Any]:
        return {KEY_ATTRIBUTE: {"S": fitting(prefix + rest)}}

    @contextmanager
    def notice(self, subject: str, at: datetime, lead_minutes: int) -> Iterator[bool]:
        """Claims the notice of `subject` (a window id or calendar name) for `at` and lead time; yields False
        when it was sent (or is being sent) already. A failed publish (the block raises) gives it back."""
        with self._claim(self._key(KeyPrefix.NOTICE, f"{self.scope}{subject}#{iso(at)}#{lead_minutes}"), at) as won:
            yield won

    @contextmanager
    def correction(self, window_id: str, run: datetime) -> Iterator[bool]:
        with self._claim(self._key(KeyPrefix.NOTICE_CORRECTION, f"{self.scope}{window_id}#{iso(run)}"), run) as won:
            yield won

    @contextmanager
    def _claim(self, key: dict[str, Any], about: datetime) -> Iterator[bool]:
        put: Callable[[], dict[str, Any] | None] = partial(
            conditional,
            self.client.put_item,
            TableName=self.table,
            Item={**key, EXPIRY_ATTRIBUTE: {"N": epoch(about + KEEP_AFTER)}},
            ConditionExpression="attribute_not_exists(id)",
        )
        with claimed(put, lambda _: self.client.delete_item(TableName=self.table, Key=key)) as response:
            yield response is not None

    def _announced_key(self) -> dict[str, Any]:
        return self._key(KeyPrefix.NOTICES_ANNOUNCED, self.scope)

    def announced(self) -> set[str]:
        """The window runs announced and not yet corrected or pruned: "<window id>|<run>"."""
        item = self.client.get_item(TableName=self.table, Key=self._announced_key(), ConsistentRead=True).get("Item")
        return set((item or {}).get(ANNOUNCED, {}).get("SS", []))

    def remember(self, entries: set[str], now: datetime) -> None:
        """Add runs announced (a set's ADD: overlapping runs each add theirs, none lost)."""
        self._update("ADD", entries, now)

    def forget(self, entries: set[str], now: datetime) -> None:
        """Drop runs that happened or were corrected."""
        self._update("DELETE", entries, now)

    def _update(self, action: str, entries: set[str], now: datetime) -> None:
        if entries:
            self.client.update_item(
                TableName=self.table,
                Key=self._announced_key(),
                UpdateExpression=f"{action} #runs :entries SET #expires = :expires",
                ExpressionAttributeNames={"#runs": ANNOUNCED, "#expires": EXPIRY_ATTRIBUTE},
                ExpressionAttributeValues={
                    ":entries": {"SS": sorted(entries)},
                    ":expires": {"N": epoch(now + timedelta(days=14))},
                },
            )
