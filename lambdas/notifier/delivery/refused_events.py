"""A queued record that can never be processed (a buffered event that cannot be recorded, a
notification chat cannot render) goes to the dead-letter queue once, with the reason, instead of
SQS trying it five times and moving it there without one.

SQS's own redrive still catches what fails for a passing reason (a throttled table, an operation
being summed up): those records are retried first.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cached_property
from typing import Any

from notifier.core.render import cut

REASON_MAX = 1000


class RefusedEvents:
    def __init__(self, sqs: Callable[[], Any], queue_url: str) -> None:
        """`sqs`: makes the SQS client, on the first refusal (20 ms of a cold start spared: most never refuse)."""
        self.make_sqs = sqs
        self.queue_url = queue_url

    @cached_property
    def sqs(self) -> Any:
        return self.make_sqs()

    def send(self, body: str, reason: str, message_id: str) -> None:
        """The record as it came (its body parsed when it is JSON), why it was refused, and its message id."""
        try:
            event: Any = json.loads(body)
        except ValueError:
            event = body
        reason = cut(reason, REASON_MAX)
        self.sqs.send_message(
            QueueUrl=self.queue_url,
            MessageBody=json.dumps({"reason": reason, "messageId": message_id, "event": event}),
            MessageAttributes={"reason": {"DataType": "String", "StringValue": cut(reason, 256)}},
        )
