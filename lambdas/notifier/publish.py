"""SNS access: one publish per notification."""

from __future__ import annotations

from typing import Any

from notifier.render import Notification


def publish(sns_client: Any, topic_arn: str, notification: Notification) -> str:
    """Publish and return the SNS message id; any failure raises so that the event is retried."""
    response = sns_client.publish(
        TopicArn=topic_arn,
        Subject=notification.subject,
        # E-mail subscribers get the text, every other protocol the JSON document.
        MessageStructure="json",
        Message=notification.sns_message(),
        MessageAttributes={
            name: {"DataType": "String", "StringValue": value} for name, value in notification.attributes.items()
        },
    )
    return str(response["MessageId"])
