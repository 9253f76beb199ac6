"""The queues a function reads, as EventBridge fills them and Lambda's event source mapping reads them.

A rule that targets an SQS queue sends the event there as the message body (``send``); ``drain``
reads every queue a function reads in batches and invokes the function with them, as Lambda's
pollers do. With ReportBatchItemFailures the records the function names are left in the queue
(made visible again at once instead of after the visibility timeout) and the others deleted; the
queue's redrive policy moves a record received maxReceiveCount times to its dead-letter queue, as
SQS does.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tools.harness.lambda_runner import Invocation
from tools.harness.local_stack import LocalStack
from tools.harness.outcomes import ReplayedEvent, batch_outcome
from tools.harness.sqs_records import received_record
from tools.harness.template import EventSourceMappingSpec, Template

# Lambda's own limit on the records of one SQS receive; bigger batches take several receives.
SQS_RECEIVE_MAX = 10
# A record that failed this often is dropped from a queue that has no redrive policy to end its retries.
GIVE_UP_RECEIVES = 10


class QueuePoller:
    """The event source mappings of the template over the queues of the local stack."""

    def __init__(
        self,
        template: Template,
        stack: LocalStack,
        invoke: Callable[[str, Any], Invocation],
        received: Callable[[], list[dict[str, Any]]],
    ) -> None:
        """`invoke(function logical id, event)` runs the function; `received()` is what subscribers got since."""
        self.template = template
        self.stack = stack
        self.invoke = invoke
        self.received = received
        self.sqs = stack.client("sqs")
        self.functions = template.functions()
        self.mappings = template.event_source_mappings()
        # Messages sent to each queue a function reads and not yet read: a batch is read as soon as
        # one is full, as Lambda's pollers do, so that queues stay short (moto's receive is O(n)).
        self.unread: dict[str, int] = {mapping.queue: 0 for mapping in self.mappings}

    def send(self, delivery: ReplayedEvent, queue: str, event: dict[str, Any]) -> ReplayedEvent:
        """An SQS rule target: EventBridge sends the event as the message body."""
        self.sqs.send_message(QueueUrl=self.stack.refs[queue], MessageBody=json.dumps(event))
        if queue in self.unread:
            self.unread[queue] += 1
        delivery.queue = self.template.construct_path(queue)
        delivery.outcome = "buffered"
        delivery.attempts = 1
        return delivery

    def drain(self, full_batches_only: bool = False) -> list[ReplayedEvent]:
        """Every queue a function reads, in batches, until empty (or, with `full_batches_only`, while a
        full batch waits)."""
        deliveries = []
        for mapping in self.mappings:
            url = self.stack.refs[mapping.queue]
            arn = self.stack.attributes[(mapping.queue, "Arn")]
            spec = self.functions[mapping.function]
            while not full_batches_only or self.unread[mapping.queue] >= mapping.batch_size:
                messages = self._receive(url, mapping.batch_size)
                if not messages:
                    break
                delivery = ReplayedEvent(
                    f"(batch of {len(messages)} from {self.template.construct_path(mapping.queue)})",
                    None,
                    None,
                    mapping.logical_id,
                    spec.construct_id,
                    queue=self.template.construct_path(mapping.queue),
                )
                deliveries.append(self.invoke_batch(delivery, mapping, url, arn, messages))
        return deliveries

    def _receive(self, url: str, count: int) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        while len(messages) < count:
            batch = self.sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=min(SQS_RECEIVE_MAX, count - len(messages)),
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
                WaitTimeSeconds=0,
            ).get("Messages", [])
            if not batch:
                break
            messages += batch
        return messages

    def invoke_batch(
        self,
        delivery: ReplayedEvent,
        mapping: EventSourceMappingSpec,
        url: str,
        arn: str,
        messages: list[dict[str, Any]],
    ) -> ReplayedEvent:
        records = [received_record(message, arn) for message in messages]
        delivery.attempts = 1
        invocation = self.invoke(mapping.function, {"Records": records})
        delivery.logs += invocation.logs
        by_id = {message["MessageId"]: message for message in messages}
        if invocation.ok:
            result = invocation.result if isinstance(invocation.result, dict) else {}
            failed = {item["itemIdentifier"] for item in result.get("batchItemFailures", [])}
        else:  # the whole batch failed (Powertools raises when every record did)
            failed = set(by_id)
        done = [message for message_id, message in by_id.items() if message_id not in failed]
        self.unread[mapping.queue] = max(self.unread[mapping.queue] - len(done), 0)
        for start in range(0, len(done), SQS_RECEIVE_MAX):
            self.sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                    for i, m in enumerate(done[start : start + SQS_RECEIVE_MAX])
                ],
            )
        for message_id in failed:  # retried at once rather than after the visibility timeout
            message = by_id[message_id]
            received = int(message.get("Attributes", {}).get("ApproximateReceiveCount", 1))
            delivery.attempts = max(delivery.attempts, received)
            if mapping.dead_letter_queue and mapping.max_receive_count and received >= mapping.max_receive_count:
                # SQS moves it to the dead-letter queue instead of the next receive.
                delivery.dead_letter_queue = self.stack.attributes[(mapping.dead_letter_queue, "QueueName")]
            if received >= GIVE_UP_RECEIVES:
                # A queue without a redrive policy would be retried forever: stop here.
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                continue
            self.sqs.change_message_visibility(
                QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )
        delivery.outcome, delivery.error = batch_outcome(
            len(failed),
            len(messages),
            invocation.ok,
            invocation.logs,
            f"{invocation.error_type}: {invocation.error_message}",
        )
        if delivery.outcome == "rejected" and mapping.dead_letter_queue:  # the function sent them there, once
            delivery.dead_letter_queue = self.stack.attributes[(mapping.dead_letter_queue, "QueueName")]
        delivery.notifications = self.received()
        return delivery
