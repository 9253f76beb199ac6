"""Routes' relayed destinations, on the local services: notifications published to the notification topic
(moto), delivered by SNS to each destination's queue through the route's filter policy, relayed by the
real route relay handler (its dedupe in DynamoDB Local) to a local stand-in of each HTTPS API, the
destinations' secrets in Secrets Manager (moto), or to a route's chat topic (moto), where a queue stands
for the route's Slack or Teams channels. What each destination receives, once."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext

from notifier.chat.card import chat_payload
from notifier.core.models import parse_event
from notifier.core.render import render
from notifier.delivery.publisher import Publisher
from notifier.owners.views import OWNERS_KEY
from notifier.routes.open_incidents import OpenIncidents
from ssm_event_notifier.contract.routes_file import DELIVERY_HEADER
from tools.harness.context import fake_context
from tools.harness.digests import run_digest
from tools.harness.faults import Faults
from tools.harness.handler_loader import LambdaHandler, load_module
from tools.harness.http_destinations import Receiver
from tools.harness.route_queues import RouteQueues
from tools.harness.samples import EVENTS_DIR, read
from tools.harness.sdk_hooks import Calls, clients_hooked
from tools.harness.sqs_records import received_record

ROUTING_KEY = "pd-routing-key-0123456789abcdef"  # each secret's value is searched for where it must not be
SIGNING_KEY = "json-signing-key-fedcba9876543210"
JSM_KEY = "jsm-api-key-00112233445566778899"


class Routes(RouteQueues):
    """The relayed destinations these tests deliver to, on the notification topic."""

    def __init__(self, sns: Any, sqs: Any, secrets: Any, topic_arn: str, receiver: Receiver) -> None:
        super().__init__(sns, sqs, secrets, topic_arn, receiver)
        json_hook = self.secret("json", {"url": receiver.url("/hook"), "signingKey": SIGNING_KEY})
        slack_hook = self.secret("slack", receiver.url("/slack"))
        jsm = self.secret("jsm", {"apiKey": JSM_KEY})
        pd = self.secret("pd", {"routingKey": ROUTING_KEY})
        self.own_topic, self.topic_reader_url = self.route_topic("route-topic")
        self.add("pagerduty", "oncall/0", "pagerduty", {}, secret=pd)
        self.add("jsm", "oncall/1", "jsm", {}, secret=jsm)
        self.add("json", "systems/0", "webhook", {"severity": ["error"]}, secret=json_hook, format="json")
        self.add("slack", "systems/1", "webhook", {"severity": ["error"]}, secret=slack_hook, format="slack")
        self.add("topic", "team/0", "topic", {"family": ["state-manager"]}, topic_arn=self.own_topic)
        # Chat channels of Amazon Q Developer: a team's Slack channel (its errors), a route by tags' Teams one.
        self.slack_topic, self.slack_channel_url = self.route_topic("route-chat-slack")
        self.teams_topic, self.teams_channel_url = self.route_topic("route-chat-teams")
        self.add("chat", "team/1", "chat", {"severity": ["error"]}, topic_arn=self.slack_topic, format="slack")
        owners = {"owner_routes": ["web-owners"]}
        self.add("owners", "web-owners/0", "chat", owners, topic_arn=self.teams_topic, format="teams", by_tags=True)

    def only_record(self, name: str) -> dict[str, Any]:
        """The one message in a destination's queue, as the relay's SQS event holds it (left in the queue)."""
        destination = self.destinations[name]
        (message,) = self.sqs.receive_message(QueueUrl=destination.queue_url, MaxNumberOfMessages=10)["Messages"]
        return received_record(message, destination.queue_arn)

    def cards(self, channel_url: str) -> list[dict[str, Any]]:
        """What a chat topic's channels received (raw delivery: the card, and the notification it is of)."""
        messages = self.sqs.receive_message(
            QueueUrl=channel_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        ).get("Messages", [])
        for message in messages:
            self.sqs.delete_message(QueueUrl=channel_url, ReceiptHandle=message["ReceiptHandle"])
        return [
            {"card": json.loads(m["Body"]), "source": m["MessageAttributes"]["source_message_id"]["StringValue"]}
            for m in messages
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


def test_the_next_run_of_a_window_that_failed_resolves_its_incident_and_another_window_opens_its_own(
    routes: Routes, relay: LambdaHandler, receiver: Receiver, lambda_context: LambdaContext
) -> None:
    """Digests (fleet-wide operations, the default): each run has an id of its own; the incident is the window's."""
    _publish(routes, run_digest("window-execution", "run-1", "FAILED", window_id="mw-1", window_execution_id="run-1"))
    _publish(routes, run_digest("window-execution", "run-2", "FAILED", window_id="mw-2", window_execution_id="run-2"))
    routes.run(relay, lambda_context, "pagerduty")
    _publish(routes, run_digest("window-execution", "run-3", "SUCCESS", window_id="mw-1", window_execution_id="run-3"))
    routes.run(relay, lambda_context, "pagerduty")

    sent = [
        (request.json()["event_action"], request.json()["dedup_key"]) for request in receiver.received("/pagerduty")
    ]
    mw_1, mw_2 = "123456789012/eu-west-1/window-execution/mw-1", "123456789012/eu-west-1/window-execution/mw-2"
    assert sorted(sent[:2]) == [("trigger", mw_1), ("trigger", mw_2)]  # one batch: in either order
    assert sent[2:] == [("resolve", mw_1)]


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


def test_a_throttled_destination_is_tried_again_when_its_retry_after_says_not_before(
    routes: Routes, relay: LambdaHandler, receiver: Receiver, sqs: Any, lambda_context: LambdaContext
) -> None:
    receiver.answer((429, '{"message": "slow down"}', {"Retry-After": "2"}), path="/slack")
    _publish(routes, _association("Failed"))
    queue_url = routes.destinations["slack"].queue_url

    assert len(routes.run(relay, lambda_context, "slack", rounds=1)) == 1  # deferred
    # The queue's own visibility timeout is 0: only the relay's deferral keeps the message away now.
    assert sqs.receive_message(QueueUrl=queue_url).get("Messages", []) == []
    time.sleep(2.5)
    assert routes.run(relay, lambda_context, "slack") == []

    assert [request.status for request in receiver.received("/slack")] == [429, 200]
    assert routes.dead_letters("slack") == []


def test_a_redelivered_notification_is_delivered_nothing_more(
    routes: Routes, relay: LambdaHandler, receiver: Receiver, lambda_context: LambdaContext
) -> None:
    _publish(routes, _association("Failed"))
    record = routes.only_record("slack")
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
    """The calls per message and relayed destination (docs/routes.md): besides the one POST. An on-call
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


# The dedupe table's faults, and how many posts each gives: the bound, as for every notification, is a
# timeout between the delivery and its record, at most one duplicate (PagerDuty's dedup_key, JSM's alias and
# a webhook's delivery id make it the same one).
DEDUPE_FAULTS = [
    pytest.param("dynamodb.PutItem", "ProvisionedThroughputExceededException", 5, 1, id="claim-throttled-retried"),
    pytest.param("dynamodb.PutItem", "timeout", 1, 1, id="timeout-before-the-post"),
    pytest.param("dynamodb.UpdateItem", "timeout", 1, 2, id="timeout-after-the-post"),
]


@pytest.mark.parametrize(("operation", "error", "times", "posts"), DEDUPE_FAULTS)
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


@pytest.mark.parametrize(("destination", "path"), [("json", "/hook"), ("slack", "/slack"), ("jsm", "/jsm")])
@pytest.mark.parametrize(("operation", "error", "times", "posts"), DEDUPE_FAULTS)
def test_a_webhook_or_jsm_gets_the_message_once_under_faults_or_twice_past_the_post_as_the_same_delivery(
    routes: Routes,
    relay: LambdaHandler,
    faults: Faults,
    receiver: Receiver,
    destination: str,
    path: str,
    operation: str,
    error: str,
    times: int,
    posts: int,
) -> None:
    faults.add(operation, error, times)
    _publish(routes, _association("Failed"))
    routes.run(relay, fake_context(remaining_time_in_millis=300), destination)  # a 0.3 s function
    routes.run(relay, fake_context(remaining_time_in_millis=300), destination)  # nothing is left to deliver

    assert faults.sent[operation] >= 1  # the fault was met
    received = receiver.received(path)
    assert len(received) == posts
    # A repeat names the same delivery (and JSM's alias the same alert): the receiver can drop it.
    assert len({request.headers[DELIVERY_HEADER] for request in received}) == 1
    if destination == "jsm":
        assert len({request.json()["alias"] for request in received}) == 1


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


def test_a_routes_slack_channel_gets_the_chat_card_of_each_message_it_matches_once(
    routes: Routes, relay: LambdaHandler, lambda_context: LambdaContext
) -> None:
    failed, succeeded = _association("Failed"), _association("Success")
    failed_id, _ = _publish(routes, failed, succeeded)  # the success is no error: the route does not match it
    assert routes.run(relay, lambda_context, "chat") == []

    (received,) = routes.cards(routes.slack_channel_url)
    assert received["card"] == chat_payload(failed.document)  # the chat relay's card, as it publishes it
    assert received["card"]["source"] == "custom" and received["card"]["content"]["description"]
    assert received["source"] == failed_id  # tied to its notification, as the chat relay's cards are
    assert routes.cards(routes.teams_channel_url) == []  # the other route's channel: nothing


def test_a_redelivered_message_and_a_publish_cut_short_post_one_card(
    routes: Routes, relay: LambdaHandler, faults: Faults, lambda_context: LambdaContext
) -> None:
    _publish(routes, _association("Failed"))
    record = routes.only_record("chat")
    faults.add("sns.Publish", "Throttling", 3)  # more than the SDK retries: the record fails, comes back
    assert relay({"Records": [record]}, lambda_context)["batchItemFailures"]
    assert relay({"Records": [record]}, lambda_context)["batchItemFailures"] == []
    assert relay({"Records": [record]}, lambda_context)["batchItemFailures"] == []  # SQS delivered it again

    assert faults.sent["sns.Publish"] >= 1
    assert len(routes.cards(routes.slack_channel_url)) == 1


def test_a_route_by_tags_channel_gets_the_card_of_its_own_view(
    routes: Routes, relay: LambdaHandler, lambda_context: LambdaContext
) -> None:
    whole, view = _association("Failed"), _association("TimedOut")
    # The whole message carries the route's view and names the route, as the digest sweeper makes it.
    message = replace(
        whole,
        document={**whole.document, OWNERS_KEY: {"web-owners": view.document}},
        attributes={**whole.attributes, "owner_routes": json.dumps(["web-owners"])},
    )
    _publish(routes, message)
    routes.run(relay, lambda_context, "owners")

    (received,) = routes.cards(routes.teams_channel_url)
    assert received["card"] == chat_payload(view.document)
    assert received["card"] != chat_payload(whole.document)


def test_a_route_by_tags_channel_gets_a_message_about_one_of_its_nodes_whole_and_not_anothers(
    routes: Routes, relay: LambdaHandler, lambda_context: LambdaContext
) -> None:
    """An event function names the routes of a message about one node (notifier.owners.node_messages):
    no view, the message is all theirs."""
    mine, theirs = _association("Failed"), _association("TimedOut")
    _publish(routes, replace(mine, attributes={**mine.attributes, "owner_routes": json.dumps(["web-owners"])}))
    _publish(routes, replace(theirs, attributes={**theirs.attributes, "owner_routes": json.dumps(["db-owners"])}))
    routes.run(relay, lambda_context, "owners")

    (received,) = routes.cards(routes.teams_channel_url)
    assert received["card"] == chat_payload(mine.document)
