"""SNS access: one publish per notification, the one path every message takes to the topic."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from notifier.core.envelopes import message_attributes

if TYPE_CHECKING:  # the functions that publish render first; the import need not be this module's
    from notifier.core.render import Notification


class Publisher:
    def __init__(self, sns_client: Any, topic_arn: str) -> None:
        self.sns = sns_client
        self.topic_arn = topic_arn

    def publish(self, notification: Notification) -> str:
        """Publish and return the SNS message id; any failure raises so that the caller retries."""
        response = self.sns.publish(
            TopicArn=self.topic_arn,
            Subject=notification.subject,
            # E-mail subscribers get the text, every other protocol the JSON document.
            MessageStructure="json",
            Message=notification.sns_message(),
            MessageAttributes=message_attributes(notification.attributes),
        )
        return str(response["MessageId"])
