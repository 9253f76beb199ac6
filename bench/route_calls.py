"""AWS calls and HTTPS requests per new event with routes, by kind of destination, beside the same event
without routes (`make bench`; alone: `make bench-route-calls`).

A State Manager association fails, fails again, recovers, recovers again: four new events. The real
notifying function (its handler module, as Lambda imports it) publishes each to the notification topic
(moto), first once with no route subscribed (the figure without routes). SNS delivers each through each
destination's filter policy: an e-mail address is a subscription and nothing of the notifier's runs for
it; every other destination is a queue that the real route relay handler reads as Lambda's event source
hands it over, one destination after the other. AWS calls are counted from botocore's request events on
the functions' own clients (tools/harness/sdk_hooks.py), HTTPS requests from the stand-in's own log
(tools/harness/http_destinations.py). What AWS does itself (SNS's deliveries, Lambda polling the queues)
is not the functions' and is not counted.
"""

from __future__ import annotations

import copy
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3

from bench.calls import operations
from tools.harness.context import fake_context
from tools.harness.handler_loader import load_handler, load_module
from tools.harness.http_destinations import Receiver
from tools.harness.route_queues import RouteQueues
from tools.harness.samples import EVENTS_DIR, function_of, read
from tools.harness.sdk_hooks import Calls, clients_hooked
from tools.harness.soak import environment
from tools.harness.tables import create_idempotency_table, unique_name

FAILED = EVENTS_DIR / "state-manager/instance-association-failed.json"
RECOVERED = EVENTS_DIR / "state-manager/instance-association-recovered.json"
EVENTS = (FAILED, FAILED, RECOVERED, RECOVERED)
# A destination of each webhook format; the on-call kinds, whose recoveries are counted too.
WEBHOOKS = ("slack", "teams", "json")
ON_CALL = ("pagerduty", "jsm")


def _routes(queues: RouteQueues, receiver: Receiver) -> None:
    """One destination of each kind, each taking every message (their filter policies cost nothing here)."""
    topic, _ = queues.route_topic("route-topic")
    queues.add("topic", "team/0", "topic", {}, topic_arn=topic)
    for index, format_ in enumerate(WEBHOOKS):
        value: str | dict[str, str] = receiver.url(f"/hooks/{format_}")
        if format_ == "json":
            value = {"url": str(value), "signingKey": "bench-signing-key"}
        queues.add(format_, f"hooks/{index}", "webhook", {}, secret=queues.secret(format_, value), format=format_)
    queues.add("pagerduty", "oncall/0", "pagerduty", {}, secret=queues.secret("pd", {"routingKey": "bench-key"}))
    queues.add("jsm", "oncall/1", "jsm", {}, secret=queues.secret("jsm", {"apiKey": "bench-key"}))
    channels, _ = queues.route_topic("route-chat")  # a route's Slack channel: the card to its chat topic
    queues.add("chat", "team/1", "chat", {}, topic_arn=channels, format="slack")


def _tag_reads(context: Any, calls: Calls, event: Any, baseline: Counter[str]) -> dict[str, Any]:
    """A route by tags: the calls the notifying function adds (beyond `baseline`, the same event's without)
    to read the tags of the node a message is about (moto's EC2): for a new event about a node, then for
    the next one about the same node (its tags kept)."""
    with environment(ROUTE_OWNER_TAGS='{"owners": {"Team": ["web"]}}'):
        notify = load_handler(function_of(FAILED))
    calls.take()
    notify(event(FAILED), context)
    first = calls.take() - baseline
    notify(event(FAILED), context)
    kept = calls.take() - baseline
    return {"first": dict(sorted(first.items())), "kept": dict(sorted(kept.items()))}


def _figure(notifier: Counter[str], relay: Counter[str], https: int) -> dict[str, Any]:
    return {
        "calls": sum(notifier.values()) + sum(relay.values()),
        "relay": dict(sorted(relay.items())),
        "https": https,
    }


def measure(command: str) -> dict[str, Any]:
    """The environment must point at the local services; the table, topics, queues and secrets are made here."""
    started = time.monotonic()
    dynamodb, sns, sqs = boto3.client("dynamodb"), boto3.client("sns"), boto3.client("sqs")
    table = create_idempotency_table(dynamodb, unique_name("bench-routes"))
    topic = sns.create_topic(Name=unique_name("bench-routes"))["TopicArn"]
    receiver = Receiver()
    queues = RouteQueues(sns, sqs, boto3.client("secretsmanager"), topic, receiver)
    calls, context = Calls(), fake_context()

    def event(path: Path) -> dict[str, Any]:
        raw = copy.deepcopy(read(path))
        raw["id"] = f"bench-routes-{unique_name(path.stem)}"  # a new event each time
        return raw

    try:
        with (
            environment(IDEMPOTENCY_TABLE_NAME=table, NOTIFICATION_TOPIC_ARN=topic, FAILURE_READS="0"),
            clients_hooked(calls.attach),  # the whole run: the relay makes its secrets client on a first read
        ):
            notify = load_handler(function_of(FAILED))
            calls.take()
            notify(event(FAILED), context)
            without = calls.take()
            email = unique_name("team") + "@example.com"
            policy = '{"severity": ["error", "warning"]}'
            sns.subscribe(TopicArn=topic, Protocol="email", Endpoint=email, Attributes={"FilterPolicy": policy})
            _routes(queues, receiver)
            with environment(**queues.environment()):
                relay = load_module("handlers.route_relay").handler
            calls.take()
            notified: list[Counter[str]] = []
            relayed: dict[str, list[tuple[Counter[str], int]]] = {name: [] for name in queues.destinations}
            for path in EVENTS:
                notify(event(path), context)
                notified.append(calls.take())
                for name in queues.destinations:
                    before = len(receiver.requests)
                    if queues.run(relay, context, name):
                        raise RuntimeError(f"the relay left a delivery to {name} for later")
                    relayed[name].append((calls.take(), len(receiver.requests) - before))
            tags = _tag_reads(context, calls, event, notified[1])
    finally:
        receiver.close()
    result = _result(without, notified, relayed, command, time.monotonic() - started)
    return {**result, "tag_reads": tags}


def _result(
    without: Counter[str],
    notified: list[Counter[str]],
    relayed: dict[str, list[tuple[Counter[str], int]]],
    command: str,
    seconds: float,
) -> dict[str, Any]:
    """Per kind: the second failure's calls (the relay's secret read already); what only the first of a relay
    instance adds; for PagerDuty and JSM the recovery's resolve and a recovery with nothing open."""
    destinations: dict[str, Any] = {"email": _figure(notified[1], Counter(), 0)}
    for name, runs in relayed.items():
        (first, first_https), (second, https) = runs[0], runs[1]
        figures = {**_figure(notified[1], second, https), "first_in_instance": dict(first - second)}
        if first_https != https:
            raise RuntimeError(f"{name}: {first_https} requests for the first event, {https} for the next")
        if name in ON_CALL:
            figures = {
                "trigger": figures,
                "resolve": _figure(notified[2], *runs[2]),
                "nothing_open": _figure(notified[3], *runs[3]),
            }
        destinations[name] = figures
    return {
        "events": [f"{path.parent.name}/{path.name}" for path in EVENTS],
        "without_routes": {"calls": sum(without.values()), "by_operation": dict(sorted(without.items()))},
        "destinations": destinations,
        "measured": {"date": datetime.now(UTC).strftime("%Y-%m-%d"), "command": command, "seconds": round(seconds, 1)},
    }


def _calls(figure: dict[str, Any]) -> str:
    https = f" + {figure['https']} HTTPS" if figure["https"] else ""
    return f"**{figure['calls']}**{https} (relay: {operations(figure['relay']) or 'none'})"


def rows(result: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The benchmark table's rows: each kind beside the figure without routes."""
    without, kinds, measured = result["without_routes"], result["destinations"], result["measured"]
    email = kinds["email"]
    first = [
        (
            f"routes: AWS calls per new event, by destination (`{measured['command']}`, {measured['date']})",
            f"e-mail **{email['calls']}** (+{email['calls'] - without['calls']}: SNS matches the subscription's "
            "filter policy)",
            f"without routes: {without['calls']} ({operations(without['by_operation'])})",
            "-",
        )
    ]
    topic = kinds["topic"]
    alike = all(kinds[f] == kinds[WEBHOOKS[0]] for f in WEBHOOKS)
    webhooks = [(", ".join(WEBHOOKS), kinds[WEBHOOKS[0]])] if alike else [(f, kinds[f]) for f in WEBHOOKS]
    secret = operations(kinds[WEBHOOKS[0]]["first_in_instance"])
    rest = [("... a route's own topic", _calls(topic))]
    rest += [
        (f"... webhook ({formats})", f"{_calls(figure)}; the first of a relay instance: {secret} more")
        for formats, figure in webhooks
    ]
    rest += [("... a route's Slack or Teams channel", _calls(kinds["chat"]))] if "chat" in kinds else []
    rest += [
        (
            f"... {'PagerDuty' if name == 'pagerduty' else 'JSM'}",
            f"trigger {_calls(kinds[name]['trigger'])}; resolve {_calls(kinds[name]['resolve'])}; "
            f"a recovery with no incident open {_calls(kinds[name]['nothing_open'])}; "
            f"the first of a relay instance: {operations(kinds[name]['trigger']['first_in_instance'])} more",
        )
        for name in ON_CALL
    ]
    if "tag_reads" in result:
        tags = result["tag_reads"]
        rest.append(
            (
                "... a route by tags, a message about one node: its tags read",
                f"**+{sum(tags['first'].values())}** for the node's first message ({operations(tags['first'])}); "
                f"**+{sum(tags['kept'].values())}** for its next within 10 minutes (its tags kept)",
            )
        )
    return first + [(label, text, str(without["calls"]), "-") for label, text in rest]
