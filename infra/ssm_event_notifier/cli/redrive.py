"""What waits in the dead-letter queues, sent again once its cause is fixed (``ssm-event-notifier redrive``).

- Lambda's on-failure records, and events EventBridge could not hand to a function: the function is
  invoked with the original event. Its idempotency record answers an event whose message already went
  out ("already sent"), so nothing is published twice.
- Messages SQS moved out of a queue after their retries: sent back to that queue (and its function reads
  them as before). Message by message, not SQS's own move task: that moves every message of the queue,
  and these queues also hold records that must not go back (refused ones, Lambda's on-failure records).
- Refused records (bad input, a destination's refusal) are listed with their reason and stay, unless
  `include_refused`; e-mails SNS could not deliver are listed and stay.
A message sent again and failing again stays in the queue with its new reason (a new on-failure record
in place of the old one); one that went out is deleted. `dry_run` lists what would be done, changing
nothing (each message read is made visible again at once).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ssm_event_notifier.cli.dead_letters import DeadLetterQueue, Waiting, classify, on_failure_record
from ssm_event_notifier.cli.stack_resources import StackResources

# What became of one waiting message.
SENT, ALREADY_SENT, MOVED, FAILED_AGAIN, REFUSED, LEFT, WOULD_SEND = (
    "sent",
    "already sent",
    "moved back",
    "failed again",
    "refused, left",
    "left",
    "would send",
)
# How long the messages read stay hidden from another reader while this run works through them.
WORKING_SECONDS = 900
LISTING_SECONDS = 30


@dataclass(frozen=True)
class Redriven:
    waiting: Waiting
    outcome: str
    detail: str = ""


def queue_depth(stack: StackResources, queue: str) -> int:
    attributes = stack.client("sqs").get_queue_attributes(
        QueueUrl=stack.physical[queue],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes.get("ApproximateNumberOfMessages", 0))


def read_waiting(stack: StackResources, queue: DeadLetterQueue, visibility: int) -> list[Waiting]:
    """Every message now visible in the queue, hidden for `visibility` seconds, in the order read."""
    sqs, url = stack.client("sqs"), stack.physical[queue.logical_id]
    expected = queue_depth(stack, queue.logical_id)
    messages: dict[str, dict[str, Any]] = {}
    empty = 0
    # SQS answers a short poll from a sample of its servers: an empty answer is not yet an empty queue.
    while len(messages) < expected and empty < 3:
        got = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            VisibilityTimeout=visibility,
            WaitTimeSeconds=0 if stack.local else 1,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        empty = 0 if got else empty + 1
        messages.update((message["MessageId"], message) for message in got)
    return [classify(stack, queue, message) for message in messages.values()]


class Redrive:
    def __init__(self, stack: StackResources, include_refused: bool = False, dry_run: bool = False) -> None:
        self.stack = stack
        self.include_refused = include_refused
        self.dry_run = dry_run
        self.sqs = stack.client("sqs")
        self.moved_to: set[str] = set()

    def read(self, queues: Iterable[DeadLetterQueue]) -> list[Waiting]:
        visibility = LISTING_SECONDS if self.dry_run else WORKING_SECONDS
        return [waiting for queue in queues for waiting in read_waiting(self.stack, queue, visibility)]

    def send_all(self, waiting: list[Waiting]) -> Iterator[Redriven]:
        """Each message sent again (or left, said why), in turn; then the queues messages went back to read."""
        left: list[Waiting] = []
        handled = 0
        try:
            for one in waiting:
                done = self.send_again(one)
                handled += 1
                if done.outcome in (REFUSED, LEFT, WOULD_SEND):
                    left.append(one)
                yield done
        finally:
            # What stays (and what a stopped run did not reach) is visible again at once, as if never read:
            # the next redrive sees it. A dry run leaves everything so.
            self._release(left + waiting[handled:])
            if self.moved_to:
                self.stack.after_move(sorted(self.moved_to))

    def send_again(self, waiting: Waiting) -> Redriven:
        if waiting.queue.emails and waiting.kind == "message" and waiting.target is None:
            return Redriven(waiting, LEFT, "an e-mail SNS could not deliver: SNS cannot send one subscription again")
        if waiting.refused and not self.include_refused:
            return Redriven(waiting, REFUSED, waiting.reason)
        if waiting.target is None:
            return Redriven(waiting, LEFT, "where it came from is unknown: look at it in the queue")
        if self.dry_run:
            return Redriven(waiting, WOULD_SEND, f"to {self.stack.label(waiting.target.logical_id)}")
        if waiting.target.kind == "queue":
            return self._move(waiting, waiting.target.logical_id)
        return self._invoke(waiting, waiting.target.logical_id)

    def _move(self, waiting: Waiting, queue: str) -> Redriven:
        body = waiting.payload if isinstance(waiting.payload, str) else json.dumps(waiting.payload)
        attributes = {
            name: {key: value for key, value in attribute.items() if key in ("DataType", "StringValue", "BinaryValue")}
            for name, attribute in waiting.message.get("MessageAttributes", {}).items()
            if waiting.kind == "message" and name not in ("RULE_ARN", "TARGET_ARN", "ERROR_CODE", "ERROR_MESSAGE")
        }
        self.sqs.send_message(
            QueueUrl=self.stack.physical[queue],
            MessageBody=body,
            **({"MessageAttributes": attributes} if attributes else {}),
        )
        self._delete(waiting)
        self.moved_to.add(queue)
        return Redriven(waiting, MOVED, f"to {self.stack.label(queue)}")

    def _invoke(self, waiting: Waiting, function: str) -> Redriven:
        event = waiting.payload
        if isinstance(event, str):
            try:
                event = json.loads(event)
            except ValueError:
                return Redriven(waiting, LEFT, "its body is not a JSON event")
        invoked = self.stack.invoke(function, event)
        if invoked.ok:
            self._delete(waiting)
            result = invoked.result if isinstance(invoked.result, dict) else {}
            if result.get("duplicate"):
                return Redriven(waiting, ALREADY_SENT, str(result.get("reason") or "its message went out before"))
            subject = result.get("subject")
            return Redriven(waiting, SENT, f"{subject!r}" if subject else f"by {self.stack.label(function)}")
        # It stays, with its new reason: a new record in place of the old one.
        arn = waiting.function_arn or self.stack.physical.get(function, function)
        record = on_failure_record(event, arn, waiting.attempts + 1, invoked.error_type, invoked.error_message)
        self.sqs.send_message(QueueUrl=self.stack.physical[waiting.queue.logical_id], MessageBody=json.dumps(record))
        self._delete(waiting)
        return Redriven(waiting, FAILED_AGAIN, f"{invoked.error_type}: {invoked.error_message}")

    def _delete(self, waiting: Waiting) -> None:
        self.sqs.delete_message(
            QueueUrl=self.stack.physical[waiting.queue.logical_id], ReceiptHandle=waiting.message["ReceiptHandle"]
        )

    def _release(self, waiting: list[Waiting]) -> None:
        for one in waiting:
            self.sqs.change_message_visibility(
                QueueUrl=self.stack.physical[one.queue.logical_id],
                ReceiptHandle=one.message["ReceiptHandle"],
                VisibilityTimeout=0,
            )
