"""A notification as SNS delivers it to a queue (the envelope, not raw delivery): its MessageId, its
subject and attributes, and its JSON document. For the functions that pass notifications on."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ssm_event_notifier.contract.route_match import ARRAY_ATTRIBUTES


class NotANotification(ValueError):
    """A record that is not a notification of the topic (its body names what is missing)."""


@dataclass(frozen=True)
class Notification:
    message_id: str  # SNS's own id of the notification: what a relay dedupes on
    document: dict[str, Any]
    subject: str
    attributes: dict[str, str]

    def republished(self, topic_arn: str) -> dict[str, Any]:
        """sns.publish's arguments for the same notification on another topic: e-mail gets the text,
        every other protocol the JSON document, with the same attributes and the id it had on the
        notification topic (`source_message_id`, as the chat relay's cards carry it)."""
        message = {
            "default": json.dumps(self.document, ensure_ascii=False),
            "email": str(self.document.get("text", "")),
        }
        return {
            "TopicArn": topic_arn,
            "Subject": self.subject,
            "MessageStructure": "json",
            "Message": json.dumps(message, ensure_ascii=False),
            "MessageAttributes": message_attributes({**self.attributes, "source_message_id": self.message_id}),
        }


def message_attributes(attributes: dict[str, str]) -> dict[str, dict[str, str]]:
    """sns.publish's MessageAttributes: a list attribute is its JSON text, sent as a String.Array
    (a filter policy's value then matches any of its items)."""
    return {
        name: {"DataType": "String.Array" if name in ARRAY_ATTRIBUTES else "String", "StringValue": value}
        for name, value in attributes.items()
    }


def notification_of(body: str) -> Notification:
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
    attributes = {
        name: str(value.get("Value"))
        for name, value in (envelope.get("MessageAttributes") or {}).items()
        if isinstance(value, dict) and value.get("Value") is not None
    }
    subject = str(envelope.get("Subject") or document.get("subject") or "")
    return Notification(envelope["MessageId"], document, subject, attributes)
