"""Is the stack healthy? (``ssm-event-notifier status``)

Read from the stack's own resources: each dead-letter queue's depth and oldest message, each function's
errors and throttles over the last 24 hours and the alarms in ALARM (CloudWatch: a deployed stack only),
the fleet-wide operations whose message is still to go out (the operations table's index of them), and
the last message each function published (its idempotency records). Something needs attention when a
dead-letter queue holds a message, an alarm is in ALARM or a function failed.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ssm_event_notifier.cli.dead_letters import dead_letter_queues
from ssm_event_notifier.cli.redrive import queue_depth
from ssm_event_notifier.cli.stack_resources import StackResources
from ssm_event_notifier.contract.environment import DEDUPE_WINDOW_SECONDS
from ssm_event_notifier.contract.operations_table import PARTITION_KEY, READY_INDEX, READY_KEY, READY_SORT_KEY

DAY = timedelta(hours=24)
# The idempotency records read for the last messages: a bound on what one status costs.
RECORD_PAGES = 20


@dataclass(frozen=True)
class QueueHealth:
    label: str
    depth: int
    oldest_seconds: float | None


@dataclass(frozen=True)
class FunctionHealth:
    label: str
    errors: int | None  # None: not measured (the local stand-ins have no CloudWatch metrics)
    throttles: int | None


@dataclass
class Health:
    queues: list[QueueHealth] = field(default_factory=list)
    functions: list[FunctionHealth] = field(default_factory=list)
    alarms: list[tuple[str, str]] | None = None  # (name, reason) of those in ALARM; None: not known
    open_operations: list[tuple[str, str]] = field(default_factory=list)  # (operation, when its message is due)
    last_messages: list[tuple[str, str, str]] = field(default_factory=list)  # (family, subject, when)

    def attention(self) -> list[str]:
        """What needs someone to look, one line each; empty when all is well."""
        lines = [f"{queue.label}: {queue.depth} waiting (redrive them)" for queue in self.queues if queue.depth]
        lines += [f"alarm {name} is in ALARM: {reason}" for name, reason in self.alarms or []]
        lines += [f"{f.label}: {f.errors} errors in the last 24 h" for f in self.functions if f.errors]
        return lines


def check(stack: StackResources) -> Health:
    health = Health()
    queues = [queue.logical_id for queue in dead_letter_queues(stack)]
    depths = {queue: queue_depth(stack, queue) for queue in queues}
    ages = _metric_ages(stack, queues) if not stack.local else _peeked_ages(stack, [q for q in queues if depths[q]])
    health.queues = [QueueHealth(stack.label(q), depths[q], ages.get(q)) for q in queues]
    functions = stack.functions()
    if stack.local:
        health.functions = [FunctionHealth(label, None, None) for label in functions.values()]
    else:
        sums = _function_sums(stack, list(functions))
        health.functions = [
            FunctionHealth(label, sums.get((f, "Errors"), 0), sums.get((f, "Throttles"), 0))
            for f, label in functions.items()
        ]
        health.alarms = _alarms(stack)
    health.open_operations = _open_operations(stack)
    health.last_messages = _last_messages(stack)
    return health


def _metric_ages(stack: StackResources, queues: list[str]) -> dict[str, float]:
    """ApproximateAgeOfOldestMessage (CloudWatch, the last 15 minutes' highest) of each queue."""
    queries = [
        {
            "Id": f"q{index}",
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/SQS",
                    "MetricName": "ApproximateAgeOfOldestMessage",
                    "Dimensions": [{"Name": "QueueName", "Value": stack.physical[queue].rsplit("/", 1)[-1]}],
                },
                "Period": 300,
                "Stat": "Maximum",
            },
        }
        for index, queue in enumerate(queues)
    ]
    values = _metric_data(stack, queries, timedelta(minutes=15))
    return {queue: max(values[f"q{index}"]) for index, queue in enumerate(queues) if values.get(f"q{index}")}


def _peeked_ages(stack: StackResources, queues: list[str]) -> dict[str, float]:
    """The oldest of the messages a receive returns (made visible again at once): the stand-ins have no metrics."""
    sqs, ages = stack.client("sqs"), {}
    for queue in queues:
        messages = sqs.receive_message(
            QueueUrl=stack.physical[queue],
            MaxNumberOfMessages=10,
            VisibilityTimeout=0,
            AttributeNames=["SentTimestamp"],
        ).get("Messages", [])
        sent = [int(message["Attributes"]["SentTimestamp"]) / 1000 for message in messages]
        if sent:
            ages[queue] = max(time.time() - min(sent), 0.0)
    return ages


def _function_sums(stack: StackResources, functions: list[str]) -> dict[tuple[str, str], int]:
    names = [(f, metric) for f in functions for metric in ("Errors", "Throttles")]
    queries = [
        {
            "Id": f"f{index}",
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/Lambda",
                    "MetricName": metric,
                    "Dimensions": [{"Name": "FunctionName", "Value": stack.physical[function]}],
                },
                "Period": 3600,
                "Stat": "Sum",
            },
        }
        for index, (function, metric) in enumerate(names)
    ]
    values = _metric_data(stack, queries, DAY)
    return {name: int(sum(values.get(f"f{index}", []))) for index, name in enumerate(names)}


def _metric_data(stack: StackResources, queries: list[dict[str, Any]], span: timedelta) -> dict[str, list[float]]:
    cloudwatch, end = stack.client("cloudwatch"), datetime.now(UTC)
    values: dict[str, list[float]] = {}
    for start in range(0, len(queries), 500):  # GetMetricData takes 500 queries a call
        pages = cloudwatch.get_paginator("get_metric_data").paginate(
            MetricDataQueries=queries[start : start + 500], StartTime=end - span, EndTime=end
        )
        for page in pages:
            for result in page["MetricDataResults"]:
                values.setdefault(result["Id"], []).extend(result["Values"])
    return values


def _alarms(stack: StackResources) -> list[tuple[str, str]]:
    names = [stack.physical[a] for a in stack.of_type("AWS::CloudWatch::Alarm") if stack.physical.get(a)]
    cloudwatch, found = stack.client("cloudwatch"), []
    for start in range(0, len(names), 100):  # DescribeAlarms takes 100 names a call
        answer = cloudwatch.describe_alarms(AlarmNames=names[start : start + 100], StateValue="ALARM")
        found += [(alarm["AlarmName"], alarm.get("StateReason", "")) for alarm in answer["MetricAlarms"]]
    return found


def _table(stack: StackResources, partition_key: str) -> str | None:
    for logical_id, table in stack.of_type("AWS::DynamoDB::Table").items():
        keys = table["Properties"].get("KeySchema", [])
        if any(key["KeyType"] == "HASH" and key["AttributeName"] == partition_key for key in keys):
            return stack.physical.get(logical_id)
    return None


def _open_operations(stack: StackResources) -> list[tuple[str, str]]:
    table = _table(stack, PARTITION_KEY)
    if not table:
        return []
    pages = (
        stack.client("dynamodb")
        .get_paginator("query")
        .paginate(
            TableName=table,
            IndexName=READY_INDEX,
            KeyConditionExpression="#ready = :one",
            ExpressionAttributeNames={"#ready": READY_KEY},
            ExpressionAttributeValues={":one": {"S": "1"}},
        )
    )
    found = []
    for page in pages:
        for item in page["Items"]:
            due = item.get(READY_SORT_KEY, {}).get("N")
            when = datetime.fromtimestamp(float(due), UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if due else "?"
            found.append((item[PARTITION_KEY]["S"], when))
    return found


def _last_messages(stack: StackResources) -> list[tuple[str, str, str]]:
    """The newest published message of each family (of each function, for a record written before records
    named their family): the idempotency records hold the subject, and expire a dedupe window after they
    were written."""
    table = _table(stack, "id")
    if not table:
        return []
    window = DEDUPE_WINDOW_SECONDS
    for function in stack.of_type("AWS::Lambda::Function").values():
        value = function["Properties"].get("Environment", {}).get("Variables", {}).get("DEDUPE_WINDOW_SECONDS")
        window = int(value) if str(value).isdigit() else window
    pages = (
        stack.client("dynamodb")
        .get_paginator("scan")
        .paginate(
            TableName=table,
            ProjectionExpression="id, expiration, #data",
            ExpressionAttributeNames={"#data": "data"},
            PaginationConfig={"MaxItems": RECORD_PAGES * 1000},
        )
    )
    labels = {stack.physical.get(f, f): label for f, label in stack.functions().items()}
    newest: dict[str, tuple[float, str]] = {}
    for page in pages:
        for item in page["Items"]:
            try:
                data = json.loads(item.get("data", {}).get("S", "null"))
                expiration = float(item["expiration"]["N"])
            except (KeyError, ValueError):
                continue
            if isinstance(data, dict) and data.get("subject") and not data.get("duplicate"):
                writer = labels.get(item["id"]["S"].split(".", 1)[0], item["id"]["S"].split(".", 1)[0])
                of = str(data.get("family") or writer)
                if expiration > newest.get(of, (0.0, ""))[0]:
                    newest[of] = (expiration, str(data["subject"]))
    return [
        (of, subject, datetime.fromtimestamp(at - window, UTC).strftime("%Y-%m-%d %H:%M UTC"))
        for of, (at, subject) in sorted(newest.items())
    ]
