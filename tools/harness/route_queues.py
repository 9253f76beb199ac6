"""Routes' relayed destinations on the local services, as the stack makes them, for the real route relay
handler: a queue per destination subscribed to the notification topic with its route's filter policy
(the SNS envelope: its MessageId is what each delivery is deduplicated on) and a dead-letter queue; the
destinations' secrets in Secrets Manager (moto); the relay's variables naming them; and Lambda's SQS event
source for one destination's queue. The tests of the relay and the bench of its calls share it."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from tools.harness.faults import LambdaTimeout
from tools.harness.handler_loader import LambdaHandler
from tools.harness.http_destinations import LOCAL_APIS, Receiver
from tools.harness.sqs_records import received_record
from tools.harness.tables import unique_name


@dataclass
class Destination:
    spec: dict[str, Any]
    queue_url: str
    queue_arn: str
    dead_letter_url: str


class RouteQueues:
    def __init__(self, sns: Any, sqs: Any, secrets: Any, topic_arn: str, receiver: Receiver) -> None:
        """`topic_arn`: the notification topic; `receiver`: the stand-in for every HTTPS destination."""
        self.sns, self.sqs, self.secrets, self.topic_arn, self.receiver = sns, sqs, secrets, topic_arn, receiver
        self.destinations: dict[str, Destination] = {}
        self.dead_letter_url, _ = self.queue("relay-dead-letters")

    def secret(self, name: str, value: str | dict[str, str]) -> str:
        """A secret holding `value` (an object as its JSON text), under a name of its own: that name."""
        unique = unique_name(name)
        text = value if isinstance(value, str) else json.dumps(value)
        self.secrets.create_secret(Name=unique, SecretString=text)
        return unique

    def queue(self, name: str) -> tuple[str, str]:
        """A queue whose messages come back at once when not deleted (a test's retry needs no wait): its URL
        and ARN."""
        url: str = self.sqs.create_queue(QueueName=unique_name(name), Attributes={"VisibilityTimeout": "0"})["QueueUrl"]
        arn: str = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    def route_topic(self, name: str) -> tuple[str, str]:
        """A topic of a route's own and the URL of a queue that reads it (raw delivery)."""
        topic = self.sns.create_topic(Name=unique_name(name))["TopicArn"]
        reader_url, reader_arn = self.queue(f"{name}-reader")
        self.sns.subscribe(
            TopicArn=topic, Protocol="sqs", Endpoint=reader_arn, Attributes={"RawMessageDelivery": "true"}
        )
        return topic, reader_url

    def add(self, name: str, id_: str, kind: str, policy: dict[str, Any], **spec: str | bool) -> Destination:
        """Destination `id_` ("<route>/<index>") of `kind`, matching `policy` (a filter policy; {}: every
        message), `spec` the rest of what the relay's variables say of it (secret, format, topic_arn, by_tags)."""
        url, arn = self.queue(id_.replace("/", "-"))
        dead_letter_url, _ = self.queue(f"{id_.replace('/', '-')}-dlq")
        attributes = {"RawMessageDelivery": "false", **({"FilterPolicy": json.dumps(policy)} if policy else {})}
        self.sns.subscribe(TopicArn=self.topic_arn, Protocol="sqs", Endpoint=arn, Attributes=attributes)
        route = id_.split("/")[0]
        full = {"id": id_, "route": route, "kind": kind, "dead_letter_queue_url": dead_letter_url, **spec}
        self.destinations[name] = Destination(full, url, arn, dead_letter_url)
        return self.destinations[name]

    def environment(self) -> dict[str, str]:
        """The relay's variables: its destinations by queue ARN, and PagerDuty and JSM on the stand-in."""
        return {
            "ROUTE_DESTINATIONS": json.dumps({d.queue_arn: d.spec for d in self.destinations.values()}),
            **{variable: self.receiver.url(path) for variable, path in LOCAL_APIS.items()},
            "DEAD_LETTER_QUEUE_URL": self.dead_letter_url,
            # A message the destination could not take comes back at once (the queues' visibility timeout
            # is 0), unless the destination said when (Retry-After).
            "ROUTE_RETRY_FIRST_SECONDS": "0",
        }

    def run(self, relay: LambdaHandler, context: LambdaContext, name: str, rounds: int = 3) -> list[str]:
        """Lambda's event source for one destination's queue: batches until it is empty or `rounds` ran;
        the ids of the records the relay reported failed (SQS gives them back)."""
        destination, failed_ids = self.destinations[name], []
        for _ in range(rounds):
            messages = self.sqs.receive_message(QueueUrl=destination.queue_url, MaxNumberOfMessages=10).get(
                "Messages", []
            )
            if not messages:
                break
            records = [received_record(m, destination.queue_arn) for m in messages]
            try:
                failed = {f["itemIdentifier"] for f in relay({"Records": records}, context)["batchItemFailures"]}
            except LambdaTimeout:
                # SQS gives the batch back after its visibility timeout, when the record the timeout left
                # in progress has expired (a function's in-progress records last its remaining time).
                time.sleep(context.get_remaining_time_in_millis() / 1000 + 0.1)
                continue
            failed_ids += sorted(failed)
            for message in messages:
                if message["MessageId"] not in failed:
                    self.sqs.delete_message(QueueUrl=destination.queue_url, ReceiptHandle=message["ReceiptHandle"])
        return failed_ids

    def dead_letters(self, name: str) -> list[dict[str, Any]]:
        url = self.destinations[name].dead_letter_url
        return [
            json.loads(m["Body"])
            for m in self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        ]
