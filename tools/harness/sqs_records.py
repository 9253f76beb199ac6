"""The records Lambda's SQS event source hands a function: one shape for the poller, tests and bench."""

from __future__ import annotations

import json
import uuid
from typing import Any

from tools.harness.endpoints import REGION


def sqs_record(
    message_id: str,
    body: str,
    queue_arn: str,
    receipt_handle: str | None = None,
    receives: int = 1,
    attributes: dict[str, Any] | None = None,
    message_attributes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One record as Lambda passes it (`Records[i]` of the event), for a message of the queue `queue_arn`."""
    return {
        "messageId": message_id,
        "receiptHandle": receipt_handle or f"handle-{message_id}-{receives}",
        "body": body,
        "attributes": attributes if attributes is not None else {"ApproximateReceiveCount": str(receives)},
        "messageAttributes": message_attributes or {},
        "md5OfBody": "-",
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }


def as_queued(events: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """Events as Lambda hands them from the queue `queue_arn`: one record each, the event its body."""
    return {"Records": [sqs_record(str(uuid.uuid4()), json.dumps(event), queue_arn) for event in events]}


def received_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """The record of a message ReceiveMessage returned."""
    return sqs_record(
        message["MessageId"],
        message["Body"],
        queue_arn,
        receipt_handle=message["ReceiptHandle"],
        attributes=message.get("Attributes", {}),
        message_attributes=message.get("MessageAttributes", {}),
    )
