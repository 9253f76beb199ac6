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
import os
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyPersistenceLayerError
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from notifier.core.chat import chat_payload

RECORD_KEY_NAME = "notifier.chat.relay"


class NotANotification(ValueError):
    """A record that is not a notification of the topic (its body names what is missing)."""


def notification_of(body: str) -> dict[str, Any]:
    """The SNS envelope in a record's body, with its document parsed; NotANotification otherwise."""
    try:
        envelope = json.loads(body)
    except ValueError as error:
        raise NotANotification(f"the record is not JSON: {error}") from error
    if not isinstance(envelope, dict) or envelope.get("Type") != "Notification" or not envelope.get("MessageId"):
        raise NotANotification("the record is not an SNS notification (Type, MessageId)")
    try:
        document = json.loads(envelope.get("Message") or "")
    except ValueError as error:
        raise NotANotification(f"its Message is not the notification's JSON document: {error}") from error
    if not isinstance(document, dict) or document.get("version") != "1":
        raise NotANotification("its Message is not a notification document (version 1)")
    return {"MessageId": envelope["MessageId"], "document": document}


def _mark_duplicate(response: Any, record: DataRecord) -> Any:
    """Powertools calls this when it answers from an earlier relay instead of publishing again."""
    return {**response, "duplicate": True} if isinstance(response, dict) else response


class ChatRelay:
    def __init__(self, sns: Any, dynamodb: Any, topic_arn: str, table_name: str, window_seconds: int) -> None:
        self.sns, self.topic_arn = sns, topic_arn
        self.config = IdempotencyConfig(
            event_key_jmespath="MessageId",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=window_seconds,
            response_hook=_mark_duplicate,  # type: ignore[arg-type]  # Powertools types it as a Protocol
        )
        lambda_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "test-func")
        self._relay_once = idempotent_function(
            data_keyword_argument="notification",
            config=self.config,
            # `dynamodb`, not a session of Powertools' own (which loads botocore's data again at cold start).
            persistence_store=DynamoDBPersistenceLayer(table_name=table_name, boto3_client=dynamodb),
            key_prefix=f"{lambda_name}.{RECORD_KEY_NAME}",
        )(self._relay)

    def relay(self, body: str, context: LambdaContext) -> dict[str, Any]:
        """Publish the card of the notification in `body` once; NotANotification for a bad record."""
        self.config.register_lambda_context(context)
        notification = notification_of(body)
        published: dict[str, Any] = {}
        try:
            result: dict[str, Any] = self._relay_once(notification=notification, published=published)
        except IdempotencyPersistenceLayerError:
            if not published:
                raise
            # The card is out, but its record could not be completed: retrying would post it twice.
            result = {**published, "completionNotRecorded": True}
        return result

    def _relay(self, notification: dict[str, Any], published: dict[str, Any]) -> dict[str, Any]:
        payload = chat_payload(notification["document"])
        response = self.sns.publish(
            TopicArn=self.topic_arn,
            Message=json.dumps(payload, ensure_ascii=False),
            # Which notification the card is of: for whoever traces one to the other (and the replay).
            MessageAttributes={"source_message_id": {"DataType": "String", "StringValue": notification["MessageId"]}},
        )
        published.update(messageId=response["MessageId"], source=notification["MessageId"])
        return dict(published)
