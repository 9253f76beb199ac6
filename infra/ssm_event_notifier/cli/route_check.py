"""Does a route reach its channels? (``ssm-event-notifier test-route``)

A clearly marked test notification goes to each of the route's relayed destinations (its webhooks, Slack
and Teams, PagerDuty, JSM, its own topic): the route relay is invoked with it as the record its queue would
hand it, one destination at a time, and what the relay did (delivered, refused by the destination, deferred
with the reason, skipped) is read from the invocation's log lines. Nothing else receives it: not the other
routes, not the topic's subscribers. A PagerDuty or JSM destination gets a warning, which opens a test
incident there, then its recovery, which resolves it (the relay resolves only what it opened).

A route's e-mail addresses share the notification topic with every other subscriber, so no test is sent
them: each is listed with its subscription's state (an address that never confirmed receives nothing).
Without routes, the test notification is published to the notification topic, and its subscriptions are
listed with their state.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ssm_event_notifier.cli.stack_resources import Invoked, StackResources
from ssm_event_notifier.contract.routes_file import ROUTE_METADATA, relayed_destinations

# The relay's metrics, one per outcome of a record (handlers/route_relay.py), in its log lines.
OUTCOMES = {
    "RouteDelivered": "delivered",
    "RouteRefused": "refused by the destination (the answer waits in its dead-letter queue)",
    "RouteSkipped": "skipped (a route by tags: the test names none of its owners' instances)",
    "DuplicatesSuppressed": "duplicate",
    "RecordsRefused": "refused by the relay",
}


@dataclass(frozen=True)
class Accepted:
    destination: str
    kind: str
    outcome: str
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome in ("delivered", "published", "confirmed")


# The destinations that open incidents: a test is a warning, then its recovery.
ON_CALL = ("pagerduty", "jsm")


def test_notification(
    route: str, stack: str, severity: str = "info", status: str = "Test", run: str = ""
) -> tuple[dict[str, Any], dict[str, str]]:
    """The test document (version 1, as every notification's) and its message attributes. The same `run`
    gives the same incident (its one resource), so that a recovery resolves the warning's incident."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    subject = f"[TEST] SSM Event Notifier: a test of route {route}" + (f" ({status})" if status != "Test" else "")
    summary = f"A test notification sent by `ssm-event-notifier test-route` through route {route} of stack {stack}."
    document = {
        "version": "1",
        "family": "test",
        "detailType": "SSM Event Notifier Test",
        "severity": severity,
        "status": status,
        "subject": subject[:99],
        "summary": summary,
        "text": f"{subject}\n\n{summary}\nNothing happened in Systems Manager: no action is needed.",
        "time": now,
        "eventId": f"test-route-{uuid.uuid4()}",
        "source": "ssm-event-notifier",
        "resources": [f"arn:aws:ssm-event-notifier:::test-route/{route}/{run or uuid.uuid4()}"],
        "fields": {"route": route, "stack": stack},
        "links": {},
        "test": True,
    }
    attributes = {"family": "test", "severity": severity, "detail_type": "SSM Event Notifier Test", "status": status}
    return document, attributes


def _envelope(document: dict[str, Any], attributes: dict[str, str], topic_arn: str) -> str:
    return json.dumps(
        {
            "Type": "Notification",
            "MessageId": str(uuid.uuid4()),
            "TopicArn": topic_arn,
            "Subject": document["subject"],
            "Message": json.dumps(document),
            "Timestamp": document["time"],
            "MessageAttributes": {name: {"Type": "String", "Value": value} for name, value in attributes.items()},
        }
    )


def _record(body: str, queue_arn: str) -> dict[str, Any]:
    """The record the destination's queue would hand the relay (Lambda's SQS event source)."""
    return {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": "test-route",
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "md5OfBody": "-",
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": queue_arn.split(":")[3],
    }


def _relay(stack: StackResources) -> str | None:
    for logical_id, function in stack.of_type("AWS::Lambda::Function").items():
        if "ROUTE_DESTINATIONS" in function["Properties"].get("Environment", {}).get("Variables", {}):
            return logical_id
    return None


def _outcome(invoked: Invoked) -> tuple[str, str]:
    """What the relay did with the one record, from its answer and its log lines."""
    failed = isinstance(invoked.result, dict) and invoked.result.get("batchItemFailures")
    reasons = []
    for line in invoked.logs:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if not isinstance(record, dict):
            continue
        if record.get("reason"):
            reasons.append(str(record["reason"]))
        elif isinstance(record.get("exception"), str):  # Powertools' record of an exception: its last line
            reasons.append(record["exception"].strip().splitlines()[-1])
        for metric, outcome in OUTCOMES.items():
            if metric in record and not failed:
                return outcome, "; ".join(reasons)
    if not invoked.ok:
        return "failed", f"{invoked.error_type}: {invoked.error_message}"
    if failed:
        return "deferred (it would be retried from its queue)", "; ".join(reasons) or "the relay logged no reason"
    return "unknown", "the relay's log lines say nothing of it"


def _route_emails(stack: StackResources) -> dict[str, list[str]]:
    """Route name -> its addresses subscribed to the notification topic (the subscriptions' metadata)."""
    emails: dict[str, list[str]] = {}
    for subscription in stack.of_type("AWS::SNS::Subscription").values():
        route = subscription.get("Metadata", {}).get(ROUTE_METADATA)
        if route and subscription["Properties"].get("Protocol") == "email":
            emails.setdefault(str(route), []).append(str(subscription["Properties"]["Endpoint"]))
    return emails


def _notification_topic(stack: StackResources) -> str:
    publisher = next((f for f in stack.functions() if "NOTIFICATION_TOPIC_ARN" in stack.environment(f)), None)
    if publisher is None:
        raise KeyError(f"stack {stack.name} has no function that publishes to a notification topic")
    return stack.environment(publisher)["NOTIFICATION_TOPIC_ARN"]


def _subscription_states(stack: StackResources, topic: str) -> dict[tuple[str, str], bool]:
    """(protocol, endpoint) -> confirmed, for each subscription of `topic`."""
    states = {}
    for page in stack.client("sns").get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic):
        for subscription in page["Subscriptions"]:
            confirmed = subscription["SubscriptionArn"] != "PendingConfirmation"
            states[(subscription["Protocol"], subscription["Endpoint"])] = confirmed
    return states


def _state(confirmed: bool | None) -> tuple[str, str]:
    if confirmed is None:
        return "not subscribed", "the stack's subscription is not on the topic"
    if not confirmed:
        return "not confirmed", "receives nothing until its owner confirms"
    return "confirmed", ""


def check_route(stack: StackResources, name: str | None) -> list[Accepted]:
    """What each destination of route `name` did with a test notification, and the state of its e-mail
    addresses (the default topic's subscriptions without routes)."""
    relay = _relay(stack)
    destinations = relayed_destinations(stack.environment(relay)["ROUTE_DESTINATIONS"]) if relay else {}
    emails = _route_emails(stack)
    routes = sorted({destination.route for destination in destinations.values()} | set(emails))
    if not routes:
        return _publish(stack, name or "default")
    if name is None:
        raise KeyError(f"name a route of stack {stack.name}: {', '.join(routes)}")
    if name not in routes:
        raise KeyError(f"no route {name!r} in stack {stack.name}; routes: {', '.join(routes)}")
    topic = _notification_topic(stack)
    accepted = []
    if emails.get(name):
        states = _subscription_states(stack, topic)
        for address in emails[name]:
            outcome, why = _state(states.get(("email", address)))
            shared = "no test sent: it shares the notification topic with every other subscriber"
            accepted.append(Accepted(address, "email", outcome, "; ".join(filter(None, (why, shared)))))
    for queue_arn, destination in sorted(destinations.items(), key=lambda item: item[1].id):
        if destination.route != name:
            continue
        run = str(uuid.uuid4())
        on_call = destination.kind in ON_CALL
        tests = [("warning", "Test", run), ("info", "Success", run)] if on_call else [("info", "Test", run)]
        results = []
        for test in tests:
            document, attributes = test_notification(name, stack.name, *test)
            record = _record(_envelope(document, attributes, topic), queue_arn)
            results.append(_outcome(stack.invoke(str(relay), {"Records": [record]})))
        outcome = results[0][0] if len({o for o, _ in results}) == 1 else ", then ".join(o for o, _ in results)
        detail = "; ".join(d for _, d in results if d)
        if on_call and outcome == "delivered":
            detail = "a test incident opened (a warning), then resolved (its recovery)"
        kind = f"{destination.kind}/{destination.format}" if destination.format else destination.kind
        accepted.append(Accepted(destination.id, kind, outcome, detail))
    return accepted


def _publish(stack: StackResources, name: str) -> list[Accepted]:
    """No routes: the test to the notification topic, and each subscription's state."""
    topic = _notification_topic(stack)
    document, attributes = test_notification(name, stack.name)
    sns = stack.client("sns")
    answer = sns.publish(
        TopicArn=topic,
        Subject=document["subject"],
        Message=json.dumps(document),
        MessageAttributes={key: {"DataType": "String", "StringValue": value} for key, value in attributes.items()},
    )
    accepted = [Accepted(topic.rsplit(":", 1)[-1], "topic", "published", f"message {answer['MessageId']}")]
    for (protocol, endpoint), confirmed in _subscription_states(stack, topic).items():
        outcome, why = _state(confirmed)
        accepted.append(Accepted(endpoint, protocol, outcome, why))
    return accepted
