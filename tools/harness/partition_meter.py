"""DynamoDB writes per partition key and second, and DynamoDB's partition limit, which DynamoDB Local lacks.

A botocore ``before-send`` hook on the clients a handler creates (tools.harness.sdk_hooks.clients_hooked):
a write to a partition that already had `limit` writes within the current second is answered as
DynamoDB answers it (ProvisionedThroughputExceededException); the SDK retries it as it would the real one.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from typing import Any

from botocore.awsrequest import AWSResponse

from ssm_event_notifier.contract.operations_table import PARTITION_KEY
from tools.harness.faults import error_response

# DynamoDB's documented limit for one partition: 1,000 write units per second (an item under 1 KB
# is one unit). One operation is one partition key (notifier/fleet/operations_table.py).
PARTITION_WRITE_LIMIT = 1000
WRITES = ("PutItem", "UpdateItem", "DeleteItem")


class PartitionMeter:
    """DynamoDB requests per partition key and second; a partition over its write limit is throttled."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.started = time.monotonic()
        self.writes: Counter[tuple[str, int]] = Counter()  # (partition, second) -> write requests
        self.requests: Counter[str] = Counter()  # operation -> requests, retries included
        self.throttled = 0
        self._lock = threading.Lock()

    def attach(self, client: Any) -> None:
        client.meta.events.register_first("before-send.dynamodb", self._before_send)

    def _before_send(self, request: Any, event_name: str, **_: Any) -> AWSResponse | None:
        operation = event_name.rsplit(".", 1)[-1]
        body = json.loads(request.body or b"{}")
        keys = body.get("Item") or body.get("Key") or {}
        partition = keys.get(PARTITION_KEY, {}).get("S")
        with self._lock:
            self.requests[operation] += 1
            if operation not in WRITES or partition is None:
                return None
            second = int(time.monotonic() - self.started)
            if self.writes[(partition, second)] >= self.limit:
                self.throttled += 1
                return error_response(request.url, "dynamodb", "ProvisionedThroughputExceededException")
            self.writes[(partition, second)] += 1
        return None

    def written(self, partition: str) -> int:
        return sum(writes for (name, _second), writes in self.writes.items() if name == partition)

    def busiest(self) -> tuple[int, float]:
        """The busiest partition's peak writes in one second, and its mean over the seconds it was written."""
        by_partition: dict[str, list[int]] = {}
        for (partition, _second), writes in self.writes.items():
            by_partition.setdefault(partition, []).append(writes)
        seconds = max(by_partition.values(), key=sum)
        return max(seconds), sum(seconds) / len(seconds)
