"""One fleet-wide operation through the batch function and the sweeper as Lambda runs them, checked
against the storm's own list (tools/storm_events.py). bench.fleet times it at scale; the tests check it.

The events go through handlers.operation_events as Lambda's SQS event source hands them over: batches
of records (the template's batch size) from concurrent execution environments, each its own copy of
the module (its own clients and recorder); the records a batch names as failed go back in the queue
(SQS delivers them again; one received the redrive policy's maxReceiveCount times would go to the
dead-letter queue, and counts as lost). An in-process queue stands in for SQS. Then
handlers.operation_sweeper, loaded fresh, sums the operation up in one message.
"""

from __future__ import annotations

import importlib.util
import json
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3

from ssm_event_notifier.contract.operations_table import PARTITION_KEY, SORT_KEY
from tools.harness.context import fake_context
from tools.harness.endpoints import ACCOUNT, REGION
from tools.harness.partition_meter import PARTITION_WRITE_LIMIT, PartitionMeter
from tools.harness.sdk_hooks import clients_hooked
from tools.harness.soak import environment
from tools.harness.sqs_records import sqs_record
from tools.harness.subscribers import create_topic_with_queues, drain_queue, envelope_of
from tools.harness.tables import create_operations_table, unique_name
from tools.harness.template import EventSourceMappingSpec, Template
from tools.storm_events import Storm

HANDLER = "handlers.operation_events"
SWEEPER = "handlers.operation_sweeper"
WORKERS = 8  # execution environments when the event source mapping sets no maximum concurrency
BUFFER_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:operation-buffer"


def in_threads(work: Callable[[int], None], threads: int) -> float:
    """`work(number)` in each of `threads` threads; the seconds until all are done."""
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


def load_environment(module_name: str, meter: PartitionMeter | None = None) -> Any:
    """A handler module as one Lambda execution environment has it: a copy of its own (clients, settings)."""
    spec = importlib.util.find_spec(module_name)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    with clients_hooked(*([meter.attach] if meter else [])):
        spec.loader.exec_module(module)
    return module


def record_all(storm: Storm, environments: list[Any], mapping: EventSourceMappingSpec) -> dict[str, Any]:
    """Every event through the batch function, one thread per execution environment: the seconds it
    took, the batches, and the records taken, delivered again and dead-lettered."""
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
            records = [sqs_record(f"m-{i}", json.dumps(storm.events[i]), BUFFER_ARN, receives=r) for i, r in batch]
            try:
                answer = handler({"Records": records}, fake_context())
                failed = {item["itemIdentifier"] for item in answer["batchItemFailures"]}
            except Exception:  # every record failed: Powertools raises, and SQS delivers them all again
                failed = {record["messageId"] for record in records}
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

    seconds = in_threads(worker, len(environments))
    return {"seconds": seconds, **tally}


@dataclass(frozen=True)
class OperationRun:
    """What one run did: the records' fate, the DynamoDB requests, the messages, and what is wrong."""

    storm: Storm
    batch_size: int
    workers: int
    recorded: dict[str, Any]  # record_all's tally
    meter: PartitionMeter  # the batch function's requests
    sweep_meter: PartitionMeter  # the sweeper's
    sweep_seconds: float
    not_final: list[str]  # instances the table does not show at their final status
    received: list[dict[str, Any]]  # the envelopes the topic delivered
    problems: list[str]  # empty when nothing is wrong
    partition: str  # the operation's partition key


def run_operation(
    template: Template,
    storm: Storm,
    workers: int | None = None,
    partition_write_limit: int = PARTITION_WRITE_LIMIT,
) -> OperationRun:
    """A Run Command's storm recorded into a fresh table, then swept. The environment must point at the
    local services (DynamoDB Local, moto)."""
    mapping = buffer_mapping(template)
    workers = workers or mapping.max_concurrency or WORKERS
    dynamodb, sns, sqs = boto3.client("dynamodb"), boto3.client("sns"), boto3.client("sqs")
    table = create_operations_table(dynamodb, unique_name("operations"))
    subscribers = create_topic_with_queues(sns, sqs, "operation")
    meter, sweep_meter = PartitionMeter(partition_write_limit), PartitionMeter(partition_write_limit)
    with environment(
        OPERATIONS_TABLE_NAME=table,
        NOTIFICATION_TOPIC_ARN=subscribers.topic_arn,
        DEAD_LETTER_QUEUE_URL=sqs.create_queue(QueueName=unique_name("operation-dlq"))["QueueUrl"],
        DIGEST_SETTLE_SECONDS="0",  # the message is due as soon as the command's final status is in
    ):
        recorded = record_all(storm, [load_environment(HANDLER, meter) for _ in range(workers)], mapping)
        sweeper = load_environment(SWEEPER, sweep_meter)
        started = time.perf_counter()
        sweeper.handler({"detail-type": "Scheduled Event"}, fake_context())
        sweep_seconds = time.perf_counter() - started
    received = [envelope_of(message) for message in drain_queue(sqs, subscribers.envelope_queue_url)]
    partition = f"command#{storm.operation_id}"
    not_final = _not_final(storm, _statuses(dynamodb, table, partition))
    return OperationRun(
        storm=storm,
        batch_size=mapping.batch_size,
        workers=workers,
        recorded=recorded,
        meter=meter,
        sweep_meter=sweep_meter,
        sweep_seconds=sweep_seconds,
        not_final=not_final,
        received=received,
        problems=_problems(storm, not_final, received, recorded),
        partition=partition,
    )


def _statuses(dynamodb: Any, table: str, operation: str) -> dict[str, str]:
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
