"""Routes' relayed destinations, on the local services: notifications published to the notification topic
(moto), delivered by SNS to each destination's queue through the route's filter policy, relayed by the
real route relay handler (its dedupe in DynamoDB Local) to a local stand-in of each HTTPS API, the
destinations' secrets in Secrets Manager (moto). What each destination receives, once."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext

from notifier.core.models import parse_event
from notifier.core.render import render
from notifier.delivery.publisher import Publisher
from notifier.routes.open_incidents import OpenIncidents
from ssm_event_notifier.contract.routes_file import DELIVERY_HEADER
from tools.harness.context import fake_context
from tools.harness.faults import Faults, LambdaTimeout
from tools.harness.handler_loader import LambdaHandler, load_module
from tools.harness.http_destinations import Receiver
from tools.harness.samples import EVENTS_DIR, read
from tools.harness.sdk_hooks import Calls, clients_hooked
from tools.harness.sqs_records import received_record
from tools.harness.tables import unique_name

ROUTING_KEY = "pd-routing-key-0123456789abcdef"  # each secret's value is searched for where it must not be
SIGNING_KEY = "json-signing-key-fedcba9876543210"
JSM_KEY = "jsm-api-key-00112233445566778899"


@dataclass
class Destination:
    spec: dict[str, Any]
    queue_url: str
    queue_arn: str
    dead_letter_url: str


class Routes:
    """A destination queue per relayed destination on the notification topic, as the stack makes them."""

    def __init__(self, sns: Any, sqs: Any, secrets: Any, topic_arn: str, receiver: Receiver) -> None:
        self.sns, self.sqs, self.topic_arn, self.receiver = sns, sqs, topic_arn, receiver
        pd, json_hook, slack_hook, jsm = (unique_name(name) for name in ("pd", "json", "slack", "jsm"))
        secrets.create_secret(
            Name=json_hook, SecretString=json.dumps({"url": receiver.url("/hook"), "signingKey": SIGNING_KEY})
        )
        secrets.create_secret(Name=slack_hook, SecretString=receiver.url("/slack"))
        secrets.create_secret(Name=jsm, SecretString=json.dumps({"apiKey": JSM_KEY}))
        secrets.create_secret(Name=pd, SecretString=json.dumps({"routingKey": ROUTING_KEY}))
        self.own_topic = sns.create_topic(Name=unique_name("route-topic"))["TopicArn"]
        self.topic_reader_url, reader_arn = self._queue("route-topic-reader")
        sns.subscribe(
            TopicArn=self.own_topic, Protocol="sqs", Endpoint=reader_arn, Attributes={"RawMessageDelivery": "true"}
        )
        self.destinations = {
            "pagerduty": self._destination("oncall/0", "pagerduty", {}, secret=pd),
            "jsm": self._destination("oncall/1", "jsm", {}, secret=jsm),
            "json": self._destination("systems/0", "webhook", {"severity": ["error"]}, secret=json_hook, format="json"),
            "slack": self._destination(
                "systems/1", "webhook", {"severity": ["error"]}, secret=slack_hook, format="slack"
            ),
            "topic": self._destination("team/0", "topic", {"family": ["state-manager"]}, topic_arn=self.own_topic),
        }
        self.dead_letter_url, _ = self._queue("relay-dead-letters")

    def _queue(self, name: str) -> tuple[str, str]:
        url: str = self.sqs.create_queue(QueueName=unique_name(name), Attributes={"VisibilityTimeout": "0"})["QueueUrl"]
        arn: str = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    def _destination(self, id_: str, kind: str, policy: dict[str, Any], **spec: str) -> Destination:
        url, arn = self._queue(id_.replace("/", "-"))
        dead_letter_url, _ = self._queue(f"{id_.replace('/', '-')}-dlq")
        attributes = {"RawMessageDelivery": "false", **({"FilterPolicy": json.dumps(policy)} if policy else {})}
        self.sns.subscribe(TopicArn=self.topic_arn, Protocol="sqs", Endpoint=arn, Attributes=attributes)
        route = id_.split("/")[0]
        full = {"id": id_, "route": route, "kind": kind, "dead_letter_queue_url": dead_letter_url, **spec}
        return Destination(full, url, arn, dead_letter_url)

    def environment(self) -> dict[str, str]:
        return {
            "ROUTE_DESTINATIONS": json.dumps({d.queue_arn: d.spec for d in self.destinations.values()}),
            "PAGERDUTY_EVENTS_URL": self.receiver.url("/pagerduty/v2/enqueue"),
            "JSM_ALERTS_URL": self.receiver.url("/jsm/v2/alerts"),
            "DEAD_LETTER_QUEUE_URL": self.dead_letter_url,
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


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    stand_in = Receiver()
    yield stand_in
    stand_in.close()


@pytest.fixture
def routes(
    sns: Any, sqs: Any, aws_env: None, subscribers: Any, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> Routes:
    import boto3

    made = Routes(sns, sqs, boto3.client("secretsmanager"), subscribers.topic_arn, receiver)
    for name, value in made.environment().items():
        monkeypatch.setenv(name, value)
    return made


@pytest.fixture
def faults() -> Faults:
    return Faults()


@pytest.fixture
def relay(routes: Routes, faults: Faults, idempotency_table: str) -> LambdaHandler:
    with clients_hooked(faults.attach):
        handler: LambdaHandler = load_module("handlers.route_relay").handler
        return handler


def _association(status: str) -> Any:
    """The association sample, failed or recovered: the same association on the same instance."""
    raw = copy.deepcopy(read(EVENTS_DIR / "state-manager/instance-association-failed.json"))
    raw["id"] = f"{raw['id']}-{status}-{len(status)}"
    raw["detail"]["status"] = raw["detail"]["detailed-status"] = status
    return render(parse_event(raw), raw)


def _publish(routes: Routes, *notifications: Any) -> list[str]:
    """The notifications on the topic; their SNS MessageIds."""
    return [Publisher(routes.sns, routes.topic_arn).publish(notification) for notification in notifications]


def _paged(receiver: Receiver) -> list[str]:
    return [request.json()["event_action"] for request in receiver.received("/pagerduty")]


def test_a_success_with_no_incident_open_sends_pagerduty_nothing(
    routes: Routes,
    relay: LambdaHandler,
    receiver: Receiver,
    lambda_context: LambdaContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _publish(routes, _association("Success"))  # an association that never failed
    assert routes.run(relay, lambda_context, "pagerduty") == []

    assert receiver.received("/pagerduty") == []
    assert '"RouteSkipped":[1.0]' in capsys.readouterr().out  # done with, not left to come back


def test_pagerduty_triggers_then_resolves_one_incident_and_a_repeat_failure_updates_it(
    routes: Routes, relay: LambdaHandler, receiver: Receiver, lambda_context: LambdaContext
) -> None:
    _publish(routes, _association("Failed"))
    routes.run(relay, lambda_context, "pagerduty")
    _publish(routes, _association("Failed"))  # the next run fails too
    routes.run(relay, lambda_context, "pagerduty")
    _publish(routes, _association("Success"))
    routes.run(relay, lambda_context, "pagerduty")
    _publish(routes, _association("Success"))  # and succeeds again: that incident is resolved already
    routes.run(relay, lambda_context, "pagerduty")

    events = [request.json() for request in receiver.received("/pagerduty")]
    assert [event["event_action"] for event in events] == ["trigger", "trigger", "resolve"]
    assert len({event["dedup_key"] for event in events}) == 1  # one incident, updated, then resolved
    assert events[0]["dedup_key"].endswith(
        "/state-manager/0f3b5d7a-9c1e-4a2b-8d4f-6e8a0EXAMPLE/i-0d5e6f7a8bEXAMPLE/AWS-RunShellScript"
    )
    assert events[0]["payload"]["severity"] == "error" and events[0]["routing_key"] == ROUTING_KEY
    assert events[0]["links"][0]["href"].startswith("https://us-east-2.console.aws.amazon.com/systems-manager/")


def test_jsm_creates_an_alert_with_an_alias_and_closes_it_on_recovery_not_before(
    routes: Routes, relay: LambdaHandler, receiver: Receiver, lambda_context: LambdaContext
) -> None:
    _publish(routes, _association("Success"))  # no alert yet: nothing to close
    routes.run(relay, lambda_context, "jsm")
    assert receiver.received("/jsm") == []
    _publish(routes, _association("Failed"))
    routes.run(relay, lambda_context, "jsm")
    _publish(routes, _association("Success"))
    routes.run(relay, lambda_context, "jsm")

    created, closed = receiver.received("/jsm")
    assert created.path == "/jsm/v2/alerts" and created.headers["Authorization"] == f"GenieKey {JSM_KEY}"
    alias = created.json()["alias"]
    assert closed.path.startswith("/jsm/v2/alerts/") and closed.path.endswith("/close?identifierType=alias")
    assert alias.replace("/", "%2F") in closed.path


def test_a_throttled_destination_gets_the_message_once_and_a_refusing_one_puts_it_in_its_dead_letters_once(
    routes: Routes,
    relay: LambdaHandler,
    receiver: Receiver,
    lambda_context: LambdaContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    receiver.answer((429, '{"status": "throttle"}'))  # PagerDuty, first
    (message_id,) = _publish(routes, _association("Failed"))
    assert len(routes.run(relay, lambda_context, "pagerduty", rounds=1)) == 1  # stays in its queue
    assert '"RouteDeferred":[1.0]' in capsys.readouterr().out  # counted as deferred, not as an error
    receiver.answer((400, '{"message": "Invalid routing key"}'))  # the JSON webhook refuses, meanwhile
    assert routes.run(relay, lambda_context, "json") == []  # not retried: retrying cannot help
    assert routes.run(relay, lambda_context, "slack") == []  # another destination is not held up
    assert routes.run(relay, lambda_context, "pagerduty") == []

    answered = [request.json()["event_action"] for request in receiver.received("/pagerduty")]
    assert answered == ["trigger", "trigger"]  # the 429, then the delivery; nothing after it
    # Each request names its delivery, the same on the retry: a receiver can drop a repeat.
    assert {request.headers[DELIVERY_HEADER] for request in receiver.received("/pagerduty")} == {
        f"{message_id}:oncall/0"
    }
    assert [request.headers[DELIVERY_HEADER] for request in receiver.received("/slack")] == [f"{message_id}:systems/1"]
    (dead,) = routes.dead_letters("json")
    assert (dead["status"], dead["route"], dead["kind"]) == (400, "systems", "webhook")
    assert dead["response"] == '{"message": "Invalid routing key"}'
    assert len(receiver.received("/slack")) == 1


def test_a_redelivered_notification_is_delivered_nothing_more(
    routes: Routes, relay: LambdaHandler, receiver: Receiver, sqs: Any, lambda_context: LambdaContext
) -> None:
    _publish(routes, _association("Failed"))
    destination = routes.destinations["slack"]
    (message,) = sqs.receive_message(QueueUrl=destination.queue_url, MaxNumberOfMessages=10)["Messages"]
    record = received_record(message, destination.queue_arn)
    relay({"Records": [record]}, lambda_context)
    relay({"Records": [record]}, lambda_context)

    assert len(receiver.received("/slack")) == 1


def test_the_json_webhook_is_signed_and_the_slack_one_carries_no_mention_from_instance_text(
    routes: Routes, relay: LambdaHandler, receiver: Receiver, lambda_context: LambdaContext
) -> None:
    raw = copy.deepcopy(read(EVENTS_DIR / "state-manager/instance-association-failed.json"))
    raw["detail"]["execution-summary"] = "<!channel> @here see [this](https://evil.example) `rm -rf /`"
    _publish(routes, render(parse_event(raw), raw))
    routes.run(relay, lambda_context, "json")
    routes.run(relay, lambda_context, "slack")

    (signed,) = receiver.received("/hook")
    expected = hmac.new(SIGNING_KEY.encode(), signed.body, hashlib.sha256).hexdigest()
    assert signed.headers["X-Ssm-Notifier-Signature"] == f"sha256={expected}"
    assert signed.json()["version"] == "1" and signed.json()["severity"] == "error"
    (slack,) = receiver.received("/slack")
    text = slack.body.decode()
    for hostile in ("<!channel>", "@here", "](https://evil", "https://evil.example"):
        assert hostile not in text, hostile
    assert slack.json()["text"].endswith("[ERROR] Association AWS-RunShellScript Failed on i-0d5e6f7a8bEXAMPLE")
    assert "\u2039!channel\u203a \uff20here" in slack.json()["blocks"][1]["text"]["text"]  # there, and inert


def test_a_routes_own_topic_gets_the_notification_with_its_attributes_once_under_publish_faults(
    routes: Routes, relay: LambdaHandler, faults: Faults, sqs: Any, lambda_context: LambdaContext
) -> None:
    faults.add("sns.Publish", "Throttling", 3)  # more than the SDK retries: the record comes back
    _publish(routes, _association("Failed"))
    routes.run(relay, lambda_context, "topic")

    received = sqs.receive_message(
        QueueUrl=routes.topic_reader_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    )
    (message,) = received["Messages"]
    assert json.loads(message["Body"])["family"] == "state-manager"
    assert message["MessageAttributes"]["severity"]["StringValue"] == "error"


def test_no_secret_is_in_a_dead_letter_a_delivery_to_another_destination_or_the_logs(
    routes: Routes,
    relay: LambdaHandler,
    receiver: Receiver,
    lambda_context: LambdaContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    receiver.answer((403, "forbidden"), (403, "forbidden"))
    _publish(routes, _association("Failed"))
    for name in ("pagerduty", "jsm", "json", "slack", "topic"):
        routes.run(relay, lambda_context, name)

    logs = capsys.readouterr()
    dead = json.dumps([routes.dead_letters(name) for name in ("pagerduty", "jsm")])
    elsewhere = [r.body.decode() for r in receiver.received("/hook") + receiver.received("/slack")]
    assert '"status": 403' in dead
    for secret in (ROUTING_KEY, SIGNING_KEY, JSM_KEY, receiver.url("/hook"), receiver.url("/slack")):
        for where, text in (("dead letters", dead), ("logs", logs.out + logs.err), ("deliveries", "".join(elsewhere))):
            assert secret not in text, (secret, where)


def test_a_delivery_costs_two_dedupe_writes_and_its_secret_once_an_incident_one_or_two_more_a_redelivery_one(
    routes: Routes, receiver: Receiver, sqs: Any, idempotency_table: str, lambda_context: LambdaContext
) -> None:
    """The calls per message and relayed destination (README, Routes): besides the one POST. An on-call
    destination's trigger records its incident open; its resolve claims that record, then removes it."""
    calls = Calls()
    _publish(routes, _association("Failed"), _association("Success"))
    destination = routes.destinations["pagerduty"]
    messages = sqs.receive_message(QueueUrl=destination.queue_url, MaxNumberOfMessages=10)["Messages"]
    first, second = (received_record(m, destination.queue_arn) for m in messages)
    # Hooked while it runs: the secrets client is made on the first secret read, not at init.
    with clients_hooked(calls.attach):
        relay = load_module("handlers.route_relay").handler
        calls.take()
        relay({"Records": [first]}, lambda_context)
        assert calls.take() == {"dynamodb.PutItem": 2, "dynamodb.UpdateItem": 1, "secrets-manager.GetSecretValue": 1}
        relay({"Records": [second]}, lambda_context)
        # The secret is cached.
        assert calls.take() == {"dynamodb.PutItem": 1, "dynamodb.UpdateItem": 2, "dynamodb.DeleteItem": 1}
        relay({"Records": [first]}, lambda_context)
        assert calls.take() == {"dynamodb.PutItem": 1}  # the failed conditional put answers: a duplicate
    assert len(receiver.received("/pagerduty")) == 2


@pytest.mark.parametrize(
    ("operation", "error", "times", "posts"),
    [
        pytest.param("dynamodb.PutItem", "ProvisionedThroughputExceededException", 5, 1, id="claim-throttled-retried"),
        pytest.param("dynamodb.PutItem", "timeout", 1, 1, id="timeout-before-the-post"),
        # The bound, as for every notification: a timeout between the delivery and its record, at most one
        # duplicate; PagerDuty's dedup_key makes it the same incident.
        pytest.param("dynamodb.UpdateItem", "timeout", 1, 2, id="timeout-after-the-post"),
    ],
)
def test_pagerduty_gets_the_trigger_once_under_faults_or_at_most_twice_past_the_post(
    routes: Routes,
    relay: LambdaHandler,
    faults: Faults,
    receiver: Receiver,
    operation: str,
    error: str,
    times: int,
    posts: int,
) -> None:
    faults.add(operation, error, times)
    _publish(routes, _association("Failed"))
    routes.run(relay, fake_context(remaining_time_in_millis=300), "pagerduty")  # a 0.3 s function
    routes.run(relay, fake_context(remaining_time_in_millis=300), "pagerduty")  # nothing is left to deliver

    assert faults.sent[operation] >= 1  # the fault was met
    _publish(routes, _association("Success"))  # the incident was recorded open, whatever the fault cut short
    routes.run(relay, fake_context(remaining_time_in_millis=300), "pagerduty")

    events = [request.json() for request in receiver.received("/pagerduty")]
    assert [event["event_action"] for event in events] == ["trigger"] * posts + ["resolve"]
    assert len({event["dedup_key"] for event in events}) == 1


def test_a_resolve_cut_short_after_its_post_is_sent_again_on_the_retry_and_the_incident_then_forgotten(
    routes: Routes, relay: LambdaHandler, faults: Faults, receiver: Receiver
) -> None:
    _publish(routes, _association("Failed"))
    routes.run(relay, fake_context(remaining_time_in_millis=300), "pagerduty")
    faults.add("dynamodb.DeleteItem", "timeout")  # between the resolve's POST and the record's removal
    _publish(routes, _association("Success"))
    routes.run(relay, fake_context(remaining_time_in_millis=300), "pagerduty")
    _publish(routes, _association("Success"))
    routes.run(relay, fake_context(remaining_time_in_millis=300), "pagerduty")

    assert _paged(receiver) == ["trigger", "resolve", "resolve"]  # a second resolve changes nothing
    assert faults.sent["dynamodb.DeleteItem"] == 2  # the one cut short, then the retry's


def test_a_resolve_another_relay_is_making_is_not_made_twice(
    routes: Routes,
    relay: LambdaHandler,
    receiver: Receiver,
    dynamodb: Any,
    idempotency_table: str,
    lambda_context: LambdaContext,
) -> None:
    _publish(routes, _association("Failed"))
    routes.run(relay, lambda_context, "pagerduty")
    (trigger,) = receiver.received("/pagerduty")
    # Another instance of the relay, between its claim of the incident and its resolve's POST.
    assert OpenIncidents(dynamodb, idempotency_table).claim("oncall/0", trigger.json()["dedup_key"], "other") is None
    _publish(routes, _association("Success"))
    assert routes.run(relay, lambda_context, "pagerduty") == []

    assert _paged(receiver) == ["trigger"]
