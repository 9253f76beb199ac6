"""Fleet scale: one 10,000-instance Run Command through the batch function, beside bare writes.

The operation of `make storm` made ten times bigger (tools/storm_events.py): 20,002 events, each
instance InProgress then final, 10 % repeated, shuffled. Its events go through
handlers.operation_events as Lambda's SQS event source hands them over: batches of
records (the template's batch size) from as many concurrent execution environments as the template's
event source mapping allows (its maximum concurrency; WORKERS when it sets none; each its own
copy of the module, so its own clients and recorder), the records a batch names as failed put back
in the queue (SQS delivers them again; one received the redrive policy's maxReceiveCount times
would go to the dead-letter queue, and counts as lost here). An in-process queue stands in for
SQS: the figures are the table's and the recorder's.

DynamoDB Local never throttles: bench.partition_meter counts the writes per partition key and
second, and throttles a partition over DynamoDB's limit as DynamoDB does. Bare: the same events,
one unconditional PutItem each, from as many threads.
Then the sweeper sums the operation up; the figures are checked against the storm's own list.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from typing import Any

import boto3

from bench.partition_meter import PARTITION_WRITE_LIMIT, PartitionMeter
from ssm_event_notifier.contract.operations_table import PARTITION_KEY, SORT_KEY
from tools import REPO_ROOT
from tools.harness.context import fake_context
from tools.harness.endpoints import local_aws_environment
from tools.harness.sdk_hooks import clients_hooked
from tools.harness.services import dynamodb_local, moto_process
from tools.harness.soak import environment
from tools.harness.sqs_records import sqs_record
from tools.harness.subscribers import create_topic_with_queues, drain_queue, envelope_of
from tools.harness.tables import create_operations_table, unique_name
from tools.harness.template import EventSourceMappingSpec, Template, ensure_synthesized
from tools.storm_events import Storm, generate

HANDLER = "handlers.operation_events"
WORKERS = 8
# What the issue asks the recorder to hold: 20,000 events of one operation within 5 minutes.
GOAL_EVENTS, GOAL_SECONDS = 20_000, 300
BUFFER_ARN = "arn:aws:sqs:us-east-1:123456789012:bench-buffer"


def _record(index: int, event: dict[str, Any], receives: int) -> dict[str, Any]:
    return sqs_record(f"m-{index}", json.dumps(event), BUFFER_ARN, receives=receives)


def _in_threads(work: Callable[[int], None], threads: int) -> float:
    started = time.perf_counter()
    pool = [threading.Thread(target=work, args=(number,)) for number in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return time.perf_counter() - started


def buffer_mapping(template: Template) -> EventSourceMappingSpec:
    """How the stack's batch function reads the buffer: its batch size, and receives before the dead-letter queue."""
    functions = template.functions()
    (mapping,) = [m for m in template.event_source_mappings() if functions[m.function].handler == HANDLER + ".handler"]
    return mapping


def _record_all(storm: Storm, environments: list[Any], mapping: EventSourceMappingSpec) -> dict[str, Any]:
    """Every event through the batch function, one thread per execution environment."""
    batch_size, max_receives = mapping.batch_size, mapping.max_receive_count or 1
    queue: deque[tuple[int, int]] = deque((index, 1) for index in range(len(storm.events)))
    lock = threading.Lock()
    tally = Counter[str]()

    def worker(number: int) -> None:
        handler = environments[number].handler
        while True:
            with lock:
                batch = [queue.popleft() for _ in range(min(batch_size, len(queue)))]
            if not batch:
                return
            event = {"Records": [_record(i, storm.events[i], receives) for i, receives in batch]}
            try:
                failed = {item["itemIdentifier"] for item in handler(event, fake_context())["batchItemFailures"]}
            except Exception:  # every record failed: Powertools raises, and SQS delivers them all again
                failed = {record["messageId"] for record in event["Records"]}
            with lock:
                tally["batches"] += 1
                for index, receives in batch:
                    if f"m-{index}" not in failed:
                        tally["taken"] += 1
                    elif receives >= max_receives:
                        tally["dead_lettered"] += 1
                    else:
                        tally["delivered_again"] += 1
                        queue.append((index, receives + 1))

    seconds = _in_threads(worker, len(environments))
    return {"seconds": seconds, **tally}


def _bare(storm: Storm, dynamodb: Any, table: str, threads: int) -> float:
    """The same events as unconditional PutItems of the item, from as many threads."""
    pending = iter(range(len(storm.events)))
    lock = threading.Lock()
    key = f"command#{storm.operation_id}"

    def worker(_number: int) -> None:
        while True:
            with lock:
                index = next(pending, None)
            if index is None:
                return
            detail = storm.events[index]["detail"]
            dynamodb.put_item(
                TableName=table,
                Item={
                    PARTITION_KEY: {"S": key},
                    SORT_KEY: {"S": detail.get("instance-id", "#operation")},
                    "status": {"S": detail["status"]},
                },
            )

    return _in_threads(worker, threads)


def _operation_items(dynamodb: Any, table: str, operation: str) -> dict[str, str]:
    """Each recorded item's status, read back page after page."""
    statuses: dict[str, str] = {}
    for page in dynamodb.get_paginator("query").paginate(
        TableName=table,
        KeyConditionExpression="#op = :op",
        ExpressionAttributeNames={"#op": PARTITION_KEY},
        ExpressionAttributeValues={":op": {"S": operation}},
        ConsistentRead=True,
    ):
        statuses.update({item[SORT_KEY]["S"]: item.get("status", {}).get("S", "") for item in page["Items"]})
    return statuses


def _load(module_name: str, meter: PartitionMeter | None = None) -> Any:
    """A handler module as one Lambda execution environment has it: a copy of its own (clients, settings)."""
    spec = importlib.util.find_spec(module_name)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    with clients_hooked(*([meter.attach] if meter else [])):
        spec.loader.exec_module(module)
    return module


def measure(
    template: Template,
    instances: int,
    failures: int,
    workers: int | None = None,
    partition_write_limit: int = PARTITION_WRITE_LIMIT,
) -> dict[str, Any]:
    """The environment must point at the local services (DynamoDB Local, moto)."""
    mapping = buffer_mapping(template)
    workers = workers or mapping.max_concurrency or WORKERS
    dynamodb, sns, sqs = boto3.client("dynamodb"), boto3.client("sns"), boto3.client("sqs")
    storm = generate(instances, failures, kind="command", seed=10)
    table = create_operations_table(dynamodb, unique_name("bench-operations"))
    subscribers = create_topic_with_queues(sns, sqs, "bench-fleet")
    meter = PartitionMeter(partition_write_limit)
    with environment(
        OPERATIONS_TABLE_NAME=table,
        NOTIFICATION_TOPIC_ARN=subscribers.topic_arn,
        DEAD_LETTER_QUEUE_URL=sqs.create_queue(QueueName=unique_name("bench-fleet-dlq"))["QueueUrl"],
        DIGEST_SETTLE_SECONDS="0",  # the message is due as soon as the command's final status is in
    ):
        recorded = _record_all(storm, [_load(HANDLER, meter) for _ in range(workers)], mapping)
        sweep_meter = PartitionMeter(partition_write_limit)
        sweeper = _load("handlers.operation_sweeper", sweep_meter)
        started = time.perf_counter()
        sweeper.handler({"detail-type": "Scheduled Event"}, fake_context())
        sweep_seconds = time.perf_counter() - started
    received = [envelope_of(message) for message in drain_queue(sqs, subscribers.envelope_queue_url)]
    operation = f"command#{storm.operation_id}"
    not_final = _not_final(storm, _operation_items(dynamodb, table, operation))
    peak, mean = meter.busiest()
    bare_table = create_operations_table(dynamodb, unique_name("bench-bare"))
    bare_seconds = _bare(storm, dynamodb, bare_table, workers)
    events = len(storm.events)
    return {
        "instances": instances,
        "events": events,
        "repeats": storm.repeats,
        "workers": workers,
        "batch_size": mapping.batch_size,
        "seconds": round(recorded["seconds"], 1),
        "events_per_second": round(events / recorded["seconds"], 1),
        "bare_events_per_second": round(events / bare_seconds, 1),
        "throughput_ratio": round(bare_seconds / recorded["seconds"], 2),
        "goal": f"{GOAL_EVENTS:,} events within {GOAL_SECONDS} s, no throttling, none lost",
        "batches": recorded["batches"],
        "delivered_again": recorded.get("delivered_again", 0),
        "dead_lettered": recorded.get("dead_lettered", 0),
        "instances_not_final": len(not_final),
        "throttled_requests": meter.throttled,
        "recorder_requests": dict(sorted(meter.requests.items())),
        "sweep_requests": dict(sorted(sweep_meter.requests.items())),
        "partition_peak_writes_per_second": peak,
        "partition_mean_writes_per_second": round(mean, 1),
        "partition_write_limit": partition_write_limit,
        "partition_writes_per_event": round(meter.written(operation) / events, 3),
        "partition_writes_per_second_at_goal": round(meter.written(operation) / events * GOAL_EVENTS / GOAL_SECONDS, 1),
        "sweep_seconds": round(sweep_seconds, 2),
        "problems": _problems(storm, not_final, received, recorded),
        "subjects": [e["Subject"] for e in received],
    }


def _not_final(storm: Storm, statuses: dict[str, str]) -> list[str]:
    """The instances the table does not show at their final status (events lost, or recorded out of order)."""
    failed = set(storm.failed)
    return [name for name in storm.instances if statuses.get(name) != ("Failed" if name in failed else "Success")]


def _problems(storm: Storm, wrong: list[str], received: list[dict[str, Any]], recorded: dict[str, Any]) -> list[str]:
    """What is wrong with the outcome, checked against the storm's own list: empty when nothing."""
    problems = []
    failed = set(storm.failed)
    if recorded.get("dead_lettered"):
        problems.append(f"{recorded['dead_lettered']} records would have gone to the dead-letter queue")
    if recorded["taken"] != len(storm.events):
        problems.append(f"{recorded['taken']} of {len(storm.events)} records taken")
    if wrong:
        problems.append(f"{len(wrong)} instances not at their final status, e.g. {wrong[:3]}")
    if len(received) != 1:
        problems.append(f"{len(received)} messages received, expected 1")
    else:
        document = json.loads(received[0]["Message"])
        counts = document["counts"]
        if counts != {"Failed": len(failed), "Success": len(storm.instances) - len(failed)}:
            problems.append(f"the message counts {counts}")
        named = {item["instanceId"] for item in document["failed"]}
        if named != failed:
            problems.append(f"the message names {len(named)} failed instances, expected {len(failed)}")
    return problems


def main(argv: list[str] | None = None) -> int:
    """This benchmark alone, on its own local services: python -m bench.fleet [--instances N]."""
    parser = argparse.ArgumentParser(prog="python -m bench.fleet", description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, default=10_000)
    parser.add_argument("--failures", type=int, default=20)
    parser.add_argument("--partition-limit", type=int, default=PARTITION_WRITE_LIMIT, help="writes/s per partition")
    args = parser.parse_args(argv)
    with (
        dynamodb_local(REPO_ROOT / "cdk.out.local" / "bench-fleet-dynamodb-local.log") as ddb,
        moto_process() as moto,
        environment(**local_aws_environment(ddb.endpoint_url, moto, "ssm-event-notifier-bench")),
        contextlib.redirect_stdout(io.StringIO()),  # the handlers' logs
    ):
        result = measure(
            Template(ensure_synthesized()), args.instances, args.failures, partition_write_limit=args.partition_limit
        )
    print(json.dumps(result, indent=2))
    return 1 if result["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
