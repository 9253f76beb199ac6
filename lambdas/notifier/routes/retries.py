"""When a message a destination could not take now (429, 5xx, no answer) is tried again: after a first
wait, then twice as long each time up to MAX_BACKOFF_SECONDS, and never before the destination's
Retry-After. The wait is the message's visibility timeout in its queue, so nothing waits inside the
function and SQS gives the message back then; after the queue's receive limit it goes to the dead letters."""

from __future__ import annotations

import math
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

MAX_BACKOFF_SECONDS = 900
MAX_VISIBILITY_SECONDS = 43_200  # the longest visibility timeout SQS takes


def retry_delay(receives: int, first_seconds: int, retry_after: float | None) -> int:
    """Seconds until the next try of a message received `receives` times."""
    backoff = min(first_seconds * 2 ** max(receives - 1, 0), MAX_BACKOFF_SECONDS)
    wait = max(backoff, math.ceil(retry_after)) if retry_after is not None else backoff
    return int(min(wait, MAX_VISIBILITY_SECONDS))


class Deferrals:
    """Hides a message that is to be tried later for its retry delay (ChangeMessageVisibility)."""

    def __init__(self, sqs: Any, first_seconds: int) -> None:
        self.sqs, self.first_seconds = sqs, first_seconds
        self._urls: dict[str, str] = {}

    def defer(self, queue_arn: str, receipt_handle: str, receives: int, retry_after: float | None) -> int | str:
        """The delay the message now waits, or why SQS did not take it (the message then comes back after
        its queue's own visibility timeout: later or sooner, never lost)."""
        delay = retry_delay(receives, self.first_seconds, retry_after)
        try:
            self.sqs.change_message_visibility(
                QueueUrl=self._url(queue_arn), ReceiptHandle=receipt_handle, VisibilityTimeout=delay
            )
        except (BotoCoreError, ClientError) as error:
            return f"retry delay not set: {type(error).__name__}: {error}"
        return delay

    def _url(self, queue_arn: str) -> str:
        if queue_arn not in self._urls:
            account, name = queue_arn.split(":")[4:6]
            answer = self.sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)
            self._urls[queue_arn] = str(answer["QueueUrl"])
        return self._urls[queue_arn]
