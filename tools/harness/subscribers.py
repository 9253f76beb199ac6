"""Subscribers to a topic on the stand-ins, and what they received, read as a subscriber reads it.

* ``Subscribers``: a topic with two SQS subscribers, one with raw delivery and one receiving the
  SNS envelope; ``subscribe_for_emails``: a queue for each e-mail subscription of a template, with its
  filter policy; ``drain_queue`` reads (and deletes) what a queue holds, ``sqs_attributes``,
  ``envelope_of`` and ``envelope_attributes`` take the messages apart.
* ``HttpSubscriber``: an HTTP endpoint subscribed to a topic, counting the copies of each event it
  receives (the soak's subscriber: see its docstring for why not a queue).
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tools.harness.tables import unique_name


@dataclass(frozen=True)
class Subscribers:
    """A topic with two SQS subscribers: one with raw delivery, one receiving the SNS envelope."""

    topic_arn: str
    raw_queue_url: str
    envelope_queue_url: str
    subscription_arns: tuple[str, ...] = field(default=())


def create_topic_with_queues(sns: Any, sqs: Any, prefix: str = "notifier") -> Subscribers:
    topic_arn = sns.create_topic(Name=unique_name(f"{prefix}-topic"))["TopicArn"]
    urls: dict[bool, str] = {}
    subscriptions = []
    for raw in (True, False):
        url = sqs.create_queue(QueueName=unique_name(f"{prefix}-{'raw' if raw else 'envelope'}"))["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        response = sns.subscribe(
            TopicArn=topic_arn,
            Protocol="sqs",
            Endpoint=arn,
            Attributes={"RawMessageDelivery": "true" if raw else "false"},
            ReturnSubscriptionArn=True,
        )
        subscriptions.append(response["SubscriptionArn"])
        urls[raw] = url
    return Subscribers(topic_arn, urls[True], urls[False], tuple(subscriptions))


def delete_topic_with_queues(sns: Any, sqs: Any, subscribers: Subscribers) -> None:
    for arn in subscribers.subscription_arns:
        sns.unsubscribe(SubscriptionArn=arn)
    sns.delete_topic(TopicArn=subscribers.topic_arn)
    for url in (subscribers.raw_queue_url, subscribers.envelope_queue_url):
        sqs.delete_queue(QueueUrl=url)


def subscribe_for_emails(sns: Any, sqs: Any, topic_arn: str, template: dict[str, Any]) -> dict[str, str]:
    """A queue (raw delivery) subscribed to `topic_arn` in the place of each e-mail subscription of the
    synthesized `template` (a route's addresses), with the filter policy the template gives it: address
    -> queue URL. SNS does the matching, as it does for the addresses."""
    queues = {}
    for resource in template["Resources"].values():
        props = resource["Properties"]
        if resource["Type"] != "AWS::SNS::Subscription" or props["Protocol"] != "email":
            continue
        url = sqs.create_queue(QueueName=unique_name("email"))["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        policy = props.get("FilterPolicy")
        attributes = {"RawMessageDelivery": "true", **({"FilterPolicy": json.dumps(policy)} if policy else {})}
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn, Attributes=attributes)
        queues[props["Endpoint"]] = url
    return queues


def drain_queue(sqs: Any, queue_url: str, empty_polls: int = 2, pause: float = 0.05) -> list[dict[str, Any]]:
    """Receive (and delete) every message of the queue, with all its message attributes.

    Stops after `empty_polls` consecutive empty short polls.
    """
    messages: list[dict[str, Any]] = []
    empty = 0
    while empty < empty_polls:
        response = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=10,
            MessageAttributeNames=["All"],
            AttributeNames=["All"],
            WaitTimeSeconds=0,
        )
        batch = response.get("Messages", [])
        if not batch:
            empty += 1
            time.sleep(pause)
            continue
        empty = 0
        messages += batch
        sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)],
        )
    return messages


def sqs_attributes(message: dict[str, Any]) -> dict[str, str]:
    """The String message attributes of an SQS message (raw delivery), as name -> value."""
    return {name: value["StringValue"] for name, value in message.get("MessageAttributes", {}).items()}


def envelope_of(message: dict[str, Any]) -> dict[str, Any]:
    """The SNS envelope an SQS subscriber without raw delivery receives as the body."""
    envelope: dict[str, Any] = json.loads(message["Body"])
    return envelope


def envelope_attributes(envelope: dict[str, Any]) -> dict[str, str]:
    return {name: value["Value"] for name, value in envelope.get("MessageAttributes", {}).items()}


class HttpSubscriber:
    """An HTTP endpoint subscribed to the topic, as a system subscribes: copies received per event id.

    SNS (moto) POSTs each notification, in its envelope, before Publish returns. Not an SQS queue
    here: moto's SQS loses a message sent while another is deleted (its delete rebuilds the list
    unlocked), and slows down with every message a queue holds.
    """

    def __init__(self) -> None:
        self.copies: Counter[str] = Counter()
        lock = threading.Lock()
        copies = self.copies

        class Endpoint(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                envelope = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if envelope.get("Type") == "Notification":
                    with lock:
                        copies[json.loads(envelope["Message"])["eventId"]] += 1
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, name="soak-subscriber", daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
