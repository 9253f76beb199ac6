"""Hooks on the boto3 clients a handler creates: counted requests, skipped SDK back-off.

The hooks reach the clients the handler creates through ``clients_hooked``, which wraps
``boto3.session.Session.client`` while the handler is built (the SNS client and Powertools'
DynamoDB client are created there). ``Calls`` counts the HTTP requests those clients send, per
``service.Operation``; ``tools.harness.faults`` answers chosen ones with an error.
"""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

import boto3

# The patch below is process-wide: two threads inside the block at once would undo each other's.
_HOOKING = threading.Lock()


@contextlib.contextmanager
def clients_hooked(*hooks: Callable[[Any], None]) -> Iterator[None]:
    """Every boto3 client created inside the block is passed to each hook (one thread at a time)."""
    with _HOOKING:
        original = boto3.session.Session.client

        def client(self: boto3.session.Session, *args: Any, **kwargs: Any) -> Any:
            created = original(self, *args, **kwargs)
            for hook in hooks:
                hook(created)
            return created

        with mock.patch.object(boto3.session.Session, "client", client):
            yield


@contextlib.contextmanager
def sdk_backoff_skipped() -> Iterator[None]:
    """The SDK's retry sleeps are skipped (up to 1+2 s per throttled call); its retry decisions are not."""
    with mock.patch("botocore.retries.standard.ExponentialBackoff.delay_amount", return_value=0):
        yield


class Calls:
    """HTTP requests per ``service.Operation`` (retries included), from botocore's request events."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def attach(self, client: Any) -> None:
        client.meta.events.register_first("before-send", self._count)

    def _count(self, event_name: str, **_: Any) -> None:
        with self._lock:
            self.counts[event_name.removeprefix("before-send.")] += 1

    def take(self) -> Counter[str]:
        """The counts so far, and start again from zero."""
        with self._lock:
            counts, self.counts = self.counts, Counter()
        return counts
