"""Throughput: events per second through the full handler, over the same DynamoDB and SNS calls made bare.

One thread, the same local services, the same events (samples of the families with a goal,
fresh ids). Bare: Powertools' conditional PutItem, the Publish of the already rendered
notification, the UpdateItem that completes the record, from plain boto3 clients. Rounds
alternate bare and handler so that drift hits both; each side's rate is over all its rounds.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from typing import Any

import boto3

from notifier.core.models import parse_event
from notifier.core.render import Notification, render
from notifier.delivery.publisher import Publisher
from tools.harness.context import fake_context
from tools.harness.handler_loader import load_handler
from tools.harness.soak import soak_samples, with_fresh_ids

FUNCTIONS = ("ami", "run-command", "maintenance-window", "systems-manager")


def _events(count: int) -> list[tuple[str, dict[str, Any]]]:
    pool = [(function, event) for function, event in soak_samples() if function in FUNCTIONS]
    return with_fresh_ids(pool, count, lambda _index: f"bench-throughput-{uuid.uuid4()}")


class Bare:
    """The three requests of a new event, as Powertools and the publisher send them."""

    def __init__(self, table: str, topic_arn: str) -> None:
        self.dynamodb = boto3.client("dynamodb")
        self.sns = boto3.client("sns")
        self.table = table
        self.topic_arn = topic_arn

    def send(self, key: str, notification: Notification) -> None:
        now = time.time()
        self.dynamodb.put_item(
            TableName=self.table,
            Item={
                "id": {"S": key},
                "expiration": {"N": str(int(now) + 86400)},
                "status": {"S": "INPROGRESS"},
                "in_progress_expiration": {"N": str(int(now * 1000) + 30_000)},
            },
            ConditionExpression="attribute_not_exists(#id) OR #expiry < :now OR (#status = :inprogress"
            " AND attribute_exists(#in_progress_expiry) AND #in_progress_expiry < :now_in_millis)",
            ExpressionAttributeNames={
                "#id": "id",
                "#expiry": "expiration",
                "#in_progress_expiry": "in_progress_expiration",
                "#status": "status",
            },
            ExpressionAttributeValues={
                ":now": {"N": str(int(now))},
                ":now_in_millis": {"N": str(int(now * 1000))},
                ":inprogress": {"S": "INPROGRESS"},
            },
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
        message_id = Publisher(self.sns, self.topic_arn).publish(notification)
        self.dynamodb.update_item(
            TableName=self.table,
            Key={"id": {"S": key}},
            UpdateExpression="SET #response_data = :response_data, #expiry = :expiry, #status = :status",
            ExpressionAttributeNames={"#expiry": "expiration", "#response_data": "data", "#status": "status"},
            ExpressionAttributeValues={
                ":expiry": {"N": str(int(now) + 86400)},
                ":response_data": {"S": json.dumps({"messageId": message_id, "subject": notification.subject})},
                ":status": {"S": "COMPLETED"},
            },
        )


def measure(events: int, rounds: int, log_bytes: Any) -> dict[str, Any]:
    """`log_bytes()`: bytes the process wrote to stdout so far (the handlers' logs and metrics)."""
    handlers = {function: load_handler(function) for function in FUNCTIONS}
    bare = Bare(os.environ["IDEMPOTENCY_TABLE_NAME"], os.environ["NOTIFICATION_TOPIC_ARN"])
    per_round = max(events // rounds, 1)

    def run_bare(count: int) -> float:
        prepared = [(f"bare-{event['id']}", render(parse_event(event), event)) for _, event in _events(count)]
        started = time.perf_counter()
        for key, notification in prepared:
            bare.send(key, notification)
        return time.perf_counter() - started

    def run_handler(count: int) -> float:
        work = _events(count)
        started = time.perf_counter()
        for function, event in work:
            if handlers[function](event, fake_context()).get("duplicate"):
                raise RuntimeError(f"unexpected duplicate: {event['id']}")
        return time.perf_counter() - started

    # Untimed: warm both paths (DynamoDB Local's JIT, connection pools, Powertools' first calls).
    run_bare(per_round // 2)
    run_handler(per_round // 2)
    bare_seconds = handler_seconds = 0.0
    logged = 0
    for round_number in range(rounds):
        before = log_bytes()
        if round_number % 2:  # alternate which side goes first
            handler_seconds += run_handler(per_round)
            logged += log_bytes() - before
            bare_seconds += run_bare(per_round)
        else:
            bare_seconds += run_bare(per_round)
            before = log_bytes()
            handler_seconds += run_handler(per_round)
            logged += log_bytes() - before
    total = per_round * rounds
    bare_rate, handler_rate = total / bare_seconds, total / handler_seconds
    return {
        "throughput_ratio": round(handler_rate / bare_rate, 2),
        "goal": ">= 0.8",
        "handler_events_per_second": round(handler_rate, 1),
        "bare_events_per_second": round(bare_rate, 1),
        "handler_ms_per_event": round(1000 / handler_rate, 2),
        "bare_ms_per_event": round(1000 / bare_rate, 2),
        "events": total,
        "rounds": rounds,
        "log_bytes_per_event": round(logged / total),
        "tracing": "off (POWERTOOLS_TRACE_DISABLED, no X-Ray daemon here)",
    }
