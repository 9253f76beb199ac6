"""The batch of a relay fed by SQS (the chat relay, the route relay): each record relayed once; a record
that can never be relayed goes to the dead-letter queue once, with its reason, and the batch goes on;
a record that fails otherwise is reported alone, for SQS to deliver again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from notifier.delivery.refused_events import RefusedEvents
from notifier.observability import count, logger

# One record -> the relay's result ({"duplicate": True}, {"completionNotRecorded": True}, ...).
RelayOne = Callable[[SQSRecord, LambdaContext], dict[str, Any]]
# A relayed record's result -> the metric that counts it.
Counted = Callable[[dict[str, Any]], str]


class RelayedRecords:
    def __init__(
        self, relay_one: RelayOne, refused: RefusedEvents, never: tuple[type[Exception], ...], counted: Counted
    ) -> None:
        """`never`: the errors of a record that can never be relayed (not a notification, no such queue)."""
        self.relay_one, self.refused, self.never, self.counted = relay_one, refused, never, counted
        # A batch whose every record failed is reported record by record too, not raised: SQS retries
        # them the same way.
        self.processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

    def handle(self, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        return dict(
            process_partial_response(event=event, record_handler=self.record, processor=self.processor, context=context)
        )

    def record(self, record: SQSRecord, lambda_context: LambdaContext) -> str:
        try:
            result = self.relay_one(record, lambda_context)
        except self.never as error:
            # Once, with the reason, and the rest of the batch goes on.
            self.refused.send(record.body, f"{type(error).__name__}: {error}", record.message_id)
            logger.error("record refused", extra={"message_id": record.message_id, "reason": str(error)})
            count("RecordsRefused")
            return "refused"
        if result.get("duplicate"):
            count("DuplicatesSuppressed")
            return "duplicate"
        if result.get("completionNotRecorded"):
            count("CompletionNotRecorded")
        metric = self.counted(result)
        count(metric)
        return metric
