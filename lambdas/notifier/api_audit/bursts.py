"""A burst of the same call by the same principal is one message: the first call's.

Scripts and consoles send the same call many times in a row (SendCommand to 50 instances one by one,
a session resumed on every reconnect). The first call of (account, region, principal, call) opens a
window of `window_seconds` in the idempotency table and is notified; the calls within the window are
counted on the same item and notified no more; the message of the first says so. Claiming is a
conditional write, so two deliveries racing for one window notify once; a failed publish gives the
window back.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from notifier.core.cloudtrail_models import ApiCallRecord
from notifier.core.models import SsmEvent
from notifier.core.render import Extra
from notifier.dynamo import window_claimed
from notifier.state_table import KEY_ATTRIBUTE, KeyPrefix, fitting

RETENTION_SECONDS = 24 * 3600  # a window's item (with its count of calls) is kept a day after it


class BurstGate:
    def __init__(
        self, client: Any, table_name: str, window_seconds: int, clock: Callable[[], float] = time.time
    ) -> None:
        """`client`: the function's DynamoDB client (its pipeline's too: one connection to open)."""
        self.client, self.table, self.window, self.clock = client, table_name, window_seconds, clock

    @staticmethod
    def key(event: ApiCallRecord) -> str:
        fields = event.template_fields()
        return fitting(
            f"{KeyPrefix.API_BURST}{event.account}/{event.region}/{fields['principal']}/{event.detail.event_name}"
        )

    def explain(self, event: SsmEvent) -> Extra | None:
        """What the message says of bursts (nothing for other events)."""
        if not isinstance(event, ApiCallRecord):
            return None
        lines = [
            f"Further {event.detail.event_name} calls by this principal within {self.window} s are counted, "
            "not notified."
        ]
        return Extra("burst", {"windowSeconds": self.window}, lines)

    def gate(self, event: SsmEvent) -> Any:
        return self._claim(event) if isinstance(event, ApiCallRecord) else nullcontext(True)

    @contextmanager
    def _claim(self, event: ApiCallRecord) -> Iterator[bool]:
        key, now = self.key(event), int(self.clock())
        # A failed publish gives the window back, so that the retry notifies.
        claim = window_claimed(
            self.client, self.table, key, event.id, now, self.window, RETENTION_SECONDS, calls={"N": "1"}
        )
        with claim as response:
            if response is None:  # within the burst's window: counted on it, not notified
                self.client.update_item(
                    TableName=self.table,
                    Key={KEY_ATTRIBUTE: {"S": key}},
                    UpdateExpression="ADD calls :one",
                    ExpressionAttributeValues={":one": {"N": "1"}},
                )
            yield response is not None
