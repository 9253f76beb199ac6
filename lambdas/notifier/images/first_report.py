"""One message per image and state, whichever of its reports arrives first.

Amazon EC2 sends EC2 AMI State Change for every state an image enters, and EC2 AMI Available or EC2 AMI
Failed beside it for the same image and state: two events with their own ids, which the pipeline's
dedupe (by event) lets through both. The first report of (account, region, image, state) claims it
in the idempotency table and is notified; a report of the same state within `window_seconds` is not
news. Claiming is a conditional write, so two reports racing notify once; a failed publish gives
the claim back, so that the retry (or the other report) notifies.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from notifier.core.models import SsmEvent
from notifier.dynamo import window_claimed
from notifier.state_table import KeyPrefix, fitting

# AWS sends the two reports together; an hour also covers Lambda's queueing of either. An image that
# enters a state again later (disabled, enabled, disabled) is news again.
WINDOW_SECONDS = 3600


class ImageStateGate:
    def __init__(
        self, client: Any, table_name: str, window_seconds: int = WINDOW_SECONDS, clock: Callable[[], float] = time.time
    ) -> None:
        """`client`: the function's DynamoDB client (its pipeline's too: one connection to open)."""
        self.client, self.table, self.window, self.clock = client, table_name, window_seconds, clock

    @staticmethod
    def key(event: SsmEvent) -> str:
        fields = event.template_fields()
        state = fields.get("status", "").lower()
        return fitting(f"{KeyPrefix.IMAGE_STATE}{event.account}/{event.region}/{fields.get('image_id', '')}/{state}")

    def gate(self, event: SsmEvent) -> AbstractContextManager[Any]:
        """Entered around the publish: true for the first report of the image's state (notifier.dynamo)."""
        claim = window_claimed(
            self.client,
            self.table,
            self.key(event),
            event.id,
            int(self.clock()),
            self.window,
            detailType={"S": event.detail_type},
        )
        return _news(claim)


@contextmanager
def _news(claim: AbstractContextManager[Any]) -> Iterator[bool]:
    with claim as response:
        yield response is not None
