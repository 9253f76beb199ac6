"""The chat relay: a notification as the chat queue received it -> its chat card -> the chat topic, once.

The notification topic delivers each notification (an SNS envelope: its MessageId, and the JSON
document as Message) to the chat queue, filtered by severity; the channel configurations of Amazon
Q Developer subscribe to the chat topic. Once per notification: Powertools idempotency keyed by the
envelope's MessageId, SNS's own id of the notification, so that a redelivered record or a retried
batch never posts a card twice. E-mail and JSON subscribers of the notification topic are untouched:
chat is a subscriber like them.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from notifier.chat.card import chat_payload
from notifier.core.envelopes import NotANotification as NotANotification  # re-exported: what a bad record raises
from notifier.core.envelopes import notification_of
from notifier.once import Once
from notifier.state_table import KeyPrefix


class ChatRelay:
    def __init__(self, sns: Any, dynamodb: Any, topic_arn: str, table_name: str, window_seconds: int) -> None:
        self.sns, self.topic_arn = sns, topic_arn
        self._relay_once = Once(
            self._relay,
            data="notification",
            key="MessageId",
            record=KeyPrefix.CHAT_CARD,
            table_name=table_name,
            window_seconds=window_seconds,
            dynamodb=dynamodb,
        )

    def relay(self, body: str, context: LambdaContext) -> dict[str, Any]:
        """Publish the card of the notification in `body` once; NotANotification for a bad record."""
        notification = notification_of(body)
        published = self._relay_once(
            context, notification={"MessageId": notification.message_id, "document": notification.document}
        )
        # The card is out, but its record could not be completed: the function counts it, and succeeds.
        return {**published.result, "completionNotRecorded": True} if published.not_recorded else published.result

    def _relay(self, notification: dict[str, Any], published: dict[str, Any]) -> dict[str, Any]:
        message_id = publish_card(self.sns, self.topic_arn, notification["document"], notification["MessageId"])
        published.update(messageId=message_id, source=notification["MessageId"])
        return dict(published)


def publish_card(sns: Any, topic_arn: str, document: dict[str, Any], source_message_id: str) -> str:
    """The chat card of a notification's document, published to a topic that channels subscribe to (the
    chat topic, or a route's): its MessageId."""
    response = sns.publish(
        TopicArn=topic_arn,
        Message=json.dumps(chat_payload(document), ensure_ascii=False),
        # Which notification the card is of: for whoever traces one to the other (and the replay).
        MessageAttributes={"source_message_id": {"DataType": "String", "StringValue": source_message_id}},
    )
    return str(response["MessageId"])
